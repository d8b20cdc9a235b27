//! Architecture invariants checked as tests: the pure crate does no I/O and reads no
//! clock, environment or core count, and every source file says what it is for.
//!
//! The compiler enforces purity: `pipeline/clippy.toml` disallows the items, and the
//! suite's `cargo clippy -- -D warnings` fails on any use. The tests here check that
//! the configuration bans what it must, that clippy really rejects a crate using those
//! items under it, and (a second line, since clippy bans items rather than modules)
//! that no pipeline source names a banned module, also inside `use std::{..}` groups.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Items `pipeline/clippy.toml` must disallow: types, then functions and methods.
const BANNED_TYPES: [&str; 9] = [
    "std::collections::HashMap",
    "std::collections::HashSet",
    "std::time::SystemTime",
    "std::time::Instant",
    "std::fs::File",
    "std::fs::OpenOptions",
    "std::process::Command",
    "std::net::TcpStream",
    "std::env::Args",
];
const BANNED_METHODS: [&str; 11] = [
    "std::time::SystemTime::now",
    "std::time::Instant::now",
    "std::thread::available_parallelism",
    "std::fs::read",
    "std::fs::read_to_string",
    "std::fs::write",
    "std::fs::create_dir_all",
    "std::process::exit",
    "std::env::var",
    "std::env::var_os",
    "std::env::args",
];

fn pipeline_clippy_toml() -> String {
    let path = support::layout().root.join("pipeline/clippy.toml");
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `path`s listed under `key` of a clippy configuration.
fn listed(config: &toml::Table, key: &str) -> Vec<String> {
    config
        .get(key)
        .and_then(toml::Value::as_array)
        .unwrap_or_else(|| panic!("pipeline/clippy.toml has no {key} list"))
        .iter()
        .filter_map(|v| v.get("path").and_then(toml::Value::as_str))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_pipeline_clippy_configuration_bans_io_clock_environment_and_hash_order() {
    let config: toml::Table = pipeline_clippy_toml()
        .parse()
        .expect("pipeline/clippy.toml is TOML");
    let types = listed(&config, "disallowed-types");
    let methods = listed(&config, "disallowed-methods");
    for t in BANNED_TYPES {
        assert!(types.iter().any(|x| x == t), "disallowed-types lacks {t}");
    }
    for m in BANNED_METHODS {
        assert!(
            methods.iter().any(|x| x == m),
            "disallowed-methods lacks {m}"
        );
    }
}

/// Runs clippy on a one-file crate that uses banned items, under a copy of
/// `pipeline/clippy.toml`, and checks that it fails naming each use.
#[test]
fn clippy_rejects_io_under_the_pipeline_configuration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let krate = dir.path().join("impure");
    fs::create_dir_all(krate.join("src")).expect("mkdir");
    fs::write(
        krate.join("Cargo.toml"),
        "[package]\nname = \"impure\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )
    .expect("write manifest");
    fs::write(krate.join("clippy.toml"), pipeline_clippy_toml()).expect("write clippy.toml");
    fs::write(
        krate.join("src/lib.rs"),
        "//! Everything pipeline must not do.\n\
         use std::{env, fs};\n\
         pub fn impure() -> usize {\n\
             let bytes = fs::read(\"x\").map_or(0, |b| b.len());\n\
             let home = env::var(\"HOME\").map_or(0, |h| h.len());\n\
             let cores = std::thread::available_parallelism().map_or(1, usize::from);\n\
             let started = std::time::Instant::now();\n\
             let mut seen = std::collections::HashMap::new();\n\
             seen.insert(bytes, home);\n\
             let _ = std::process::Command::new(\"typst\");\n\
             seen.len() + cores + started.elapsed().as_secs() as usize\n\
         }\n",
    )
    .expect("write lib.rs");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["clippy", "--quiet", "--offline", "--", "-D", "warnings"])
        .current_dir(&krate)
        .env("CARGO_TARGET_DIR", dir.path().join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CLIPPY_CONF_DIR")
        .output()
        .expect("cargo clippy runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "clippy accepted impure code:\n{stderr}"
    );
    for used in [
        "std::fs::read",
        "std::env::var",
        "std::thread::available_parallelism",
        "std::time::Instant",
        "std::collections::HashMap",
        "std::process::Command",
    ] {
        assert!(
            stderr.contains("use of a disallowed") && stderr.contains(&format!("`{used}")),
            "clippy did not flag {used}:\n{stderr}"
        );
    }
}

/// Modules pipeline may not use at all, as the first segment after `std::`.
const BANNED_MODULES: [&str; 4] = ["fs", "process", "env", "net"];
/// Names banned wherever they appear in code.
const BANNED_NAMES: [&str; 5] = [
    "SystemTime",
    "Instant::now",
    "available_parallelism",
    "HashMap",
    "HashSet",
];

/// The banned modules and names that `code` uses: paths such as `std::fs::read`, and
/// each item of a `use std::{a, b::c}` group, with white space ignored.
fn banned_uses(code: &str) -> Vec<String> {
    let squeezed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut found: Vec<String> = BANNED_NAMES
        .iter()
        .filter(|n| squeezed.contains(*n))
        .map(|n| (*n).to_owned())
        .collect();
    for (at, _) in squeezed.match_indices("std::") {
        let rest = &squeezed[at + "std::".len()..];
        let items: Vec<&str> = match rest.strip_prefix('{') {
            // The group up to its matching brace, split at its top-level commas.
            Some(group) => {
                let (mut depth, mut start, mut items) = (0usize, 0usize, Vec::new());
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            items.push(&group[start..i]);
                            break;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            items.push(&group[start..i]);
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                items
            }
            None => vec![rest],
        };
        for item in items {
            let module: String = item
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if BANNED_MODULES.contains(&module.as_str()) {
                found.push(format!("std::{module}"));
            }
        }
    }
    found
}

#[test]
fn the_text_check_sees_through_use_groups() {
    assert_eq!(banned_uses("use std::{fs, env};"), ["std::fs", "std::env"]);
    assert_eq!(
        banned_uses("use std::{\n    collections::BTreeMap,\n    process::{Command, exit},\n};"),
        ["std::process"]
    );
    assert_eq!(banned_uses("let x = std :: fs :: read(p);"), ["std::fs"]);
    assert_eq!(
        banned_uses("use std::{fmt, io::Write};"),
        Vec::<String>::new()
    );
    assert_eq!(
        banned_uses("let t = std::time::Instant::now();"),
        ["Instant::now"]
    );
}

#[test]
fn the_pipeline_sources_name_no_banned_module() {
    let mut files = Vec::new();
    rust_files(&support::layout().root.join("pipeline/src"), &mut files);
    assert!(!files.is_empty());
    for f in &files {
        let text = fs::read_to_string(f).expect("readable");
        // Comments may name what the code avoids.
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut used = banned_uses(&code);
        // The one hash table, which can only be looked up (see its module doc).
        if f.ends_with("pipeline/src/lookup.rs") {
            used.retain(|u| u != "HashMap");
            let api: Vec<&str> = code
                .lines()
                .filter_map(|l| l.trim_start().strip_prefix("pub fn "))
                .collect();
            assert!(
                api.len() == 2 && api[0].starts_with("first_of(") && api[1].starts_with("get("),
                "lookup.rs must offer building and looking up only: {api:?}"
            );
            assert!(
                !code.contains("impl IntoIterator"),
                "lookup.rs must not be iterable"
            );
        }
        assert!(
            used.is_empty(),
            "{} uses {used:?}; pipeline/ must stay pure and ordered",
            f.display()
        );
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

/// The longest a function may be without a comment above it saying why.
const LONG_FUNCTION: usize = 100;

/// Every function of `text` longer than [`LONG_FUNCTION`] lines whose comments and
/// attributes just above do not explain it (no word "long" in them): `(line, name,
/// lines)`. Braces inside string and character literals are skipped; a declaration
/// without a body (a trait method) ends at its `;`.
fn unexplained_long_functions(text: &str) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let decl = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "pub(super) fn ",
            "const fn ",
        ]
        .iter()
        .find_map(|p| t.strip_prefix(p));
        let Some(rest) = decl else { continue };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut opened, mut end) = (0i64, false, None);
        'scan: for (j, l) in lines.iter().enumerate().skip(i) {
            let mut chars = l.chars().peekable();
            let mut in_str = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' if in_str => {
                        chars.next();
                    }
                    '"' => in_str = !in_str,
                    '/' if !in_str && chars.peek() == Some(&'/') => break,
                    '\'' if !in_str => {
                        // A character literal such as '{' (a lifetime has no closing quote).
                        let lit: String = chars.clone().take(3).collect();
                        if lit.chars().nth(1) == Some('\'') {
                            chars.nth(1);
                        } else if lit.starts_with('\\') && lit.chars().nth(2) == Some('\'') {
                            chars.nth(2);
                        }
                    }
                    '{' if !in_str => {
                        depth += 1;
                        opened = true;
                    }
                    '}' if !in_str => depth -= 1,
                    ';' if !in_str && !opened => {
                        end = Some(j);
                        break 'scan;
                    }
                    _ => {}
                }
                if opened && depth == 0 {
                    end = Some(j);
                    break 'scan;
                }
            }
        }
        let Some(end) = end else { continue };
        let length = end - i + 1;
        if length <= LONG_FUNCTION {
            continue;
        }
        let explained = lines[..i]
            .iter()
            .rev()
            .take_while(|l| {
                let l = l.trim_start();
                l.starts_with("//") || l.starts_with("#[")
            })
            .any(|l| l.to_lowercase().contains("long"));
        if !explained {
            out.push((i + 1, name, length));
        }
    }
    out
}

