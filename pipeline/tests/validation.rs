//! The loader's checks, one case per test, each asserting the exact message an author
//! sees (`file:line:column: message`); the CSV dialect it accepts; and the committed
//! studies: `data/` (which must also be exactly what `data/synth.toml` generates) and
//! the fixture with other dimensions in `tests/fixtures/other-dimensions/`.

use pipeline::load::{Loaded, StudyFiles, load};
use pipeline::study::StudyConfig;
use pipeline::synth::{self, Params, Size};

/// A small but complete study.toml: two waves, two dimensions, two codes.
const CONFIG: &str = r##"schema = 1
title = "Validation test"
subtitle = "Small inputs"
short_title = "Validation"
version = "1"
created = "2020-01-01"
synthetic = true
tie_rule = "union"
seed = 1
primary_dimension = "population"

[[authors]]
name = "A. Author"
affiliation = "Somewhere"

[event]
name = "Test"
place = "Here"
date = "2020-01-02"

[[waves]]
id = "before"
label = "Before"
year = 2010

[[waves]]
id = "after"
label = "After"
year = 2015

[[dimensions]]
column = "population"
label = "Population"
[[dimensions.categories]]
id = "pud"
label = "People who use drugs"
colour = "#E69F00"
[[dimensions.categories]]
id = "sw"
label = "Sex workers"
colour = "#009E73"

[[dimensions]]
column = "leadership"
label = "Leadership"
[[dimensions.categories]]
id = "kp_led"
label = "Community-led"
colour = "#CC79A7"
[[dimensions.categories]]
id = "provider_led"
label = "Provider-led"
colour = "#56B4E9"

[[codebook]]
id = "silos"
label = "Working in silos"
kind = "challenge"

[[codebook]]
id = "movement"
label = "A movement"
kind = "benefit"

[methods]
field_visit_countries = []
observed_meetings = []
"##;

const ORGS: &str = "\
org_id,country,population,leadership,surveyed,responded
A,Kenya,pud,kp_led,true,true
B,Kenya,sw,provider_led,true,true
C,Kyrgyzstan,sw,kp_led,true,false
";

const TIES: &str = "\
wave,reporter,partner
before,A,B
before,B,C
after,A,C
after,B,A
";

const EXCERPTS: &str = "\
excerpt_id,source_id,source_kind,level,country,population,codes,consent,text
EX-1,INT-01,interview,local,Kenya,pud,silos,true,\"We worked apart, mostly.\"
";

fn load_bytes(
    config: &[u8],
    orgs: &[u8],
    ties: &[u8],
    excerpts: &[u8],
) -> Result<Loaded, Vec<String>> {
    load(StudyFiles {
        config,
        organisations: orgs,
        ties,
        excerpts,
    })
    .map_err(|p| p.list().iter().map(ToString::to_string).collect())
}

fn load_text(orgs: &str, ties: &str, excerpts: &str) -> Result<Loaded, Vec<String>> {
    load_bytes(
        CONFIG.as_bytes(),
        orgs.as_bytes(),
        ties.as_bytes(),
        excerpts.as_bytes(),
    )
}

/// The problems of a study that must not load.
fn problems(orgs: &str, ties: &str, excerpts: &str) -> Vec<String> {
    match load_text(orgs, ties, excerpts) {
        Ok(_) => panic!("the study loaded, but a problem was expected"),
        Err(p) => p,
    }
}

fn loads(orgs: &str, ties: &str, excerpts: &str) -> Loaded {
    match load_text(orgs, ties, excerpts) {
        Ok(loaded) => loaded,
        Err(p) => panic!("expected the study to load, got:\n{}", p.join("\n")),
    }
}

#[test]
fn the_base_study_loads_without_warnings() {
    let loaded = loads(ORGS, TIES, EXCERPTS);
    assert_eq!(loaded.warnings, vec![]);
    assert_eq!(loaded.study.orgs.len(), 3);
    assert_eq!(loaded.study.reports.len(), 4);
    assert_eq!(loaded.study.excerpts[0].text, "We worked apart, mostly.");
}

