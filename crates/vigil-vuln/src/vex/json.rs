//! Lenient JSON shapes for reading VEX documents with serde.
//!
//! A field declared as [`Val`] or [`Many`] accepts every JSON value: what was expected is kept,
//! anything else is recorded as the [`Kind`] found, so the caller can say "`status` is a number,
//! expected a string" instead of serde's generic message. Fields the reader does not declare are
//! skipped without being stored, so a large SBOM costs memory only for the few fields VEX uses.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::MAX_STATEMENTS;

/// Most items kept from one JSON array; the rest are counted and skipped, so a caller can report
/// the true length against its limit without having stored it.
pub(crate) const MAX_ITEMS: usize = MAX_STATEMENTS;

/// The kind of a JSON value, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        })
    }
}

/// A value where a string or an object of shape `T` may appear, or the kind found instead.
#[derive(Debug)]
pub(crate) enum Val<T> {
    Str(String),
    Obj(T),
    Other(Kind),
}

/// Stands for "an object" where only a string is wanted; its content is skipped.
#[derive(Debug)]
pub(crate) struct Skipped;

impl<'de> Deserialize<'de> for Skipped {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer).map(|_| Skipped)
    }
}

/// A value where only a string is wanted.
pub(crate) type Text = Val<Skipped>;

impl<T> Val<T> {
    /// The kind of value that was found.
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Val::Str(_) => Kind::String,
            Val::Obj(_) => Kind::Object,
            Val::Other(kind) => *kind,
        }
    }

    /// The string, or the kind found instead.
    pub(crate) fn into_string(self) -> Result<String, Kind> {
        match self {
            Val::Str(s) => Ok(s),
            other => Err(other.kind()),
        }
    }

    /// The object, or the kind found instead.
    pub(crate) fn into_object(self) -> Result<T, Kind> {
        match self {
            Val::Obj(o) => Ok(o),
            other => Err(other.kind()),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Val<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValVisitor(PhantomData))
    }
}

struct ValVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ValVisitor<T> {
    type Value = Val<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Val::Other(Kind::Bool))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Val::Other(Kind::Number))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Val::Other(Kind::Number))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Val::Other(Kind::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Val::Str(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Val::Str(s))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Val::Other(Kind::Null))
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Val::Other(Kind::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Val::Other(Kind::Array))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Val::Obj)
    }
}

/// A value where an array of `T` is wanted, or the kind found instead.
#[derive(Debug)]
pub(crate) enum Many<T> {
    /// The first [`MAX_ITEMS`] items, and the array's full length.
    Items(Vec<T>, usize),
    Other(Kind),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Many<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ManyVisitor(PhantomData))
    }
}

struct ManyVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ManyVisitor<T> {
    type Value = Many<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Many::Other(Kind::Bool))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Many::Other(Kind::Number))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Many::Other(Kind::Number))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Many::Other(Kind::Number))
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Many::Other(Kind::String))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Many::Other(Kind::Null))
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Many::Other(Kind::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        let mut len = 0usize;
        loop {
            if len < MAX_ITEMS {
                match seq.next_element::<T>()? {
                    Some(item) => items.push(item),
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            len = len.saturating_add(1);
        }
        Ok(Many::Items(items, len))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Many::Other(Kind::Object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Doc {
        a: Option<Text>,
        b: Option<Many<Text>>,
    }

    fn doc(json: &str) -> Doc {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn records_the_kind_found() {
        let d = doc(r#"{"a": 1, "b": {"x": [1, 2]}, "ignored": [[[{}]]]}"#);
        assert_eq!(d.a.map(|v| v.kind()), Some(Kind::Number));
        assert!(matches!(d.b, Some(Many::Other(Kind::Object))));
        let d = doc(r#"{"a": {"k": "v"}, "b": ["x", true, null]}"#);
        assert_eq!(d.a.map(Val::into_string), Some(Err(Kind::Object)));
        let Some(Many::Items(items, 3)) = d.b else { panic!("items") };
        let kinds: Vec<Kind> = items.iter().map(Val::kind).collect();
        assert_eq!(kinds, [Kind::String, Kind::Bool, Kind::Null]);
        assert!(doc(r#"{"a": null}"#).a.is_none());
    }

    #[test]
    fn deep_nesting_never_overflows_the_stack() {
        // serde_json skips ignored values without recursing.
        let deep = format!("{{\"ignored\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(serde_json::from_str::<Doc>(&deep).is_ok());
        let deep = format!("{{\"b\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        let Ok(Doc { b: Some(Many::Items(items, 1)), .. }) = serde_json::from_str::<Doc>(&deep) else { panic!() };
        assert_eq!(items.first().map(Val::kind), Some(Kind::Array));
    }
}
