//! The staged build of one study: from a study folder to `stats.json`, the figures,
//! the filled Typst sources, the two PDFs and the lock. [`build`] reads as the list of
//! stages; [`crate::runner`] decides what is fresh, and `pipeline::stage` computes.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use clap::Args;
use pipeline::figures::NetworkLayout;
use pipeline::lock::Lock;
use pipeline::model::Study;
use pipeline::stage::Computed;
use pipeline::stats::NetworkPart;
use pipeline::{DOCUMENTS, Document, stage};

use crate::fsio::{self, Inputs};
use crate::layout::Layout;
use crate::outdir::{BUILD_LOCK, OutDir, OutPath, safe_join};
use crate::plan::{self, Plan};
use crate::progress;
use crate::runner::{Files, Laps, Runner};
use crate::settings;
use crate::stages::Stage;
use crate::typst::{CompileJob, Typst};

/// Where a study is and where its outputs go.
#[derive(Debug, Args, Clone, Default)]
pub struct StudyArgs {
    /// The study folder (holding study.toml and raw/); default: the shipped study in data/.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// The output folder; default: target/report for the shipped study.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

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
    /// Typst's warnings from the documents compiled in this run.
    pub typst_warnings: Vec<String>,
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
    /// Ignore the stage cache and rebuild everything (as `verify` does).
    pub fresh: bool,
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
        Target {
            data,
            out,
            publish,
            fresh: false,
        }
    }
}

/// Studies with at least this many organisations show progress while their network
/// statistics run (seconds rather than milliseconds).
const LARGE_STUDY: usize = 5_000;

/// Reads every input once and validates the study; prints its warnings.
pub fn load(target: &Target, layout: &Layout) -> Result<(Inputs, Study)> {
    let inputs = Inputs::read(&target.data, &layout.report())?;
    let loaded = pipeline::load::load(inputs.study()?)?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    Ok((inputs, loaded.study))
}

/// Runs the whole pipeline into `target.out`, without printing a summary. Stages
/// whose inputs are unchanged since the last run into the same folder are skipped
/// (see [`crate::runner`]), unless `target.fresh` asks for a full rebuild.
pub fn build(layout: &Layout, target: &Target) -> Result<Outcome> {
    // Validate first: bad input fails before anything is written, locked or installed.
    let mut laps = Laps::start();
    let (inputs, study) = load(target, layout)?;
    laps.lap("validate");

    let out = OutDir::create(&target.out)?;
    let _guard = BuildLock::acquire(&out)?;
    out.remove_leftovers()?;
    let plan = Plan::new(layout, &inputs, study.config.created_epoch())?;
    plan.write_manifests(&out)?;
    let mut run = Runner::new(&out, target.fresh, laps);
    run.lap("hash inputs");

    let stages = (|| -> Result<Vec<String>> {
        statistics_and_figures(&mut run, &plan, &study)?;
        sources(&mut run, &plan, &inputs, &study)?;
        run.lap("typst sources");
        let warnings = pdfs(&mut run, &plan, layout)?;
        run.lap("typst compile");
        Ok(warnings)
    })();
    // Record the stages that did run even when a later one failed, so a rerun does
    // not repeat them.
    let timings = run.finish()?;
    let typst_warnings = stages?;

    let lock = plan.lock(&out)?;
    out.write(&OutPath::lock(), lock.render().as_bytes())?;
    if target.publish {
        publish(layout, &out, &plan, &lock)?;
    }
    Ok(Outcome {
        out: target.out.clone(),
        pdfs: DOCUMENTS
            .iter()
            .map(|doc| out.path(&OutPath::pdf(doc)))
            .collect(),
        lock,
        timings,
        typst_warnings,
    })
}

