//! The evidence a technical brief carries, read back from the PDF's bytes: the
//! statistics it was built from (`stats.json`), the manifest of its inputs
//! (`brief.inputs.sha256`), and the study version, date and Typst version written in
//! its metadata. [`crate::changes`] compares two such bundles.
//!
//! Reading is pure: the caller passes the file's bytes and names the file in its own
//! messages. Three failures are told apart, because they call for different fixes:
//! a file that is not a readable PDF ([`EvidenceError::Damaged`]), a PDF that this
//! project did not make ([`EvidenceError::Foreign`]), and one of ours without its
//! evidence, such as a slide deck or a brief whose attachments were stripped
//! ([`EvidenceError::NoAttachment`]).

use std::collections::BTreeMap;

use lopdf::{Dictionary, Document, LoadOptions, Object};
use serde::Serialize;

use crate::manifest::{self, Entry};

/// The name of the statistics attachment.
pub const STATS_ATTACHMENT: &str = "stats.public.json";

/// How the name of an input-manifest attachment ends (`brief.inputs.sha256`).
pub const MANIFEST_SUFFIX: &str = ".inputs.sha256";

/// The marker before the input digest in the documents' metadata keywords (see the
/// templates); a PDF without it was not made by this project.
pub const DIGEST_MARKER: &str = "inputs-sha256:";

/// The words before the study version in the documents' metadata description.
const VERSION_MARKER: &str = ", study version ";

/// The words the description ends with when the data are synthetic.
const SYNTHETIC_SUFFIX: &str = ", synthetic data";

/// No attachment of a brief is larger than this once decompressed; a larger one is
/// refused rather than inflated (a PDF from elsewhere may be hostile).
const MAX_ATTACHMENT: usize = 256 * 1024 * 1024;

/// Everything that says what a document was built from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The study's own version (`version` in `study.toml`), when known.
    pub version: Option<String>,
    /// The documents' date (`created` in `study.toml`, `YYYY-MM-DD`), when known.
    pub created: Option<String>,
    /// Tool versions and the code digest, as far as the source records them:
    /// a PDF names its Typst version; a lock and a study folder also the pipeline
    /// version and the code digest.
    pub tools: BTreeMap<String, String>,
    /// The manifest of the document's inputs, sorted by path.
    pub inputs: Vec<Entry>,
    /// The statistics, as attached (suppressed values may be `null` or a marker).
    pub stats: serde_json::Value,
    /// SHA-256 of the PDF file itself, when the evidence was read from one: a later
    /// study that keeps this PDF as its previous brief lists it among its inputs.
    pub file_digest: Option<String>,
}

/// Why a PDF's evidence could not be read. Messages do not name the file: the
/// caller puts the file's name in front.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// Not a readable PDF.
    #[error("not a readable PDF (damaged, truncated or another kind of file): {0}")]
    Damaged(String),
    /// A PDF without this project's marks.
    #[error(
        "a PDF this project did not make (its metadata names no inputs digest); expected a technical brief built by `cargo xtask report`"
    )]
    Foreign,
    /// One of this project's PDFs, without an attachment the comparison needs.
    #[error(
        "a PDF made by this project but without its {0} attachment (a slide deck, or a brief whose attachments were removed); expected a technical brief"
    )]
    NoAttachment(String),
    /// An attachment is there but does not hold what its name says.
    #[error("its {name} attachment is unreadable: {why}")]
    BadAttachment {
        /// The attachment's name.
        name: String,
        /// What is wrong with it.
        why: String,
    },
}

