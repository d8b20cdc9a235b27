//! Determinism and fault tolerance: environments, killed runs, concurrent runs.

use std::fs;
use std::path::Path;
use std::time::Duration;

use pipeline::lock::Lock;

use crate::support;

fn lock_in(out: &Path) -> Lock {
    Lock::parse(&fs::read_to_string(out.join("report.lock")).expect("lock written"))
        .expect("parses")
}

#[test]
fn outputs_do_not_depend_on_time_zone_locale_directory_or_threads() {
    let a = tempfile::tempdir().expect("temp dir");
    let b = tempfile::tempdir().expect("temp dir");
    let run = |out: &Path, cwd: &Path, tz: &str, lang: &str, threads: &str| {
        let status = support::xtask_command()
            .current_dir(cwd)
            .env("TZ", tz)
            .env("LANG", lang)
            .env("LC_ALL", lang)
            .env(xtask::THREADS_VAR, threads)
            .env("SOURCE_DATE_EPOCH", "0")
            .env("TYPST_FONT_PATHS", "/usr/share/fonts")
            .arg("report")
            .arg("--out")
            .arg(out)
            .status()
            .expect("runs");
        assert!(status.success());
    };
    run(a.path(), a.path(), "UTC", "C", "1");
    run(
        b.path(),
        Path::new("/"),
        "Pacific/Kiritimati",
        "de_DE.UTF-8",
        "2",
    );
    assert_eq!(
        lock_in(a.path()),
        lock_in(b.path()),
        "the same inputs gave different bytes"
    );
}

#[test]
fn a_killed_run_leaves_previous_outputs_intact_and_a_rerun_matches() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clean = support::build(None, dir.path()).lock;
    let snapshot = |out: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        for (name, _) in clean.derived.iter().chain(clean.outputs.iter()) {
            files.push((
                name.clone(),
                fs::read(out.join(name)).expect("output present"),
            ));
        }
        files
    };
    let before = snapshot(dir.path());
    for delay_ms in [5u64, 40, 120, 300] {
        let mut child = support::xtask_command()
            .arg("report")
            .arg("--out")
            .arg(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawns");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        // Same inputs: every output is either untouched or replaced by identical bytes.
        assert_eq!(
            snapshot(dir.path()),
            before,
            "a run killed after {delay_ms} ms damaged an output"
        );
    }
    let rerun = support::build(None, dir.path()).lock;
    assert_eq!(rerun, clean);
    // Whatever the killed runs left half-written is gone after the rerun.
    for sub in ["", "figures", ".cache"] {
        for entry in fs::read_dir(dir.path().join(sub)).expect("listable") {
            let name = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            assert!(
                !xtask::fsio::is_temporary(&name),
                "{sub}/{name} was left by a killed run"
            );
        }
    }
}

#[test]
fn ten_runs_at_once_on_one_folder_give_a_fresh_build() {
    let dir = tempfile::tempdir().expect("temp dir");
    let reference = tempfile::tempdir().expect("temp dir");
    let expected = support::build(None, reference.path()).lock;
    let runs: Vec<_> = (0..10)
        .map(|_| {
            support::xtask_command()
                .arg("report")
                .arg("--out")
                .arg(dir.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("spawns")
        })
        .collect();
    for mut child in runs {
        assert!(child.wait().expect("waits").success());
    }
    assert_eq!(lock_in(dir.path()), expected);
    // In-process runs share a process id: they must not share temporary names either.
    let locks: Vec<Lock> = std::thread::scope(|s| {
        let h1 = s.spawn(|| support::build(None, dir.path()).lock);
        let h2 = s.spawn(|| support::build(None, dir.path()).lock);
        vec![
            h1.join().expect("first run"),
            h2.join().expect("second run"),
        ]
    });
    assert_eq!(locks[0], expected);
    assert_eq!(locks[1], expected);
}
