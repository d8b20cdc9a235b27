//! Drawing primitives shared by the figures: a canvas in pixel coordinates on
//! plotters' SVG backend, text metrics and wrapping for the Inter font, and colour
//! arithmetic.
//!
//! The figures lay themselves out in pixels instead of through plotters' chart
//! builder, because the builder sizes label areas with a rough font estimate and
//! cannot wrap long category labels. Every coordinate is rounded to a whole pixel
//! here, so the SVG never holds a platform-dependent float.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontTransform;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::FONT;
use crate::study::Colour;

/// Plotters divides a font size by 1.24 when it writes `font-size`; sizes are given
/// here in output pixels and multiplied back (for whole sizes from 14 to 24 except 15
/// and 26 the round trip is exact, so the SVG says `font-size="18"`).
const PLOTTERS_FONT_SCALE: f64 = 1.24;

/// Smallest text drawn: tick labels, values and notes (readable on a slide).
pub const SMALL: f64 = 18.0;
/// Axis titles, legend headings and row labels.
pub const MEDIUM: f64 = 20.0;

/// Line height of wrapped text, as a multiple of the font size.
pub const LEADING: f64 = 1.2;

/// An opaque colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// Black-ish text.
    pub const INK: Rgb = Rgb(0x22, 0x22, 0x22);
    /// Secondary text.
    pub const MUTED: Rgb = Rgb(0x59, 0x59, 0x59);
    /// Axis lines.
    pub const AXIS: Rgb = Rgb(0x70, 0x70, 0x70);
    /// Grid lines.
    pub const GRID: Rgb = Rgb(0xE3, 0xE3, 0xE3);
    /// Network ties.
    pub const EDGE: Rgb = Rgb(0xC4, 0xC4, 0xC4);
    /// Groups below the suppression threshold.
    pub const NEUTRAL: Rgb = Rgb(0x9A, 0x9A, 0x9A);
    /// Background.
    pub const PAPER: Rgb = Rgb(0xFF, 0xFF, 0xFF);

    /// A category's colour from `study.toml` (checked when it is loaded).
    pub fn of(c: &Colour) -> Rgb {
        let [r, g, b] = c.rgb();
        Rgb(r, g, b)
    }

    /// `self` moved towards `other` by `t` in `[0, 1]`.
    pub fn mix(self, other: Rgb, t: f64) -> Rgb {
        let f = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
        Rgb(f(self.0, other.0), f(self.1, other.1), f(self.2, other.2))
    }

    /// A lighter tint (`t` of the way to white).
    pub fn tint(self, t: f64) -> Rgb {
        self.mix(Rgb::PAPER, t)
    }

    /// A darker shade (`t` of the way to black).
    pub fn shade(self, t: f64) -> Rgb {
        self.mix(Rgb(0, 0, 0), t)
    }

    /// Whether dark text reads better than white text on this colour (ITU-R BT.601
    /// luma, in integers).
    pub fn is_light(self) -> bool {
        299 * u32::from(self.0) + 587 * u32::from(self.1) + 114 * u32::from(self.2) > 150_000
    }

    /// The text colour that reads on this colour.
    pub fn text_on(self) -> Rgb {
        if self.is_light() {
            Rgb::INK
        } else {
            Rgb::PAPER
        }
    }

    fn rgb(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// Horizontal text anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// The text starts at `x`.
    Start,
    /// The text is centred on `x`.
    Middle,
    /// The text ends at `x`.
    End,
}

/// How to draw a piece of text.
#[derive(Debug, Clone, Copy)]
pub struct Font {
    /// Size in pixels.
    pub px: f64,
    /// Colour.
    pub colour: Rgb,
    /// Bold weight.
    pub bold: bool,
    /// Horizontal anchor.
    pub align: Align,
    /// Rotated a quarter turn anticlockwise (reads bottom to top).
    pub vertical: bool,
}

impl Font {
    /// Regular text of `px` pixels, dark, starting at `x`.
    pub fn new(px: f64) -> Font {
        Font {
            px,
            colour: Rgb::INK,
            bold: false,
            align: Align::Start,
            vertical: false,
        }
    }

    /// With another anchor.
    pub fn align(self, align: Align) -> Font {
        Font { align, ..self }
    }

    /// In another colour.
    pub fn colour(self, colour: Rgb) -> Font {
        Font { colour, ..self }
    }

    /// Bold.
    pub fn bold(self) -> Font {
        Font { bold: true, ..self }
    }

    /// Rotated to read upwards.
    pub fn vertical(self) -> Font {
        Font {
            vertical: true,
            ..self
        }
    }
}

