//! `cargo xtask stats`: validates a study and writes only its `stats.json`, through
//! the same pure stage functions as the full build.

use std::path::PathBuf;

use anyhow::Result;
use pipeline::stage;

use crate::build::{self, BuildLock, StudyArgs, Target};
use crate::layout::Layout;
use crate::outdir::{OutDir, OutPath};
use crate::settings;

/// Validates the study of `args` and writes its `stats.json`; returns its path.
pub fn stats_only(layout: &Layout, args: &StudyArgs) -> Result<PathBuf> {
    let target = Target::of(layout, args);
    let (_, study) = build::load(&target, layout)?;
    let threads = settings::threads();
    let computed = stage::statistics(&study, stage::network(&study, threads)?, threads)?;
    let out = OutDir::create(&target.out)?;
    let _guard = BuildLock::acquire(&out)?;
    out.remove_leftovers()?;
    let path = OutPath::stats_json();
    out.write(&path, pipeline::stats_json(&computed.stats)?.as_bytes())?;
    out.write(
        &OutPath::public_stats(),
        pipeline::json_text(&computed.public)?.as_bytes(),
    )?;
    let written = out.path(&path);
    println!("wrote {}", written.display());
    Ok(written)
}
