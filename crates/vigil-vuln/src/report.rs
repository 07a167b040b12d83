//! A scan's findings as reports: their order, SARIF 2.1.0 (through `vigil_core::sarif`, the one
//! SARIF writer) and CycloneDX 1.6 with vulnerabilities (through `vigil_sbom::format`, the one
//! CycloneDX writer).

use std::cmp::Ordering;

use serde_json::{Map, json};
use vigil_core::sarif::{SarifLocation, SarifResult, SarifRule, SarifRun};
use vigil_sbom::Sbom;
use vigil_sbom::format::{AnalysisState, CycloneDxError, Vulnerability, write_with_vulnerabilities};

use crate::matcher::{FindingStatus, VulnFinding};

/// The report order: most severe first, then highest CVSS score (`total_cmp`, so a NaN cannot
/// break the sort), then package name, advisory ID, version, ecosystem and purl. Total: two
/// findings compare equal only when all of these are.
pub fn report_order(a: &VulnFinding, b: &VulnFinding) -> Ordering {
    let score = |f: &VulnFinding| f.cvss.as_ref().map_or(f64::NEG_INFINITY, |c| c.score);
    b.severity
        .cmp(&a.severity)
        .then_with(|| score(b).total_cmp(&score(a)))
        .then_with(|| a.package.name.cmp(&b.package.name))
        .then_with(|| a.id.cmp(&b.id))
        .then_with(|| a.package.version.cmp(&b.package.version))
        .then_with(|| a.package.ecosystem.cmp(&b.package.ecosystem))
        .then_with(|| a.package.purl.cmp(&b.package.purl))
}

/// The SARIF 2.1.0 log of a scan: one rule per advisory (summary, help with aliases, severity
/// and fixed versions, `helpUri` on osv.dev, `security-severity` from the best CVSS score),
/// one result per finding that is still affected, located at the package's first location
/// (its path as a URI reference) or, without one, at its purl.
pub fn to_sarif(findings: &[VulnFinding], tool_version: &str) -> serde_json::Value {
    let mut rules: Vec<SarifRule> = Vec::new();
    let mut ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        let Some(first) = findings.iter().find(|f| f.id == id) else { continue };
        let mut help = first.summary.clone().unwrap_or_else(|| id.to_string());
        if !first.aliases.is_empty() {
            help.push_str(&format!("\n\nAliases: {}", first.aliases.join(", ")));
        }
        help.push_str(&format!("\n\nSeverity: {}", first.severity));
        if let Some(cvss) = &first.cvss {
            help.push_str(&format!(" (CVSS {:.1}, `{}`)", cvss.score, cvss.vector));
        }
        let mut properties = Map::new();
        if !first.aliases.is_empty() {
            properties.insert("aliases".into(), json!(first.aliases));
        }
        rules.push(SarifRule {
            id: id.to_string(),
            summary: first.summary.clone().unwrap_or_else(|| id.to_string()),
            description: None,
            help: Some(help),
            help_uri: Some(format!("https://osv.dev/vulnerability/{id}")),
            severity: first.severity,
            security_severity: first.cvss.as_ref().map(|c| c.score),
            tags: vec!["security".into(), "vulnerability".into()],
            properties,
        });
    }
    let results = findings
        .iter()
        .filter(|f| f.status == FindingStatus::Affected)
        .map(|f| {
            let fixed = if f.fixed_versions.is_empty() {
                "no fixed version".to_string()
            } else {
                format!("fixed in {}", f.fixed_versions.join(", "))
            };
            let location = match f.locations.first() {
                Some(l) if !l.path.trim_start_matches('/').is_empty() => {
                    SarifLocation::File { path: l.path.trim_start_matches('/').to_string(), position: None }
                }
                _ => SarifLocation::Uri(f.package.purl.clone()),
            };
            let mut properties = Map::new();
            properties.insert("purl".into(), json!(f.package.purl));
            properties.insert("fixedVersions".into(), json!(f.fixed_versions));
            if let Some(layer) = f.locations.first().and_then(|l| l.layer.as_ref()) {
                properties.insert("layer".into(), json!(layer));
            }
            SarifResult {
                rule_id: f.id.clone(),
                severity: f.severity,
                message: format!(
                    "{} {} is affected by {} ({}); {fixed}",
                    f.package.name, f.package.version, f.id, f.severity
                ),
                location,
                logical_path: None,
                related: Vec::new(),
                properties,
            }
        })
        .collect();
    vigil_core::sarif::to_value(&SarifRun {
        tool_version: tool_version.to_string(),
        rules,
        results,
        notifications: Vec::new(),
    })
}

/// The scanned SBOM as CycloneDX 1.6 with one `vulnerabilities` entry per finding; findings
/// a VEX statement suppressed carry their `analysis` (`not_affected`, `resolved`), so the
/// document is also a VEX. `created` is the timestamp in seconds since the Unix epoch.
///
/// # Errors
///
/// [`CycloneDxError`] when a finding's package is not in `sbom` (its `affects` would dangle).
pub fn to_cyclonedx(sbom: &Sbom, findings: &[VulnFinding], created: i64) -> Result<String, CycloneDxError> {
    let vulnerabilities: Vec<Vulnerability> = findings
        .iter()
        .map(|f| Vulnerability {
            id: f.id.clone(),
            aliases: f.aliases.clone(),
            purl: f.package.purl.clone(),
            severity: f.severity,
            cvss: f.cvss.as_ref().map(|c| (c.score, c.vector.clone())),
            description: f.summary.clone(),
            fixed_versions: f.fixed_versions.clone(),
            analysis: match f.status {
                FindingStatus::Affected => None,
                FindingStatus::NotAffected => Some(AnalysisState::NotAffected),
                FindingStatus::Fixed => Some(AnalysisState::Resolved),
            },
        })
        .collect();
    write_with_vulnerabilities(sbom, created, &vulnerabilities)
}
