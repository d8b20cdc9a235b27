//! The group-level network map: the categories of the primary dimension as nodes on a
//! circle and the ties between them as edges whose width and label give their number.
//! A study chooses it (`network_map = "groups"`) when even a map of organisations with
//! merged marks would reveal too much.

use super::draw::{self, Align, Canvas, DrawError, Font, Rgb, SMALL};

/// One category.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupNode {
    /// Its label.
    pub label: String,
    /// Its colour.
    pub colour: Rgb,
    /// Its size as printed (`27`, `<3`, `n/s`).
    pub size: String,
    /// Ties within the category, when published.
    pub within: Option<u64>,
}

/// The whole figure.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupMap {
    /// The categories, in display order.
    pub nodes: Vec<GroupNode>,
    /// Published ties between two categories: `(i, j, ties)` with `i < j`.
    pub edges: Vec<(usize, usize, u64)>,
    /// A line under the map.
    pub note: String,
}

/// Width of the figure.
pub const WIDTH: u32 = 1000;
/// Height of the figure.
pub const HEIGHT: u32 = 640;
const CENTRE: (f64, f64) = (500.0, 300.0);
/// The nodes sit on an ellipse, narrower than tall, so labels beside the nodes fit.
const RADIUS: (f64, f64) = (170.0, 215.0);
const NODE: f64 = 34.0;

impl GroupMap {
    /// Where node `i` sits: on an ellipse, the first at the top, clockwise.
    pub fn position(&self, i: usize) -> (f64, f64) {
        let n = self.nodes.len().max(1) as f64;
        let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n;
        if self.nodes.len() == 1 {
            return CENTRE;
        }
        (
            CENTRE.0 + RADIUS.0 * angle.cos(),
            CENTRE.1 + RADIUS.1 * angle.sin(),
        )
    }

    /// Draws the map as an SVG document.
    pub fn to_svg(&self) -> Result<String, DrawError> {
        draw::svg(WIDTH, HEIGHT, |c| self.draw(c))
    }

    fn draw(&self, c: &Canvas<'_, '_>) -> Result<(), DrawError> {
        let max = self.edges.iter().map(|e| e.2).max().unwrap_or(1).max(1);
        for &(i, j, ties) in &self.edges {
            let (a, b) = (self.position(i), self.position(j));
            let width = 1 + (11 * ties / max) as u32;
            c.line(&[a, b], Rgb::EDGE, width)?;
            // The label sits a third of the way from the first node, on a white box,
            // so that the labels of crossing edges do not meet in the middle.
            let at = (a.0 + (b.0 - a.0) / 3.0, a.1 + (b.1 - a.1) / 3.0);
            let text = ties.to_string();
            let half = draw::text_width(&text, SMALL) / 2.0 + 4.0;
            c.rect(
                (at.0 - half, at.1 - SMALL * 0.7),
                (at.0 + half, at.1 + SMALL * 0.5),
                Some(Rgb::PAPER),
                None,
            )?;
            c.text(
                &text,
                at,
                Font::new(SMALL).align(Align::Middle).colour(Rgb::INK),
            )?;
        }
        for (i, node) in self.nodes.iter().enumerate() {
            let at = self.position(i);
            c.circle(
                at,
                NODE,
                Some(node.colour),
                Some((node.colour.shade(0.4), 2)),
            )?;
            // Labels sit outside the circle: above or below the nodes at the top and
            // bottom, beside those at the sides.
            let (dx, dy) = (at.0 - CENTRE.0, at.1 - CENTRE.1);
            let within = node
                .within
                .map_or_else(String::new, |w| format!(", {w} ties within"));
            let lines = vec![node.label.clone(), format!("{}{within}", node.size)];
            let font = Font::new(SMALL).colour(Rgb::INK);
            if dx.abs() > dy.abs() && self.nodes.len() > 1 {
                let (x, align) = if dx > 0.0 {
                    (at.0 + NODE + 10.0, Align::Start)
                } else {
                    (at.0 - NODE - 10.0, Align::End)
                };
                c.lines_centred(&lines, (x, at.1), font.align(align))?;
            } else {
                let y = if dy < 0.0 {
                    at.1 - NODE - 40.0
                } else {
                    at.1 + NODE + 22.0
                };
                c.lines(&lines, (at.0, y), font.align(Align::Middle))?;
            }
        }
        c.text(
            &self.note,
            (24.0, f64::from(HEIGHT) - 24.0),
            Font::new(SMALL).colour(Rgb::MUTED),
        )?;
        Ok(())
    }
}
