#![allow(clippy::unwrap_used, clippy::expect_used)]
//! VEX across several documents (`vigil scan --vex A --vex B`): the latest statement wins across
//! all of them, as within one, by statement (or inherited document) timestamp; among equal
//! timestamps the later document wins. Each case runs with the two files in both orders.

use vigil_core::Severity;
use vigil_sbom::PackageLocation;
use vigil_vuln::matcher::{FindingStatus, PackageRef, VulnFinding};
use vigil_vuln::vex::{VexDocument, parse_vex};

fn finding() -> VulnFinding {
    VulnFinding {
        id: "GHSA-aaaa-bbbb-cccc".into(),
        aliases: vec!["CVE-2024-0001".into()],
        package: PackageRef {
            name: "left-pad".into(),
            version: "1.2.0".into(),
            ecosystem: "npm".into(),
            purl: "pkg:npm/left-pad@1.2.0".into(),
        },
        fixed_versions: vec![],
        severity: Severity::High,
        cvss: None,
        status: FindingStatus::Affected,
        justification: None,
        locations: vec![PackageLocation { path: "/package-lock.json".into(), layer: None }],
        summary: None,
    }
}

/// An OpenVEX document with one statement about the finding; `statement_time` is the
/// statement's own timestamp, `document_time` the document's.
fn openvex(name: &str, status: &str, document_time: Option<&str>, statement_time: Option<&str>) -> VexDocument {
    let mut statement = serde_json::json!({
        "vulnerability": {"name": "CVE-2024-0001"},
        "products": [{"@id": "pkg:npm/left-pad"}],
        "status": status,
    });
    if status == "not_affected" {
        statement["justification"] = "vulnerable_code_not_in_execute_path".into();
    }
    if status == "affected" {
        statement["action_statement"] = "upgrade".into();
    }
    if let Some(t) = statement_time {
        statement["timestamp"] = t.into();
    }
    let mut doc = serde_json::json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": format!("https://example.com/vex/{name}"),
        "author": "sec",
        "version": 1,
        "statements": [statement],
    });
    if let Some(t) = document_time {
        doc["timestamp"] = t.into();
    }
    parse_vex(name, &serde_json::to_vec(&doc).unwrap()).unwrap()
}

/// The status after applying `documents` in the order given.
fn status_after(documents: &[&VexDocument]) -> (FindingStatus, Option<String>) {
    let mut findings = vec![finding()];
    VexDocument::merge(documents.iter().map(|d| (*d).clone())).apply(&mut findings);
    (findings[0].status, findings[0].justification.clone())
}

#[test]
fn a_later_affected_statement_overrides_an_earlier_not_affected_in_either_file_order() {
    let earlier = openvex("a.json", "not_affected", Some("2024-01-01T00:00:00Z"), None);
    let later = openvex("b.json", "affected", Some("2024-02-01T00:00:00Z"), None);
    assert_eq!(status_after(&[&earlier, &later]), (FindingStatus::Affected, None));
    assert_eq!(status_after(&[&later, &earlier]), (FindingStatus::Affected, None));
    // Each alone.
    assert_eq!(status_after(&[&earlier]).0, FindingStatus::NotAffected);
    assert_eq!(status_after(&[&later]).0, FindingStatus::Affected);
}

#[test]
fn a_later_not_affected_statement_suppresses_in_either_file_order() {
    let earlier = openvex("a.json", "affected", None, Some("2024-01-01T00:00:00Z"));
    // Statement timestamps win over the document's.
    let later = openvex("b.json", "not_affected", Some("2023-01-01T00:00:00Z"), Some("2024-03-01T00:00:00+01:00"));
    let suppressed = (FindingStatus::NotAffected, Some("vulnerable_code_not_in_execute_path".to_string()));
    assert_eq!(status_after(&[&earlier, &later]), suppressed);
    assert_eq!(status_after(&[&later, &earlier]), suppressed);
}

#[test]
fn equal_timestamps_let_the_later_file_win() {
    let t = Some("2024-01-01T00:00:00Z");
    let not_affected = openvex("a.json", "not_affected", t, None);
    let fixed = openvex("b.json", "fixed", t, None);
    assert_eq!(status_after(&[&not_affected, &fixed]).0, FindingStatus::Fixed);
    assert_eq!(status_after(&[&fixed, &not_affected]).0, FindingStatus::NotAffected);
    // Without any timestamp, file order decides too.
    let a = openvex("a.json", "not_affected", None, None);
    let b = openvex("b.json", "affected", None, None);
    assert_eq!(status_after(&[&a, &b]).0, FindingStatus::Affected);
    assert_eq!(status_after(&[&b, &a]).0, FindingStatus::NotAffected);
}

#[test]
fn a_timestamped_statement_beats_one_without_a_timestamp_in_either_order() {
    let dated = openvex("a.json", "not_affected", Some("2020-01-01T00:00:00Z"), None);
    let undated = openvex("b.json", "affected", None, None);
    assert_eq!(status_after(&[&dated, &undated]).0, FindingStatus::NotAffected);
    assert_eq!(status_after(&[&undated, &dated]).0, FindingStatus::NotAffected);
}

#[test]
fn under_investigation_and_no_statement_leave_the_finding_affected() {
    let earlier = openvex("a.json", "not_affected", Some("2024-01-01T00:00:00Z"), None);
    let later = openvex("b.json", "under_investigation", Some("2024-02-01T00:00:00Z"), None);
    assert_eq!(status_after(&[&later, &earlier]), (FindingStatus::Affected, None));
    assert_eq!(status_after(&[]), (FindingStatus::Affected, None));
}
