//! The scan predicates `maxSeverity` reads. The severity scale is vigil-core's
//! [`Severity`], re-exported here (`unknown < info < low < medium < high < critical`).

use serde_json::Value;

pub use vigil_core::Severity;

/// One reported vulnerability: ID, package, severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    /// Advisory ID.
    pub id: String,
    /// Affected package, when named.
    pub package: String,
    /// Its severity.
    pub severity: Severity,
}

/// The vulnerabilities a cosign vuln predicate reports: vigil's scan (`scanner.result.findings`,
/// VEX-suppressed findings skipped) or Trivy's (`scanner.result.Results[].Vulnerabilities`).
#[must_use]
pub fn reported(predicate: &Value) -> Vec<Reported> {
    let result = &predicate["scanner"]["result"];
    let mut out = Vec::new();
    if let Some(findings) = result["findings"].as_array() {
        for f in findings {
            let status = f["status"].as_str().unwrap_or("affected");
            if matches!(status, "not_affected" | "fixed" | "false_positive") {
                continue;
            }
            out.push(Reported {
                id: f["id"].as_str().unwrap_or_default().to_string(),
                package: f["package"]["name"].as_str().unwrap_or_default().to_string(),
                severity: Severity::from_word(f["severity"].as_str().unwrap_or_default()),
            });
        }
    }
    // in-toto vulns predicate (v0.1/v0.2): `scanner.result: [{id, severity: [{method, score}]}]`,
    // the score a word or a CVSS number.
    if let Some(items) = result.as_array() {
        for item in items {
            let severity = match &item["severity"] {
                Value::String(word) => Severity::from_word(word),
                Value::Array(scores) => {
                    scores.iter().map(|s| score_severity(&s["score"])).max().unwrap_or(Severity::Unknown)
                }
                other => score_severity(other),
            };
            out.push(Reported {
                id: item["id"].as_str().unwrap_or_default().to_string(),
                package: item["annotations"]
                    .as_array()
                    .and_then(|a| a.iter().find_map(|x| x["package"].as_str()))
                    .unwrap_or_default()
                    .to_string(),
                severity,
            });
        }
    }
    if let Some(results) = result["Results"].as_array() {
        for v in results.iter().filter_map(|r| r["Vulnerabilities"].as_array()).flatten() {
            out.push(Reported {
                id: v["VulnerabilityID"].as_str().unwrap_or_default().to_string(),
                package: v["PkgName"].as_str().unwrap_or_default().to_string(),
                severity: Severity::from_word(v["Severity"].as_str().unwrap_or_default()),
            });
        }
    }
    out
}

/// A severity word, or a CVSS base score mapped with the CVSS v3 ranges.
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

    #[test]
    fn reads_vigil_and_trivy_predicates() {
        let vigil = serde_json::json!({"scanner": {"result": {"findings": [
            {"id": "CVE-1", "package": {"name": "openssl"}, "severity": "critical"},
            {"id": "CVE-2", "package": {"name": "zlib"}, "severity": "low", "status": "not_affected"},
        ]}}});
        assert_eq!(
            reported(&vigil),
            vec![Reported { id: "CVE-1".into(), package: "openssl".into(), severity: Severity::Critical }]
        );
        let trivy = serde_json::json!({"scanner": {"result": {"Results": [{"Vulnerabilities": [
            {"VulnerabilityID": "CVE-3", "PkgName": "curl", "Severity": "HIGH"}]}]}}});
        assert_eq!(reported(&trivy)[0].severity, Severity::High);
        assert!(reported(&serde_json::json!({})).is_empty());
        let in_toto = serde_json::json!({"scanner": {"result": [
            {"id": "CVE-5", "severity": [{"method": "nvd", "score": "9.8"}]},
            {"id": "CVE-6", "severity": [{"method": "osv", "score": "MEDIUM"}]},
        ]}});
        let found = reported(&in_toto);
        assert_eq!((found[0].severity, found[1].severity), (Severity::Critical, Severity::Medium));
    }

    #[test]
    fn ordering_and_parsing() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Unknown);
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
    }
}
