//! Architecture invariants checked as tests: the pure crate does no I/O and reads no
//! clock or environment, and every source file says what it is for.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::support;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .expect("listable")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_pipeline_crate_does_no_io_and_reads_no_clock() {
    let mut files = Vec::new();
    rust_files(&support::layout().root.join("pipeline/src"), &mut files);
    assert!(!files.is_empty());
    let banned = [
        "std::fs",
        "std::process",
        "std::env",
        "SystemTime",
        "Instant::now",
        "std::net",
        "HashMap",
        "HashSet",
    ];
    for f in &files {
        let text = fs::read_to_string(f).expect("readable");
        // Comments may name what the code avoids.
        let code: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect();
        for b in banned {
            assert!(
                !code.iter().any(|l| l.contains(b)),
                "{} uses {b}; pipeline/ must stay pure and ordered",
                f.display()
            );
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let root = support::layout().root;
    let mut files = Vec::new();
    for dir in ["pipeline/src", "pipeline/tests", "xtask/src", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    for f in &files {
        let text = fs::read_to_string(f).expect("readable");
        assert!(
            text.starts_with("//!"),
            "{} does not start with a //! line saying what it does",
            f.display()
        );
    }
}

/// The `crate::` references of a module's code (comments skipped): the first name after
/// each `crate::`, and every name of a `use crate::{a, b::c}` group.
fn crate_references(text: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut refs = BTreeSet::new();
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The first name of each top-level item of the group; nested groups name
            // members of a module already counted.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        let name = ident(&group[i..]);
                        if !name.is_empty() {
                            refs.insert(name);
                        }
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                refs.insert(name);
            }
        }
    }
    refs
}

/// The module graph of a crate's `src/` folder: module → modules it references.
/// `lib` stands for the crate root; a reference to anything that is not a module is an
/// edge to `lib`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let module_of = |f: &Path| -> String {
        let rel = f.strip_prefix(src).expect("inside src");
        let first = rel
            .components()
            .next()
            .expect("a file")
            .as_os_str()
            .to_string_lossy();
        first.trim_end_matches(".rs").to_owned()
    };
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let from = module_of(f);
        let text = fs::read_to_string(f).expect("readable");
        let edges = graph.entry(from.clone()).or_default();
        for name in crate_references(&text) {
            let to = if modules.contains(&name) {
                name
            } else {
                "lib".to_owned()
            };
            if to != from {
                edges.insert(to);
            }
        }
    }
    graph
}

/// A cycle of `graph`, as the modules along it with the first repeated at the end.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|start| visit(start, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_cycle_finder_names_a_cycle() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry((*a).to_owned())
                .or_default()
                .insert((*b).to_owned());
        }
        g
    };
    assert_eq!(
        find_cycle(&graph(&[
            ("flags", "bench"),
            ("bench", "report"),
            ("report", "flags")
        ])),
        Some(vec![
            "bench".to_owned(),
            "report".to_owned(),
            "flags".to_owned(),
            "bench".to_owned()
        ])
    );
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("a", "c"), ("b", "c")])),
        None
    );
    let refs = crate_references(
        "use crate::{fsio::{self, Inputs}, layout::Layout};\n// crate::report in a comment\nlet n = crate::settings::threads();\n",
    );
    assert_eq!(
        refs.into_iter().collect::<Vec<_>>(),
        ["fsio", "layout", "settings"]
    );
}

#[test]
fn xtask_modules_depend_on_each_other_one_way() {
    let graph = module_graph(&support::layout().root.join("xtask/src"));
    assert!(graph.len() > 10, "xtask's modules were found: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "xtask has an import cycle: {}; dependencies must run one way: \
             commands → build/plan/stages/typst/fsio/layout → pipeline",
            cycle.join(" → ")
        );
    }
}
