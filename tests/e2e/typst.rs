//! The pinned Typst: a wrong version is refused, never silently used.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use xtask::settings::{CACHE_VAR, TYPST_VAR};
use xtask::typst::{TYPST_VERSION, Typst};

/// Writes an executable shell script.
fn script(path: &Path, body: &str) {
    fs::write(path, format!("#!/bin/sh\n{body}")).expect("write");
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// Whether a folder holds nothing.
fn is_empty(dir: &Path) -> bool {
    fs::read_dir(dir).expect("listable").next().is_none()
}

#[test]
fn a_typst_on_the_path_is_used_and_nothing_is_installed() {
    let real = Typst::ensure().expect("the pinned typst for the wrapper");
    let bin = tempfile::tempdir().expect("temp dir");
    let cache = tempfile::tempdir().expect("temp dir");
    let out = tempfile::tempdir().expect("temp dir");
    let log = bin.path().join("calls.log");
    // A `typst` that logs each call and hands it to the real one.
    script(
        &bin.path().join("typst"),
        &format!(
            "echo \"$1\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.path().display()
        ),
    );
    let run = crate::support::xtask_command()
        .arg("report")
        .arg("--out")
        .arg(out.path())
        .env("PATH", format!("{}:/usr/bin:/bin", bin.path().display()))
        .env(CACHE_VAR, cache.path())
        .env_remove(TYPST_VAR)
        .env("CARGO", "/nonexistent/cargo")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(!stderr.contains("install"), "{stderr}");
    assert!(is_empty(cache.path()), "something was installed");
    let calls = fs::read_to_string(&log).expect("the typst on PATH was called");
    assert_eq!(
        calls.lines().filter(|l| *l == "compile").count(),
        2,
        "both documents compiled by the typst on PATH: {calls}"
    );
    assert!(out.path().join("brief.pdf").is_file());
}

#[test]
fn btg_typst_names_the_binary_and_a_wrong_one_is_an_error() {
    let bin = tempfile::tempdir().expect("temp dir");
    let cache = tempfile::tempdir().expect("temp dir");
    let right = bin.path().join("typst-pinned");
    script(&right, &format!("echo 'typst {TYPST_VERSION} (fake)'\n"));
    let wrong = bin.path().join("typst-old");
    script(&wrong, "echo 'typst 0.13.0 (fake)'\n");
    let run = |typst: &Path| {
        crate::support::xtask_command()
            .arg("typst")
            .env(TYPST_VAR, typst)
            .env(CACHE_VAR, cache.path())
            .env("CARGO", "/nonexistent/cargo")
            .output()
            .expect("runs")
    };
    let ok = run(&right);
    assert!(ok.status.success());
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout),
        format!("{} ({TYPST_VERSION})\n", right.display())
    );
    let bad = run(&wrong);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr),
        format!(
            "error: {TYPST_VAR}={} reports typst 0.13.0, but this project is pinned to \
             {TYPST_VERSION}\nhint: point {TYPST_VAR} at a Typst {TYPST_VERSION} binary, or unset it\n",
            wrong.display()
        )
    );
    assert!(is_empty(cache.path()));
}

#[test]
fn when_typst_cannot_be_installed_the_error_says_what_to_do() {
    let cache = tempfile::tempdir().expect("temp dir");
    let run = crate::support::xtask_command()
        .arg("typst")
        .env(CACHE_VAR, cache.path())
        .env_remove(TYPST_VAR)
        .env("CARGO", "/nonexistent/cargo")
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    let root = cache.path().join(format!("typst-{TYPST_VERSION}"));
    for needed in [
        format!(
            "Typst {TYPST_VERSION} is needed to compile the PDFs and could not be installed: cargo (/nonexistent/cargo) does not run"
        ),
        format!(
            "cargo install typst-cli --version {TYPST_VERSION} --locked --root {}",
            root.display()
        ),
        format!("or copy it to {}", root.join("bin/typst").display()),
        format!("{TYPST_VAR}=/path/to/typst"),
    ] {
        assert!(
            stderr.contains(&needed),
            "{needed:?} missing from:\n{stderr}"
        );
    }
}

#[test]
fn a_typst_of_another_version_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fake = dir.path().join("typst");
    fs::write(&fake, "#!/bin/sh\necho 'typst 0.13.0 (deadbeef)'\n").expect("write");
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).expect("chmod");
    let found = Typst::probe(&fake).expect("the fake answers like typst");
    assert_eq!(found.version(), "0.13.0");
    let err = found.checked().expect_err("a different version is refused");
    let msg = format!("{err:#}");
    assert!(msg.contains(&format!("pinned to {TYPST_VERSION}")), "{msg}");
    assert!(msg.contains("reports typst 0.13.0"), "{msg}");
}

#[test]
fn the_pinned_typst_is_found() {
    let t = Typst::ensure().expect("typst available (cargo xtask typst installs it)");
    assert_eq!(t.version(), TYPST_VERSION);
}

#[test]
fn a_missing_typst_is_installed_into_the_cache_with_a_visible_message() {
    let cache = tempfile::tempdir().expect("temp dir");
    let bin = tempfile::tempdir().expect("temp dir");
    // A stand-in for `cargo install typst-cli --root DIR`: it writes a `typst` that
    // answers with the pinned version, as the real install would.
    let cargo = bin.path().join("fake-cargo");
    let script = format!(
        "#!/bin/sh\n[ \"$1\" = --version ] && {{ echo 'cargo 0.0.0 (fake)'; exit 0; }}\n\
         # args: install typst-cli --version V --locked --root DIR\n\
         eval root=\\${{$#}}\nmkdir -p \"$root/bin\"\n\
         printf '#!/bin/sh\\necho \"typst {TYPST_VERSION} (fake)\"\\n' > \"$root/bin/typst\"\n\
         chmod +x \"$root/bin/typst\"\n"
    );
    fs::write(&cargo, script).expect("write");
    fs::set_permissions(&cargo, fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = crate::support::xtask_command()
        .arg("typst")
        .env("BTG_CACHE_DIR", cache.path())
        .env("CARGO", &cargo)
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "Typst {TYPST_VERSION} is not installed; installing it once into"
        )),
        "{stderr}"
    );
    let installed = cache
        .path()
        .join(format!("typst-{TYPST_VERSION}/bin/typst"));
    assert!(
        stdout.contains(&installed.display().to_string()),
        "{stdout}"
    );
    // A second run finds it and installs nothing.
    let again = crate::support::xtask_command()
        .arg("typst")
        .env("BTG_CACHE_DIR", cache.path())
        .env("CARGO", "/nonexistent/cargo")
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("runs");
    assert!(again.status.success());
    assert!(!String::from_utf8_lossy(&again.stderr).contains("installing"));
}
