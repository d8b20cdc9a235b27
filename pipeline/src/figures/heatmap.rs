//! Heat maps of a symmetric count matrix (the mixing matrix of ties between the
//! categories of a dimension), every cell annotated with its count.

use super::draw::{self, Align, Canvas, DrawError, Font, MEDIUM, Rgb, SMALL};

/// A square heat map with the same categories on both axes.
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Category labels, rows top to bottom and columns left to right.
    pub labels: Vec<String>,
    /// Hidden categories (small, or hidden to protect a small one): their row and
    /// column are blank.
    pub suppressed: Vec<bool>,
    /// How a hidden category's size is printed beside its label (`<3`, `n/s`).
    pub marks: Vec<String>,
    /// Cells withheld by disclosure control although their row and column are shown
    /// (`withheld[i][j]`, symmetric): blank too.
    pub withheld: Vec<Vec<bool>>,
    /// `counts[i][j]`, symmetric.
    pub counts: Vec<Vec<u64>>,
    /// The suppression threshold, for the note.
    pub threshold: u32,
    /// What the counts are, for the scale (for example `Ties`).
    pub unit: String,
}

/// Width of the figure.
pub const WIDTH: u32 = 1000;
/// Height of the figure.
pub const HEIGHT: u32 = 560;

/// The colour scale: ColorBrewer's nine-class single-hue Blues, which reads under
/// every common colour-vision deficiency and in greyscale.
const BLUES: [Rgb; 9] = [
    Rgb(0xF7, 0xFB, 0xFF),
    Rgb(0xDE, 0xEB, 0xF7),
    Rgb(0xC6, 0xDB, 0xEF),
    Rgb(0x9E, 0xCA, 0xE1),
    Rgb(0x6B, 0xAE, 0xD6),
    Rgb(0x42, 0x92, 0xC6),
    Rgb(0x21, 0x71, 0xB5),
    Rgb(0x08, 0x51, 0x9C),
    Rgb(0x08, 0x30, 0x6B),
];

/// The colour at `t` in `[0, 1]` of the scale, interpolated between its classes.
fn ramp(t: f64) -> Rgb {
    let x = t.clamp(0.0, 1.0) * (BLUES.len() - 1) as f64;
    let i = (x as usize).min(BLUES.len() - 2);
    BLUES[i].mix(BLUES[i + 1], x - i as f64)
}

impl Heatmap {
    fn hidden(&self, i: usize) -> bool {
        self.suppressed.get(i).copied().unwrap_or(false)
    }

    fn cell_withheld(&self, i: usize, j: usize) -> bool {
        self.withheld
            .get(i)
            .and_then(|r| r.get(j))
            .copied()
            .unwrap_or(false)
    }

