#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Reading OpenVEX and CycloneDX VEX fixtures into statements.

use vigil_vuln::vex::{ProductMatcher, VexDocument, VexStatus, parse_vex};

fn fixture(name: &str) -> VexDocument {
    let path = format!("{}/tests/fixtures/vex/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse_vex(name, &bytes).unwrap_or_else(|e| panic!("{e}"))
}

fn purl(s: &str) -> ProductMatcher {
    ProductMatcher::Purl(s.to_string())
}

#[test]
fn openvex_v0_2_0_statements() {
    let doc = fixture("openvex-v0.2.0.json");
    assert_eq!(doc.statements.len(), 7);
    let first = &doc.statements[0];
    assert_eq!(first.vulnerability, "CVE-2024-0001");
    assert_eq!(first.aliases, ["GHSA-1111-2222-3333"]);
    assert_eq!(first.products, [purl("pkg:npm/left-pad")]);
    assert_eq!(first.status, VexStatus::NotAffected);
    assert_eq!(first.justification.as_deref(), Some("vulnerable_code_not_in_execute_path"));
    assert_eq!(first.impact_statement, None);
    // No statement timestamp: inherits the document's.
    assert_eq!(first.timestamp.as_deref(), Some("2024-03-01T12:00:00Z"));

    let second = &doc.statements[1];
    assert_eq!((second.vulnerability.as_str(), second.status), ("CVE-2024-0002", VexStatus::Affected));
    assert_eq!(second.timestamp.as_deref(), Some("2024-03-02T08:00:00+02:00"));
    assert!(second.aliases.is_empty());

    // A product with subcomponents contributes itself and each subcomponent.
    let third = &doc.statements[2];
    assert_eq!(third.status, VexStatus::UnderInvestigation);
    assert_eq!(third.products.len(), 3);
    assert!(third.products[0].as_str().starts_with("pkg:oci/app@sha256%3A"));
    assert_eq!(third.products[1..], [purl("pkg:golang/golang.org/x/net@v0.17.0"), purl("pkg:pypi/requests")]);

    // `@id` that is not a purl, `identifiers.purl` and a CPE.
    let fourth = &doc.statements[3];
    assert_eq!(fourth.status, VexStatus::Fixed);
    assert_eq!(
        fourth.products,
        [
            ProductMatcher::Other("https://vigil.example/products/app".into()),
            purl("pkg:maven/org.example/lib@1.2.3"),
            ProductMatcher::Other("cpe:2.3:a:example:lib:1.2.3:*:*:*:*:*:*:*".into()),
        ]
    );

    let last = &doc.statements[6];
    assert_eq!(last.status, VexStatus::NotAffected);
    assert_eq!(last.justification, None);
    assert_eq!(last.impact_statement.as_deref(), Some("vigil never sends requests with proxies configured"));
}

#[test]
fn openvex_v0_0_1_shapes() {
    let doc = fixture("openvex-v0.0.1.json");
    let [statement] = doc.statements.as_slice() else { panic!("{doc:?}") };
    assert_eq!(statement.vulnerability, "CVE-2023-12345");
    assert_eq!(statement.status, VexStatus::Fixed);
    assert_eq!(
        statement.products,
        [
            purl("pkg:apk/wolfi/git@2.39.0-r1?arch=armv7"),
            purl("pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64"),
            purl("pkg:apk/wolfi/openssl"),
        ]
    );
    assert_eq!(statement.timestamp.as_deref(), Some("2023-01-08T18:02:03.647787998-06:00"));
}

#[test]
fn cyclonedx_1_6_bom_with_analysis() {
    let doc = fixture("cyclonedx-1.6.json");
    // The fifth vulnerability has no analysis: not a statement.
    assert_eq!(doc.statements.len(), 4);
    let jackson = &doc.statements[0];
    assert_eq!(jackson.vulnerability, "CVE-2023-35116");
    assert_eq!(jackson.aliases, ["GHSA-jjjh-jjxp-wpff"]);
    assert_eq!(jackson.status, VexStatus::NotAffected, "false_positive");
    assert_eq!(jackson.justification.as_deref(), Some("code_not_reachable"));
    assert_eq!(
        jackson.impact_statement.as_deref(),
        Some("the maintainers dispute the report; cyclic types are never serialized here")
    );
    assert_eq!(jackson.timestamp.as_deref(), Some("2024-04-03T10:00:00Z"), "lastUpdated first");
    // `bom-ref` resolved to the component's purl.
    assert_eq!(jackson.products, [purl("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2?type=jar")]);

    let qs = &doc.statements[1];
    assert_eq!(qs.status, VexStatus::Fixed);
    // A nested component's `bom-ref`, and a `ref` that is itself a purl.
    assert_eq!(qs.products, [purl("pkg:npm/qs@6.11.0"), purl("pkg:npm/qs@6.10.3")]);
    assert_eq!(qs.timestamp.as_deref(), Some("2024-04-01T00:00:00Z"), "metadata.timestamp");
    assert_eq!(qs.justification, None);

    let zlib = &doc.statements[2];
    assert_eq!(zlib.status, VexStatus::Affected);
    assert_eq!(zlib.timestamp.as_deref(), Some("2024-04-02T00:00:00Z"), "firstIssued");
    // Components without a purl stay references (`metadata.component` included).
    assert_eq!(zlib.products, [ProductMatcher::Other("vendored-zlib".into()), ProductMatcher::Other("app".into())]);

    assert_eq!(doc.statements[3].status, VexStatus::UnderInvestigation);
    assert_eq!(doc.statements[3].products, [purl("pkg:npm/express@4.18.2")]);
}

#[test]
fn cyclonedx_1_5_standalone_vex_with_bom_links() {
    let doc = fixture("cyclonedx-1.5.json");
    let [curl, pedigree] = doc.statements.as_slice() else { panic!("{doc:?}") };
    assert_eq!(curl.status, VexStatus::NotAffected);
    assert_eq!(curl.justification.as_deref(), Some("requires_configuration"));
    assert_eq!(curl.timestamp.as_deref(), Some("2024-05-02T00:00:00Z"));
    // BOM-Link fragments that are purls, as written and percent-encoded.
    assert_eq!(
        curl.products,
        [purl("pkg:deb/debian/curl@7.88.1-10+deb12u4?arch=amd64"), purl("pkg:deb/debian/libcurl4")]
    );
    assert_eq!(pedigree.status, VexStatus::Fixed);
    assert_eq!(
        pedigree.products,
        [ProductMatcher::Other("urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#lib-curl".into())]
    );
}

#[test]
fn cyclonedx_empty_vulnerabilities_is_an_empty_vex() {
    let doc =
        parse_vex("x.json", br#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "vulnerabilities": []}"#).unwrap();
    assert!(doc.statements.is_empty());
}

#[test]
fn status_spellings() {
    let all: Vec<&str> = [VexStatus::NotAffected, VexStatus::Affected, VexStatus::Fixed, VexStatus::UnderInvestigation]
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(all, ["not_affected", "affected", "fixed", "under_investigation"]);
    assert_eq!(VexStatus::NotAffected.to_string(), "not_affected");
}
