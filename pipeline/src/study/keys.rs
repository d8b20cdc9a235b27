//! Every unknown key of `study.toml`, reported at once.
//!
//! serde's `deny_unknown_fields` stops at the first unknown key, so an author with two
//! typos would see one per run. Before serde reads the file, [`strip_unknown`] walks
//! the parsed (spanned) document, compares the keys of each table with those its raw
//! struct accepts, reports every unknown key at its own position, and removes it; serde
//! and the checks after it then run on the rest. (The raw structs keep
//! `deny_unknown_fields` as a backstop: a table this walk did not visit still cannot
//! smuggle a key past serde.)
//!
//! The accepted keys are not written out a second time here: [`fields_of`] asks serde
//! for the field list its derive generated (the list every `deserialize_struct` call
//! receives), so a field added to a raw struct is accepted here too. What this module
//! writes by hand is only which key holds which kind of nested table
//! ([`Table::nested`]); a test puts an unknown key into every kind of table.

use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeOwned, Visitor};
use toml::de::{DeTable, DeValue};

use super::raw::{
    RawAuthored, RawCategory, RawCode, RawConfig, RawDimension, RawEvent, RawGrid, RawNarrative,
    RawQuestion, RawWave,
};
use super::{Author, Methods};

/// The kinds of table `study.toml` has, each read by one struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Table {
    /// The top level, [`RawConfig`].
    Root,
    /// `[event]`.
    Event,
    /// `[[authors]]`.
    Author,
    /// `[[waves]]`.
    Wave,
    /// `[[dimensions]]`.
    Dimension,
    /// `[[dimensions.categories]]`.
    Category,
    /// `[[codebook]]`.
    Code,
    /// `[grid]`.
    Grid,
    /// `[methods]`.
    Methods,
    /// `[narrative]`.
    Narrative,
    /// `[[narrative.questions]]`.
    Question,
    /// `[[narrative.conclusions]]` and `[[narrative.recommendations]]`.
    Authored,
}

impl Table {
    /// The keys this table accepts, in the order of its struct's fields.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Table::Root => fields_of::<RawConfig>(),
            Table::Event => fields_of::<RawEvent>(),
            Table::Author => fields_of::<Author>(),
            Table::Wave => fields_of::<RawWave>(),
            Table::Dimension => fields_of::<RawDimension>(),
            Table::Category => fields_of::<RawCategory>(),
            Table::Code => fields_of::<RawCode>(),
            Table::Grid => fields_of::<RawGrid>(),
            Table::Methods => fields_of::<Methods>(),
            Table::Narrative => fields_of::<RawNarrative>(),
            Table::Question => fields_of::<RawQuestion>(),
            Table::Authored => fields_of::<RawAuthored>(),
        }
    }

    /// The kind of table (or array of tables) under `key`, when it holds one.
    fn nested(self, key: &str) -> Option<Table> {
        Some(match (self, key) {
            (Table::Root, "event") => Table::Event,
            (Table::Root, "authors") => Table::Author,
            (Table::Root, "waves") => Table::Wave,
            (Table::Root, "dimensions") => Table::Dimension,
            (Table::Root, "codebook") => Table::Code,
            (Table::Root, "grid") => Table::Grid,
            (Table::Root, "methods") => Table::Methods,
            (Table::Root, "narrative") => Table::Narrative,
            (Table::Dimension, "categories") => Table::Category,
            (Table::Narrative, "questions") => Table::Question,
            (Table::Narrative, "conclusions" | "recommendations") => Table::Authored,
            _ => return None,
        })
    }
}

/// Removes every key of `table` (a table of kind `kind`) and of the tables nested in
/// it that the kind does not accept, and returns each with its span and message, in
/// no particular order (problems are sorted when reported).
///
/// A nested value of the wrong type (a string where a table belongs) is left alone:
/// serde reports it.
pub(super) fn strip_unknown(table: &mut DeTable<'_>, kind: Table) -> Vec<(Range<usize>, String)> {
    let mut found = Vec::new();
    strip(table, kind, &mut found);
    found
}

