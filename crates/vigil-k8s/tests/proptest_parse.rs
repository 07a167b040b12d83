//! `load` never panics on arbitrary bytes or YAML-like text, and its output stays within the
//! node budget of [`Limits`].
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use vigil_k8s::{Limits, LoadError, LoadedFile, load};

/// Small limits, so that nesting, node and alias budgets are hit by short inputs.
fn small() -> Limits {
    Limits { max_nodes: 1000, max_depth: 20, ..Default::default() }
}

fn total_nodes(file: &LoadedFile) -> usize {
    file.objects.iter().map(|o| o.root.count()).sum::<usize>()
}

/// Text built from YAML's indicator characters and a few letters, plus fragments that make
/// Kubernetes objects, anchors, aliases and merge keys likely.
fn yamlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        8 => proptest::sample::select(vec!['a', 'b', 'c', 'x', 'y', 'z']).prop_map(String::from),
        8 => proptest::sample::select(vec![
            '[', ']', '{', '}', ':', '-', ',', '&', '*', '!', '|', '>', '\'', '"', '#', '\n', ' ', ' ', ' ', '\n',
        ])
        .prop_map(String::from),
        3 => proptest::sample::select(vec![
            "apiVersion: v1\nkind: Pod\n",
            "apiVersion: apps/v1\nkind: Deployment\n",
            "apiVersion: v1\nkind: List\nitems:\n",
            "spec:\n  containers:\n  - name: a\n    image: nginx\n",
            "template:\n",
            "&a ",
            "*a",
            "<<: *a\n",
            "---\n",
            "- ",
            "  ",
            "    ",
            ": ",
        ])
        .prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..200).prop_map(|pieces| pieces.concat())
}

/// A YAML tree with anchors, aliases and merge keys, written in flow style.
#[derive(Debug, Clone)]
enum Tree {
    Scalar(String),
    Alias(u8),
    Seq(Option<u8>, Vec<Tree>),
    Map(Option<u8>, Vec<(String, Tree)>),
}

