//! Every number in both PDFs comes from the data, through code.
//!
//! The documents are built once from statistics whose every number is replaced by a
//! distinctive sentinel: the public statistics (as a PDF may carry them, small groups
//! withheld) with each integer and float swapped for a value no template could type,
//! and the views' counts likewise. The filled templates are compiled with the real
//! Typst, and every number token of both PDFs' text must then be the printed form of a
//! sentinel, a value typed in `study.toml`, a number inside a consented excerpt, or one
//! of the few formula constants listed in [`FORMULAS`]; page, heading, enumeration,
//! section, table and figure numbers are recognised by where they stand
//! ([`without_structure`]), not by being small. A number typed into a template (the
//! 95 of "95%", an α of 0.05, a "2" of "two waves") fails the test.
//!
//! The figures' own text is drawn by code from the statistics; here every SVG is
//! replaced by a blank one of the same size, so that the figures add no text.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use pipeline::disclosure::counts::{CountTables, protect};
use pipeline::disclosure::public::{Decisions, public};
use pipeline::load::StudyFiles;
use pipeline::numfmt;
use pipeline::render::TemplateSource;
use serde_json::Value;

use crate::support;

/// Formula constants and names that hold a digit by definition, as the text extractor
/// prints them: removed from the text before its numbers are read.
pub const FORMULAS: [&str; 9] = [
    "(𝑘 + 1)/(𝑃 + 1)",
    "𝐹 − 𝑖 + 1",
    "2𝐿/(𝑛(𝑛 − 1))",
    "2𝐿/𝑛",
    "(−1: every tie within a category; +1: every tie across)",
    "at most 1",
    "SHA-256",
    "𝑟 = (∑𝑖 𝑒𝑖𝑖 − ∑𝑖 𝑎2𝑖 )/(1 − ∑𝑖 𝑎2𝑖 )",
    "16:9",
];

