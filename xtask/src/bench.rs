//! `cargo xtask bench`: measured numbers for the issue "fast and incremental at any
//! size", printed as Markdown tables (see `BENCHMARKS.md` for a recorded run).
//!
//! Two tables:
//!
//! 1. **Stages of the shipped study.** [`build::build`] runs on `data/` into a fresh
//!    scratch folder (a cold run), then again into the same folder (a no-op run, every
//!    stage up to date). Each stage's time is the one `build` itself measures
//!    ([`build::Outcome::timings`]); the total is the wall time of the whole call, and
//!    the pipeline's own work is the total minus the `typst compile` stage. Medians
//!    over `--reps` repetitions.
//! 2. **Scaling.** For each size (tie reports; organisations = ties / 10) a child
//!    process (this binary, hidden subcommand `bench-one`) generates a synthetic study
//!    in memory with [`pipeline::synth`], then loads and validates it, computes the
//!    statistics and draws the figures, timing each phase and reading the resident-set
//!    high-water mark (`VmHWM` in `/proc/self/status`; `n/a` off Linux). One process
//!    per size, so each peak is that size's alone. The child prints one JSON line.
//!
//! A debug build of the workspace crates is unoptimised and its numbers say little,
//! so `bench` in a debug build re-runs itself as `cargo run --release -p xtask --
//! bench ...` unless `--no-release` is given.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use pipeline::load::StudyFiles;
use pipeline::study::STUDY_FILE;
use pipeline::synth::{self, Size};
use serde::{Deserialize, Serialize};

use crate::build::{self, Target};
use crate::layout::Layout;

/// The sizes (tie reports) measured by default: 1k, 10k, 100k and 1M.
pub const DEFAULT_SIZES: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

/// The sizes of `--quick`.
pub const QUICK_SIZES: [usize; 2] = [1_000, 10_000];

/// Organisations per tie report in the scaled studies (ties / 10).
const TIES_PER_ORG: usize = 10;

/// Repetitions by default (medians are reported).
const DEFAULT_REPS: usize = 3;

/// Flags of `bench`.
#[derive(Debug, Args, Clone, Default)]
pub struct BenchArgs {
    /// Sizes of the scaling table, as tie reports (organisations = ties / 10), e.g.
    /// `1k,10k,100k,1M`. Default: all four; with `--quick`: 1k,10k.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_size)]
    pub sizes: Option<Vec<usize>>,
    /// A CI-friendly run: sizes 1k and 10k and one repetition of everything.
    #[arg(long)]
    pub quick: bool,
    /// Repetitions of each measurement (the median is shown); default 3, 1 with `--quick`.
    #[arg(long, value_name = "N")]
    pub reps: Option<usize>,
    /// Skip the table of the shipped study's stages (which needs Typst).
    #[arg(long)]
    pub no_stages: bool,
    /// Skip the scaling table.
    #[arg(long)]
    pub no_scaling: bool,
    /// Measure this build even when it is a debug build, instead of re-running as
    /// `cargo run --release -p xtask -- bench`.
    #[arg(long)]
    pub no_release: bool,
}

/// Flags of the hidden `bench-one` (one size of the scaling table, in its own process).
#[derive(Debug, Args, Clone)]
pub struct BenchOneArgs {
    /// Tie reports to generate.
    #[arg(long, value_name = "N", value_parser = parse_size)]
    pub ties: usize,
    /// Repetitions of each phase.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub reps: usize,
}

impl BenchArgs {
    fn sizes(&self) -> Vec<usize> {
        match (&self.sizes, self.quick) {
            (Some(s), _) => s.clone(),
            (None, true) => QUICK_SIZES.to_vec(),
            (None, false) => DEFAULT_SIZES.to_vec(),
        }
    }

    fn reps(&self) -> usize {
        self.reps
            .unwrap_or(if self.quick { 1 } else { DEFAULT_REPS })
            .max(1)
    }

    /// The flags again, for the release re-run.
    fn to_args(&self) -> Vec<String> {
        let mut args = vec!["bench".to_owned()];
        if let Some(sizes) = &self.sizes {
            let list: Vec<String> = sizes.iter().map(|&n| size_label(n)).collect();
            args.push(format!("--sizes={}", list.join(",")));
        }
        if self.quick {
            args.push("--quick".into());
        }
        if let Some(n) = self.reps {
            args.push(format!("--reps={n}"));
        }
        if self.no_stages {
            args.push("--no-stages".into());
        }
        if self.no_scaling {
            args.push("--no-scaling".into());
        }
        args
    }
}

