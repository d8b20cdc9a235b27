//! `cargo xtask report` and `cargo xtask stats`: the whole path from a study folder to
//! `stats.json`, the figures, the filled Typst sources, the two PDFs and the lock.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use pipeline::lock::{LOCK_SCHEMA, Lock};
use pipeline::manifest::{self, sha256_hex};

use crate::flags::StudyArgs;
use crate::fsio;
use crate::layout::Layout;
use crate::typst::{CompileJob, Typst};

/// The shared Typst library the templates import; copied next to the sources.
const LIB_TYP: &str = "lib.typ";

/// The input manifest's name, in the output folder and (for the shipped study) at the
/// repository root.
pub const INPUTS_MANIFEST: &str = "inputs.sha256";

/// The lock's name for the digest of the data-only manifest.
pub const DATA_DIGEST: &str = "data";

/// What a report run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The output folder.
    pub out: PathBuf,
    /// The PDFs, brief first.
    pub pdfs: Vec<PathBuf>,
    /// The recorded state of this build.
    pub lock: Lock,
    /// How long each stage took, for the console.
    pub timings: Vec<(&'static str, Duration)>,
}

/// Where a build reads from and writes to.
#[derive(Debug, Clone)]
pub struct Target {
    /// The study folder.
    pub data: PathBuf,
    /// The output folder (Typst's root).
    pub out: PathBuf,
    /// Whether to also refresh the committed copies (`figures/`, `inputs.sha256`,
    /// `report.lock`): only for the shipped study built into the default folder.
    pub publish: bool,
}

impl Target {
    /// Resolves the folders of `args`.
    pub fn of(layout: &Layout, args: &StudyArgs) -> Target {
        let data = args.data.clone().unwrap_or_else(|| layout.data());
        let out = args.out.clone().unwrap_or_else(|| layout.build());
        let same = |a: &Path, b: &Path| {
            let (a, b) = (fs::canonicalize(a).ok(), fs::canonicalize(b).ok());
            a.is_some() && a == b
        };
        let publish = same(&data, &layout.data()) && out == layout.build();
        Target { data, out, publish }
    }
}

/// Runs the whole pipeline and prints where the PDFs are and what each stage took.
pub fn report(layout: &Layout, args: &StudyArgs) -> Result<Outcome> {
    let outcome = build(layout, &Target::of(layout, args))?;
    for pdf in &outcome.pdfs {
        println!("wrote {}", pdf.display());
    }
    println!("stage timings:");
    for (stage, took) in &outcome.timings {
        println!("  {stage:<22} {:>8.1} ms", took.as_secs_f64() * 1000.0);
    }
    Ok(outcome)
}

