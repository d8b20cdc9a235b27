//! Betweenness and closeness centrality: Brandes' algorithm on the compact graph,
//! exact up to [`EXACT_LIMIT`] nodes and estimated from seeded pivots above it.
//!
//! Implemented here rather than taken from a crate: `rustworkx-core` 0.18 has both
//! measures, but its betweenness adds each source's dependencies into a shared vector
//! behind a lock in whatever order rayon's threads finish (so the float sums, and the
//! last bits of the result, vary with scheduling above its `parallel_threshold`), its
//! closeness keeps a `HashMap` of distances per source, it offers no pivot sampling,
//! and it would pull in rayon, ndarray and a second `rand`. petgraph 0.8 has neither
//! measure. The algorithm is a page of breadth-first search.
//!
//! Speed (exact betweenness of 10,000 nodes and 100,000 edges is 10,000 searches of
//! the whole graph): the graph is a compressed sparse row array with `u32` ids; each
//! search runs one frontier (level) at a time over a one-byte-per-node state array
//! and records the edges of the shortest-path DAG, so the backward pass reads only
//! those. A level is found from whichever side has fewer edges to scan (the
//! direction-optimising search of Beamer, Asanović & Patterson 2012): from the
//! frontier, testing a node's neighbours without branching and visiting only those
//! one step further, or, once the unreached nodes have fewer edges than the frontier
//! (in a random graph of mean degree 20, the level that reaches the last ~40 % of the
//! nodes), from each unreached node, which sums its predecessors' path counts in one
//! place instead of having them pushed to it. The edges of the last level are skipped
//! once the whole component has been reached, and each frontier found from the
//! frontier side is sorted (through a bit set, in linear time) so that its rows of the
//! graph are read in address order (in a large graph the rows, not the arithmetic,
//! cost the time). Either direction adds every sum in the same order (see
//! [`forward`], [`backward`]), so the result is the same bits as the plain search.
//! Searches from different sources run on every thread given.
//!
//! Determinism: sources are processed in fixed chunks (their number depends only on
//! the number of sources); each chunk sums its sources' dependencies in source order
//! into a zeroed vector, and the chunk vectors are added to the total in chunk order.
//! Threads only decide who computes a chunk, so the result is the same bytes with one
//! thread or many.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::stats::graph::{Components, Graph, components};
use crate::stats::rng;

/// Up to this many nodes, betweenness and closeness are exact (every node is a source).
pub const EXACT_LIMIT: usize = 20_000;

/// Above [`EXACT_LIMIT`], the number of pivot sources of the estimate.
pub const PIVOTS: usize = 256;

/// Most chunks the sources are split into (bounds the memory of pending partial sums).
const MAX_CHUNKS: usize = 64;

/// Fewest sources in a chunk.
const MIN_CHUNK: usize = 8;

/// Most worker threads.
const MAX_THREADS: usize = 8;

/// Betweenness and closeness of every node.
#[derive(Debug, Clone, PartialEq)]
pub struct Centrality {
    /// Normalised betweenness (undirected, endpoints excluded): the share of pairs
    /// `{s, t}` of other nodes whose shortest paths pass through the node, in `[0, 1]`.
    pub betweenness: Vec<f64>,
    /// Closeness with the Wasserman-Faust scaling for disconnected graphs (networkx's
    /// default `wf_improved=True`): `((r - 1) / D) * ((r - 1) / (n - 1))`, where `r`
    /// counts the nodes reachable from the node (itself included) and `D` is the sum of
    /// their distances; 0 for a node that reaches no other.
    pub closeness: Vec<f64>,
    /// The sources of the estimate when sampled; empty when exact.
    pub pivots: Vec<u32>,
}

impl Centrality {
    /// Whether the values are estimated from pivots.
    pub fn sampled(&self) -> bool {
        !self.pivots.is_empty()
    }
}

/// Exact when `g` has at most [`EXACT_LIMIT`] nodes, otherwise estimated from
/// [`PIVOTS`] pivots drawn with the ChaCha8 generator seeded by `seed`. `threads` is
/// how many threads may search at once (the caller decides; results do not depend on
/// it).
pub fn centrality(g: &Graph, comps: &Components, seed: [u8; 32], threads: usize) -> Centrality {
    let threads = threads.clamp(1, MAX_THREADS);
    if g.node_count() <= EXACT_LIMIT {
        exact(g, threads)
    } else {
        let pivots = rng::sample(&mut rng::generator(seed, 0), g.node_count(), PIVOTS);
        estimate(g, comps, &pivots, threads)
    }
}

