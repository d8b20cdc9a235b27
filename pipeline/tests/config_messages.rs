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

/// A `[narrative]` to append to `BASE` (its lines count on from `BASE`'s last).
const NARRATIVE: &str = r#"
[narrative]
alliance = "Test alliance"

[[narrative.conclusions]]
text = "Ties grew."
requires = "ties_change:increasd"

[[narrative.recommendations]]
text = "Keep going."
require = "ties_change:increased"
"#;

/// The brief's case: problems of every kind in one file, each reported at its own
/// line and column in one run, in file order. Before, serde stopped at the first
/// unknown key and the other checks never ran.
#[test]
fn problems_of_every_kind_are_reported_in_one_run() {
    let text = edit(
        1,
        "label = \"After\"\n",
        "label = \"After\"\nnotes = \"late\"\n",
    )
    .replacen("date = \"2020-01-02\"", "date = \"2020-02-30\"", 1)
    .replacen("kind = \"challenge\"", "kind = \"challenges\"", 1)
    .replacen("id = \"movement\"", "id = \"silos\"", 1)
        + NARRATIVE;
    assert_eq!(
        problems(&text),
        [
            "study.toml:20:8: event.date \"2020-02-30\" is not a day of the calendar; expected a real date from 1970 on, as YYYY-MM-DD",
            "study.toml:30:1: unknown field `notes`, expected one of `id`, `label`, `text_label`, `year`",
            "study.toml:60:8: kind \"challenges\" of code \"silos\" is not a known value; expected one of `challenge`, `benefit`, `recommendation`",
            "study.toml:63:6: code \"silos\" is already declared on line 58; expected each code id once",
            "study.toml:80:13: requires \"ties_change:increasd\": \"increasd\" is not a verdict of ties_change; expected one of: increased, no_clear_change, decreased",
            "study.toml:84:1: unknown field `require`, expected `text` or `requires`",
        ]
    );
}

/// The issue's case: a misspelt key (so another is missing) and three enum values
/// that are not allowed, all reported together.
#[test]
fn a_misspelt_key_does_not_hide_bad_enum_values() {
    let text = edit(2, "colour = ", "color = ")
        .replacen("\"union\"", "\"unoin\"", 1)
        .replacen("kind = \"challenge\"", "kind = \"challenges\"", 1)
        .replacen("seed = 1\n", "seed = 1\nnetwork_map = \"group\"\n", 1);
    assert_eq!(
        problems(&text),
        [
            "study.toml:8:12: tie_rule \"unoin\" is not a known value; expected one of `union`, `reciprocated`",
            "study.toml:10:15: network_map \"group\" is not a known value; expected one of `organisations`, `groups`, `off`",
            "study.toml:40:1: missing field `colour`",
            "study.toml:43:1: unknown field `color`, expected one of `id`, `label`, `text_label`, `colour`",
            "study.toml:60:8: kind \"challenges\" of code \"silos\" is not a known value; expected one of `challenge`, `benefit`, `recommendation`",
        ]
    );
}

/// Missing keys and values of the wrong type, in several tables, with a check of
/// the validation after serde (a bad colour) still run.
#[test]
fn missing_keys_and_wrong_types_are_all_reported() {
    let text = edit(1, "seed = 1\n", "")
        .replacen("name = \"Test\"\n", "", 1)
        .replacen("year = 2010", "year = \"2010\"", 1)
        .replacen("synthetic = true", "synthetic = \"yes\"", 1)
        .replacen("#56B4E9", "blue", 1)
        .replacen("label = \"Local\"\n", "", 1)
        .replacen("observed_meetings = []", "observed_meetings = \"none\"", 1);
    assert_eq!(
        problems(&text),
        [
            "study.toml:1:1: missing field `seed`",
            "study.toml:7:13: invalid type: string \"yes\", expected a boolean",
            "study.toml:16:1: missing field `name`",
            "study.toml:23:8: invalid type: string \"2010\", expected i32",
            "study.toml:45:1: missing field `label`",
            "study.toml:51:10: colour \"blue\" of category \"global\" is not a colour; expected #RRGGBB",
            "study.toml:69:21: invalid type: string \"none\", expected a sequence",
        ]
    );
}

