//! Every message of the `study.toml` checks, one case per test, each asserting the
//! exact text an author sees (`study.toml:line:column: message`): the line and column
//! are those of the offending value, not of the first line that has the same key.
//! Also: the validated configuration serialises to the file's own keys (what the
//! templates read as `study`).

use pipeline::diag::Problems;
use pipeline::study::StudyConfig;

/// A small complete study.toml; the line numbers in the tests below count from here.
const BASE: &str = r##"schema = 1
title = "Config test"
subtitle = "Messages"
short_title = "Config"
version = "1"
created = "2020-01-01"
synthetic = true
tie_rule = "union"
seed = 1
primary_dimension = "population"
vertical_dimension = "level"

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
column = "level"
label = "Level"
[[dimensions.categories]]
id = "local"
label = "Local"
colour = "#CC79A7"
[[dimensions.categories]]
id = "global"
label = "Global"
colour = "#56B4E9"

[[codebook]]
id = "silos"
label = "Working in silos"
kind = "challenge"

[[codebook]]
id = "movement"
label = "A movement"
kind = "benefit"

[grid]
rows = "population"
columns = "level"

[methods]
field_visit_countries = []
observed_meetings = []
"##;

/// `BASE` with the `n`th occurrence (from 1) of `from` replaced by `to`.
fn edit(n: usize, from: &str, to: &str) -> String {
    let at = BASE
        .match_indices(from)
        .nth(n - 1)
        .unwrap_or_else(|| panic!("{from:?} occurs fewer than {n} times"))
        .0;
    format!("{}{to}{}", &BASE[..at], &BASE[at + from.len()..])
}

/// The messages of a configuration that must not parse, in the order an author
/// sees them (by line and column).
fn problems(text: &str) -> Vec<String> {
    match StudyConfig::parse(text) {
        Ok(_) => panic!("the configuration parsed, but a problem was expected"),
        Err(p) => Problems::new(p)
            .list()
            .iter()
            .map(ToString::to_string)
            .collect(),
    }
}

#[test]
fn the_base_configuration_parses() {
    let c = StudyConfig::parse(BASE).expect("parses");
    assert_eq!(c.primary().column, "population");
    assert_eq!(c.vertical().map(|d| d.column.as_str()), Some("level"));
    let grid = c.grid.expect("a grid");
    assert_eq!((grid.rows.get(), grid.columns.get()), (0, 1));
    assert_eq!(c.created_epoch(), 1_577_836_800);
    assert_eq!((c.suppression_threshold, c.permutations), (3, 1000));
}

#[test]
fn a_syntax_error() {
    assert_eq!(
        problems(&edit(1, "title = \"Config test\"", "title = ")),
        ["study.toml:2:9: string values must be quoted, expected literal string"]
    );
}

/// A misspelt key is unknown, and the key it was meant to be is then missing.
#[test]
fn an_unknown_key() {
    assert_eq!(
        problems(&edit(2, "colour = ", "color = ")),
        [
            "study.toml:39:1: missing field `colour`",
            "study.toml:42:1: unknown field `color`, expected one of `id`, `label`, `text_label`, `colour`",
        ]
    );
}

#[test]
fn a_value_of_the_wrong_type() {
    assert_eq!(
        problems(&edit(1, "seed = 1", "seed = \"one\"")),
        ["study.toml:9:8: invalid type: string \"one\", expected u64"]
    );
}

#[test]
fn an_unknown_tie_rule() {
    assert_eq!(
        problems(&edit(1, "\"union\"", "\"both\"")),
        [
            "study.toml:8:12: tie_rule \"both\" is not a known value; expected one of `union`, `reciprocated`"
        ]
    );
}

#[test]
fn an_unknown_network_map_and_a_previous_brief_outside_the_folder() {
    assert_eq!(
        problems(&edit(1, "seed = 1", "seed = 1\nnetwork_map = \"everyone\"")),
        [
            "study.toml:10:15: network_map \"everyone\" is not a known value; expected one of `organisations`, `groups`, `off`"
        ]
    );
    assert_eq!(
        problems(&edit(
            1,
            "seed = 1",
            "seed = 1\nprevious_brief = \"../old/brief.pdf\""
        )),
        [
            "study.toml:10:18: previous_brief \"../old/brief.pdf\" is not a path inside the study folder; expected a relative path of plain names such as \"previous/brief.pdf\""
        ]
    );
}