/// Exact betweenness and closeness (Brandes 2001), every node a source.
pub fn exact(g: &Graph, threads: usize) -> Centrality {
    let n = g.node_count();
    let sources: Vec<u32> = (0..n as u32).collect();
    let acc = accumulate(g, &components(g), &sources, false, threads);
    let mut betweenness = acc.dependency;
    let scale = if n > 2 {
        1.0 / ((n - 1) as f64 * (n - 2) as f64)
    } else {
        1.0
    };
    betweenness.iter_mut().for_each(|b| *b *= scale);
    let mut closeness = vec![0.0; n];
    for (&s, &(reached, total)) in sources.iter().zip(&acc.reach) {
        closeness[s as usize] = closeness_value(n, reached, total);
    }
    Centrality {
        betweenness,
        closeness,
        pivots: Vec::new(),
    }
}

/// Estimated betweenness and closeness from the breadth-first searches of `pivots`
/// (sorted, distinct).
///
/// Betweenness: a pivot's dependencies are averaged over the other `k - 1` pivots and
/// a non-pivot's over all `k`, then normalised as if all `n - 1` sources had been
/// used (Brandes & Pich 2007; networkx >= 3.5 `betweenness_centrality(k=...)`).
///
/// Closeness: the reachable count `r` is exact (the component size). A pivot's
/// distance sum is exact; a non-pivot's is `(r - 1)` times its mean distance to the
/// pivots of its component. Nodes of a component that holds no pivot get exact values
/// by a search of their own (such components are small with overwhelming probability:
/// one of `s` nodes is missed by all `k` pivots with probability about
/// `(1 - s/n)^k`).
pub fn estimate(g: &Graph, comps: &Components, pivots: &[u32], threads: usize) -> Centrality {
    let n = g.node_count();
    let k = pivots.len();
    let acc = accumulate(g, comps, pivots, true, threads);
    let mut is_pivot = vec![false; n];
    pivots.iter().for_each(|&p| is_pivot[p as usize] = true);
    let mut pivots_in = vec![0usize; comps.count()];
    pivots
        .iter()
        .for_each(|&p| pivots_in[comps.of[p as usize] as usize] += 1);

    let denom = if n > 2 { (n - 2) as f64 } else { 1.0 };
    let betweenness = acc
        .dependency
        .iter()
        .enumerate()
        .map(|(v, &d)| {
            let used = if is_pivot[v] { k - 1 } else { k };
            if used == 0 {
                0.0
            } else {
                d / (used as f64 * denom)
            }
        })
        .collect();

    let mut closeness = vec![0.0; n];
    for (&s, &(reached, total)) in pivots.iter().zip(&acc.reach) {
        closeness[s as usize] = closeness_value(n, reached, total);
    }
    let mut uncovered: Vec<u32> = Vec::new();
    for v in 0..n {
        let c = comps.of[v] as usize;
        let r = comps.sizes[c];
        if is_pivot[v] || r == 1 {
            continue;
        }
        if pivots_in[c] == 0 {
            uncovered.push(v as u32);
        } else {
            let mean = acc.distance_sum[v] as f64 / pivots_in[c] as f64;
            closeness[v] = closeness_from_mean(n, r, mean);
        }
    }
    if !uncovered.is_empty() {
        let own = accumulate(g, comps, &uncovered, false, threads);
        for (&s, &(reached, total)) in uncovered.iter().zip(&own.reach) {
            closeness[s as usize] = closeness_value(n, reached, total);
        }
    }
    Centrality {
        betweenness,
        closeness,
        pivots: pivots.to_vec(),
    }
}

/// Closeness of a node reaching `reached` nodes (itself included) at total distance
/// `total`, in a graph of `n` nodes.
fn closeness_value(n: usize, reached: usize, total: u64) -> f64 {
    if total == 0 || n < 2 {
        return 0.0;
    }
    let r1 = (reached - 1) as f64;
    (r1 / total as f64) * (r1 / (n - 1) as f64)
}

/// Closeness from an estimated mean distance to the other `r - 1` reachable nodes.
fn closeness_from_mean(n: usize, reached: usize, mean: f64) -> f64 {
    if mean <= 0.0 || n < 2 {
        return 0.0;
    }
    (1.0 / mean) * ((reached - 1) as f64 / (n - 1) as f64)
}

/// What the searches from a list of sources add up to.
struct Accumulated {
    /// Sum over sources of each node's dependency (Brandes' delta).
    dependency: Vec<f64>,
    /// Per source, in order: nodes reached (itself included) and their total distance.
    reach: Vec<(usize, u64)>,
    /// Per node, the sum of its distances from the sources (when asked for).
    distance_sum: Vec<u64>,
}

/// One chunk's contribution.
struct Partial {
    dependency: Vec<f64>,
    reach: Vec<(usize, u64)>,
    distance_sum: Vec<u64>,
}

