//! Reading this family's files: the input size limit, UTF-8, and JSON and YAML parsing whose
//! errors read `<line>:<col>: <what was wrong>`, so a [`CatalogError`] displays as
//! `<file>: <line>:<col>: <what was wrong>`.

use std::fmt;

use serde::de::DeserializeOwned;

use crate::{CatalogError, CatalogInput};

/// Largest file these catalogers read. The biggest real lockfiles (monorepos with tens of
/// thousands of packages) stay well below it; the cap bounds the memory and time a hostile
/// file can cost.
pub(crate) const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

/// Most YAML nodes read from one lockfile. serde-saphyr's default (250,000) is below what a
/// large monorepo's `pnpm-lock.yaml` holds (about ten nodes per package); this allows about
/// one node per eight bytes of the largest accepted file.
const MAX_YAML_NODES: usize = MAX_INPUT_BYTES / 8;

/// The input as text: at most [`MAX_INPUT_BYTES`], UTF-8, without a leading byte-order mark.
pub(crate) fn text<'a>(input: &CatalogInput<'a>) -> Result<&'a str, CatalogError> {
    let size = input.contents.len();
    if size > MAX_INPUT_BYTES {
        return Err(CatalogError::new(input.path, format!("file is {size} bytes, expected at most {MAX_INPUT_BYTES}")));
    }
    let text = input.text()?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// An error at a 1-based line and column.
pub(crate) fn error_at(path: &str, line: usize, column: usize, message: impl fmt::Display) -> CatalogError {
    CatalogError::new(path, format!("{line}:{column}: {message}"))
}

/// Parses a JSON object into `T` (serde would also build a struct from an array).
pub(crate) fn json<T: DeserializeOwned>(path: &str, text: &str) -> Result<T, CatalogError> {
    let value = serde_json::from_str(text).map_err(|e| {
        let shown = e.to_string();
        // serde_json appends ` at line N column M`; the position goes in front instead.
        let what = shown.rsplit_once(" at line ").map_or(shown.as_str(), |(head, _)| head);
        if e.line() == 0 {
            CatalogError::new(path, format!("invalid JSON, {what}"))
        } else {
            // serde_json reports column 0 at the very start of a line (an empty file).
            error_at(path, e.line(), e.column().max(1), format!("invalid JSON, {what}"))
        }
    })?;
    let start = text.len() - text.trim_start().len();
    if !text.get(start..).is_some_and(|t| t.starts_with('{')) {
        let before = text.get(..start).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |s| s.chars().count()) + 1;
        return Err(error_at(path, line, column, "a JSON document that is not an object, expected `{`"));
    }
    Ok(value)
}

/// Parses YAML into `T` under vigil's YAML limits, with nodes raised to [`MAX_YAML_NODES`]
/// and the input and expanded scalar bytes to [`MAX_INPUT_BYTES`]; a file with no document
/// (empty, or only comments) yields `None`. Errors are `<line>:<col>: invalid YAML, <what>`.
pub(crate) fn yaml<T: DeserializeOwned>(path: &str, text: &str) -> Result<Option<T>, CatalogError> {
    let limits = vigil_yaml::Limits {
        max_file_size: MAX_INPUT_BYTES as u64,
        max_nodes: MAX_YAML_NODES,
        max_expanded_bytes: MAX_INPUT_BYTES,
        ..vigil_yaml::Limits::default()
    };
    vigil_yaml::from_str::<Option<T>>(path, text, &limits).map_err(|e| {
        let what = format!("invalid YAML, {}", e.message);
        if e.line > 0 { error_at(path, e.line, e.column, what) } else { CatalogError::new(path, what) }
    })
}

pub(crate) use crate::catalogers::entries::Entries;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_carry_the_position_in_front() {
        let e = json::<serde_json::Value>("package-lock.json", "{\n  \"a\": nope\n}").unwrap_err();
        assert_eq!(e.to_string(), "package-lock.json: 2:9: invalid JSON, expected ident");
        let e = json::<serde_json::Value>("package-lock.json", "").unwrap_err();
        assert_eq!(e.to_string(), "package-lock.json: 1:1: invalid JSON, EOF while parsing a value");
        let e = json::<serde_json::Value>("package-lock.json", "\n  [1]").unwrap_err();
        assert_eq!(e.to_string(), "package-lock.json: 2:3: a JSON document that is not an object, expected `{`");
        assert!(json::<serde_json::Value>("package-lock.json", " {} ").is_ok());
    }

    #[test]
    fn yaml_errors_carry_the_position_in_front() {
        let e = yaml::<Entries<String>>("pnpm-lock.yaml", "a: b\nc: [d\n").unwrap_err();
        let shown = e.to_string();
        assert!(shown.starts_with("pnpm-lock.yaml: "), "{shown}");
        assert!(shown.contains("invalid YAML, "), "{shown}");
        assert!(!shown.contains(" at line "), "{shown}");
        assert!(!shown.contains('\n'), "{shown}");
        assert_eq!(yaml::<Entries<String>>("pnpm-lock.yaml", "").unwrap(), None);
        assert_eq!(yaml::<Entries<String>>("pnpm-lock.yaml", "# only a comment\n").unwrap(), None);
    }

    #[test]
    fn yaml_scalars_read_as_text() {
        let m = yaml::<Entries<String>>("f", "a: 5.30\nb: 8\nc: true\nd: '9.0'\n").unwrap().unwrap();
        let values: Vec<&str> = m.0.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(values, ["5.30", "8", "true", "9.0"]);
    }

    #[test]
    fn entries_keys_may_carry_their_position() {
        let m = yaml::<Entries<u8, serde_saphyr::Spanned<String>>>("f", "a: 1\n'b': 2\n").unwrap().unwrap();
        let keys: Vec<_> =
            m.0.iter().map(|(k, _)| (k.value.as_str(), k.referenced.line(), k.referenced.column())).collect();
        assert_eq!(keys, [("a", 1, 1), ("b", 2, 1)]);
    }

    #[test]
    fn entries_keep_file_order_and_repeats() {
        let m: Entries<u8> = serde_json::from_str(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
        assert_eq!(m.0, vec![("b".to_string(), 1), ("a".to_string(), 2), ("b".to_string(), 3)]);
    }

    #[test]
    fn text_strips_a_bom_and_rejects_huge_or_binary_input() {
        assert_eq!(text(&CatalogInput::new("f", "\u{feff}{}".as_bytes())).unwrap(), "{}");
        assert!(text(&CatalogInput::new("f", b"\xff")).unwrap_err().to_string().contains("UTF-8"));
        let big = vec![b' '; MAX_INPUT_BYTES + 1];
        assert!(text(&CatalogInput::new("f", &big)).unwrap_err().to_string().contains("expected at most"));
    }
}
