//! `pss/seccompProfile_baseline`: seccomp explicitly disabled (baseline; annotations in
//! v1.0–v1.18, `seccompProfile` fields from v1.19). From v1.19 the restricted level uses
//! `pss/seccompProfile_restricted` instead (upstream `OverrideCheckIDs`).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, container_field, join_quote, plural, sorted_set, spec_field};
use crate::rule::Site;

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/seccompProfile_baseline",
        severity: Severity::High,
        summary: "seccomp profile is Unconfined",
        help: "An `Unconfined` seccomp profile removes the system-call filter that blocks many kernel attacks.\n\n\
               **Restricted fields:** `spec.securityContext.seccompProfile.type` and the same per container \
               (policy v1.19+); the `seccomp.security.alpha.kubernetes.io/pod` and \
               `container.seccomp.security.alpha.kubernetes.io/*` annotations (policy v1.0–v1.18).\n\n\
               **Allowed values:** unset, `RuntimeDefault`, `Localhost`.\n\n\
               Reference: Pod Security Standards, baseline, \"Seccomp\".",
    },
    level: Level::Baseline,
    versions: &[(0, v1_0 as CheckFn), (19, v1_19 as CheckFn)],
    replaced_at_restricted_from: Some(19),
};

const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn v1_0<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut forbidden = Vec::new();
    let mut sites = Vec::new();
    let mut check = |key: String| {
        if pod.annotation(&key) == Some("unconfined") {
            if let Some((k, _)) = pod.annotations().find(|(k, _)| k.as_str() == Some(key.as_str())) {
                sites.push(Site::new(k, format!("{}.annotations.{key}", pod.metadata_path)));
            }
            forbidden.push(format!("{key}=\"unconfined\""));
        }
    };
    check(POD_ANNOTATION.to_string());
    for c in pod.containers() {
        check(format!("{CONTAINER_ANNOTATION_PREFIX}{}", c.name()));
    }
    let forbidden = sorted_set(forbidden);
    (!forbidden.is_empty()).then(|| {
        Violation::new(
            "seccompProfile",
            format!("forbidden {} {}", plural("annotation", "annotations", forbidden.len()), forbidden.join(", ")),
            sites,
        )
    })
}

fn v1_19<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut setters = Vec::new();
    let mut values = Vec::new();
    let mut sites = Vec::new();
    if pod.security("seccompProfile").is_some()
        && pod.security("seccompProfile.type").and_then(|n| n.as_str()) == Some("Unconfined")
    {
        setters.push("pod".to_string());
        values.push("Unconfined".to_string());
        sites.extend(spec_field(pod, "securityContext.seccompProfile.type"));
    }
    let mut names = Vec::new();
    for c in pod.containers() {
        if c.security("seccompProfile.type").and_then(|n| n.as_str()) == Some("Unconfined") {
            names.push(c.name());
            values.push("Unconfined".to_string());
            sites.extend(container_field(pod, &c, "securityContext.seccompProfile.type"));
        }
    }
    if !names.is_empty() {
        setters.push(format!("{} {}", plural("container", "containers", names.len()), join_quote(&names)));
    }
    (!setters.is_empty()).then(|| {
        Violation::new(
            "seccompProfile",
            format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                setters.join(" and "),
                join_quote(&sorted_set(values))
            ),
            sites,
        )
    })
}