/// Searches from every source, in fixed chunks, on up to `threads` threads, and adds
/// the chunks up in chunk order.
fn accumulate(
    g: &Graph,
    comps: &Components,
    sources: &[u32],
    distances: bool,
    threads: usize,
) -> Accumulated {
    let n = g.node_count();
    let size = sources.len().div_ceil(MAX_CHUNKS).max(MIN_CHUNK);
    let chunks: Vec<&[u32]> = sources.chunks(size).collect();
    let mut total = Accumulated {
        dependency: vec![0.0; n],
        reach: Vec::with_capacity(sources.len()),
        distance_sum: if distances { vec![0; n] } else { Vec::new() },
    };
    let mut fold = |p: Partial| {
        total
            .dependency
            .iter_mut()
            .zip(&p.dependency)
            .for_each(|(t, d)| *t += d);
        total
            .distance_sum
            .iter_mut()
            .zip(&p.distance_sum)
            .for_each(|(t, d)| *t += d);
        total.reach.extend(p.reach);
    };
    let threads = threads.clamp(1, chunks.len().max(1));
    if threads == 1 {
        let mut ws = Workspace::new(g);
        chunks
            .iter()
            .for_each(|c| fold(run_chunk(g, comps, c, distances, &mut ws)));
        return total;
    }
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Partial)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, chunks) = (&next, &chunks);
            scope.spawn(move || {
                let mut ws = Workspace::new(g);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(chunk) = chunks.get(i) else { break };
                    if tx
                        .send((i, run_chunk(g, comps, chunk, distances, &mut ws)))
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Fold strictly in chunk order, holding early arrivals until their turn.
        let mut pending: BTreeMap<usize, Partial> = BTreeMap::new();
        let mut want = 0;
        for (i, p) in rx {
            pending.insert(i, p);
            while let Some(p) = pending.remove(&want) {
                fold(p);
                want += 1;
            }
        }
    });
    total
}

/// Scratch space of one search, reset after each source.
///
/// - `state`: 0 for a node not reached yet, otherwise `1 + distance % 3`. A node
///   scanned at distance `d` has neighbours only at `d - 1`, `d` and `d + 1` (or not
///   reached yet), which the residue tells apart; one byte per node keeps the array
///   that every neighbour visit reads in the first level of cache;
/// - `x`: one number per node, first its count of shortest paths from the source
///   (`sigma`, zero until the node is reached), then, once its dependency is known,
///   `(1 + delta) / sigma`;
/// - `order`: the nodes in the order the search reached them (by distance), and
///   `levels`, where each distance starts in it;
/// - `succ`, `first`: the successors of `order[i]` (its neighbours one step further
///   from the source), in ascending order, are `succ[first[i]..first[i + 1]]`, so the
///   backward pass reads only the edges of the shortest-path DAG;
/// - `pulled[d]`: whether level `d + 1` was found from the unreached side (see
///   [`pull`]); then the predecessors of `order[j]` at level `d + 1` (its neighbours
///   one step nearer), ascending, are `succ[pfirst[j]..pfirst[j + 1]]` instead, and
///   the backward pass adds through `acc`, zero between uses.
struct Workspace {
    state: Vec<u8>,
    x: Vec<f64>,
    order: Vec<u32>,
    levels: Vec<usize>,
    pulled: Vec<bool>,
    succ: Vec<u32>,
    first: Vec<u32>,
    pfirst: Vec<u32>,
    acc: Vec<f64>,
    bits: Vec<u64>,
}

impl Workspace {
    fn new(g: &Graph) -> Workspace {
        let n = g.node_count();
        Workspace {
            state: vec![0; n],
            x: vec![0.0; n],
            order: vec![0; n + 1],
            levels: Vec::new(),
            pulled: Vec::new(),
            succ: vec![0; 2 * g.edge_count()],
            first: vec![0; n + 1],
            pfirst: vec![0; n + 1],
            acc: vec![0.0; n],
            bits: vec![0; n / 64 + 1],
        }
    }

    /// The nodes reached by the last search, with their distances.
    fn reached(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.levels.windows(2).enumerate().flat_map(|(d, w)| {
            self.order[w[0]..w[1]]
                .iter()
                .map(move |&v| (v as usize, d as u64))
        })
    }
}

