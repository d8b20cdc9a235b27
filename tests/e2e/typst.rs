//! The pinned Typst: a wrong version is refused, never silently used.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use xtask::typst::{TYPST_VERSION, Typst};

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
        "#!/bin/sh\n# args: install typst-cli --version V --locked --root DIR\n\
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
