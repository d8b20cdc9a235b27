//! Vertical bar charts: one group per category, one bar per series (wave). Used for
//! mean ties, cross-category ratios and organisation counts.

use super::draw::{self, Align, Canvas, DrawError, Font, MEDIUM, Rgb, SMALL};
use crate::numfmt;

/// How the value axis and the bar labels print numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Plain numbers; bar labels with this many decimals.
    Number {
        /// Decimals of the bar labels.
        decimals: usize,
    },
    /// Shares in `[0, 1]`, printed as whole percentages on a fixed 0-100% axis.
    Percent,
}

/// A group of bars sharing a category.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGroup {
    /// Category label (the x-axis tick).
    pub label: String,
    /// Category colour.
    pub colour: Rgb,
    /// Below the suppression threshold: no bar and no number, only `note`.
    pub suppressed: bool,
    /// One value per series; `None` is undefined (for example no ties) and drawn as
    /// a dash. Ignored when `suppressed`.
    pub values: Vec<Option<f64>>,
}

/// A grouped bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Y-axis title.
    pub y_label: String,
    /// Series names (waves), earliest first; earlier series are drawn lighter. With
    /// one series there is no legend.
    pub series: Vec<String>,
    /// Groups in display order.
    pub groups: Vec<BarGroup>,
    /// Number format and axis.
    pub scale: Scale,
    /// Written in a suppressed group's place, for example `fewer than 3`.
    pub suppressed_note: String,
}

/// Width of a chart.
pub const WIDTH: u32 = 1000;
/// Height of a chart.
pub const HEIGHT: u32 = 560;

/// The fill of series `i` of `m`: the last in full colour, earlier ones lighter.
pub fn series_fill(base: Rgb, i: usize, m: usize) -> Rgb {
    if m <= 1 {
        return base;
    }
    let steps = (m - 1) as f64;
    base.tint(0.62 * (steps - i as f64) / steps)
}