fn strip(table: &mut DeTable<'_>, kind: Table, found: &mut Vec<(Range<usize>, String)>) {
    let fields = kind.fields();
    let unknown: Vec<String> = table
        .keys()
        .filter(|key| !fields.contains(&key.get_ref().as_ref()))
        .map(|key| {
            let name = key.get_ref().to_string();
            found.push((key.span(), unknown_field(&name, fields)));
            name
        })
        .collect();
    for name in unknown {
        table.remove(name.as_str());
    }
    for (key, value) in table.iter_mut() {
        let Some(inner) = kind.nested(key.get_ref()) else {
            continue;
        };
        match value.get_mut() {
            DeValue::Table(t) => strip(t, inner, found),
            DeValue::Array(items) => {
                for item in items.as_mut() {
                    if let DeValue::Table(t) = item.get_mut() {
                        strip(t, inner, found);
                    }
                }
            }
            _ => {}
        }
    }
}

/// serde's own message for an unknown field (what `deny_unknown_fields` says), so the
/// wording is the same whether this walk or serde finds the key.
fn unknown_field(name: &str, fields: &'static [&'static str]) -> String {
    <de::value::Error as de::Error>::unknown_field(name, fields).to_string()
}

/// The field names serde's derive generated for `T` (a struct).
pub(super) fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    match T::deserialize(Capture) {
        Err(Captured::Names(names)) => names,
        _ => &[],
    }
}

/// The variant names serde's derive generated for `T` (an enum of unit variants).
pub(super) fn variants_of<T: DeserializeOwned>() -> &'static [&'static str] {
    fields_of::<T>()
}

/// A deserializer that deserialises nothing: it fails at once, carrying the field
/// names of the struct (or the variant names of the enum) asked for.
struct Capture;

/// The "error" [`Capture`] returns.
#[derive(Debug)]
enum Captured {
    /// The names a `deserialize_struct` or `deserialize_enum` call received.
    Names(&'static [&'static str]),
    /// Anything else was asked for.
    Other,
}

impl fmt::Display for Captured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the names of a struct's fields or an enum's variants")
    }
}

impl std::error::Error for Captured {}

impl de::Error for Captured {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Captured::Other
    }
}

impl<'de> de::Deserializer<'de> for Capture {
    type Error = Captured;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Captured> {
        Err(Captured::Other)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Captured> {
        Err(Captured::Names(fields))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Captured> {
        Err(Captured::Names(variants))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::{CodeKind, NetworkMapMode, TieRule};

    #[test]
    fn field_names_come_from_the_structs() {
        assert_eq!(
            fields_of::<RawCategory>(),
            ["id", "label", "text_label", "colour"]
        );
        assert_eq!(fields_of::<RawGrid>(), ["rows", "columns"]);
        assert_eq!(fields_of::<Author>(), ["name", "affiliation"]);
    }

    #[test]
    fn variant_names_come_from_the_enums() {
        assert_eq!(variants_of::<TieRule>(), ["union", "reciprocated"]);
        assert_eq!(
            variants_of::<NetworkMapMode>(),
            ["organisations", "groups", "off"]
        );
        assert_eq!(
            variants_of::<CodeKind>(),
            ["challenge", "benefit", "recommendation"]
        );
    }

    #[test]
    fn every_kind_of_table_is_known_by_its_parent() {
        let all = [
            Table::Event,
            Table::Author,
            Table::Wave,
            Table::Dimension,
            Table::Category,
            Table::Code,
            Table::Grid,
            Table::Methods,
            Table::Narrative,
            Table::Question,
            Table::Authored,
        ];
        let parents = [Table::Root, Table::Dimension, Table::Narrative];
        for kind in all {
            let named = parents
                .iter()
                .any(|&p| p.fields().iter().any(|f| p.nested(f) == Some(kind)));
            assert!(named, "{kind:?} is under no accepted key");
        }
    }
}
