//! Filling the Typst templates: a minijinja environment whose every interpolation is
//! escaped for the Typst context it lands in, so text from the data can never run as
//! Typst code.
//!
//! Typst has three contexts, and each has its own escaping:
//! - **markup** (the default): every template, whatever its file name, is auto-escaped
//!   with the custom `typst` mode. A value printed with `{{ value }}` has every character
//!   that means something in Typst markup escaped with a backslash; line breaks, the
//!   Unicode line and paragraph separators (U+2028, U+2029) and tabs become spaces; bidi
//!   controls and other invisible format characters are dropped. So `#read(..)`, `$x$`,
//!   `<label>`, `@ref`, `// comment`, a leading `= heading` or a separator that would end a
//!   list item all print literally.
//! - **string**: where a template needs a Typst string literal (metadata, alt text, a
//!   path), it pipes the value through `typst_str`, which quotes it and escapes every
//!   backslash, quote, line break, separator and bidi control as a Typst escape sequence.
//! - **code**: where a value becomes a Typst expression (a boolean argument, a column
//!   count), it goes through `typst_code`, which accepts only booleans, integers, `none`
//!   and strings (quoted as by `typst_str`), and refuses anything else.
//!
//! Auto-escaping can only be turned off explicitly, per template, by naming it in
//! [`UNESCAPED_TEMPLATES`] (empty: no template is unescaped).
//!
//! Floats may only be printed through the formatting filters (`fixed`, `signed`,
//! `percent`, `points`, `pvalue`), so every displayed number follows [`crate::numfmt`].
//! The filters return plain text, not markup: the context's escaping applies to their
//! result like to any other value (markup by default, or `|typst_str` after them in a
//! string context).
//!
//! Words that depend on data have helpers too, so a template never writes "1
//! interviews": `plural` puts a count with the right form of its noun, `and_list` joins
//! items as "a, b and c", and `withheld(obj, key)` says whether the public statistics
//! withheld `obj[key]` (so the template prints the table's suppression mark).

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use crate::numfmt;

/// The name of the custom auto-escape mode.
pub const TYPST_ESCAPE: &str = "typst";

/// Templates rendered without any escaping. Empty: every template is escaped for
/// Typst markup; a template listed here opts out explicitly.
pub const UNESCAPED_TEMPLATES: &[&str] = &[];

/// How an undefined statistic is printed.
pub const NOT_AVAILABLE: &str = "n/a";

/// A template source: its name and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSource {
    /// File name, for example `brief.typ.j2`.
    pub name: String,
    /// Template text.
    pub source: String,
}

/// Renders template `name` from `templates` with `context`.
pub fn render(templates: &[TemplateSource], name: &str, context: &Value) -> Result<String, Error> {
    let env = environment(templates)?;
    env.get_template(name)?.render(context)
}

/// Builds the environment: strict undefined, Typst auto-escape, number filters.
pub fn environment(templates: &[TemplateSource]) -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    let syntax = SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()?;
    env.set_syntax(syntax);
    env.set_auto_escape_callback(|name| {
        if UNESCAPED_TEMPLATES.contains(&name) {
            AutoEscape::None
        } else {
            AutoEscape::Custom(TYPST_ESCAPE.into())
        }
    });
    env.set_formatter(|out, state, value| {
        if let AutoEscape::Custom(mode) = state.auto_escape()
            && mode == TYPST_ESCAPE
        {
            let text = if value.is_safe() {
                value.to_string()
            } else if value.is_undefined() || value.is_none() {
                return Err(Error::new(
                    ErrorKind::UndefinedError,
                    "a missing value was printed",
                ));
            } else if value.is_number() && !value.is_integer() {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    "print floats through a formatting filter (fixed, signed, percent, pvalue)",
                ));
            } else {
                escape_markup(&value.to_string())
            };
            return out.write_str(&text).map_err(Error::from);
        }
        minijinja::escape_formatter(out, state, value)
    });
    env.add_filter("typst_str", |s: String| {
        Value::from_safe_string(typst_string(&s))
    });
    env.add_filter("typst_code", typst_code);
    // The number filters print an undefined statistic (JSON null) as "n/a". They return
    // plain text; the context escapes it.
    env.add_filter("fixed", |x: Option<f64>, d: Option<usize>| {
        x.map_or(NOT_AVAILABLE.into(), |x| numfmt::fixed(x, d.unwrap_or(1)))
    });
    env.add_filter("signed", |x: Option<f64>, d: Option<usize>| {
        x.map_or(NOT_AVAILABLE.into(), |x| numfmt::signed(x, d.unwrap_or(1)))
    });
    env.add_filter("percent", |x: Option<f64>| {
        x.map_or(NOT_AVAILABLE.into(), numfmt::percent)
    });
    env.add_filter("pvalue", |x: Option<f64>| {
        x.map_or(NOT_AVAILABLE.into(), numfmt::p_value)
    });
    // A difference of shares in percentage points; `points(true)` adds the unit.
    env.add_filter("points", |x: Option<f64>, unit: Option<bool>| {
        x.map_or(NOT_AVAILABLE.into(), |x| {
            let n = numfmt::points(x);
            match unit {
                Some(true) if n.trim_start_matches(['+', numfmt::MINUS]) == "1" => {
                    format!("{n} percentage point")
                }
                Some(true) => format!("{n} percentage points"),
                _ => n,
            }
        })
    });
    env.add_filter("plural", plural);
    env.add_filter("and_list", |items: Vec<String>| and_list(&items));
    env.add_function("withheld", withheld);
    for t in templates {
        env.add_template_owned(t.name.clone(), t.source.clone())?;
    }
    Ok(env)
}

