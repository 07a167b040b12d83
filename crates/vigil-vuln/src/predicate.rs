//! The vulnerability attestation predicate, written and read in one place: cosign's vuln
//! predicate (`https://cosign.sigstore.dev/attestation/vuln/v1`) with vigil's scan as the
//! scanner result, as `vigil attest --predicate-from scan` writes it, and [`reported`], which
//! reads what such a predicate reports for the admission policy's `maxSeverity` check: vigil's
//! own result, Trivy's (`Results[].Vulnerabilities`, as `cosign attest --type vuln` of a Trivy
//! report carries it) and in-toto's vulns predicate (`scanner.result` as a list, scores as
//! words or CVSS numbers).
//!
//! ```
//! use vigil_vuln::predicate::{VulnPredicate, reported};
//! let source = vigil_sbom::SourceInfo { kind: "registry".into(), target: "example/app:1".into(), ..Default::default() };
//! let predicate = VulnPredicate::of_scan("https://github.com/vigil-dev/vigil", &source, &[]);
//! let json = serde_json::to_value(&predicate).unwrap();
//! assert!(reported(&json).is_empty());
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;
use vigil_core::Severity;
use vigil_sbom::SourceInfo;

use crate::matcher::VulnFinding;

/// The predicate type URI of cosign's vuln predicate (cosign's short name `vuln`).
pub const COSIGN_VULN_V1: &str = "https://cosign.sigstore.dev/attestation/vuln/v1";

/// cosign's vuln predicate, version 1 (cosign `specs/COSIGN_VULN_ATTESTATION_SPEC.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VulnPredicate {
    /// How the scan was run.
    pub invocation: Invocation,
    /// The scanner and its result.
    pub scanner: Scanner,
    /// When the scan ran.
    pub metadata: ScanMetadata,
}

/// `invocation`: how the scan was started (vigil records no CI context).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    /// Scanner parameters (`null`).
    #[serde(default)]
    pub parameters: Value,
    /// Where the invocation is described.
    #[serde(default)]
    pub uri: String,
    /// The CI event that started it.
    #[serde(default)]
    pub event_id: String,
    /// The builder that ran it.
    #[serde(default, rename = "builder.id")]
    pub builder_id: String,
}

/// `scanner`: who scanned, with which database, and what was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scanner {
    /// The scanner's URI.
    #[serde(default)]
    pub uri: String,
    /// The scanner's version.
    #[serde(default)]
    pub version: String,
    /// The vulnerability database.
    #[serde(default)]
    pub db: ScannerDb,
    /// The result, in the scanner's own format: for vigil, a [`ScanResult`]; read by
    /// [`reported`] for vigil's, Trivy's and in-toto's formats.
    #[serde(default)]
    pub result: Value,
}

/// `scanner.db`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScannerDb {
    /// Where the database came from.
    #[serde(default)]
    pub uri: String,
    /// Its version (vigil: the time of the last update, RFC 3339).
    #[serde(default)]
    pub version: String,
}

/// `metadata`: RFC 3339 start and end of the scan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanMetadata {
    /// When the scan started.
    #[serde(default)]
    pub scan_started_on: String,
    /// When it finished.
    #[serde(default)]
    pub scan_finished_on: String,
}

/// vigil's scanner result: its scan JSON contract, version 1.
#[derive(Debug, Clone, Serialize)]
pub struct ScanResult<'a> {
    /// Always 1.
    pub version: u32,
    /// What was scanned (the SBOM's source: kind, target, digests, platform, layers).
    pub target: &'a SourceInfo,
    /// Every finding, VEX-suppressed ones included (with their status).
    pub findings: &'a [VulnFinding],
}

