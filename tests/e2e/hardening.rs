//! Hardening at the edge: the repository found at run time, symlinked inputs, failed
//! studies in a batch, `verify` when the rebuild cannot run, and leftovers of killed
//! runs.

use std::fs;
use std::path::Path;

use xtask::build::StudyArgs;
use xtask::stages::Freshness;

use crate::support;

/// A copy of the shipped study in a fresh folder.
fn study_copy() -> tempfile::TempDir {
    let data = support::layout().data();
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir_all(dir.path().join("raw")).expect("mkdir");
    for f in [
        "study.toml",
        "raw/organisations.csv",
        "raw/ties.csv",
        "raw/excerpts.csv",
    ] {
        fs::copy(data.join(f), dir.path().join(f)).expect("copy");
    }
    dir
}

/// Removes the last tie report of a `ties.csv`.
fn drop_last_tie(ties: &Path) {
    let text = fs::read_to_string(ties).expect("ties");
    let last = text.trim_end().lines().last().expect("a tie").to_owned();
    fs::write(ties, text.replace(&format!("{last}\n"), "")).expect("write ties");
}

#[test]
fn a_binary_built_in_one_clone_builds_the_clone_it_runs_in() {
    // Clone B: a copy of the repository; the binary under test was built from this
    // checkout (clone A), as with a shared CARGO_TARGET_DIR.
    let b = support::scratch_repo();
    let run = support::xtask_command()
        .arg("report")
        .current_dir(b.path())
        .env("CARGO_MANIFEST_DIR", b.path().join("xtask"))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let brief = b.path().join("target/report/brief.pdf");
    assert!(
        stdout.contains(&format!("wrote {}", brief.display())),
        "{stdout}"
    );
    assert!(brief.is_file());
    // Without CARGO_MANIFEST_DIR the repository is found from the current directory.
    let status = support::xtask_command()
        .arg("status")
        .current_dir(b.path().join("data/raw"))
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("up to date")).count(),
        7,
        "clone B's own build is up to date:\n{text}"
    );
    // Outside any checkout: a clear error.
    let nowhere = tempfile::tempdir().expect("temp dir");
    let lost = support::xtask_command()
        .arg("status")
        .current_dir(nowhere.path())
        .env_remove("CARGO_MANIFEST_DIR")
        .output()
        .expect("runs");
    assert_eq!(lost.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&lost.stderr).contains("cannot find the repository"),
        "{}",
        String::from_utf8_lossy(&lost.stderr)
    );
}

#[test]
fn a_symlinked_input_is_loaded_hashed_and_tracked_through_the_link() {
    let study = study_copy();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let real = elsewhere.path().join("ties.csv");
    fs::rename(study.path().join("raw/ties.csv"), &real).expect("move");
    std::os::unix::fs::symlink(&real, study.path().join("raw/ties.csv")).expect("link");
    let out = tempfile::tempdir().expect("temp dir");
    let outcome = support::build(Some(study.path().to_path_buf()), out.path());
    let manifest = fs::read_to_string(out.path().join("inputs.sha256")).expect("manifest");
    let digest = pipeline::manifest::sha256_hex(&fs::read(&real).expect("ties"));
    assert!(
        manifest.contains(&format!("{digest}  data/raw/ties.csv")),
        "{manifest}"
    );
    let args = StudyArgs {
        data: Some(study.path().to_path_buf()),
        out: Some(out.path().to_path_buf()),
    };
    let status = || xtask::status::status(&support::layout(), &args).expect("status");
    assert!(status().iter().all(|(_, f)| !f.is_stale()));
    // Editing the file the link points to makes the network statistics stale.
    drop_last_tie(&real);
    assert_eq!(
        status()[0].1,
        Freshness::Stale("data/raw/ties.csv changed".into())
    );
    let again = support::build(Some(study.path().to_path_buf()), out.path());
    assert_ne!(
        again.lock.inputs.get("data"),
        outcome.lock.inputs.get("data")
    );
}