/// Network statistics, all statistics, figures. The network layout needs only the
/// study, so when the figures will be redrawn it is computed on a second thread while
/// the statistics run.
fn statistics_and_figures(run: &mut Runner<'_>, plan: &Plan, study: &Study) -> Result<()> {
    let out = run.out();
    let stale = |run: &Runner<'_>, stage| -> Result<bool> {
        Ok(run
            .freshness(stage, &plan.inputs_of(stage, out)?)
            .is_stale())
    };
    let redraw = stale(run, Stage::Network)?
        || stale(run, Stage::Statistics)?
        || stale(run, Stage::Figures)?;
    std::thread::scope(|scope| -> Result<()> {
        let layout = redraw.then(|| scope.spawn(|| stage::network_layout(study)));

        let mut network = run.run(Stage::Network, plan.inputs_of(Stage::Network, out)?, || {
            // Only large studies take long enough to deserve a spinner.
            let _spinner = (study.orgs.len() >= LARGE_STUDY).then(|| {
                progress::Spinner::start(&format!(
                    "computing network statistics for {} organisations and {} tie reports",
                    study.orgs.len(),
                    study.reports.len()
                ))
            });
            let part = stage::network(study, settings::threads())?;
            let text = serde_json::to_string(&part).context("serialising network statistics")?;
            Ok((part, vec![(OutPath::network_cache(), text.into_bytes())]))
        })?;
        run.lap("network statistics");

        let mut stats = run.run(
            Stage::Statistics,
            plan.inputs_of(Stage::Statistics, out)?,
            || {
                // With small groups the disclosure check has real work, which grows with
                // the product of the dimensions' category counts: say so if it takes long.
                let _spinner = progress::LateSpinner::start(
                    "protecting the small groups: working out what a reader could deduce \
                     from everything published (longer with more dimensions)",
                    std::time::Duration::from_secs(2),
                );
                let network = cached_network(out, network.take())?;
                let computed = stage::statistics(study, network, settings::threads())?;
                let full = pipeline::stats_json(&computed.stats)?;
                let public = pipeline::json_text(&computed.public)?;
                Ok((
                    computed,
                    vec![
                        (OutPath::stats_json(), full.into_bytes()),
                        (OutPath::public_stats(), public.into_bytes()),
                    ],
                ))
            },
        )?;
        run.lap("stats.json");

        run.run(Stage::Figures, plan.inputs_of(Stage::Figures, out)?, || {
            let stats = match stats.take() {
                Some(s) => s,
                None => {
                    let network = cached_network(out, network.take())?;
                    stage::statistics(study, network, settings::threads())?
                }
            };
            let layout = match layout {
                Some(handle) => handle
                    .join()
                    .map_err(|_| anyhow!("the network layout thread panicked"))?,
                None => stage::network_layout(study),
            };
            Ok(((), figure_files(study, &stats, &layout)?))
        })?;
        run.lap("figures");
        Ok(())
    })
}

/// The network statistics just computed, or those cached in the output folder.
fn cached_network(out: &OutDir, fresh: Option<NetworkPart>) -> Result<NetworkPart> {
    match fresh {
        Some(part) => Ok(part),
        None => serde_json::from_slice(&out.read(&OutPath::network_cache())?)
            .with_context(|| format!("reading {}", OutPath::network_cache())),
    }
}

/// The figures and their index, as files.
fn figure_files(study: &Study, computed: &Computed, layout: &NetworkLayout) -> Result<Files> {
    let figures = stage::figures(study, &computed.stats, &computed.public, layout)?;
    let mut files = Vec::new();
    for fig in &figures {
        files.push((OutPath::figure(&fig.name)?, fig.svg.clone().into_bytes()));
    }
    let index = serde_json::to_string_pretty(&pipeline::figure_index(&figures))?;
    files.push((OutPath::figure_index(), format!("{index}\n").into_bytes()));
    Ok(files)
}

/// The shared Typst library and each document's filled source.
fn sources(run: &mut Runner<'_>, plan: &Plan, inputs: &Inputs, study: &Study) -> Result<()> {
    let out = run.out();
    out.write(
        &OutPath::library(),
        inputs.report_file(crate::outdir::LIBRARY)?,
    )?;
    for doc in &DOCUMENTS {
        run.run(
            Stage::Source(doc),
            plan.inputs_of(Stage::Source(doc), out)?,
            || {
                let stats: serde_json::Value =
                    serde_json::from_slice(&out.read(&OutPath::public_stats())?)?;
                let index: BTreeMap<String, String> =
                    serde_json::from_slice(&out.read(&OutPath::figure_index())?)?;
                let changes = stage::changes(
                    study,
                    previous_brief(inputs, study),
                    &stats,
                    &plan.provenance,
                )?;
                let text = stage::source(
                    doc,
                    &inputs.templates()?,
                    study,
                    &stats,
                    &index,
                    &plan.provenance,
                    changes.as_ref(),
                )?;
                Ok(((), vec![(OutPath::source(doc), text.into_bytes())]))
            },
        )?;
    }
    Ok(())
}

/// The bytes of the previous brief that `study.toml` names, read with every other
/// input (so hashed like them); `None` when it names none or the file is not there.
pub fn previous_brief<'a>(inputs: &'a Inputs, study: &Study) -> Option<&'a [u8]> {
    let path = study.config.previous_brief.as_ref()?;
    inputs.get(&format!("{}/{path}", fsio::DATA_PREFIX))
}

