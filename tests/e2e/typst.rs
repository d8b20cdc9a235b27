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