#[test]
fn missing_column() {
    let orgs = "org_id,country,population,surveyed,responded\nA,Kenya,pud,true,true\n";
    assert_eq!(
        problems(orgs, TIES, EXCERPTS),
        [
            "raw/organisations.csv:1:1: missing column \"leadership\"; expected the columns org_id, country, population, leadership, surveyed, responded"
        ]
    );
}

#[test]
fn unknown_column() {
    let orgs = ORGS
        .replacen("responded\n", "responded,notes\n", 1)
        .replace("true\n", "true,x\n")
        .replace("false\n", "false,y\n");
    assert_eq!(
        problems(&orgs, TIES, EXCERPTS),
        [
            "raw/organisations.csv:1:57: unknown column \"notes\"; expected the columns org_id, country, population, leadership, surveyed, responded"
        ]
    );
}

#[test]
fn empty_file() {
    assert_eq!(
        problems(ORGS, "", EXCERPTS),
        ["raw/ties.csv: the file is empty; expected a header line naming the columns"]
    );
}

#[test]
fn header_without_rows() {
    assert_eq!(
        problems(
            ORGS,
            TIES,
            "excerpt_id,source_id,source_kind,level,country,population,codes,consent,text\n"
        ),
        ["raw/excerpts.csv: the file has a header but no rows; expected at least one row"]
    );
}

#[test]
fn duplicate_org_id() {
    let orgs = format!("{ORGS}A,Kenya,sw,kp_led,true,false\n");
    assert_eq!(
        problems(&orgs, TIES, EXCERPTS),
        [
            "raw/organisations.csv:5:1: org_id \"A\" is already used on line 2; expected each organisation once"
        ]
    );
}

#[test]
fn undeclared_category_lists_the_allowed_ones() {
    let orgs = ORGS.replacen("C,Kyrgyzstan,sw,", "C,Kyrgyzstan,msm,", 1);
    assert_eq!(
        problems(&orgs, TIES, EXCERPTS),
        [
            "raw/organisations.csv:4:14: \"msm\" is not a category of population; expected one of: pud, sw"
        ]
    );
}

#[test]
fn tie_naming_an_unknown_organisation() {
    let ties = format!("{TIES}after,A,Z\n");
    assert_eq!(
        problems(ORGS, &ties, EXCERPTS),
        [
            "raw/ties.csv:6:9: partner \"Z\" is not an org_id of raw/organisations.csv; expected a listed organisation"
        ]
    );
}

#[test]
fn self_tie() {
    let ties = format!("{TIES}after,B,B\n");
    assert_eq!(
        problems(ORGS, &ties, EXCERPTS),
        ["raw/ties.csv:6:9: an organisation names itself; expected a different partner"]
    );
}

#[test]
fn duplicate_tie() {
    let ties = format!("{TIES}before,A,B\n");
    assert_eq!(
        problems(ORGS, &ties, EXCERPTS),
        [
            "raw/ties.csv:6:10: this tie repeats the one on line 2; expected each reported tie once per wave"
        ]
    );
}

#[test]
fn each_repeat_names_the_line_before_it() {
    // Expected messages as the map-based check (before the sort-based one) gave them.
    let ties = format!("{TIES}before,A,B\nbefore,A,B\nafter,B,B\nafter,B,B\n");
    assert_eq!(
        problems(ORGS, &ties, EXCERPTS),
        [
            "raw/ties.csv:6:10: this tie repeats the one on line 2; expected each reported tie once per wave",
            "raw/ties.csv:7:10: this tie repeats the one on line 6; expected each reported tie once per wave",
            "raw/ties.csv:8:9: an organisation names itself; expected a different partner",
            "raw/ties.csv:9:9: an organisation names itself; expected a different partner",
            "raw/ties.csv:9:9: this tie repeats the one on line 8; expected each reported tie once per wave",
        ]
    );
}

#[test]
fn the_same_tie_in_two_waves_is_no_duplicate() {
    let ties = format!("{TIES}after,A,B\n");
    assert_eq!(loads(ORGS, &ties, EXCERPTS).study.reports.len(), 5);
}

#[test]
fn undeclared_wave() {
    let ties = format!("{TIES}during,A,C\n");
    assert_eq!(
        problems(ORGS, &ties, EXCERPTS),
        [
            "raw/ties.csv:6:1: wave \"during\" is not declared in study.toml; expected one of: before, after"
        ]
    );
}

