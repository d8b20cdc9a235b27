//! Network maps: a seeded force-directed layout and its drawing.
//!
//! The layout is Fruchterman and Reingold's ("Graph drawing by force-directed
//! placement", Software: Practice and Experience 21(11), 1991): every pair of
//! organisations repels with force `k^2 / d`, every tie attracts with `d^2 / k`, and a
//! pull towards the centre, proportional to the distance, keeps components and
//! isolates on the map. The repulsion of all pairs is computed with Barnes and Hut's
//! approximation ("A hierarchical O(N log N) force-calculation algorithm", Nature 324,
//! 1986): a quadtree of the positions is built in every iteration, and a cell far
//! enough from a node (side below [`THETA`] times the distance to its centre of mass)
//! acts on it as one body of the cell's mass. A step therefore costs O(n log n)
//! instead of O(n^2), at any density.
//!
//! With repulsion between all pairs and a linear pull, the nodes settle into a disc
//! of uniform density whose radius does not depend on their number: a node at radius
//! `r` is pushed out by the `rho pi r^2` nodes inside it with force
//! `rho pi r^2 k^2 / r` and pulled in with `g r`, so the density is `g / (pi k^2)` and
//! the disc holds `n` nodes at radius `sqrt(w h / g)` (with `k^2 = w h / n`). The
//! pull `g` is chosen so that this disc fills most of the frame.
//!
//! Cost: 100 steps (the step length cools linearly from a tenth of the frame to 0;
//! networkx's `spring_layout` takes 50) of O(n log n) each. The grid variant used
//! before cut the repulsion off at twice the ideal distance, but the pull packed the
//! nodes so densely that about 130 others stayed within the cut-off of each at 920
//! nodes, so each step cost O(n^2) after all, and it took 300 of them (0.35 s of CPU
//! at 920 nodes against 0.06 s now).
//!
//! The iteration count and cooling schedule are fixed; the start positions come from
//! a ChaCha8 generator seeded through [`crate::stats::rng::derive_seed`]; the tree is
//! built and walked in a fixed order; and the arithmetic uses only the correctly
//! rounded operations (`+ - * /` and `sqrt`), so the positions are the same on every
//! machine. One layout serves every wave, so the maps can be compared.

use rand_chacha::rand_core::RngCore;

use super::draw::{self, Canvas, DrawError, Font, MEDIUM, Rgb, SMALL};
use crate::stats::rng;

/// Networks with more organisations than this are drawn as a random sample.
pub const SAMPLE_ABOVE: usize = 1500;
/// The size of that sample.
pub const SAMPLE_SIZE: usize = 1500;
/// Layout iterations.
pub const ITERATIONS: usize = 100;
/// Barnes-Hut opening criterion: a cell of side `s` whose centre of mass is at
/// distance `d` acts as one body when `s < THETA * d`.
pub const THETA: f64 = 0.7;
/// The radius of the settled disc, as a share of the frame's shorter side.
const DISC: f64 = 0.45;