fn px(v: f64) -> i32 {
    v.round() as i32
}

/// A failure of plotters' SVG backend while drawing a figure.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct DrawError(#[from] DrawingAreaErrorKind<std::io::Error>);

/// A drawing surface in pixels, origin top left.
pub struct Canvas<'p, 's> {
    area: &'p DrawingArea<SVGBackend<'s>, Shift>,
}

/// Draws an SVG document of `width` by `height` pixels on a white background.
pub fn svg(
    width: u32,
    height: u32,
    draw: impl FnOnce(&Canvas<'_, '_>) -> Result<(), DrawError>,
) -> Result<String, DrawError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(DrawError::from)?;
        draw(&Canvas { area: &root })?;
        root.present().map_err(DrawError::from)?;
    }
    Ok(out)
}

impl Canvas<'_, '_> {
    /// A rectangle from `(x0, y0)` to `(x1, y1)`, filled and/or outlined.
    pub fn rect(
        &self,
        (x0, y0): (f64, f64),
        (x1, y1): (f64, f64),
        fill: Option<Rgb>,
        stroke: Option<(Rgb, u32)>,
    ) -> Result<(), DrawError> {
        let corners = [
            (px(x0.min(x1)), px(y0.min(y1))),
            (px(x0.max(x1)), px(y0.max(y1))),
        ];
        if let Some(c) = fill {
            self.area
                .draw(&Rectangle::new(corners, c.rgb().filled()))
                .map_err(DrawError::from)?;
        }
        if let Some((c, w)) = stroke {
            self.area
                .draw(&Rectangle::new(corners, c.rgb().stroke_width(w)))
                .map_err(DrawError::from)?;
        }
        Ok(())
    }

    /// A polyline through `points`.
    pub fn line(&self, points: &[(f64, f64)], colour: Rgb, width: u32) -> Result<(), DrawError> {
        let pts: Vec<(i32, i32)> = points.iter().map(|&(x, y)| (px(x), px(y))).collect();
        self.area
            .draw(&PathElement::new(pts, colour.rgb().stroke_width(width)))
            .map_err(DrawError::from)
    }

    /// A circle of radius `r` at `(x, y)`.
    pub fn circle(
        &self,
        (x, y): (f64, f64),
        r: f64,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, u32)>,
    ) -> Result<(), DrawError> {
        let (c, r) = ((px(x), px(y)), r.round().max(1.0) as u32);
        if let Some(f) = fill {
            self.area
                .draw(&Circle::new(c, r, f.rgb().filled()))
                .map_err(DrawError::from)?;
        }
        if let Some((s, w)) = stroke {
            self.area
                .draw(&Circle::new(c, r, s.rgb().stroke_width(w)))
                .map_err(DrawError::from)?;
        }
        Ok(())
    }

    /// A closed polygon through `points`.
    pub fn polygon(
        &self,
        points: &[(f64, f64)],
        fill: Option<Rgb>,
        stroke: Option<(Rgb, u32)>,
    ) -> Result<(), DrawError> {
        let mut pts: Vec<(i32, i32)> = points.iter().map(|&(x, y)| (px(x), px(y))).collect();
        if let Some(f) = fill {
            self.area
                .draw(&Polygon::new(pts.clone(), f.rgb().filled()))
                .map_err(DrawError::from)?;
        }
        if let Some((s, w)) = stroke {
            if let Some(&first) = pts.first() {
                pts.push(first);
            }
            self.area
                .draw(&PathElement::new(pts, s.rgb().stroke_width(w)))
                .map_err(DrawError::from)?;
        }
        Ok(())
    }

    /// One line of text; `y` is its vertical centre.
    pub fn text(&self, s: &str, (x, y): (f64, f64), font: Font) -> Result<(), DrawError> {
        let h = match font.align {
            Align::Start => HPos::Left,
            Align::Middle => HPos::Center,
            Align::End => HPos::Right,
        };
        let style = FontStyle::Normal;
        let desc = FontDesc::new(
            FontFamily::Name(FONT),
            font.px * PLOTTERS_FONT_SCALE,
            if font.bold { FontStyle::Bold } else { style },
        );
        let mut ts = desc
            .color(&font.colour.rgb())
            .pos(Pos::new(h, VPos::Center));
        if font.vertical {
            ts = ts.transform(FontTransform::Rotate270);
        }
        self.area
            .draw_text(s, &ts, (px(x), px(y)))
            .map_err(DrawError::from)
    }

    /// Lines of text stacked downwards from the centre of the first at `y`.
    pub fn lines(&self, lines: &[String], (x, y): (f64, f64), font: Font) -> Result<(), DrawError> {
        for (i, l) in lines.iter().enumerate() {
            self.text(l, (x, y + i as f64 * font.px * LEADING), font)?;
        }
        Ok(())
    }

    /// Lines of text centred vertically on `y`.
    pub fn lines_centred(
        &self,
        lines: &[String],
        (x, y): (f64, f64),
        font: Font,
    ) -> Result<(), DrawError> {
        let first = y - (lines.len().saturating_sub(1)) as f64 * font.px * LEADING / 2.0;
        self.lines(lines, (x, first), font)
    }
}

