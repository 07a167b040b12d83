//! `pss/runAsNonRoot`: containers must be required to run as a non-root user (restricted, v1.0+).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, container_field, container_site, join_quote, plural, spec_field};

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/runAsNonRoot",
        severity: Severity::Medium,
        summary: "container may run as root",
        help: "Without `runAsNonRoot: true` the kubelet starts an image whose user is root as root.\n\n\
               **Restricted fields:** `spec.securityContext.runAsNonRoot` and the same per container.\n\n\
               **Allowed values:** `true`; a container may leave it unset when the pod sets it to `true`. From \
               policy v1.35 any value when the pod runs in a user namespace (`spec.hostUsers: false`, KEP-127).\n\n\
               Reference: Pod Security Standards, restricted, \"Running as Non-root\".",
    },
    level: Level::Restricted,
    versions: &[(0, v1_0 as CheckFn), (35, v1_35 as CheckFn)],
    replaced_at_restricted_from: None,
};

fn v1_0<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut bad_setters = Vec::new();
    let mut explicit_sites = Vec::new();
    let mut pod_non_root = false;
    if let Some(value) = pod.security("runAsNonRoot").and_then(|n| n.as_bool()) {
        if value {
            pod_non_root = true;
        } else {
            bad_setters.push("pod".to_string());
            explicit_sites.extend(spec_field(pod, "securityContext.runAsNonRoot"));
        }
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_sites = Vec::new();
    for c in pod.containers() {
        match c.security("runAsNonRoot").and_then(|n| n.as_bool()) {
            Some(false) => {
                explicit.push(c.name());
                explicit_sites.extend(container_field(pod, &c, "securityContext.runAsNonRoot"));
            }
            Some(true) => {}
            None if !pod_non_root => {
                implicit.push(c.name());
                implicit_sites.push(container_site(pod, &c));
            }
            None => {}
        }
    }
    if !explicit.is_empty() {
        bad_setters.push(format!("{} {}", plural("container", "containers", explicit.len()), join_quote(&explicit)));
    }
    if !bad_setters.is_empty() {
        return Some(Violation::new(
            "runAsNonRoot != true",
            format!("{} must not set securityContext.runAsNonRoot=false", bad_setters.join(" and ")),
            explicit_sites,
        ));
    }
    (!implicit.is_empty()).then(|| {
        Violation::new(
            "runAsNonRoot != true",
            format!(
                "pod or {} {} must set securityContext.runAsNonRoot=true",
                plural("container", "containers", implicit.len()),
                join_quote(&implicit)
            ),
            implicit_sites,
        )
    })
}

fn v1_35<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    // KEP-127: root in a user namespace is not root on the node.
    if pod.spec.get("hostUsers").and_then(|n| n.as_bool()) == Some(false) {
        return None;
    }
    v1_0(pod)
}
