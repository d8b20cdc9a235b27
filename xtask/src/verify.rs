//! `cargo xtask verify`: confirms that the committed inputs produce exactly the
//! outputs recorded in `report.lock`, or says what differs and why.
//!
//! Exit codes: 0 everything matches; 1 something differs; 2 verification could not
//! run (for example no lock, or the study does not load).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use pipeline::lock::{Comparison, Layer, Lock, Status, Verdict};
use pipeline::manifest::{self, sha256_hex};

use crate::build::{self, Target};
use crate::fsio::Inputs;
use crate::layout::Layout;
use crate::outdir::{INPUTS_MANIFEST, OutPath, safe_join};
use crate::plan::DATA_DIGEST;

/// Flags of `verify`.
#[derive(Debug, Args, Clone, Default)]
pub struct VerifyArgs {
    /// Only check the inputs against inputs.sha256 and report.lock (no build).
    #[arg(long)]
    pub inputs: bool,
    /// Instead of rebuilding, say whether this PDF is one report.lock records.
    #[arg(value_name = "PDF")]
    pub pdf: Option<PathBuf>,
}

/// The marker before the input digest in the PDFs' metadata (see the templates).
pub use pipeline::evidence::DIGEST_MARKER;

/// Runs `verify` with its flags.
pub fn verify(layout: &Layout, args: &VerifyArgs) -> Result<ExitCode> {
    let lock_text = fs::read_to_string(layout.lock()).with_context(|| {
        format!(
            "reading {}\nhint: run `cargo xtask report` to create it",
            layout.lock().display()
        )
    })?;
    let expected =
        Lock::parse(&lock_text).with_context(|| format!("parsing {}", layout.lock().display()))?;
    if let Some(pdf) = &args.pdf {
        return Ok(verdict_code(identify_pdf(&expected, pdf)?));
    }
    let inputs = check_inputs(layout, &expected)?;
    let inputs_ok = print(&inputs);
    if inputs_ok {
        println!("inputs verified: every input matches inputs.sha256, which matches report.lock");
    } else {
        println!("MISMATCH: the inputs on disk are not the ones report.lock was built from");
    }
    if args.inputs {
        return Ok(verdict_code(inputs_ok));
    }
    let committed_ok = print(&check_committed_figures(layout, &expected));
    let built_ok = print(&check_build_folder(layout, &expected));

    println!(
        "rebuilding from the committed inputs into {} ...",
        layout.scratch().display()
    );
    let target = Target {
        data: layout.data(),
        out: layout.scratch(),
        publish: false,
        fresh: true,
    };
    let checks_ok = inputs_ok && committed_ok && built_ok;
    let actual = match build::build(layout, &target) {
        Ok(outcome) => outcome.lock,
        // A mismatch already found is the answer, even when the rebuild cannot run.
        Err(e) if !checks_ok => {
            eprintln!("error: the rebuild could not run either: {e:#}");
            println!(
                "MISMATCH: the files above differ from report.lock, and the rebuild from them failed"
            );
            return Ok(verdict_code(false));
        }
        Err(e) => return Err(e.context("rebuilding from the committed inputs")),
    };
    let comparisons = Lock::compare(&expected, &actual);
    for c in &comparisons {
        println!(
            "{:<10} {:<8} {}",
            status_word(c.status),
            c.layer.name(),
            c.name
        );
    }
    let rebuild_ok = explain(&comparisons);
    Ok(verdict_code(checks_ok && rebuild_ok))
}

/// One checked artefact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// How it compares.
    pub status: Status,
    /// What kind of artefact (`input`, `derived`, `outputs`, ...).
    pub kind: &'static str,
    /// Its path.
    pub name: String,
}

/// Prints lines; true when every one is ok.
fn print(lines: &[Line]) -> bool {
    for l in lines {
        println!("{:<10} {:<8} {}", status_word(l.status), l.kind, l.name);
    }
    lines.iter().all(|l| l.status == Status::Ok)
}

fn digest_status(bytes: std::io::Result<Vec<u8>>, expected: &str) -> Status {
    match bytes {
        Ok(b) if sha256_hex(&b) == expected => Status::Ok,
        Ok(_) => Status::Differs,
        Err(_) => Status::Missing,
    }
}

fn verdict_code(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Differs => "differs",
        Status::Missing => "missing",
        Status::Unrecorded => "unrecorded",
    }
}

/// Prints what a rebuild comparison means; true when the outputs match.
fn explain(comparisons: &[Comparison]) -> bool {
    let results_ok = comparisons
        .iter()
        .filter(|c| matches!(c.layer, Layer::Derived | Layer::Outputs))
        .all(|c| c.status == Status::Ok);
    match Lock::verdict(comparisons) {
        Verdict::Match => {
            println!("verified: the committed inputs give exactly the outputs in report.lock");
        }
        Verdict::ToolsChanged if results_ok => {
            println!(
                "verified: outputs identical; the code or tool versions differ from the lock's record\n\
                 hint: run `cargo xtask report` and commit report.lock to record the current code"
            );
        }
        Verdict::ToolsChanged => {
            println!(
                "MISMATCH: the code or tool versions changed since report.lock was written, and the outputs changed with them\n\
                 hint: run `cargo xtask report` and commit the updated report.lock, inputs.sha256 and figures/"
            );
        }
        Verdict::InputsChanged => {
            println!(
                "MISMATCH: the inputs changed since report.lock was written\n\
                 hint: run `cargo xtask report` and commit the updated report.lock, inputs.sha256 and figures/"
            );
        }
        Verdict::DeterminismFault => {
            println!(
                "MISMATCH: same code and inputs, different outputs: this is a determinism fault; \
                 please report it with the differing files from target/verify"
            );
        }
    }
    results_ok
}