#[test]
fn an_unsupported_schema() {
    assert_eq!(
        problems(&edit(1, "schema = 1", "schema = 2")),
        ["study.toml:1:10: schema = 2 is not supported; expected 1"]
    );
}

#[test]
fn an_impossible_calendar_date() {
    assert_eq!(
        problems(&edit(1, "2020-01-01", "2017-02-31")),
        [
            "study.toml:6:11: created \"2017-02-31\" is not a day of the calendar; expected a real date from 1970 on, as YYYY-MM-DD"
        ]
    );
}

#[test]
fn a_date_in_another_format_and_one_before_1970() {
    let text = edit(1, "2020-01-01", "01/01/2020").replacen("2020-01-02", "1969-07-20", 1);
    assert_eq!(
        problems(&text),
        [
            "study.toml:6:11: created \"01/01/2020\" is not a date; expected a real date from 1970 on, as YYYY-MM-DD",
            "study.toml:20:8: event.date \"1969-07-20\" is before 1970; expected a real date from 1970 on, as YYYY-MM-DD",
        ]
    );
}

#[test]
fn a_suppression_threshold_of_zero() {
    let text = edit(1, "seed = 1\n", "seed = 1\nsuppression_threshold = 0\n");
    assert_eq!(
        problems(&text),
        ["study.toml:10:25: suppression_threshold must be at least 1"]
    );
}

#[test]
fn no_waves() {
    let text = BASE.replacen(
        "[[waves]]\nid = \"before\"\nlabel = \"Before\"\nyear = 2010\n\n[[waves]]\nid = \"after\"\nlabel = \"After\"\nyear = 2015\n",
        "",
        1,
    );
    let text = text.replacen("seed = 1\n", "seed = 1\nwaves = []\n", 1);
    assert_eq!(
        problems(&text),
        ["study.toml:10:9: no [[waves]] declared; expected at least one"]
    );
}

#[test]
fn a_wave_id_declared_twice() {
    assert_eq!(
        problems(&edit(1, "id = \"after\"", "id = \"before\"")),
        [
            "study.toml:28:6: wave id \"before\" is already declared on line 23; expected each wave id once"
        ]
    );
}

#[test]
fn wave_ids_that_differ_only_in_case() {
    assert_eq!(
        problems(&edit(1, "id = \"after\"", "id = \"Before\"")),
        [
            "study.toml:28:6: wave id \"Before\" differs from \"before\" on line 23 only in letter case; expected each wave id once, also ignoring case (they name files)"
        ]
    );
}

#[test]
fn a_wave_id_that_is_a_path() {
    assert_eq!(
        problems(&edit(1, "id = \"after\"", "id = \"../../x\"")),
        [
            "study.toml:28:6: wave id \"../../x\" is not an identifier; expected letters, digits, '_' and '-', starting with a letter or digit ([A-Za-z0-9][A-Za-z0-9_-]*)"
        ]
    );
}

#[test]
fn no_dimensions() {
    let start = BASE.find("[[dimensions]]").expect("dimensions");
    let end = BASE.find("[[codebook]]").expect("codebook");
    let text = format!("{}{}", &BASE[..start], &BASE[end..]).replacen(
        "seed = 1\n",
        "seed = 1\ndimensions = []\n",
        1,
    );
    assert_eq!(
        problems(&text),
        // The references to dimensions are not reported again.
        ["study.toml:10:14: no [[dimensions]] declared; expected at least one"]
    );
}

#[test]
fn a_dimension_column_declared_twice() {
    let text = edit(1, "column = \"level\"", "column = \"population\"")
        .replacen("vertical_dimension = \"level\"\n", "", 1)
        .replacen("columns = \"level\"", "columns = \"population\"", 1);
    assert_eq!(
        problems(&text),
        [
            "study.toml:44:10: dimension column \"population\" is already declared on line 32; expected each column once"
        ]
    );
}