/// Runs the whole pipeline into `target.out`, without printing a summary.
pub fn build(layout: &Layout, target: &Target) -> Result<Outcome> {
    let out = &target.out;
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |stage: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        timings.push((stage, clock.elapsed()));
        clock = Instant::now();
    };

    // Validate first: bad input fails before anything is written, locked or installed.
    let study = fsio::read_study(&target.data)?;
    let (loaded, _, warnings) = pipeline::statistics(study.files())?;
    for w in &warnings {
        eprintln!("{w}");
    }
    lap("validate", &mut timings);

    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let _guard = BuildLock::acquire(out)?;

    let inputs = fsio::inputs(&target.data, &layout.report())?;
    let manifest_text = manifest::render(&fsio::entries(&inputs));
    let code_digest = code_digest(layout)?;
    lap("hash inputs", &mut timings);

    let typst = Typst::ensure()?;
    lap("find typst", &mut timings);

    let templates = fsio::read_templates(&layout.report())?;
    let provenance =
        pipeline::Provenance::new(env!("CARGO_PKG_VERSION"), typst.version(), &fsio::entries(&inputs));
    let derived = pipeline::derive(study.files(), &templates, &provenance)?;
    lap("statistics + figures", &mut timings);

    let mut lock = Lock { schema: LOCK_SCHEMA, ..Lock::default() };
    lock.tools.insert("pipeline".into(), provenance.pipeline_version.clone());
    lock.tools.insert("typst".into(), provenance.typst_version.clone());
    lock.tools.insert("code".into(), code_digest);
    lock.inputs.insert(INPUTS_MANIFEST.into(), sha256_hex(manifest_text.as_bytes()));
    lock.inputs.insert(DATA_DIGEST.into(), provenance.data_digest.clone());
    for doc in &provenance.documents {
        lock.inputs.insert(doc.manifest_name.clone(), doc.digest.clone());
    }

    // Every intermediate goes into the output folder, which is Typst's root.
    let write = |rel: String, bytes: &[u8], lock: &mut Lock| -> Result<()> {
        lock.derived.insert(rel.clone(), sha256_hex(bytes));
        fsio::write_atomic(&out.join(&rel), bytes)
    };
    fsio::write_atomic(&out.join(INPUTS_MANIFEST), manifest_text.as_bytes())?;
    for doc in &provenance.documents {
        fsio::write_atomic(&out.join(&doc.manifest_name), manifest::render(&doc.inputs).as_bytes())?;
    }
    write("stats.json".into(), derived.stats_json.as_bytes(), &mut lock)?;
    for fig in &derived.figures {
        write(format!("figures/{}.svg", fig.name), fig.svg.as_bytes(), &mut lock)?;
    }
    for (stem, text) in &derived.sources {
        write(format!("{stem}.typ"), text.as_bytes(), &mut lock)?;
    }
    let lib = fs::read(layout.report().join(LIB_TYP)).context("reading report/lib.typ")?;
    fsio::write_atomic(&out.join(LIB_TYP), &lib)?;
    lap("write sources", &mut timings);

    let timestamp = loaded.config.created_epoch();
    let pdfs = compile_all(&typst, out, &layout.fonts(), timestamp)?;
    for pdf in &pdfs {
        let bytes = fs::read(pdf).with_context(|| format!("reading {}", pdf.display()))?;
        lock.outputs.insert(fsio::file_name(pdf), sha256_hex(&bytes));
    }
    lap("typst compile", &mut timings);

    fsio::write_atomic(&out.join("report.lock"), lock.render().as_bytes())?;
    if target.publish {
        // The committed copies: the manifest that `sha256sum -c` checks, the lock that
        // `verify` checks, and the figures (so reviews show their diffs).
        fsio::write_atomic(&layout.inputs_manifest(), manifest_text.as_bytes())?;
        for fig in &derived.figures {
            fsio::write_atomic(&layout.figures().join(format!("{}.svg", fig.name)), fig.svg.as_bytes())?;
        }
        fsio::write_atomic(&layout.lock(), lock.render().as_bytes())?;
    }
    Ok(Outcome { out: out.clone(), pdfs, lock, timings })
}

/// The digest of the code that shapes the outputs: `Cargo.lock`, the manifests and
/// the sources of `pipeline` and `xtask`, as a `sha256sum` manifest's own digest.
pub fn code_digest(layout: &Layout) -> Result<String> {
    let mut files = Vec::new();
    for rel in ["Cargo.lock", "Cargo.toml", "pipeline/Cargo.toml", "xtask/Cargo.toml"] {
        let bytes = fs::read(layout.root.join(rel)).with_context(|| format!("reading {rel}"))?;
        files.push((rel.to_owned(), bytes));
    }
    for crate_dir in ["pipeline/src", "xtask/src"] {
        let dir = layout.root.join(crate_dir);
        for path in fsio::sorted_files(&dir, usize::MAX)? {
            let rel = fsio::relative(&path, &dir)?;
            let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            files.push((format!("{crate_dir}/{rel}"), bytes));
        }
    }
    Ok(sha256_hex(manifest::render(&fsio::entries(&files)).as_bytes()))
}

/// An exclusive lock on an output folder, so two runs at once cannot interleave their
/// writes. A second run waits, saying so, until the first finishes.
struct BuildLock {
    _file: File,
}

impl BuildLock {
    fn acquire(out: &Path) -> Result<BuildLock> {
        let path = out.join(".build-lock");
        let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                eprintln!("another report is building into {}; waiting for it to finish...", out.display());
                file.lock().with_context(|| format!("locking {}", path.display()))?;
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", path.display()));
            }
        }
        Ok(BuildLock { _file: file })
    }
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
                    let deps = format!(".{stem}.deps.json");
                    let job = CompileJob { root: out, input: &input, output: &tmp, fonts, timestamp, standards, deps: &deps };
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
    let target = Target::of(layout, args);
    let study = fsio::read_study(&target.data)?;
    let (_, stats, warnings) = pipeline::statistics(study.files())?;
    for w in &warnings {
        eprintln!("{w}");
    }
    let path = target.out.join("stats.json");
    fsio::write_atomic(&path, pipeline::stats_json(&stats)?.as_bytes())?;
    println!("wrote {}", path.display());
    Ok(path)
}
