//! `pss/hostPorts`: containers that bind a port on the node (baseline, v1.0+).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, join_quote, plural, sorted_set};
use crate::rule::Site;

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/hostPorts",
        severity: Severity::High,
        summary: "container uses a host port",
        help: "A host port binds directly on the node, bypassing network policy and exposing the pod on the node's address.\n\n\
               **Restricted fields:** `spec.containers[*].ports[*].hostPort` (and init/ephemeral containers).\n\n\
               **Allowed values:** unset, `0`.\n\n\
               Fix: expose the port through a Service.\n\n\
               Reference: Pod Security Standards, baseline, \"Host Ports\".",
    },
    level: Level::Baseline,
    versions: &[(0, v1_0 as CheckFn)],
    replaced_at_restricted_from: None,
};

fn v1_0<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut ports = Vec::new();
    let mut sites = Vec::new();
    for c in pod.containers() {
        let mut bad = false;
        for (i, port) in c.node.get("ports").and_then(|p| p.as_seq()).unwrap_or(&[]).iter().enumerate() {
            let Some((key, value)) = port.get_entry("hostPort") else { continue };
            match value.as_i64() {
                Some(0) | None => {}
                Some(host_port) => {
                    bad = true;
                    ports.push(host_port.to_string());
                    sites.push(Site::new(key, pod.spec_field(&format!("{}.ports[{i}].hostPort", c.path()))));
                }
            }
        }
        if bad {
            names.push(c.name());
        }
    }
    let ports = sorted_set(ports);
    (!names.is_empty()).then(|| {
        Violation::new(
            "hostPort",
            format!(
                "{} {} {} {} {}",
                plural("container", "containers", names.len()),
                join_quote(&names),
                plural("uses", "use", names.len()),
                plural("hostPort", "hostPorts", ports.len()),
                ports.join(", ")
            ),
            sites,
        )
    })
}