/// The evidence a brief's bytes carry.
pub fn from_pdf(bytes: &[u8]) -> Result<Evidence, EvidenceError> {
    let doc = load(bytes)?;
    let info = info(&doc);
    let keywords = info.get("Keywords").map(String::as_str).unwrap_or("");
    if !keywords.contains(DIGEST_MARKER) {
        return Err(EvidenceError::Foreign);
    }
    let files = attachments(&doc)?;
    let find = |pred: &dyn Fn(&str) -> bool, what: &str| {
        files
            .iter()
            .find(|(name, _)| pred(name))
            .ok_or_else(|| EvidenceError::NoAttachment(what.to_owned()))
    };
    let (_, stats_bytes) = find(&|n| n == STATS_ATTACHMENT, STATS_ATTACHMENT)?;
    let (manifest_name, manifest_bytes) =
        find(&|n| n.ends_with(MANIFEST_SUFFIX), "brief.inputs.sha256")?;
    let bad = |name: &str, why: String| EvidenceError::BadAttachment {
        name: name.to_owned(),
        why,
    };
    let stats = parse_stats(stats_bytes).map_err(|why| bad(STATS_ATTACHMENT, why))?;
    let inputs = std::str::from_utf8(manifest_bytes)
        .ok()
        .and_then(manifest::parse)
        .ok_or_else(|| bad(manifest_name, "not a sha256sum manifest".into()))?;
    let mut tools = BTreeMap::new();
    if let Some(typst) = info.get("Creator").and_then(|c| c.strip_prefix("Typst ")) {
        tools.insert("typst".to_owned(), typst.to_owned());
    }
    Ok(Evidence {
        version: info.get("Subject").and_then(|s| study_version(s)),
        created: info.get("CreationDate").and_then(|d| pdf_date(d)),
        tools,
        inputs: sorted(inputs),
        stats,
        file_digest: Some(manifest::sha256_hex(bytes)),
    })
}

/// Every file embedded in a PDF, `(name, bytes)`, whoever made it (for tools and
/// tests that look inside a PDF without `qpdf`).
pub fn attachments_in(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, EvidenceError> {
    attachments(&load(bytes)?)
}

/// Parses statistics: a JSON object with a `schema` number.
pub fn parse_stats(bytes: &[u8]) -> Result<serde_json::Value, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not JSON ({e})"))?;
    if value.get("schema").is_some_and(serde_json::Value::is_u64) {
        Ok(value)
    } else {
        Err("a JSON document without the `schema` of stats.json".into())
    }
}

/// Entries sorted by path, as manifests list them.
pub fn sorted(mut entries: Vec<Entry>) -> Vec<Entry> {
    entries.sort();
    entries
}

/// Loads a PDF, treating any repair of its structure as damage: a brief that needs
/// repairing is not the file its author sent.
fn load(bytes: &[u8]) -> Result<Document, EvidenceError> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(EvidenceError::Damaged(
            "it does not start with the %PDF- header".into(),
        ));
    }
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_ATTACHMENT),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, options)
        .map_err(|e| EvidenceError::Damaged(one_line(&e.to_string())))?;
    if doc.xref_recovery.is_some() {
        return Err(EvidenceError::Damaged(
            "its cross-reference table is broken".into(),
        ));
    }
    Ok(doc)
}

/// The text entries of the document information dictionary, decoded.
fn info(doc: &Document) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(dict) = doc
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|o| doc.dereference(o).ok())
        .and_then(|(_, o)| o.as_dict().ok())
    else {
        return out;
    };
    for (key, value) in dict.iter() {
        if let Ok(bytes) = value.as_str() {
            out.insert(
                String::from_utf8_lossy(key).into_owned(),
                text_string(bytes),
            );
        }
    }
    out
}

