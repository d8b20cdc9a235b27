//! `cargo xtask report`: builds one study (see [`crate::build`]) or several in
//! parallel, and prints where the PDFs are and what each stage took.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;

use crate::build::{self, Outcome, StudyArgs, Target};
use crate::fsio;
use crate::layout::Layout;
use crate::progress;
use crate::settings;

/// Flags of `report`.
#[derive(Debug, Args, Clone, Default)]
pub struct ReportArgs {
    /// A study folder (holding study.toml and raw/); repeat the flag to build several
    /// studies in parallel, each into `<out>/<folder name>/`. Default: data/.
    #[arg(long, value_name = "DIR")]
    pub data: Vec<PathBuf>,
    /// The output folder; default: target/report.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Builds one study and prints where the PDFs are and what each stage took.
pub fn report(layout: &Layout, args: &StudyArgs) -> Result<Outcome> {
    let outcome = build::build(layout, &Target::of(layout, args))?;
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
/// progress bar on a terminal and one plain line per study otherwise. Every study
/// that fails (or whose build crashes) is named, and the run then fails.
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
    let mut targets: Vec<Target> = Vec::new();
    for data in &args.data {
        let name = fsio::file_name(
            &fs::canonicalize(data)
                .with_context(|| format!("no study folder {}", data.display()))?,
        );
        if targets.iter().any(|t| t.out == parent.join(&name)) {
            bail!(
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
    let workers = settings::machine_threads().min(targets.len());
    let results = run_batch(&targets, workers, |t| {
        let r = build::build(layout, t);
        bar.finish_one(&format!(
            "{} {}",
            if r.is_ok() { "built" } else { "FAILED" },
            t.data.display()
        ));
        r
    });
    bar.clear();
    let mut failed = Vec::new();
    for (t, r) in targets.iter().zip(results) {
        match r {
            Ok(o) => println!("{}: {}", t.data.display(), o.out.display()),
            Err(e) => {
                eprintln!("{}: error: {e:#}", t.data.display());
                failed.push(t.data.display().to_string());
            }
        }
    }
    if !failed.is_empty() {
        bail!(
            "{} of {} studies failed: {}",
            failed.len(),
            targets.len(),
            failed.join(", ")
        );
    }
    Ok(())
}

/// Runs `job` on every item on up to `workers` threads and returns each item's result
/// in item order. A job that panics becomes an error naming the panic, and an item
/// whose result never arrived (its worker thread died) is an error too, so no failure
/// is dropped.
pub fn run_batch<I: Sync, T: Send>(
    items: &[I],
    workers: usize,
    job: impl Fn(&I) -> Result<T> + Sync,
) -> Vec<Result<T>> {
    let slots: Vec<Mutex<Option<Result<T>>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let crashed = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers.max(1))
            .map(|_| {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(item) = items.get(i) else { break };
                        let r =
                            catch_unwind(AssertUnwindSafe(|| job(item))).unwrap_or_else(|panic| {
                                Err(anyhow!("crashed: {}", panic_text(&*panic)))
                            });
                        *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join())
            .filter(Result::is_err)
            .count()
    });
    slots
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .unwrap_or_else(|| {
                    Err(anyhow!(
                        "did not finish: {crashed} worker thread(s) crashed before building it"
                    ))
                })
        })
        .collect()
}

/// The message of a panic payload.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_and_crash_of_a_batch_is_reported() {
        let items = [1, 2, 3, 4, 5];
        let results = run_batch(&items, 2, |&i| match i {
            2 => bail!("study {i} is invalid"),
            4 => panic!("study {i} hit a bug"),
            _ => Ok(i * 10),
        });
        let shown: Vec<String> = results
            .iter()
            .map(|r| match r {
                Ok(v) => v.to_string(),
                Err(e) => e.to_string(),
            })
            .collect();
        assert_eq!(
            shown,
            [
                "10",
                "study 2 is invalid",
                "30",
                "crashed: study 4 hit a bug",
                "50"
            ]
        );
    }
}
