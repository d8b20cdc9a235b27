//! `cargo xtask report` and `cargo xtask stats`: the whole path from a study folder to
//! `stats.json`, the figures, the filled Typst sources, the two PDFs and the lock.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use pipeline::lock::Lock;

use crate::flags::{ReportArgs, StudyArgs};
use crate::fsio;
use crate::layout::Layout;
use crate::plan::{
    FIGURE_INDEX, FIGURES, NETWORK, NETWORK_JSON, Plan, STATISTICS, STATS_JSON, digests_of,
};
use crate::progress;
use crate::stages::{Freshness, Record};
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

/// Runs the whole pipeline and prints where the PDFs are and what each stage took.
pub fn report(layout: &Layout, args: &StudyArgs) -> Result<Outcome> {
    let outcome = build(layout, &Target::of(layout, args))?;
    print_outcome(&outcome);
    Ok(outcome)
}

fn print_outcome(outcome: &Outcome) {
    for pdf in &outcome.pdfs {
        println!("wrote {}", pdf.display());
    }
    println!("stage timings:");
    for (stage, took) in &outcome.timings {
        println!("  {stage:<22} {:>8.1} ms", took.as_secs_f64() * 1000.0);
    }
}

/// `cargo xtask report` with any number of `--data` folders: one study builds as
/// [`report`]; several build in parallel, each into `<out>/<folder name>/`, with a
/// progress bar on a terminal and one plain line per study otherwise.
pub fn report_many(layout: &Layout, args: &ReportArgs) -> Result<()> {
    if args.data.len() <= 1 {
        let study = StudyArgs {
            data: args.data.first().cloned(),
            out: args.out.clone(),
        };
        report(layout, &study)?;
        return Ok(());
    }
    let parent = args.out.clone().unwrap_or_else(|| layout.build());
    let mut targets = Vec::new();
    for data in &args.data {
        let name = fsio::file_name(
            &fs::canonicalize(data)
                .with_context(|| format!("no study folder {}", data.display()))?,
        );
        if targets.iter().any(|t: &Target| t.out == parent.join(&name)) {
            anyhow::bail!(
                "two studies are named {name:?}; their outputs would collide in {}",
                parent.display()
            );
        }
        targets.push(Target {
            data: data.clone(),
            out: parent.join(&name),
            publish: false,
            fresh: false,
        });
    }
    let bar = progress::Progress::new(targets.len() as u64, "studies");
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(targets.len());
    let results: Vec<(usize, Result<Outcome>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let Some(t) = targets.get(i) else { break };
                        let r = build(layout, t);
                        bar.finish_one(&format!(
                            "{} {}",
                            if r.is_ok() { "built" } else { "FAILED" },
                            t.data.display()
                        ));
                        done.push((i, r));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    bar.clear();
    let mut results = results;
    results.sort_by_key(|(i, _)| *i);
    let mut failed = 0;
    for (i, r) in results {
        match r {
            Ok(o) => println!("{}: {}", targets[i].data.display(), o.out.display()),
            Err(e) => {
                failed += 1;
                eprintln!("{}: error: {e:#}", targets[i].data.display());
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} studies failed", targets.len());
    }
    Ok(())
}

/// Runs the whole pipeline into `target.out`, without printing a summary. Stages
/// whose inputs are unchanged since the last run into the same folder are skipped
/// (see [`crate::stages`]), unless `target.fresh` asks for a full rebuild.
pub fn build(layout: &Layout, target: &Target) -> Result<Outcome> {
    let out = &target.out;
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |stage: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        timings.push((stage, clock.elapsed()));
        clock = Instant::now();
    };

    // Validate first: bad input fails before anything is written, locked or installed.
    let bytes = fsio::read_study(&target.data)?;
    let loaded = pipeline::load::load(bytes.files())?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    let study = loaded.study;
    lap("validate", &mut timings);

    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let _guard = BuildLock::acquire(out)?;
    let plan = Plan::new(layout, target)?;
    plan.write_manifests(out)?;
    let mut record = if target.fresh {
        Record::default()
    } else {
        Record::read(out)
    };
    lap("hash inputs", &mut timings);

    // Network statistics, all statistics, figures. The network layout needs only the
    // study, so when the figures will be redrawn it is computed on a second thread
    // while the statistics run.
    let network_inputs = plan.network_inputs();
    let network_stale = record.freshness(out, NETWORK, &network_inputs).is_stale();
    let redraw = network_stale
        || record
            .freshness(out, STATISTICS, &plan.statistics_inputs(out))
            .is_stale()
        || record
            .freshness(out, FIGURES, &plan.figures_inputs(out)?)
            .is_stale();
    std::thread::scope(|scope| -> Result<()> {
        let layout =
            redraw.then(|| scope.spawn(|| pipeline::figures::NetworkLayout::compute(&study)));

        let mut network = None;
        if network_stale {
            // Only large studies take long enough to deserve a spinner.
            let _spinner = (study.orgs.len() >= LARGE_STUDY).then(|| {
                progress::Spinner::start(&format!(
                    "computing network statistics for {} organisations and {} tie reports",
                    study.orgs.len(),
                    study.reports.len()
                ))
            });
            let part = pipeline::stats::network(&study, crate::threads())?;
            let text = serde_json::to_string(&part).context("serialising network statistics")?;
            fsio::write_atomic(&out.join(NETWORK_JSON), text.as_bytes())?;
            record.set(
                NETWORK,
                network_inputs,
                digests_of(out, &[NETWORK_JSON.to_owned()])?,
            );
            network = Some(part);
        }
        lap(NETWORK, &mut timings);

        // All statistics: the network part plus methods and qualitative counts.
        let mut stats = None;
        let inputs = plan.statistics_inputs(out);
        if record.freshness(out, STATISTICS, &inputs).is_stale() {
            let part = match network.take() {
                Some(part) => part,
                None => serde_json::from_slice(&fs::read(out.join(NETWORK_JSON))?)
                    .with_context(|| format!("reading {NETWORK_JSON}"))?,
            };
            let computed = pipeline::stats::assemble(&study, part);
            fsio::write_atomic(
                &out.join(STATS_JSON),
                pipeline::stats_json(&computed)?.as_bytes(),
            )?;
            record.set(
                STATISTICS,
                inputs,
                digests_of(out, &[STATS_JSON.to_owned()])?,
            );
            stats = Some(computed);
        }
        lap(STATISTICS, &mut timings);

        let inputs = plan.figures_inputs(out)?;
        if record.freshness(out, FIGURES, &inputs).is_stale() {
            let stats = match stats.take() {
                Some(s) => s,
                None => pipeline::stats::compute(&study, crate::threads())?,
            };
            let layout = match layout {
                Some(handle) => handle
                    .join()
                    .map_err(|_| anyhow::anyhow!("the network layout thread panicked"))?,
                None => pipeline::figures::NetworkLayout::compute(&study),
            };
            let figures = pipeline::figures::render_all_with_layout(&study, &stats, &layout)?;
            let mut written = vec![FIGURE_INDEX.to_owned()];
            for fig in &figures {
                let rel = format!("figures/{}.svg", fig.name);
                fsio::write_atomic(&out.join(&rel), fig.svg.as_bytes())?;
                written.push(rel);
            }
            let index = serde_json::to_string_pretty(&pipeline::figure_index(&figures))?;
            fsio::write_atomic(&out.join(FIGURE_INDEX), format!("{index}\n").as_bytes())?;
            record.set(FIGURES, inputs, digests_of(out, &written)?);
        }
        lap(FIGURES, &mut timings);
        Ok(())
    })?;

    // Filled Typst sources.
    let lib = fs::read(layout.report().join(LIB_TYP)).context("reading report/lib.typ")?;
    fsio::write_atomic(&out.join(LIB_TYP), &lib)?;
    let mut templates = None;
    for (_, stem) in pipeline::DOCUMENTS {
        let name = format!("{stem}.typ");
        let inputs = plan.source_inputs(out, stem)?;
        if record.freshness(out, &name, &inputs).is_stale() {
            if templates.is_none() {
                templates = Some(fsio::read_templates(&layout.report())?);
            }
            let stats_value: serde_json::Value =
                serde_json::from_slice(&fs::read(out.join(STATS_JSON))?)?;
            let index: BTreeMap<String, String> =
                serde_json::from_slice(&fs::read(out.join(FIGURE_INDEX))?)?;
            let text = pipeline::fill_document(
                templates.as_deref().unwrap_or_default(),
                stem,
                &study,
                &stats_value,
                &index,
                &plan.provenance,
            )?;
            fsio::write_atomic(&out.join(&name), text.as_bytes())?;
            record.set(&name, inputs, digests_of(out, std::slice::from_ref(&name))?);
        }
    }
    lap("typst sources", &mut timings);

    // PDFs: compiled in parallel, only those whose sources or dependencies changed.
    let timestamp = study.config.created_epoch();
    let mut warnings = Vec::new();
    let mut stale = Vec::new();
    for (_, stem) in pipeline::DOCUMENTS {
        let inputs = plan.pdf_inputs(out, stem, timestamp);
        if record
            .freshness(out, &format!("{stem}.pdf"), &inputs)
            .is_stale()
        {
            stale.push((stem, inputs));
        }
    }
    if !stale.is_empty() {
        let typst = Typst::ensure()?;
        let stems: Vec<&str> = stale.iter().map(|(s, _)| *s).collect();
        warnings = compile_all(&typst, out, &layout.fonts(), timestamp, &stems)?;
        for (stem, _) in stale {
            // Key the PDF by what Typst actually read this time.
            let inputs = plan.pdf_inputs(out, stem, timestamp);
            let name = format!("{stem}.pdf");
            record.set(&name, inputs, digests_of(out, std::slice::from_ref(&name))?);
        }
    }
    lap("typst compile", &mut timings);
    record.write(out)?;

    let lock = plan.lock(out)?;
    fsio::write_atomic(&out.join("report.lock"), lock.render().as_bytes())?;
    if target.publish {
        // The committed copies: the manifest that `sha256sum -c` checks, the lock that
        // `verify` checks, and the figures (so reviews show their diffs).
        fsio::write_atomic(&layout.inputs_manifest(), plan.manifest_text.as_bytes())?;
        for name in lock.derived.keys().filter(|n| n.starts_with("figures/")) {
            fsio::write_atomic(&layout.root.join(name), &fs::read(out.join(name))?)?;
        }
        // figures/ holds exactly the current figures: drop any the study no longer makes.
        for path in fsio::sorted_files(&layout.figures(), 1)? {
            let name = format!("figures/{}", fsio::file_name(&path));
            if name.ends_with(".svg") && !lock.derived.contains_key(&name) {
                fs::remove_file(&path)
                    .with_context(|| format!("removing stale {}", path.display()))?;
            }
        }
        fsio::write_atomic(&layout.lock(), lock.render().as_bytes())?;
    }
    let pdfs = pipeline::DOCUMENTS
        .iter()
        .map(|(_, stem)| out.join(format!("{stem}.pdf")))
        .collect();
    Ok(Outcome {
        out: out.clone(),
        pdfs,
        lock,
        timings,
        typst_warnings: warnings,
    })
}

/// Studies with at least this many organisations show progress while their network
/// statistics run (seconds rather than milliseconds).
const LARGE_STUDY: usize = 5_000;

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
                eprintln!(
                    "another report is building into {}; waiting for it to finish...",
                    out.display()
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

/// Compiles the documents in parallel into temporary names, then renames them into
/// place, so a failed or killed run leaves the previous PDFs intact.
fn compile_all(
    typst: &Typst,
    out: &Path,
    fonts: &Path,
    timestamp: i64,
    stems: &[&str],
) -> Result<Vec<String>> {
    let results: Vec<Result<(PathBuf, Vec<String>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = stems
            .iter()
            .map(|stem| {
                s.spawn(move || {
                    let input = format!("{stem}.typ");
                    let tmp = format!(".{stem}.tmp{}.pdf", std::process::id());
                    let standards = if *stem == "brief" {
                        "a-3a,ua-1"
                    } else {
                        "ua-1"
                    };
                    let deps = format!(".{stem}.deps.json");
                    let job = CompileJob {
                        root: out,
                        input: &input,
                        output: &tmp,
                        fonts,
                        timestamp,
                        standards,
                        deps: &deps,
                    };
                    let warnings = typst.compile(&job)?;
                    let pdf = out.join(format!("{stem}.pdf"));
                    fs::rename(out.join(&tmp), &pdf)
                        .with_context(|| format!("moving {} into place", pdf.display()))?;
                    Ok((pdf, warnings))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a compile thread panicked")))
            })
            .collect()
    });
    let mut all = Vec::new();
    for r in results {
        let (_, warnings) = r?;
        for w in warnings {
            eprintln!("typst: {w}");
            all.push(w);
        }
    }
    Ok(all)
}

/// `cargo xtask stats`: validates a study and writes its `stats.json`.
pub fn stats_only(layout: &Layout, args: &StudyArgs) -> Result<PathBuf> {
    let target = Target::of(layout, args);
    let study = fsio::read_study(&target.data)?;
    let (_, stats, warnings) = pipeline::statistics(study.files(), crate::threads())?;
    for w in &warnings {
        eprintln!("{w}");
    }
    let path = target.out.join("stats.json");
    fsio::write_atomic(&path, pipeline::stats_json(&stats)?.as_bytes())?;
    println!("wrote {}", path.display());
    Ok(path)
}

/// `cargo xtask status`: each stage of a build of `args`, up to date or stale and why,
/// without running anything.
pub fn status(layout: &Layout, args: &StudyArgs) -> Result<Vec<(String, Freshness)>> {
    let target = Target::of(layout, args);
    let out = &target.out;
    let plan = Plan::new(layout, &target)?;
    let record = Record::read(out);
    let timestamp = fsio::read_study(&target.data)
        .ok()
        .and_then(|b| {
            pipeline::study::StudyConfig::parse(std::str::from_utf8(&b.config).ok()?).ok()
        })
        .map_or(0, |c| c.created_epoch());
    let after = |upstream: &str| Freshness::Stale(format!("waits for {upstream}"));
    let mut lines = Vec::new();
    let network = record.freshness(out, NETWORK, &plan.network_inputs());
    let stats = if network.is_stale() {
        after(NETWORK)
    } else {
        record.freshness(out, STATISTICS, &plan.statistics_inputs(out))
    };
    lines.push((NETWORK.to_owned(), network));
    let figures = if stats.is_stale() {
        after(STATISTICS)
    } else {
        record.freshness(out, FIGURES, &plan.figures_inputs(out)?)
    };
    let upstream_stale = stats.is_stale() || figures.is_stale();
    lines.push((STATISTICS.to_owned(), stats));
    lines.push((FIGURES.to_owned(), figures));
    for (_, stem) in pipeline::DOCUMENTS {
        let source = format!("{stem}.typ");
        let s = if upstream_stale {
            after("stats.json and figures")
        } else {
            record.freshness(out, &source, &plan.source_inputs(out, stem)?)
        };
        let pdf = format!("{stem}.pdf");
        let p = if s.is_stale() {
            after(&source)
        } else {
            record.freshness(out, &pdf, &plan.pdf_inputs(out, stem, timestamp))
        };
        lines.push((source, s));
        lines.push((pdf, p));
    }
    Ok(lines)
}

/// Prints `status` lines.
pub fn print_status(lines: &[(String, Freshness)]) {
    for (stage, f) in lines {
        match f {
            Freshness::UpToDate => println!("up to date  {stage}"),
            Freshness::Stale(why) => println!("stale       {stage}: {why}"),
        }
    }
}
