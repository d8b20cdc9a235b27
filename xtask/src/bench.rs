//! `cargo xtask bench`: measured numbers for the issues "fast and incremental at any
//! size" and "fast as users run it", printed as Markdown tables (see `BENCHMARKS.md`
//! for a recorded run).
//!
//! Every table is measured for two builds side by side: **the build users run** (the
//! dev profile that `cargo xtask` uses, in which `Cargo.toml` optimises `pipeline`
//! and the dependencies) and **release**. This process is only the conductor: for
//! each build it compiles `xtask` (`cargo build [--release] -p xtask`, a no-op when
//! up to date) and runs that binary, so the numbers of both builds come from the same
//! invocation on the same machine load.
//!
//! 1. **End to end.** `cargo run [--release] -p xtask -- report --data D --out O` as a
//!    process, cold, into a fresh `O`, timed from outside: what a user waits for,
//!    cargo's own start-up included. Studies: the shipped one and synthetic ones
//!    written by `xtask synth` (920 organisations and 4,650 tie reports, 9,200 and
//!    46,500, 100,000 and 1,000,000).
//! 2. **Stages of the shipped study.** [`build::build`] runs on `data/` into a fresh
//!    scratch folder (a cold run), then again into the same folder (a no-op run, every
//!    stage up to date). Each stage's time is the one `build` itself measures
//!    ([`build::Outcome::timings`]); the total is the wall time of the whole call, and
//!    the pipeline's own work is the total minus the `typst compile` stage. Medians
//!    over `--reps` repetitions. Measured by the build's binary (`bench --child`).
//! 3. **Exact betweenness** of a seeded random graph of 10,000 nodes and 100,000
//!    edges on every available thread (`bench --child`).
//! 4. **Scaling.** For each size a child process (the build's binary, hidden
//!    subcommand `bench-one`) generates a synthetic study in memory with
//!    [`pipeline::synth`], then loads and validates it, computes the statistics and
//!    draws the figures, timing each phase and reading the resident-set high-water
//!    mark (`VmHWM` in `/proc/self/status`; `n/a` off Linux). One process per size, so
//!    each peak is that size's alone. The child prints one JSON line.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use pipeline::load::StudyFiles;
use pipeline::study::STUDY_FILE;
use pipeline::synth::{self, Size};
use serde::{Deserialize, Serialize};

use crate::build::{self, Target};
use crate::layout::Layout;

/// A size of the scaling table: tie reports and organisations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleSize {
    /// Tie reports (over both waves).
    pub ties: usize,
    /// Organisations.
    pub orgs: usize,
    /// Whether the size was given by name (`920orgs`, `9200orgs`).
    pub named: bool,
}

impl ScaleSize {
    /// `ties` tie reports over `ties / 10` organisations.
    pub const fn ties(ties: usize) -> ScaleSize {
        ScaleSize {
            ties,
            orgs: ties / TIES_PER_ORG,
            named: false,
        }
    }

    const fn named(orgs: usize, ties: usize) -> ScaleSize {
        ScaleSize {
            ties,
            orgs,
            named: true,
        }
    }
}

/// The mid-size studies of the issue "fast as users run it": 920 organisations with
/// 4,650 tie reports and 9,200 with 46,500 (`synth --orgs 920 --ties 4650`).
pub const STUDY_920: ScaleSize = ScaleSize::named(920, 4_650);
/// See [`STUDY_920`].
pub const STUDY_9200: ScaleSize = ScaleSize::named(9_200, 46_500);

/// The sizes of the scaling table by default.
pub const DEFAULT_SIZES: [ScaleSize; 6] = [
    ScaleSize::ties(1_000),
    STUDY_920,
    ScaleSize::ties(10_000),
    STUDY_9200,
    ScaleSize::ties(100_000),
    ScaleSize::ties(1_000_000),
];

/// The sizes of `--quick`.
pub const QUICK_SIZES: [ScaleSize; 3] =
    [ScaleSize::ties(1_000), STUDY_920, ScaleSize::ties(10_000)];

/// A study of the end-to-end table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum E2eStudy {
    /// The shipped study in `data/`.
    Shipped,
    /// The shipped study with groups under [`SMALL_GROUPS_THRESHOLD`] organisations
    /// hidden: the shape of a real study with small groups, where the disclosure
    /// engine (not the statistics) does most of the work.
    SmallGroups,
    /// A synthetic study of this size, written by `xtask synth`.
    Synthetic(ScaleSize),
}