/// Checks every file of the committed input manifest, files that shape the outputs
/// but are missing from it, and the manifest itself against the lock.
pub fn check_inputs(layout: &Layout, expected: &Lock) -> Result<Vec<Line>> {
    let path = layout.inputs_manifest();
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let Some(entries) = manifest::parse(&text) else {
        bail!("{} is not a sha256sum manifest", path.display());
    };
    let mut lines = Vec::new();
    for e in &entries {
        let bytes = safe_join(&layout.root, &e.path)
            .map_err(std::io::Error::other)
            .and_then(fs::read);
        let status = digest_status(bytes, &e.sha256);
        lines.push(Line {
            status,
            kind: "input",
            name: e.path.clone(),
        });
    }
    let on_disk = Inputs::read(&layout.data(), &layout.report())?;
    for (p, _) in on_disk.files() {
        if !entries.iter().any(|e| &e.path == p) {
            lines.push(Line {
                status: Status::Unrecorded,
                kind: "input",
                name: p.clone(),
            });
        }
    }
    let recorded = expected
        .inputs
        .get(INPUTS_MANIFEST)
        .map_or("", String::as_str);
    let status = digest_status(Ok(text.into_bytes()), recorded);
    lines.push(Line {
        status,
        kind: "inputs",
        name: INPUTS_MANIFEST.to_owned(),
    });
    Ok(lines)
}

/// Checks the committed figures against the lock.
pub fn check_committed_figures(layout: &Layout, expected: &Lock) -> Vec<Line> {
    expected
        .derived
        .iter()
        .filter_map(|(name, digest)| {
            let path = OutPath::new(name).ok()?;
            let fig = path.figure_file_name()?;
            let bytes = safe_join(&layout.figures(), fig)
                .map_err(std::io::Error::other)
                .and_then(fs::read);
            Some(Line {
                status: digest_status(bytes, digest),
                kind: "derived",
                name: name.clone(),
            })
        })
        .collect()
}

/// Checks whatever the default build folder holds against the lock, so a modified
/// local output is noticed; absent files are skipped (the folder is not committed).
pub fn check_build_folder(layout: &Layout, expected: &Lock) -> Vec<Line> {
    let mut lines = Vec::new();
    for layer in [Layer::Derived, Layer::Outputs] {
        for (name, digest) in expected.layer(layer) {
            let Ok(path) = safe_join(&layout.build(), name) else {
                lines.push(Line {
                    status: Status::Differs,
                    kind: layer.name(),
                    name: name.clone(),
                });
                continue;
            };
            if let Ok(bytes) = fs::read(path) {
                let status = digest_status(Ok(bytes), digest);
                lines.push(Line {
                    status,
                    kind: layer.name(),
                    name: format!("target/report/{name}"),
                });
            }
        }
    }
    lines
}

/// Says whether `pdf` is an output the lock records, and from which inputs.
pub fn identify_pdf(expected: &Lock, pdf: &Path) -> Result<bool> {
    let bytes = fs::read(pdf).with_context(|| format!("reading {}", pdf.display()))?;
    let digest = sha256_hex(&bytes);
    let data = expected.inputs.get(DATA_DIGEST).map_or("?", String::as_str);
    if let Some((name, _)) = expected.outputs.iter().find(|(_, d)| **d == digest) {
        println!(
            "{}: this is {name} as recorded in report.lock, built from data {data}",
            pdf.display()
        );
        return Ok(true);
    }
    let known = |claim: &str| {
        expected
            .inputs
            .iter()
            .find(|(_, d)| d.as_str() == claim)
            .map(|(n, _)| n.clone())
    };
    match claimed_digest(&bytes) {
        Some(c) => match known(&c) {
            Some(name) => println!(
                "{}: not recorded in report.lock, but it names the inputs recorded as {name} ({c}); \
                 it was built from the same inputs by other code or tools, or modified afterwards",
                pdf.display()
            ),
            None => println!(
                "{}: not recorded in report.lock; it names inputs {c}, which this lock does not record",
                pdf.display()
            ),
        },
        None => println!(
            "{}: not recorded in report.lock and names no inputs",
            pdf.display()
        ),
    }
    Ok(false)
}

/// The input digest a PDF carries in its metadata, if any.
pub fn claimed_digest(bytes: &[u8]) -> Option<String> {
    let marker = DIGEST_MARKER.as_bytes();
    let at = bytes.windows(marker.len()).position(|w| w == marker)?;
    let rest = &bytes[at + marker.len()..];
    let hex: String = rest.iter().take(64).map(|&b| char::from(b)).collect();
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}