/// Parses `1000`, `1k`, `10K`, `1M`, `1_000_000`.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim().replace('_', "");
    let (digits, factor) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1_000),
        Some('m' | 'M') => (&t[..t.len() - 1], 1_000_000),
        _ => (t.as_str(), 1),
    };
    let n: usize = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a size; expected a number such as 1000, 10k or 1M"))?;
    let n = n
        .checked_mul(factor)
        .ok_or_else(|| format!("{s:?} is too large"))?;
    if n < TIES_PER_ORG * 2 {
        return Err(format!(
            "{s:?} is too small; expected at least {} tie reports",
            TIES_PER_ORG * 2
        ));
    }
    Ok(n)
}

/// `1000` as `1k`, `1000000` as `1M`, anything else as digits.
pub fn size_label(n: usize) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 && n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`), or `n/a`.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "n/a".to_owned())
}

/// Whether this binary's workspace crates were built without optimisation.
pub fn is_debug_build() -> bool {
    cfg!(debug_assertions)
}

fn profile_name() -> &'static str {
    if is_debug_build() { "debug" } else { "release" }
}

/// `cargo xtask bench`.
pub fn bench(layout: &Layout, args: &BenchArgs) -> Result<ExitCode> {
    if is_debug_build() && !args.no_release {
        return rerun_in_release(layout, args);
    }
    let reps = args.reps();
    println!("# cargo xtask bench");
    println!();
    println!(
        "build: {} ({}), {} CPUs available, {reps} repetition(s), medians shown",
        profile_name(),
        if is_debug_build() {
            "workspace crates UNOPTIMISED: these numbers are not representative; run \
             `cargo run --release -p xtask -- bench`"
        } else {
            "optimised"
        },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!("load average at start: {}", load_average());
    println!();
    if !args.no_stages {
        let table = stage_table(layout, reps)?;
        println!("## Stages of the shipped study (data/), milliseconds");
        println!();
        print!("{}", table.render());
        println!();
    }
    let sizes = if args.no_scaling {
        Vec::new()
    } else {
        args.sizes()
    };
    if !sizes.is_empty() {
        let exe = std::env::current_exe().context("finding this program to run bench-one")?;
        let mut rows = Vec::new();
        for &ties in &sizes {
            eprintln!("bench: {} tie reports ...", size_label(ties));
            rows.push(run_child(&exe, ties, reps)?);
        }
        println!(
            "## Scaling: synthetic studies, organisations = ties / {TIES_PER_ORG} (one process per size)"
        );
        println!();
        print!("{}", scale_table(&rows));
        println!();
    }
    println!(
        "load average at end: {} (other work on the machine inflates the numbers)",
        load_average()
    );
    Ok(ExitCode::SUCCESS)
}

/// Re-runs `bench` with the same flags in an optimised build.
fn rerun_in_release(layout: &Layout, args: &BenchArgs) -> Result<ExitCode> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!(
        "bench: this is a debug build (unoptimised workspace crates), whose timings are not \
         representative; re-running as `cargo run --release -p xtask -- {}` (the first release \
         build compiles polars and takes several minutes; pass --no-release to measure this \
         build instead)",
        args.to_args().join(" ")
    );
    let status = Command::new(&cargo)
        .current_dir(&layout.root)
        .args(["run", "--release", "--quiet", "--package", "xtask", "--"])
        .args(args.to_args())
        .status()
        .with_context(|| format!("running {}", Path::new(&cargo).display()))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(2)),
        None => ExitCode::from(2),
    })
}

// ---------------------------------------------------------------------------------
// Table 1: the stages of the shipped study.

/// Median stage timings of cold and no-op runs.
#[derive(Debug, Clone)]
pub struct StageTable {
    /// Stage names, in the order `build` reports them.
    pub stages: Vec<&'static str>,
    /// Per stage: (cold, no-op) medians.
    pub times: Vec<(Duration, Duration)>,
    /// Whole `build` call: (cold, no-op) medians.
    pub total: (Duration, Duration),
    /// The `typst compile` stage: (cold, no-op) medians.
    pub typst: (Duration, Duration),
    /// Total minus Typst, per run, then the median: (cold, no-op).
    pub own: (Duration, Duration),
}

/// The stage whose time is Typst's (the `typst compile` lap of `build`).
const TYPST_STAGE: &str = "typst compile";

/// One run of `build`: its stage laps and total.
struct Run {
    laps: Vec<(&'static str, Duration)>,
    total: Duration,
}

impl Run {
    fn typst(&self) -> Duration {
        self.laps
            .iter()
            .filter(|(s, _)| *s == TYPST_STAGE)
            .map(|(_, d)| *d)
            .sum()
    }
}

fn timed_build(layout: &Layout, target: &Target) -> Result<Run> {
    let start = Instant::now();
    let outcome = build::build(layout, target)
        .with_context(|| format!("building the shipped study into {}", target.out.display()))?;
    Ok(Run {
        laps: outcome.timings,
        total: start.elapsed(),
    })
}

/// Runs the shipped study `reps` times cold (fresh folder) and then no-op (same folder).
pub fn stage_table(layout: &Layout, reps: usize) -> Result<StageTable> {
    let mut cold = Vec::new();
    let mut noop = Vec::new();
    for i in 0..reps {
        eprintln!(
            "bench: shipped study, cold and no-op run {}/{reps} ...",
            i + 1
        );
        let scratch = Scratch::new(layout, &format!("stages-{i}"))?;
        let target = Target {
            data: layout.data(),
            out: scratch.path.clone(),
            publish: false,
            fresh: false,
        };
        cold.push(timed_build(layout, &target)?);
        noop.push(timed_build(layout, &target)?);
    }
    let stages: Vec<&'static str> = cold
        .first()
        .map(|r| r.laps.iter().map(|(s, _)| *s).collect())
        .unwrap_or_default();
    let stage_median =
        |runs: &[Run], k: usize| median(runs.iter().filter_map(|r| r.laps.get(k).map(|(_, d)| *d)));
    let both = |f: &dyn Fn(&[Run]) -> Duration| (f(&cold), f(&noop));
    Ok(StageTable {
        times: (0..stages.len())
            .map(|k| (stage_median(&cold, k), stage_median(&noop, k)))
            .collect(),
        stages,
        total: both(&|runs| median(runs.iter().map(|r| r.total))),
        typst: both(&|runs| median(runs.iter().map(Run::typst))),
        own: both(&|runs| median(runs.iter().map(|r| r.total.saturating_sub(r.typst())))),
    })
}

impl StageTable {
    /// The table in Markdown.
    pub fn render(&self) -> String {
        let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
        let mut s = String::from("| stage | cold run | no-op run |\n|---|---:|---:|\n");
        for (stage, (c, n)) in self.stages.iter().zip(&self.times) {
            s.push_str(&format!("| {stage} | {} | {} |\n", ms(*c), ms(*n)));
        }
        let rows = [
            ("**total** (whole `build` call)", self.total),
            ("inside Typst (`typst compile`)", self.typst),
            ("**pipeline's own work** (total − Typst)", self.own),
        ];
        for (name, (c, n)) in rows {
            s.push_str(&format!("| {name} | {} | {} |\n", ms(c), ms(n)));
        }
        s
    }
}

/// A scratch folder under `target/bench`, removed when dropped.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new(layout: &Layout, name: &str) -> Result<Scratch> {
        let path = layout
            .bench_scratch()
            .join(format!("{}-{name}", std::process::id()));
        if path.exists() {
            fs::remove_dir_all(&path).with_context(|| format!("clearing {}", path.display()))?;
        }
        fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Scratch { path })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

fn median(values: impl Iterator<Item = Duration>) -> Duration {
    let mut v: Vec<Duration> = values.collect();
    v.sort();
    match v.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2,
    }
}

// ---------------------------------------------------------------------------------
// Table 2: scaling, one process per size.

/// What `bench-one` measured for one size: the JSON line it prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleRow {
    /// Tie reports asked for.
    pub ties: usize,
    /// Tie reports generated (over all waves).
    pub reports: usize,
    /// Organisations.
    pub orgs: usize,
    /// `debug` or `release`.
    pub build: String,
    /// Repetitions (medians below).
    pub reps: usize,
    /// Generating the study in memory (`pipeline::synth::generate`), seconds.
    pub generate_s: f64,
    /// `pipeline::load::load` from the generated bytes, seconds.
    pub load_s: f64,
    /// `pipeline::stats::compute`, seconds.
    pub stats_s: f64,
    /// `pipeline::figures::render_all`, seconds.
    pub figures_s: f64,
    /// Resident-set high-water mark of the whole process, KiB (`None` off Linux).
    pub peak_kib: Option<u64>,
    /// High-water mark during each phase alone (the mark is reset before the phase,
    /// so it counts what was already resident too), KiB; `None` when the mark cannot
    /// be reset or read.
    pub generate_peak_kib: Option<u64>,
    /// See `generate_peak_kib`.
    pub load_peak_kib: Option<u64>,
    /// See `generate_peak_kib`.
    pub stats_peak_kib: Option<u64>,
    /// See `generate_peak_kib`.
    pub figures_peak_kib: Option<u64>,
    /// Loader warnings (not printed).
    pub warnings: usize,
}

/// Runs `bench-one` for one size in a child process and parses its line.
fn run_child(exe: &Path, ties: usize, reps: usize) -> Result<ScaleRow> {
    let output = Command::new(exe)
        .args([
            "bench-one",
            &format!("--ties={ties}"),
            &format!("--reps={reps}"),
        ])
        .output()
        .with_context(|| format!("running {} bench-one", exe.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "bench-one --ties {ties} failed ({}):\n{}{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .with_context(|| format!("bench-one --ties {ties} printed no JSON line:\n{stdout}"))?;
    serde_json::from_str(line)
        .with_context(|| format!("bench-one --ties {ties} printed an unreadable line: {line}"))
}

/// `cargo xtask bench-one`: measures one size in this process and prints one JSON line.
pub fn bench_one(layout: &Layout, args: &BenchOneArgs) -> Result<ExitCode> {
    let row = measure(layout, args.ties, args.reps)?;
    println!(
        "{}",
        serde_json::to_string(&row).context("serialising the measurement")?
    );
    Ok(ExitCode::SUCCESS)
}

/// Generates, loads, computes and draws a study of `ties` tie reports `reps` times in
/// this process; medians of each phase and the high-water marks.
pub fn measure(layout: &Layout, ties: usize, reps: usize) -> Result<ScaleRow> {
    let crate::synth::SynthInputs {
        params,
        config,
        config_bytes,
    } = crate::synth::read_inputs(
        &layout.data().join(synth::PARAMS_FILE),
        &layout.data().join(STUDY_FILE),
    )?;
    let size = Size {
        orgs: Some(ties / TIES_PER_ORG),
        ties: Some(ties),
    };

    let reps = reps.max(1);
    let mut generate = Phase::default();
    let mut load = Phase::default();
    let mut stats_p = Phase::default();
    let mut fig = Phase::default();
    let mut process_peak = None;
    let mut counts = (0, 0, 0);
    for _ in 0..reps {
        let generated = generate.run(&mut process_peak, || {
            synth::generate(&params, &config, size)
                .with_context(|| format!("generating a study of {ties} tie reports"))
        })?;
        let loaded = load.run(&mut process_peak, || {
            pipeline::load::load(StudyFiles {
                config: &config_bytes,
                organisations: generated.organisations.as_bytes(),
                ties: generated.ties.as_bytes(),
                excerpts: generated.excerpts.as_bytes(),
            })
            .with_context(|| format!("loading the generated study of {ties} tie reports"))
        })?;
        counts = (
            generated.summary.reports.iter().map(|w| w.reports).sum(),
            generated.summary.orgs,
            loaded.warnings.len(),
        );
        drop(generated);
        let stats = stats_p.run(&mut process_peak, || {
            pipeline::stats::compute(&loaded.study, crate::settings::threads())
                .with_context(|| format!("statistics of {ties} tie reports"))
        })?;
        let figures = fig.run(&mut process_peak, || {
            pipeline::figures::render_all(&loaded.study, &stats)
                .with_context(|| format!("figures of {ties} tie reports"))
        })?;
        drop(figures);
    }
    process_peak = process_peak.max(peak_kib());
    Ok(ScaleRow {
        ties,
        reports: counts.0,
        orgs: counts.1,
        build: profile_name().to_owned(),
        reps,
        generate_s: generate.median_s(),
        load_s: load.median_s(),
        stats_s: stats_p.median_s(),
        figures_s: fig.median_s(),
        peak_kib: process_peak,
        generate_peak_kib: generate.peak,
        load_peak_kib: load.peak,
        stats_peak_kib: stats_p.peak,
        figures_peak_kib: fig.peak,
        warnings: counts.2,
    })
}

/// The times and resident-set peak of one phase over the repetitions.
#[derive(Default)]
struct Phase {
    times: Vec<Duration>,
    /// The largest high-water mark seen during the phase (the mark is reset before it).
    peak: Option<u64>,
}

impl Phase {
    /// Runs `f` once, timing it; keeps the process-wide peak in `process_peak` (read
    /// before the mark is reset for this phase).
    fn run<T>(
        &mut self,
        process_peak: &mut Option<u64>,
        f: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        *process_peak = (*process_peak).max(peak_kib());
        let reset = reset_peak();
        let start = Instant::now();
        let value = f()?;
        self.times.push(start.elapsed());
        if reset {
            self.peak = self.peak.max(peak_kib());
        }
        Ok(value)
    }

    fn median_s(&self) -> f64 {
        median(self.times.iter().copied()).as_secs_f64()
    }
}

/// The resident-set high-water mark of this process in KiB (`VmHWM`), Linux only.
pub fn peak_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Restarts the high-water mark at the current resident set (Linux 4.0+); false when
/// that is not possible.
fn reset_peak() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A duration in seconds as `0.4 ms`, `12.3 ms` or `1.23 s`.
pub fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "n/a".to_owned(),
        |k| format!("{:.0} MiB", k as f64 / 1024.0),
    )
}

/// One row of the scaling table in Markdown.
pub fn scale_row(r: &ScaleRow) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        size_label(r.ties),
        r.reports,
        r.orgs,
        secs(r.generate_s),
        secs(r.load_s),
        secs(r.stats_s),
        secs(r.figures_s),
        mib(r.stats_peak_kib),
        mib(r.peak_kib),
    )
}

/// The scaling table in Markdown.
pub fn scale_table(rows: &[ScaleRow]) -> String {
    let mut s = String::from(
        "| size | tie reports | orgs | generate | load + validate | statistics | figures | peak RSS in statistics | peak RSS (process) |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        s.push_str(&scale_row(r));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        assert_eq!(parse_size("1k"), Ok(1_000));
        assert_eq!(parse_size("10K"), Ok(10_000));
        assert_eq!(parse_size("1M"), Ok(1_000_000));
        assert_eq!(parse_size("1_000"), Ok(1_000));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5").is_err());
        for n in DEFAULT_SIZES {
            assert_eq!(parse_size(&size_label(n)), Ok(n));
        }
        assert_eq!(size_label(1_500), "1500");
    }

    #[test]
    fn quick_is_small() {
        let quick = BenchArgs {
            quick: true,
            ..BenchArgs::default()
        };
        assert_eq!((quick.sizes(), quick.reps()), (QUICK_SIZES.to_vec(), 1));
        assert_eq!(BenchArgs::default().sizes(), DEFAULT_SIZES.to_vec());
        assert_eq!(quick.to_args(), ["bench", "--quick"]);
    }

    /// The quick benchmark's smallest size gives a well-formed row, through the same
    /// JSON line the child process prints. No timing is asserted.
    #[test]
    fn smallest_size_gives_a_table_row() {
        let layout = Layout::find().expect("the repository");
        let row = measure(&layout, QUICK_SIZES[0], 1).expect("measuring 1k ties");
        let line = serde_json::to_string(&row).expect("serialising");
        assert!(!line.contains('\n'));
        let back: ScaleRow = serde_json::from_str(&line).expect("parsing the line");
        assert_eq!(back, row);
        assert_eq!((row.ties, row.orgs), (1_000, 100));
        assert!(row.reports > 0);
        for t in [row.generate_s, row.load_s, row.stats_s, row.figures_s] {
            assert!(t.is_finite() && t >= 0.0);
        }
        let table = scale_table(&[row]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        let cells = |l: &str| l.trim_matches('|').split('|').count();
        assert_eq!(cells(lines[2]), cells(lines[0]));
        assert!(lines[2].starts_with("| 1k | "));
        if cfg!(target_os = "linux") {
            assert!(!lines[2].contains("n/a"), "{}", lines[2]);
        }
    }
}