/// Collapses runs of whitespace so text broken across lines still matches.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Number tokens of a text: digit runs with inner points, an optional sign and `%`,
/// skipping digits inside words (digests, ids).
pub fn numbers(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let in_word = i > 0 && chars[i - 1].is_alphanumeric();
        if chars[i].is_ascii_digit() && !in_word {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
            let glued = i < chars.len() && chars[i].is_alphabetic();
            if !glued {
                let mut tok: String = chars[start..i].iter().collect();
                if chars.get(i) == Some(&'%') {
                    tok.push('%');
                }
                if start > 0
                    && matches!(chars[start - 1], '+' | '−' | '-')
                    && (start < 2 || chars[start - 2] == ' ' || chars[start - 2] == '(')
                {
                    tok.insert(0, if chars[start - 1] == '+' { '+' } else { '-' });
                }
                out.push(tok);
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Letters and digits only, lower case: how headings are compared.
fn letters(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The headings of a filled Typst source (lines starting with `=`), without their
/// labels, as [`letters`].
fn headings(source: &str) -> BTreeSet<String> {
    source
        .lines()
        .filter(|l| l.starts_with('='))
        .map(|l| {
            let t = l.trim_start_matches('=');
            let t = t.rfind(" <").map_or(t, |i| &t[..i]);
            letters(&t.replace('\\', ""))
        })
        .collect()
}

/// `raw` (the extracted text of a PDF of `pages` pages) without the numbers that are
/// structure, not data: page numbers (a line holding only one), the outline's page
/// references (after a word joiner), heading numbers (a number before a heading of
/// `source`), enumeration numbers ("1. "), and the numbers after "Section", "Table" and
/// "Figure".
fn without_structure(raw: &str, pages: u32, heads: &BTreeSet<String>) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = raw.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t.parse::<u32>().is_ok_and(|n| (1..=pages).contains(&n)) {
            continue;
        }
        // A heading's number on a line of its own, the heading on the next (the
        // extractor ends a line where the style changes).
        let numbering_only = !t.is_empty()
            && t.trim_end_matches('.')
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
        // A list item's number ("2.") on a line of its own.
        let enumeration = t.ends_with('.') && t.len() <= 3;
        if numbering_only
            && (enumeration
                || lines
                    .get(i + 1)
                    .is_some_and(|next| heads.contains(&letters(next.trim()))))
        {
            continue;
        }
        let mut l = t.to_owned();
        if let Some(i) = l.rfind('\u{2060}')
            && l[i + '\u{2060}'.len_utf8()..]
                .chars()
                .all(|c| c.is_ascii_digit())
        {
            l.truncate(i);
            while l.ends_with(['.', ' ']) {
                l.pop();
            }
        }
        if let Some((first, rest)) = l.split_once(' ') {
            let numbering = first
                .trim_end_matches('.')
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
            let enumeration = first.ends_with('.') && first.len() <= 3;
            if numbering && (enumeration || heads.contains(&letters(rest))) {
                l = rest.to_owned();
            }
        }
        l = without_references(&l);
        out.push_str(&l);
        out.push('\n');
    }
    out
}

/// `text` without the numbers of cross-references ("Section 5", "Table 2").
fn without_references(text: &str) -> String {
    let mut l = text.to_owned();
    for word in ["Section ", "Table ", "Figure "] {
        let mut kept = String::new();
        let mut rest = l.as_str();
        while let Some(i) = rest.find(word) {
            kept.push_str(&rest[..i + word.len()]);
            rest = rest[i + word.len()..].trim_start_matches(|c: char| c.is_ascii_digit());
        }
        kept.push_str(rest);
        l = kept;
    }
    l
}

/// The text with the years of literature citations, "(Author, 2001)", removed.
pub fn without_citation_years(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(", ") {
        let after = &rest[i + 2..];
        let year = after
            .get(..4)
            .is_some_and(|y| y.chars().all(|c| c.is_ascii_digit()));
        if year && after[4..].starts_with(')') {
            out.push_str(&rest[..i]);
            rest = &after[4..];
        } else {
            out.push_str(&rest[..i + 2]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Replaces every number of `v` by a sentinel: integers by one of `7100..8000`, floats
/// by one of `617.37..646.37` (printed `617`, `617.4`, `+617.37`, `61737%`, `617.370`,
/// ... by the filters), in turn. They are short, so that a sentinel fits its table cell as a
/// statistic would, and no template constant (0, 1, 2, 0.05, 95%, 1000) prints like
/// one. The values of `skip` keys (positions such as `primary_index`, not statistics)
/// are left alone.
fn sentinels(v: &mut Value, next: &mut u64, skip: &[&str]) {
    match v {
        Value::Number(n) => {
            *next += 1;
            *v = if n.is_f64() {
                serde_json::json!(617.37 + (*next % 30) as f64)
            } else {
                serde_json::json!(7100 + *next % 900)
            };
        }
        Value::String(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) => {
            *next += 1;
            *s = (7100 + *next % 900).to_string();
        }
        Value::Array(a) => a.iter_mut().for_each(|x| sentinels(x, next, skip)),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if !skip.contains(&k.as_str()) {
                    sentinels(x, next, skip);
                }
            }
        }
        _ => {}
    }
}

/// Every printed form of the sentinels of `v` (after [`sentinels`]).
fn printed_forms(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.insert(i.to_string());
            }
            if let Some(x) = n.as_f64() {
                for d in 0..=3 {
                    out.insert(numfmt::fixed(x, d).replace(numfmt::MINUS, "-"));
                    out.insert(numfmt::signed(x, d).replace(numfmt::MINUS, "-"));
                }
                out.insert(numfmt::percent(x));
                out.insert(numfmt::points(x).replace(numfmt::MINUS, "-"));
                out.insert(numfmt::p_value(x));
            }
        }
        Value::String(s) if s.chars().all(|c| c.is_ascii_digit()) => {
            out.insert(s.clone());
        }
        Value::Array(a) => a.iter().for_each(|x| printed_forms(x, out)),
        Value::Object(m) => m.values().for_each(|x| printed_forms(x, out)),
        _ => {}
    }
}

/// The public statistics of the shipped study, as the integrator's publication step
/// makes them: the count tables protected together, then `disclosure::public`.
fn public_stats(study: &pipeline::model::Study, full: &Value) -> Value {
    let cfg = &study.config;
    let orgs: Vec<Vec<usize>> = study.orgs.iter().map(|o| o.categories.clone()).collect();
    let marks = protect(&CountTables {
        threshold: u64::from(cfg.suppression_threshold),
        categories: cfg.dimensions.iter().map(|d| d.categories.len()).collect(),
        orgs: &orgs,
        grid: cfg.grid.map(|g| (g.rows.get(), g.columns.get())),
        brokers: Vec::new(),
        threads: 2,
    })
    .expect("the shipped count tables can be protected");
    public(
        full,
        &Decisions {
            threshold: u64::from(cfg.suppression_threshold),
            sizes: &marks.dimensions,
            brokers: None,
        },
    )
    .expect("public statistics")
}

/// The shipped study, loaded.
fn shipped() -> (pipeline::model::Study, Vec<u8>) {
    let data = support::layout().data();
    let read = |rel: &str| fs::read(data.join(rel)).expect("shipped study file");
    let (config, orgs, ties, excerpts) = (
        read("study.toml"),
        read("raw/organisations.csv"),
        read("raw/ties.csv"),
        read("raw/excerpts.csv"),
    );
    let study = pipeline::load::load(StudyFiles {
        config: &config,
        organisations: &orgs,
        ties: &ties,
        excerpts: &excerpts,
    })
    .expect("the shipped study loads")
    .study;
    (study, config)
}

/// The templates of `report/`.
fn templates() -> Vec<TemplateSource> {
    let mut out = Vec::new();
    let dir = support::layout().report();
    let mut names: Vec<_> = fs::read_dir(&dir)
        .expect("report/")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".j2"))
        .collect();
    names.sort();
    for name in names {
        let source = fs::read_to_string(dir.join(&name)).expect("template");
        out.push(TemplateSource { name, source });
    }
    out
}