/// The suppression threshold of [`E2eStudy::SmallGroups`]: high enough that several
/// groups of the shipped study are hidden, and more cells with them.
pub const SMALL_GROUPS_THRESHOLD: u64 = 8;

/// The end-to-end studies by default.
pub const DEFAULT_STUDIES: [E2eStudy; 5] = [
    E2eStudy::Shipped,
    E2eStudy::SmallGroups,
    E2eStudy::Synthetic(STUDY_920),
    E2eStudy::Synthetic(STUDY_9200),
    E2eStudy::Synthetic(ScaleSize::named(100_000, 1_000_000)),
];

/// The end-to-end studies of `--quick`.
pub const QUICK_STUDIES: [E2eStudy; 2] = [E2eStudy::Shipped, E2eStudy::Synthetic(STUDY_920)];

/// Organisations per tie report in the scaled studies (ties / 10).
const TIES_PER_ORG: usize = 10;

/// Repetitions by default (medians are reported).
const DEFAULT_REPS: usize = 3;

/// The random graph of the betweenness measurement: nodes and edges.
const BETWEENNESS_GRAPH: (u32, usize) = (10_000, 100_000);

/// Flags of `bench`.
#[derive(Debug, Args, Clone, Default)]
pub struct BenchArgs {
    /// Sizes of the scaling table: tie reports (organisations = ties / 10), e.g.
    /// `1k,10k,100k,1M`, or the named studies `920orgs` (4,650 tie reports) and
    /// `9200orgs` (46,500). Default: 1k,920orgs,10k,9200orgs,100k,1M; with `--quick`:
    /// 1k,920orgs,10k.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_scale_size)]
    pub sizes: Option<Vec<ScaleSize>>,
    /// Studies of the end-to-end table: `shipped`, `small-groups` (the shipped study
    /// with groups under 8 organisations hidden), `920`, `9200`, `1M` (100,000
    /// organisations). Default: all five; with `--quick`: shipped,920.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_study)]
    pub studies: Option<Vec<E2eStudy>>,
    /// A CI-friendly run: the small sizes and studies, one repetition of everything.
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
    /// Skip the end-to-end table (which needs Typst).
    #[arg(long)]
    pub no_end_to_end: bool,
    /// Measure only the build users run (the dev profile of `cargo xtask`), not
    /// release (whose first build compiles every dependency again, optimised).
    #[arg(long)]
    pub no_release: bool,
    /// Measure in this process, with this binary, and print one JSON line (used by
    /// `bench` itself for each build).
    #[arg(long, hide = true)]
    pub child: bool,
}

/// Flags of the hidden `bench-one` (one size of the scaling table, in its own process).
#[derive(Debug, Args, Clone)]
pub struct BenchOneArgs {
    /// Tie reports to generate.
    #[arg(long, value_name = "N", value_parser = parse_size)]
    pub ties: usize,
    /// Organisations (default: ties / 10).
    #[arg(long, value_name = "N")]
    pub orgs: Option<usize>,
    /// Repetitions of each phase.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub reps: usize,
}

impl BenchArgs {
    fn sizes(&self) -> Vec<ScaleSize> {
        match (&self.sizes, self.quick) {
            (Some(s), _) => s.clone(),
            (None, true) => QUICK_SIZES.to_vec(),
            (None, false) => DEFAULT_SIZES.to_vec(),
        }
    }

    fn studies(&self) -> Vec<E2eStudy> {
        match (&self.studies, self.quick) {
            (Some(s), _) => s.clone(),
            (None, true) => QUICK_STUDIES.to_vec(),
            (None, false) => DEFAULT_STUDIES.to_vec(),
        }
    }

    fn reps(&self) -> usize {
        self.reps
            .unwrap_or(if self.quick { 1 } else { DEFAULT_REPS })
            .max(1)
    }