impl VulnPredicate {
    /// The predicate of a vigil scan of `target` by vigil at `scanner_uri` (its version is this
    /// crate's, the workspace's); the caller fills in [`Scanner::db`] and [`ScanMetadata`].
    #[must_use]
    pub fn of_scan(scanner_uri: &str, target: &SourceInfo, findings: &[VulnFinding]) -> Self {
        let result = ScanResult { version: 1, target, findings };
        Self {
            invocation: Invocation::default(),
            scanner: Scanner {
                uri: scanner_uri.to_string(),
                version: env!("CARGO_PKG_VERSION").into(),
                db: ScannerDb::default(),
                // Serializing plain data (strings, numbers, lists) into a `Value` cannot fail.
                result: serde_json::to_value(&result).unwrap_or(Value::Null),
            },
            metadata: ScanMetadata::default(),
        }
    }

    /// Adds the secret scan of the same image (`vigil attest --predicate-from scan --secrets`):
    /// `scanner.result.secrets`, a summary whose secrets are redacted (see [`reported_secrets`]).
    pub fn set_secrets(&mut self, summary: Value) {
        if let Value::Object(result) = &mut self.scanner.result {
            result.insert("secrets".into(), summary);
        }
    }

    /// What this predicate reports (see [`reported`]).
    #[must_use]
    pub fn reported(&self) -> Vec<Reported> {
        reported_result(&self.scanner.result)
    }
}

/// One secret a scan predicate reports (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedSecret {
    /// The rule that found it.
    pub rule: String,
    /// The file (in the image).
    pub file: String,
    /// The layer index, when known.
    pub layer: Option<u64>,
}

impl std::fmt::Display for ReportedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} in {}", self.rule, self.file)?;
        if let Some(layer) = self.layer {
            write!(f, " (layer {layer})")?;
        }
        Ok(())
    }
}

/// The secrets a vigil scan predicate reports: `None` when it has no secret scan (no
/// `scanner.result.secrets` with `"scanned": true`), else every finding listed there.
#[must_use]
pub fn reported_secrets(predicate: &Value) -> Option<Vec<ReportedSecret>> {
    let secrets = &predicate["scanner"]["result"]["secrets"];
    if secrets["scanned"] != Value::Bool(true) {
        return None;
    }
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let listed: Vec<ReportedSecret> = secrets["findings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|f| ReportedSecret { rule: text(&f["rule"]), file: text(&f["file"]), layer: f["layer"].as_u64() })
        .collect();
    // A count above the listed findings (a summary cut short) still counts.
    let count = secrets["count"].as_u64().unwrap_or(0);
    if listed.is_empty() && count > 0 {
        return Some(vec![ReportedSecret { rule: "secret".into(), file: format!("{count} file(s)"), layer: None }]);
    }
    Some(listed)
}

/// One reported vulnerability: ID, package, severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    /// Advisory ID.
    pub id: String,
    /// Affected package, when named (`""` otherwise).
    pub package: String,
    /// Its severity; `Unknown` when the report gives none vigil can read.
    pub severity: Severity,
}

/// The vulnerabilities a vuln predicate (JSON) reports that still count: vigil's findings
/// (those a VEX statement marks `not_affected` or `fixed` skipped), Trivy's results and
/// in-toto vulns items. A predicate of another shape reports nothing.
#[must_use]
pub fn reported(predicate: &Value) -> Vec<Reported> {
    reported_result(&predicate["scanner"]["result"])
}

