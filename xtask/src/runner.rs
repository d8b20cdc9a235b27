//! The stage runner: the one place that decides "is this stage fresh? if not, run it,
//! write what it made atomically, and record its inputs and outputs", and that times
//! each step for the console and `bench`.

use std::time::{Duration, Instant};

use anyhow::Result;
use pipeline::manifest::sha256_hex;

use crate::outdir::{OutDir, OutPath};
use crate::stages::{Digests, Freshness, Record, Stage};

/// The files a stage made, by path in the output folder.
pub type Files = Vec<(OutPath, Vec<u8>)>;

/// Step timings: each lap ends one named step and starts the next.
#[derive(Debug, Clone)]
pub struct Laps {
    timings: Vec<(&'static str, Duration)>,
    clock: Instant,
}

impl Laps {
    /// Starts timing.
    pub fn start() -> Laps {
        Laps {
            timings: Vec::new(),
            clock: Instant::now(),
        }
    }

    /// Ends step `name`.
    pub fn lap(&mut self, name: &'static str) {
        self.timings.push((name, self.clock.elapsed()));
        self.clock = Instant::now();
    }
}

/// Runs stages into one output folder.
pub struct Runner<'a> {
    out: &'a OutDir,
    record: Record,
    laps: Laps,
}

impl<'a> Runner<'a> {
    /// A runner over `out`, continuing `laps`; `fresh` ignores the record (everything
    /// runs).
    pub fn new(out: &'a OutDir, fresh: bool, laps: Laps) -> Runner<'a> {
        Runner {
            out,
            record: if fresh {
                Record::default()
            } else {
                Record::read(out)
            },
            laps,
        }
    }

    /// The output folder.
    pub fn out(&self) -> &'a OutDir {
        self.out
    }

    /// Whether `stage` must run with these inputs, and why.
    pub fn freshness(&self, stage: Stage, inputs: &Digests) -> Freshness {
        self.record.freshness(self.out, stage, inputs)
    }

    /// Runs `stage` unless it is fresh for `inputs`. `work` computes a value and the
    /// files to write; the runner writes each atomically and records their digests.
    /// Returns the value when the stage ran, `None` when it was fresh.
    pub fn run<T>(
        &mut self,
        stage: Stage,
        inputs: Digests,
        work: impl FnOnce() -> Result<(T, Files)>,
    ) -> Result<Option<T>> {
        if !self.freshness(stage, &inputs).is_stale() {
            return Ok(None);
        }
        let (value, files) = work()?;
        let mut outputs = Digests::new();
        for (path, bytes) in &files {
            self.out.write(path, bytes)?;
            outputs.insert(path.to_string(), sha256_hex(bytes));
        }
        self.record.set(stage, inputs, outputs);
        Ok(Some(value))
    }

    /// Records that `stage` ran with `inputs` and that another program (Typst) wrote
    /// `outputs` into the folder.
    pub fn record_written(
        &mut self,
        stage: Stage,
        inputs: Digests,
        outputs: &[OutPath],
    ) -> Result<()> {
        let mut digests = Digests::new();
        for p in outputs {
            digests.insert(p.to_string(), sha256_hex(&self.out.read(p)?));
        }
        self.record.set(stage, inputs, digests);
        Ok(())
    }

    /// Ends the timing of step `name` (one line of the console's stage timings).
    pub fn lap(&mut self, name: &'static str) {
        self.laps.lap(name);
    }

    /// Writes the record; returns the timings.
    pub fn finish(self) -> Result<Vec<(&'static str, Duration)>> {
        self.record.write(self.out)?;
        Ok(self.laps.timings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stage_runs_once_until_an_input_or_output_changes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = OutDir::new(dir.path());
        let inputs = |v: &str| Digests::from([("in".to_owned(), v.to_owned())]);
        let mut runs = 0;
        let mut step = |runner: &mut Runner<'_>, v: &str| {
            runner
                .run(Stage::Statistics, inputs(v), || {
                    runs += 1;
                    Ok(((), vec![(OutPath::stats_json(), b"{}\n".to_vec())]))
                })
                .expect("runs")
                .is_some()
        };
        let mut runner = Runner::new(&out, false, Laps::start());
        assert!(step(&mut runner, "1"));
        assert!(!step(&mut runner, "1"), "fresh: not run again");
        runner.finish().expect("record written");
        // A new run reads the record.
        let mut runner = Runner::new(&out, false, Laps::start());
        assert!(!step(&mut runner, "1"));
        assert!(step(&mut runner, "2"), "an input changed");
        std::fs::write(dir.path().join("stats.json"), b"edited").expect("write");
        assert!(step(&mut runner, "2"), "an output was modified");
        assert!(
            Runner::new(&out, true, Laps::start())
                .freshness(Stage::Statistics, &inputs("2"))
                .is_stale()
        );
        assert_eq!(runs, 3);
        assert_eq!(
            std::fs::read(dir.path().join("stats.json")).expect("read"),
            b"{}\n"
        );
    }
}