    fn builds(&self) -> Vec<Build> {
        if self.no_release {
            vec![Build::User]
        } else {
            vec![Build::User, Build::Release]
        }
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

/// Parses a size of the scaling table: [`parse_size`], or `920orgs` / `9200orgs`.
pub fn parse_scale_size(s: &str) -> Result<ScaleSize, String> {
    match s.trim() {
        "920orgs" => Ok(STUDY_920),
        "9200orgs" => Ok(STUDY_9200),
        other => parse_size(other)
            .map(ScaleSize::ties)
            .map_err(|e| format!("{e}, or one of the named studies 920orgs and 9200orgs")),
    }
}

/// Parses a study of the end-to-end table.
pub fn parse_study(s: &str) -> Result<E2eStudy, String> {
    match s.trim() {
        "shipped" => Ok(E2eStudy::Shipped),
        "920" => Ok(E2eStudy::Synthetic(STUDY_920)),
        "9200" => Ok(E2eStudy::Synthetic(STUDY_9200)),
        "small-groups" => Ok(E2eStudy::SmallGroups),
        "1M" | "1m" => Ok(DEFAULT_STUDIES[4]),
        _ => Err(format!(
            "{s:?} is not a study of the end-to-end table; expected shipped, small-groups, 920, 9200 or 1M"
        )),
    }
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

/// The label of a scaling size: `1k`, or `920orgs` for a named one.
pub fn scale_label(size: ScaleSize) -> String {
    if size.named {
        format!("{}orgs", size.orgs)
    } else {
        size_label(size.ties)
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

/// Whether this binary's workspace crates were built by the dev profile (the one
/// `cargo xtask` runs; debug assertions on).
pub fn is_debug_build() -> bool {
    cfg!(debug_assertions)
}

/// `dev` (the build users run) or `release`.
fn profile_name() -> &'static str {
    if is_debug_build() { "dev" } else { "release" }
}

/// A build of the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// The dev profile `cargo xtask` runs.
    User,
    /// `--release`.
    Release,
}

impl Build {
    fn label(self) -> &'static str {
        match self {
            Build::User => "build users run (`cargo xtask`, dev profile)",
            Build::Release => "release",
        }
    }

    fn cargo_flags(self) -> &'static [&'static str] {
        match self {
            Build::User => &[],
            Build::Release => &["--release"],
        }
    }
}

/// Compiles `xtask` in `build` (a no-op when up to date) and returns its binary.
fn build_binary(layout: &Layout, build: Build) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!(
        "bench: cargo build {} -p xtask ...",
        build.cargo_flags().join(" ")
    );
    let output = Command::new(&cargo)
        .current_dir(&layout.root)
        .args(["build", "--quiet", "--package", "xtask", "--bin", "xtask"])
        .args(build.cargo_flags())
        .args(["--message-format", "json-render-diagnostics"])
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", Path::new(&cargo).display()))?;
    if !output.status.success() {
        bail!("cargo build of xtask failed ({})", output.status);
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get("executable")?.as_str().map(PathBuf::from))
        .next_back()
        .context("cargo build did not name the xtask binary")
}

/// What `bench --child` measures with its own binary: one JSON line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChildReport {
    /// `dev` or `release`.
    pub build: String,
    /// Threads the statistics may use.
    pub threads: usize,
    /// The stage table of the shipped study, unless `--no-stages`.
    pub stages: Option<StageTable>,
    /// Median seconds of the exact betweenness of [`BETWEENNESS_GRAPH`].
    pub betweenness_s: f64,
}

