//! Grouped bar charts: one group per category, one bar per series (wave).

use plotters::prelude::*;

use super::FONT;
use crate::numfmt;

/// A group of bars sharing a category.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGroup {
    /// Category label (the x-axis tick).
    pub label: String,
    /// Category colour, `#RRGGBB`.
    pub colour: String,
    /// One value per series; `None` is suppressed and drawn as a marked gap.
    pub values: Vec<Option<f64>>,
}

/// A grouped bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Y-axis title.
    pub y_label: String,
    /// Series names (waves), earliest first; earlier series are drawn lighter.
    pub series: Vec<String>,
    /// Groups in display order.
    pub groups: Vec<BarGroup>,
}

const WIDTH: u32 = 900;
const HEIGHT: u32 = 500;

fn rgb(hex: &str) -> RGBColor {
    let p = |i: usize| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128);
    RGBColor(p(1), p(3), p(5))
}

impl BarChart {
    /// Draws the chart as an SVG document.
    pub fn to_svg(&self) -> Result<String, String> {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
            self.draw(&root).map_err(|e| e.to_string())?;
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(svg)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, plotters::coord::Shift>) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let n = self.groups.len().max(1);
        let max = self
            .groups
            .iter()
            .flat_map(|g| g.values.iter().flatten())
            .fold(0.0f64, |a, &b| a.max(b));
        let top = nice_ceiling(max);
        let labels: Vec<String> = self.groups.iter().map(|g| g.label.clone()).collect();
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..n as f64, 0.0..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n * 2 + 1)
            .x_label_formatter(&|x| {
                let i = x.floor() as usize;
                let centred = (x - x.floor() - 0.5).abs() < 1e-9;
                if centred { labels.get(i).cloned().unwrap_or_default() } else { String::new() }
            })
            .y_label_formatter(&|y| numfmt::fixed(*y, 1))
            .y_desc(self.y_label.as_str())
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 16))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()?;
        let k = self.series.len().max(1) as f64;
        let width = 0.8 / k;
        for (gi, g) in self.groups.iter().enumerate() {
            let base = rgb(&g.colour);
            for (si, v) in g.values.iter().enumerate() {
                let x0 = gi as f64 + 0.1 + width * si as f64;
                let x1 = x0 + width * 0.92;
                // Earlier waves are the same hue, lighter.
                let alpha = if si + 1 == self.series.len() { 1.0 } else { 0.45 };
                match v {
                    Some(v) => {
                        chart.draw_series(std::iter::once(Rectangle::new(
                            [(x0, 0.0), (x1, *v)],
                            base.mix(alpha).filled(),
                        )))?;
                        chart.draw_series(std::iter::once(Text::new(
                            numfmt::fixed(*v, 1),
                            ((x0 + x1) / 2.0 - 0.04, *v + top * 0.04),
                            (FONT, 14).into_font(),
                        )))?;
                    }
                    None => {
                        chart.draw_series(std::iter::once(Text::new(
                            "n<min",
                            (x0, top * 0.03),
                            (FONT, 12).into_font(),
                        )))?;
                    }
                }
            }
        }
        // The legend: one swatch per series, in grey so it reads for every category.
        for (si, s) in self.series.iter().enumerate() {
            let alpha = if si + 1 == self.series.len() { 1.0 } else { 0.45 };
            let y = top * (0.95 - 0.07 * si as f64);
            let x = n as f64 * 0.02;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x, y - top * 0.04), (x + n as f64 * 0.03, y)],
                RGBColor(80, 80, 80).mix(alpha).filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                s.clone(),
                (x + n as f64 * 0.045, y - top * 0.01),
                (FONT, 15).into_font(),
            )))?;
        }
        Ok(())
    }
}

/// A round axis maximum a little above `x`.
fn nice_ceiling(x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let x = x * 1.15;
    let mag = 10f64.powf(x.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * mag >= x {
            return step * mag;
        }
    }
    10.0 * mag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_is_deterministic_and_names_the_font() {
        let chart = BarChart {
            y_label: "Mean".into(),
            series: vec!["Before".into(), "After".into()],
            groups: vec![BarGroup { label: "A".into(), colour: "#E69F00".into(), values: vec![Some(1.5), None] }],
        };
        let a = chart.to_svg().expect("draws");
        assert_eq!(a, chart.to_svg().expect("draws"));
        assert!(a.starts_with("<svg"));
        assert!(a.contains("font-family=\"Inter\""));
        assert!(a.contains(">n&lt;min<") || a.contains(">n<min<") || a.contains("n&lt;min"));
        assert_eq!(nice_ceiling(4.2), 5.0);
    }
}