fn run_chunk(
    g: &Graph,
    comps: &Components,
    chunk: &[u32],
    distances: bool,
    ws: &mut Workspace,
) -> Partial {
    let n = g.node_count();
    let mut p = Partial {
        dependency: vec![0.0; n],
        reach: Vec::with_capacity(chunk.len()),
        distance_sum: if distances { vec![0; n] } else { Vec::new() },
    };
    for &s in chunk {
        let s = s as usize;
        let size = comps.sizes[comps.of[s] as usize];
        let r = single_source(g, s, size, ws, &mut p.dependency);
        if distances {
            for (v, d) in ws.reached() {
                p.distance_sum[v] += d;
            }
        }
        p.reach.push(r);
        for &v in &ws.order[..r.0] {
            ws.state[v as usize] = 0;
            ws.x[v as usize] = 0.0;
        }
    }
    p
}

/// Sorts the distinct nodes of a level: through the bit set `bits` (all zero, and left
/// so) when the level's id range is small against its size, which is linear; by
/// comparison otherwise (small levels, or a few nodes far apart).
fn sort_level(level: &mut [u32], bits: &mut [u64]) {
    if level.len() < 32 {
        level.sort_unstable();
        return;
    }
    let (lo, hi) = level
        .iter()
        .fold((u32::MAX, 0), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let words = (lo as usize / 64)..=(hi as usize / 64);
    if words.clone().count() > 4 * level.len() {
        level.sort_unstable();
        return;
    }
    for &v in level.iter() {
        bits[v as usize / 64] |= 1 << (v % 64);
    }
    let mut k = 0;
    for w in words {
        let mut b = std::mem::take(&mut bits[w]);
        while b != 0 {
            level[k] = (64 * w) as u32 + b.trailing_zeros();
            b &= b - 1;
            k += 1;
        }
    }
}

/// The residue state of a node at distance `d` (see [`Workspace`]).
fn residue(d: u32) -> u8 {
    1 + (d % 3) as u8
}

/// Brandes' single-source step from `s`, whose component has `size` nodes: the
/// breadth-first search ([`forward`]), then the dependencies ([`backward`]). Leaves
/// the search in `ws` for the caller; returns the nodes reached and their total
/// distance.
fn single_source(
    g: &Graph,
    s: usize,
    size: usize,
    ws: &mut Workspace,
    dependency: &mut [f64],
) -> (usize, u64) {
    let (tail, total) = forward(g, s, size, ws);
    backward(ws, dependency);
    (tail, total)
}

/// The arrays of one search as plain slices (see [`Workspace`]).
struct Search<'a> {
    state: &'a mut [u8],
    x: &'a mut [f64],
    order: &'a mut [u32],
    succ: &'a mut [u32],
}

/// The breadth-first search of Brandes' step, one level (frontier) at a time: counts
/// the shortest paths `sigma[w]` of each node (the sum of its predecessors' counts,
/// added in ascending order of the predecessors) and records the edges of the
/// shortest-path DAG. Each level is found from the side with fewer edges to scan:
/// from the frontier ([`push`]) or, once the unreached nodes have fewer edges than
/// the frontier, from the unreached nodes ([`pull`]); both add each count in the same
/// order, so the sums are the same bits. Once every node of the component has been
/// reached, the remaining frontier can have no successor, so its edges are not
/// scanned. Returns the nodes reached and their total distance.
fn forward(g: &Graph, s: usize, size: usize, ws: &mut Workspace) -> (usize, u64) {
    let mut sr = Search {
        state: &mut ws.state,
        x: &mut ws.x,
        order: &mut ws.order,
        succ: &mut ws.succ,
    };
    sr.state[s] = residue(0);
    sr.x[s] = 1.0;
    sr.order[0] = s as u32;
    ws.levels.clear();
    ws.levels.push(0);
    ws.pulled.clear();
    // The edges a level costs: from the frontier, or from every unreached node.
    let mut frontier_edges = g.degree(s);
    let mut unreached_edges = 2 * g.edge_count() - frontier_edges;
    let (mut start, mut end, mut tail, mut pushed) = (0usize, 1usize, 1usize, 0usize);
    let mut d = 0u32;
    let mut total = 0u64;
    while start < end {
        ws.levels.push(end);
        total += u64::from(d) * (end - start) as u64;
        if end == size {
            // The last level: every neighbour is already reached, none is further.
            ws.first[start..=end]
                .iter_mut()
                .for_each(|f| *f = pushed as u32);
            ws.pulled.push(false);
            break;
        }
        let pulled = d > 0 && unreached_edges < frontier_edges;
        ws.pulled.push(pulled);
        if pulled {
            (tail, pushed) = pull(g, &mut sr, &mut ws.pfirst, d, end, pushed);
        } else {
            (tail, pushed) = push(g, &mut sr, &mut ws.first, d, start..end, pushed);
            // The next frontier in ascending node order, so that its rows of the
            // graph are read in address order (nearly sequentially in the large
            // levels).
            sort_level(&mut sr.order[end..tail], &mut ws.bits);
        }
        frontier_edges = sr.order[end..tail]
            .iter()
            .map(|&w| g.degree(w as usize))
            .sum();
        unreached_edges -= frontier_edges;
        (start, end, d) = (end, tail, d + 1);
    }
    (tail, total)
}