#[test]
fn reporter_that_did_not_respond() {
    let ties = format!("{TIES}after,C,A\n");
    assert_eq!(
        problems(ORGS, &ties, EXCERPTS),
        [
            "raw/ties.csv:6:7: reporter \"C\" did not respond to the survey; expected only respondents to report ties"
        ]
    );
}

#[test]
fn bad_boolean() {
    let orgs = ORGS.replacen(
        "C,Kyrgyzstan,sw,kp_led,true,",
        "C,Kyrgyzstan,sw,kp_led,maybe,",
        1,
    );
    assert_eq!(
        problems(&orgs, TIES, EXCERPTS),
        [
            "raw/organisations.csv:4:24: surveyed is \"maybe\"; expected true or false (yes/no and 1/0 are accepted too)"
        ]
    );
}

#[test]
fn booleans_accept_yes_no_and_digits() {
    let orgs = ORGS
        .replacen("true,true", "Yes,1", 1)
        .replacen("true,false", "1,no", 1)
        .replacen("true,true", "TRUE,yes", 1);
    let loaded = loads(&orgs, TIES, EXCERPTS);
    let flags: Vec<(bool, bool)> = loaded
        .study
        .orgs
        .iter()
        .map(|o| (o.surveyed, o.responded))
        .collect();
    assert_eq!(flags, [(true, true), (true, true), (true, false)]);
}

#[test]
fn responded_without_surveyed() {
    let orgs = ORGS.replacen(
        "B,Kenya,sw,provider_led,true,true",
        "B,Kenya,sw,provider_led,false,true",
        1,
    );
    assert_eq!(
        problems(&orgs, TIES, EXCERPTS),
        [
            "raw/organisations.csv:3:31: responded is true but surveyed is false; expected only surveyed organisations to respond"
        ]
    );
}

#[test]
fn code_not_in_codebook() {
    let excerpts = EXCERPTS.replacen(",silos,", ",silos;walls,", 1);
    assert_eq!(
        problems(ORGS, TIES, &excerpts),
        [
            "raw/excerpts.csv:2:39: code \"walls\" is not in the codebook; expected one of: silos, movement"
        ]
    );
}

#[test]
fn invalid_study_toml_names_its_line() {
    let config = CONFIG.replacen("tie_rule = \"union\"", "tie_rule = \"both\"", 1);
    let got = load_bytes(
        config.as_bytes(),
        ORGS.as_bytes(),
        TIES.as_bytes(),
        EXCERPTS.as_bytes(),
    )
    .expect_err("an invalid study.toml is rejected");
    assert_eq!(
        got,
        [
            "study.toml:8:12: tie_rule \"both\" is not a known value; expected one of `union`, `reciprocated`"
        ]
    );
}

#[test]
fn study_toml_with_an_undeclared_primary_dimension() {
    let config = CONFIG.replacen(
        "primary_dimension = \"population\"",
        "primary_dimension = \"pop\"",
        1,
    );
    let got = load_bytes(
        config.as_bytes(),
        ORGS.as_bytes(),
        TIES.as_bytes(),
        EXCERPTS.as_bytes(),
    )
    .expect_err("an undeclared primary dimension is rejected");
    assert_eq!(
        got,
        [
            "study.toml:10:21: primary_dimension \"pop\" is not a declared dimension; expected one of: population, leadership"
        ]
    );
}

#[test]
fn previous_brief_leaving_the_study_folder() {
    let config = CONFIG.replacen(
        "primary_dimension = \"population\"",
        "primary_dimension = \"population\"\nprevious_brief = \"../old/brief.pdf\"",
        1,
    );
    let got = load_bytes(
        config.as_bytes(),
        ORGS.as_bytes(),
        TIES.as_bytes(),
        EXCERPTS.as_bytes(),
    )
    .expect_err("a previous brief outside the study folder is rejected");
    assert_eq!(
        got,
        [
            "study.toml:11:18: previous_brief \"../old/brief.pdf\" is not a path inside the study folder; expected a relative path of plain names such as \"previous/brief.pdf\""
        ]
    );
}

