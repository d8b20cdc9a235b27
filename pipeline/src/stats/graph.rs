//! A compact undirected graph and its whole-network statistics: density, degree,
//! components, clustering and degree assortativity.
//!
//! The functions take a [`Graph`] built from plain `(a, b)` pairs, not a study, so they
//! can be checked against reference values on any graph (see
//! `tests/stats_reference.rs`). Every count is an integer; every ratio is formed from
//! exact integers in one division, or summed over nodes in index order.

use serde::Serialize;

/// An undirected simple graph on nodes `0..n` in compressed sparse row form: the
/// neighbours of `v` are `targets[offsets[v]..offsets[v + 1]]`, sorted ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    offsets: Vec<usize>,
    targets: Vec<u32>,
}

/// Why a graph could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// An edge names a node outside `0..n`.
    #[error("edge ({0}, {1}) names a node outside 0..{2}")]
    NodeOutOfRange(u32, u32, usize),
    /// More nodes than `u32` can index.
    #[error("{0} nodes is more than a graph can hold")]
    TooManyNodes(usize),
}

impl Graph {
    /// Builds the graph on `n` nodes with the given edges. Order and direction of the
    /// pairs do not matter; repeated pairs are kept once and self-loops are dropped.
    pub fn from_edges(n: usize, edges: &[(u32, u32)]) -> Result<Graph, GraphError> {
        if n > u32::MAX as usize {
            return Err(GraphError::TooManyNodes(n));
        }
        let mut degree = vec![0usize; n];
        for &(a, b) in edges {
            if a as usize >= n || b as usize >= n {
                return Err(GraphError::NodeOutOfRange(a, b, n));
            }
            if a != b {
                degree[a as usize] += 1;
                degree[b as usize] += 1;
            }
        }
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        for d in &degree {
            offsets.push(offsets[offsets.len() - 1] + d);
        }
        let mut fill: Vec<usize> = offsets[..n].to_vec();
        let mut targets = vec![0u32; offsets[n]];
        for &(a, b) in edges {
            if a != b {
                targets[fill[a as usize]] = b;
                fill[a as usize] += 1;
                targets[fill[b as usize]] = a;
                fill[b as usize] += 1;
            }
        }
        // Sort and deduplicate each list, compacting in place.
        let mut write = 0;
        let mut new_offsets = Vec::with_capacity(n + 1);
        new_offsets.push(0);
        for v in 0..n {
            let (start, end) = (offsets[v], offsets[v + 1]);
            targets[start..end].sort_unstable();
            let mut last = None;
            for i in start..end {
                let t = targets[i];
                if last != Some(t) {
                    targets[write] = t;
                    write += 1;
                    last = Some(t);
                }
            }
            new_offsets.push(write);
        }
        targets.truncate(write);
        Ok(Graph {
            offsets: new_offsets,
            targets,
        })
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of (undirected) edges.
    pub fn edge_count(&self) -> usize {
        self.targets.len() / 2
    }

    /// The neighbours of `v`, sorted ascending.
    pub fn neighbours(&self, v: usize) -> &[u32] {
        &self.targets[self.offsets[v]..self.offsets[v + 1]]
    }

    /// The degree of `v`.
    pub fn degree(&self, v: usize) -> usize {
        self.offsets[v + 1] - self.offsets[v]
    }

    /// Every edge once, as `(a, b)` with `a < b`, in ascending order.
    pub fn edges(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        (0..self.node_count()).flat_map(move |a| {
            self.neighbours(a)
                .iter()
                .filter(move |&&b| b as usize > a)
                .map(move |&b| (a as u32, b))
        })
    }
}

/// The connected components of a graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Components {
    /// Component of each node; components are numbered in the order of their
    /// smallest node.
    pub of: Vec<u32>,
    /// Number of nodes of each component.
    pub sizes: Vec<usize>,
}

