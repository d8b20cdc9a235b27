//! `cargo xtask status`: each stage of a build, up to date or stale and why, without
//! running anything.

use anyhow::Result;

use crate::build::{StudyArgs, Target};
use crate::fsio::Inputs;
use crate::layout::Layout;
use crate::outdir::OutDir;
use crate::plan::Plan;
use crate::stages::{Freshness, Record, Stage};

/// Every stage of a build of `args` with its freshness, in build order. A stage
/// downstream of a stale one waits for it.
pub fn status(layout: &Layout, args: &StudyArgs) -> Result<Vec<(String, Freshness)>> {
    let target = Target::of(layout, args);
    let out = OutDir::new(&target.out);
    let inputs = Inputs::read(&target.data, &layout.report())?;
    // The documents' timestamp, when the configuration parses (a broken study is
    // reported by `report`; here it only makes the PDFs stale).
    let timestamp = inputs
        .study()
        .ok()
        .and_then(|files| std::str::from_utf8(files.config).ok())
        .and_then(|text| pipeline::study::StudyConfig::parse(text).ok())
        .map_or(0, |c| c.created_epoch());
    let plan = Plan::new(layout, &inputs, timestamp)?;
    let record = Record::read(&out);
    let mut lines: Vec<(Stage, Freshness)> = Vec::new();
    for stage in Stage::all() {
        let waiting = stage
            .upstream()
            .into_iter()
            .find(|up| lines.iter().any(|(s, f)| s == up && f.is_stale()));
        let freshness = match waiting {
            Some(up) => Freshness::Stale(format!("waits for {}", up.name())),
            None => record.freshness(&out, stage, &plan.inputs_of(stage, &out)?),
        };
        lines.push((stage, freshness));
    }
    Ok(lines.into_iter().map(|(s, f)| (s.name(), f)).collect())
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
