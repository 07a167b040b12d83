//! What a policy decides on: one Pod-bearing Kubernetes object, its kind, name and images, and
//! the namespace its policies are matched against. `vigil policy test` (files) and `vigil serve`
//! (`AdmissionReview` requests) both build it here, so both decide on the same subject.

use vigil_k8s::{Object, PodTemplate};

use crate::eval::Subject;

/// The namespace of an object whose manifest and request name none (as the API server and
/// `kubectl` default it).
pub const DEFAULT_NAMESPACE: &str = "default";

/// One Pod-bearing object (Pod, Deployment, Job, CronJob, …) ready to be evaluated.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The object.
    pub object: Object,
    /// Its `kind`.
    pub kind: String,
    /// `metadata.name` (or `generateName`); `""` when neither is set.
    pub name: String,
    /// The namespace policies are matched against (see [`namespace_of`]).
    pub namespace: String,
    /// Every container's image, init containers first, then containers, then ephemeral ones.
    pub images: Vec<ContainerImage>,
}

/// One container of a workload and its image, as written (`""` when unset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerImage {
    /// The container's `name`.
    pub container: String,
    /// Its `image`.
    pub image: String,
}

impl Workload {
    /// The workload of `object`, or `None` when its kind carries no pod template. The request
    /// namespace is an `AdmissionReview`'s `request.namespace` (or `vigil policy test
    /// --namespace`); see [`namespace_of`] for the rules.
    #[must_use]
    pub fn of(object: Object, request_namespace: Option<&str>) -> Option<Self> {
        let images = PodTemplate::of(&object)?
            .containers()
            .map(|c| ContainerImage {
                container: c.name().to_string(),
                image: c.node.get("image").and_then(vigil_k8s::Node::as_str).unwrap_or("").to_string(),
            })
            .collect();
        Some(Self {
            kind: object.reference.kind.clone(),
            name: object.reference.name.clone().unwrap_or_default(),
            namespace: namespace_of(request_namespace, object.reference.namespace.as_deref()),
            images,
            object,
        })
    }

    /// The workload of an `AdmissionReview`'s `request.object` (JSON); `None` when it is not a
    /// Kubernetes object or carries no pod template.
    #[must_use]
    pub fn from_review(object: &serde_json::Value, request_namespace: Option<&str>) -> Option<Self> {
        // The API server sends one object, never a List.
        let object = vigil_k8s::objects_of(vigil_k8s::from_json(object)).into_iter().next()?;
        Self::of(object, request_namespace)
    }

    /// What [`crate::evaluate`] takes.
    #[must_use]
    pub fn subject(&self) -> Subject<'_> {
        Subject { object: &self.object, namespace: &self.namespace }
    }
}

/// The namespace policies are matched against: the request's namespace when it names one (the
/// API server has already checked that `metadata.namespace` agrees with it), else the object's
/// `metadata.namespace`, else [`DEFAULT_NAMESPACE`]. An empty string counts as unset.
#[must_use]
pub fn namespace_of(request: Option<&str>, metadata: Option<&str>) -> String {
    request.filter(|n| !n.is_empty()).or(metadata.filter(|n| !n.is_empty())).unwrap_or(DEFAULT_NAMESPACE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(json: serde_json::Value) -> Object {
        vigil_k8s::objects_of(vigil_k8s::from_json(&json)).into_iter().next().unwrap()
    }

    fn deployment(namespace: Option<&str>) -> serde_json::Value {
        let mut metadata = serde_json::json!({"name": "web"});
        if let Some(ns) = namespace {
            metadata["namespace"] = ns.into();
        }
        serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata,
            "spec": {"template": {"spec": {
                "initContainers": [{"name": "init", "image": "busybox:1"}],
                "containers": [{"name": "app", "image": "nginx:1.27"}, {"name": "bare"}]}}}})
    }

    #[test]
    fn the_request_namespace_wins_then_metadata_then_default() {
        assert_eq!(namespace_of(Some("team"), Some("other")), "team");
        assert_eq!(namespace_of(Some(""), Some("other")), "other");
        assert_eq!(namespace_of(None, Some("other")), "other");
        assert_eq!(namespace_of(None, Some("")), "default");
        assert_eq!(namespace_of(Some(""), None), "default");
        assert_eq!(namespace_of(None, None), "default");
    }

    #[test]
    fn a_workload_names_its_kind_name_namespace_and_images() {
        let w = Workload::of(object(deployment(Some("prod"))), None).unwrap();
        assert_eq!((w.kind.as_str(), w.name.as_str(), w.namespace.as_str()), ("Deployment", "web", "prod"));
        let images: Vec<(&str, &str)> = w.images.iter().map(|i| (i.container.as_str(), i.image.as_str())).collect();
        assert_eq!(images, [("init", "busybox:1"), ("app", "nginx:1.27"), ("bare", "")]);
        assert_eq!(w.subject().namespace, "prod");
        // The same object in a review for another namespace, or with no namespace at all.
        assert_eq!(Workload::from_review(&deployment(Some("prod")), Some("team")).unwrap().namespace, "team");
        assert_eq!(Workload::from_review(&deployment(None), Some("")).unwrap().namespace, "default");
        assert_eq!(Workload::from_review(&deployment(None), None).unwrap().subject().namespace, "default");
    }

    #[test]
    fn objects_without_a_pod_template_are_no_workload() {
        let config = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        assert!(Workload::from_review(&config, Some("prod")).is_none());
        assert!(Workload::from_review(&serde_json::json!({"no": "kind"}), None).is_none());
        assert!(Workload::from_review(&serde_json::json!("text"), None).is_none());
    }
}
