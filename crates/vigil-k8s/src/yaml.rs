//! Builds [`Node`] trees from YAML (and JSON, which is YAML 1.2) with explicit limits.
//!
//! saphyr-parser delivers a stream of events with spans; this module turns them into trees
//! without recursion, expands aliases against a budget of nodes and scalar bytes charged
//! before anything is copied (so "billion laughs" documents and one huge anchored scalar
//! aliased thousands of times fail fast instead of exhausting memory), applies `<<` merge
//! keys as Kubernetes' YAML decoder does in linear time, and stops at a nesting-depth limit.
//! The limits themselves are `vigil-yaml`'s, shared with every serde YAML reader.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, Span as SaphyrSpan};

use crate::node::{Node, ScalarStyle, Span, Value};

pub use vigil_yaml::Limits;

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

/// What a subtree costs: its nodes and its scalar bytes, every alias copy included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Cost {
    nodes: usize,
    bytes: usize,
}

impl Cost {
    fn add(&mut self, other: Cost) {
        self.nodes = self.nodes.saturating_add(other.nodes);
        self.bytes = self.bytes.saturating_add(other.bytes);
    }
}

enum Frame {
    Seq { items: Vec<Node>, start: SaphyrSpan, anchor: usize, cost: Cost },
    Map { entries: Vec<(Node, Node)>, key: Option<Node>, start: SaphyrSpan, anchor: usize, cost: Cost },
}