fn reported_result(result: &Value) -> Vec<Reported> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut out = Vec::new();
    // vigil: `{"version": 1, "target", "findings": [VulnFinding]}`.
    for f in result["findings"].as_array().map(Vec::as_slice).unwrap_or_default() {
        if matches!(f["status"].as_str(), Some("not_affected" | "fixed" | "false_positive")) {
            continue;
        }
        out.push(Reported {
            id: text(&f["id"]),
            package: text(&f["package"]["name"]),
            severity: Severity::from_word(f["severity"].as_str().unwrap_or_default()),
        });
    }
    // in-toto vulns predicate (v0.1/v0.2): `[{id, severity: [{method, score}], annotations}]`,
    // the score a word or a CVSS number.
    for item in result.as_array().map(Vec::as_slice).unwrap_or_default() {
        let severity = match &item["severity"] {
            Value::String(word) => Severity::from_word(word),
            Value::Array(scores) => {
                scores.iter().map(|s| score_severity(&s["score"])).max().unwrap_or(Severity::Unknown)
            }
            other => score_severity(other),
        };
        let package = item["annotations"].as_array().and_then(|a| a.iter().find_map(|x| x["package"].as_str()));
        out.push(Reported { id: text(&item["id"]), package: package.unwrap_or_default().to_string(), severity });
    }
    // Trivy: `Results[].Vulnerabilities[]`.
    for results in result["Results"].as_array().map(Vec::as_slice).unwrap_or_default() {
        for v in results["Vulnerabilities"].as_array().map(Vec::as_slice).unwrap_or_default() {
            out.push(Reported {
                id: text(&v["VulnerabilityID"]),
                package: text(&v["PkgName"]),
                severity: Severity::from_word(v["Severity"].as_str().unwrap_or_default()),
            });
        }
    }
    out
}