/// `n` followed by its noun: `singular` when `n` is 1, else `plural` (default: the
/// singular with an `s`). `n` is an integer, or a count already printed as text (such
/// as `<3`), which takes the plural.
fn plural(n: &Value, singular: &str, plural: Option<&str>) -> Result<String, Error> {
    let many = plural.map_or_else(|| format!("{singular}s"), str::to_owned);
    if let Some(s) = n.as_str() {
        return Ok(format!("{s} {many}"));
    }
    let k = i64::try_from(n.clone()).map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("plural counts integers or printed counts, not {}", n.kind()),
        )
    })?;
    let noun = if k == 1 { singular } else { &many };
    Ok(format!("{} {noun}", numfmt::integer(i128::from(k))))
}

/// `a`, `a and b`, `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Whether `obj` (an object of the public statistics) withholds `key`: its `withheld`
/// object names it. False for objects without one (the full statistics).
fn withheld(obj: &Value, key: &str) -> bool {
    obj.get_attr("withheld")
        .ok()
        .filter(|w| !w.is_undefined() && !w.is_none())
        .and_then(|w| w.get_attr(key).ok())
        .is_some_and(|v| !v.is_undefined() && !v.is_none())
}

/// Characters that are invisible but change how text is laid out or read: the bidi
/// embeddings, overrides and isolates, the directional marks, and the other Unicode
/// format controls that can reorder or hide what a reader sees.
fn is_invisible_control(c: char) -> bool {
    matches!(c,
        '\u{061C}' // Arabic letter mark
        | '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}' // LRE, RLE, PDF, LRO, RLO
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // LRI, RLI, FSI, PDI
        | '\u{FEFF}' // zero-width no-break space (BOM)
    ) || c.is_control()
}

/// Characters that break a line or paragraph in Typst (and in Unicode).
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\r' | '\n' | '\t' | '\u{000B}' | '\u{000C}' | '\u{0085}' | '\u{2028}' | '\u{2029}'
    )
}

