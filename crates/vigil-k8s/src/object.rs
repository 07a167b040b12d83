//! Kubernetes objects found in parsed documents.

use vigil_core::ObjectRef;

use crate::node::{Node, Value};

/// One Kubernetes object: a mapping with string `apiVersion` and `kind`.
#[derive(Debug, Clone)]
pub struct Object {
    /// The object's root mapping.
    pub root: Node,
    /// `apiVersion`, `kind`, `metadata.namespace` and `metadata.name`.
    pub reference: ObjectRef,
    /// Dotted path of the object inside its document (`items[3]` for list items, `""` at the top).
    pub path: String,
}

impl Object {
    /// The API group (`apps` for `apps/v1`, `""` for the core group `v1`).
    pub fn group(&self) -> &str {
        self.reference.api_version.rsplit_once('/').map_or("", |(group, _)| group)
    }

    /// The path of a field of this object, prefixed with the object's own path.
    pub fn field_path(&self, field: &str) -> String {
        if self.path.is_empty() { field.to_string() } else { format!("{}.{field}", self.path) }
    }
}

/// Splits a document into the Kubernetes objects it holds: the document itself, or the
/// `items` of a `List` / `*List` kind (recursively). Anything else (non-Kubernetes YAML, a
/// scalar, a mapping without `apiVersion`/`kind`) yields no object.
pub fn objects_of(document: Node) -> Vec<Object> {
    let mut out = Vec::new();
    let mut pending = vec![(document, String::new())];
    while let Some((node, path)) = pending.pop() {
        let Some(reference) = object_ref(&node) else { continue };
        let mut node = node;
        if reference.kind.ends_with("List")
            && let Some(pos) = node.as_map().and_then(|m| m.iter().rposition(|(k, _)| k.as_str() == Some("items")))
        {
            if let Value::Map(entries) = &mut node.value {
                let items = std::mem::replace(&mut entries[pos].1.value, Value::Null);
                if let Value::Seq(mut items) = items {
                    let base = if path.is_empty() { "items".to_string() } else { format!("{path}.items") };
                    for (i, item) in items.drain(..).enumerate().rev() {
                        pending.push((item, format!("{base}[{i}]")));
                    }
                }
            }
            continue;
        }
        out.push(Object { root: node, reference, path });
    }
    out
}

fn object_ref(node: &Node) -> Option<ObjectRef> {
    let api_version = node.get("apiVersion")?.as_str()?.to_string();
    let kind = node.get("kind")?.as_str()?.to_string();
    if api_version.is_empty() || kind.is_empty() {
        return None;
    }
    let metadata = node.get("metadata");
    let text = |key: &str| metadata.and_then(|m| m.get(key)).and_then(Node::as_str).map(str::to_string);
    Some(ObjectRef {
        api_version,
        kind,
        namespace: text("namespace"),
        name: text("name").or_else(|| text("generateName")),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_documents};

    fn objects(text: &str) -> Vec<Object> {
        parse_documents(text, &Limits::default()).documents.into_iter().flat_map(objects_of).collect()
    }

    #[test]
    fn lists_are_flattened() {
        let objs = objects(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: apps/v1\n  kind: DeploymentList\n  items:\n  - {apiVersion: apps/v1, kind: Deployment, metadata: {name: b, namespace: n}}\n",
        );
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].reference.name.as_deref(), Some("a"));
        assert_eq!(objs[0].path, "items[0]");
        assert_eq!(objs[1].path, "items[1].items[0]");
        assert_eq!(objs[1].group(), "apps");
        assert_eq!(objs[1].field_path("spec"), "items[1].items[0].spec");
    }

    #[test]
    fn non_kubernetes_is_skipped() {
        assert!(objects("foo: bar\n---\n- 1\n---\nkind: Pod\n").is_empty());
    }
}
