//! serde's own problems with `study.toml` (a missing key, a value of the wrong type),
//! every one of them, and a [`RawConfig`] the other checks can still run on.
//!
//! serde stops at its first error. [`read`] reports that error, patches the spanned
//! document where it points (a placeholder value for the missing key, or in place of
//! the value of the wrong type) and reads it again, until serde accepts it. A
//! placeholder's span lies past the end of the text, so nothing about it is ever
//! reported: the checks drop every problem found at such a span, and a placeholder of
//! the wrong kind is silently replaced by the next kind (string, integer, boolean,
//! array, table) until one fits.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeArray, DeInteger, DeTable, DeValue};

use super::raw::RawConfig;

/// The most rounds of reading: far more than a study file has keys that serde can
/// complain about, and a bound in case a patch never satisfies it.
const MAX_ROUNDS: usize = 500;

/// Reads `document` (the parse of a text `len` bytes long) into a [`RawConfig`],
/// returning serde's errors at real positions, in the order found, and the raw
/// configuration when patching made it readable. (Some error is returned whenever the
/// configuration is not.)
pub(super) fn read(
    mut document: Spanned<DeTable<'_>>,
    len: usize,
) -> (Option<RawConfig>, Vec<toml::de::Error>) {
    let mut patches = Patches {
        next: len + 1,
        kind: BTreeMap::new(),
    };
    let mut errors = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let e = match RawConfig::deserialize(toml::de::Deserializer::from(document.clone())) {
            Ok(raw) => return (Some(raw), errors),
            Err(e) => e,
        };
        let Some(span) = e.span() else {
            errors.push(e);
            return (None, errors);
        };
        let placeholder = span.start > len;
        let patched = match missing_field(&e) {
            Some(field) => patches.insert(&mut document, &span, field),
            None => patches.replace(&mut document, &span),
        };
        if !placeholder || errors.is_empty() {
            errors.push(e);
        }
        if !patched {
            return (None, errors);
        }
    }
    (None, errors)
}

/// The key a "missing field" error names (serde's wording, `missing field `x``).
fn missing_field(e: &toml::de::Error) -> Option<String> {
    e.message()
        .trim_end()
        .strip_prefix("missing field `")?
        .strip_suffix('`')
        .map(str::to_owned)
}

/// The placeholders put into the document so far.
struct Patches {
    /// The start of the next placeholder's span (past the end of the text).
    next: usize,
    /// The kind ([`placeholder`]) of the placeholder at each span start.
    kind: BTreeMap<usize, usize>,
}

impl Patches {
    /// A placeholder of `kind`, with a span of its own.
    fn make(&mut self, kind: usize) -> Option<Spanned<DeValue<'static>>> {
        let value = placeholder(kind)?;
        let start = self.next;
        self.next += 1;
        self.kind.insert(start, kind);
        Some(Spanned::new(start..start + 1, value))
    }

    /// Adds `field` to the table at `span`; false when there is no such table.
    fn insert(
        &mut self,
        document: &mut Spanned<DeTable<'_>>,
        span: &Range<usize>,
        field: String,
    ) -> bool {
        let table = if document.span() == *span {
            Some(document.get_mut())
        } else {
            find(document.get_mut(), span, true).and_then(|v| match v.get_mut() {
                DeValue::Table(t) => Some(t),
                _ => None,
            })
        };
        let (Some(table), Some(value)) = (table, self.make(0)) else {
            return false;
        };
        let key = Spanned::new(value.span(), field.into());
        table.insert(key, value);
        true
    }

    /// Replaces the value at `span`: a value of the wrong type by the first kind of
    /// placeholder, a placeholder by the next kind; false when there is no such value
    /// or no kind is left.
    fn replace(&mut self, document: &mut Spanned<DeTable<'_>>, span: &Range<usize>) -> bool {
        let kind = self.kind.get(&span.start).map_or(0, |k| k + 1);
        let Some(slot) = find(document.get_mut(), span, false) else {
            return false;
        };
        match self.make(kind) {
            Some(value) => {
                *slot = value;
                true
            }
            None => false,
        }
    }
}

/// The placeholder values, in the order they are tried.
fn placeholder(kind: usize) -> Option<DeValue<'static>> {
    Some(match kind {
        0 => DeValue::String("".into()),
        1 => DeValue::Integer(DeInteger::default()),
        2 => DeValue::Boolean(false),
        3 => DeValue::Array(DeArray::default()),
        4 => DeValue::Table(DeTable::default()),
        _ => return None,
    })
}

/// The value at exactly `span` in `table` or below it; with `table_only`, the table
/// there. (A table's span is its header's, and an array of tables has the span of
/// its first table, so the two can share a span.)
fn find<'t, 'i>(
    table: &'t mut DeTable<'i>,
    span: &Range<usize>,
    table_only: bool,
) -> Option<&'t mut Spanned<DeValue<'i>>> {
    table
        .iter_mut()
        .find_map(|(_, value)| within(value, span, table_only))
}

fn within<'t, 'i>(
    value: &'t mut Spanned<DeValue<'i>>,
    span: &Range<usize>,
    table_only: bool,
) -> Option<&'t mut Spanned<DeValue<'i>>> {
    let is_table = matches!(value.get_ref(), DeValue::Table(_));
    if value.span() == *span && (is_table || !table_only) {
        return Some(value);
    }
    match value.get_mut() {
        DeValue::Table(t) => find(t, span, table_only),
        DeValue::Array(items) => items
            .as_mut()
            .iter_mut()
            .find_map(|v| within(v, span, table_only)),
        _ => None,
    }
}
