//! Builds [`Node`] trees from YAML (and JSON, which is YAML 1.2) with explicit limits.
//!
//! saphyr-parser delivers a stream of events with spans; this module turns them into trees
//! without recursion, expands aliases against a node budget (so "billion laughs" documents
//! fail fast instead of exhausting memory), applies `<<` merge keys as Kubernetes' YAML
//! decoder does, and stops at a nesting-depth limit.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, Span as SaphyrSpan};

use crate::node::{Node, ScalarStyle, Span, Value};

/// Bounds applied to every parsed input. Exceeding one is an error for that input only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input accepted, in bytes (default 32 MiB).
    pub max_file_size: u64,
    /// Deepest nesting of sequences and mappings (default 256).
    pub max_depth: usize,
    /// Most nodes in one document, counting every alias expansion (default 1,000,000).
    pub max_nodes: usize,
    /// Most documents in one input (default 100,000).
    pub max_documents: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_file_size: 32 * 1024 * 1024, max_depth: 256, max_nodes: 1_000_000, max_documents: 100_000 }
    }
}

/// Why an input could not be parsed completely, with the 1-based position where it stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct SyntaxError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What was wrong.
    pub message: String,
}

/// The documents of one input, and the error that stopped parsing early, if any.
/// Documents completed before the error are kept, so they can still be checked.
#[derive(Debug, Default)]
pub struct Documents {
    /// Complete documents in source order; an empty document is a null node.
    pub documents: Vec<Node>,
    /// The error that ended parsing, if any.
    pub error: Option<SyntaxError>,
}

enum Frame {
    Seq { items: Vec<Node>, start: SaphyrSpan, anchor: usize },
    Map { entries: Vec<(Node, Node)>, key: Option<Node>, start: SaphyrSpan, anchor: usize },
}

/// Parses every document of `text` under `limits` and keeps them all.
pub fn parse_documents(text: &str, limits: &Limits) -> Documents {
    let mut documents = Vec::new();
    let error = parse_documents_each(text, limits, |doc| documents.push(doc)).err();
    Documents { documents, error }
}

/// Parses `text` one document at a time, handing each complete document to `each` before
/// the next is built, so memory holds one document however many the input has. Returns
/// the number of documents, or the error that stopped parsing (documents before it were
/// already handed over).
pub fn parse_documents_each(text: &str, limits: &Limits, mut each: impl FnMut(Node)) -> Result<usize, SyntaxError> {
    let mut builder = Builder { limits, stack: Vec::new(), anchors: HashMap::new(), nodes: 0, root: None };
    let mut documents = 0usize;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| SyntaxError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        let result = match event {
            Event::DocumentStart(_) => {
                builder.anchors.clear();
                builder.root = None;
                builder.nodes = 0;
                Ok(())
            }
            Event::DocumentEnd => {
                if documents >= limits.max_documents {
                    Err(format!("more than {} documents", limits.max_documents))
                } else {
                    documents += 1;
                    each(builder.root.take().unwrap_or_else(|| Node::null(convert(span))));
                    Ok(())
                }
            }
            other => builder.event(other, span),
        };
        if let Err(message) = result {
            return Err(SyntaxError { line: span.start.line(), column: span.start.col() + 1, message });
        }
    }
    Ok(documents)
}

