//! `pss/allowPrivilegeEscalation`: containers that may gain privileges (restricted, v1.8+;
//! skipped for Windows pods from v1.25).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, container_field, container_site, join_quote, plural};

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/allowPrivilegeEscalation",
        severity: Severity::Medium,
        summary: "container may escalate privileges",
        help: "Unless `allowPrivilegeEscalation` is `false`, a process can gain more privileges than its parent \
               (setuid binaries, file capabilities).\n\n\
               **Restricted fields:** `securityContext.allowPrivilegeEscalation` of every container.\n\n\
               **Allowed values:** `false` (it must be set). Not required for pods with `spec.os.name: windows` (policy v1.25+).\n\n\
               Reference: Pod Security Standards, restricted, \"Privilege Escalation\".",
    },
    level: Level::Restricted,
    versions: &[(8, v1_8 as CheckFn), (25, v1_25 as CheckFn)],
    replaced_at_restricted_from: None,
};

fn v1_8<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut sites = Vec::new();
    for c in pod.containers() {
        let value = c.security("allowPrivilegeEscalation");
        if value.and_then(|n| n.as_bool()) != Some(false) {
            names.push(c.name());
            let site = value
                .and_then(|_| container_field(pod, &c, "securityContext.allowPrivilegeEscalation"))
                .unwrap_or_else(|| container_site(pod, &c));
            sites.push(site);
        }
    }
    (!names.is_empty()).then(|| {
        Violation::new(
            "allowPrivilegeEscalation != false",
            format!(
                "{} {} must set securityContext.allowPrivilegeEscalation=false",
                plural("container", "containers", names.len()),
                join_quote(&names)
            ),
            sites,
        )
    })
}

fn v1_25<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    if pod.is_windows() {
        return None;
    }
    v1_8(pod)
}
