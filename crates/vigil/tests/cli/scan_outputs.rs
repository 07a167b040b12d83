//! `vigil scan` output paths: VEX from several files (latest statement wins across them, both
//! file orders), SARIF through vigil-core's writer (percent-encoded URIs, schema-valid),
//! CycloneDX with VEX analysis through the one CycloneDX writer, a table with a 70,000-character
//! cell, and `vigil db status --format md`.

use crate::common::{Vigil, temp_dir, write};

/// `fixed` is a 70,000-character SemVer prerelease, so the FIXED IN cell is that long.
fn advisories(long_fixed: &str) -> [String; 2] {
    [
        format!(
            r#"{{"id": "RUSTSEC-2099-0001", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2099-0001"],
  "summary": "smallvec overflows", "severity": [{{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}],
  "affected": [{{"package": {{"ecosystem": "crates.io", "name": "smallvec"}}, "ranges": [{{"type": "SEMVER", "events": [{{"introduced": "0"}}, {{"fixed": "{long_fixed}"}}]}}]}}]}}"#
        ),
        r#"{"id": "RUSTSEC-2099-0002", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2099-0002"],
  "affected": [{"package": {"ecosystem": "crates.io", "name": "smallvec"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}]}]}]}"#
            .to_string(),
    ]
}

const LOCK: &str = "version = 3\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";

fn setup(long_fixed: &str) -> tempfile::TempDir {
    let dir = temp_dir();
    let [a, b] = advisories(long_fixed);
    write(dir.path(), "osv/a.json", a);
    write(dir.path(), "osv/b.json", b);
    // A directory name that needs percent-encoding in a URI.
    write(dir.path(), "app/sub dir#1/Cargo.lock", LOCK);
    Vigil::in_dir(dir.path()).args(["db", "import", "--db", "vuln.db", "osv"]).run().assert_code(0);
    dir
}

fn openvex(status: &str, timestamp: &str) -> String {
    let reason = if status == "not_affected" { r#", "justification": "component_not_present""# } else { "" };
    format!(
        r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/{status}", "author": "sec", "timestamp": "{timestamp}", "version": 1,
            "statements": [{{"vulnerability": {{"name": "CVE-2099-0002"}}, "products": [{{"@id": "pkg:cargo/smallvec"}}], "status": "{status}"{reason}}}]}}"#
    )
}

fn status_of(json: &serde_json::Value, id: &str) -> String {
    let findings = json["findings"].as_array().unwrap();
    findings.iter().find(|f| f["id"] == id).map(|f| f["status"].as_str().unwrap().to_string()).unwrap()
}

#[test]
fn the_latest_vex_statement_wins_across_files_in_both_orders() {
    let dir = setup("1.6.1");
    write(dir.path(), "old.json", openvex("not_affected", "2024-01-01T00:00:00Z"));
    write(dir.path(), "new.json", openvex("affected", "2024-06-01T00:00:00Z"));
    for order in [["old.json", "new.json"], ["new.json", "old.json"]] {
        let out = Vigil::in_dir(dir.path())
            .args(["scan", "dir:app", "--db", "vuln.db", "--format", "json", "--fail-on", "low"])
            .args(["--vex", order[0], "--vex", order[1]])
            .run();
        // The later `affected` statement keeps the finding, so `--fail-on low` fails.
        out.assert_code(1);
        assert_eq!(status_of(&out.json(), "RUSTSEC-2099-0002"), "affected", "{order:?}");
    }
    write(dir.path(), "newer.json", openvex("not_affected", "2024-12-01T00:00:00Z"));
    for order in [["new.json", "newer.json"], ["newer.json", "new.json"]] {
        let out = Vigil::in_dir(dir.path())
            .args(["scan", "dir:app", "--db", "vuln.db", "--format", "json"])
            .args(["--vex", order[0], "--vex", order[1]])
            .run();
        out.assert_code(0);
        assert_eq!(status_of(&out.json(), "RUSTSEC-2099-0002"), "not_affected", "{order:?}");
    }
}

