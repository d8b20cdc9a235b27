//! Network maps: a seeded force-directed layout and its drawing.
//!
//! The layout is Fruchterman and Reingold's ("Graph drawing by force-directed
//! placement", Software: Practice and Experience 21(11), 1991) in its grid variant:
//! repulsion only between organisations closer than twice the ideal distance, found
//! through a grid of cells, so a step costs about linear time. A weak pull towards
//! the centre keeps components and isolates on the map. The iteration count and
//! cooling schedule are fixed; the start positions come from a ChaCha8 generator
//! seeded through [`crate::stats::rng::derive_seed`]; and the arithmetic uses only
//! the correctly rounded operations (`+ - * /` and `sqrt`), so the positions are the
//! same on every machine. One layout serves every wave, so the maps can be compared.

use rand_chacha::rand_core::RngCore;

use super::draw::{self, Canvas, DrawError, Font, MEDIUM, Rgb, SMALL};
use crate::stats::rng;

/// Networks with more organisations than this are drawn as a random sample.
pub const SAMPLE_ABOVE: usize = 1500;
/// The size of that sample.
pub const SAMPLE_SIZE: usize = 1500;
/// Layout iterations.
pub const ITERATIONS: usize = 300;

/// Width of a map.
pub const WIDTH: u32 = 1000;
/// Height of a map.
pub const HEIGHT: u32 = 560;
/// The plotting box of the nodes: left, top, right, bottom.
const BOX: (f64, f64, f64, f64) = (24.0, 20.0, 704.0, 512.0);
const LEGEND_X: f64 = 730.0;
const LEGEND_W: f64 = 256.0;

/// Positions in `[0, 1] x [0, aspect]` of `n` nodes joined by `edges` (indices into
/// `0..n`), from the generator seeded with `seed`.
pub fn layout(n: usize, edges: &[(u32, u32)], seed: [u8; 32], aspect: f64) -> Vec<(f64, f64)> {
    let (w, h) = (1.0, aspect);
    let centre = (w / 2.0, h / 2.0);
    let mut draws = rng::generator(seed, 0);
    let mut unit = || f64::from(draws.next_u32()) / 4_294_967_296.0;
    let mut pos: Vec<(f64, f64)> = (0..n).map(|_| (unit() * w, unit() * h)).collect();
    if n < 2 {
        return pos.iter().map(|_| centre).collect();
    }
    let k = (w * h / n as f64).sqrt();
    let cutoff = 2.0 * k;
    let cols = ((w / cutoff) as usize).max(1);
    let rows = ((h / cutoff) as usize).max(1);
    let cell_of = |(x, y): (f64, f64)| {
        let c = ((x / cutoff) as usize).min(cols - 1);
        let r = ((y / cutoff) as usize).min(rows - 1);
        (c, r)
    };
    let gravity = 0.15;
    let t0 = w / 10.0;
    let mut disp = vec![(0.0f64, 0.0f64); n];
    let mut grid: Vec<Vec<u32>> = vec![Vec::new(); cols * rows];
    for it in 0..ITERATIONS {
        let t = t0 * (ITERATIONS - it) as f64 / ITERATIONS as f64;
        disp.iter_mut().for_each(|d| *d = (0.0, 0.0));
        grid.iter_mut().for_each(Vec::clear);
        for (v, &p) in pos.iter().enumerate() {
            let (c, r) = cell_of(p);
            grid[r * cols + c].push(v as u32);
        }
        // Repulsion between near pairs, seen from each side.
        for v in 0..n {
            let (c, r) = cell_of(pos[v]);
            for rr in r.saturating_sub(1)..=(r + 1).min(rows - 1) {
                for cc in c.saturating_sub(1)..=(c + 1).min(cols - 1) {
                    for &u in &grid[rr * cols + cc] {
                        let u = u as usize;
                        if u == v {
                            continue;
                        }
                        let (mut dx, mut dy) = (pos[v].0 - pos[u].0, pos[v].1 - pos[u].1);
                        let mut d = (dx * dx + dy * dy).sqrt();
                        if d < 1e-9 {
                            // Coincident nodes: push apart along a direction fixed by
                            // their indices.
                            dx = if v < u { -1e-6 } else { 1e-6 };
                            dy = 0.0;
                            d = 1e-6;
                        }
                        if d < cutoff {
                            let f = k * k / d;
                            disp[v].0 += dx / d * f;
                            disp[v].1 += dy / d * f;
                        }
                    }
                }
            }
        }
        // Attraction along ties.
        for &(a, b) in edges {
            let (a, b) = (a as usize, b as usize);
            let (dx, dy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
            let d = (dx * dx + dy * dy).sqrt();
            if d > 1e-9 {
                let f = d * d / k;
                disp[a].0 -= dx / d * f;
                disp[a].1 -= dy / d * f;
                disp[b].0 += dx / d * f;
                disp[b].1 += dy / d * f;
            }
        }
        // A weak pull to the centre, then a step no longer than the temperature.
        for (p, d) in pos.iter_mut().zip(&disp) {
            let dx = d.0 + (centre.0 - p.0) * gravity;
            let dy = d.1 + (centre.1 - p.1) * gravity;
            let len = (dx * dx + dy * dy).sqrt();
            if len > 0.0 {
                let step = len.min(t);
                p.0 = (p.0 + dx / len * step).clamp(0.0, w);
                p.1 = (p.1 + dy / len * step).clamp(0.0, h);
            }
        }
    }
    pos
}

/// The shape of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A circle.
    Circle,
    /// A square.
    Square,
    /// A triangle pointing up.
    Triangle,
    /// A diamond.
    Diamond,
    /// A triangle pointing down.
    TriangleDown,
    /// A hexagon.
    Hexagon,
    /// A plus sign, for groups below the suppression threshold.
    Plus,
}

