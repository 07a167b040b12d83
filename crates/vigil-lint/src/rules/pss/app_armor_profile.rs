//! `pss/appArmorProfile`: AppArmor disabled or overridden (baseline, v1.0+; annotations and,
//! since Kubernetes 1.30, `appArmorProfile` fields).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::{Node, PodTemplate};

use crate::pss::{CheckFn, Level, PssRule, Violation, container_field, join_quote, plural, sorted_set, spec_field};
use crate::rule::Site;

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/appArmorProfile",
        severity: Severity::High,
        summary: "AppArmor profile is not allowed",
        help: "The runtime's default AppArmor profile confines containers; `Unconfined` or an arbitrary profile removes that.\n\n\
               **Restricted fields:** `spec.securityContext.appArmorProfile.type` and the same per container; the \
               `container.apparmor.security.beta.kubernetes.io/*` annotations.\n\n\
               **Allowed values:** field unset, `RuntimeDefault`, `Localhost`; annotation unset, `runtime/default`, `localhost/*`.\n\n\
               Reference: Pod Security Standards, baseline, \"AppArmor\".",
    },
    level: Level::Baseline,
    versions: &[(0, v1_0 as CheckFn)],
    replaced_at_restricted_from: None,
};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_type(profile: &Node) -> bool {
    matches!(profile.get("type").and_then(Node::as_str), Some("RuntimeDefault" | "Localhost"))
}

fn allowed_annotation(value: &str) -> bool {
    value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")
}

fn v1_0<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut setters = Vec::new();
    let mut values = Vec::new();
    let mut sites: Vec<Site<'a>> = Vec::new();
    if let Some(profile) = pod.security("appArmorProfile")
        && !allowed_type(profile)
    {
        setters.push("pod".to_string());
        values.push(profile.get("type").and_then(Node::as_str).unwrap_or("").to_string());
        sites.extend(spec_field(pod, "securityContext.appArmorProfile"));
    }
    let mut names = Vec::new();
    for c in pod.containers() {
        if let Some(profile) = c.security("appArmorProfile")
            && !allowed_type(profile)
        {
            names.push(c.name());
            values.push(profile.get("type").and_then(Node::as_str).unwrap_or("").to_string());
            sites.extend(container_field(pod, &c, "securityContext.appArmorProfile"));
        }
    }
    if !names.is_empty() {
        setters.push(format!("{} {}", plural("container", "containers", names.len()), join_quote(&names)));
    }
    let mut annotations = Vec::new();
    for (key, value) in pod.annotations() {
        let (Some(k), v) = (key.as_str(), value.as_str().unwrap_or("")) else { continue };
        if k.starts_with(ANNOTATION_PREFIX) && !allowed_annotation(v) {
            annotations.push(format!("{k}={}", go_quote(v)));
            sites.push(Site::new(key, format!("{}.annotations.{k}", pod.metadata_path)));
        }
    }
    let mut bad_values = sorted_set(values);
    if !annotations.is_empty() {
        annotations.sort();
        setters.push(plural("annotation", "annotations", annotations.len()).to_string());
        bad_values.extend(annotations);
    }
    (!setters.is_empty()).then(|| {
        Violation::new(
            plural("forbidden AppArmor profile", "forbidden AppArmor profiles", bad_values.len()),
            format!("{} must not set AppArmor profile type to {}", setters.join(" and "), join_quote(&bad_values)),
            sites,
        )
    })
}

/// Go's `%q` for the printable strings annotations hold.
fn go_quote(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
