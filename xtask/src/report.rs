//! `cargo xtask report` and `cargo xtask stats`: the whole path from a study folder to
//! `stats.json`, the figures, the filled Typst sources and the two PDFs.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use pipeline::manifest::{self, sha256_hex};

use crate::flags::StudyArgs;
use crate::fsio;
use crate::layout::Layout;
use crate::typst::{CompileJob, Typst};

/// The shared Typst library the templates import; copied next to the sources.
const LIB_TYP: &str = "lib.typ";

/// What a report run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The output folder.
    pub out: PathBuf,
    /// The PDFs, brief first.
    pub pdfs: Vec<PathBuf>,
    /// How long each stage took, for the console.
    pub timings: Vec<(&'static str, Duration)>,
}

/// Resolves the study folder and output folder of `args`.
pub fn folders(layout: &Layout, args: &StudyArgs) -> (PathBuf, PathBuf) {
    let data = args.data.clone().unwrap_or_else(|| layout.data());
    let out = args.out.clone().unwrap_or_else(|| layout.build());
    (data, out)
}

/// Whether this run builds the shipped study into the default folder, the one run
/// whose figures and input manifest are also written to the committed copies.
fn is_shipped(layout: &Layout, data: &Path, out: &Path) -> bool {
    let same = |a: &Path, b: &Path| {
        let (a, b) = (fs::canonicalize(a).ok(), fs::canonicalize(b).ok());
        a.is_some() && a == b
    };
    same(data, &layout.data()) && out == layout.build()
}

/// Runs the whole pipeline and prints where the PDFs are and what each stage took.
pub fn report(layout: &Layout, args: &StudyArgs) -> Result<Outcome> {
    let outcome = build(layout, args)?;
    for pdf in &outcome.pdfs {
        println!("wrote {}", pdf.display());
    }
    for (stage, took) in &outcome.timings {
        println!("  {stage:<22} {:>8.1} ms", took.as_secs_f64() * 1000.0);
    }
    Ok(outcome)
}

/// Runs the whole pipeline without printing a summary.
pub fn build(layout: &Layout, args: &StudyArgs) -> Result<Outcome> {
    let (data, out) = folders(layout, args);
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |stage: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        timings.push((stage, clock.elapsed()));
        clock = Instant::now();
    };

    // Validate first: bad input fails before anything is written or installed.
    let study = fsio::read_study(&data)?;
    let (loaded, _, warnings) = pipeline::statistics(study.files())?;
    for w in &warnings {
        eprintln!("{w}");
    }
    lap("validate", &mut timings);

    let inputs = fsio::inputs(&data, &layout.report())?;
    let entries = fsio::entries(&inputs);
    let manifest_text = manifest::render(&entries);
    lap("hash inputs", &mut timings);

    let typst = Typst::ensure()?;
    lap("find typst", &mut timings);

    let templates = fsio::read_templates(&layout.report())?;
    let provenance = pipeline::Provenance {
        pipeline_version: env!("CARGO_PKG_VERSION").to_owned(),
        typst_version: typst.version().to_owned(),
        inputs_digest: sha256_hex(manifest_text.as_bytes()),
        inputs: entries,
    };
    let derived = pipeline::derive(study.files(), &templates, &provenance)?;
    lap("statistics + figures", &mut timings);

    // Every intermediate goes into the output folder, which is Typst's root.
    fsio::write_atomic(&out.join("inputs.sha256"), manifest_text.as_bytes())?;
    fsio::write_atomic(&out.join("stats.json"), derived.stats_json.as_bytes())?;
    for fig in &derived.figures {
        fsio::write_atomic(&out.join("figures").join(format!("{}.svg", fig.name)), fig.svg.as_bytes())?;
    }
    let lib = fs::read(layout.report().join(LIB_TYP)).context("reading report/lib.typ")?;
    fsio::write_atomic(&out.join(LIB_TYP), &lib)?;
    for (stem, text) in &derived.sources {
        fsio::write_atomic(&out.join(format!("{stem}.typ")), text.as_bytes())?;
    }
    if is_shipped(layout, &data, &out) {
        fsio::write_atomic(&layout.inputs_manifest(), manifest_text.as_bytes())?;
        for fig in &derived.figures {
            fsio::write_atomic(&layout.figures().join(format!("{}.svg", fig.name)), fig.svg.as_bytes())?;
        }
    }
    lap("write sources", &mut timings);

    let timestamp = loaded.config.created_epoch();
    let fonts = layout.fonts();
    let pdfs = compile_all(&typst, &out, &fonts, timestamp)?;
    lap("typst compile", &mut timings);
    Ok(Outcome { out, pdfs, timings })
}

/// Compiles the documents in parallel into temporary names, then renames them into
/// place, so a failed or killed run leaves the previous PDFs intact.
fn compile_all(typst: &Typst, out: &Path, fonts: &Path, timestamp: i64) -> Result<Vec<PathBuf>> {
    let results: Vec<Result<(PathBuf, Vec<String>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = pipeline::DOCUMENTS
            .iter()
            .map(|(_, stem)| {
                s.spawn(move || {
                    let input = format!("{stem}.typ");
                    let tmp = format!(".{stem}.tmp{}.pdf", std::process::id());
                    let standards = if *stem == "brief" { "a-3a,ua-1" } else { "ua-1" };
                    let job = CompileJob { root: out, input: &input, output: &tmp, fonts, timestamp, standards };
                    let warnings = typst.compile(&job)?;
                    let pdf = out.join(format!("{stem}.pdf"));
                    fs::rename(out.join(&tmp), &pdf).with_context(|| format!("moving {} into place", pdf.display()))?;
                    Ok((pdf, warnings))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a compile thread panicked"))))
            .collect()
    });
    let mut pdfs = Vec::new();
    for r in results {
        let (pdf, warnings) = r?;
        for w in warnings {
            eprintln!("typst: {w}");
        }
        pdfs.push(pdf);
    }
    Ok(pdfs)
}

/// `cargo xtask stats`: validates a study and writes its `stats.json`.
pub fn stats_only(layout: &Layout, args: &StudyArgs) -> Result<PathBuf> {
    let (data, out) = folders(layout, args);
    let study = fsio::read_study(&data)?;
    let (_, stats, warnings) = pipeline::statistics(study.files())?;
    for w in &warnings {
        eprintln!("{w}");
    }
    let path = out.join("stats.json");
    fsio::write_atomic(&path, pipeline::stats_json(&stats)?.as_bytes())?;
    println!("wrote {}", path.display());
    Ok(path)
}