/// Finds level `d + 1` from level `d` (`order[level]`): each frontier node adds its
/// count to its neighbours that are unreached or one step further and records them
/// as its successors (`succ[first[i]..first[i + 1]]` for `order[i]`). For each node
/// it first finds, without branching, which neighbours to visit (a bit mask of up to
/// 64 neighbours), then visits only those; the others, about half, cost one byte
/// read. Appends the new nodes to `order` (unsorted); returns the new end of `order`
/// and of `succ`.
fn push(
    g: &Graph,
    sr: &mut Search<'_>,
    first: &mut [u32],
    d: u32,
    level: std::ops::Range<usize>,
    mut pushed: usize,
) -> (usize, usize) {
    let (state, x, order, succ) = (&mut *sr.state, &mut *sr.x, &mut *sr.order, &mut *sr.succ);
    let further = residue(d + 1);
    // Bit `s` of `wanted` is set for the states to visit: unreached or further.
    let wanted = 1u32 | (1 << further);
    let mut tail = level.end;
    for i in level.clone() {
        first[i] = pushed as u32;
        let v = order[i] as usize;
        let sv = x[v];
        for block in g.neighbours(v).chunks(64) {
            let mut mask = 0u64;
            for (k, &w) in block.iter().enumerate() {
                mask |= u64::from(wanted.wrapping_shr(u32::from(state[w as usize])) & 1) << k;
            }
            while mask != 0 {
                let w = block[mask.trailing_zeros() as usize];
                mask &= mask - 1;
                let wi = w as usize;
                // Appended always, kept only when new (no path counted yet; no branch).
                order[tail] = w;
                let xw = x[wi];
                tail += usize::from(xw == 0.0);
                state[wi] = further;
                x[wi] = xw + sv;
                succ[pushed] = w;
                pushed += 1;
            }
        }
    }
    first[level.end] = pushed as u32;
    (tail, pushed)
}

/// Finds level `d + 1`, which starts at `end` in `order`, from the unreached side:
/// every unreached node, in ascending order, sums the counts of its neighbours at
/// level `d` (in ascending order, as [`push`] would add them) and records them as
/// its predecessors (`succ[pfirst[j]..pfirst[j + 1]]` for `order[j]`); it belongs to
/// the level when it has one. Returns the new end of `order` and of `succ`.
fn pull(
    g: &Graph,
    sr: &mut Search<'_>,
    pfirst: &mut [u32],
    d: u32,
    end: usize,
    mut pushed: usize,
) -> (usize, usize) {
    let (state, x, order, succ) = (&mut *sr.state, &mut *sr.x, &mut *sr.order, &mut *sr.succ);
    let (here, further) = (residue(d), residue(d + 1));
    let mut tail = end;
    for b in 0..state.len().div_ceil(64) {
        let mut open = 0u64;
        for (k, &st) in state[64 * b..].iter().take(64).enumerate() {
            open |= u64::from(st == 0) << k;
        }
        while open != 0 {
            let w = 64 * b + open.trailing_zeros() as usize;
            open &= open - 1;
            pfirst[tail] = pushed as u32;
            let mut sigma = 0.0;
            for block in g.neighbours(w).chunks(64) {
                let mut mask = 0u64;
                for (k, &v) in block.iter().enumerate() {
                    mask |= u64::from(state[v as usize] == here) << k;
                }
                while mask != 0 {
                    let v = block[mask.trailing_zeros() as usize];
                    mask &= mask - 1;
                    sigma += x[v as usize];
                    succ[pushed] = v;
                    pushed += 1;
                }
            }
            // Appended always, kept only when reached (no branch).
            let reached = sigma > 0.0;
            order[tail] = w as u32;
            tail += usize::from(reached);
            state[w] = if reached { further } else { 0 };
            x[w] = sigma;
        }
    }
    pfirst[tail] = pushed as u32;
    (tail, pushed)
}