/// The PDFs: compiled in parallel, only those whose sources or dependencies changed.
/// Returns Typst's warnings.
fn pdfs(run: &mut Runner<'_>, plan: &Plan, layout: &Layout) -> Result<Vec<String>> {
    let out = run.out();
    let mut stale: Vec<&'static Document> = Vec::new();
    for doc in &DOCUMENTS {
        if run
            .freshness(Stage::Pdf(doc), &plan.inputs_of(Stage::Pdf(doc), out)?)
            .is_stale()
        {
            stale.push(doc);
        }
    }
    if stale.is_empty() {
        return Ok(Vec::new());
    }
    let typst = Typst::ensure()?;
    let warnings = compile_all(&typst, out, &layout.fonts(), plan.timestamp, &stale)?;
    for doc in stale {
        // Key the PDF by what Typst actually read this time.
        let inputs = plan.inputs_of(Stage::Pdf(doc), out)?;
        run.record_written(Stage::Pdf(doc), inputs, &[OutPath::pdf(doc)])?;
    }
    Ok(warnings)
}

/// Refreshes the committed copies of the shipped study's build: the manifest that
/// `sha256sum -c` checks, the lock that `verify` checks, and the figures (so reviews
/// show their diffs).
fn publish(layout: &Layout, out: &OutDir, plan: &Plan, lock: &Lock) -> Result<()> {
    fsio::write_atomic(&layout.inputs_manifest(), plan.manifest_text.as_bytes())?;
    let mut current = Vec::new();
    for name in lock.derived.keys() {
        let Some(file) = OutPath::new(name)?.figure_file_name().map(str::to_owned) else {
            continue;
        };
        let bytes = out.read(&OutPath::new(name)?)?;
        fsio::write_atomic(&safe_join(&layout.figures(), &file)?, &bytes)?;
        current.push(file);
    }
    // figures/ holds exactly the current figures: drop any the study no longer makes.
    for path in fsio::sorted_files(&layout.figures(), 1)? {
        let file = fsio::file_name(&path);
        if file.ends_with(".svg") && !current.contains(&file) {
            fs::remove_file(&path).with_context(|| format!("removing stale {}", path.display()))?;
        }
    }
    fsio::write_atomic(&layout.lock(), lock.render().as_bytes())
}

/// An exclusive lock on an output folder, so two runs at once cannot interleave their
/// writes. A second run waits, saying so, until the first finishes.
pub struct BuildLock {
    _file: File,
}

impl BuildLock {
    /// Takes the lock of `out`, waiting for another run to release it.
    pub fn acquire(out: &OutDir) -> Result<BuildLock> {
        let path = out.root().join(BUILD_LOCK);
        let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                eprintln!(
                    "another report is building into {}; waiting for it to finish...",
                    out.root().display()
                );
                file.lock()
                    .with_context(|| format!("locking {}", path.display()))?;
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", path.display()));
            }
        }
        Ok(BuildLock { _file: file })
    }
}

/// Compiles the documents in parallel into temporary files, then renames them into
/// place, so a failed or killed run leaves the previous PDFs intact.
fn compile_all(
    typst: &Typst,
    out: &OutDir,
    fonts: &Path,
    timestamp: i64,
    docs: &[&'static Document],
) -> Result<Vec<String>> {
    let results: Vec<Result<Vec<String>>> = std::thread::scope(|s| {
        let handles: Vec<_> = docs
            .iter()
            .map(|doc| s.spawn(move || compile_one(typst, out, fonts, timestamp, doc)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow!("a compile thread panicked")))
            })
            .collect()
    });
    let mut all = Vec::new();
    for r in results {
        for w in r? {
            eprintln!("typst: {w}");
            all.push(w);
        }
    }
    Ok(all)
}

/// Compiles one document into a temporary file and moves it into place.
fn compile_one(
    typst: &Typst,
    out: &OutDir,
    fonts: &Path,
    timestamp: i64,
    doc: &Document,
) -> Result<Vec<String>> {
    let pdf = OutPath::pdf(doc);
    let target = out.prepare(&pdf)?;
    let tmp = fsio::temp_beside(&target)?;
    let tmp_name = fsio::file_name(tmp.path());
    let (source, deps) = (OutPath::source(doc), OutPath::deps(doc));
    let job = CompileJob {
        root: out.root(),
        input: source.as_str(),
        output: &tmp_name,
        fonts,
        timestamp,
        standards: &doc.standards_arg(),
        deps: deps.as_str(),
    };
    let warnings = typst.compile(&job)?;
    let settled = plan::settled_deps(&out.read(&deps)?, &pdf)?;
    out.write(&deps, &settled)?;
    tmp.persist(&target)
        .map_err(|e| e.error)
        .with_context(|| format!("moving {} into place", target.display()))?;
    Ok(warnings)
}