/// Replaces every SVG in `dir` by a blank one of the same size.
fn blank_figures(dir: &Path) {
    for e in fs::read_dir(dir).expect("figures") {
        let path = e.expect("entry").path();
        if path.extension().is_some_and(|x| x == "svg") {
            let svg = fs::read_to_string(&path).expect("svg");
            let head = svg.lines().next().expect("an svg element");
            fs::write(&path, format!("{head}\n</svg>\n")).expect("write blank svg");
        }
    }
}

#[test]
fn every_number_in_both_documents_comes_from_the_data() {
    let out = tempfile::tempdir().expect("temp dir");
    support::build(None, out.path());
    let (study, config_text) = shipped();
    let full = support::stats(out.path());
    let mut stats = public_stats(&study, &full);
    assert!(
        stats.get("disclosure").is_some(),
        "the documents are filled from the public statistics"
    );
    let mut next = 0;
    sentinels(&mut stats, &mut next, &["schema"]);

    let manifest = fs::read_to_string(out.path().join("inputs.sha256")).expect("manifest");
    let entries = pipeline::manifest::parse(&manifest).expect("manifest parses");
    let provenance = pipeline::Provenance::new(
        env!("CARGO_PKG_VERSION"),
        xtask::typst::TYPST_VERSION,
        &entries,
    );
    let index: std::collections::BTreeMap<String, String> = serde_json::from_str(
        &fs::read_to_string(out.path().join("figures/index.json")).expect("figure index"),
    )
    .expect("figure index parses");
    blank_figures(&out.path().join("figures"));

    let templates = templates();
    let typst = xtask::typst::Typst::ensure().expect("typst");
    let mut allowed = BTreeSet::new();
    for doc in &pipeline::DOCUMENTS {
        let mut context =
            pipeline::document_context(doc.stem, &study, &stats, &index, &provenance, None)
                .expect("context");
        sentinels(
            &mut context["views"],
            &mut next,
            &["primary_index", "vertical_index"],
        );
        printed_forms(&context["stats"], &mut allowed);
        let mut views = context["views"].clone();
        for key in ["primary_index", "vertical_index"] {
            views[key] = Value::Null;
        }
        printed_forms(&views, &mut allowed);
        printed_forms(&context["claims"], &mut allowed);
        let source =
            pipeline::render_document(&templates, doc.stem, &context).expect("template fills");
        fs::write(out.path().join(format!("{}.typ", doc.stem)), source).expect("source");
        let output = format!("{}.sentinel.pdf", doc.stem);
        typst
            .compile(&xtask::typst::CompileJob {
                root: out.path(),
                input: &format!("{}.typ", doc.stem),
                output: &output,
                fonts: &support::layout().fonts(),
                timestamp: study.config.created_epoch(),
                standards: &doc.standards_arg(),
                deps: &format!(".{}.sentinel-deps.json", doc.stem),
            })
            .unwrap_or_else(|e| panic!("{} compiles: {e:#}", doc.stem));
    }

    // Numbers typed in study.toml, the tool versions, and numbers in quoted excerpts.
    let config_text = String::from_utf8(config_text).expect("UTF-8");
    for tok in numbers(&config_text) {
        allowed.insert(tok.trim_start_matches(['+', '-']).to_owned());
        for part in tok.split('.') {
            allowed.insert(part.to_owned());
        }
    }
    for e in study.excerpts.iter().filter(|e| e.consent) {
        allowed.extend(numbers(&e.text));
    }
    allowed.insert(xtask::typst::TYPST_VERSION.to_owned());
    allowed.insert(env!("CARGO_PKG_VERSION").to_owned());

    for doc in &pipeline::DOCUMENTS {
        let pdf = out.path().join(format!("{}.sentinel.pdf", doc.stem));
        let raw = support::pdf_text(&pdf);
        let pages = raw.matches('\u{c}').count().max(1) as u32;
        let source =
            fs::read_to_string(out.path().join(format!("{}.typ", doc.stem))).expect("source");
        let raw = without_structure(&raw, pages, &headings(&source));
        // References again once the lines are joined: the extractor may put a link's
        // number on the line after its word.
        let mut text = without_citation_years(&without_references(&squash(&raw)));
        for f in FORMULAS {
            text = text.replace(f, " ");
        }
        if let Ok(dump) = std::env::var("NUMBERS_DUMP") {
            fs::write(format!("{dump}.{}.txt", doc.stem), &text).expect("dump");
        }
        let mut unexplained = BTreeSet::new();
        let mut from_data = 0;
        for tok in numbers(&text) {
            let bare = tok.trim_start_matches(['+', '-']).trim_end_matches('%');
            if allowed.contains(&tok)
                || allowed.contains(bare)
                || allowed.contains(&format!("{bare}%"))
            {
                from_data += 1;
            } else {
                unexplained.insert(tok);
            }
        }
        assert!(
            unexplained.is_empty(),
            "numbers in {} that come from no statistic, view or study.toml value: {unexplained:?}",
            doc.stem
        );
        assert!(
            from_data > 40,
            "{}: only {from_data} numbers came from the data; is the test reading the right PDF?",
            doc.stem
        );
        // The confidence level and alpha are printed from the statistics.
        let confidence = stats["findings"]["confidence"]
            .as_f64()
            .expect("confidence");
        assert!(
            text.contains(&numfmt::percent(confidence)),
            "{} prints its confidence level from the statistics",
            doc.stem
        );
    }
}
