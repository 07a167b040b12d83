//! `pss/capabilities_baseline`: capabilities beyond the container runtime's default set
//! (baseline, v1.0+). From v1.22 the restricted level uses `pss/capabilities_restricted`
//! instead (upstream `OverrideCheckIDs`).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, join_quote, plural, sorted_set};
use crate::rule::Site;

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/capabilities_baseline",
        severity: Severity::High,
        summary: "container adds a non-default capability",
        help: "Adding capabilities beyond the runtime default set (e.g. `SYS_ADMIN`, `NET_ADMIN`, `NET_RAW`) widens \
               what a compromised container can do to the node.\n\n\
               **Restricted fields:** `securityContext.capabilities.add` of every container.\n\n\
               **Allowed values:** unset, or a subset of `AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`, \
               `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID`, `SYS_CHROOT`.\n\n\
               Reference: Pod Security Standards, baseline, \"Capabilities\".",
    },
    level: Level::Baseline,
    versions: &[(0, v1_0 as CheckFn)],
    replaced_at_restricted_from: Some(22),
};

const ALLOWED: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn v1_0<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut caps = Vec::new();
    let mut sites = Vec::new();
    for c in pod.containers() {
        let Some(add) = c.security("capabilities.add").and_then(|n| n.as_seq()) else { continue };
        let mut bad = false;
        for (i, cap) in add.iter().enumerate() {
            let value = cap.as_str().unwrap_or("");
            if !ALLOWED.contains(&value) {
                bad = true;
                caps.push(value.to_string());
                sites.push(Site::new(
                    cap,
                    pod.spec_field(&format!("{}.securityContext.capabilities.add[{i}]", c.path())),
                ));
            }
        }
        if bad {
            names.push(c.name());
        }
    }
    let caps = sorted_set(caps);
    (!names.is_empty()).then(|| {
        Violation::new(
            "non-default capabilities",
            format!(
                "{} {} must not include {} in securityContext.capabilities.add",
                plural("container", "containers", names.len()),
                join_quote(&names),
                join_quote(&caps)
            ),
            sites,
        )
    })
}
