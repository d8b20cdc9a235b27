//! The network statistics checked against reference values from networkx
//! (`tests/fixtures/networkx_reference.json`, made by the script beside it, which is
//! also stored inside the JSON with the networkx version), and the E-I index against a
//! hand computation.
//!
//! Graphs are built from the fixture's plain edge lists, without a study; every value
//! must agree to 1e-9.

use pipeline::stats::centrality;
use pipeline::stats::graph::{self, Graph};
use pipeline::stats::homophily;
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/networkx_reference.json");
const TOLERANCE: f64 = 1e-9;

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("the fixture is JSON")
}

fn num(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array().expect("an array").iter().map(num).collect()
}

fn opt_nums(v: &Value) -> Vec<Option<f64>> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(Value::as_f64)
        .collect()
}

fn close(what: &str, graph: &str, ours: Option<f64>, theirs: f64) {
    let ours =
        ours.unwrap_or_else(|| panic!("{graph}: {what} is undefined; networkx gives {theirs}"));
    assert!(
        (ours - theirs).abs() <= TOLERANCE,
        "{graph}: {what} is {ours}; networkx gives {theirs}"
    );
}

/// One fixture graph: its name, node count, edges and categories.
struct Case {
    name: String,
    graph: Graph,
    edges: Vec<(u32, u32)>,
    labels: Vec<u32>,
    categories: usize,
    expected: Value,
}

fn cases() -> Vec<Case> {
    let f = fixture();
    assert!(
        f["networkx"].as_str().is_some_and(|v| !v.is_empty()),
        "the fixture records the networkx version"
    );
    assert!(
        f["script"]
            .as_str()
            .is_some_and(|s| s.contains("nx.betweenness_centrality"))
    );
    f["graphs"]
        .as_array()
        .expect("graphs")
        .iter()
        .map(|g| {
            let n = g["nodes"].as_u64().expect("nodes") as usize;
            let edges: Vec<(u32, u32)> = g["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| {
                    (
                        e[0].as_u64().expect("a") as u32,
                        e[1].as_u64().expect("b") as u32,
                    )
                })
                .collect();
            let labels: Vec<u32> = g["labels"]
                .as_array()
                .expect("labels")
                .iter()
                .map(|l| l.as_u64().expect("label") as u32)
                .collect();
            let categories = labels.iter().max().map_or(0, |&m| m as usize + 1);
            Case {
                name: g["name"].as_str().expect("name").to_owned(),
                graph: Graph::from_edges(n, &edges).expect("a valid graph"),
                edges,
                labels,
                categories,
                expected: g["expected"].clone(),
            }
        })
        .collect()
}

#[test]
fn fixture_has_the_three_graphs() {
    let names: Vec<String> = cases().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["karate", "pieces", "random"]);
}

#[test]
fn structure_matches_networkx() {
    for c in cases() {
        let (g, x) = (&c.graph, &c.expected);
        let comps = graph::components(g);
        let s = graph::network_stats(g, &comps);
        assert_eq!(s.ties, c.edges.len(), "{}", c.name);
        assert_eq!(
            s.components as u64,
            x["components"].as_u64().expect("components"),
            "{}",
            c.name
        );
        assert_eq!(
            s.largest_component as u64,
            x["largest_component"].as_u64().expect("largest"),
            "{}",
            c.name
        );
        assert_eq!(
            s.isolates as u64,
            x["isolates"].as_u64().expect("isolates"),
            "{}",
            c.name
        );
        assert_eq!(
            s.triangles,
            x["triangles"].as_u64().expect("triangles"),
            "{}",
            c.name
        );
        close("density", &c.name, s.density, num(&x["density"]));
        close(
            "transitivity",
            &c.name,
            s.transitivity,
            num(&x["transitivity"]),
        );
        close(
            "average clustering",
            &c.name,
            s.average_clustering,
            num(&x["average_clustering"]),
        );
        close(
            "degree assortativity",
            &c.name,
            s.degree_assortativity,
            num(&x["degree_assortativity"]),
        );
    }
}