impl Components {
    /// Number of components (an isolate is a component of its own).
    pub fn count(&self) -> usize {
        self.sizes.len()
    }

    /// Size of the largest component (0 for an empty graph).
    pub fn largest(&self) -> usize {
        self.sizes.iter().copied().max().unwrap_or(0)
    }
}

/// Connected components by union-find (`petgraph::unionfind`, the structure behind
/// `petgraph::algo::connected_components`, used directly on the edge list so no
/// second graph is built).
pub fn components(g: &Graph) -> Components {
    let n = g.node_count();
    let mut uf = petgraph::unionfind::UnionFind::<u32>::new(n);
    for (a, b) in g.edges() {
        uf.union(a, b);
    }
    let roots = uf.into_labeling();
    let mut number = vec![u32::MAX; n];
    let mut of = Vec::with_capacity(n);
    let mut sizes: Vec<usize> = Vec::new();
    for root in roots {
        let r = root as usize;
        if number[r] == u32::MAX {
            number[r] = sizes.len() as u32;
            sizes.push(0);
        }
        of.push(number[r]);
        sizes[number[r] as usize] += 1;
    }
    Components { of, sizes }
}

/// Density `2m / (n (n - 1))`; `None` below two nodes.
pub fn density(n: usize, m: usize) -> Option<f64> {
    (n >= 2).then(|| (2 * m as u128) as f64 / (n as u128 * (n as u128 - 1)) as f64)
}

/// Mean degree `2m / n`; `None` for no nodes.
pub fn mean_degree(n: usize, m: usize) -> Option<f64> {
    (n > 0).then(|| (2 * m as u128) as f64 / n as f64)
}

/// Number of triangles through each node.
///
/// Each triangle is found once: nodes are ranked by (degree, index), every edge is
/// oriented from lower to higher rank, and for each node `v` and each higher-ranked
/// neighbour `u` the higher-ranked neighbours of `u` that are also higher-ranked
/// neighbours of `v` close a triangle (the "forward" algorithm, O(m^1.5)).
pub fn triangles(g: &Graph) -> Vec<u64> {
    let n = g.node_count();
    let higher = |v: usize, u: u32| {
        let (dv, du) = (g.degree(v), g.degree(u as usize));
        du > dv || (du == dv && u as usize > v)
    };
    let mut out_off = Vec::with_capacity(n + 1);
    out_off.push(0usize);
    let mut out: Vec<u32> = Vec::with_capacity(g.edge_count());
    for v in 0..n {
        out.extend(g.neighbours(v).iter().copied().filter(|&u| higher(v, u)));
        out_off.push(out.len());
    }
    let mut tri = vec![0u64; n];
    let mut mark = vec![u32::MAX; n];
    for v in 0..n {
        let ov = &out[out_off[v]..out_off[v + 1]];
        for &w in ov {
            mark[w as usize] = v as u32;
        }
        for &u in ov {
            for &w in &out[out_off[u as usize]..out_off[u as usize + 1]] {
                if mark[w as usize] == v as u32 {
                    tri[v] += 1;
                    tri[u as usize] += 1;
                    tri[w as usize] += 1;
                }
            }
        }
    }
    tri
}

/// Global clustering (transitivity) and average local clustering of a graph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clustering {
    /// Number of triangles.
    pub triangles: u64,
    /// Number of connected triples (paths of length two), `sum_v d_v (d_v - 1) / 2`.
    pub triples: u64,
    /// `3 * triangles / triples`; `None` when there is no connected triple.
    pub transitivity: Option<f64>,
    /// Mean over all nodes of `2 t_v / (d_v (d_v - 1))`, nodes of degree below two
    /// counting as 0 (the networkx convention); `None` for no nodes.
    pub average: Option<f64>,
}