#[test]
fn fixed_versions_are_in_version_order() {
    let dir = setup("1.6.1");
    // Two entries for the package, fixed in 1.10.0 and in 1.9.0: as text 1.10.0 would come first.
    write(
        dir.path(),
        "osv2/c.json",
        r#"{"id": "RUSTSEC-2099-0003", "modified": "2024-01-01T00:00:00Z", "database_specific": {"severity": "MODERATE"},
  "affected": [
    {"package": {"ecosystem": "crates.io", "name": "smallvec"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.10.0"}]}]},
    {"package": {"ecosystem": "crates.io", "name": "smallvec"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.9.0"}]}]}]}"#,
    );
    Vigil::in_dir(dir.path()).args(["db", "import", "--db", "vuln.db", "osv2"]).run().assert_code(0);
    let out = Vigil::in_dir(dir.path()).args(["scan", "dir:app", "--db", "vuln.db", "--format", "json"]).run();
    out.assert_code(0);
    let json = out.json();
    let finding = json["findings"].as_array().unwrap().iter().find(|f| f["id"] == "RUSTSEC-2099-0003").unwrap();
    assert_eq!(finding["fixedVersions"], serde_json::json!(["1.9.0", "1.10.0"]));
    assert_eq!(finding["severity"], "medium");
}

#[test]
fn sarif_goes_through_the_core_writer_with_encoded_uris() {
    let dir = setup("1.6.1");
    let out =
        Vigil::in_dir(dir.path()).args(["scan", "dir:app", "--db", "vuln.db", "--format", "sarif", "--quiet"]).run();
    out.assert_code(0);
    let log = out.json();
    let run = &log["runs"][0];
    let uri = &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    assert_eq!(uri, "sub%20dir%231/Cargo.lock");
    let rule = &run["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "RUSTSEC-2099-0001");
    assert_eq!(rule["helpUri"], "https://osv.dev/vulnerability/RUSTSEC-2099-0001");
    assert_eq!(rule["properties"]["security-severity"], "9.8");
    assert!(rule["help"]["text"].as_str().unwrap().contains("CVE-2099-0001"));
    // The advisory without a score is `unknown`, a SARIF warning.
    let unknown = run["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "RUSTSEC-2099-0002").unwrap();
    assert_eq!(unknown["level"], "warning");
    assert_eq!(unknown["properties"]["severity"], "unknown");
    assert_eq!(run["results"][0]["ruleIndex"], 0);
    let Some(schemas) = crate::sarif_schema::schemas() else { return };
    crate::sarif_schema::assert_valid(&schemas, "scan-encoded", &out.stdout);
}

#[test]
fn cyclonedx_carries_vex_analysis_and_validates() {
    let dir = setup("1.6.1");
    write(dir.path(), "vex.json", openvex("not_affected", "2024-01-01T00:00:00Z"));
    let out = Vigil::in_dir(dir.path())
        .args(["scan", "dir:app", "--db", "vuln.db", "--format", "cyclonedx", "--quiet", "--vex", "vex.json"])
        .run();
    out.assert_code(0);
    let bom = out.json();
    let vulnerabilities = bom["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulnerabilities.len(), 2);
    let suppressed = vulnerabilities.iter().find(|v| v["id"] == "RUSTSEC-2099-0002").unwrap();
    assert_eq!(suppressed["analysis"]["state"], "not_affected");
    assert_eq!(suppressed["ratings"][0]["severity"], "unknown");
    // `affects` points at the component's bom-ref, never at a dangling purl.
    let component = bom["components"].as_array().unwrap().iter().find(|c| c["name"] == "smallvec").unwrap();
    assert_eq!(suppressed["affects"][0]["ref"], component["bom-ref"]);
    let Some(schemas) = crate::sarif_schema::schemas() else { return };
    crate::sarif_schema::assert_valid_with(&schemas, "bom-1.6.schema.json", "scan-cdx-vex", &out.stdout);
}

#[test]
fn table_with_a_70000_character_cell_does_not_panic() {
    let long = format!("1.6.1-{}", "a".repeat(70_000));
    let dir = setup(&long);
    let out = Vigil::in_dir(dir.path()).args(["scan", "dir:app", "--db", "vuln.db", "--format", "table"]).run();
    out.assert_code(0);
    assert!(out.stdout.starts_with("SEVERITY"), "{}", &out.stdout[..out.stdout.len().min(300)]);
    assert!(out.stdout.contains("1.6.1-aaaa"), "the long cell is shown, cut");
    assert!(out.stdout.contains('…'));
    let longest = out.stdout.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest < 1_000, "a line of {longest} characters");
    // JSON keeps the value whole.
    let json = Vigil::in_dir(dir.path()).args(["scan", "dir:app", "--db", "vuln.db", "--format", "json"]).run();
    assert_eq!(json.json()["findings"][0]["fixedVersions"][0].as_str().unwrap().len(), long.len());
}

#[test]
fn db_status_md_is_a_markdown_table() {
    let dir = setup("1.6.1");
    let out = Vigil::in_dir(dir.path()).args(["db", "status", "--db", "vuln.db", "--format", "md"]).run();
    out.assert_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "| Field | Value |");
    assert_eq!(lines[1], "| --- | --- |");
    assert!(lines.contains(&"| schema | 1 |"), "{}", out.stdout);
    assert!(lines.contains(&"| advisories | 2 |"), "{}", out.stdout);
    assert!(lines.contains(&"| Ecosystem | Advisories |"), "{}", out.stdout);
    assert!(lines.contains(&"| crates.io | 2 |"), "{}", out.stdout);
    assert!(lines.iter().filter(|l| !l.is_empty()).all(|l| l.starts_with('|') && l.ends_with('|')), "{}", out.stdout);
}