#[test]
fn centrality_matches_networkx() {
    for c in cases() {
        for threads in [1, 2] {
            let cent = centrality::exact(&c.graph, threads);
            let (bc, cc) = (
                nums(&c.expected["betweenness"]),
                nums(&c.expected["closeness"]),
            );
            for v in 0..bc.len() {
                close(
                    &format!("betweenness of node {v}"),
                    &c.name,
                    Some(cent.betweenness[v]),
                    bc[v],
                );
                close(
                    &format!("closeness of node {v}"),
                    &c.name,
                    Some(cent.closeness[v]),
                    cc[v],
                );
            }
        }
    }
}

#[test]
fn homophily_matches_networkx_and_plain_counts() {
    for c in cases() {
        let x = &c.expected;
        let mixing = homophily::mixing_matrix(&c.edges, &c.labels, c.categories);
        let want: Vec<Vec<u64>> = x["mixing"]
            .as_array()
            .expect("mixing")
            .iter()
            .map(|r| {
                r.as_array()
                    .expect("row")
                    .iter()
                    .map(|v| v.as_u64().expect("count"))
                    .collect()
            })
            .collect();
        assert_eq!(mixing, want, "{}", c.name);
        close(
            "attribute assortativity",
            &c.name,
            homophily::attribute_assortativity(&mixing),
            num(&x["attribute_assortativity"]),
        );
        let ei = homophily::ei_index(homophily::external(&mixing), homophily::internal(&mixing));
        close("E-I index", &c.name, ei, num(&x["ei_index"]));
        let (ext, deg) = homophily::external_ties_per_node(&c.edges, &c.labels);
        for (k, (want_ei, want_cross)) in opt_nums(&x["group_ei_index"])
            .into_iter()
            .zip(opt_nums(&x["cross_ratio"]))
            .enumerate()
        {
            let members = (0..c.labels.len()).filter(|&v| c.labels[v] as usize == k);
            let cross = homophily::cross_ratio(members, &ext, &deg);
            match (want_ei, want_cross) {
                (Some(e), Some(r)) => {
                    close(
                        &format!("E-I of category {k}"),
                        &c.name,
                        homophily::group_ei_index(&mixing, k),
                        e,
                    );
                    close(
                        &format!("cross ratio of category {k}"),
                        &c.name,
                        cross.mean,
                        r,
                    );
                }
                _ => panic!("{}: category {k} has no ties in the fixture", c.name),
            }
        }
    }
}

/// The E-I index by hand on a graph small enough to draw:
///
/// ```text
///   a1 - a2        b1 - b2
///    \  /            |
///     a3 ---------- b3        c1 (no ties)
/// ```
///
/// Categories a = {0, 1, 2}, b = {3, 4, 5}, c = {6}; ties a1-a2, a1-a3, a2-a3, b1-b2,
/// b1-b3 (internal: 5) and a3-b3 (external: 1). E-I = (1 - 5) / 6 = -2/3.
/// Category a: members' tie ends 2 + 2 + 3 = 7, of which 1 leaves: (1 - 6) / 7.
/// Category b: ends 2 + 1 + 2 = 5, 1 leaves: (1 - 4) / 5. Category c: no ties, None.
#[test]
fn ei_index_by_hand() {
    let ties = [(0, 1), (0, 2), (1, 2), (3, 4), (3, 5), (2, 5)];
    let labels = [0, 0, 0, 1, 1, 1, 2];
    let m = homophily::mixing_matrix(&ties, &labels, 3);
    assert_eq!(m, vec![vec![3, 1, 0], vec![1, 2, 0], vec![0, 0, 0]]);
    assert_eq!(
        homophily::ei_index(homophily::external(&m), homophily::internal(&m)),
        Some(-4.0 / 6.0)
    );
    assert_eq!(homophily::group_ei_index(&m, 0), Some(-5.0 / 7.0));
    assert_eq!(homophily::group_ei_index(&m, 1), Some(-3.0 / 5.0));
    assert_eq!(homophily::group_ei_index(&m, 2), None);
    // Newman's r: m = 6, trace 5, volumes (7, 5, 0): (4*6*5 - 74) / (144 - 74) = 46/70.
    assert_eq!(homophily::attribute_assortativity(&m), Some(46.0 / 70.0));
}