impl Frame {
    fn cost_mut(&mut self) -> &mut Cost {
        match self {
            Frame::Seq { cost, .. } | Frame::Map { cost, .. } => cost,
        }
    }
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
///
/// Work is bounded by [`Limits`]: per document by nodes and scalar bytes with every alias
/// and merge-key copy counted, per input by the copies themselves, so an alias or merge
/// bomb is refused after at most [`Limits::max_expanded_bytes`] of copying.
pub fn parse_documents_each(text: &str, limits: &Limits, mut each: impl FnMut(Node)) -> Result<usize, SyntaxError> {
    let mut builder = Builder {
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        document: Cost::default(),
        copies: Cost::default(),
        root: None,
    };
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
                builder.document = Cost::default();
                Ok(())
            }
            Event::DocumentEnd => {
                if documents >= limits.max_documents {
                    Err(format!("input exceeds the limit of {} documents", limits.max_documents))
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
    anchors: HashMap<usize, (Node, Cost)>,
    /// What the current document has cost so far.
    document: Cost,
    /// What alias expansions, merge keys and anchor copies have cost in the whole input.
    copies: Cost,
    root: Option<Node>,
}

/// How a charge came about, for the message when it breaks a limit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Charge {
    /// A node written in the input.
    Written,
    /// A copy made for an alias, a merge key or an anchor.
    Copy,
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, span: SaphyrSpan) -> Result<(), String> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let cost = Cost { nodes: 1, bytes: text.len() };
                self.charge(cost, Charge::Written)?;
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
                self.complete(Node { value, span: convert(span) }, anchor, cost)
            }
            Event::Alias(id) => {
                let cost = self
                    .anchors
                    .get(&id)
                    .map(|(_, c)| *c)
                    .ok_or_else(|| "alias refers to an unknown anchor".to_string())?;
                // Charged before anything is copied, so a bomb stops here.
                self.charge(cost, Charge::Copy)?;
                let node = self.anchors.get(&id).map(|(n, _)| n.clone()).unwrap_or_else(|| Node::null(convert(span)));
                self.complete(node, 0, cost)
            }
            Event::SequenceStart(anchor, _) => {
                self.open(Frame::Seq { items: Vec::new(), start: span, anchor, cost: Cost { nodes: 1, bytes: 0 } })
            }
            Event::MappingStart(anchor, _) => self.open(Frame::Map {
                entries: Vec::new(),
                key: None,
                start: span,
                anchor,
                cost: Cost { nodes: 1, bytes: 0 },
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else { return Err("unbalanced end of collection".into()) };
                let (value, start, anchor, cost) = match frame {
                    Frame::Seq { items, start, anchor, cost } => (Value::Seq(items), start, anchor, cost),
                    Frame::Map { entries, start, anchor, cost, .. } => {
                        (Value::Map(merge_keys(entries)), start, anchor, cost)
                    }
                };
                let node = Node { value, span: convert(SaphyrSpan::new(start.start, span.end)) };
                self.complete(node, anchor, cost)
            }
            _ => Ok(()),
        }
    }

    /// Charges `cost` to the document (and, for copies, to the input), refusing before the
    /// work is done when a limit would be passed.
    fn charge(&mut self, cost: Cost, how: Charge) -> Result<(), String> {
        let limits = self.limits;
        let mut document = self.document;
        document.add(cost);
        let mut copies = self.copies;
        if how == Charge::Copy {
            copies.add(cost);
        }
        let bomb = if how == Charge::Copy || !self.anchors.is_empty() { " (possible alias bomb)" } else { "" };
        if document.nodes > limits.max_nodes {
            return Err(if bomb.is_empty() {
                format!("document exceeds the limit of {} nodes", limits.max_nodes)
            } else {
                format!("alias expansion exceeds the limit of {} nodes in one document{bomb}", limits.max_nodes)
            });
        }
        if document.bytes > limits.max_expanded_bytes {
            return Err(format!(
                "expanded scalar bytes exceed the limit of {} in one document, counting every alias and merge-key copy{bomb}",
                limits.max_expanded_bytes
            ));
        }
        if copies.nodes > limits.max_nodes {
            return Err(format!(
                "alias and merge-key copies in this input exceed the limit of {} nodes (possible alias bomb)",
                limits.max_nodes
            ));
        }
        if copies.bytes > limits.max_expanded_bytes {
            return Err(format!(
                "alias and merge-key copies in this input exceed the limit of {} scalar bytes (possible alias bomb)",
                limits.max_expanded_bytes
            ));
        }
        self.document = document;
        self.copies = copies;
        Ok(())
    }

    fn open(&mut self, frame: Frame) -> Result<(), String> {
        self.charge(Cost { nodes: 1, bytes: 0 }, Charge::Written)?;
        if self.stack.len() >= self.limits.max_depth {
            return Err(format!("nesting exceeds the limit of {} levels", self.limits.max_depth));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Attaches a finished node (whose subtree cost `cost`) to its parent, remembering it
    /// under its anchor.
    fn complete(&mut self, node: Node, anchor: usize, cost: Cost) -> Result<(), String> {
        if anchor != 0 {
            // The copy kept for aliases is work and memory too.
            self.charge(cost, Charge::Copy)?;
            self.anchors.insert(anchor, (node.clone(), cost));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(frame) => {
                frame.cost_mut().add(cost);
                match frame {
                    Frame::Seq { items, .. } => items.push(node),
                    Frame::Map { entries, key, .. } => match key.take() {
                        None => *key = Some(node),
                        Some(k) => entries.push((k, node)),
                    },
                }
            }
        }
        Ok(())
    }
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// Applies YAML merge keys (`<<: *base` or `<<: [*a, *b]`): keys written in the mapping win,
/// then earlier merged mappings win over later ones.
///
/// Linear in the entries involved: merged mappings are moved, not copied (their copy was
/// already charged when the alias was expanded), and keys are looked up in a set.
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let is_merge = |k: &Node| matches!(&k.value, Value::Scalar(s, ScalarStyle::Plain) if s == "<<");
    if !entries.iter().any(|(k, _)| is_merge(k)) {
        return entries;
    }
    let mut own = Vec::with_capacity(entries.len());
    let mut merged: Vec<Node> = Vec::new();
    for (k, mut v) in entries {
        if is_merge(&k) {
            match std::mem::replace(&mut v.value, Value::Null) {
                Value::Seq(items) => merged.extend(items),
                value => {
                    let is_map = matches!(value, Value::Map(_));
                    v.value = value;
                    if is_map { merged.push(v) } else { own.push((k, v)) }
                }
            }
        } else {
            own.push((k, v));
        }
    }
    let mut present: HashSet<String> = own.iter().filter_map(|(k, _)| k.as_str().map(str::to_string)).collect();
    for mut source in merged {
        if let Value::Map(map) = std::mem::replace(&mut source.value, Value::Null) {
            for (k, v) in map {
                match k.as_str() {
                    Some(name) if present.contains(name) => {}
                    Some(name) => {
                        present.insert(name.to_string());
                        own.push((k, v));
                    }
                    None => own.push((k, v)),
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
    fn one_large_scalar_aliased_many_times_is_refused_by_bytes() {
        // 1 MiB anchored scalar, 3,000 aliases: 3 GB if every alias were copied unchecked.
        let text = format!("a: &a {}\nb: [{}]\n", "x".repeat(1024 * 1024), vec!["*a"; 3000].join(", "));
        let started = std::time::Instant::now();
        let err = parse(&text).error.unwrap();
        assert!(err.message.contains("expanded scalar bytes exceed the limit of 67108864"), "{err}");
        assert_eq!(err.line, 2, "{err}");
        eprintln!("refused in {:?}", started.elapsed());
    }

    #[test]
    fn merge_key_bomb_is_refused_and_merging_is_linear() {
        let keys: Vec<String> = (0..20_000).map(|i| format!("k{i}: v")).collect();
        let mut text = format!("a: &a {{{}}}\n", keys.join(", "));
        for i in 0..2000 {
            text.push_str(&format!("m{i}: {{<<: *a, own: 1}}\n"));
        }
        let started = std::time::Instant::now();
        let err = parse(&text).error.unwrap();
        assert!(err.message.contains("limit of 1000000 nodes"), "{err}");
        eprintln!("refused in {:?}", started.elapsed());
        // Below the budget, a large merge is applied with own keys first and no duplicates.
        let text = format!("a: &a {{{}}}\nm: {{<<: *a, k5: own}}\n", keys.join(", "));
        let docs = parse(&text);
        assert!(docs.error.is_none(), "{:?}", docs.error);
        let m = docs.documents[0].get("m").unwrap().as_map().unwrap();
        assert_eq!(m.len(), 20_000);
        assert_eq!(docs.documents[0].get_path("m.k5").unwrap().as_str(), Some("own"));
    }

    #[test]
    fn copies_are_bounded_across_documents() {
        // Each document stays under the per-document budget; together they would copy 1 GB.
        let doc = format!("a: &a {}\nb: [{}]\n", "x".repeat(64 * 1024), vec!["*a"; 900].join(", "));
        let text = vec![doc; 20].join("---\n");
        let mut seen = 0;
        let err = parse_documents_each(&text, &Limits::default(), |_| seen += 1).unwrap_err();
        assert!(err.message.contains("copies in this input exceed"), "{err}");
        assert!((1..20).contains(&seen), "{seen}");
    }

    #[test]
    fn small_limits_apply_to_bytes() {
        let limits = Limits { max_expanded_bytes: 10, ..Limits::default() };
        let docs = parse_documents("a: 0123456789ab\n", &limits);
        assert!(docs.error.unwrap().message.contains("expanded scalar bytes"));
        let docs = parse_documents("a: &a 01234\nb: *a\n", &limits);
        assert!(docs.error.unwrap().message.contains("possible alias bomb"));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        // saphyr-parser stops flow collections at its own recursion limit first.
        let err = parse(&text).error.unwrap();
        assert!(err.message.contains("nesting exceeds") || err.message.contains("recursion limit"), "{err}");
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