#[test]
fn non_utf8_bytes() {
    let excerpts = b"excerpt_id,source_id,source_kind,level,country,population,codes,consent,text\nEX-1,INT-01,interview,local,Kenya,pud,silos,true,caf\xE9\n";
    let got = load_bytes(
        CONFIG.as_bytes(),
        ORGS.as_bytes(),
        TIES.as_bytes(),
        excerpts,
    )
    .expect_err("Latin-1 text is rejected");
    assert_eq!(
        got,
        [
            "raw/excerpts.csv:2:53: the file is not valid UTF-8 text; expected UTF-8 (re-save it as \"CSV UTF-8\")"
        ]
    );
}

#[test]
fn several_problems_are_reported_at_once() {
    let orgs = ORGS.replacen("C,Kyrgyzstan,sw,", "C,Kyrgyzstan,msm,", 1);
    let ties = format!("{TIES}during,A,C\nafter,A,A\n");
    let excerpts = EXCERPTS.replacen(",silos,", ",walls,", 1);
    let files = StudyFiles {
        config: CONFIG.as_bytes(),
        organisations: orgs.as_bytes(),
        ties: ties.as_bytes(),
        excerpts: excerpts.as_bytes(),
    };
    let err = load(files).expect_err("the study has problems");
    assert_eq!(
        err.to_string(),
        "the study has 4 problems:\n\
         raw/excerpts.csv:2:39: code \"walls\" is not in the codebook; expected one of: silos, movement\n\
         raw/organisations.csv:4:14: \"msm\" is not a category of population; expected one of: pud, sw\n\
         raw/ties.csv:6:1: wave \"during\" is not declared in study.toml; expected one of: before, after\n\
         raw/ties.csv:7:9: an organisation names itself; expected a different partner\n"
    );
}

#[test]
fn respondent_without_ties_is_a_warning() {
    let ties = "wave,reporter,partner\nbefore,A,B\nbefore,B,C\nafter,A,C\n";
    let loaded = loads(ORGS, ties, EXCERPTS);
    let warnings: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        ["raw/organisations.csv:3:1: warning: respondent B reported no ties in wave \"after\""]
    );
}

#[test]
fn accepts_a_byte_order_mark() {
    let orgs = format!("\u{FEFF}{ORGS}");
    let loaded = loads(&orgs, TIES, EXCERPTS);
    assert_eq!(loaded.study.orgs[0].id, "A");
}

#[test]
fn accepts_crlf_line_ends() {
    let crlf = |s: &str| s.replace('\n', "\r\n");
    let loaded = loads(&crlf(ORGS), &crlf(TIES), &crlf(EXCERPTS));
    assert!(!loaded.study.orgs[2].responded);
    assert_eq!(loaded.study.excerpts[0].text, "We worked apart, mostly.");
}

#[test]
fn accepts_quoted_fields_with_commas_quotes_and_newlines() {
    let excerpts = "\
excerpt_id,source_id,source_kind,level,country,population,codes,consent,text
EX-1,INT-01,interview,local,\"Kenya, Nairobi\",pud,silos,true,\"First line, with a comma;
second line with \"\"quotes\"\".\"
EX-2,INT-02,interview,global,Netherlands,sw,movement,false,plain
";
    let loaded = loads(ORGS, TIES, excerpts);
    let e = &loaded.study.excerpts;
    assert_eq!(e[0].country, "Kenya, Nairobi");
    assert_eq!(
        e[0].text,
        "First line, with a comma;\nsecond line with \"quotes\"."
    );
    assert_eq!(e[1].text, "plain");
}

#[test]
fn accepts_whitespace_around_fields() {
    let orgs = "\
org_id , country , population , leadership , surveyed , responded
 A , Kenya , pud , kp_led , true , true
B,\tKenya,sw,provider_led,true,true
C,Kyrgyzstan, sw ,kp_led,true, false
";
    let ties = "wave, reporter, partner\n before , A , B \nbefore,B,C\nafter,A,C\nafter, B ,A\n";
    let excerpts = "\
excerpt_id,source_id,source_kind,level,country,population,codes,consent,text
EX-1 , INT-01 , interview , local , Kenya , pud , silos ; movement , true , \"We worked apart, mostly.\"
";
    let loaded = loads(orgs, ties, excerpts);
    let ids: Vec<&str> = loaded.study.orgs.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["A", "B", "C"]);
    assert_eq!(loaded.study.orgs[1].country, "Kenya");
    assert_eq!(loaded.study.reports.len(), 4);
    assert_eq!(loaded.study.excerpts[0].codes, [0, 1]);
    assert_eq!(loaded.study.excerpts[0].text, "We worked apart, mostly.");
}