/// `cargo xtask bench`.
pub fn bench(layout: &Layout, args: &BenchArgs) -> Result<ExitCode> {
    let reps = args.reps();
    if args.child {
        let report = ChildReport {
            build: profile_name().to_owned(),
            threads: crate::settings::threads(),
            stages: (!args.no_stages)
                .then(|| stage_table(layout, reps))
                .transpose()?,
            betweenness_s: betweenness_seconds(reps),
        };
        println!("{}", serde_json::to_string(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    let builds = args.builds();
    let mut exes = Vec::new();
    for &b in &builds {
        exes.push((b, build_binary(layout, b)?));
    }
    println!("# cargo xtask bench");
    println!();
    println!(
        "builds: {}; {} CPUs available, {reps} repetition(s), medians shown",
        builds
            .iter()
            .map(|b| b.label())
            .collect::<Vec<_>>()
            .join(" and "),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    println!("load average at start: {}", load_average());
    println!();
    if !args.no_end_to_end {
        print!("{}", end_to_end(layout, &exes, &args.studies(), reps)?);
    }
    let mut children = Vec::new();
    for (b, exe) in &exes {
        let mut cmd = Command::new(exe);
        cmd.args(["bench", "--child", &format!("--reps={reps}")]);
        if args.no_stages {
            cmd.arg("--no-stages");
        }
        eprintln!("bench: {} ...", b.label());
        children.push((*b, run_json::<ChildReport>(cmd, "bench --child")?));
    }
    for (b, child) in &children {
        if let Some(stages) = &child.stages {
            println!(
                "## Stages of the shipped study (data/), milliseconds: {}",
                b.label()
            );
            println!();
            print!("{}", stages.render());
            println!();
        }
    }
    println!(
        "## Exact betweenness, seeded random graph of {} nodes and {} edges",
        BETWEENNESS_GRAPH.0, BETWEENNESS_GRAPH.1
    );
    println!();
    println!("| build | threads | seconds |\n|---|---:|---:|");
    for (b, child) in &children {
        println!(
            "| {} | {} | {} |",
            b.label(),
            child.threads,
            secs(child.betweenness_s)
        );
    }
    println!();
    if !args.no_scaling {
        let mut rows = Vec::new();
        for (_, exe) in &exes {
            for &size in &args.sizes() {
                eprintln!("bench: {} ...", scale_label(size));
                rows.push(run_child(exe, size, reps)?);
            }
        }
        println!("## Scaling: synthetic studies (one process per size)");
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

/// Runs `cmd` and parses the last line of its output that starts with `{`.
fn run_json<T: serde::de::DeserializeOwned>(mut cmd: Command, what: &str) -> Result<T> {
    let output = cmd
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {what}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("{what} failed ({}):\n{stdout}", output.status);
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .with_context(|| format!("{what} printed no JSON line:\n{stdout}"))?;
    serde_json::from_str(line).with_context(|| format!("{what} printed an unreadable line: {line}"))
}

/// Median seconds of the exact betweenness of the seeded random graph
/// [`BETWEENNESS_GRAPH`] on [`crate::settings::threads`] threads.
fn betweenness_seconds(reps: usize) -> f64 {
    use pipeline::stats::{centrality, graph::Graph, rng};
    let (n, m) = BETWEENNESS_GRAPH;
    let mut r = rng::generator(rng::derive_seed(1, "bench-betweenness", "", ""), 0);
    let edges: Vec<(u32, u32)> = (0..m)
        .map(|_| (rng::below(&mut r, n), rng::below(&mut r, n)))
        .collect();
    let Ok(g) = Graph::from_edges(n as usize, &edges) else {
        return f64::NAN;
    };
    eprintln!(
        "bench: exact betweenness of {} nodes and {} edges ...",
        g.node_count(),
        g.edge_count()
    );
    let times = (0..reps).map(|_| {
        let start = Instant::now();
        std::hint::black_box(centrality::exact(&g, crate::settings::threads()));
        start.elapsed()
    });
    median(times).as_secs_f64()
}

/// The end-to-end table: each study built cold by `cargo run [--release] -p xtask --
/// report` into a fresh folder, timed from outside, for each build.
// Long because generating the studies, timing each build and the Python baseline, and
// printing the table with its notes share the per-study rows; each part is a block.
fn end_to_end(
    layout: &Layout,
    exes: &[(Build, PathBuf)],
    studies: &[E2eStudy],
    reps: usize,
) -> Result<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let scratch = Scratch::new(layout, "e2e")?;
    let writer = &exes.first().context("no build to measure")?.1;
    let python = PythonBaseline::find(layout);
    let mut s = format!(
        "## End to end: `cargo run -p xtask -- report` (= `cargo xtask report`), cold, into a fresh folder, seconds\n\n\
         | study | organisations | tie reports | {} | Python baseline (`bench/python`) | Python ÷ build users run |\n|---|---:|---:|{}---:|---:|\n",
        exes.iter()
            .map(|(b, _)| b.label())
            .collect::<Vec<_>>()
            .join(" | "),
        "---:|".repeat(exes.len())
    );
    let mut notes = Vec::new();
    match &python {
        Ok(p) => {
            // One untimed run first, so that Python's first import after an install
            // (compiling every module to bytecode) is not counted.
            eprintln!("bench: Python baseline, warm-up run ...");
            let out = scratch.path.join("python-warm-up");
            p.run(&layout.data(), &out)?;
            let _ = fs::remove_dir_all(&out);
        }
        Err(why) => notes.push(format!("- Python baseline not run: {why}.")),
    }
    for (i, study) in studies.iter().enumerate() {
        let (data, orgs, ties) = match *study {
            E2eStudy::Shipped => (layout.data(), "92".to_owned(), "shipped".to_owned()),
            E2eStudy::SmallGroups => {
                let dir = scratch.path.join(format!("study-{i}"));
                small_groups_copy(&layout.data(), &dir)?;
                (dir, "92".to_owned(), "shipped".to_owned())
            }
            E2eStudy::Synthetic(size) => {
                let dir = scratch.path.join(format!("study-{i}"));
                eprintln!("bench: synth --orgs {} --ties {} ...", size.orgs, size.ties);
                let status = Command::new(writer)
                    .args(["synth", "--orgs", &size.orgs.to_string()])
                    .args(["--ties", &size.ties.to_string(), "--out"])
                    .arg(&dir)
                    .stdout(Stdio::null())
                    .status()
                    .context("running xtask synth")?;
                if !status.success() {
                    bail!(
                        "xtask synth --orgs {} --ties {} failed",
                        size.orgs,
                        size.ties
                    );
                }
                (dir, size.orgs.to_string(), size.ties.to_string())
            }
        };
        let mut cells = Vec::new();
        let mut ours = None;
        for (b, _) in exes {
            let mut times = Vec::new();
            for r in 0..reps {
                let out = scratch.path.join(format!("out-{i}-{r}"));
                eprintln!("bench: {} report of {} ...", b.label(), data.display());
                let start = Instant::now();
                let status = Command::new(&cargo)
                    .current_dir(&layout.root)
                    .args(["run", "--quiet", "--package", "xtask"])
                    .args(b.cargo_flags())
                    .args(["--", "report", "--data"])
                    .arg(&data)
                    .arg("--out")
                    .arg(&out)
                    .stdout(Stdio::null())
                    .status()
                    .context("running cargo run -p xtask -- report")?;
                times.push(start.elapsed());
                if !status.success() {
                    bail!("report of {} failed ({status})", data.display());
                }
                let _ = fs::remove_dir_all(&out);
            }
            let m = median(times.into_iter()).as_secs_f64();
            ours.get_or_insert(m);
            cells.push(secs(m));
        }
        let small = match *study {
            E2eStudy::Shipped => true,
            E2eStudy::SmallGroups => false,
            E2eStudy::Synthetic(size) => size.orgs <= PYTHON_MAX_ORGS,
        };
        match (&python, small) {
            (Ok(_), false) if *study == E2eStudy::SmallGroups => {
                cells.push("not run (it has no disclosure control)".to_owned());
                cells.push("–".to_owned());
            }
            (Ok(p), true) => {
                let mut times = Vec::new();
                for r in 0..reps {
                    let out = scratch.path.join(format!("python-{i}-{r}"));
                    eprintln!("bench: Python baseline of {} ...", data.display());
                    times.push(p.run(&data, &out)?);
                    let _ = fs::remove_dir_all(&out);
                }
                let py = median(times.into_iter()).as_secs_f64();
                cells.push(secs(py));
                cells.push(ours.map_or("–".to_owned(), |o| format!("{:.1}×", py / o)));
            }
            (Ok(_), false) => {
                cells.push(format!("not run (over {PYTHON_MAX_ORGS} organisations)"));
                cells.push("–".to_owned());
            }
            (Err(_), _) => cells.extend(["not run".to_owned(), "–".to_owned()]),
        }
        s.push_str(&format!(
            "| {} | {orgs} | {ties} | {} |\n",
            match study {
                E2eStudy::Shipped => "shipped (data/)".to_owned(),
                E2eStudy::SmallGroups =>
                    format!("shipped, groups under {SMALL_GROUPS_THRESHOLD} hidden"),
                E2eStudy::Synthetic(size) => format!("synthetic, {}", scale_label(*size)),
            },
            cells.join(" | ")
        ));
    }
    s.push('\n');
    for n in notes {
        s.push_str(&n);
        s.push('\n');
    }
    if python.is_ok() {
        s.push_str(&format!(
            "- Python baseline: `python3 bench/python/pipeline.py --data D --out O` (pandas, networkx, \
             matplotlib, jinja2, the `typst` binding; simplified templates), cold into a fresh folder, \
             timed from outside, after one untimed warm-up run; studies over {PYTHON_MAX_ORGS} \
             organisations are not run (minutes to hours).\n"
        ));
    }
    s.push('\n');
    Ok(s)
}

/// Copies the study in `data` into `dir` with its `suppression_threshold` raised to
/// [`SMALL_GROUPS_THRESHOLD`].
fn small_groups_copy(data: &Path, dir: &Path) -> Result<()> {
    fs::create_dir_all(dir.join("raw")).with_context(|| format!("creating {}", dir.display()))?;
    for f in ["raw/organisations.csv", "raw/ties.csv", "raw/excerpts.csv"] {
        fs::copy(data.join(f), dir.join(f)).with_context(|| format!("copying {f}"))?;
    }
    let config = fs::read_to_string(data.join("study.toml")).context("reading study.toml")?;
    let mut found = false;
    let raised: Vec<String> = config
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("suppression_threshold") {
                found = true;
                format!("suppression_threshold = {SMALL_GROUPS_THRESHOLD}")
            } else {
                l.to_owned()
            }
        })
        .collect();
    if !found {
        bail!("study.toml has no suppression_threshold line to raise");
    }
    fs::write(dir.join("study.toml"), raised.join("\n") + "\n").context("writing study.toml")
}

/// Largest study (organisations) the Python baseline is run on: its exact betweenness
/// in pure Python takes minutes at 9,200 organisations.
const PYTHON_MAX_ORGS: usize = 1_000;

/// The straightforward Python pipeline of `bench/python/`, run beside ours when
/// `python3` (or `$BTG_PYTHON`) and its packages are present.
struct PythonBaseline {
    python: std::ffi::OsString,
    script: PathBuf,
}

impl PythonBaseline {
    /// The baseline, or why it cannot run here.
    fn find(layout: &Layout) -> std::result::Result<PythonBaseline, String> {
        let python = std::env::var_os("BTG_PYTHON").unwrap_or_else(|| "python3".into());
        let script = layout.root.join("bench").join("python").join("pipeline.py");
        if !script.is_file() {
            return Err(format!("{} is missing", script.display()));
        }
        let probe = Command::new(&python)
            .args(["-c", "import pandas, networkx, matplotlib, jinja2, typst"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match probe {
            Ok(s) if s.success() => Ok(PythonBaseline { python, script }),
            Ok(_) => Err(format!(
                "{} lacks one of pandas, networkx, matplotlib, jinja2, typst \
                 (`python3 -m pip install -r bench/python/requirements.txt`)",
                Path::new(&python).display()
            )),
            Err(e) => Err(format!(
                "{} does not run ({e})",
                Path::new(&python).display()
            )),
        }
    }

    /// Runs the baseline on `data` into `out`; its wall time.
    fn run(&self, data: &Path, out: &Path) -> Result<Duration> {
        let start = Instant::now();
        let status = Command::new(&self.python)
            .arg(&self.script)
            .arg("--data")
            .arg(data)
            .arg("--out")
            .arg(out)
            .stdout(Stdio::null())
            .status()
            .context("running the Python baseline")?;
        let elapsed = start.elapsed();
        if !status.success() {
            bail!(
                "the Python baseline failed on {} ({status})",
                data.display()
            );
        }
        Ok(elapsed)
    }
}

// ---------------------------------------------------------------------------------
// Table 1: the stages of the shipped study.

/// Median stage timings of cold and no-op runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageTable {
    /// Stage names, in the order `build` reports them.
    pub stages: Vec<String>,
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
    let stages: Vec<String> = cold
        .first()
        .map(|r| r.laps.iter().map(|(s, _)| (*s).to_owned()).collect())
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
    /// Whether the size is a named study (printed as `920orgs`).
    #[serde(default)]
    pub named: bool,
    /// Tie reports generated (over all waves).
    pub reports: usize,
    /// Organisations.
    pub orgs: usize,
    /// `dev` (the build users run) or `release`.
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

/// Runs `bench-one` for one size in a child process (the binary `exe`) and parses its
/// line.
fn run_child(exe: &Path, size: ScaleSize, reps: usize) -> Result<ScaleRow> {
    let mut cmd = Command::new(exe);
    cmd.args([
        "bench-one",
        &format!("--ties={}", size.ties),
        &format!("--orgs={}", size.orgs),
        &format!("--reps={reps}"),
    ]);
    let mut row: ScaleRow = run_json(cmd, &format!("bench-one --ties {}", size.ties))?;
    row.named = size.named;
    Ok(row)
}

/// `cargo xtask bench-one`: measures one size in this process and prints one JSON line.
pub fn bench_one(layout: &Layout, args: &BenchOneArgs) -> Result<ExitCode> {
    let orgs = args.orgs.unwrap_or(args.ties / TIES_PER_ORG);
    let row = measure(
        layout,
        ScaleSize {
            ties: args.ties,
            orgs,
            named: false,
        },
        args.reps,
    )?;
    println!(
        "{}",
        serde_json::to_string(&row).context("serialising the measurement")?
    );
    Ok(ExitCode::SUCCESS)
}

/// Generates, loads, computes and draws a study of `size` `reps` times in this
/// process; medians of each phase and the high-water marks.
pub fn measure(layout: &Layout, size: ScaleSize, reps: usize) -> Result<ScaleRow> {
    let ties = size.ties;
    let crate::synth::SynthInputs {
        params,
        config,
        config_bytes,
    } = crate::synth::read_inputs(
        &layout.data().join(synth::PARAMS_FILE),
        &layout.data().join(STUDY_FILE),
    )?;
    let named = size.named;
    let size = Size {
        orgs: Some(size.orgs),
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
        let computed = stats_p.run(&mut process_peak, || {
            let network = pipeline::stage::network(&loaded.study, crate::settings::threads())?;
            pipeline::stage::statistics(&loaded.study, network, crate::settings::threads())
                .with_context(|| format!("statistics of {ties} tie reports"))
        })?;
        let figures = fig.run(&mut process_peak, || {
            pipeline::figures::render_all(
                &loaded.study,
                &computed.stats,
                pipeline::publication::Public(&computed.public),
            )
            .with_context(|| format!("figures of {ties} tie reports"))
        })?;
        drop(figures);
    }
    process_peak = process_peak.max(peak_kib());
    Ok(ScaleRow {
        ties,
        named,
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
    let label = if r.named {
        format!("{}orgs", r.orgs)
    } else {
        size_label(r.ties)
    };
    format!(
        "| {} | {label} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
        r.build,
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
        "| build | size | tie reports | orgs | generate | load + validate | statistics | figures | peak RSS in statistics | peak RSS (process) |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
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
        for size in DEFAULT_SIZES {
            assert_eq!(parse_scale_size(&scale_label(size)), Ok(size));
        }
        assert_eq!(size_label(1_500), "1500");
        assert_eq!(
            parse_scale_size("920orgs"),
            Ok(ScaleSize {
                ties: 4_650,
                orgs: 920,
                named: true
            })
        );
        assert_eq!(parse_scale_size("10k").map(|s| s.orgs), Ok(1_000));
        assert!(parse_scale_size("920org").is_err());
        assert_eq!(parse_study("9200"), Ok(E2eStudy::Synthetic(STUDY_9200)));
        assert!(matches!(parse_study("1M"), Ok(E2eStudy::Synthetic(s)) if s.orgs == 100_000));
        assert_eq!(parse_study("small-groups"), Ok(E2eStudy::SmallGroups));
        assert!(parse_study("92").is_err());
    }

    #[test]
    fn quick_is_small() {
        let quick = BenchArgs {
            quick: true,
            ..BenchArgs::default()
        };
        assert_eq!((quick.sizes(), quick.reps()), (QUICK_SIZES.to_vec(), 1));
        assert_eq!(quick.studies(), QUICK_STUDIES.to_vec());
        assert_eq!(BenchArgs::default().sizes(), DEFAULT_SIZES.to_vec());
        assert_eq!(BenchArgs::default().builds(), [Build::User, Build::Release]);
        let user_only = BenchArgs {
            no_release: true,
            ..BenchArgs::default()
        };
        assert_eq!(user_only.builds(), [Build::User]);
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
        assert!(lines[2].starts_with(&format!("| {} | 1k | ", profile_name())));
        if cfg!(target_os = "linux") {
            assert!(!lines[2].contains("n/a"), "{}", lines[2]);
        }
    }
}