#[test]
fn the_long_function_check_counts_bodies_and_reads_the_comment_above() {
    let body = "    x += 1;\n".repeat(LONG_FUNCTION);
    let long = format!("fn big() {{\n    let s = \"}}\";\n    let c = '{{';\n{body}}}\n");
    assert_eq!(
        unexplained_long_functions(&long),
        [(1, "big".to_owned(), LONG_FUNCTION + 4)]
    );
    let explained = format!("// Long because it is one table.\n#[inline]\n{long}");
    assert!(unexplained_long_functions(&explained).is_empty());
    let short = "pub fn small<'a>(x: &'a str) -> &'a str {\n    x\n}\n";
    assert!(unexplained_long_functions(short).is_empty());
}

/// Issue 10's rule: no function in `pipeline` or `xtask` over about a hundred lines
/// without a reason written above it.
#[test]
fn long_functions_say_why_they_are_long() {
    let root = support::layout().root;
    let mut files = Vec::new();
    rust_files(&root.join("pipeline/src"), &mut files);
    rust_files(&root.join("xtask/src"), &mut files);
    let mut found = Vec::new();
    for f in files {
        let text = fs::read_to_string(&f).expect("source");
        for (line, name, length) in unexplained_long_functions(&text) {
            let rel = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
            found.push(format!("{rel}:{line}: fn {name} is {length} lines"));
        }
    }
    assert!(
        found.is_empty(),
        "functions over {LONG_FUNCTION} lines with no comment above saying why: {found:#?}"
    );
}