    /// The cells drawn with a count: `(row, column, count)`, rows first. Cells in a
    /// suppressed row or column, and withheld cells, have none.
    pub fn cells(&self) -> Vec<(usize, usize, u64)> {
        let mut out = Vec::new();
        for (i, row) in self.counts.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                if !self.hidden(i) && !self.hidden(j) && !self.cell_withheld(i, j) {
                    out.push((i, j, v));
                }
            }
        }
        out
    }

    /// The fill of a cell holding `v` when the largest shown count is `max`.
    pub fn fill(v: u64, max: u64) -> Rgb {
        ramp(v as f64 / max.max(1) as f64)
    }

    /// Draws the heat map as an SVG document.
    pub fn to_svg(&self) -> Result<String, DrawError> {
        draw::svg(WIDTH, HEIGHT, |c| self.draw(c))
    }

    // Long because labels, cells, scale and notes share one grid computed at the top;
    // each part is a block of its own.
    fn draw(&self, c: &Canvas<'_, '_>) -> Result<(), DrawError> {
        let k = self.labels.len().max(1);
        let (left, top) = (300.0, 96.0);
        let cell = ((f64::from(HEIGHT) - top - 56.0) / k as f64)
            .min((f64::from(WIDTH) - left - 190.0) / k as f64);
        let cells = self.cells();
        let max = cells.iter().map(|c| c.2).max().unwrap_or(0);
        let count_px = if cell >= 64.0 { MEDIUM } else { SMALL };

        for i in 0..k {
            let hidden = self.hidden(i);
            let label = self.labels.get(i).map_or("", String::as_str);
            let label = if hidden {
                let mark = self.marks.get(i).map_or("n/s", String::as_str);
                format!("{label} ({mark})")
            } else {
                label.to_owned()
            };
            let font = Font::new(SMALL).colour(if hidden { Rgb::MUTED } else { Rgb::INK });
            let yc = top + cell * (i as f64 + 0.5);
            let rows = draw::wrap(&label, left - 28.0, SMALL, 3);
            c.lines_centred(&rows, (left - 12.0, yc), font.align(Align::End))?;
            let xc = left + cell * (i as f64 + 0.5);
            let cols = draw::wrap(&label, cell - 6.0, SMALL, 3);
            let above = top - 12.0 - (cols.len() as f64 - 0.5) * SMALL * draw::LEADING;
            c.lines(&cols, (xc, above), font.align(Align::Middle))?;
        }
        for i in 0..k {
            for j in 0..k {
                let (x, y) = (left + cell * j as f64, top + cell * i as f64);
                c.rect(
                    (x, y),
                    (x + cell, y + cell),
                    Some(Rgb::PAPER),
                    Some((Rgb::GRID, 1)),
                )?;
            }
        }
        for &(i, j, v) in &cells {
            let (x, y) = (left + cell * j as f64, top + cell * i as f64);
            let fill = Heatmap::fill(v, max);
            c.rect(
                (x, y),
                (x + cell, y + cell),
                Some(fill),
                Some((Rgb::PAPER, 2)),
            )?;
            let font = Font::new(count_px)
                .align(Align::Middle)
                .colour(fill.text_on());
            c.text(
                &v.to_string(),
                (x + cell / 2.0, y + cell / 2.0),
                if i == j { font.bold() } else { font },
            )?;
        }

        // The scale: five steps from zero to the largest count.
        let sx = left + cell * k as f64 + 48.0;
        c.text(&self.unit, (sx, top + 6.0), Font::new(SMALL).bold())?;
        let steps = 5;
        let sh = 34.0;
        for s in 0..steps {
            let t = (steps - 1 - s) as f64 / (steps - 1) as f64;
            let y = top + 26.0 + sh * s as f64;
            c.rect(
                (sx, y),
                (sx + 28.0, y + sh),
                Some(ramp(t)),
                Some((Rgb::GRID, 1)),
            )?;
        }
        c.text(
            &max.to_string(),
            (sx + 38.0, top + 26.0 + sh / 2.0),
            Font::new(SMALL).colour(Rgb::MUTED),
        )?;
        c.text(
            "0",
            (sx + 38.0, top + 26.0 + sh * (steps as f64 - 0.5)),
            Font::new(SMALL).colour(Rgb::MUTED),
        )?;
        let legend = draw::wrap(
            "Bold: ties within a category",
            f64::from(WIDTH) - sx - 12.0,
            SMALL,
            3,
        );
        c.lines(
            &legend,
            (sx, top + 56.0 + sh * steps as f64),
            Font::new(SMALL).colour(Rgb::MUTED),
        )?;

        let any_withheld = (0..k).any(|i| (0..k).any(|j| self.cell_withheld(i, j)));
        if (0..k).any(|i| self.hidden(i)) || any_withheld {
            let note = format!(
                "Blank: categories with fewer than {} organisations (<{}), those hidden to protect them (n/s), and cells that would give them away",
                self.threshold, self.threshold
            );
            c.text(
                &note,
                (left, top + cell * k as f64 + 28.0),
                Font::new(SMALL).colour(Rgb::MUTED),
            )?;
        }
        Ok(())
    }
}