/// Every embedded file of the document, `(name, bytes)`, in object order. Found by
/// their file specifications (`/Type /Filespec` with an `/EF` entry) wherever they
/// are referenced from, so the name tree and the PDF/A associated files agree.
fn attachments(doc: &Document) -> Result<Vec<(String, Vec<u8>)>, EvidenceError> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for object in doc.objects.values() {
        let Ok(spec) = object.as_dict() else {
            continue;
        };
        let Some(name) = file_name(spec) else {
            continue;
        };
        let Some(stream) = spec
            .get(b"EF")
            .ok()
            .and_then(|ef| deref_dict(doc, ef))
            .and_then(|ef| ef.get(b"F").ok())
            .and_then(|f| doc.dereference(f).ok())
            .and_then(|(_, o)| o.as_stream().ok())
        else {
            continue;
        };
        let bytes = stream
            .decompressed_content_with_limit(MAX_ATTACHMENT)
            .or_else(|e| {
                // An uncompressed stream has no filter to decode.
                if stream.dict.get(b"Filter").is_err() {
                    Ok(stream.content.clone())
                } else {
                    Err(e)
                }
            })
            .map_err(|e| EvidenceError::BadAttachment {
                name: name.clone(),
                why: one_line(&e.to_string()),
            })?;
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, bytes));
        }
    }
    Ok(out)
}

fn deref_dict<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Dictionary> {
    doc.dereference(object)
        .ok()
        .and_then(|(_, o)| o.as_dict().ok())
}

/// The name of an embedded file's specification (`/UF`, else `/F`).
fn file_name(spec: &Dictionary) -> Option<String> {
    spec.get(b"EF").ok()?;
    let name = spec
        .get(b"UF")
        .or_else(|_| spec.get(b"F"))
        .ok()?
        .as_str()
        .ok()?;
    Some(text_string(name))
}

/// A PDF text string: UTF-16BE with a byte-order mark, UTF-8 with one, else
/// PDFDocEncoding (read as Latin-1, which agrees on every printable ASCII character).
fn text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        bytes.iter().map(|&b| char::from(b)).collect()
    }
}

/// The study version in a description written by the templates:
/// `"… , study version 1.0.0"`, optionally followed by `", synthetic data"`.
fn study_version(description: &str) -> Option<String> {
    let at = description.rfind(VERSION_MARKER)?;
    let rest = &description[at + VERSION_MARKER.len()..];
    let version = rest.strip_suffix(SYNTHETIC_SUFFIX).unwrap_or(rest);
    (!version.is_empty()).then(|| version.to_owned())
}

/// `YYYY-MM-DD` from a PDF date (`D:20170117000000Z`).
fn pdf_date(date: &str) -> Option<String> {
    let digits = date.strip_prefix("D:").unwrap_or(date);
    let d = digits.get(..8)?;
    d.chars()
        .all(|c| c.is_ascii_digit())
        .then(|| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8]))
}

/// A message on one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_fields_are_read_from_the_templates_wording() {
        assert_eq!(
            study_version("Technical brief built from data sha256 ab (inputs sha256 cd), study version 1.0.0, synthetic data").as_deref(),
            Some("1.0.0")
        );
        assert_eq!(
            study_version("Slides …, study version 2.1-rc").as_deref(),
            Some("2.1-rc")
        );
        assert_eq!(study_version("no version here"), None);
        assert_eq!(pdf_date("D:20170117000000Z").as_deref(), Some("2017-01-17"));
        assert_eq!(pdf_date("D:2017"), None);
        assert_eq!(text_string(&[0xFE, 0xFF, 0, b'a', 0x22, 0x12]), "a\u{2212}");
        assert_eq!(text_string(b"plain"), "plain");
    }

    #[test]
    fn what_is_not_a_pdf_is_damaged() {
        let err = from_pdf(b"hello").expect_err("not a PDF");
        assert!(matches!(err, EvidenceError::Damaged(_)), "{err}");
        let err = from_pdf(b"%PDF-1.7\n1 0 obj <<").expect_err("truncated");
        assert!(matches!(err, EvidenceError::Damaged(_)), "{err}");
        assert!(!err.to_string().contains('\n'), "{err}");
    }

    #[test]
    fn statistics_need_their_schema() {
        assert!(parse_stats(br#"{"schema": 2, "survey": {}}"#).is_ok());
        assert_eq!(
            parse_stats(br#"{"survey": {}}"#).expect_err("no schema"),
            "a JSON document without the `schema` of stats.json"
        );
        assert!(
            parse_stats(b"{,")
                .expect_err("not JSON")
                .starts_with("not JSON")
        );
    }
}