/// Escapes text for Typst markup: every ASCII punctuation character that Typst gives
/// a meaning gets a backslash, line and paragraph breaks (including U+2028/U+2029)
/// become spaces, and bidi and other invisible controls are dropped.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for c in s.chars() {
        match c {
            '\\' | '#' | '$' | '*' | '_' | '@' | '<' | '>' | '[' | ']' | '/' | '`' | '=' | '-'
            | '+' | '~' | '{' | '}' | '"' | '\'' | '.' | ':' | '%' | '&' | '|' | '^' => {
                out.push('\\');
                out.push(c);
            }
            c if is_line_break(c) => out.push(' '),
            c if is_invisible_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// A Typst string literal holding `s`: quotes, backslashes and breaks escaped, and
/// every line/paragraph separator and invisible control written as a `\u{..}` escape,
/// so the literal is inert and the source stays readable.
pub fn typst_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_line_break(c) || is_invisible_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A value as a Typst code expression: `true`/`false`, an integer, `none`, or a string
/// literal. Anything else (floats, sequences, maps) is refused: a float must be
/// formatted first, and structures are built in the template.
fn typst_code(value: &Value) -> Result<Value, Error> {
    use minijinja::value::ValueKind;
    let code = match value.kind() {
        ValueKind::None => "none".to_owned(),
        ValueKind::Bool => value.is_true().to_string(),
        ValueKind::Number if value.is_integer() => value.to_string(),
        ValueKind::String => typst_string(value.as_str().unwrap_or_default()),
        kind => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("typst_code accepts booleans, integers, none and strings, not {kind}"),
            ));
        }
    };
    Ok(Value::from_safe_string(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(template: &str, ctx: Value) -> String {
        let t = TemplateSource {
            name: "t.typ.j2".into(),
            source: template.into(),
        };
        render(&[t], "t.typ.j2", &ctx).expect("renders")
    }

    #[test]
    fn data_strings_are_escaped_for_markup() {
        let out = fill(
            "A {{ x }} B",
            minijinja::context! { x => "#read(\"/etc/passwd\") $x$ <l> @r // c" },
        );
        assert_eq!(
            out,
            "A \\#read(\\\"\\/etc\\/passwd\\\") \\$x\\$ \\<l\\> \\@r \\/\\/ c B"
        );
    }

    #[test]
    fn leading_markup_and_newlines_are_neutralised() {
        let out = fill("{{ x }}", minijinja::context! { x => "= H\n- item\n+ n" });
        assert_eq!(out, "\\= H \\- item \\+ n");
    }

    #[test]
    fn typst_str_and_number_filters() {
        let ctx = minijinja::context! { s => "a\"b\\", r => 0.6739, f => 2.345 };
        assert_eq!(fill("{{ s|typst_str }}", ctx.clone()), "\"a\\\"b\\\\\"");
        assert_eq!(
            fill("{{ r|percent }} {{ f|fixed(2) }}", ctx.clone()),
            "67\\% 2\\.35"
        );
        assert_eq!(
            fill("{{ none|fixed(2) }} {{ none|percent }}", ctx.clone()),
            "n\\/a n\\/a"
        );
        // In a string context the filters' plain text is quoted, not markup-escaped.
        assert_eq!(
            fill(
                "{{ r|percent|typst_str }} {{ -0.5|signed(1)|typst_str }}",
                ctx.clone()
            ),
            "\"67%\" \"−0.5\""
        );
        let t = TemplateSource {
            name: "t.typ.j2".into(),
            source: "{{ f }}".into(),
        };
        let err = render(&[t], "t.typ.j2", &ctx).expect_err("raw floats are refused");
        assert!(err.to_string().contains("formatting filter"), "{err}");
    }

    #[test]
    fn counts_agree_with_their_nouns() {
        let ctx = minijinja::context! { one => 1, two => 2, zero => 0, small => "<3" };
        assert_eq!(
            fill(
                "{{ one|plural(\"interview\") }}; {{ two|plural(\"interview\") }}; {{ zero|plural(\"focus group\") }}; {{ small|plural(\"organisation\") }}; {{ one|plural(\"country\", \"countries\") }}",
                ctx
            ),
            "1 interview; 2 interviews; 0 focus groups; \\<3 organisations; 1 country"
        );
        let ctx = minijinja::context! { a => vec!["x"], b => vec!["x", "y", "z"] };
        assert_eq!(
            fill("{{ a|and_list }} / {{ b|and_list }}", ctx),
            "x / x, y and z"
        );
    }

    #[test]
    fn percentage_points_take_their_unit_on_request() {
        let ctx = minijinja::context! { a => 0.2049, b => -0.01, c => 0.0 };
        assert_eq!(
            fill(
                "{{ a|points }}; {{ a|points(true) }}; {{ b|points(true) }}; {{ c|points(true) }}",
                ctx
            ),
            "\\+20; \\+20 percentage points; \u{2212}1 percentage point; 0 percentage points"
        );
    }

    #[test]
    fn withheld_reads_the_public_marks() {
        let ctx = minijinja::context! {
            c => minijinja::context! { n => (), withheld => minijinja::context! { n => "small" } },
            d => minijinja::context! { n => 4 },
        };
        assert_eq!(
            fill(
                "{{ withheld(c, \"n\") }} {{ withheld(c, \"mean\") }} {{ withheld(d, \"n\") }}",
                ctx
            ),
            "True False False"
        );
    }

    #[test]
    fn undefined_values_are_errors() {
        let t = TemplateSource {
            name: "t.typ.j2".into(),
            source: "{{ missing }}".into(),
        };
        assert!(render(&[t], "t.typ.j2", &Value::from(())).is_err());
    }

    #[test]
    fn unicode_separators_and_bidi_controls_are_inert() {
        let hostile = "a\u{2028}= H\u{2029}- i\u{202E}b\u{2066}c\u{200F}d\u{0085}e";
        let out = fill("{{ x }}", minijinja::context! { x => hostile });
        assert_eq!(out, "a \\= H \\- ibcd e");
        let s = fill("{{ x|typst_str }}", minijinja::context! { x => hostile });
        assert_eq!(
            s,
            "\"a\\u{2028}= H\\u{2029}- i\\u{202e}b\\u{2066}c\\u{200f}d\\u{85}e\""
        );
    }

    #[test]
    fn every_template_is_escaped_whatever_its_name() {
        for name in ["part.j2", "notes.txt", "x"] {
            let t = TemplateSource {
                name: name.into(),
                source: "{{ x }}".into(),
            };
            let out =
                render(&[t], name, &minijinja::context! { x => "#eval(1)" }).expect("renders");
            assert_eq!(out, "\\#eval(1)", "{name}");
        }
    }

    #[test]
    fn code_context_takes_only_literals() {
        let ctx = minijinja::context! { b => true, n => -3, s => "a\"b", f => 0.5 };
        assert_eq!(
            fill(
                "{{ b|typst_code }} {{ n|typst_code }} {{ s|typst_code }} {{ none|typst_code }}",
                ctx.clone()
            ),
            "true -3 \"a\\\"b\" none"
        );
        let t = TemplateSource {
            name: "t.typ.j2".into(),
            source: "{{ f|typst_code }}".into(),
        };
        let err = render(&[t], "t.typ.j2", &ctx).expect_err("floats are refused in code");
        assert!(err.to_string().contains("typst_code accepts"), "{err}");
    }
}
