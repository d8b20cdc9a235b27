//! Horizontal bar charts with long labels on the left, coloured by a key with a
//! legend above (the code frequencies).

use super::draw::{self, Align, Canvas, DrawError, Font, MEDIUM, Rgb, SMALL};
use crate::numfmt;

/// One bar.
#[derive(Debug, Clone, PartialEq)]
pub struct HBar {
    /// Label on the left.
    pub label: String,
    /// Index into the chart's keys (the colour).
    pub key: usize,
    /// Length.
    pub value: u64,
}

/// A horizontal bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct HBarChart {
    /// Value-axis title.
    pub x_label: String,
    /// Legend entries: label and colour, in legend order.
    pub keys: Vec<(String, Rgb)>,
    /// Bars from top to bottom.
    pub bars: Vec<HBar>,
}

/// Width of the chart.
pub const WIDTH: u32 = 1000;
/// Least height of the printed chart.
pub const MIN_HEIGHT: u32 = 560;
const ROW: f64 = 44.0;
/// The share of the width given to the bars' labels.
const LABEL_SHARE: f64 = 0.39;

impl HBarChart {
    /// Height of the chart: at least `min` pixels, more for many bars.
    pub fn height(&self, min: u32) -> u32 {
        let legend = if self.keys.len() > 1 { 150.0 } else { 100.0 };
        (legend + ROW * self.bars.len() as f64).max(f64::from(min)) as u32
    }

    /// Draws the chart as an SVG document of the print size.
    pub fn to_svg(&self) -> Result<String, DrawError> {
        self.to_svg_sized(WIDTH, MIN_HEIGHT)
    }

    /// Draws the chart `width` pixels wide and at least `min_height` high; the text
    /// keeps its size (a narrower canvas is the projection variant). With a single key
    /// there is no legend.
    pub fn to_svg_sized(&self, width: u32, min_height: u32) -> Result<String, DrawError> {
        let height = self.height(min_height);
        draw::svg(width, height, |c| self.draw(c, width, height))
    }

    fn draw(&self, c: &Canvas<'_, '_>, width: u32, height: u32) -> Result<(), DrawError> {
        let h = f64::from(height);
        let label_width = (f64::from(width) * LABEL_SHARE).round();
        let (left, right) = (16.0 + label_width + 14.0, f64::from(width) - 70.0);
        let legend = self.keys.len() > 1;
        let top = if legend { 70.0 } else { 20.0 };
        let rows_h = ROW * self.bars.len() as f64;
        // Centre the rows in the space between the legend and the axis.
        let free = (h - 80.0) - top - rows_h;
        let first = top + (free / 2.0).max(0.0);
        let axis_y = first + rows_h + 6.0;

        let max = self.bars.iter().map(|b| b.value).max().unwrap_or(0) as f64;
        let (x_max, step) = draw::nice_axis(max.max(1.0));
        let step = step.max(1.0);
        let x_of = |v: f64| left + v / x_max * (right - left);
        let ticks = (x_max / step).round() as usize;
        for t in 0..=ticks {
            let v = step * t as f64;
            let x = x_of(v);
            if t > 0 {
                c.line(&[(x, first - 6.0), (x, axis_y)], Rgb::GRID, 1)?;
            }
            c.text(
                &numfmt::fixed(v, 0),
                (x, axis_y + 18.0),
                Font::new(SMALL).align(Align::Middle).colour(Rgb::MUTED),
            )?;
        }
        c.text(
            &self.x_label,
            ((left + right) / 2.0, axis_y + 50.0),
            Font::new(MEDIUM).align(Align::Middle),
        )?;

        for (i, bar) in self.bars.iter().enumerate() {
            let yc = first + ROW * (i as f64 + 0.5);
            let lines = draw::wrap(&bar.label, label_width, SMALL, 2);
            c.lines_centred(
                &lines,
                (left - 14.0, yc),
                Font::new(SMALL).align(Align::End),
            )?;
            let colour = self.keys.get(bar.key).map_or(Rgb::NEUTRAL, |k| k.1);
            if bar.value > 0 {
                let x1 = x_of(bar.value as f64);
                c.rect(
                    (left, yc - ROW * 0.36),
                    (x1, yc + ROW * 0.36),
                    Some(colour),
                    None,
                )?;
            }
            c.text(
                &bar.value.to_string(),
                (x_of(bar.value as f64) + 8.0, yc),
                Font::new(SMALL),
            )?;
        }
        c.line(&[(left, first - 6.0), (left, axis_y)], Rgb::AXIS, 1)?;

        // The legend just above the bars.
        if !legend {
            return Ok(());
        }
        let ly = (first - 40.0).max(31.0);
        let mut x = left;
        for (label, colour) in &self.keys {
            c.rect((x, ly - 11.0), (x + 22.0, ly + 11.0), Some(*colour), None)?;
            c.text(label, (x + 30.0, ly), Font::new(SMALL))?;
            x += 30.0 + draw::text_width(label, SMALL) + 32.0;
        }
        Ok(())
    }
}