// The committed studies.

const DATA_CONFIG: &[u8] = include_bytes!("../../data/study.toml");
const DATA_ORGS: &[u8] = include_bytes!("../../data/raw/organisations.csv");
const DATA_TIES: &[u8] = include_bytes!("../../data/raw/ties.csv");
const DATA_EXCERPTS: &[u8] = include_bytes!("../../data/raw/excerpts.csv");
const SYNTH: &str = include_str!("../../data/synth.toml");

fn shipped() -> Loaded {
    load_bytes(DATA_CONFIG, DATA_ORGS, DATA_TIES, DATA_EXCERPTS)
        .unwrap_or_else(|p| panic!("data/ does not load:\n{}", p.join("\n")))
}

fn shipped_config() -> StudyConfig {
    StudyConfig::parse(std::str::from_utf8(DATA_CONFIG).expect("UTF-8"))
        .expect("data/study.toml parses")
}

#[test]
fn the_shipped_study_loads_without_warnings() {
    let loaded = shipped();
    assert_eq!(loaded.warnings, vec![]);
    let orgs = &loaded.study.orgs;
    assert_eq!(orgs.len(), 92);
    assert_eq!(orgs.iter().filter(|o| o.surveyed).count(), 92);
    assert_eq!(orgs.iter().filter(|o| o.responded).count(), 62);
}

#[test]
fn the_shipped_study_is_what_synth_toml_generates() {
    let params = Params::parse(SYNTH).expect("data/synth.toml parses");
    let generated =
        synth::generate(&params, &shipped_config(), Size::default()).expect("generates");
    // Compare as text first for a readable diff, then as bytes.
    for (name, ours, committed) in [
        ("organisations.csv", &generated.organisations, DATA_ORGS),
        ("ties.csv", &generated.ties, DATA_TIES),
        ("excerpts.csv", &generated.excerpts, DATA_EXCERPTS),
    ] {
        assert!(
            ours.as_bytes() == committed,
            "data/raw/{name} differs from what data/synth.toml generates; run `cargo xtask synth`"
        );
    }
}

#[test]
fn the_generator_is_deterministic_and_follows_the_design() {
    let params = Params::parse(SYNTH).expect("data/synth.toml parses");
    let config = shipped_config();
    let a = synth::generate(&params, &config, Size::default()).expect("generates");
    let b = synth::generate(&params, &config, Size::default()).expect("generates");
    assert_eq!(a, b);
    let loaded = shipped();
    let study = &loaded.study;
    let primary = study.primary_index();
    let mut cross = Vec::new();
    let mut counts = Vec::new();
    for w in 0..study.config.waves.len() {
        let ties = study.ties(w);
        let across = ties
            .iter()
            .filter(|(x, y)| {
                study.orgs[*x as usize].categories[primary]
                    != study.orgs[*y as usize].categories[primary]
            })
            .count();
        cross.push(across as f64 / ties.len() as f64);
        counts.push(ties.len());
    }
    assert!(
        counts[1] as f64 > 1.6 * counts[0] as f64,
        "ties should roughly double: {counts:?}"
    );
    assert!(
        cross[1] > cross[0] + 0.1,
        "the cross-population share should grow: {cross:?}"
    );
    let org_type = study
        .config
        .dimensions
        .iter()
        .position(|d| d.column == "org_type")
        .expect("org_type");
    let by_type = |cat: usize| {
        study
            .orgs
            .iter()
            .filter(|o| o.categories[org_type] == cat)
            .count()
    };
    assert_eq!((by_type(0), by_type(1), by_type(2)), (79, 5, 8));
    assert!(study.orgs.iter().all(|o| o.id.starts_with("ORG-")));
    let sources: std::collections::BTreeSet<&str> = study
        .excerpts
        .iter()
        .map(|e| e.source_id.as_str())
        .collect();
    assert_eq!(sources.len(), 47);
}