#[test]
fn every_failed_study_of_a_batch_is_named_and_fails_the_run() {
    let bad = study_copy();
    let mut ties = fs::read_to_string(bad.path().join("raw/ties.csv")).expect("ties");
    ties.push_str("later,ORG-001,ORG-002\n");
    fs::write(bad.path().join("raw/ties.csv"), ties).expect("write");
    let out = tempfile::tempdir().expect("temp dir");
    let run = support::xtask_command()
        .arg("report")
        .arg("--data")
        .arg(support::layout().data())
        .arg("--data")
        .arg(bad.path())
        .arg("--out")
        .arg(out.path())
        .env("CI", "true")
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    let name = bad.path().display().to_string();
    assert!(
        stderr.contains(&format!("{name}: error: the study has")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("error: 1 of 2 studies failed: {name}")),
        "{stderr}"
    );
    assert!(out.path().join("data/brief.pdf").is_file());
}

#[test]
fn verify_says_mismatch_with_exit_one_even_when_the_rebuild_fails() {
    let repo = support::scratch_repo();
    let ties = repo.path().join("data/raw/ties.csv");
    let mut bytes = fs::read(&ties).expect("ties");
    bytes.extend_from_slice(b"x\n");
    fs::write(&ties, bytes).expect("write");
    let run = support::xtask_command()
        .arg("verify")
        .current_dir(repo.path())
        .env("CARGO_MANIFEST_DIR", repo.path().join("xtask"))
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("differs    input    data/raw/ties.csv"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "MISMATCH: the files above differ from report.lock, and the rebuild from them failed"
        ),
        "{stdout}"
    );
    assert!(
        stderr.contains("error: the rebuild could not run either:")
            && stderr.contains("raw/ties.csv:"),
        "{stderr}"
    );
}

#[test]
fn a_run_removes_what_killed_runs_left_behind() {
    let out = tempfile::tempdir().expect("temp dir");
    support::build(None, out.path());
    let leftovers = [
        ".brief.tmp4242.pdf",
        ".deck.pdf.q1W2e3.tmp",
        "figures/.codes.svg.a1B2c3.tmp",
        ".cache/.network.json.z9Y8x7.tmp",
    ];
    for f in leftovers {
        fs::write(out.path().join(f), b"half a file").expect("write");
    }
    support::build(None, out.path());
    for f in leftovers {
        assert!(!out.path().join(f).exists(), "{f} was left");
    }
    assert!(out.path().join("brief.pdf").is_file());
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("listable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("inside");
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn an_id_that_tries_to_leave_the_output_folder_writes_nothing_outside_it() {
    let study = study_copy();
    // The wave id becomes a figure's file name (`figures/network-<wave>.svg`).
    for f in ["study.toml", "raw/ties.csv"] {
        let path = study.path().join(f);
        let text = fs::read_to_string(&path).expect("readable");
        let text = if f == "study.toml" {
            text.replace("id = \"before\"", "id = \"../../../escaped\"")
        } else {
            text.replace("\nbefore,", "\n../../../escaped,")
        };
        fs::write(&path, text).expect("write");
    }
    let root = tempfile::tempdir().expect("temp dir");
    let out = root.path().join("a/b/out");
    let run = support::xtask_command()
        .arg("report")
        .arg("--data")
        .arg(study.path())
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(
        run.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    // The first wall: the id is refused when the study loads, at its line and column.
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("study.toml:")
            && stderr.contains("wave id \"../../../escaped\" is not an identifier"),
        "{stderr}"
    );
    // Nothing was written anywhere: not outside --out, and not even --out itself.
    let outside: Vec<String> = files_under(root.path())
        .into_iter()
        .filter(|f| !f.starts_with("a/b/out/"))
        .collect();
    assert_eq!(outside, Vec::<String>::new(), "written outside --out");
    if out.exists() {
        assert!(
            files_under(&out)
                .iter()
                .all(|f| !f.contains("escaped") && !f.ends_with(".pdf")),
            "{:?}",
            files_under(&out)
        );
    }
}
