//! `pss/sysctls`: sysctls outside the safe, namespaced set (baseline, v1.0+; the set grows in
//! v1.27, v1.29, v1.32 and v1.37).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation};
use crate::rule::Site;

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/sysctls",
        severity: Severity::High,
        summary: "pod sets an unsafe sysctl",
        help: "Sysctls outside the safe set can disable security mechanisms or affect every pod on the node.\n\n\
               **Restricted fields:** `spec.securityContext.sysctls[*].name`.\n\n\
               **Allowed values:** `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`, `net.ipv4.tcp_syncookies`, \
               `net.ipv4.ping_group_range`, `net.ipv4.ip_unprivileged_port_start`; `net.ipv4.ip_local_reserved_ports` \
               (v1.27+); `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`, `net.ipv4.tcp_keepalive_intvl`, \
               `net.ipv4.tcp_keepalive_probes` (v1.29+); `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem` (v1.32+); \
               `net.ipv4.tcp_slow_start_after_idle`, `net.ipv4.tcp_notsent_lowat` (v1.37+).\n\n\
               Reference: Pod Security Standards, baseline, \"Sysctls\".",
    },
    level: Level::Baseline,
    versions: &[
        (0, v1_0 as CheckFn),
        (27, v1_27 as CheckFn),
        (29, v1_29 as CheckFn),
        (32, v1_32 as CheckFn),
        (37, v1_37 as CheckFn),
    ],
    replaced_at_restricted_from: None,
};

const SAFE_1_0: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];
const ADDED_1_27: &[&str] = &["net.ipv4.ip_local_reserved_ports"];
const ADDED_1_29: &[&str] = &[
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const ADDED_1_32: &[&str] = &["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];
const ADDED_1_37: &[&str] = &["net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"];

fn v1_0<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    check(pod, &[SAFE_1_0])
}
fn v1_27<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    check(pod, &[SAFE_1_0, ADDED_1_27])
}
fn v1_29<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    check(pod, &[SAFE_1_0, ADDED_1_27, ADDED_1_29])
}
fn v1_32<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    check(pod, &[SAFE_1_0, ADDED_1_27, ADDED_1_29, ADDED_1_32])
}
fn v1_37<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    check(pod, &[SAFE_1_0, ADDED_1_27, ADDED_1_29, ADDED_1_32, ADDED_1_37])
}

fn check<'a>(pod: &PodTemplate<'a>, safe: &[&[&str]]) -> Option<Violation<'a>> {
    let sysctls = pod.security("sysctls").and_then(|n| n.as_seq())?;
    let mut forbidden = Vec::new();
    let mut sites = Vec::new();
    for (i, sysctl) in sysctls.iter().enumerate() {
        let name = sysctl.get("name").and_then(|n| n.as_str()).unwrap_or("");
        if !safe.iter().any(|set| set.contains(&name)) {
            forbidden.push(name);
            let node = sysctl.get_entry("name").map_or(sysctl, |(k, _)| k);
            sites.push(Site::new(node, pod.spec_field(&format!("securityContext.sysctls[{i}].name"))));
        }
    }
    (!forbidden.is_empty()).then(|| Violation::new("forbidden sysctls", forbidden.join(", "), sites))
}