/// The dependencies of Brandes' step for the nodes the last search reached: in order
/// of decreasing distance, each node's dependency is `delta[v] = sigma[v] * sum over
/// successors w of (1 + delta[w]) / sigma[w]` (Brandes 2001, Theorem 6), added to
/// `dependency[v]`. The sum runs over the successors in ascending order: read from
/// the node's successors, or, after a level found by [`pull`], pushed from the
/// successors (in ascending order) to their predecessors through `acc`; the same
/// additions in the same order either way.
fn backward(ws: &mut Workspace, dependency: &mut [f64]) {
    let (x, acc) = (ws.x.as_mut_slice(), ws.acc.as_mut_slice());
    let (order, succ) = (ws.order.as_slice(), ws.succ.as_slice());
    let (first, pfirst, levels) = (&ws.first, &ws.pfirst, &ws.levels);
    let mut finish = |x: &mut [f64], v: usize, sum: f64| {
        let sigma = x[v];
        let delta = sigma * sum;
        dependency[v] += delta;
        x[v] = (1.0 + delta) / sigma;
    };
    // Level 0, the source, has no dependency of its own.
    for d in (1..levels.len() - 1).rev() {
        let level = levels[d]..levels[d + 1];
        if ws.pulled[d] {
            let below = levels[d + 1]..levels.get(d + 2).copied().unwrap_or(levels[d + 1]);
            for j in below {
                let xw = x[order[j] as usize];
                for &v in &succ[pfirst[j] as usize..pfirst[j + 1] as usize] {
                    acc[v as usize] += xw;
                }
            }
            for &v in &order[level] {
                let sum = std::mem::take(&mut acc[v as usize]);
                finish(x, v as usize, sum);
            }
        } else {
            for i in level {
                let sum = succ[first[i] as usize..first[i + 1] as usize]
                    .iter()
                    .fold(0.0, |sum, &w| sum + x[w as usize]);
                finish(x, order[i] as usize, sum);
            }
        }
    }
}

/// The `k` nodes of highest betweenness among those with positive betweenness,
/// highest first, ties broken by the lower index. Values are compared after rounding
/// to 1e-12 so that mathematically equal values that differ in the last bits of their
/// float sums count as ties.
pub fn top_brokers(betweenness: &[f64], k: usize) -> Vec<u32> {
    let key = |b: f64| (b * 1e12).round() as i64;
    let mut nodes: Vec<u32> = (0..betweenness.len() as u32)
        .filter(|&v| key(betweenness[v as usize]) > 0)
        .collect();
    nodes.sort_by(|&a, &b| {
        key(betweenness[b as usize])
            .cmp(&key(betweenness[a as usize]))
            .then(a.cmp(&b))
    });
    nodes.truncate(k);
    nodes
}

