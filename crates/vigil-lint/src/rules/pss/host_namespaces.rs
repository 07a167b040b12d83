//! `pss/hostNamespaces`: sharing the node's network, PID or IPC namespace (baseline, v1.0+).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, spec_field};

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/hostNamespaces",
        severity: Severity::High,
        summary: "pod shares a host namespace",
        help: "Sharing the host's network, PID or IPC namespace lets a pod see and reach node processes and traffic.\n\n\
               **Restricted fields:** `spec.hostNetwork`, `spec.hostPID`, `spec.hostIPC`.\n\n\
               **Allowed values:** unset, `false`.\n\n\
               Reference: Pod Security Standards, baseline, \"Host Namespaces\".",
    },
    level: Level::Baseline,
    versions: &[(0, v1_0 as CheckFn)],
    replaced_at_restricted_from: None,
};

fn v1_0<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut set = Vec::new();
    let mut sites = Vec::new();
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if pod.spec.get(field).and_then(|n| n.as_bool()) == Some(true) {
            set.push(format!("{field}=true"));
            sites.extend(spec_field(pod, field));
        }
    }
    (!set.is_empty()).then(|| Violation::new("host namespaces", set.join(", "), sites))
}