#[test]
fn dimension_columns_that_differ_only_in_case() {
    let text = edit(1, "column = \"level\"", "column = \"Population\"")
        .replacen("vertical_dimension = \"level\"\n", "", 1)
        .replacen("columns = \"level\"", "columns = \"population\"", 1);
    assert_eq!(
        problems(&text),
        [
            "study.toml:44:10: dimension column \"Population\" differs from \"population\" on line 32 only in letter case; expected each column once, also ignoring case (they name files)"
        ]
    );
}

#[test]
fn a_reserved_and_a_malformed_dimension_column() {
    let text = edit(1, "column = \"level\"", "column = \"country\"")
        .replacen("vertical_dimension = \"level\"\n", "", 1)
        .replacen("columns = \"level\"", "columns = \"country\"", 1)
        .replacen("column = \"population\"", "column = \"key population\"", 1)
        .replacen(
            "primary_dimension = \"population\"",
            "primary_dimension = \"key population\"",
            1,
        )
        .replacen("rows = \"population\"", "rows = \"key population\"", 1);
    assert_eq!(
        problems(&text),
        [
            "study.toml:32:10: dimension column \"key population\" is not an identifier; expected letters, digits, '_' and '-', starting with a letter or digit ([A-Za-z0-9][A-Za-z0-9_-]*)",
            "study.toml:44:10: dimension column \"country\" is a reserved column name; expected a name other than org_id, country, surveyed, responded",
        ]
    );
}

#[test]
fn a_dimension_without_categories() {
    let text = BASE.replacen(
        "label = \"Level\"\n[[dimensions.categories]]\nid = \"local\"\nlabel = \"Local\"\ncolour = \"#CC79A7\"\n[[dimensions.categories]]\nid = \"global\"\nlabel = \"Global\"\ncolour = \"#56B4E9\"\n",
        "label = \"Level\"\ncategories = []\n",
        1,
    );
    assert_eq!(
        problems(&text),
        ["study.toml:47:14: dimension \"level\" has no categories; expected at least one"]
    );
}

/// The case of the issue: a repeated category in a later dimension is reported at
/// the repeat, not at the first `id` of the file (a wave's).
#[test]
fn a_category_declared_twice_in_the_second_dimension() {
    assert_eq!(
        problems(&edit(1, "id = \"global\"", "id = \"local\"")),
        [
            "study.toml:52:6: category of level \"local\" is already declared on line 48; expected each category of level once"
        ]
    );
}

#[test]
fn a_category_id_with_a_space() {
    assert_eq!(
        problems(&edit(1, "id = \"sw\"", "id = \"sex work\"")),
        [
            "study.toml:40:6: category id \"sex work\" is not an identifier; expected letters, digits, '_' and '-', starting with a letter or digit ([A-Za-z0-9][A-Za-z0-9_-]*)"
        ]
    );
}

/// A bad colour in the second dimension is reported at its own line.
#[test]
fn a_colour_that_is_not_rrggbb() {
    assert_eq!(
        problems(&edit(1, "#56B4E9", "blue")),
        [
            "study.toml:54:10: colour \"blue\" of category \"global\" is not a colour; expected #RRGGBB"
        ]
    );
}

#[test]
fn a_code_declared_twice_and_one_that_is_not_an_identifier() {
    let text = edit(1, "id = \"movement\"", "id = \"silos\"").replacen(
        "id = \"silos\"",
        "id = \"silos!\"",
        1,
    );
    assert_eq!(
        problems(&text),
        [
            "study.toml:57:6: code id \"silos!\" is not an identifier; expected letters, digits, '_' and '-', starting with a letter or digit ([A-Za-z0-9][A-Za-z0-9_-]*)",
        ]
    );
    assert_eq!(
        problems(&edit(1, "id = \"movement\"", "id = \"silos\"")),
        [
            "study.toml:62:6: code \"silos\" is already declared on line 57; expected each code id once"
        ]
    );
}

