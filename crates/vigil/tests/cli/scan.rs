//! `vigil db import|status` and `vigil scan`: contract, exit codes, `--fail-on`,
//! `--ignore-unfixed`, VEX suppression and the missing-database error.

use crate::common::{Vigil, temp_dir, write};

const ADVISORY_FIXED: &str = r#"{"id": "RUSTSEC-2099-0001", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2099-0001"],
  "summary": "smallvec overflows", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{"package": {"ecosystem": "crates.io", "name": "smallvec"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.6.1"}]}]}]}"#;
const ADVISORY_UNFIXED: &str = r#"{"id": "RUSTSEC-2099-0002", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2099-0002"],
  "database_specific": {"severity": "LOW"},
  "affected": [{"package": {"ecosystem": "crates.io", "name": "smallvec"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}]}]}]}"#;
const CARGO_LOCK: &str = "version = 3\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";

fn setup() -> tempfile::TempDir {
    let dir = temp_dir();
    write(dir.path(), "osv/a.json", ADVISORY_FIXED);
    write(dir.path(), "osv/b.json", ADVISORY_UNFIXED);
    write(dir.path(), "app/Cargo.lock", CARGO_LOCK);
    let out = Vigil::in_dir(dir.path()).args(["db", "import", "--db", "vuln.db", "osv"]).run();
    out.assert_code(0);
    assert!(out.stderr.contains("2 records"), "{}", out.stderr);
    dir
}

#[test]
fn missing_database_is_an_error_not_a_clean_scan() {
    let dir = temp_dir();
    write(dir.path(), "app/Cargo.lock", CARGO_LOCK);
    let out = Vigil::in_dir(dir.path()).args(["scan", "dir:app", "--db", "none.db"]).run();
    out.assert_code(2);
    assert!(
        out.stderr.contains("no vulnerability database") && out.stderr.contains("vigil db import"),
        "{}",
        out.stderr
    );
}

#[test]
fn status_reports_counts() {
    let dir = setup();
    let out = Vigil::in_dir(dir.path()).args(["db", "status", "--db", "vuln.db", "--format", "json"]).run();
    out.assert_code(0);
    let json = out.json();
    assert_eq!(json["advisories"], 2);
    assert_eq!(json["schemaVersion"], 1);
    assert_eq!(json["ecosystems"]["crates.io"], 2);
}

#[test]
fn json_contract_and_exit_codes() {
    let dir = setup();
    let out = Vigil::in_dir(dir.path()).args(["scan", "dir:app", "--db", "vuln.db", "--format", "json"]).run();
    out.assert_code(0);
    let json = out.json();
    assert_eq!(json["version"], 1);
    assert!(json["db"]["updated"].is_string());
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    let first = &findings[0];
    assert_eq!(first["id"], "RUSTSEC-2099-0001");
    assert_eq!(first["severity"], "critical");
    assert_eq!(first["cvss"]["score"], 9.8);
    assert_eq!(first["fixedVersions"][0], "1.6.1");
    assert_eq!(first["status"], "affected");
    assert_eq!(first["package"]["purl"], "pkg:cargo/smallvec@1.6.0");
    assert_eq!(first["locations"][0]["path"], "/Cargo.lock");
    assert_eq!(findings[1]["severity"], "low");
    let fail = |level: &str| {
        Vigil::in_dir(dir.path()).args(["scan", "dir:app", "--db", "vuln.db", "--fail-on", level, "--quiet"]).run().code
    };
    assert_eq!(fail("critical"), Some(1));
    assert_eq!(fail("low"), Some(1));
    let unfixed = Vigil::in_dir(dir.path())
        .args(["scan", "dir:app", "--db", "vuln.db", "--format", "json", "--ignore-unfixed"])
        .run();
    assert_eq!(unfixed.json()["findings"].as_array().unwrap().len(), 1);
    let table = Vigil::in_dir(dir.path()).args(["scan", "dir:app", "--db", "vuln.db"]).run();
    table.assert_code(0);
    assert!(table.stdout.starts_with("SEVERITY"), "{}", table.stdout);
    assert!(table.stdout.contains("1.6.1"));
}

