//! `--pss LEVEL[:VERSION]` decides which Pod Security Standards rules fire.

use std::collections::BTreeSet;

use crate::common::{Vigil, rules_of};

/// The `pss/*` rules that fire on the Deployment fixture under `profile`.
fn pss_rules(profile: &str) -> BTreeSet<String> {
    let out = Vigil::in_fixtures()
        .args(["lint", "deployment-violations.yaml", "--select", "pss", "--format", "json", "--pss", profile])
        .run();
    let rules = rules_of(&out.json());
    out.assert_code(if rules.is_empty() { 0 } else { 1 });
    rules
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

const BASELINE: [&str; 4] = ["pss/hostNamespaces", "pss/hostPorts", "pss/hostProbesAndHostLifecycle", "pss/privileged"];
const RESTRICTED_ONLY: [&str; 4] = [
    "pss/allowPrivilegeEscalation",
    "pss/capabilities_restricted",
    "pss/runAsNonRoot",
    "pss/seccompProfile_restricted",
];

#[test]
fn privileged_allows_everything() {
    assert_eq!(pss_rules("privileged"), set(&[]));
}

#[test]
fn baseline_fires_only_baseline_rules() {
    assert_eq!(pss_rules("baseline"), set(&BASELINE));
    assert_eq!(pss_rules("baseline:latest"), set(&BASELINE));
}

#[test]
fn restricted_adds_the_restricted_rules() {
    let all: Vec<&str> = BASELINE.iter().chain(RESTRICTED_ONLY.iter()).copied().collect();
    assert_eq!(pss_rules("restricted"), set(&all));
    assert_eq!(pss_rules("restricted:latest"), set(&all));
}

#[test]
fn restricted_is_the_default() {
    let out =
        Vigil::in_fixtures().args(["lint", "deployment-violations.yaml", "--select", "pss", "--format", "json"]).run();
    assert_eq!(rules_of(&out.json()), pss_rules("restricted"));
}

#[test]
fn host_probes_check_starts_at_v1_34() {
    // Upstream added `hostProbesAndHostLifecycle` to the baseline policy in v1.34.
    let v133 = pss_rules("baseline:v1.33");
    assert!(!v133.contains("pss/hostProbesAndHostLifecycle"), "{v133:?}");
    assert_eq!(v133, set(&["pss/hostNamespaces", "pss/hostPorts", "pss/privileged"]));
    let v134 = pss_rules("baseline:v1.34");
    assert!(v134.contains("pss/hostProbesAndHostLifecycle"), "{v134:?}");
    assert_eq!(v134, set(&BASELINE));
}

#[test]
fn profile_is_shown_in_the_table_summary() {
    let out =
        Vigil::in_fixtures().args(["lint", "pod-restricted.yaml", "--pss", "baseline:v1.30", "--color", "never"]).run();
    out.assert_code(0);
    insta::assert_snapshot!(out.stdout, @"No findings: 1 object in 1 file checked (baseline:v1.30).");
}

#[test]
fn image_rules_do_not_depend_on_the_profile() {
    for profile in ["privileged", "baseline", "restricted"] {
        let out = Vigil::in_fixtures()
            .args(["lint", "deployment-violations.yaml", "--select", "image", "--format", "json", "--pss", profile])
            .run();
        out.assert_code(1);
        assert_eq!(rules_of(&out.json()), set(&["image/latest-tag", "image/no-digest"]), "{profile}");
    }
}
