//! The workload model: where each Pod-bearing kind keeps its pod template.

use crate::node::Node;
use crate::object::Object;

/// Where a kind keeps its pod spec, relative to the object root.
struct TemplateLocation {
    metadata: &'static str,
    spec: &'static str,
}

/// The pod-bearing kinds and the path of their pod template, matched on API group and kind
/// as Pod Security Admission matches resources.
fn template_location(group: &str, kind: &str) -> Option<TemplateLocation> {
    const POD: TemplateLocation = TemplateLocation { metadata: "metadata", spec: "spec" };
    const TEMPLATE: TemplateLocation =
        TemplateLocation { metadata: "spec.template.metadata", spec: "spec.template.spec" };
    const POD_TEMPLATE: TemplateLocation = TemplateLocation { metadata: "template.metadata", spec: "template.spec" };
    const CRON_JOB: TemplateLocation = TemplateLocation {
        metadata: "spec.jobTemplate.spec.template.metadata",
        spec: "spec.jobTemplate.spec.template.spec",
    };
    match (group, kind) {
        ("", "Pod") => Some(POD),
        ("", "PodTemplate") => Some(POD_TEMPLATE),
        ("", "ReplicationController") => Some(TEMPLATE),
        ("apps" | "extensions", "Deployment" | "ReplicaSet" | "DaemonSet") => Some(TEMPLATE),
        ("apps", "StatefulSet") => Some(TEMPLATE),
        ("batch", "Job") => Some(TEMPLATE),
        ("batch", "CronJob") => Some(CRON_JOB),
        _ => None,
    }
}

/// Which list of a pod spec a container comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    /// `initContainers`.
    Init,
    /// `containers`.
    Regular,
    /// `ephemeralContainers`.
    Ephemeral,
}

impl ContainerKind {
    /// The pod spec field holding containers of this kind.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// One container of a pod spec.
#[derive(Debug, Clone, Copy)]
pub struct Container<'a> {
    /// The container mapping.
    pub node: &'a Node,
    /// Which list it is in.
    pub kind: ContainerKind,
    /// Index in that list.
    pub index: usize,
}

impl<'a> Container<'a> {
    /// `name`, or `""` when unset.
    pub fn name(&self) -> &'a str {
        self.node.get("name").and_then(Node::as_str).unwrap_or("")
    }

    /// Path relative to the pod spec, e.g. `containers[0]`.
    pub fn path(&self) -> String {
        format!("{}[{}]", self.kind.field(), self.index)
    }

    /// The value at a dotted path inside `securityContext`, when set and not null.
    pub fn security(&self, field: &str) -> Option<&'a Node> {
        self.node.get("securityContext")?.get_path(field).filter(|n| !n.is_null())
    }
}

/// The pod template of a Pod-bearing object: its metadata and spec, and their paths.
#[derive(Debug, Clone)]
pub struct PodTemplate<'a> {
    /// The pod metadata (`metadata` for a Pod, `spec.template.metadata` for a Deployment).
    pub metadata: Option<&'a Node>,
    /// The pod spec mapping.
    pub spec: &'a Node,
    /// Path of the pod spec inside the document, e.g. `spec.template.spec`.
    pub spec_path: String,
    /// Path of the pod metadata inside the document.
    pub metadata_path: String,
}

impl<'a> PodTemplate<'a> {
    /// The pod template of `object` if its kind carries one and the spec is a mapping.
    pub fn of(object: &'a Object) -> Option<Self> {
        let location = template_location(object.group(), &object.reference.kind)?;
        let spec = object.root.get_path(location.spec).filter(|n| n.as_map().is_some())?;
        Some(PodTemplate {
            metadata: object.root.get_path(location.metadata).filter(|n| n.as_map().is_some()),
            spec,
            spec_path: object.field_path(location.spec),
            metadata_path: object.field_path(location.metadata),
        })
    }

    /// A pod spec read from a node directly (for tests and for pods given without a wrapper).
    pub fn from_parts(metadata: Option<&'a Node>, spec: &'a Node, spec_path: &str, metadata_path: &str) -> Self {
        PodTemplate { metadata, spec, spec_path: spec_path.to_string(), metadata_path: metadata_path.to_string() }
    }

