//! Filling the Typst templates: a minijinja environment whose every interpolation is
//! escaped for Typst, so text from the data can never run as Typst code.
//!
//! Templates named `*.typ.j2` are auto-escaped with the custom `typst` mode: a string
//! printed with `{{ value }}` has every character that means something in Typst markup
//! escaped with a backslash, and its line breaks turned into spaces, so `#read(..)`,
//! `$x$`, `<label>`, `@ref`, `// comment` or a leading `= heading` print literally.
//! Where a template needs a Typst *string* (metadata, alt text) it uses the
//! `typst_str` filter, which produces a quoted and escaped string literal. Floats may
//! only be printed through the formatting filters (`fixed`, `percent`, `pvalue`), so
//! every displayed number follows [`crate::numfmt`].

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior};

use crate::numfmt;

/// The name of the custom auto-escape mode.
pub const TYPST_ESCAPE: &str = "typst";

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
        if name.ends_with(".typ.j2") || name.ends_with(".typ") {
            AutoEscape::Custom(TYPST_ESCAPE.into())
        } else {
            AutoEscape::None
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
    // The number filters print an undefined statistic (JSON null) as "n/a".
    env.add_filter("fixed", |x: Option<f64>, d: Option<usize>| {
        Value::from_safe_string(x.map_or(NOT_AVAILABLE.into(), |x| {
            escape_markup(&numfmt::fixed(x, d.unwrap_or(1)))
        }))
    });
    env.add_filter("signed", |x: Option<f64>, d: Option<usize>| {
        Value::from_safe_string(x.map_or(NOT_AVAILABLE.into(), |x| {
            escape_markup(&numfmt::signed(x, d.unwrap_or(1)))
        }))
    });
    env.add_filter("percent", |x: Option<f64>| {
        Value::from_safe_string(
            x.map_or(NOT_AVAILABLE.into(), |x| escape_markup(&numfmt::percent(x))),
        )
    });
    env.add_filter("pvalue", |x: Option<f64>| {
        Value::from_safe_string(
            x.map_or(NOT_AVAILABLE.into(), |x| escape_markup(&numfmt::p_value(x))),
        )
    });
    for t in templates {
        env.add_template_owned(t.name.clone(), t.source.clone())?;
    }
    Ok(env)
}

/// Escapes text for Typst markup: every ASCII punctuation character that Typst gives
/// a meaning gets a backslash, and line breaks become spaces.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for c in s.chars() {
        match c {
            '\\' | '#' | '$' | '*' | '_' | '@' | '<' | '>' | '[' | ']' | '/' | '`' | '=' | '-'
            | '+' | '~' | '{' | '}' | '"' | '\'' | '.' | ':' | '%' | '&' | '|' | '^' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A Typst string literal holding `s` exactly.
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
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
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
            "n/a n/a"
        );
        let t = TemplateSource {
            name: "t.typ.j2".into(),
            source: "{{ f }}".into(),
        };
        let err = render(&[t], "t.typ.j2", &ctx).expect_err("raw floats are refused");
        assert!(err.to_string().contains("formatting filter"), "{err}");
    }

    #[test]
    fn undefined_values_are_errors() {
        let t = TemplateSource {
            name: "t.typ.j2".into(),
            source: "{{ missing }}".into(),
        };
        assert!(render(&[t], "t.typ.j2", &Value::from(())).is_err());
    }
}