struct Builder<'l> {
    limits: &'l Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    root: Option<Node>,
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, span: SaphyrSpan) -> Result<(), String> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.charge(1)?;
                let tag_suffix = tag.as_ref().filter(|t| t.is_yaml_core_schema()).map(|t| t.suffix.as_str());
                let value = match (style, tag_suffix) {
                    (_, Some("null")) => Value::Null,
                    (_, Some("str")) => Value::Scalar(text.into_owned(), ScalarStyle::Quoted),
                    (SaphyrStyle::Plain, _) if is_null(&text) => Value::Null,
                    (SaphyrStyle::Plain, _) => Value::Scalar(text.into_owned(), ScalarStyle::Plain),
                    (SaphyrStyle::SingleQuoted | SaphyrStyle::DoubleQuoted, _) => {
                        Value::Scalar(text.into_owned(), ScalarStyle::Quoted)
                    }
                    _ => Value::Scalar(text.into_owned(), ScalarStyle::Block),
                };
                self.complete(Node { value, span: convert(span) }, anchor, 1)
            }
            Event::Alias(id) => {
                let (node, count) = self
                    .anchors
                    .get(&id)
                    .map(|(n, c)| (n, *c))
                    .ok_or_else(|| "alias refers to an unknown anchor".to_string())?;
                if self.nodes.saturating_add(count) > self.limits.max_nodes {
                    return Err(format!(
                        "alias expansion exceeds the limit of {} nodes in one document (possible alias bomb)",
                        self.limits.max_nodes
                    ));
                }
                let node = node.clone();
                self.nodes += count;
                self.complete(node, 0, count)
            }
            Event::SequenceStart(anchor, _) => self.open(Frame::Seq { items: Vec::new(), start: span, anchor }),
            Event::MappingStart(anchor, _) => {
                self.open(Frame::Map { entries: Vec::new(), key: None, start: span, anchor })
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else { return Err("unbalanced end of collection".into()) };
                let (value, start, anchor) = match frame {
                    Frame::Seq { items, start, anchor } => (Value::Seq(items), start, anchor),
                    Frame::Map { entries, start, anchor, .. } => (Value::Map(merge_keys(entries)), start, anchor),
                };
                let node = Node { value, span: convert(SaphyrSpan::new(start.start, span.end)) };
                let count = if anchor != 0 { node.count() } else { 0 };
                self.complete(node, anchor, count)
            }
            _ => Ok(()),
        }
    }

    fn charge(&mut self, n: usize) -> Result<(), String> {
        self.nodes += n;
        if self.nodes > self.limits.max_nodes {
            return Err(if self.anchors.is_empty() {
                format!("more than {} nodes in one document", self.limits.max_nodes)
            } else {
                format!(
                    "alias expansion exceeds the limit of {} nodes in one document (possible alias bomb)",
                    self.limits.max_nodes
                )
            });
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame) -> Result<(), String> {
        self.charge(1)?;
        if self.stack.len() >= self.limits.max_depth {
            return Err(format!("nesting deeper than {} levels", self.limits.max_depth));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Attaches a finished node to its parent, remembering it under its anchor.
    fn complete(&mut self, node: Node, anchor: usize, count: usize) -> Result<(), String> {
        if anchor != 0 {
            // The copy kept for aliases counts against the budget as well.
            self.charge(count)?;
            self.anchors.insert(anchor, (node.clone(), count));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// Applies YAML merge keys (`<<: *base` or `<<: [*a, *b]`): keys written in the mapping win,
/// then earlier merged mappings win over later ones.
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let is_merge = |k: &Node| matches!(&k.value, Value::Scalar(s, ScalarStyle::Plain) if s == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return entries;
    }
    let mut own = Vec::with_capacity(entries.len());
    let mut merged: Vec<Node> = Vec::new();
    for (k, v) in entries {
        if is_merge(&k) {
            match v.value {
                Value::Map(_) => merged.push(v),
                Value::Seq(ref items) => merged.extend(items.iter().cloned()),
                _ => own.push((k, v)),
            }
        } else {
            own.push((k, v));
        }
    }
    for source in merged {
        if let Some(map) = source.as_map() {
            for (k, v) in map {
                let present = own.iter().any(|(ok, _)| ok.as_str().is_some() && ok.as_str() == k.as_str());
                if !present {
                    own.push((k.clone(), v.clone()));
                }
            }
        }
    }
    own
}

fn convert(span: SaphyrSpan) -> Span {
    Span {
        line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
        col: u32::try_from(span.start.col()).unwrap_or(u32::MAX),
        start: span.start.index(),
        end: span.end.index(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Documents {
        parse_documents(text, &Limits::default())
    }

    #[test]
    fn multi_document_with_positions() {
        let docs = parse("a: 1\n---\nb:\n  c: [x, y]\n---\n");
        assert!(docs.error.is_none(), "{:?}", docs.error);
        assert_eq!(docs.documents.len(), 3);
        let (key, value) = docs.documents[1].get_path_entry("b.c").unwrap();
        assert_eq!((key.span.line, key.span.col), (4, 2));
        assert_eq!(value.as_seq().unwrap()[1].as_str(), Some("y"));
        assert!(docs.documents[2].is_null());
    }

    #[test]
    fn json_is_yaml() {
        let docs = parse("{\"kind\": \"Pod\", \"spec\": {\"hostNetwork\": true}}");
        assert_eq!(docs.documents[0].get_path("spec.hostNetwork").unwrap().as_bool(), Some(true));
    }

    #[test]
    fn merge_keys_and_aliases() {
        let docs = parse("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n");
        let m = docs.documents[0].get("m").unwrap();
        assert_eq!(m.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(m.get("y").unwrap().as_i64(), Some(3));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 { "a".to_string() } else { format!("l{}", i - 1) };
            text.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let docs = parse(&text);
        let err = docs.error.unwrap();
        assert!(err.message.contains("alias"), "{err}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        // saphyr-parser stops flow collections at its own recursion limit first.
        let err = parse(&text).error.unwrap();
        assert!(err.message.contains("nesting deeper") || err.message.contains("recursion limit"), "{err}");
        let text = "a:\n".to_string() + &(1..300).map(|i| format!("{}a:\n", "  ".repeat(i))).collect::<String>();
        assert!(parse(&text).error.unwrap().message.contains("nesting"));
    }

    #[test]
    fn syntax_error_has_position() {
        let docs = parse("ok: 1\n---\na: [1, 2\nb: 3\n");
        assert_eq!(docs.documents.len(), 1);
        let err = docs.error.unwrap();
        assert!(err.line >= 3, "{err}");
    }

    #[test]
    fn tags_and_nulls() {
        let docs = parse("a: ~\nb: !!str true\nc: null\nd:\n");
        let d = &docs.documents[0];
        assert!(d.get("a").unwrap().is_null());
        assert_eq!(d.get("b").unwrap().as_bool(), None);
        assert!(d.get("c").unwrap().is_null());
        assert!(d.get("d").unwrap().is_null());
    }
}