impl Tree {
    fn write(&self, out: &mut String) {
        let anchor = |out: &mut String, a: &Option<u8>| {
            if let Some(a) = a {
                out.push_str(&format!("&a{a} "));
            }
        };
        match self {
            Tree::Scalar(s) => out.push_str(s),
            Tree::Alias(a) => out.push_str(&format!("*a{a}")),
            Tree::Seq(a, items) => {
                anchor(out, a);
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Tree::Map(a, entries) => {
                anchor(out, a);
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push_str(": ");
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![3 => "[a-z]{1,3}".prop_map(Tree::Scalar), 1 => (0u8..4).prop_map(Tree::Alias)];
    leaf.prop_recursive(10, 400, 6, |inner| {
        let key = prop_oneof![4 => "[a-z]{1,2}", 1 => Just("<<".to_string())];
        prop_oneof![
            (proptest::option::of(0u8..4), proptest::collection::vec(inner.clone(), 0..6))
                .prop_map(|(a, v)| Tree::Seq(a, v)),
            (proptest::option::of(0u8..4), proptest::collection::vec((key, inner), 0..6))
                .prop_map(|(a, e)| Tree::Map(a, e)),
        ]
    })
}

/// Anchors `a0`..`a3` defined before each generated `spec`, each a few times bigger than the
/// one before, so that aliases to them resolve and quickly add up.
const ANCHORS: &str = "{x: &a0 [p, q, r], y: &a1 [*a0, *a0, *a0], z: &a2 {m: *a1, n: *a1}, w: &a3 [*a2, *a2, *a2]}";

/// Kubernetes-shaped documents whose `spec` is a generated tree, with an optional stray
/// character inserted somewhere, so that inputs are valid or nearly valid.
fn manifests() -> impl Strategy<Value = String> {
    let noise = proptest::option::of((
        any::<prop::sample::Index>(),
        proptest::sample::select(vec![
            '[', ']', '{', '}', ':', '-', ',', '&', '*', '!', '|', '>', '\'', '"', '#', '\n', ' ',
        ]),
    ));
    (proptest::collection::vec(tree(), 1..4), any::<bool>(), noise).prop_map(|(specs, list, noise)| {
        let mut text = String::new();
        for spec in specs {
            let mut body = String::new();
            spec.write(&mut body);
            if list {
                text.push_str(&format!("---\napiVersion: v1\nkind: List\nitems:\n- {{apiVersion: v1, kind: Pod, metadata: {{annotations: {ANCHORS}}}, spec: {body}}}\n"));
            } else {
                text.push_str(&format!("---\napiVersion: v1\nkind: Pod\nmetadata: {{name: fuzz, annotations: {ANCHORS}}}\nspec: {body}\n"));
            }
        }
        if let Some((at, c)) = noise {
            let mut chars: Vec<char> = text.chars().collect();
            chars.insert(at.index(chars.len() + 1), c);
            text = chars.into_iter().collect();
        }
        text
    })
}

/// The invariants of one load under `limits`.
fn check(file: &LoadedFile, limits: &Limits) {
    // The node budget is per document (alias expansions included).
    for object in &file.objects {
        let nodes = object.root.count();
        assert!(nodes <= limits.max_nodes, "{nodes} nodes in one object, limit {}", limits.max_nodes);
    }
    let nodes = total_nodes(file);
    let budget = limits.max_nodes.saturating_mul(file.documents.max(1));
    assert!(nodes <= budget, "{nodes} nodes in {} documents, limit {} per document", file.documents, limits.max_nodes);
    assert!(file.documents <= limits.max_documents);
    if let Some(LoadError::Syntax { line, column, .. }) = &file.error {
        // YAML 1.2 counts `\n`, `\r\n` and a lone `\r` as line breaks (spec 5.4); the parser
        // may report an error at the end of input, one line past the last break.
        let text = file.source.text();
        let breaks = text.matches('\n').count() + text.matches('\r').count() - text.matches("\r\n").count();
        assert!(*line >= 1 && *column >= 1, "position {line}:{column} is not 1-based");
        assert!(*line <= breaks + 2, "error on line {line} of a text with {breaks} line breaks");
    }
    // Every object's position maps back into its source without panicking.
    for object in &file.objects {
        let location = file.source.location(object.root.span);
        assert!(location.offset + location.length <= file.source.text().len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_default_limits(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let limits = Limits::default();
        check(&load("fuzz.yaml", bytes, &limits), &limits);
    }

    #[test]
    fn arbitrary_bytes_small_limits(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let limits = small();
        check(&load("fuzz.yaml", bytes, &limits), &limits);
    }

    #[test]
    fn arbitrary_text_small_limits(text in ".{0,1024}") {
        let limits = small();
        check(&load("fuzz.yaml", text.into_bytes(), &limits), &limits);
    }

    #[test]
    fn yamlish_text_default_limits(text in yamlish()) {
        let limits = Limits::default();
        check(&load("fuzz.yaml", text.into_bytes(), &limits), &limits);
    }

    #[test]
    fn yamlish_text_small_limits(text in yamlish()) {
        let limits = small();
        check(&load("fuzz.yaml", text.into_bytes(), &limits), &limits);
    }

    #[test]
    fn generated_manifests_default_limits(text in manifests()) {
        let limits = Limits::default();
        check(&load("gen.yaml", text.into_bytes(), &limits), &limits);
    }

    #[test]
    fn generated_manifests_small_limits(text in manifests()) {
        let limits = small();
        check(&load("gen.yaml", text.into_bytes(), &limits), &limits);
    }

    #[test]
    fn nested_aliases_stay_within_the_node_budget(width in 1usize..12, depth in 1usize..8) {
        // A "billion laughs" of `depth` levels, each referring `width` times to the level below.
        let mut text = String::from("apiVersion: v1\nkind: Pod\nl0: &l0 [x]\n");
        for level in 1..=depth {
            let aliases = vec![format!("*l{}", level - 1); width].join(", ");
            text.push_str(&format!("l{level}: &l{level} [{aliases}]\n"));
        }
        let limits = small();
        let file = load("bomb.yaml", text.into_bytes(), &limits);
        check(&file, &limits);
        if width.pow(depth as u32) > limits.max_nodes {
            prop_assert!(file.error.is_some(), "an expansion of {}^{} nodes was accepted", width, depth);
        }
    }

    #[test]
    fn merge_keys_stay_within_the_node_budget(width in 1usize..40, merges in 1usize..60) {
        // Every `<<: *base` copies the entries of `base` into another mapping.
        let entries: String = (0..width).map(|i| format!("k{i}: v\n  ")).collect();
        let mut text = format!("apiVersion: v1\nkind: Pod\nbase: &base\n  {entries}\n");
        for m in 0..merges {
            text.push_str(&format!("m{m}:\n  <<: *base\n  own: 1\n"));
        }
        let limits = small();
        check(&load("merge.yaml", text.into_bytes(), &limits), &limits);
    }

    #[test]
    fn documents_limit(count in 0usize..40) {
        let limits = Limits { max_documents: 10, ..small() };
        let text = "---\napiVersion: v1\nkind: Pod\n".repeat(count);
        let file = load("many.yaml", text.into_bytes(), &limits);
        check(&file, &limits);
        prop_assert_eq!(file.error.is_some(), count > 10);
    }
}

#[test]
fn small_limits_are_hit_by_small_inputs() {
    let limits = small();
    let deep = format!("{}{}", "[".repeat(25), "]".repeat(25));
    let file = load("deep.yaml", deep.into_bytes(), &limits);
    assert!(
        matches!(&file.error, Some(LoadError::Syntax { message, .. }) if message.contains("nesting")),
        "{:?}",
        file.error
    );

    let wide = format!("apiVersion: v1\nkind: Pod\nitems: [{}]\n", vec!["x"; 2000].join(", "));
    let file = load("wide.yaml", wide.into_bytes(), &limits);
    assert!(
        matches!(&file.error, Some(LoadError::Syntax { message, .. }) if message.contains("1000 nodes")),
        "{:?}",
        file.error
    );
    assert!(file.objects.is_empty());
}