impl BarChart {
    /// The values drawn: `(group, series, value)` for every bar, in drawing order.
    /// Suppressed groups and undefined values have none.
    pub fn bars(&self) -> Vec<(usize, usize, f64)> {
        let mut out = Vec::new();
        for (g, group) in self
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| !g.suppressed)
        {
            for (s, v) in group.values.iter().enumerate() {
                if let Some(v) = v.filter(|v| v.is_finite()) {
                    out.push((g, s, v));
                }
            }
        }
        out
    }

    fn format(&self, v: f64) -> String {
        match self.scale {
            Scale::Number { decimals } => numfmt::fixed(v, decimals),
            Scale::Percent => numfmt::percent(v),
        }
    }

    /// Draws the chart as an SVG document of the print size.
    pub fn to_svg(&self) -> Result<String, DrawError> {
        self.to_svg_sized(WIDTH, HEIGHT)
    }

    /// Draws the chart on a canvas of `width` by `height` pixels; the text keeps its
    /// size, so a smaller canvas gives relatively larger text (the projection variant).
    pub fn to_svg_sized(&self, width: u32, height: u32) -> Result<String, DrawError> {
        draw::svg(width, height, |c| self.draw(c, width, height))
    }

    // Long because axes, bars, value labels, gaps and notes share one coordinate
    // system computed at the top; each part is a commented block.
    fn draw(&self, c: &Canvas<'_, '_>, width: u32, height: u32) -> Result<(), DrawError> {
        let (w, h) = (f64::from(width), f64::from(height));
        let legend = self.series.len() > 1;
        let (left, right) = (96.0, w - 16.0);
        // On the fixed percent axis a full bar needs room above 100% for its label.
        let headroom = if self.scale == Scale::Percent {
            26.0
        } else {
            0.0
        };
        let top = if legend { 64.0 } else { 24.0 } + headroom;
        let label_lines = 3;
        let bottom = h - 16.0 - label_lines as f64 * SMALL * draw::LEADING;
        let n = self.groups.len().max(1);
        let group_w = (right - left) / n as f64;

        let bars = self.bars();
        let (y_max, step) = match self.scale {
            Scale::Percent => (1.0, 0.2),
            Scale::Number { .. } => {
                let max = bars.iter().map(|b| b.2).fold(0.0f64, f64::max);
                draw::nice_axis(max * 1.08)
            }
        };
        let y_of = |v: f64| bottom - (v.clamp(0.0, y_max) / y_max) * (bottom - top);

        // Grid and value axis.
        let ticks = (y_max / step).round() as usize;
        let decimals = draw::decimals_for(step);
        for t in 0..=ticks {
            let v = step * t as f64;
            let y = y_of(v);
            if t > 0 {
                c.line(&[(left, y), (right, y)], Rgb::GRID, 1)?;
            }
            let label = match self.scale {
                Scale::Percent => numfmt::percent(v),
                Scale::Number { .. } => numfmt::fixed(v, decimals),
            };
            c.text(
                &label,
                (left - 10.0, y),
                Font::new(SMALL).align(Align::End).colour(Rgb::MUTED),
            )?;
        }
        c.text(
            &self.y_label,
            (24.0, (top + bottom) / 2.0),
            Font::new(MEDIUM).align(Align::Middle).vertical(),
        )?;

        // Bars.
        let m = self.series.len().max(1);
        let slot = group_w * 0.8 / m as f64;
        let bar_w = slot * 0.9;
        for (g, group) in self.groups.iter().enumerate() {
            let gx = left + group_w * g as f64;
            let centre = gx + group_w / 2.0;
            let lines = draw::wrap(&group.label, group_w - 8.0, SMALL, label_lines);
            c.lines(
                &lines,
                (centre, bottom + 14.0 + SMALL / 2.0),
                Font::new(SMALL).align(Align::Middle),
            )?;
            if group.suppressed {
                let note = draw::wrap(&self.suppressed_note, group_w - 12.0, SMALL, 3);
                c.lines_centred(
                    &note,
                    (centre, bottom - 50.0),
                    Font::new(SMALL).align(Align::Middle).colour(Rgb::MUTED),
                )?;
                continue;
            }
            let base = group.colour;
            for (s, v) in group.values.iter().enumerate() {
                let x0 = gx + group_w * 0.1 + slot * s as f64 + (slot - bar_w) / 2.0;
                let x1 = x0 + bar_w;
                let xm = (x0 + x1) / 2.0;
                match v.filter(|v| v.is_finite()) {
                    Some(v) => {
                        let y = y_of(v);
                        let fill = series_fill(base, s, m);
                        c.rect(
                            (x0, y),
                            (x1, bottom),
                            Some(fill),
                            Some((base.shade(0.3), 1)),
                        )?;
                        let label = self.format(v);
                        if draw::text_width(&label, SMALL) <= slot + 6.0 {
                            c.text(
                                &label,
                                (xm, y - 14.0),
                                Font::new(SMALL).align(Align::Middle),
                            )?;
                        }
                    }
                    None => {
                        c.text(
                            "\u{2013}",
                            (xm, bottom - 14.0),
                            Font::new(SMALL).align(Align::Middle).colour(Rgb::MUTED),
                        )?;
                    }
                }
            }
        }
        c.line(&[(left, bottom), (right, bottom)], Rgb::AXIS, 1)?;

        // The legend: one grey swatch per series, lighter for earlier series.
        if legend {
            let mut x = left;
            for (s, name) in self.series.iter().enumerate() {
                let fill = series_fill(Rgb(0x55, 0x55, 0x55), s, m);
                c.rect(
                    (x, 18.0),
                    (x + 28.0, 40.0),
                    Some(fill),
                    Some((Rgb(0x33, 0x33, 0x33), 1)),
                )?;
                c.text(name, (x + 38.0, 29.0), Font::new(SMALL))?;
                x += 38.0 + draw::text_width(name, SMALL) + 36.0;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> BarChart {
        BarChart {
            y_label: "Mean".into(),
            series: vec!["Before".into(), "After".into()],
            groups: vec![
                BarGroup {
                    label: "A".into(),
                    colour: Rgb(0xE6, 0x9F, 0x00),
                    suppressed: false,
                    values: vec![Some(1.5), None],
                },
                BarGroup {
                    label: "B".into(),
                    colour: Rgb(0x12, 0x34, 0x56),
                    suppressed: true,
                    values: vec![Some(9.25), Some(9.75)],
                },
            ],
            scale: Scale::Number { decimals: 1 },
            suppressed_note: "fewer than 3".into(),
        }
    }

    #[test]
    fn svg_is_deterministic_and_names_the_font() {
        let chart = chart();
        let a = chart.to_svg().expect("draws");
        assert_eq!(a, chart.to_svg().expect("draws"));
        assert!(a.starts_with("<svg"));
        assert!(a.contains("font-family=\"Inter\""));
        assert!(a.contains("font-size=\"18\""));
        assert!(a.contains(">\n1.5\n</text>"));
    }

    #[test]
    fn suppressed_groups_have_no_bar_and_no_number() {
        let chart = chart();
        assert_eq!(chart.bars(), vec![(0, 0, 1.5)]);
        let svg = chart.to_svg().expect("draws");
        assert!(!svg.contains("#123456"), "no bar in the suppressed colour");
        assert!(!svg.contains("9.2") && !svg.contains("9.8"));
        assert!(svg.contains(">\nfewer than 3\n</text>"));
    }
}
