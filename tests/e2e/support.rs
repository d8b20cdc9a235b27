//! Helpers shared by the end-to-end tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::build::Target;
use xtask::layout::Layout;

/// The repository's layout.
pub fn layout() -> Layout {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    Layout::at(tests.parent().expect("tests/ is inside the repository"))
}

/// Builds study `data` (default: the shipped one) into `out`, publishing nothing.
pub fn build(data: Option<PathBuf>, out: &Path) -> xtask::build::Outcome {
    build_in(&layout(), data, out)
}

/// Builds with an explicit repository layout.
pub fn build_in(layout: &Layout, data: Option<PathBuf>, out: &Path) -> xtask::build::Outcome {
    let target = Target {
        data: data.unwrap_or_else(|| layout.data()),
        out: out.to_path_buf(),
        publish: false,
        fresh: false,
    };
    match xtask::build::build(layout, &target) {
        Ok(o) => o,
        Err(e) => panic!("report failed: {e:#}"),
    }
}

/// The command line as a real process.
pub fn xtask_command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_xtask-under-test"))
}

/// The text of a PDF, page by page, each page ended by a form feed (as `pdftotext`
/// ends them). Read with lopdf, so the tests need no tool beyond cargo: a word
/// may end a line where the PDF breaks a run of text, so compare after collapsing
/// white space.
pub fn pdf_text(pdf: &Path) -> String {
    let doc = lopdf::Document::load(pdf)
        .unwrap_or_else(|e| panic!("{} is not a readable PDF: {e}", pdf.display()));
    doc.get_pages()
        .keys()
        .map(|&page| {
            let text = doc
                .extract_text(&[page])
                .unwrap_or_else(|e| panic!("no text on page {page} of {}: {e}", pdf.display()));
            text + "\u{c}"
        })
        .collect()
}

/// `text` with its white space collapsed to single spaces, and none left inside
/// brackets or before punctuation: the text extractor starts a new line at each run
/// of styled text (a link, a bold word), so "(stats.json," may come out as
/// "( stats.json ,".
pub fn squash(text: &str) -> String {
    let mut out = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (from, to) in [
        ("( ", "("),
        (" )", ")"),
        (" ,", ","),
        (" .", "."),
        (" ;", ";"),
        (" :", ":"),
        ("“ ", "“"),
        (" ”", "”"),
    ] {
        out = out.replace(from, to);
    }
    out
}

/// The names of a PDF's attachments, sorted.
pub fn attachments(pdf: &Path) -> Vec<String> {
    let bytes = fs::read(pdf).expect("read the PDF");
    pipeline::evidence::attachments_in(&bytes)
        .expect("a readable PDF")
        .into_iter()
        .map(|(name, _)| name)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The bytes of a PDF's attachment `name`.
pub fn attachment(pdf: &Path, name: &str) -> Vec<u8> {
    let bytes = fs::read(pdf).expect("read the PDF");
    pipeline::evidence::attachments_in(&bytes)
        .expect("a readable PDF")
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no attachment {name} in {}", pdf.display()))
        .1
}

/// Writes to `out` a copy of `pdf` whose attachment `name` is gone (its file
/// specification no longer holds the embedded file).
pub fn without_attachment(pdf: &Path, name: &str, out: &Path) {
    let mut doc = lopdf::Document::load(pdf).expect("a readable PDF");
    let mut removed = 0;
    for object in doc.objects.values_mut() {
        let Ok(spec) = object.as_dict_mut() else {
            continue;
        };
        let named = [b"UF".as_slice(), b"F"].iter().any(|k| {
            spec.get(k)
                .ok()
                .and_then(|v| v.as_str().ok())
                .is_some_and(|v| v == name.as_bytes())
        });
        if named && spec.remove(b"EF").is_some() {
            removed += 1;
        }
    }
    assert!(removed > 0, "{} has no attachment {name}", pdf.display());
    doc.save(out).expect("write the PDF");
}

/// Writes to `out` a copy of `pdf` without its document information (title,
/// keywords, digests): a PDF that does not say this project made it.
pub fn without_document_info(pdf: &Path, out: &Path) {
    let mut doc = lopdf::Document::load(pdf).expect("a readable PDF");
    assert!(
        doc.trailer.remove(b"Info").is_some(),
        "no document information"
    );
    doc.save(out).expect("write the PDF");
}

/// The parsed `stats.json` of an output folder.
pub fn stats(out: &Path) -> serde_json::Value {
    let text = fs::read_to_string(out.join("stats.json")).expect("stats.json written");
    serde_json::from_str(&text).expect("stats.json parses")
}

/// A copy of everything `report` and `verify` read from the repository, in a fresh
/// temporary folder, so a test may damage it.
pub fn scratch_repo() -> tempfile::TempDir {
    let src = layout().root;
    let dst = tempfile::tempdir().expect("temp dir");
    for rel in [
        "data",
        "report",
        "figures",
        "inputs.sha256",
        "report.lock",
        "Cargo.lock",
        "Cargo.toml",
        "pipeline/Cargo.toml",
        "pipeline/src",
        "xtask/Cargo.toml",
        "xtask/src",
    ] {
        copy(&src.join(rel), &dst.path().join(rel));
    }
    dst
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).expect("mkdir");
        let mut entries: Vec<_> = fs::read_dir(from)
            .expect("read dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for e in entries {
            copy(&e, &to.join(e.file_name().expect("name")));
        }
    } else {
        fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        fs::copy(from, to).unwrap_or_else(|e| panic!("copying {}: {e}", from.display()));
    }
}

/// Flips one byte in the middle of a file and returns the original bytes.
pub fn tamper(path: &Path) -> Vec<u8> {
    let original = fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut bytes = original.clone();
    let i = bytes.len() / 2;
    bytes[i] ^= 0x01;
    fs::write(path, &bytes).expect("write tampered");
    original
}