/// Transitivity and average clustering.
pub fn clustering(g: &Graph) -> Clustering {
    let n = g.node_count();
    let tri = triangles(g);
    let mut triples = 0u64;
    let mut sum = 0.0f64;
    for (v, &t) in tri.iter().enumerate() {
        let d = g.degree(v) as u64;
        if d >= 2 {
            triples += d * (d - 1) / 2;
            sum += (2 * t) as f64 / (d * (d - 1)) as f64;
        }
    }
    let triangles = tri.iter().sum::<u64>() / 3;
    Clustering {
        triangles,
        triples,
        transitivity: (triples > 0).then(|| (3 * u128::from(triangles)) as f64 / triples as f64),
        average: (n > 0).then(|| sum / n as f64),
    }
}

/// Newman's degree assortativity: the Pearson correlation of the degrees at the two
/// ends of an edge, each edge counted in both directions (Newman 2002, eq. 4; the
/// value of networkx `degree_assortativity_coefficient`).
///
/// With `S1 = sum (j + k)`, `S2 = sum (j^2 + k^2)` and `Sjk = sum j k` over the `m`
/// edges, `r = (4 m Sjk - S1^2) / (2 m S2 - S1^2)`, evaluated in exact integers. `None`
/// when there are no edges or every edge end has the same degree (zero variance).
pub fn degree_assortativity(g: &Graph) -> Option<f64> {
    let m = g.edge_count() as i128;
    let (mut s1, mut s2, mut sjk) = (0i128, 0i128, 0i128);
    for (a, b) in g.edges() {
        let (j, k) = (g.degree(a as usize) as i128, g.degree(b as usize) as i128);
        s1 += j + k;
        s2 += j * j + k * k;
        sjk += j * k;
    }
    let num = 4 * m * sjk - s1 * s1;
    let den = 2 * m * s2 - s1 * s1;
    (m > 0 && den != 0).then(|| ratio_i128(num, den))
}

/// `num / den` of two integers. When both are below 2^53 they convert to `f64`
/// exactly and one division gives the correctly rounded quotient; larger values are
/// divided in integers first so the quotient loses at most a unit in the last place.
pub(crate) fn ratio_i128(num: i128, den: i128) -> f64 {
    const EXACT: i128 = 1 << 53;
    if num.abs() <= EXACT && den.abs() <= EXACT {
        return num as f64 / den as f64;
    }
    let q = num / den;
    let r = num % den;
    q as f64 + r as f64 / den as f64
}

/// The whole-network statistics of one wave.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct NetworkStats {
    /// Organisations (nodes), including those without ties.
    pub organisations: usize,
    /// Undirected ties.
    pub ties: usize,
    /// `2 ties / (n (n - 1))`.
    pub density: Option<f64>,
    /// `2 ties / n`.
    pub mean_degree: Option<f64>,
    /// Connected components, isolates included.
    pub components: usize,
    /// Organisations in the largest component.
    pub largest_component: usize,
    /// `largest_component / organisations`.
    pub largest_component_share: Option<f64>,
    /// Organisations without a tie.
    pub isolates: usize,
    /// Triangles.
    pub triangles: u64,
    /// Global clustering coefficient.
    pub transitivity: Option<f64>,
    /// Mean local clustering (degree < 2 counts as 0).
    pub average_clustering: Option<f64>,
    /// Newman's degree assortativity.
    pub degree_assortativity: Option<f64>,
}

