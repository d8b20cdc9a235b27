//! The conceptual model of organisational profile dimensions: one 100%-stacked bar
//! per dimension, each organisation counted once in every dimension.

use super::draw::{self, Align, Canvas, DrawError, Font, MEDIUM, Rgb, SMALL};

/// One category's part of a bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Category label.
    pub label: String,
    /// Category colour.
    pub colour: Rgb,
    /// Organisations (used only when shown).
    pub count: usize,
    /// Hidden by disclosure control: no segment, and the count printed as `shown`.
    pub suppressed: bool,
    /// The count as printed: the number, `<N` for a small group, `n/s` for a group
    /// hidden to protect one.
    pub shown: String,
}

/// One dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Dimension label.
    pub label: String,
    /// Categories in display order.
    pub segments: Vec<Segment>,
}

/// The whole figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Dimensions in the order of `study.toml`.
    pub rows: Vec<Row>,
    /// The suppression threshold, for the `<N` labels.
    pub threshold: u32,
}

/// Width of the figure.
pub const WIDTH: u32 = 1000;
/// Least height of the printed figure.
pub const MIN_HEIGHT: u32 = 560;
const BAR_LEFT: f64 = 270.0;
/// The margin right of the bars.
const RIGHT_MARGIN: f64 = 16.0;
const BAR_H: f64 = 38.0;
const LINE: f64 = 28.0;
const GAP: f64 = 26.0;
/// Room below the rows for the note on suppressed groups.
const NOTE: f64 = 56.0;

/// A legend entry under a bar: its swatch position and text.
struct Entry<'a> {
    segment: &'a Segment,
    text: String,
    x: f64,
    line: usize,
}

impl Segment {
    /// The count as printed (see [`Segment::shown`]).
    pub fn count_text(&self) -> String {
        self.shown.clone()
    }
}

impl Row {
    /// The organisations drawn: those in categories at or above the threshold.
    pub fn shown(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| !s.suppressed)
            .map(|s| s.count)
            .sum()
    }

    fn entries(&self, bar_right: f64) -> Vec<Entry<'_>> {
        let mut out = Vec::new();
        let (mut x, mut line) = (BAR_LEFT, 0);
        for segment in &self.segments {
            let label =
                draw::wrap(&segment.label, bar_right - BAR_LEFT - 120.0, SMALL, 1).join(" ");
            let text = format!("{label}: {}", segment.count_text());
            let w = 24.0 + draw::text_width(&text, SMALL);
            if x > BAR_LEFT && x + w > bar_right {
                x = BAR_LEFT;
                line += 1;
            }
            out.push(Entry {
                segment,
                text,
                x,
                line,
            });
            x += w + 26.0;
        }
        out
    }

    fn height(&self, bar_right: f64) -> f64 {
        let lines = self.entries(bar_right).last().map_or(0, |e| e.line + 1);
        BAR_H + 12.0 + lines as f64 * LINE
    }
}

impl Profile {
    /// Height of the figure `width` pixels wide: at least `min` pixels, more for
    /// many dimensions.
    pub fn height(&self, width: u32, min: u32) -> u32 {
        let bar_right = f64::from(width) - RIGHT_MARGIN;
        let rows: f64 = self.rows.iter().map(|r| r.height(bar_right) + GAP).sum();
        (rows + NOTE).max(f64::from(min)) as u32
    }

    /// Draws the figure as an SVG document of the print size.
    pub fn to_svg(&self) -> Result<String, DrawError> {
        self.to_svg_sized(WIDTH, MIN_HEIGHT)
    }

    /// Draws the figure `width` pixels wide and at least `min_height` high; the text
    /// keeps its size (a narrower canvas is the projection variant).
    pub fn to_svg_sized(&self, width: u32, min_height: u32) -> Result<String, DrawError> {
        let height = self.height(width, min_height);
        draw::svg(width, height, |c| self.draw(c, width, height))
    }

    fn draw(&self, c: &Canvas<'_, '_>, width: u32, height: u32) -> Result<(), DrawError> {
        let bar_right = f64::from(width) - RIGHT_MARGIN;
        let heights: Vec<f64> = self.rows.iter().map(|r| r.height(bar_right)).collect();
        let used: f64 = heights.iter().sum();
        let n = self.rows.len().max(1) as f64;
        let gap = ((f64::from(height) - NOTE - used) / n).max(GAP);
        let mut y = 16.0 + gap / 2.0;
        let mut suppressed_any = false;
        for (row, h) in self.rows.iter().zip(&heights) {
            let label = draw::wrap(&row.label, BAR_LEFT - 36.0, MEDIUM, 3);
            c.lines_centred(&label, (16.0, y + BAR_H / 2.0), Font::new(MEDIUM).bold())?;
            let total = row.shown();
            let mut x = BAR_LEFT;
            for s in row.segments.iter().filter(|s| !s.suppressed && s.count > 0) {
                let w = (bar_right - BAR_LEFT) * s.count as f64 / total.max(1) as f64;
                c.rect(
                    (x, y),
                    (x + w, y + BAR_H),
                    Some(s.colour),
                    Some((Rgb::PAPER, 1)),
                )?;
                let count = s.count.to_string();
                if draw::text_width(&count, SMALL) + 10.0 <= w {
                    c.text(
                        &count,
                        (x + w / 2.0, y + BAR_H / 2.0),
                        Font::new(SMALL)
                            .align(Align::Middle)
                            .colour(s.colour.text_on()),
                    )?;
                }
                x += w;
            }
            for e in row.entries(bar_right) {
                let yc = y + BAR_H + 12.0 + LINE * (e.line as f64 + 0.5);
                if e.segment.suppressed {
                    suppressed_any = true;
                    c.rect(
                        (e.x, yc - 8.0),
                        (e.x + 16.0, yc + 8.0),
                        None,
                        Some((Rgb::NEUTRAL, 1)),
                    )?;
                    c.text(
                        &e.text,
                        (e.x + 24.0, yc),
                        Font::new(SMALL).colour(Rgb::MUTED),
                    )?;
                } else {
                    c.rect(
                        (e.x, yc - 8.0),
                        (e.x + 16.0, yc + 8.0),
                        Some(e.segment.colour),
                        None,
                    )?;
                    c.text(&e.text, (e.x + 24.0, yc), Font::new(SMALL))?;
                }
            }
            y += h + gap;
        }
        if suppressed_any {
            let note = format!(
                "<{t}: fewer than {t} organisations; n/s: not shown, to protect them; neither is drawn",
                t = self.threshold
            );
            c.text(
                &note,
                (bar_right, f64::from(height) - 16.0),
                Font::new(SMALL).align(Align::End).colour(Rgb::MUTED),
            )?;
        }
        Ok(())
    }
}
