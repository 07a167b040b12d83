//! `pss/hostProbesAndHostLifecycle`: probes and lifecycle hooks aimed at another host
//! (baseline, v1.34+).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, join_quote, plural, sorted_set};
use crate::rule::Site;

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/hostProbesAndHostLifecycle",
        severity: Severity::High,
        summary: "probe or lifecycle handler targets a host",
        help: "A probe or lifecycle handler with a `host` makes the kubelet connect to an arbitrary address, \
               which can be abused to reach services on the node's network.\n\n\
               **Restricted fields:** `host` of `httpGet` and `tcpSocket` in `livenessProbe`, `readinessProbe`, \
               `startupProbe`, `lifecycle.postStart` and `lifecycle.preStop` of every container.\n\n\
               **Allowed values:** unset, `\"\"`.\n\n\
               Reference: Pod Security Standards, baseline, \"Host Probes / Lifecycle Hooks\" (policy v1.34+).",
    },
    level: Level::Baseline,
    versions: &[(34, v1_34 as CheckFn)],
    replaced_at_restricted_from: None,
};

const HANDLERS: [&str; 5] =
    ["livenessProbe", "readinessProbe", "startupProbe", "lifecycle.postStart", "lifecycle.preStop"];

fn v1_34<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut hosts = Vec::new();
    let mut sites = Vec::new();
    for c in pod.containers() {
        let mut bad = false;
        for handler in HANDLERS {
            for action in ["httpGet", "tcpSocket"] {
                let field = format!("{handler}.{action}.host");
                let Some((key, value)) = c.node.get_path_entry(&field) else { continue };
                if let Some(host) = value.as_str().filter(|h| !h.is_empty()) {
                    bad = true;
                    hosts.push(host.to_string());
                    sites.push(Site::new(key, pod.spec_field(&format!("{}.{field}", c.path()))));
                }
            }
        }
        if bad {
            names.push(c.name().to_string());
        }
    }
    // Upstream collects both lists in sets, so names and hosts come out sorted.
    let names = sorted_set(names);
    let hosts = sorted_set(hosts);
    (!names.is_empty()).then(|| {
        Violation::new(
            "probe or lifecycle host",
            format!(
                "{} {} {} {} {}",
                plural("container", "containers", names.len()),
                join_quote(&names),
                plural("uses", "use", names.len()),
                plural("probe or lifecycle host", "probe or lifecycle hosts", hosts.len()),
                join_quote(&hosts)
            ),
            sites,
        )
    })
}
