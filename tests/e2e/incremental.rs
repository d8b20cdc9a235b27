//! The stage cache: an unchanged rerun does nothing, and each kind of edit makes
//! exactly its dependants stale, as `cargo xtask status` reports.

use std::fs;

use xtask::build::StudyArgs;
use xtask::layout::Layout;
use xtask::stages::Freshness;
use xtask::status;

use crate::support;

fn stale(layout: &Layout) -> Vec<String> {
    let args = StudyArgs {
        data: None,
        out: None,
    };
    status::status(layout, &args)
        .expect("status runs")
        .into_iter()
        .filter(|(_, f)| f.is_stale())
        .map(|(s, _)| s)
        .collect()
}

fn append(path: &std::path::Path, text: &str) {
    let mut s = fs::read_to_string(path).expect("readable");
    s.push_str(text);
    fs::write(path, s).expect("writable");
}

#[test]
fn stages_go_stale_exactly_when_their_inputs_change() {
    let repo = support::scratch_repo();
    let layout = Layout::at(repo.path());
    support::build_in(&layout, None, &layout.build());
    assert_eq!(
        stale(&layout),
        Vec::<String>::new(),
        "a fresh build leaves nothing stale"
    );

    // An unchanged rerun compiles nothing: the PDFs keep their bytes and the record
    // says every stage is up to date.
    let before = fs::read(layout.build().join(".stages.json")).expect("record");
    support::build_in(&layout, None, &layout.build());
    assert_eq!(
        fs::read(layout.build().join(".stages.json")).expect("record"),
        before
    );

    // The deck's template: only the deck.
    append(
        &layout.report().join("deck.typ.j2"),
        "\n// An edit to the deck only.\n",
    );
    assert_eq!(stale(&layout), ["deck.typ", "deck.pdf"]);
    support::build_in(&layout, None, &layout.build());
    assert_eq!(stale(&layout), Vec::<String>::new());

    // The brief's template: only the brief.
    append(
        &layout.report().join("brief.typ.j2"),
        "\n// An edit to the brief only.\n",
    );
    assert_eq!(stale(&layout), ["brief.typ", "brief.pdf"]);
    support::build_in(&layout, None, &layout.build());

    // A figure deleted from the build folder: figures and what uses them.
    fs::remove_file(layout.build().join("figures/codes.svg")).expect("figure exists");
    let s = stale(&layout);
    assert_eq!(s[0], "figures");
    assert!(!s.contains(&"stats.json".to_owned()));
    support::build_in(&layout, None, &layout.build());

    // A tie: everything downstream of the data.
    let ties = layout.data().join("raw/ties.csv");
    let mut text = fs::read_to_string(&ties).expect("ties");
    let last = text.trim_end().lines().last().expect("a tie").to_owned();
    text = text.replace(&format!("{last}\n"), "");
    fs::write(&ties, text).expect("write ties");
    let everything = [
        "network statistics",
        "stats.json",
        "figures",
        "brief.typ",
        "brief.pdf",
        "deck.typ",
        "deck.pdf",
    ];
    assert_eq!(stale(&layout), everything);
    let args = StudyArgs {
        data: None,
        out: None,
    };
    let status = status::status(&layout, &args).expect("status");
    assert_eq!(
        status[0].1,
        Freshness::Stale("data/raw/ties.csv changed".into())
    );
    support::build_in(&layout, None, &layout.build());

    // One excerpt: everything but the network statistics.
    let excerpts = layout.data().join("raw/excerpts.csv");
    let text = fs::read_to_string(&excerpts).expect("excerpts");
    let edited = text.replacen(",true,", ",false,", 1);
    assert_ne!(edited, text);
    fs::write(&excerpts, edited).expect("write excerpts");
    assert_eq!(stale(&layout), &everything[1..]);
    let status = status::status(&layout, &args).expect("status");
    assert_eq!(
        status[1].1,
        Freshness::Stale("data/raw/excerpts.csv changed".into())
    );
}