#[test]
fn references_to_undeclared_dimensions() {
    let text = edit(
        1,
        "primary_dimension = \"population\"",
        "primary_dimension = \"pop\"",
    )
    .replacen(
        "vertical_dimension = \"level\"",
        "vertical_dimension = \"reach\"",
        1,
    )
    .replacen("rows = \"population\"", "rows = \"people\"", 1)
    .replacen("columns = \"level\"", "columns = \"levels\"", 1);
    assert_eq!(
        problems(&text),
        [
            "study.toml:10:21: primary_dimension \"pop\" is not a declared dimension; expected one of: population, level",
            "study.toml:11:22: vertical_dimension \"reach\" is not a declared dimension; expected one of: population, level",
            "study.toml:67:8: grid.rows \"people\" is not a declared dimension; expected one of: population, level",
            "study.toml:68:11: grid.columns \"levels\" is not a declared dimension; expected one of: population, level",
        ]
    );
}

/// `mixing-<column>-<wave>` names a figure file: column `level-a` with wave `b` and
/// column `level` with wave `a-b` would both write `mixing-level-a-b.svg`.
#[test]
fn ids_that_would_name_one_figure_twice() {
    let text = edit(1, "column = \"population\"", "column = \"level-a\"")
        .replacen(
            "primary_dimension = \"population\"",
            "primary_dimension = \"level-a\"",
            1,
        )
        .replacen("rows = \"population\"", "rows = \"level-a\"", 1)
        .replacen("id = \"before\"", "id = \"a-b\"", 1)
        .replacen("id = \"after\"", "id = \"b\"", 1);
    assert_eq!(
        problems(&text),
        [
            "study.toml:28:6: wave id \"b\" with dimension column \"level-a\" names the figure \"mixing-level-a-b\", as wave \"a-b\" with column \"level\" does; expected wave ids and columns that give every figure its own file name"
        ]
    );
}

/// Every problem at once, sorted by position.
#[test]
fn several_problems_are_reported_together() {
    let text = edit(1, "#56B4E9", "blue")
        .replacen("id = \"movement\"", "id = \"silos\"", 1)
        .replacen("2020-01-01", "2020-02-30", 1)
        .replacen("seed = 1\n", "seed = 1\nsuppression_threshold = 0\n", 1);
    assert_eq!(
        problems(&text),
        [
            "study.toml:6:11: created \"2020-02-30\" is not a day of the calendar; expected a real date from 1970 on, as YYYY-MM-DD",
            "study.toml:10:25: suppression_threshold must be at least 1",
            "study.toml:55:10: colour \"blue\" of category \"global\" is not a colour; expected #RRGGBB",
            "study.toml:63:6: code \"silos\" is already declared on line 58; expected each code id once",
        ]
    );
}

/// The templates read the configuration as `study`: it must serialise to the keys
/// and values of the file itself (resolved references written back as names).
#[test]
fn the_shipped_configuration_serialises_to_its_own_keys() {
    let text = include_str!("../../data/study.toml");
    let config = StudyConfig::parse(text).expect("data/study.toml parses");
    let mut ours = serde_json::to_value(&config).expect("serialises");
    let file: serde_json::Value = toml::from_str(text).expect("TOML");
    // Optional keys the file leaves out are written with their defaults.
    for (key, default) in [
        ("previous_brief", serde_json::Value::Null),
        ("attach_full_statistics", serde_json::Value::Bool(false)),
        ("network_map", serde_json::Value::from("organisations")),
    ] {
        if file.get(key).is_none()
            && let Some(o) = ours.as_object_mut()
        {
            assert_eq!(o.remove(key), Some(default), "{key}");
        }
    }
    drop_derived_text_labels(&mut ours, &file);
    assert_eq!(ours, file);
}

/// Removes from `ours` every `text_label` that `file` leaves out at the same place
/// (the configuration derives one from the label), after checking it is not empty.
fn drop_derived_text_labels(ours: &mut serde_json::Value, file: &serde_json::Value) {
    match (ours, file) {
        (serde_json::Value::Object(o), serde_json::Value::Object(f)) => {
            if f.get("text_label").is_none()
                && let Some(derived) = o.remove("text_label")
            {
                assert!(derived.as_str().is_some_and(|s| !s.is_empty()), "{derived}");
            }
            for (key, value) in o.iter_mut() {
                if let Some(f) = f.get(key) {
                    drop_derived_text_labels(value, f);
                }
            }
        }
        (serde_json::Value::Array(o), serde_json::Value::Array(f)) => {
            for (value, f) in o.iter_mut().zip(f) {
                drop_derived_text_labels(value, f);
            }
        }
        _ => {}
    }
}