#[test]
fn vex_suppresses_and_fail_on_ignores_suppressed() {
    let dir = setup();
    write(
        dir.path(),
        "app.openvex.json",
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1", "author": "sec", "timestamp": "2024-01-02T00:00:00Z", "version": 1,
            "statements": [
              {"vulnerability": {"name": "CVE-2099-0001"}, "products": [{"@id": "pkg:cargo/smallvec@1.6.0"}], "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
              {"vulnerability": {"name": "RUSTSEC-2099-0002"}, "products": [{"@id": "pkg:cargo/smallvec"}], "status": "not_affected", "justification": "component_not_present"}
            ]}"#,
    );
    let out = Vigil::in_dir(dir.path())
        .args([
            "scan",
            "dir:app",
            "--db",
            "vuln.db",
            "--vex",
            "app.openvex.json",
            "--format",
            "json",
            "--fail-on",
            "low",
        ])
        .run();
    out.assert_code(0);
    let json = out.json();
    let statuses: Vec<&str> =
        json["findings"].as_array().unwrap().iter().map(|f| f["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["not_affected", "not_affected"]);
    assert_eq!(json["findings"][0]["justification"], "vulnerable_code_not_in_execute_path");
}

#[test]
fn sarif_and_cyclonedx_outputs_validate() {
    let dir = setup();
    let Some(schemas) = crate::sarif_schema::schemas() else { return };
    let sarif =
        Vigil::in_dir(dir.path()).args(["scan", "dir:app", "--db", "vuln.db", "--format", "sarif", "--quiet"]).run();
    sarif.assert_code(0);
    crate::sarif_schema::assert_valid(&schemas, "scan", &sarif.stdout);
    let cdx = Vigil::in_dir(dir.path())
        .args(["scan", "dir:app", "--db", "vuln.db", "--format", "cyclonedx", "--quiet"])
        .run();
    cdx.assert_code(0);
    assert_eq!(cdx.json()["vulnerabilities"].as_array().unwrap().len(), 2);
    crate::sarif_schema::assert_valid_with(&schemas, "bom-1.6.schema.json", "scan-cdx", &cdx.stdout);
}

#[test]
fn secrets_in_the_image_join_the_report_redacted() {
    let dir = setup();
    let key = format!("AKIA{}", "QYLPMN5HHHFPZAM2");
    write(dir.path(), "app/.env", format!("AWS_ACCESS_KEY_ID={key}\n"));
    let out =
        Vigil::in_dir(dir.path()).args(["scan", "dir:app", "--db", "vuln.db", "--format", "json", "--secrets"]).run();
    out.assert_code(0);
    assert!(!out.stdout.contains(&key) && !out.stderr.contains(&key), "a secret is shown in full\n{out}");
    let json = out.json();
    let secrets = json["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 1, "{out}");
    assert_eq!(secrets[0]["rule"], "secret/aws-access-token");
    assert_eq!(secrets[0]["secret"], "AKIA…");
    assert_eq!(json["secrets_summary"]["scanned"], true);
    assert_eq!(json["secrets_summary"]["count"], 1);
    assert!(json["findings"].as_array().is_some_and(|f| !f.is_empty()), "the vulnerabilities are still there");
    // A secret counts as high for --fail-on.
    let fail = |level: &str| {
        Vigil::in_dir(dir.path())
            .args(["scan", "dir:app", "--db", "vuln.db", "--secrets", "--quiet", "--fail-on", level])
            .run()
            .code
    };
    assert_eq!(fail("high"), Some(1));
    assert_eq!(fail("critical"), Some(1), "smallvec's critical advisory");
    let table = Vigil::in_dir(dir.path()).args(["scan", "dir:app", "--db", "vuln.db", "--secrets"]).run();
    assert!(table.stdout.contains("SECRETS (1)"), "{table}");
    let sarif =
        Vigil::in_dir(dir.path()).args(["scan", "dir:app", "--db", "vuln.db", "--secrets", "--format", "sarif"]).run();
    assert_eq!(sarif.json()["runs"].as_array().unwrap().len(), 2, "{sarif}");
    if let Some(schemas) = crate::sarif_schema::schemas() {
        crate::sarif_schema::assert_valid(&schemas, "scan-secrets", &sarif.stdout);
    }
    let sbom = Vigil::in_dir(dir.path()).args(["scan", "sbom:none.json", "--db", "vuln.db", "--secrets"]).run();
    sbom.assert_code(2);
}