/// Width of a map.
pub const WIDTH: u32 = 1000;
/// Height of a map.
pub const HEIGHT: u32 = 560;
/// The plotting box of the nodes on the printed map: left, top, right, bottom.
const BOX: (f64, f64, f64, f64) = (24.0, 20.0, 704.0, 512.0);
/// The width of a legend column when the legend fits in one column.
const LEGEND_W: f64 = 256.0;
/// Lines a legend label may take before it is cut short.
const LEGEND_LINES: usize = 3;
/// The width of each of two legend columns, when one would be too tall.
const LEGEND_W2: f64 = 200.0;

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
    let radius = DISC * w.min(h);
    let gravity = w * h / (radius * radius);
    let t0 = w / 10.0;
    let mut disp = vec![(0.0f64, 0.0f64); n];
    let mut tree = QuadTree::default();
    for it in 0..ITERATIONS {
        let t = t0 * (ITERATIONS - it) as f64 / ITERATIONS as f64;
        // Repulsion between all pairs, through the tree.
        tree.build(&pos);
        for i in 0..n {
            // Nodes in the tree's leaf order: neighbours in space walk the tree alike.
            let v = tree.order[i] as usize;
            disp[v] = tree.repulsion(v, &pos, k * k);
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
        // The pull to the centre, then a step no longer than the temperature.
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

/// No cell or body.
const NONE: u32 = u32::MAX;
/// A leaf holds up to this many bodies before it splits; the bodies of a leaf that
/// is opened act on each other exactly.
const BUCKET: u32 = 16;
/// Below this depth full leaves split; at it, they grow (coincident bodies).
const MAX_DEPTH: u32 = 48;

/// A square cell of the quadtree.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// Lower corner and side.
    x0: f64,
    y0: f64,
    side: f64,
    /// Bodies inside, and the sums of their coordinates; after the build, the centre
    /// of mass.
    mass: f64,
    sx: f64,
    sy: f64,
    /// Children by quadrant (`x >= mid` adds 1, `y >= mid` adds 2), or `NONE`.
    child: [u32; 4],
    /// Whether the cell is a leaf; a leaf's bodies are `body` and the ones that
    /// follow it in `QuadTree::next`, `count` of them.
    leaf: bool,
    body: u32,
    count: u32,
}

impl Cell {
    fn new(x0: f64, y0: f64, side: f64) -> Cell {
        Cell {
            x0,
            y0,
            side,
            mass: 0.0,
            sx: 0.0,
            sy: 0.0,
            child: [NONE; 4],
            leaf: true,
            body: NONE,
            count: 0,
        }
    }

    fn quadrant(&self, (x, y): (f64, f64)) -> usize {
        let half = self.side / 2.0;
        usize::from(x >= self.x0 + half) + 2 * usize::from(y >= self.y0 + half)
    }
}

/// A Barnes-Hut quadtree in one array (cell 0 is the root), rebuilt in place.
#[derive(Debug, Default)]
struct QuadTree {
    cells: Vec<Cell>,
    /// The next body in the same leaf, or `NONE`.
    next: Vec<u32>,
    /// The bodies in the order of a depth-first walk of the leaves.
    order: Vec<u32>,
    stack: Vec<u32>,
}

impl QuadTree {
    /// Inserts every body, in index order, under a square root cell around them all.
    fn build(&mut self, pos: &[(f64, f64)]) {
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(x, y) in pos {
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        let side = (x1 - x0).max(y1 - y0).max(1e-9) * (1.0 + 1e-9);
        self.cells.clear();
        self.cells.push(Cell::new(x0, y0, side));
        self.next.clear();
        self.next.resize(pos.len(), NONE);
        for v in 0..pos.len() {
            self.add(0, 0, v as u32, pos);
        }
        for cell in &mut self.cells {
            cell.sx /= cell.mass;
            cell.sy /= cell.mass;
        }
        self.order.clear();
        self.stack.clear();
        self.stack.push(0);
        while let Some(c) = self.stack.pop() {
            let cell = &self.cells[c as usize];
            let mut u = cell.body;
            while u != NONE {
                self.order.push(u);
                u = self.next[u as usize];
            }
            self.stack
                .extend(cell.child.iter().rev().filter(|&&ch| ch != NONE));
        }
    }

    /// Adds body `v` to cell `c` at `depth` and below it; a full leaf splits and hands
    /// its bodies, in list order, to its children.
    fn add(&mut self, mut c: usize, mut depth: u32, v: u32, pos: &[(f64, f64)]) {
        let p = pos[v as usize];
        loop {
            let cell = &mut self.cells[c];
            cell.mass += 1.0;
            cell.sx += p.0;
            cell.sy += p.1;
            if cell.leaf {
                if cell.count < BUCKET || depth >= MAX_DEPTH {
                    self.next[v as usize] = cell.body;
                    cell.body = v;
                    cell.count += 1;
                    return;
                }
                let mut u = cell.body;
                cell.leaf = false;
                cell.body = NONE;
                cell.count = 0;
                while u != NONE {
                    let after = self.next[u as usize];
                    let q = self.cells[c].quadrant(pos[u as usize]);
                    let ch = self.child(c, q);
                    self.add(ch, depth + 1, u, pos);
                    u = after;
                }
            }
            let q = self.cells[c].quadrant(p);
            c = self.child(c, q);
            depth += 1;
        }
    }

    /// Child `q` of cell `c`, created empty when missing.
    fn child(&mut self, c: usize, q: usize) -> usize {
        let existing = self.cells[c].child[q];
        if existing != NONE {
            return existing as usize;
        }
        let parent = self.cells[c];
        let half = parent.side / 2.0;
        self.cells.push(Cell::new(
            parent.x0 + if q & 1 == 1 { half } else { 0.0 },
            parent.y0 + if q & 2 == 2 { half } else { 0.0 },
            half,
        ));
        let id = self.cells.len() - 1;
        self.cells[c].child[q] = id as u32;
        id
    }

    /// The repulsion on body `v`: one body of the cell's mass at its centre of mass
    /// for each cell far enough away, exact from the bodies of the leaves it opens.
    /// Children are visited in quadrant order, so the sum is formed in a fixed order.
    /// A cell that holds `v` is never far enough: with `THETA` below `1 / sqrt(2)`,
    /// `side < THETA * d` fails for every point of the cell. A body at offset
    /// `(dx, dy)` and distance `d` pushes with `k^2 / d` along `(dx, dy) / d`, that is
    /// `(dx, dy) * k^2 / d^2`, so no square root is needed.
    fn repulsion(&mut self, v: usize, pos: &[(f64, f64)], k2: f64) -> (f64, f64) {
        let p = pos[v];
        let theta2 = THETA * THETA;
        let (mut fx, mut fy) = (0.0, 0.0);
        self.stack.clear();
        self.stack.push(0);
        while let Some(c) = self.stack.pop() {
            let cell = &self.cells[c as usize];
            let (dx, dy) = (p.0 - cell.sx, p.1 - cell.sy);
            let d2 = dx * dx + dy * dy;
            if cell.side * cell.side < theta2 * d2 {
                let s = cell.mass * k2 / d2;
                fx += dx * s;
                fy += dy * s;
            } else if cell.leaf {
                let mut u = cell.body;
                while u != NONE {
                    let ui = u as usize;
                    if ui != v {
                        let (dx, dy) = (p.0 - pos[ui].0, p.1 - pos[ui].1);
                        let d2 = dx * dx + dy * dy;
                        if d2 < 1e-18 {
                            // Coincident nodes: push apart along a direction fixed by
                            // their indices, as if 1e-6 apart.
                            fx += if v < ui { -k2 / 1e-6 } else { k2 / 1e-6 };
                        } else {
                            let s = k2 / d2;
                            fx += dx * s;
                            fy += dy * s;
                        }
                    }
                    u = self.next[ui];
                }
            } else {
                for &ch in cell.child.iter().rev() {
                    if ch != NONE {
                        self.stack.push(ch);
                    }
                }
            }
        }
        (fx, fy)
    }
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
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    /// What the mark stands for.
    pub label: String,
    /// Its colour.
    pub colour: Rgb,
    /// Its shape.
    pub shape: Shape,
    /// Whether it is filled.
    pub filled: bool,
}

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

/// The aspect ratio (height / width) of the printed map's plotting box, for
/// [`layout`]; other sizes fit the same layout into their box with one scale.
pub fn aspect() -> f64 {
    (BOX.3 - BOX.1) / (BOX.2 - BOX.0)
}

/// The height of a legend section drawn `width` pixels wide.
fn section_height(section: &Legend, width: f64) -> f64 {
    let heading = match draw::wrap(&section.heading, width, MEDIUM, 2).len() {
        0 => 0.0,
        n => n as f64 * MEDIUM * draw::LEADING + 8.0,
    };
    let entries: f64 = section
        .entries
        .iter()
        .map(|e| {
            draw::wrap(&e.label, width - 30.0, SMALL, LEGEND_LINES).len() as f64
                * SMALL
                * draw::LEADING
                + 8.0
        })
        .sum();
    heading + entries + 14.0
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

    /// Draws the map as an SVG document of the print size.
    pub fn to_svg(&self) -> Result<String, DrawError> {
        self.to_svg_sized(WIDTH, HEIGHT)
    }

    /// Draws the map on `width` by `height` pixels; the text keeps its size. The
    /// legend takes the right-hand side, in two columns when one would be too tall,
    /// and the map the rest.
    pub fn to_svg_sized(&self, width: u32, height: u32) -> Result<String, DrawError> {
        draw::svg(width, height, |c| self.draw(c, width, height))
    }

    fn draw(&self, c: &Canvas<'_, '_>, width: u32, height: u32) -> Result<(), DrawError> {
        let (w, h) = (f64::from(width), f64::from(height));
        let one_column: f64 = self
            .legend
            .iter()
            .map(|s| section_height(s, LEGEND_W))
            .sum();
        let (columns, legend_w) = if 30.0 + one_column <= h {
            (1.0, LEGEND_W)
        } else {
            (2.0, LEGEND_W2)
        };
        let legend_x = w - columns * (legend_w + 14.0);
        // The notes take the bottom strip; without notes the map reaches down to it.
        let bottom = if self.notes.is_empty() {
            12.0
        } else {
            f64::from(HEIGHT) - BOX.3
        };
        let frame = (BOX.0, BOX.1, legend_x - 26.0, h - bottom);
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
        let (bw, bh) = (frame.2 - frame.0 - 2.0 * pad, frame.3 - frame.1 - 2.0 * pad);
        let (lw, lh) = ((x1 - x0).max(1e-9), (y1 - y0).max(1e-9));
        let scale = (bw / lw).min(bh / lh);
        let ox = frame.0 + pad + (bw - lw * scale) / 2.0;
        let oy = frame.1 + pad + (bh - lh * scale) / 2.0;
        let place = |(x, y): (f64, f64)| {
            if self.nodes.len() < 2 {
                ((frame.0 + frame.2) / 2.0, (frame.1 + frame.3) / 2.0)
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
                (frame.0, frame.3 + 20.0 + 22.0 * i as f64),
                Font::new(SMALL).colour(Rgb::MUTED),
            )?;
        }

        // The legend, section by section; a section that would run off the bottom
        // starts the next column.
        let (mut x, mut y) = (legend_x, 30.0);
        for section in &self.legend {
            if y > 30.0 && y + section_height(section, legend_w) > h {
                x += legend_w + 14.0;
                y = 30.0;
            }
            // A section without a heading continues the one above it.
            let heading = draw::wrap(&section.heading, legend_w, MEDIUM, 2);
            if !heading.is_empty() {
                c.lines(&heading, (x, y), Font::new(MEDIUM).bold())?;
                y += heading.len() as f64 * MEDIUM * draw::LEADING + 8.0;
            }
            for LegendEntry {
                label,
                colour,
                shape,
                filled,
            } in &section.entries
            {
                let lines = draw::wrap(label, legend_w - 30.0, SMALL, LEGEND_LINES);
                shape.draw(c, (x + 9.0, y), 8.0, *colour, *filled)?;
                c.lines(&lines, (x + 28.0, y), Font::new(SMALL))?;
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

    /// The tree's repulsion is close to the exact sum over all pairs, and exact for
    /// a set of bodies that fits in one leaf.
    #[test]
    fn barnes_hut_repulsion_is_close_to_the_exact_sum() {
        let mut r = rng::generator([4; 32], 0);
        let mut unit = || f64::from(r.next_u32()) / 4_294_967_296.0;
        // A dense cluster, a sparse ring of points and two coincident points.
        let mut pos: Vec<(f64, f64)> = (0..600).map(|_| (unit() * 0.2, unit() * 0.2)).collect();
        pos.extend((0..200).map(|_| (unit(), unit() * 0.7)));
        pos.push((0.5, 0.5));
        pos.push((0.5, 0.5));
        let k2 = 1e-3;
        let exact = |v: usize, pos: &[(f64, f64)]| {
            let mut f = (0.0, 0.0);
            for (u, q) in pos.iter().enumerate() {
                let (dx, dy) = (pos[v].0 - q.0, pos[v].1 - q.1);
                let d2 = dx * dx + dy * dy;
                if u == v {
                    continue;
                } else if d2 < 1e-18 {
                    f.0 += if v < u { -k2 / 1e-6 } else { k2 / 1e-6 };
                } else {
                    f.0 += dx * k2 / d2;
                    f.1 += dy * k2 / d2;
                }
            }
            f
        };
        let mut tree = QuadTree::default();
        tree.build(&pos);
        let mut sorted = tree.order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..pos.len() as u32).collect::<Vec<_>>());
        let (mut err, mut norm) = (0.0, 0.0);
        for v in 0..pos.len() {
            let (a, b) = (tree.repulsion(v, &pos, k2), exact(v, &pos));
            err += (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2);
            norm += b.0 * b.0 + b.1 * b.1;
        }
        assert!(
            (err / norm).sqrt() < 0.02,
            "relative error {}",
            (err / norm).sqrt()
        );

        let few = &pos[600..600 + BUCKET as usize];
        tree.build(few);
        for v in 0..few.len() {
            // The same terms, summed in the leaf's order (the last inserted first).
            let (a, b) = (tree.repulsion(v, few, k2), exact(v, few));
            assert!((a.0 - b.0).abs() + (a.1 - b.1).abs() < 1e-12 * (b.0.abs() + b.1.abs()));
        }
    }

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
