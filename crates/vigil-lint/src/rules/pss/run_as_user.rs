//! `pss/runAsUser`: running as UID 0 (restricted, v1.23+).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, container_field, join_quote, plural, spec_field};

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/runAsUser",
        severity: Severity::Medium,
        summary: "container runs as UID 0",
        help: "Setting `runAsUser: 0` runs the container as root.\n\n\
               **Restricted fields:** `spec.securityContext.runAsUser` and the same per container.\n\n\
               **Allowed values:** any non-zero value, or unset. From policy v1.35 any value when the pod runs \
               in a user namespace (`spec.hostUsers: false`, KEP-127).\n\n\
               Reference: Pod Security Standards, restricted, \"Running as Non-root user\" (policy v1.23+).",
    },
    level: Level::Restricted,
    versions: &[(23, v1_23 as CheckFn), (35, v1_35 as CheckFn)],
    replaced_at_restricted_from: None,
};

fn v1_23<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut setters = Vec::new();
    let mut sites = Vec::new();
    if pod.security("runAsUser").and_then(|n| n.as_i64()) == Some(0) {
        setters.push("pod".to_string());
        sites.extend(spec_field(pod, "securityContext.runAsUser"));
    }
    let mut names = Vec::new();
    for c in pod.containers() {
        if c.security("runAsUser").and_then(|n| n.as_i64()) == Some(0) {
            names.push(c.name());
            sites.extend(container_field(pod, &c, "securityContext.runAsUser"));
        }
    }
    if !names.is_empty() {
        setters.push(format!("{} {}", plural("container", "containers", names.len()), join_quote(&names)));
    }
    (!setters.is_empty())
        .then(|| Violation::new("runAsUser=0", format!("{} must not set runAsUser=0", setters.join(" and ")), sites))
}

fn v1_35<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    // KEP-127: UID 0 in a user namespace maps to an unprivileged UID on the node.
    if pod.spec.get("hostUsers").and_then(|n| n.as_bool()) == Some(false) {
        return None;
    }
    v1_23(pod)
}
