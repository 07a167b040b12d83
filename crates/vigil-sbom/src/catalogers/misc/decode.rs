//! Decoding shared by this family's catalogers: the input size limit, UTF-8, and JSON, TOML,
//! YAML and XML parsing whose errors read `<line>:<col>: <what was wrong>`, so that a
//! [`CatalogError`] displays as `<file>:<line>:<col>: <what was wrong>`.

use std::fmt;

use serde::de::{DeserializeOwned, IgnoredAny};

use crate::{CatalogError, CatalogInput};

/// Largest file these catalogers read. Real lockfiles and POMs stay far below it; the cap keeps
/// a hostile file from costing more than a bounded amount of memory and time.
pub(crate) const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

/// Largest XML tree (elements, attributes' owners, text nodes) parsed from a POM or Gradle
/// verification metadata file.
pub(crate) const MAX_XML_NODES: u32 = 1_000_000;

/// Deepest element nesting accepted in XML. POMs nest about ten levels (plugin configuration a
/// few more); roxmltree 0.20 recurses once per level and overflows a 2 MiB thread stack at a few
/// hundred, so deeper documents are refused before it sees them.
pub(crate) const MAX_XML_DEPTH: usize = 100;

/// The input as text: at most [`MAX_INPUT_BYTES`], UTF-8, without a leading byte-order mark
/// (Visual Studio writes `packages.lock.json` with one).
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

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Parses a JSON object into `T` (serde would also accept an array for a struct, by position).
pub(crate) fn json<T: DeserializeOwned>(path: &str, text: &str) -> Result<T, CatalogError> {
    let first = text.char_indices().find(|(_, c)| !c.is_whitespace());
    if let Some((at, c)) = first
        && c != '{'
    {
        // Report a syntax error if there is one, else the wrong kind of value.
        serde_json::from_str::<IgnoredAny>(text).map_err(|e| json_error(path, &e))?;
        let (line, column) = line_col(text, at);
        return Err(error_at(path, line, column, "the top level is not an object, expected `{`"));
    }
    serde_json::from_str(text).map_err(|e| json_error(path, &e))
}

fn json_error(path: &str, e: &serde_json::Error) -> CatalogError {
    let shown = e.to_string();
    // serde_json appends ` at line N column M`; the position goes in front instead.
    let what = shown.rsplit_once(" at line ").map_or(shown.as_str(), |(head, _)| head);
    if e.line() == 0 {
        CatalogError::new(path, format!("invalid JSON, {what}"))
    } else {
        error_at(path, e.line(), e.column(), format!("invalid JSON, {what}"))
    }
}

/// Parses TOML into `T`.
pub(crate) fn toml<T: DeserializeOwned>(path: &str, text: &str) -> Result<T, CatalogError> {
    toml::from_str(text).map_err(|e| {
        let what = format!("invalid TOML, {}", e.message().trim());
        match e.span() {
            Some(span) => {
                let (line, column) = line_col(text, span.start);
                error_at(path, line, column, what)
            }
            None => CatalogError::new(path, what),
        }
    })
}

/// Parses YAML into `T` under vigil's YAML limits (aliases and merge keys charged by what
/// they copy); an empty document yields `None`.
pub(crate) fn yaml<T: DeserializeOwned>(path: &str, text: &str) -> Result<Option<T>, CatalogError> {
    vigil_yaml::from_str::<Option<T>>(path, text, &vigil_yaml::Limits::default()).map_err(|e| {
        let what = format!("invalid YAML, {}", e.message);
        if e.line > 0 { error_at(path, e.line, e.column, what) } else { CatalogError::new(path, what) }
    })
}

/// Parses XML (no DTD, at most [`MAX_XML_NODES`] nodes nested at most [`MAX_XML_DEPTH`] deep).
pub(crate) fn xml<'a>(path: &str, text: &'a str) -> Result<roxmltree::Document<'a>, CatalogError> {
    if let Some(at) = too_deep(text, MAX_XML_DEPTH) {
        let (line, column) = line_col(text, at);
        return Err(error_at(path, line, column, format!("elements nest deeper than {MAX_XML_DEPTH} levels")));
    }
    let options = roxmltree::ParsingOptions { allow_dtd: false, nodes_limit: MAX_XML_NODES };
    roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        let shown = e.to_string();
        // roxmltree appends ` at R:C`; the position goes in front instead.
        let what = shown.rsplit_once(" at ").map_or(shown.as_str(), |(head, _)| head);
        error_at(path, pos.row as usize, pos.col as usize, format!("invalid XML, {what}"))
    })
}

/// The offset of the first start tag nested deeper than `limit`, by a linear scan that counts
/// every `<name` roxmltree could take for a start tag (it skips comments, CDATA, processing
/// instructions and declarations as roxmltree does; a quoted attribute value ends at `<`, where
/// roxmltree stops with an error).
fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let skip_past = |from: usize, end: &[u8]| -> usize {
        bytes
            .get(from..)
            .and_then(|rest| rest.windows(end.len()).position(|w| w == end))
            .map_or(bytes.len(), |i| from + i + end.len())
    };
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(offset) = bytes.get(i..).and_then(|rest| rest.iter().position(|&b| b == b'<')) {
        let at = i + offset;
        let rest = bytes.get(at..).unwrap_or_default();
        if rest.starts_with(b"<!--") {
            i = skip_past(at + 4, b"-->");
        } else if rest.starts_with(b"<![CDATA[") {
            i = skip_past(at + 9, b"]]>");
        } else if rest.starts_with(b"<?") {
            i = skip_past(at + 2, b"?>");
        } else if rest.starts_with(b"<!") {
            i = skip_past(at + 2, b">");
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            i = skip_past(at + 2, b">");
        } else {
            // A start tag: up to `>` outside quotes; `/>` closes it at once.
            let mut j = at + 1;
            let mut quote = None;
            let mut empty = false;
            while let Some(&b) = bytes.get(j) {
                match (quote, b) {
                    (_, b'<') => break,
                    (Some(q), _) if b == q => quote = None,
                    (Some(_), _) => {}
                    (None, b'"' | b'\'') => quote = Some(b),
                    (None, b'>') => {
                        empty = j > at + 1 && bytes.get(j - 1) == Some(&b'/');
                        j += 1;
                        break;
                    }
                    (None, _) => {}
                }
                j += 1;
            }
            if !empty {
                depth += 1;
                if depth > limit {
                    return Some(at);
                }
            }
            i = j;
        }
    }
    None
}