#[test]
fn the_generator_scales_and_keeps_the_schema() {
    let params = Params::parse(SYNTH).expect("data/synth.toml parses");
    let config = shipped_config();
    let size = Size {
        orgs: Some(2_000),
        ties: Some(12_000),
    };
    let g = synth::generate(&params, &config, size).expect("generates");
    assert_eq!(g.summary.orgs, 2_000);
    assert_eq!(
        g.summary.reports.iter().map(|r| r.reports).sum::<usize>(),
        12_000
    );
    let loaded = load_bytes(
        DATA_CONFIG,
        g.organisations.as_bytes(),
        g.ties.as_bytes(),
        g.excerpts.as_bytes(),
    )
    .unwrap_or_else(|p| panic!("the scaled study does not load:\n{}", p.join("\n")));
    assert_eq!(loaded.warnings, vec![]);
    assert_eq!(loaded.study.orgs[0].id, "ORG-0001");
}

#[test]
fn the_generator_follows_another_study() {
    let config_text = include_str!("fixtures/other-dimensions/study.toml");
    let config = StudyConfig::parse(config_text).expect("the fixture's study.toml parses");
    // Parameters that name only what every study has.
    let params = Params::parse(
        "seed = 3\n[organisations]\nsurveyed = 30\nresponded = 20\nlisted_only = 4\n\
         [countries]\ndefault = { Tanzania = 1, Malawi = 1 }\n\
         [ties]\nmean_degree = 3\nsame_primary = 0.5\nsame_country = 0.5\n\
         [excerpts]\ninterviews = 5\nfocus_groups = 1\nmin_per_source = 1\nmax_per_source = 2\n\
         consent = 0.5\nsecond_code = 0.5\n[excerpts.countries]\n",
    )
    .expect("parses");
    let g = synth::generate(&params, &config, Size::default()).expect("generates");
    assert!(
        g.organisations
            .starts_with("org_id,country,reach,sector,funding,surveyed,responded\n")
    );
    let loaded = load_bytes(
        config_text.as_bytes(),
        g.organisations.as_bytes(),
        g.ties.as_bytes(),
        g.excerpts.as_bytes(),
    )
    .unwrap_or_else(|p| panic!("does not load:\n{}", p.join("\n")));
    assert_eq!(loaded.study.orgs.iter().filter(|o| !o.surveyed).count(), 4);
}

#[test]
fn synth_toml_naming_an_undeclared_category_is_an_error() {
    let text = SYNTH.replacen("weights = { pud = 3,", "weights = { msm = 1, pud = 3,", 1);
    let params = Params::parse(&text).expect("parses");
    let err = synth::generate(&params, &shipped_config(), Size::default()).expect_err("rejected");
    // Located at the unknown key: its line, and the column after `weights = { `.
    let line = text
        .lines()
        .position(|l| l.starts_with("weights = { msm"))
        .expect("the edited line")
        + 1;
    assert_eq!(
        err.to_string(),
        format!(
            "synth.toml:{line}:13: dimensions.population.weights: \"msm\" is not a category of population in study.toml; expected one of: pud, lgbt, sw, multi"
        )
    );
}

#[test]
fn the_fixture_with_other_dimensions_loads_without_problems() {
    let loaded = load_bytes(
        include_bytes!("fixtures/other-dimensions/study.toml"),
        include_bytes!("fixtures/other-dimensions/raw/organisations.csv"),
        include_bytes!("fixtures/other-dimensions/raw/ties.csv"),
        include_bytes!("fixtures/other-dimensions/raw/excerpts.csv"),
    )
    .unwrap_or_else(|p| panic!("the fixture does not load:\n{}", p.join("\n")));
    assert_eq!(loaded.warnings, vec![]);
    let study = &loaded.study;
    assert_eq!(study.config.primary().column, "sector");
    assert_eq!(study.orgs.len(), 15);
    assert_eq!(study.config.waves.len(), 2);
    assert!(study.ties(0).len() >= 9 && study.ties(1).len() > study.ties(0).len());
    assert!(study.excerpts.iter().any(|e| e.text.contains('\n')));
}
