//! `pss/seccompProfile_restricted`: a seccomp profile must be set (restricted, v1.19+; skipped
//! for Windows pods from v1.25).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::{Node, PodTemplate};

use crate::pss::{
    CheckFn, Level, PssRule, Violation, container_field, container_site, join_quote, plural, sorted_set, spec_field,
};

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/seccompProfile_restricted",
        severity: Severity::Medium,
        summary: "no RuntimeDefault or Localhost seccomp profile",
        help: "Restricted pods must run under a seccomp filter.\n\n\
               **Restricted fields:** `spec.securityContext.seccompProfile.type` and the same per container.\n\n\
               **Allowed values:** `RuntimeDefault`, `Localhost`; a container may leave it unset when the pod sets \
               one. Not required for pods with `spec.os.name: windows` (policy v1.25+).\n\n\
               Reference: Pod Security Standards, restricted, \"Seccomp\".",
    },
    level: Level::Restricted,
    versions: &[(19, v1_19 as CheckFn), (25, v1_25 as CheckFn)],
    replaced_at_restricted_from: None,
};

fn profile_type(profile: &Node) -> &str {
    profile.get("type").and_then(Node::as_str).unwrap_or("")
}

fn valid(ty: &str) -> bool {
    matches!(ty, "RuntimeDefault" | "Localhost")
}

fn v1_19<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut setters = Vec::new();
    let mut values = Vec::new();
    let mut explicit_sites = Vec::new();
    let mut pod_set = false;
    if let Some(profile) = pod.security("seccompProfile") {
        let ty = profile_type(profile);
        if valid(ty) {
            pod_set = true;
        } else {
            setters.push("pod".to_string());
            values.push(ty.to_string());
            explicit_sites.extend(
                spec_field(pod, "securityContext.seccompProfile.type")
                    .or_else(|| spec_field(pod, "securityContext.seccompProfile")),
            );
        }
    }
    let mut explicit = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_sites = Vec::new();
    for c in pod.containers() {
        match c.security("seccompProfile") {
            Some(profile) => {
                let ty = profile_type(profile);
                if !valid(ty) {
                    explicit.push(c.name());
                    values.push(ty.to_string());
                    explicit_sites.extend(
                        container_field(pod, &c, "securityContext.seccompProfile.type")
                            .or_else(|| container_field(pod, &c, "securityContext.seccompProfile")),
                    );
                }
            }
            None if !pod_set => {
                implicit.push(c.name());
                implicit_sites.push(container_site(pod, &c));
            }
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(format!("{} {}", plural("container", "containers", explicit.len()), join_quote(&explicit)));
    }
    if !setters.is_empty() {
        return Some(Violation::new(
            "seccompProfile",
            format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                setters.join(" and "),
                join_quote(&sorted_set(values))
            ),
            explicit_sites,
        ));
    }
    (!implicit.is_empty()).then(|| {
        Violation::new(
            "seccompProfile",
            format!(
                "pod or {} {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
                plural("container", "containers", implicit.len()),
                join_quote(&implicit)
            ),
            implicit_sites,
        )
    })
}

fn v1_25<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    if pod.is_windows() {
        return None;
    }
    v1_19(pod)
}