/// The first child element of `node` with local name `name`.
pub(crate) fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The child elements of `node` with local name `name`.
pub(crate) fn children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    node.children().filter(move |c| c.is_element() && c.tag_name().name() == name)
}

/// The text directly inside an element, trimmed (empty when there is none).
pub(crate) fn element_text(node: roxmltree::Node<'_, '_>) -> String {
    let mut text = String::new();
    for part in node.children().filter(roxmltree::Node::is_text) {
        text.push_str(part.text().unwrap_or_default());
    }
    text.trim().to_string()
}

/// The 1-based line and column of an XML node, for messages.
pub(crate) fn xml_pos(doc: &roxmltree::Document<'_>, node: roxmltree::Node<'_, '_>) -> (usize, usize) {
    let pos = doc.text_pos_at(node.range().start);
    (pos.row as usize, pos.col as usize)
}

/// A JSON or YAML object read in file order, duplicate keys kept (see [`Entries`]).
pub(crate) type OrderedMap<V> = crate::catalogers::entries::Entries<V>;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé\nx", 0), (1, 1));
        assert_eq!(line_col("ab\ncé\nx", 3), (2, 1));
        assert_eq!(line_col("ab\ncé\nx", 7), (3, 1));
        // In the middle of `é`: clamped to its start.
        assert_eq!(line_col("ab\ncé\nx", 5), (2, 2));
        assert_eq!(line_col("ab", 99), (1, 3));
    }

    #[test]
    fn json_errors_carry_the_position_in_front() {
        let e = json::<serde_json::Value>("x.json", "{\n  \"a\": nope\n}").unwrap_err();
        assert_eq!(e.to_string(), "x.json: 2:9: invalid JSON, expected ident");
    }

    #[test]
    fn toml_errors_carry_the_position_in_front() {
        let e = toml::<toml::Table>("Cargo.lock", "a = 1\nthis is not toml").unwrap_err();
        assert_eq!(e.to_string(), "Cargo.lock: 2:6: invalid TOML, key with no value, expected `=`");
    }

    #[test]
    fn yaml_errors_carry_the_position_in_front() {
        let e = yaml::<OrderedMap<String>>("pubspec.lock", "a: b\nc: [d\n").unwrap_err();
        assert!(e.to_string().starts_with("pubspec.lock: "), "{e}");
        assert!(!e.to_string().contains(" at line "), "{e}");
        assert_eq!(yaml::<OrderedMap<String>>("pubspec.lock", "").unwrap(), None);
    }

    #[test]
    fn xml_errors_carry_the_position_in_front() {
        let e = xml("pom.xml", "<a>\n  <${x}>").unwrap_err();
        assert_eq!(e.to_string(), "pom.xml: 2:4: invalid XML, invalid name token");
        let e = xml("pom.xml", "<!DOCTYPE a [<!ENTITY x \"y\">]><a/>").unwrap_err();
        assert!(e.to_string().contains("DTD"), "{e}");
    }

    #[test]
    fn xml_nesting_is_bounded_before_parsing() {
        let deep = format!("{}{}", "<a>".repeat(MAX_XML_DEPTH + 1), "</a>".repeat(MAX_XML_DEPTH + 1));
        let e = xml("pom.xml", &deep).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("pom.xml: 1:{}: elements nest deeper than 100 levels", 3 * MAX_XML_DEPTH + 1)
        );
        let ok = format!("{}{}", "<a>".repeat(MAX_XML_DEPTH), "</a>".repeat(MAX_XML_DEPTH));
        assert!(xml("pom.xml", &ok).is_ok());
        // Siblings, empty elements, comments, CDATA and quoted `>` do not add depth.
        let flat = format!(
            "<?xml version=\"1.0\"?><!-- <x> --><r>{}</r>",
            "<a b=\"1>\"/><c><![CDATA[<d><d><d>]]></c><!-- <e><e> -->".repeat(500)
        );
        assert_eq!(too_deep(&flat, 2), None);
        assert_eq!(too_deep("<a><b><c/></b></a>", 2), None);
        assert_eq!(too_deep("<a><b><c></c></b></a>", 2), Some(6));
        // A start tag cut short by `<` still counts, as roxmltree would start parsing it.
        assert_eq!(too_deep("<a x=\"<b><c>", 2), Some(9));
    }

    #[test]
    fn json_wants_an_object() {
        let e = json::<serde_json::Value>("x.json", "\n  [1, 2]").unwrap_err();
        assert_eq!(e.to_string(), "x.json: 2:3: the top level is not an object, expected `{`");
        let e = json::<serde_json::Value>("x.json", "[1, 2").unwrap_err();
        assert!(e.to_string().starts_with("x.json: 1:5: invalid JSON"), "{e}");
        let e = json::<serde_json::Value>("x.json", "").unwrap_err();
        assert!(e.to_string().contains("invalid JSON, EOF while parsing"), "{e}");
    }

    #[test]
    fn ordered_map_keeps_file_order() {
        let m: OrderedMap<u8> = serde_json::from_str(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
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