    /// Containers in Pod Security Admission's visiting order: init containers, containers,
    /// then ephemeral containers. Items that are not mappings are skipped.
    pub fn containers(&self) -> impl Iterator<Item = Container<'a>> + 'a {
        let spec = self.spec;
        [ContainerKind::Init, ContainerKind::Regular, ContainerKind::Ephemeral].into_iter().flat_map(move |kind| {
            spec.get(kind.field())
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .enumerate()
                .filter(|(_, node)| node.as_map().is_some())
                .map(move |(index, node)| Container { node, kind, index })
        })
    }

    /// The pod-level value at a dotted path inside `spec.securityContext`, when set and not null.
    pub fn security(&self, field: &str) -> Option<&'a Node> {
        self.spec.get("securityContext")?.get_path(field).filter(|n| !n.is_null())
    }

    /// `spec.volumes` items that are mappings, with their index.
    pub fn volumes(&self) -> impl Iterator<Item = (usize, &'a Node)> + 'a {
        self.spec
            .get("volumes")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .filter(|(_, v)| v.as_map().is_some())
    }

    /// Pod annotations as (key node, value node) pairs, string values only.
    pub fn annotations(&self) -> impl Iterator<Item = (&'a Node, &'a Node)> + 'a {
        self.metadata
            .and_then(|m| m.get("annotations"))
            .and_then(Node::as_map)
            .unwrap_or(&[])
            .iter()
            .filter(|(k, _)| k.as_str().is_some())
            .map(|(k, v)| (k, v))
    }

    /// The value of annotation `key` as text, if set.
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.metadata?.get("annotations")?.get(key)?.as_str()
    }

    /// Whether `spec.os.name` is `windows`.
    pub fn is_windows(&self) -> bool {
        self.spec.get_path("os.name").and_then(Node::as_str) == Some("windows")
    }

    /// The path of a field relative to the pod spec, as a document path.
    pub fn spec_field(&self, field: &str) -> String {
        if field.is_empty() { self.spec_path.clone() } else { format!("{}.{field}", self.spec_path) }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::object::objects_of;
    use crate::yaml::{Limits, parse_documents};

    fn object(text: &str) -> Object {
        parse_documents(text, &Limits::default()).documents.into_iter().flat_map(objects_of).next().unwrap()
    }

    #[test]
    fn every_pod_bearing_kind_has_a_template() {
        let cases = [
            ("v1", "Pod", "spec"),
            ("v1", "PodTemplate", "template.spec"),
            ("v1", "ReplicationController", "spec.template.spec"),
            ("apps/v1", "Deployment", "spec.template.spec"),
            ("apps/v1", "ReplicaSet", "spec.template.spec"),
            ("apps/v1", "StatefulSet", "spec.template.spec"),
            ("apps/v1", "DaemonSet", "spec.template.spec"),
            ("extensions/v1beta1", "Deployment", "spec.template.spec"),
            ("batch/v1", "Job", "spec.template.spec"),
            ("batch/v1", "CronJob", "spec.jobTemplate.spec.template.spec"),
        ];
        for (api, kind, path) in cases {
            let mut doc = format!("apiVersion: {api}\nkind: {kind}\n");
            for (indent, part) in path.split('.').enumerate() {
                doc.push_str(&format!("{}{part}:\n", "  ".repeat(indent)));
            }
            doc.truncate(doc.len() - 1);
            doc.push_str(" {containers: [{name: a}], initContainers: [{name: i}], ephemeralContainers: [{name: e}]}\n");
            let obj = object(&doc);
            let pod = PodTemplate::of(&obj).unwrap_or_else(|| panic!("{kind}"));
            assert_eq!(pod.spec_path, path);
            let names: Vec<_> = pod.containers().map(|c| c.name()).collect();
            assert_eq!(names, ["i", "a", "e"], "{kind}");
        }
    }

    #[test]
    fn other_kinds_have_none() {
        assert!(PodTemplate::of(&object("apiVersion: v1\nkind: Service\nspec: {}\n")).is_none());
        assert!(
            PodTemplate::of(&object("apiVersion: example.com/v1\nkind: Deployment\nspec: {template: {spec: {}}}\n"))
                .is_none()
        );
    }
}
