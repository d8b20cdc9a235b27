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

/// Width of the printed figure.
pub const WIDTH: u32 = 1000;
/// Height of the printed figure.
pub const HEIGHT: u32 = 640;

/// Where things go on a canvas of a given size.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Geometry {
    /// The centre of the ellipse the nodes sit on.
    centre: (f64, f64),
    /// Its horizontal and vertical radius.
    radius: (f64, f64),
    /// The radius of a node.
    node: f64,
    /// Every label beside its node (a flat ellipse has no room above or below).
    beside: bool,
    /// The size of the canvas.
    width: f64,
    height: f64,
}

impl Geometry {
    /// The print layout on `WIDTH` by `HEIGHT`: an ellipse narrower than tall, so
    /// labels beside the nodes fit. Other canvases get a flat ellipse that fills them,
    /// with every label beside its node.
    fn of(map: &GroupMap, width: u32, height: u32) -> Geometry {
        let (w, h) = (f64::from(width), f64::from(height));
        if (width, height) == (WIDTH, HEIGHT) {
            return Geometry {
                centre: (500.0, 300.0),
                radius: (170.0, 215.0),
                node: 34.0,
                beside: false,
                width: w,
                height: h,
            };
        }
        let node = 22.0;
        // Room for the note at the bottom, half a label's height above the top node,
        // and the widest label beside the nodes at the sides.
        let note = map.note_lines(w).len() as f64;
        let (top, bottom) = (SMALL * 1.5, (note + 0.5) * SMALL * draw::LEADING + 12.0);
        let label = map
            .nodes
            .iter()
            .flat_map(|n| n.lines())
            .map(|l| draw::text_width(&l, SMALL))
            .fold(0.0, f64::max);
        Geometry {
            centre: (w / 2.0, top + (h - top - bottom) / 2.0),
            radius: (
                (w / 2.0 - node - 18.0 - label).clamp(0.0, w * 0.26),
                ((h - top - bottom) / 2.0 - node).max(0.0),
            ),
            node,
            beside: true,
            width: w,
            height: h,
        }
    }
}

impl GroupNode {
    /// The two lines of its label: the name, then the size and the ties within.
    fn lines(&self) -> Vec<String> {
        let within = self
            .within
            .map_or_else(String::new, |w| format!(", {w} ties within"));
        vec![self.label.clone(), format!("{}{within}", self.size)]
    }
}

impl GroupMap {
    /// The note under the map, wrapped to a canvas `width` pixels wide.
    fn note_lines(&self, width: f64) -> Vec<String> {
        draw::wrap(&self.note, width - 48.0, SMALL, 3)
    }

    /// Where node `i` sits in geometry `g`: on an ellipse, the first at the top,
    /// clockwise.
    fn position_in(&self, g: &Geometry, i: usize) -> (f64, f64) {
        let n = self.nodes.len().max(1) as f64;
        let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n;
        if self.nodes.len() == 1 {
            return g.centre;
        }
        (
            g.centre.0 + g.radius.0 * angle.cos(),
            g.centre.1 + g.radius.1 * angle.sin(),
        )
    }

    /// Draws the map as an SVG document of the print size.
    pub fn to_svg(&self) -> Result<String, DrawError> {
        self.to_svg_sized(WIDTH, HEIGHT)
    }

    /// Draws the map on `width` by `height` pixels; the text keeps its size (a
    /// smaller canvas is the projection variant).
    pub fn to_svg_sized(&self, width: u32, height: u32) -> Result<String, DrawError> {
        let g = Geometry::of(self, width, height);
        draw::svg(width, height, |c| self.draw(c, &g))
    }

    fn draw(&self, c: &Canvas<'_, '_>, g: &Geometry) -> Result<(), DrawError> {
        let max = self.edges.iter().map(|e| e.2).max().unwrap_or(1).max(1);
        for &(i, j, ties) in &self.edges {
            let (a, b) = (self.position_in(g, i), self.position_in(g, j));
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
            let at = self.position_in(g, i);
            c.circle(
                at,
                g.node,
                Some(node.colour),
                Some((node.colour.shade(0.4), 2)),
            )?;
            // Labels sit outside the circle: above or below the nodes at the top and
            // bottom, beside those at the sides.
            let (dx, dy) = (at.0 - g.centre.0, at.1 - g.centre.1);
            let lines = node.lines();
            let font = Font::new(SMALL).colour(Rgb::INK);
            if (g.beside || dx.abs() > dy.abs()) && self.nodes.len() > 1 {
                let (x, align) = if dx > -1e-9 {
                    (at.0 + g.node + 10.0, Align::Start)
                } else {
                    (at.0 - g.node - 10.0, Align::End)
                };
                c.lines_centred(&lines, (x, at.1), font.align(align))?;
            } else {
                let y = if dy < 0.0 {
                    at.1 - g.node - 40.0
                } else {
                    at.1 + g.node + 22.0
                };
                c.lines(&lines, (at.0, y), font.align(Align::Middle))?;
            }
        }
        let note = self.note_lines(g.width);
        let y = g.height - 24.0 - (note.len().max(1) - 1) as f64 * SMALL * draw::LEADING;
        c.lines(&note, (24.0, y), Font::new(SMALL).colour(Rgb::MUTED))?;
        Ok(())
    }
}
