//! What the documents may and may not show: hostile text stays text, only consented
//! excerpts appear, no organisation id appears (every number's origin is checked in
//! `numbers.rs`).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use pipeline::load::StudyFiles;

use crate::support;

/// Collapses runs of whitespace so text broken across lines still matches.
/// Letters and digits only, lower case: robust to line breaks and hyphenation.
fn letters(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn shipped_study() -> pipeline::model::Study {
    let data = support::layout().data();
    let read = |rel: &str| fs::read(data.join(rel)).expect("shipped study file");
    let (config, orgs, ties, excerpts) = (
        read("study.toml"),
        read("raw/organisations.csv"),
        read("raw/ties.csv"),
        read("raw/excerpts.csv"),
    );
    let files = StudyFiles {
        config: &config,
        organisations: &orgs,
        ties: &ties,
        excerpts: &excerpts,
    };
    pipeline::load::load(files)
        .expect("the shipped study loads")
        .study
}

#[test]
fn only_consented_excerpts_and_no_organisation_ids_appear() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(None, dir.path());
    let study = shipped_study();
    let consented: BTreeSet<String> = study
        .excerpts
        .iter()
        .filter(|e| e.consent)
        .map(|e| letters(&e.text))
        .collect();
    let withheld: Vec<String> = study
        .excerpts
        .iter()
        .filter(|e| !e.consent)
        .map(|e| letters(&e.text))
        // A withheld text identical to a consented one cannot be told apart.
        .filter(|t| !consented.contains(t))
        .collect();
    assert!(
        !withheld.is_empty(),
        "the shipped study has excerpts without consent"
    );
    let mut quoted = 0;
    for pdf in &outcome.pdfs {
        let text = support::pdf_text(pdf);
        let flat = letters(&text);
        for w in &withheld {
            assert!(
                !flat.contains(w.as_str()),
                "{} prints an excerpt without consent",
                pdf.display()
            );
        }
        quoted += consented
            .iter()
            .filter(|c| flat.contains(c.as_str()))
            .count();
        for org in &study.orgs {
            assert!(
                !text.contains(&org.id),
                "{} names organisation {}",
                pdf.display(),
                org.id
            );
        }
    }
    assert!(quoted > 0, "consented excerpts are quoted");
}

/// Strings that would be Typst code if they were not escaped.
const HOSTILE: [&str; 8] = [
    "#read(\"/etc/passwd\") $x^2$",
    "*bold* _em_ @ref <label>",
    "[b] \\ // line /* block */",
    "`raw` #import \"lib.typ\": *",
    "= Heading",
    "- item",
    "+ enum",
    "/ term: description",
];

/// Unicode line and paragraph separators and bidi controls: unescaped, U+2028 would end
/// the line and start a heading and a list item; U+202E would reverse what follows.
const SEPARATORS: &str =
    "Alpha\u{2028}= Injected heading\u{2029}- injected item \u{202E}reversed\u{202C} end";

/// What [`SEPARATORS`] must print as: separators as spaces, bidi controls gone.
const SEPARATORS_SHOWN: &str = "Alpha = Injected heading - injected item reversed end";

/// TOML basic string.
fn toml_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// CSV field.
fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Copies the shipped study and puts hostile strings into its text fields.
fn hostile_study(dir: &Path) {
    let data = support::layout().data();
    fs::create_dir_all(dir.join("raw")).expect("mkdir");
    for f in ["raw/organisations.csv", "raw/ties.csv"] {
        fs::copy(data.join(f), dir.join(f)).expect("copy");
    }
    let mut toml = fs::read_to_string(data.join("study.toml")).expect("study.toml");
    let replace_value = |toml: &mut String, key_line: &str, value: &str| {
        let start = toml
            .find(key_line)
            .unwrap_or_else(|| panic!("{key_line} in study.toml"));
        let end = start + toml[start..].find('\n').expect("line end");
        toml.replace_range(start..end, &format!("{key_line}{}", toml_str(value)));
    };
    replace_value(&mut toml, "title = ", HOSTILE[0]);
    replace_value(&mut toml, "subtitle = ", HOSTILE[1]);
    replace_value(&mut toml, "short_title = ", HOSTILE[2]);
    replace_value(&mut toml, "name = ", HOSTILE[3]);
    replace_value(&mut toml, "label = ", HOSTILE[4]);
    replace_value(&mut toml, "place = ", SEPARATORS);
    // A category label reaches tables and SVG figures too (where `<` must be escaped).
    toml = toml.replacen(
        "label = \"People who use drugs\"",
        &format!("label = {}", toml_str(HOSTILE[1])),
        1,
    );
    fs::write(dir.join("study.toml"), toml).expect("write study.toml");
    let excerpts = fs::read_to_string(data.join("raw/excerpts.csv")).expect("excerpts");
    let mut out = String::new();
    let mut k = 0;
    for (i, line) in excerpts.lines().enumerate() {
        if i == 0 || !line.contains(",true,") {
            out.push_str(line);
        } else {
            // Every consented excerpt's text becomes the four line-start hostile
            // strings, one per line, led by a different one in turn: whichever
            // excerpts the documents quote, every string is quoted at a line start.
            let cut = line.find(",true,").expect("consent column") + ",true,".len();
            out.push_str(&line[..cut]);
            let lines: Vec<&str> = (0..4).map(|j| HOSTILE[4 + (k + j) % 4]).collect();
            out.push_str(&csv_field(&lines.join("\n")));
            k += 1;
        }
        out.push('\n');
    }
    fs::write(dir.join("raw/excerpts.csv"), out).expect("write excerpts");
}

