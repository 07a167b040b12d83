#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Which VEX statement applies to a finding: identifiers and aliases, purl matching, and the
//! latest statement winning.

use vigil_vuln::vex::{ProductMatcher, VexDocument, VexStatus, parse_vex};

fn fixture(name: &str) -> VexDocument {
    let path = format!("{}/tests/fixtures/vex/{name}", env!("CARGO_MANIFEST_DIR"));
    parse_vex(name, &std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{e}"))
}

/// The status of the statement that applies, if any.
fn status(doc: &VexDocument, id: &str, aliases: &[&str], purl: &str) -> Option<VexStatus> {
    let aliases: Vec<String> = aliases.iter().map(|a| a.to_string()).collect();
    doc.matches(id, &aliases, purl).map(|s| s.status)
}

#[test]
fn product_without_version_matches_every_version() {
    let doc = fixture("openvex-v0.2.0.json");
    assert_eq!(status(&doc, "CVE-2024-0001", &[], "pkg:npm/left-pad@1.2.0"), Some(VexStatus::NotAffected));
    assert_eq!(status(&doc, "CVE-2024-0001", &[], "pkg:npm/left-pad"), Some(VexStatus::NotAffected));
    assert_eq!(status(&doc, "CVE-2024-0001", &[], "pkg:npm/right-pad@1.2.0"), None);
    assert_eq!(status(&doc, "CVE-2024-9999", &[], "pkg:npm/left-pad@1.2.0"), None);
}

#[test]
fn versioned_product_matches_that_version_only() {
    let doc = fixture("openvex-v0.2.0.json");
    let openssl = "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12";
    assert_eq!(status(&doc, "CVE-2024-0002", &[], openssl), Some(VexStatus::Affected));
    assert_eq!(status(&doc, "CVE-2024-0002", &[], "pkg:deb/debian/openssl@3.0.13-1~deb12u1?arch=amd64"), None);
    // The matcher's qualifier must be present with the same value.
    assert_eq!(status(&doc, "CVE-2024-0002", &[], "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=arm64"), None);
    assert_eq!(status(&doc, "CVE-2024-0002", &[], "pkg:deb/debian/openssl@3.0.11-1~deb12u2"), None);
    // Percent-encoding differences do not matter.
    assert_eq!(
        status(&doc, "CVE-2024-0002", &[], "pkg:deb/debian/openssl@3.0.11-1%7Edeb12u2?arch=amd64"),
        Some(VexStatus::Affected)
    );
}

#[test]
fn subcomponents_and_identifiers_match() {
    let doc = fixture("openvex-v0.2.0.json");
    assert_eq!(
        status(&doc, "GHSA-aaaa-bbbb-cccc", &[], "pkg:golang/golang.org/x/net@v0.17.0"),
        Some(VexStatus::UnderInvestigation)
    );
    assert_eq!(status(&doc, "GHSA-aaaa-bbbb-cccc", &[], "pkg:golang/golang.org/x/net@v0.18.0"), None);
    assert_eq!(status(&doc, "CVE-2024-0004", &[], "pkg:maven/org.example/lib@1.2.3"), Some(VexStatus::Fixed));
    assert_eq!(status(&doc, "CVE-2024-0004", &[], "pkg:maven/org.example/lib@1.2.4"), None);
}

#[test]
fn aliases_match_in_both_directions() {
    let doc = fixture("openvex-v0.2.0.json");
    // The finding's id is the statement's alias.
    assert_eq!(status(&doc, "GHSA-1111-2222-3333", &[], "pkg:npm/left-pad@1.0.0"), Some(VexStatus::NotAffected));
    // The finding's alias is the statement's id.
    assert_eq!(
        status(&doc, "GHSA-zzzz-zzzz-zzzz", &["CVE-2024-0001"], "pkg:npm/left-pad@1.0.0"),
        Some(VexStatus::NotAffected)
    );
    // Identifiers compare case-insensitively.
    assert_eq!(status(&doc, "cve-2024-0001", &[], "pkg:npm/left-pad@1.0.0"), Some(VexStatus::NotAffected));
    // CycloneDX `references[].id` are aliases too.
    let cdx = fixture("cyclonedx-1.6.json");
    let jackson = "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2?type=jar";
    assert_eq!(status(&cdx, "GHSA-jjjh-jjxp-wpff", &[], jackson), Some(VexStatus::NotAffected));
    assert_eq!(status(&cdx, "GHSA-xxxx", &["CVE-2023-35116"], jackson), Some(VexStatus::NotAffected));
    // The component's qualifier `type=jar` must be on the finding's purl.
    assert_eq!(
        status(&cdx, "CVE-2023-35116", &[], "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2"),
        None
    );
}

#[test]
fn latest_statement_wins() {
    let doc = fixture("openvex-v0.2.0.json");
    // Statement 1 (document time, 2024-03-01) says not_affected for every version; statement 5
    // (2024-03-05) says affected for 1.3.0; statement 6 comes later in the document but is
    // older (2024-02-01), so it does not win.
    assert_eq!(status(&doc, "CVE-2024-0001", &[], "pkg:npm/left-pad@1.3.0"), Some(VexStatus::Affected));
    let hit = doc.matches("CVE-2024-0001", &[], "pkg:npm/left-pad@1.3.0").unwrap();
    assert_eq!(hit.timestamp.as_deref(), Some("2024-03-05T00:00:00Z"));
    // Statement 7's 13:00+01:00 is the same instant as statement 3's inherited 12:00Z: the tie
    // goes to the later statement. The pypi name is compared case-insensitively.
    assert_eq!(
        status(&doc, "GHSA-aaaa-bbbb-cccc", &["CVE-2024-0003"], "pkg:pypi/requests@2.31.0"),
        Some(VexStatus::NotAffected)
    );
    assert_eq!(
        status(&doc, "GHSA-aaaa-bbbb-cccc", &["CVE-2024-0003"], "pkg:pypi/requests@2.30.0"),
        Some(VexStatus::UnderInvestigation)
    );
}

#[test]
fn document_order_decides_without_timestamps() {
    let doc = parse_vex(
        "order.json",
        br#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
            {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/a"}], "status": "under_investigation"},
            {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/a@1"}], "status": "fixed"},
            {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/b"}], "status": "affected"},
            {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/a"}], "status": "not_affected", "timestamp": "2020-01-01T00:00:00Z", "justification": "component_not_present"}
        ]}"#,
    )
    .unwrap();
    // A statement with a timestamp is newer than any without one.
    assert_eq!(status(&doc, "CVE-1", &[], "pkg:npm/a@1"), Some(VexStatus::NotAffected));
    let without: VexDocument = VexDocument { statements: doc.statements[..3].to_vec() };
    assert_eq!(status(&without, "CVE-1", &[], "pkg:npm/a@1"), Some(VexStatus::Fixed));
    assert_eq!(status(&without, "CVE-1", &[], "pkg:npm/a@2"), Some(VexStatus::UnderInvestigation));
}

#[test]
fn cyclonedx_products() {
    let doc = fixture("cyclonedx-1.6.json");
    assert_eq!(status(&doc, "CVE-2022-24999", &[], "pkg:npm/qs@6.11.0"), Some(VexStatus::Fixed));
    assert_eq!(status(&doc, "CVE-2022-24999", &[], "pkg:npm/qs@6.10.3"), Some(VexStatus::Fixed));
    assert_eq!(status(&doc, "CVE-2022-24999", &[], "pkg:npm/qs@6.9.0"), None);
    // A component without a purl cannot match a package.
    assert_eq!(status(&doc, "CVE-2023-45853", &[], "pkg:generic/zlib@1.3"), None);
    let bom_link = fixture("cyclonedx-1.5.json");
    assert_eq!(
        status(&bom_link, "CVE-2023-38545", &[], "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u4?arch=amd64&distro=debian-12"),
        Some(VexStatus::NotAffected)
    );
    assert_eq!(
        status(&bom_link, "CVE-2023-38545", &[], "pkg:deb/debian/libcurl4@7.88.1-10"),
        Some(VexStatus::NotAffected)
    );
}

#[test]
fn matches_purl() {
    let any = ProductMatcher::Purl("pkg:npm/%40angular/core".into());
    assert!(any.matches_purl("pkg:npm/@angular/core@16.0.0"));
    assert!(any.matches_purl("pkg:npm/%40angular/core@17.0.0?foo=bar"));
    assert!(!any.matches_purl("pkg:npm/@angular/common@16.0.0"));
    assert!(!any.matches_purl("pkg:npm/core@16.0.0"));
    let exact = ProductMatcher::Purl("pkg:npm/%40angular/core@16.0.0?arch=x".into());
    assert!(exact.matches_purl("pkg:npm/%40angular/core@16.0.0?arch=x"));
    assert!(!exact.matches_purl("pkg:npm/%40angular/core@16.0.0"));
    assert!(!exact.matches_purl("pkg:npm/%40angular/core?arch=x"));
    assert!(!ProductMatcher::Other("ghcr.io/vigil-dev/app@sha256:00".into()).matches_purl("pkg:npm/a"));
    // A finding purl that does not parse matches nothing.
    let doc = fixture("openvex-v0.2.0.json");
    assert!(doc.matches("CVE-2024-0001", &[], "left-pad@1.2.0").is_none());
}