/// Approximate advance width of `c` in Inter, in ems (slightly generous, so text
/// that is measured to fit does fit).
fn advance(c: char) -> f64 {
    match c {
        ' ' => 0.28,
        'i' | 'l' | 'j' | 'I' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' => 0.28,
        'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '/' => 0.38,
        '-' | '\u{2013}' => 0.45,
        'm' | 'w' => 0.86,
        'M' | 'W' => 0.95,
        '%' => 0.82,
        '0'..='9' => 0.62,
        c if c.is_uppercase() => 0.72,
        _ => 0.58,
    }
}

/// Approximate width in pixels of `s` at `px` pixels (bold text is about 5% wider).
pub fn text_width(s: &str, px: f64) -> f64 {
    s.chars().map(advance).sum::<f64>() * px
}

/// Breaks `s` into lines no wider than `width` at `px` pixels, at spaces, into at
/// most `max_lines` lines; a word wider than a line is kept whole, and text beyond
/// the last line is cut with an ellipsis.
pub fn wrap(s: &str, width: f64, px: f64, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in s.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if current.is_empty() || text_width(&candidate, px) <= width {
            current = candidate;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_owned()));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines.max(1) {
        lines.truncate(max_lines.max(1));
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && text_width(&format!("{last}\u{2026}"), px) > width {
                last.pop();
            }
            let trimmed = last.trim_end().to_owned();
            *last = format!("{trimmed}\u{2026}");
        }
    }
    lines
}

/// A round axis maximum at or above `x`, and the step between ticks, giving four to
/// six ticks above zero.
pub fn nice_axis(x: f64) -> (f64, f64) {
    if x.is_nan() || x <= 0.0 || x.is_infinite() {
        return (1.0, 0.2);
    }
    // The power of ten at or below x, found by exact multiplications (no logarithm).
    let mut mag = 1.0;
    while mag * 10.0 <= x {
        mag *= 10.0;
    }
    while mag > x {
        mag /= 10.0;
    }
    for step in [0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0] {
        let s = step * mag;
        let ticks = (x / s).ceil();
        if ticks <= 6.0 {
            return (ticks * s, s);
        }
    }
    (10.0 * mag, 2.0 * mag)
}

/// The decimals needed to print multiples of `step` exactly (0, 1 or 2).
pub fn decimals_for(step: f64) -> usize {
    if (step - step.round()).abs() < 1e-9 {
        0
    } else if (step * 10.0 - (step * 10.0).round()).abs() < 1e-9 {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_cuts_with_an_ellipsis() {
        let lines = wrap(
            "Explore roles and hats at the start of a collaboration",
            200.0,
            18.0,
            2,
        );
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('\u{2026}'));
        assert!(lines.iter().all(|l| text_width(l, 18.0) <= 200.0));
        assert_eq!(wrap("LGBT people", 500.0, 18.0, 3), vec!["LGBT people"]);
        assert_eq!(wrap("", 100.0, 18.0, 2), Vec::<String>::new());
    }

    #[test]
    fn nice_axes() {
        assert_eq!(nice_axis(7.4), (8.0, 2.0));
        assert_eq!(nice_axis(1.0), (1.0, 0.2));
        assert_eq!(nice_axis(23.0), (25.0, 5.0));
        assert_eq!(nice_axis(0.0), (1.0, 0.2));
        assert_eq!(decimals_for(0.25), 2);
        assert_eq!(decimals_for(2.0), 0);
        assert_eq!(decimals_for(0.2), 1);
    }

    #[test]
    fn colours() {
        let hex = |s: &str| Rgb::of(&Colour::parse(s).expect("a colour"));
        assert_eq!(hex("#E69F00"), Rgb(0xE6, 0x9F, 0x00));
        assert!(hex("#F0E442").is_light());
        assert!(!hex("#0072B2").is_light());
    }
}