/// Freeman's (1979) betweenness centralisation for normalised betweenness:
/// `sum_v (max - b_v) / (n - 1)`, which is 1 for a star and 0 when all nodes are
/// equal; `None` below three nodes.
pub fn centralisation(betweenness: &[f64]) -> Option<f64> {
    let n = betweenness.len();
    if n < 3 {
        return None;
    }
    let max = betweenness.iter().copied().fold(0.0f64, f64::max);
    let sum: f64 = betweenness.iter().map(|b| max - b).sum();
    Some(sum / (n - 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32)]) -> Graph {
        Graph::from_edges(n, edges).expect("valid graph")
    }

    fn assert_close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12, "{a:?} != {b:?}");
        }
    }

    #[test]
    fn path_of_three() {
        // 1 lies on the one path 0-2: betweenness 1 (normalised by (n-1)(n-2)/2 = 1).
        let c = exact(&graph(3, &[(0, 1), (1, 2)]), 1);
        assert_close(&c.betweenness, &[0.0, 1.0, 0.0]);
        // Distances from 0: 1 + 2 = 3, so closeness 2/3; from 1: 2/2 = 1.
        assert_close(&c.closeness, &[2.0 / 3.0, 1.0, 2.0 / 3.0]);
    }

    #[test]
    fn path_of_four() {
        // Node 1 lies on 0-2 and 0-3: 2 of the 3 pairs of other nodes.
        let c = exact(&graph(4, &[(0, 1), (1, 2), (2, 3)]), 1);
        assert_close(&c.betweenness, &[0.0, 2.0 / 3.0, 2.0 / 3.0, 0.0]);
        assert_close(&c.closeness, &[0.5, 0.75, 0.75, 0.5]);
    }

    #[test]
    fn triangle_and_star() {
        let t = exact(&graph(3, &[(0, 1), (1, 2), (0, 2)]), 1);
        assert_close(&t.betweenness, &[0.0; 3]);
        assert_close(&t.closeness, &[1.0; 3]);
        let s = exact(&graph(5, &[(0, 1), (0, 2), (0, 3), (0, 4)]), 1);
        assert_close(&s.betweenness, &[1.0, 0.0, 0.0, 0.0, 0.0]);
        // A leaf is 1 from the hub and 2 from three leaves: 4 / 7.
        assert_close(
            &s.closeness,
            &[1.0, 4.0 / 7.0, 4.0 / 7.0, 4.0 / 7.0, 4.0 / 7.0],
        );
        assert_eq!(centralisation(&s.betweenness), Some(1.0));
        assert_eq!(top_brokers(&s.betweenness, 5), vec![0]);
    }

    #[test]
    fn two_components_with_isolates_use_wasserman_faust() {
        // Path 0-1-2 and edge 3-4, isolate 5; n = 6.
        let c = exact(&graph(6, &[(0, 1), (1, 2), (3, 4)]), 1);
        // Betweenness of 1: one pair of 10, normalised by (5 * 4) / 2.
        assert_close(&c.betweenness, &[0.0, 0.1, 0.0, 0.0, 0.0, 0.0]);
        // Node 0 reaches 2 others at total 3: (2/3) * (2/5); node 3: (1/1) * (1/5).
        let c0 = (2.0 / 3.0) * (2.0 / 5.0);
        assert_close(&c.closeness, &[c0, 2.0 / 5.0, c0, 0.2, 0.2, 0.0]);
    }

    #[test]
    fn tiny_graphs() {
        assert_eq!(
            exact(&graph(0, &[]), 1),
            Centrality {
                betweenness: vec![],
                closeness: vec![],
                pivots: vec![]
            }
        );
        assert_close(&exact(&graph(1, &[]), 1).closeness, &[0.0]);
        assert_close(&exact(&graph(2, &[(0, 1)]), 1).betweenness, &[0.0, 0.0]);
        assert_eq!(centralisation(&[0.0, 0.0]), None);
        assert_eq!(top_brokers(&[0.0, 0.0, 0.0], 5), Vec::<u32>::new());
    }

    /// A ring of 60 with chords: enough sources for several chunks.
    fn ring(n: u32) -> Graph {
        let mut e: Vec<(u32, u32)> = (0..n).map(|i| (i, (i + 1) % n)).collect();
        e.extend((0..n).step_by(7).map(|i| (i, (i * 13 + 5) % n)));
        graph(n as usize, &e)
    }

    #[test]
    fn results_do_not_depend_on_thread_count() {
        let g = ring(300);
        let one = exact(&g, 1);
        for t in [2, 3, 8] {
            let many = exact(&g, t);
            assert!(
                one.betweenness
                    .iter()
                    .zip(&many.betweenness)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
            assert!(
                one.closeness
                    .iter()
                    .zip(&many.closeness)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
        }
        let comps = components(&g);
        let pivots = rng::sample(&mut rng::generator([1; 32], 0), 300, 40);
        let a = estimate(&g, &comps, &pivots, 1);
        let b = estimate(&g, &comps, &pivots, 3);
        assert_eq!(a, b);
    }

    #[test]
    fn estimate_with_every_node_a_pivot_is_exact() {
        let g = graph(7, &[(0, 1), (1, 2), (2, 3), (1, 3), (4, 5)]);
        let all: Vec<u32> = (0..7).collect();
        let e = estimate(&g, &components(&g), &all, 1);
        let x = exact(&g, 1);
        assert_close(&e.betweenness, &x.betweenness);
        assert_close(&e.closeness, &x.closeness);
        assert!(e.sampled() && !x.sampled());
    }

    #[test]
    fn estimate_is_close_on_a_larger_graph() {
        let g = ring(400);
        let comps = components(&g);
        let x = exact(&g, 1);
        let pivots = rng::sample(&mut rng::generator([9; 32], 0), 400, 200);
        let e = estimate(&g, &comps, &pivots, 2);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!((mean(&e.betweenness) - mean(&x.betweenness)).abs() < 0.1 * mean(&x.betweenness));
        assert!((mean(&e.closeness) - mean(&x.closeness)).abs() < 0.05 * mean(&x.closeness));
    }

    /// The plain search the fast one replaced: a queue, a full distance array and a
    /// backward pass that scans every neighbour again. Same sums in the same order.
    fn plain_exact(g: &Graph) -> (Vec<f64>, Vec<(usize, u64)>) {
        let n = g.node_count();
        let mut dependency = vec![0.0; n];
        let mut reach = Vec::new();
        for s in 0..n {
            let (mut dist, mut x) = (vec![u32::MAX; n], vec![0.0f64; n]);
            let mut order = vec![s as u32];
            dist[s] = 0;
            x[s] = 1.0;
            let mut head = 0;
            while head < order.len() {
                let v = order[head] as usize;
                head += 1;
                for &w in g.neighbours(v) {
                    let w = w as usize;
                    if dist[w] == u32::MAX {
                        dist[w] = dist[v] + 1;
                        order.push(w as u32);
                    }
                    if dist[w] == dist[v] + 1 {
                        x[w] += x[v];
                    }
                }
            }
            for &v in order[1..].iter().rev() {
                let v = v as usize;
                let mut sum = 0.0;
                for &w in g.neighbours(v) {
                    if dist[w as usize] == dist[v] + 1 {
                        sum += x[w as usize];
                    }
                }
                let delta = x[v] * sum;
                dependency[v] += delta;
                x[v] = (1.0 + delta) / x[v];
            }
            let total = order.iter().map(|&v| u64::from(dist[v as usize])).sum();
            reach.push((order.len(), total));
        }
        (dependency, reach)
    }

    #[test]
    fn fast_search_gives_the_bits_of_the_plain_search() {
        let mut r = rng::generator([11; 32], 0);
        // Sparse with many components, dense, mean degree 20 (whose farthest level is
        // found from the unreached side, see the next test), and a long path (deep
        // searches whose distances wrap the one-byte residue many times).
        let graphs = [
            (200u32, 150, false),
            (120, 2000, false),
            (1000, 10_000, false),
            (300, 200, true),
        ];
        for (n, m, path) in graphs {
            let mut edges: Vec<(u32, u32)> = (0..m)
                .map(|_| (rng::below(&mut r, n), rng::below(&mut r, n)))
                .collect();
            if path {
                edges.extend((1..n).map(|i| (i - 1, i)));
            }
            let g = graph(n as usize, &edges);
            let (dependency, reach) = plain_exact(&g);
            let all: Vec<u32> = (0..n).collect();
            let fast = accumulate(&g, &components(&g), &all, false, 1);
            // One chunk per call of the plain search would sum in another order, so
            // compare per source: one source per call.
            let mut per_source = vec![0.0; n as usize];
            let mut fast_reach = Vec::new();
            for s in 0..n {
                let one = accumulate(&g, &components(&g), &[s], false, 1);
                per_source
                    .iter_mut()
                    .zip(&one.dependency)
                    .for_each(|(t, d)| *t += d);
                fast_reach.extend(one.reach);
            }
            assert_eq!(fast_reach, reach);
            assert_eq!(fast.reach, reach);
            assert!(
                per_source
                    .iter()
                    .zip(&dependency)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "n = {n}"
            );
        }
    }

    #[test]
    fn levels_are_found_from_either_side() {
        // A random graph of mean degree 20: the first levels have few frontier edges
        // and are pushed; the level that reaches the farthest nodes has fewer edges
        // among the unreached nodes than in the frontier and is pulled.
        let mut r = rng::generator([11; 32], 1);
        let edges: Vec<(u32, u32)> = (0..10_000)
            .map(|_| (rng::below(&mut r, 1000), rng::below(&mut r, 1000)))
            .collect();
        let g = graph(1000, &edges);
        let comps = components(&g);
        let mut ws = Workspace::new(&g);
        let size = comps.sizes[comps.of[0] as usize];
        let (reached, _) = forward(&g, 0, size, &mut ws);
        assert_eq!(reached, size);
        assert_eq!(ws.pulled[..2], [false, false]);
        assert!(ws.pulled.contains(&true), "{:?}", ws.pulled);
        // A path from one end is pushed until only its last node is left, whose one
        // edge is fewer than the frontier's two.
        let path: Vec<(u32, u32)> = (1..50).map(|i| (i - 1, i)).collect();
        let g = graph(50, &path);
        let mut ws = Workspace::new(&g);
        assert_eq!(forward(&g, 0, 50, &mut ws).0, 50);
        let pulled: Vec<usize> = (0..ws.pulled.len()).filter(|&d| ws.pulled[d]).collect();
        assert_eq!(pulled, [48]);
    }

    #[test]
    fn levels_sort_through_the_bit_set_or_by_comparison() {
        let mut bits = vec![0u64; 1000 / 64 + 1];
        let mut r = rng::generator([2; 32], 0);
        for (len, range) in [(5usize, 1000u32), (40, 1000), (600, 1000), (40, 100)] {
            let mut level: Vec<u32> = rng::sample(&mut r, range as usize, len);
            rng::shuffle(&mut r, &mut level);
            let mut sorted = level.clone();
            sorted.sort_unstable();
            sort_level(&mut level, &mut bits);
            assert_eq!(level, sorted);
            assert!(bits.iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn uncovered_components_get_exact_closeness() {
        // Pivots only in the path 0-1-2; the edge 3-4 holds none.
        let g = graph(6, &[(0, 1), (1, 2), (3, 4)]);
        let e = estimate(&g, &components(&g), &[0, 1], 1);
        let x = exact(&g, 1);
        assert_close(&e.closeness[3..], &x.closeness[3..]);
    }
}