/// A missing table, and a table where a string belongs: each is one message, and
/// the keys of the stand-in table are not reported again.
#[test]
fn a_missing_table_and_a_table_of_the_wrong_type() {
    let start = BASE.find("[event]").expect("event");
    let end = BASE.find("[[waves]]").expect("waves");
    let text = format!("{}{}", &BASE[..start], &BASE[end..]).replacen(
        "version = \"1\"",
        "version = { major = 1 }",
        1,
    );
    assert_eq!(
        problems(&text),
        [
            "study.toml:1:1: missing field `event`",
            "study.toml:5:11: invalid type: map, expected a string",
        ]
    );
}

/// An unknown key in every kind of table is reported, each at its key.
#[test]
fn an_unknown_key_in_every_kind_of_table() {
    let text = format!("extra = 1\n{}", BASE)
        .replacen(
            "affiliation = \"Somewhere\"\n",
            "affiliation = \"Somewhere\"\nextra = 1\n",
            1,
        )
        .replacen("place = \"Here\"\n", "place = \"Here\"\nextra = 1\n", 1)
        .replacen("year = 2010\n", "year = 2010\nextra = 1\n", 1)
        .replacen(
            "label = \"Population\"\n",
            "label = \"Population\"\nextra = 1\n",
            1,
        )
        .replacen(
            "colour = \"#E69F00\"\n",
            "colour = \"#E69F00\"\nextra = 1\n",
            1,
        )
        .replacen("kind = \"benefit\"\n", "kind = \"benefit\"\nextra = 1\n", 1)
        .replacen(
            "columns = \"level\"\n",
            "columns = \"level\"\nextra = 1\n",
            1,
        )
        .replacen(
            "observed_meetings = []\n",
            "observed_meetings = []\nextra = 1\n",
            1,
        )
        + "\n[narrative]\nextra = 1\n[[narrative.questions]]\ntitle = \"Q\"\ntext = \"Why?\"\nextra = 1\n[[narrative.conclusions]]\ntext = \"C\"\nextra = 1\n[[narrative.recommendations]]\ntext = \"R\"\nextra = 1\n";
    assert_eq!(
        problems(&text),
        [
            "study.toml:1:1: unknown field `extra`, expected one of `schema`, `title`, `subtitle`, `short_title`, `version`, `keywords`, `created`, `synthetic`, `suppression_threshold`, `tie_rule`, `permutations`, `seed`, `authors`, `event`, `waves`, `primary_dimension`, `vertical_dimension`, `dimensions`, `codebook`, `grid`, `methods`, `previous_brief`, `attach_full_statistics`, `network_map`, `narrative`",
            "study.toml:17:1: unknown field `extra`, expected `name` or `affiliation`",
            "study.toml:22:1: unknown field `extra`, expected one of `name`, `place`, `date`",
            "study.toml:29:1: unknown field `extra`, expected one of `id`, `label`, `text_label`, `year`",
            "study.toml:39:1: unknown field `extra`, expected one of `column`, `label`, `text_label`, `categories`",
            "study.toml:44:1: unknown field `extra`, expected one of `id`, `label`, `text_label`, `colour`",
            "study.toml:71:1: unknown field `extra`, expected one of `id`, `label`, `text_label`, `kind`",
            "study.toml:76:1: unknown field `extra`, expected `rows` or `columns`",
            "study.toml:81:1: unknown field `extra`, expected `field_visit_countries` or `observed_meetings`",
            "study.toml:84:1: unknown field `extra`, expected one of `alliance`, `tagline`, `background`, `questions`, `profile`, `conclusions`, `recommendations`, `limitations`, `discussion`, `discussion_question`",
            "study.toml:88:1: unknown field `extra`, expected `title` or `text`",
            "study.toml:91:1: unknown field `extra`, expected `text` or `requires`",
            "study.toml:94:1: unknown field `extra`, expected `text` or `requires`",
        ]
    );
}