impl Shape {
    /// The shape of category `i` of the vertical dimension.
    pub fn of_category(i: usize) -> Shape {
        const SHAPES: [Shape; 6] = [
            Shape::Circle,
            Shape::Square,
            Shape::Triangle,
            Shape::Diamond,
            Shape::TriangleDown,
            Shape::Hexagon,
        ];
        SHAPES[i % SHAPES.len()]
    }

    /// The outline of the shape around `(x, y)` with about the area of a circle of
    /// radius `r` (constants instead of trigonometry, for exact repeatability).
    fn points(self, (x, y): (f64, f64), r: f64) -> Vec<(f64, f64)> {
        let rel: &[(f64, f64)] = match self {
            Shape::Circle => &[],
            Shape::Square => &[(-0.89, -0.89), (0.89, -0.89), (0.89, 0.89), (-0.89, 0.89)],
            Shape::Triangle => &[(0.0, -1.4), (1.21, 0.7), (-1.21, 0.7)],
            Shape::TriangleDown => &[(0.0, 1.4), (1.21, -0.7), (-1.21, -0.7)],
            Shape::Diamond => &[(0.0, -1.25), (1.25, 0.0), (0.0, 1.25), (-1.25, 0.0)],
            Shape::Hexagon => &[
                (0.0, -1.1),
                (0.95, -0.55),
                (0.95, 0.55),
                (0.0, 1.1),
                (-0.95, 0.55),
                (-0.95, -0.55),
            ],
            Shape::Plus => &[
                (-0.4, -1.2),
                (0.4, -1.2),
                (0.4, -0.4),
                (1.2, -0.4),
                (1.2, 0.4),
                (0.4, 0.4),
                (0.4, 1.2),
                (-0.4, 1.2),
                (-0.4, 0.4),
                (-1.2, 0.4),
                (-1.2, -0.4),
                (-0.4, -0.4),
            ],
        };
        rel.iter()
            .map(|&(dx, dy)| (x + dx * r, y + dy * r))
            .collect()
    }

    /// Draws the shape, filled in `colour` or hollow with an outline in it.
    pub fn draw(
        self,
        c: &Canvas<'_, '_>,
        at: (f64, f64),
        r: f64,
        colour: Rgb,
        filled: bool,
    ) -> Result<(), DrawError> {
        let (fill, stroke) = if filled {
            (colour, (colour.shade(0.45), 1))
        } else {
            (Rgb::PAPER, (colour.shade(0.15), 2))
        };
        match self {
            Shape::Circle => c.circle(at, r, Some(fill), Some(stroke)),
            _ => c.polygon(&self.points(at, r), Some(fill), Some(stroke)),
        }
    }
}

/// One organisation on the map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    /// Position from [`layout`].
    pub at: (f64, f64),
    /// Colour of its primary category (grey for small groups).
    pub colour: Rgb,
    /// Shape of its vertical category.
    pub shape: Shape,
    /// Whether it answered the survey.
    pub filled: bool,
}

/// A legend entry: label, colour, shape and whether the shape is filled.
pub type LegendEntry = (String, Rgb, Shape, bool);

/// A legend section: a heading and its entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Legend {
    /// Heading.
    pub heading: String,
    /// Entries, top to bottom.
    pub entries: Vec<LegendEntry>,
}

