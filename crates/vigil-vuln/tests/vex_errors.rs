#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Bad VEX input: every error names the file and says what is wrong and what was expected.

use vigil_vuln::vex::{MAX_DOCUMENT_BYTES, MAX_STATEMENTS, VexError, parse_vex};

fn error(json: &str) -> String {
    match parse_vex("vex.json", json.as_bytes()) {
        Ok(doc) => panic!("parsed: {doc:?}"),
        Err(e) => e.to_string(),
    }
}

/// An OpenVEX document with `statements`.
fn openvex(statements: &str) -> String {
    format!(
        r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": "2024-01-01T00:00:00Z", "statements": {statements}}}"#
    )
}

/// A CycloneDX BOM with `vulnerabilities`.
fn cyclonedx(vulnerabilities: &str) -> String {
    format!(
        r#"{{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{{"bom-ref": "a", "purl": "pkg:npm/a@1"}}], "vulnerabilities": {vulnerabilities}}}"#
    )
}

#[test]
fn not_json() {
    assert_eq!(error("hello"), "vex.json: invalid JSON: expected value at line 1 column 1");
    let e = error(r#"{"statements": [}"#);
    assert!(e.starts_with("vex.json: invalid JSON: "), "{e}");
    assert!(matches!(parse_vex("vex.json", b"\xff\xfe"), Err(VexError::Json { .. })));
    assert!(matches!(parse_vex("vex.json", b""), Err(VexError::Json { .. })));
}

#[test]
fn not_vex() {
    let tail = ", expected an OpenVEX document (`@context` `https://openvex.dev/ns/v0.2.0`) or a CycloneDX BOM with `vulnerabilities[].analysis`";
    for (json, found) in [
        ("[]", "the document is an array"),
        ("\"x\"", "the document is a string"),
        ("{}", "it has neither `@context` nor `bomFormat`"),
        (r#"{"@context": "https://docs.oasis-open.org/csaf"}"#, "`@context` is `https://docs.oasis-open.org/csaf`"),
        (r#"{"@context": "https://openvex.dev/nsx"}"#, "`@context` is `https://openvex.dev/nsx`"),
        (r#"{"@context": ["https://openvex.dev/ns"]}"#, "`@context` is an array"),
        (r#"{"spdxVersion": "SPDX-2.3", "bomFormat": "SPDX"}"#, "`bomFormat` is `SPDX`"),
        (r#"{"bomFormat": "CycloneDX", "specVersion": "1.6"}"#, "a CycloneDX BOM without `vulnerabilities`"),
        (
            r#"{"bomFormat": "CycloneDX", "vulnerabilities": [{"id": "CVE-1"}, {"id": "CVE-2"}]}"#,
            "a CycloneDX BOM whose 2 `vulnerabilities` have no `analysis`",
        ),
    ] {
        assert_eq!(error(json), format!("vex.json: not a VEX document: {found}{tail}"), "{json}");
    }
}

#[test]
fn openvex_missing_and_mistyped_fields() {
    let prefix = "vex.json: invalid OpenVEX: ";
    let ok = r#"{"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/a"}], "status": "fixed"}"#;
    for (statements, message) in [
        (r#""x""#, "`statements` is a string, expected an array"),
        (&format!("[{ok}, 7]"), "statement 2 is a number, expected an object"),
        (
            &format!(r#"[{ok}, {ok}, {{"vulnerability": {{"name": "CVE-1"}}}}]"#),
            "statement 3 has no `status`, expected one of `not_affected`, `affected`, `fixed`, `under_investigation`",
        ),
        (
            r#"[{"vulnerability": {"name": "CVE-1"}, "status": "vulnerable"}]"#,
            "statement 1: `status` is `vulnerable`, expected one of `not_affected`, `affected`, `fixed`, `under_investigation`",
        ),
        (
            r#"[{"vulnerability": {"name": "CVE-1"}, "status": 3}]"#,
            "statement 1: `status` is a number, expected a string",
        ),
        (r#"[{"status": "fixed"}]"#, "statement 1 has no `vulnerability`, expected an object with a `name`"),
        (
            r#"[{"vulnerability": {"@id": "https://x"}, "status": "fixed"}]"#,
            "statement 1 has no `vulnerability.name`, expected a vulnerability identifier",
        ),
        (
            r#"[{"vulnerability": {"name": ""}, "status": "fixed"}]"#,
            "statement 1: `vulnerability.name` is empty, expected a vulnerability identifier",
        ),
        (
            r#"[{"vulnerability": true, "status": "fixed"}]"#,
            "statement 1: `vulnerability` is a boolean, expected an object with a `name`",
        ),
        (
            r#"[{"vulnerability": {"name": "CVE-1", "aliases": "GHSA-1"}, "status": "fixed"}]"#,
            "statement 1: `vulnerability.aliases` is a string, expected an array",
        ),
        (
            r#"[{"vulnerability": {"name": "CVE-1", "aliases": ["GHSA-1", null]}, "status": "fixed"}]"#,
            "statement 1: `vulnerability.aliases` entry 2 is null, expected a string",
        ),
        (
            r#"[{"vulnerability": {"name": "CVE-1"}, "status": "not_affected", "products": [{"@id": "pkg:npm/a"}]}]"#,
            "statement 1 is `not_affected` without a reason, expected a `justification` (one of `component_not_present`, `vulnerable_code_not_present`, `vulnerable_code_not_in_execute_path`, `vulnerable_code_cannot_be_controlled_by_adversary`, `inline_mitigations_already_exist`) or an `impact_statement`",
        ),
        (
            r#"[{"vulnerability": {"name": "CVE-1"}, "status": "not_affected", "justification": "code_not_reachable"}]"#,
            "statement 1: `justification` is `code_not_reachable`, expected one of `component_not_present`, `vulnerable_code_not_present`, `vulnerable_code_not_in_execute_path`, `vulnerable_code_cannot_be_controlled_by_adversary`, `inline_mitigations_already_exist`",
        ),
        (
            r#"[{"vulnerability": {"name": "CVE-1"}, "status": "fixed", "timestamp": "yesterday"}]"#,
            "statement 1: `timestamp` is `yesterday`, expected an RFC 3339 date-time such as `2024-01-31T12:00:00Z`",
        ),
        (
            r#"[{"vulnerability": {"name": "CVE-1"}, "status": "fixed", "products": {"@id": "pkg:npm/a"}}]"#,
            "statement 1: `products` is an object, expected an array",
        ),
        (
            r#"[{"vulnerability": {"name": "CVE-1"}, "status": "fixed", "products": [{"@id": "pkg:npm/a"}, {"hashes": {"sha1": "00"}}]}]"#,
            "statement 1: product 2 has no `@id` or `identifiers`, expected at least one",
        ),
        (
            r#"[{"vulnerability": {"name": "CVE-1"}, "status": "fixed", "products": [{"@id": 5}]}]"#,
            "statement 1: product 1: `@id` is a number, expected a string",
        ),
        (
            r#"[{"vulnerability": {"name": "CVE-1"}, "status": "fixed", "products": [{"@id": "pkg:npm/%zz"}]}]"#,
            "statement 1: product 1: `@id` `pkg:npm/%zz` is not a valid package URL, expected `pkg:type/namespace/name@version`",
        ),
        (
            r#"[{"vulnerability": {"name": "CVE-1"}, "status": "fixed", "products": [{"identifiers": {"purl": "npm/a"}}]}]"#,
            "statement 1: product 1: `identifiers.purl` `npm/a` is not a valid package URL, expected `pkg:type/namespace/name@version`",
        ),
        (
            r#"[{"vulnerability": {"name": "CVE-1"}, "status": "fixed", "products": [{"@id": "pkg:oci/app", "subcomponents": [{"@id": "pkg:npm/a"}, {}]}]}]"#,
            "statement 1: product 1: subcomponent 2 has no `@id` or `identifiers`, expected at least one",
        ),
    ] {
        assert_eq!(error(&openvex(statements)), format!("{prefix}{message}"), "{statements}");
    }
    assert_eq!(
        error(r#"{"@context": "https://openvex.dev/ns/v0.2.0"}"#),
        "vex.json: invalid OpenVEX: the document has no `statements`, expected an array of statements"
    );
    assert_eq!(
        error(r#"{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": 1, "statements": []}"#),
        "vex.json: invalid OpenVEX: the document: `timestamp` is a number, expected a string"
    );
}

#[test]
fn cyclonedx_missing_and_mistyped_fields() {
    let prefix = "vex.json: invalid CycloneDX: ";
    for (vulnerabilities, message) in [
        (r#"{"id": "CVE-1"}"#, "`vulnerabilities` is an object, expected an array"),
        (r#"["CVE-1"]"#, "vulnerability 1 is a string, expected an object"),
        (
            r#"[{"analysis": {"state": "resolved"}}]"#,
            "vulnerability 1 has no `id`, expected a vulnerability identifier",
        ),
        (
            r#"[{"id": "CVE-1", "analysis": {}}]"#,
            "vulnerability 1 (`CVE-1`): `analysis` has no `state`, expected one of `resolved`, `resolved_with_pedigree`, `exploitable`, `in_triage`, `false_positive`, `not_affected`",
        ),
        (
            r#"[{"id": "CVE-1", "analysis": {"state": "fixed"}}]"#,
            "vulnerability 1 (`CVE-1`): `analysis.state` is `fixed`, expected one of `resolved`, `resolved_with_pedigree`, `exploitable`, `in_triage`, `false_positive`, `not_affected`",
        ),
        (
            r#"[{"id": "CVE-1", "analysis": "resolved"}]"#,
            "vulnerability 1 (`CVE-1`): `analysis` is a string, expected an object",
        ),
        (
            r#"[{"id": "CVE-1", "analysis": {"state": "not_affected", "justification": "component_not_present"}}]"#,
            "vulnerability 1 (`CVE-1`): `analysis.justification` is `component_not_present`, expected one of `code_not_present`, `code_not_reachable`, `requires_configuration`, `requires_dependency`, `requires_environment`, `protected_by_compiler`, `protected_at_runtime`, `protected_at_perimeter`, `protected_by_mitigating_control`",
        ),
        (
            r#"[{"id": "CVE-1", "analysis": {"state": "resolved", "lastUpdated": "2024-02-30T00:00:00Z"}}]"#,
            "vulnerability 1 (`CVE-1`): `analysis.lastUpdated` is `2024-02-30T00:00:00Z`, expected an RFC 3339 date-time such as `2024-01-31T12:00:00Z`",
        ),
        (
            r#"[{"id": "CVE-1", "analysis": {"state": "resolved"}, "affects": [{"ref": "a"}, {"versions": []}]}]"#,
            "vulnerability 1 (`CVE-1`): `affects` entry 2 has no `ref`, expected a component's `bom-ref`",
        ),
        (
            r#"[{"id": "CVE-1", "analysis": {"state": "resolved"}, "affects": [{"ref": "pkg:"}]}]"#,
            "vulnerability 1 (`CVE-1`): `affects` entry 1: `ref` `pkg:` is not a valid package URL, expected `pkg:type/namespace/name@version`",
        ),
        (
            r#"[{"id": "CVE-1", "analysis": {"state": "resolved"}, "references": [{"source": {}}]}]"#,
            "vulnerability 1 (`CVE-1`): `references` entry 1 has no `id`, expected a vulnerability identifier",
        ),
    ] {
        assert_eq!(error(&cyclonedx(vulnerabilities)), format!("{prefix}{message}"), "{vulnerabilities}");
    }
    assert_eq!(
        error(
            r#"{"bomFormat": "CycloneDX", "components": [{"bom-ref": "a", "components": [{}, {"bom-ref": ["b"]}]}], "vulnerabilities": []}"#
        ),
        "vex.json: invalid CycloneDX: `components[0].components[1]`: `bom-ref` is an array, expected a string"
    );
    assert_eq!(
        error(
            r#"{"bomFormat": "CycloneDX", "components": [{"bom-ref": "a", "purl": "npm/a"}], "vulnerabilities": [{"id": "CVE-1", "analysis": {"state": "resolved"}, "affects": [{"ref": "a"}]}]}"#
        ),
        "vex.json: invalid CycloneDX: vulnerability 1 (`CVE-1`): `affects` entry 1: `ref` `a` names a component whose `purl` `npm/a` is not a valid package URL"
    );
}

#[test]
fn values_in_messages_are_escaped_and_shortened() {
    let long = format!("\u{1b}[2J{}", "x".repeat(500));
    let e = error(&openvex(&format!(
        r#"[{{"vulnerability": {{"name": "CVE-1"}}, "status": "{}"}}]"#,
        long.replace('\u{1b}', "\\u001b")
    )));
    assert!(e.contains("`status` is `\\u{1b}[2Jxxx"), "{e}");
    assert!(!e.contains('\u{1b}'));
    assert!(e.len() < 400, "{e}");
}

#[test]
fn limits() {
    let too_large = vec![b' '; MAX_DOCUMENT_BYTES + 1];
    assert_eq!(
        parse_vex("big.json", &too_large).unwrap_err().to_string(),
        format!("big.json: document is {} bytes, expected at most {MAX_DOCUMENT_BYTES}", MAX_DOCUMENT_BYTES + 1)
    );
    // One statement too many: counted without being kept.
    let statements = format!("[{}{{}}]", "{},".repeat(MAX_STATEMENTS));
    let e = parse_vex("many.json", openvex(&statements).as_bytes()).unwrap_err();
    assert!(
        matches!(e, VexError::TooManyStatements { count, limit: MAX_STATEMENTS, .. } if count == MAX_STATEMENTS + 1)
    );
    assert_eq!(e.to_string(), "many.json: invalid OpenVEX: 1000001 statements, expected at most 1000000");
    let e = parse_vex("many.json", cyclonedx(&statements).as_bytes()).unwrap_err();
    assert_eq!(e.to_string(), "many.json: invalid CycloneDX: 1000001 statements, expected at most 1000000");
    // Deep nesting never overflows the stack: skipped values are skipped without recursion,
    // and nested components stop at serde_json's recursion limit.
    let deep = openvex(&format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)));
    assert_eq!(error(&deep), "vex.json: invalid OpenVEX: statement 1 is an array, expected an object");
    let deep = format!(
        r#"{{"bomFormat": "CycloneDX", "components": [{}{}], "vulnerabilities": []}}"#,
        r#"{"components": ["#.repeat(50_000),
        "]}".repeat(50_000)
    );
    let e = error(&deep);
    assert!(e.starts_with("vex.json: invalid JSON: recursion limit exceeded"), "{e}");
}
