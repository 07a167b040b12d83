//! `pss/privileged`: privileged containers (baseline, v1.0+).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, container_field, join_quote, plural};

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/privileged",
        severity: Severity::High,
        summary: "container runs privileged",
        help: "Privileged containers disable most security mechanisms and get full access to the node.\n\n\
               **Restricted fields:** `spec.containers[*].securityContext.privileged`, and the same for \
               `initContainers` and `ephemeralContainers`.\n\n**Allowed values:** unset, `false`.\n\n\
               Fix: remove `privileged: true`; add only the capabilities the workload needs.\n\n\
               Reference: Pod Security Standards, baseline, \"Privileged Containers\".",
    },
    level: Level::Baseline,
    versions: &[(0, v1_0 as CheckFn)],
    replaced_at_restricted_from: None,
};

fn v1_0<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut sites = Vec::new();
    for c in pod.containers() {
        if c.security("privileged").and_then(|n| n.as_bool()) == Some(true) {
            names.push(c.name());
            sites.extend(container_field(pod, &c, "securityContext.privileged"));
        }
    }
    (!names.is_empty()).then(|| {
        Violation::new(
            "privileged",
            format!(
                "{} {} must not set securityContext.privileged=true",
                plural("container", "containers", names.len()),
                join_quote(&names)
            ),
            sites,
        )
    })
}