#[test]
fn hostile_text_in_the_data_is_printed_verbatim_and_never_runs() {
    let study_dir = tempfile::tempdir().expect("temp dir");
    hostile_study(study_dir.path());
    let out = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(Some(study_dir.path().to_path_buf()), out.path());
    let brief = support::squash(&support::pdf_text(&outcome.pdfs[0]));
    for s in &HOSTILE[..4] {
        assert!(
            brief.contains(&support::squash(s)),
            "the brief does not show {s:?} verbatim"
        );
    }
    assert!(
        brief.contains(&support::squash(SEPARATORS_SHOWN)),
        "the brief does not show the separators as plain spaces"
    );
    let deck = support::squash(&support::pdf_text(&outcome.pdfs[1]));
    assert!(
        deck.contains(&support::squash(SEPARATORS_SHOWN)),
        "the deck does not show the separators as plain spaces"
    );
    assert!(
        deck.contains(&support::squash(HOSTILE[0])),
        "the deck does not show the hostile title"
    );
    for s in &HOSTILE[4..] {
        assert!(
            brief.contains(&support::squash(s)) || deck.contains(&support::squash(s)),
            "no document shows {s:?} verbatim"
        );
    }
    // No separator or bidi control reaches a Typst source: Typst's lexer reads U+2028
    // and U+2029 as line breaks, which would end a heading or list item early.
    for stem in ["brief", "deck"] {
        let source = fs::read_to_string(out.path().join(format!("{stem}.typ"))).expect("source");
        let bad: Vec<char> = source
            .chars()
            .filter(|c| matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
            .collect();
        assert!(bad.is_empty(), "{stem}.typ carries {bad:?}");
    }
    // Typst read only the build folder's own files.
    for stem in ["brief", "deck"] {
        let deps = fs::read_to_string(out.path().join(format!(".{stem}.deps.json")))
            .expect("deps written");
        assert!(
            !deps.contains("passwd") && !deps.contains(".."),
            "{stem} read outside its folder: {deps}"
        );
    }
}

/// What a PDF says about its accessibility: whether its catalog has a structure
/// tree, how many structure elements carry alternative text, and its language.
fn accessibility(pdf: &Path) -> (bool, usize, Option<String>) {
    let doc = lopdf::Document::load(pdf).expect("a readable PDF");
    let catalog = doc.catalog().expect("a catalog");
    let tagged = catalog.get(b"StructTreeRoot").is_ok();
    let lang = catalog
        .get(b"Lang")
        .ok()
        .and_then(|l| l.as_str().ok())
        .map(|l| String::from_utf8_lossy(l).into_owned());
    let alts = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Alt").is_ok())
        .count();
    (tagged, alts, lang)
}

#[test]
fn pdfs_are_tagged_with_alt_text_and_the_brief_carries_its_evidence() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(None, dir.path());
    for pdf in &outcome.pdfs {
        let source = fs::read_to_string(pdf.with_extension("typ")).expect("source");
        let images = source.matches("image(").count();
        let (tagged, alts, lang) = accessibility(pdf);
        assert!(tagged, "{} is not tagged", pdf.display());
        assert!(
            alts >= images,
            "{}: {images} images but {alts} alt texts",
            pdf.display()
        );
        assert_eq!(lang.as_deref(), Some("en"), "{}", pdf.display());
    }
    assert_eq!(
        support::attachments(&outcome.pdfs[0]),
        ["brief.inputs.sha256", "stats.public.json"]
    );
}