/// A severity word, or a CVSS base score (a number, or a number in a string).
fn score_severity(score: &Value) -> Severity {
    let number = match score {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match number {
        Some(n) => Severity::from_cvss_score(n),
        None => Severity::from_word(score.as_str().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::{FindingStatus, PackageRef};

    fn finding(id: &str, package: &str, severity: Severity, status: FindingStatus) -> VulnFinding {
        VulnFinding {
            id: id.into(),
            aliases: Vec::new(),
            package: PackageRef {
                name: package.into(),
                version: "1.0".into(),
                ecosystem: "Debian:12".into(),
                purl: format!("pkg:deb/debian/{package}@1.0"),
            },
            fixed_versions: vec!["1.1".into()],
            severity,
            cvss: None,
            status,
            justification: None,
            locations: Vec::new(),
            summary: None,
        }
    }

    #[test]
    fn what_attest_writes_policy_reads_back() {
        let findings = vec![
            finding("CVE-1", "openssl", Severity::Critical, FindingStatus::Affected),
            finding("CVE-2", "zlib", Severity::Low, FindingStatus::NotAffected),
            finding("CVE-3", "curl", Severity::Unknown, FindingStatus::Affected),
            finding("CVE-4", "bash", Severity::High, FindingStatus::Fixed),
        ];
        let source = SourceInfo { kind: "registry".into(), target: "r/app:1".into(), ..SourceInfo::default() };
        let mut written = VulnPredicate::of_scan("https://example.com/vigil", &source, &findings);
        written.scanner.db.version = "2026-01-02T03:04:05Z".into();
        written.metadata.scan_started_on = "a".into();
        let json = serde_json::to_string(&written).unwrap();
        // The shape of cosign's vuln predicate.
        let value: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["invocation"]["builder.id"], "");
        assert_eq!(value["scanner"]["uri"], "https://example.com/vigil");
        assert_eq!(value["scanner"]["db"]["version"], "2026-01-02T03:04:05Z");
        assert_eq!(value["scanner"]["result"]["version"], 1);
        assert_eq!(value["scanner"]["result"]["target"]["target"], "r/app:1");
        assert_eq!(value["metadata"]["scanStartedOn"], "a");
        // Read back, as a typed predicate and as the statement's JSON.
        let read: VulnPredicate = serde_json::from_str(&json).unwrap();
        assert_eq!(read, written);
        let expected = vec![
            Reported { id: "CVE-1".into(), package: "openssl".into(), severity: Severity::Critical },
            Reported { id: "CVE-3".into(), package: "curl".into(), severity: Severity::Unknown },
        ];
        assert_eq!(read.reported(), expected);
        assert_eq!(reported(&value), expected);
    }

    #[test]
    fn trivy_and_in_toto_reports_are_read() {
        let trivy = serde_json::json!({"scanner": {"result": {"Results": [{"Vulnerabilities": [
            {"VulnerabilityID": "CVE-3", "PkgName": "curl", "Severity": "HIGH"}]}]}}});
        assert_eq!(
            reported(&trivy),
            vec![Reported { id: "CVE-3".into(), package: "curl".into(), severity: Severity::High }]
        );
        let in_toto = serde_json::json!({"scanner": {"result": [
            {"id": "CVE-5", "severity": [{"method": "nvd", "score": "9.8"}], "annotations": [{"package": "glibc"}]},
            {"id": "CVE-6", "severity": [{"method": "osv", "score": "MODERATE"}]},
            {"id": "CVE-7", "severity": 0.0},
        ]}});
        let found = reported(&in_toto);
        assert_eq!(
            found.iter().map(|r| (r.id.as_str(), r.package.as_str(), r.severity)).collect::<Vec<_>>(),
            [("CVE-5", "glibc", Severity::Critical), ("CVE-6", "", Severity::Medium), ("CVE-7", "", Severity::Unknown)]
        );
        assert!(reported(&serde_json::json!({})).is_empty());
        assert!(reported(&serde_json::json!({"scanner": {"result": "text"}})).is_empty());
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn secrets_section_round_trip() {
        let source = SourceInfo { kind: "registry".into(), target: "example/app:1".into(), ..Default::default() };
        let mut predicate = VulnPredicate::of_scan("https://example.invalid", &source, &[]);
        let json = serde_json::to_value(&predicate).unwrap_or_default();
        assert_eq!(reported_secrets(&json), None, "no secret scan");
        predicate.set_secrets(serde_json::json!({"scanned": true, "count": 0, "findings": []}));
        let json = serde_json::to_value(&predicate).unwrap_or_default();
        assert_eq!(reported_secrets(&json), Some(vec![]));
        predicate.set_secrets(serde_json::json!({"scanned": true, "count": 1,
            "findings": [{"rule": "secret/jwt", "file": "/a", "layer": 2, "secret": "eyJh…"}]}));
        let json = serde_json::to_value(&predicate).unwrap_or_default();
        let found = reported_secrets(&json).unwrap_or_default();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].to_string(), "secret/jwt in /a (layer 2)");
    }

    #[test]
    fn a_secrets_section_must_say_it_scanned() {
        let with = |secrets: Value| serde_json::json!({"scanner": {"result": {"version": 1, "secrets": secrets}}});
        assert_eq!(reported_secrets(&with(serde_json::json!({"scanned": false, "count": 0}))), None);
        assert_eq!(reported_secrets(&with(serde_json::json!({"scanned": "yes"}))), None);
        assert_eq!(reported_secrets(&with(serde_json::json!("none"))), None);
        assert_eq!(reported_secrets(&serde_json::json!({"scanner": {"result": [1, 2]}})), None);
        // A count with no findings listed still reports secrets; odd fields read as blanks.
        let cut = reported_secrets(&with(serde_json::json!({"scanned": true, "count": 7}))).unwrap_or_default();
        assert_eq!(cut.len(), 1);
        assert_eq!(cut[0].to_string(), "secret in 7 file(s)");
        let odd = reported_secrets(&with(serde_json::json!({"scanned": true, "count": 1,
            "findings": [{"rule": 5, "file": null, "layer": "x"}]})))
        .unwrap_or_default();
        assert_eq!(odd, vec![ReportedSecret { rule: String::new(), file: String::new(), layer: None }]);
    }

    #[test]
    fn reported_secrets_never_carry_the_secret() {
        let key = format!("AKIA{}", "QYLPMN5HHHFPZAM2");
        let json = serde_json::json!({"scanner": {"result": {"secrets": {"scanned": true, "count": 1,
            "findings": [{"rule": "secret/aws-access-token", "file": "/app/.env", "layer": 0, "secret": key}]}}}});
        let found = reported_secrets(&json).unwrap_or_default();
        assert_eq!(found.len(), 1);
        let shown = format!("{found:?} {}", found[0]);
        assert!(!shown.contains(&key[..8]), "{shown}");
    }
}
