//! `pss/windowsHostProcess`: Windows HostProcess containers (baseline, v1.0+).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, container_field, join_quote, plural, spec_field};

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/windowsHostProcess",
        severity: Severity::High,
        summary: "Windows HostProcess container",
        help: "Windows HostProcess containers run directly on the node with privileged access.\n\n\
               **Restricted fields:** `spec.securityContext.windowsOptions.hostProcess` and the same per container.\n\n\
               **Allowed values:** unset, `false`.\n\n\
               Reference: Pod Security Standards, baseline, \"HostProcess\".",
    },
    level: Level::Baseline,
    versions: &[(0, v1_0 as CheckFn)],
    replaced_at_restricted_from: None,
};

fn v1_0<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut sites = Vec::new();
    let pod_set = pod.security("windowsOptions.hostProcess").and_then(|n| n.as_bool()) == Some(true);
    if pod_set {
        sites.extend(spec_field(pod, "securityContext.windowsOptions.hostProcess"));
    }
    let mut names = Vec::new();
    for c in pod.containers() {
        if c.security("windowsOptions.hostProcess").and_then(|n| n.as_bool()) == Some(true) {
            names.push(c.name());
            sites.extend(container_field(pod, &c, "securityContext.windowsOptions.hostProcess"));
        }
    }
    if !pod_set && names.is_empty() {
        return None;
    }
    let containers = || format!("{} {}", plural("container", "containers", names.len()), join_quote(&names));
    let detail = match (pod_set, names.is_empty()) {
        (true, false) => {
            format!("pod and {} must not set securityContext.windowsOptions.hostProcess=true", containers())
        }
        (true, true) => "pod must not set securityContext.windowsOptions.hostProcess=true".to_string(),
        _ => format!("{} must not set securityContext.windowsOptions.hostProcess=true", containers()),
    };
    Some(Violation::new("hostProcess", detail, sites))
}