/// Computes [`NetworkStats`] of `g` with its components `comps`.
pub fn network_stats(g: &Graph, comps: &Components) -> NetworkStats {
    let n = g.node_count();
    let m = g.edge_count();
    let c = clustering(g);
    let largest = comps.largest();
    NetworkStats {
        organisations: n,
        ties: m,
        density: density(n, m),
        mean_degree: mean_degree(n, m),
        components: comps.count(),
        largest_component: largest,
        largest_component_share: (n > 0).then(|| largest as f64 / n as f64),
        isolates: (0..n).filter(|&v| g.degree(v) == 0).count(),
        triangles: c.triangles,
        transitivity: c.transitivity,
        average_clustering: c.average,
        degree_assortativity: degree_assortativity(g),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32)]) -> Graph {
        Graph::from_edges(n, edges).expect("valid graph")
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn builds_sorted_deduplicated_lists() {
        let g = graph(4, &[(2, 0), (0, 1), (1, 0), (3, 3), (0, 2)]);
        assert_eq!(g.neighbours(0), &[1, 2]);
        assert_eq!(g.neighbours(3), &[] as &[u32]);
        assert_eq!(g.edge_count(), 2);
        assert_eq!(g.edges().collect::<Vec<_>>(), vec![(0, 1), (0, 2)]);
        assert!(Graph::from_edges(2, &[(0, 2)]).is_err());
    }

    #[test]
    fn path_of_four() {
        // 0-1-2-3: no triangles; 2 triples at each inner node.
        let g = graph(4, &[(0, 1), (1, 2), (2, 3)]);
        let s = network_stats(&g, &components(&g));
        assert!(close(s.density, 0.5));
        assert!(close(s.mean_degree, 1.5));
        assert_eq!((s.components, s.largest_component, s.isolates), (1, 4, 0));
        assert!(close(s.transitivity, 0.0));
        assert!(close(s.average_clustering, 0.0));
        // Edge-end degrees (1,2), (2,2), (2,1): r = -1/2 (networkx gives -0.5).
        assert!(close(s.degree_assortativity, -0.5));
    }

    #[test]
    fn triangle() {
        let g = graph(3, &[(0, 1), (1, 2), (0, 2)]);
        let s = network_stats(&g, &components(&g));
        assert_eq!(s.triangles, 1);
        assert!(close(s.density, 1.0));
        assert!(close(s.transitivity, 1.0));
        assert!(close(s.average_clustering, 1.0));
        // Every end has degree 2: zero variance, undefined.
        assert_eq!(s.degree_assortativity, None);
    }

    #[test]
    fn star() {
        // Hub 0 with leaves 1..=4: perfectly disassortative.
        let g = graph(5, &[(0, 1), (0, 2), (0, 3), (0, 4)]);
        let s = network_stats(&g, &components(&g));
        assert!(close(s.degree_assortativity, -1.0));
        assert!(close(s.transitivity, 0.0));
        assert!(close(s.density, 0.4));
    }

    #[test]
    fn two_components_with_isolates() {
        // Triangle 0-1-2, edge 3-4, isolates 5 and 6.
        let g = graph(7, &[(0, 1), (1, 2), (0, 2), (3, 4)]);
        let c = components(&g);
        assert_eq!(c.of, vec![0, 0, 0, 1, 1, 2, 3]);
        assert_eq!(c.sizes, vec![3, 2, 1, 1]);
        let s = network_stats(&g, &c);
        assert_eq!((s.components, s.largest_component, s.isolates), (4, 3, 2));
        assert!(close(s.largest_component_share, 3.0 / 7.0));
        assert!(close(s.average_clustering, 3.0 / 7.0));
        assert!(close(s.transitivity, 1.0));
    }

    #[test]
    fn empty_and_single() {
        let g = graph(0, &[]);
        let s = network_stats(&g, &components(&g));
        assert_eq!(
            (s.density, s.mean_degree, s.largest_component_share),
            (None, None, None)
        );
        assert_eq!(
            (s.transitivity, s.average_clustering, s.degree_assortativity),
            (None, None, None)
        );
        let g = graph(1, &[]);
        let s = network_stats(&g, &components(&g));
        assert_eq!((s.components, s.isolates, s.density), (1, 1, None));
        assert!(close(s.mean_degree, 0.0));
        assert!(close(s.average_clustering, 0.0));
        assert_eq!(s.transitivity, None);
    }

    #[test]
    fn integer_ratio_is_exact_for_small_values() {
        assert_eq!(ratio_i128(1, 3), 1.0 / 3.0);
        assert_eq!(ratio_i128(-7, 2), -3.5);
    }
}