/// A network map ready to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkMap {
    /// Nodes, in organisation order.
    pub nodes: Vec<Node>,
    /// Ties, as indices into `nodes`.
    pub edges: Vec<(u32, u32)>,
    /// Legend sections, top to bottom.
    pub legend: Vec<Legend>,
    /// Notes printed under the map, one a line.
    pub notes: Vec<String>,
}

/// The aspect ratio (height / width) of the plotting box, for [`layout`].
pub fn aspect() -> f64 {
    (BOX.3 - BOX.1) / (BOX.2 - BOX.0)
}

impl NetworkMap {
    /// The node radius in pixels: smaller for crowded maps.
    pub fn radius(&self) -> f64 {
        let n = self.nodes.len().max(1) as f64;
        if n <= 120.0 {
            7.0
        } else {
            (7.0 * (120.0 / n).sqrt()).max(2.5)
        }
    }

    /// Draws the map as an SVG document.
    pub fn to_svg(&self) -> Result<String, DrawError> {
        draw::svg(WIDTH, HEIGHT, |c| self.draw(c))
    }

    fn draw(&self, c: &Canvas<'_, '_>) -> Result<(), DrawError> {
        let r = self.radius();
        // Fit the layout into the box with one scale for both axes, centred.
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for n in &self.nodes {
            x0 = x0.min(n.at.0);
            y0 = y0.min(n.at.1);
            x1 = x1.max(n.at.0);
            y1 = y1.max(n.at.1);
        }
        let pad = r + 4.0;
        let (bw, bh) = (BOX.2 - BOX.0 - 2.0 * pad, BOX.3 - BOX.1 - 2.0 * pad);
        let (lw, lh) = ((x1 - x0).max(1e-9), (y1 - y0).max(1e-9));
        let scale = (bw / lw).min(bh / lh);
        let ox = BOX.0 + pad + (bw - lw * scale) / 2.0;
        let oy = BOX.1 + pad + (bh - lh * scale) / 2.0;
        let place = |(x, y): (f64, f64)| {
            if self.nodes.len() < 2 {
                ((BOX.0 + BOX.2) / 2.0, (BOX.1 + BOX.3) / 2.0)
            } else {
                (ox + (x - x0) * scale, oy + (y - y0) * scale)
            }
        };

        for &(a, b) in &self.edges {
            let (a, b) = (self.nodes[a as usize].at, self.nodes[b as usize].at);
            c.line(&[place(a), place(b)], Rgb::EDGE, 1)?;
        }
        for n in &self.nodes {
            n.shape.draw(c, place(n.at), r, n.colour, n.filled)?;
        }
        for (i, note) in self.notes.iter().enumerate() {
            c.text(
                note,
                (BOX.0, BOX.3 + 20.0 + 22.0 * i as f64),
                Font::new(SMALL).colour(Rgb::MUTED),
            )?;
        }

        let mut y = 30.0;
        for section in &self.legend {
            let heading = draw::wrap(&section.heading, LEGEND_W, MEDIUM, 2);
            c.lines(&heading, (LEGEND_X, y), Font::new(MEDIUM).bold())?;
            y += heading.len() as f64 * MEDIUM * draw::LEADING + 8.0;
            for (label, colour, shape, filled) in &section.entries {
                let lines = draw::wrap(label, LEGEND_W - 30.0, SMALL, 2);
                shape.draw(c, (LEGEND_X + 9.0, y), 8.0, *colour, *filled)?;
                c.lines(&lines, (LEGEND_X + 28.0, y), Font::new(SMALL))?;
                y += lines.len() as f64 * SMALL * draw::LEADING + 8.0;
            }
            y += 14.0;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_repeatable_finite_and_in_the_frame() {
        let edges = [(0, 1), (1, 2), (2, 0), (3, 4)];
        let seed = rng::derive_seed(1, "network-layout", "", "a");
        let a = layout(6, &edges, seed, 0.75);
        assert_eq!(a, layout(6, &edges, seed, 0.75));
        assert!(a.iter().all(|&(x, y)| x.is_finite()
            && y.is_finite()
            && (0.0..=1.0).contains(&x)
            && (0.0..=0.75).contains(&y)));
        assert_ne!(
            a,
            layout(
                6,
                &edges,
                rng::derive_seed(2, "network-layout", "", "a"),
                0.75
            )
        );
        // Tied nodes end closer than untied ones on average.
        let d = |i: usize, j: usize| ((a[i].0 - a[j].0).powi(2) + (a[i].1 - a[j].1).powi(2)).sqrt();
        assert!(d(0, 1) < d(0, 5) || d(3, 4) < d(3, 5));
    }
}
