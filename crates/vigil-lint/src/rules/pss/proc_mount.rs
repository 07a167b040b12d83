//! `pss/procMount`: unmasked `/proc` (baseline, v1.0+; from v1.35 allowed for pods in a user
//! namespace, `hostUsers: false`). From v1.35 the restricted level uses
//! `pss/procMount_restricted` instead.

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, container_field, join_quote, plural, sorted_set};

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/procMount",
        severity: Severity::High,
        summary: "container unmasks /proc",
        help: "The default `/proc` masks hide kernel interfaces from containers; `Unmasked` exposes them.\n\n\
               **Restricted fields:** `securityContext.procMount` of every container.\n\n\
               **Allowed values:** unset, `Default`; from policy v1.35 any value when `spec.hostUsers` is `false`.\n\n\
               Reference: Pod Security Standards, baseline, \"/proc Mount Type\".",
    },
    level: Level::Baseline,
    versions: &[(0, v1_0 as CheckFn), (35, v1_35 as CheckFn)],
    replaced_at_restricted_from: Some(35),
};

/// Any value other than `Default` is forbidden (shared with `pss/procMount_restricted`).
pub(super) fn v1_0<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut types = Vec::new();
    let mut sites = Vec::new();
    for c in pod.containers() {
        let Some(value) = c.security("procMount") else { continue };
        let value = value.as_str().unwrap_or("");
        if value != "Default" {
            names.push(c.name());
            types.push(value.to_string());
            sites.extend(container_field(pod, &c, "securityContext.procMount"));
        }
    }
    (!names.is_empty()).then(|| {
        Violation::new(
            "procMount",
            format!(
                "{} {} must not set securityContext.procMount to {}",
                plural("container", "containers", names.len()),
                join_quote(&names),
                join_quote(&sorted_set(types))
            ),
            sites,
        )
    })
}

fn v1_35<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    // KEP-127: a pod in its own user namespace may unmask /proc.
    if pod.spec.get("hostUsers").and_then(|n| n.as_bool()) == Some(false) {
        return None;
    }
    v1_0(pod)
}
