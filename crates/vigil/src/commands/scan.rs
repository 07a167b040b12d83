//! `vigil scan`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::json;
use vigil_vuln::db::{Database, default_path};
use vigil_vuln::matcher::{FindingStatus, VulnFinding, match_sbom};

use crate::cli::{ScanArgs, ScanFormat};
use crate::commands::sbom::{load, registry_options};

const RANKS: [&str; 5] = ["unknown", "low", "medium", "high", "critical"];

fn rank(severity: &str) -> usize {
    RANKS.iter().position(|s| *s == severity).unwrap_or(0)
}

pub fn run(args: ScanArgs) -> Result<ExitCode> {
    let path = args.db.clone().unwrap_or_else(default_path);
    // The database first: without one, a scan would silently find nothing.
    let db = Database::open(&path)?;
    let updated = db.updated()?;
    if let Some(age) = db.age_days()?
        && age > args.max_db_age
        && !args.quiet
    {
        anstream::eprintln!(
            "warning: the vulnerability database {} was last updated {age} days ago; new advisories are missing\n\nhint: `vigil db update` or `vigil db import` newer OSV data",
            path.display()
        );
    }
    let registry = registry_options(&args.registry)?;
    let started = std::time::Instant::now();
    let sbom = load(&args.target, &args.platform, registry, &|_| {})?;
    let loaded = started.elapsed();
    let mut findings = match_sbom(&db, &sbom)?;
    let matched = started.elapsed() - loaded;
    // `VIGIL_TIMINGS=1` reports where the time went (the benchmark reads it).
    if std::env::var_os("VIGIL_TIMINGS").is_some_and(|v| v == "1") {
        anstream::eprintln!(
            "timings: sbom {:.1} ms, match {:.1} ms ({} packages, {} findings)",
            loaded.as_secs_f64() * 1000.0,
            matched.as_secs_f64() * 1000.0,
            sbom.packages.len(),
            findings.len()
        );
    }
    for vex_path in &args.vex {
        let bytes = std::fs::read(vex_path).with_context(|| format!("reading VEX {}", vex_path.display()))?;
        let document = vigil_vuln::vex::parse_vex(&vex_path.display().to_string(), &bytes)?;
        for finding in &mut findings {
            if let Some(statement) = document.matches(&finding.id, &finding.aliases, &finding.package.purl) {
                match statement.status {
                    vigil_vuln::vex::VexStatus::NotAffected => {
                        finding.status = FindingStatus::NotAffected;
                        finding.justification =
                            statement.justification.clone().or_else(|| statement.impact_statement.clone());
                    }
                    vigil_vuln::vex::VexStatus::Fixed => {
                        finding.status = FindingStatus::Fixed;
                        finding.justification = statement.justification.clone();
                    }
                    _ => {}
                }
            }
        }
    }
    if args.ignore_unfixed {
        findings.retain(|f| !f.fixed_versions.is_empty());
    }
    findings.sort_by(|a, b| {
        rank(&b.severity)
            .cmp(&rank(&a.severity))
            .then_with(|| {
                b.cvss
                    .as_ref()
                    .map(|c| c.score)
                    .partial_cmp(&a.cvss.as_ref().map(|c| c.score))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .then_with(|| (&a.package.name, &a.id).cmp(&(&b.package.name, &b.id)))
    });
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        ScanFormat::Json => {
            let doc = json!({
                "version": 1,
                "target": sbom.source,
                "db": {"path": path.display().to_string(), "updated": updated},
                "findings": findings,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        ScanFormat::Table => write!(out, "{}", table(&findings))?,
        ScanFormat::Sarif => writeln!(out, "{}", serde_json::to_string_pretty(&sarif(&findings))?)?,
        ScanFormat::Cyclonedx => writeln!(out, "{}", serde_json::to_string_pretty(&cyclonedx(&sbom, &findings))?)?,
    }
    out.flush()?;
    let active: Vec<&VulnFinding> = findings.iter().filter(|f| f.status == FindingStatus::Affected).collect();
    if !args.quiet {
        let suppressed = findings.len() - active.len();
        let mut counts = [0usize; 5];
        for f in &active {
            counts[rank(&f.severity)] += 1;
        }
        let breakdown: Vec<String> =
            (0..5).rev().filter(|i| counts[*i] > 0).map(|i| format!("{} {}", counts[i], RANKS[i])).collect();
        anstream::eprintln!(
            "vigil: {} vulnerabilities ({}) in {} packages{}; database updated {}",
            active.len(),
            if breakdown.is_empty() { "none".to_string() } else { breakdown.join(", ") },
            sbom.packages.len(),
            if suppressed > 0 { format!(", {suppressed} suppressed by VEX") } else { String::new() },
            updated.as_deref().unwrap_or("never"),
        );
    }
    let failing = match &args.fail_on {
        Some(threshold) => active.iter().any(|f| rank(&f.severity) >= rank(threshold)),
        None => false,
    };
    Ok(if failing { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn table(findings: &[VulnFinding]) -> String {
    let rows: Vec<[String; 6]> = findings
        .iter()
        .map(|f| {
            [
                f.severity.to_uppercase(),
                f.id.clone(),
                f.package.name.clone(),
                f.package.version.clone(),
                if f.fixed_versions.is_empty() { "-".into() } else { f.fixed_versions.join(", ") },
                match f.status {
                    FindingStatus::Affected => {
                        f.aliases.iter().find(|a| a.starts_with("CVE-")).cloned().unwrap_or_default()
                    }
                    FindingStatus::NotAffected => "suppressed: not affected (VEX)".into(),
                    FindingStatus::Fixed => "suppressed: fixed (VEX)".into(),
                },
            ]
        })
        .collect();
    let headers = ["SEVERITY", "ID", "PACKAGE", "INSTALLED", "FIXED IN", "NOTE"];
    let widths: Vec<usize> =
        (0..6).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0).max(headers[i].len())).collect();
    let mut out = String::new();
    let line = |cells: &[&str]| -> String {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i == cells.len() - 1 {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:w$}  ", w = widths[i]));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    out.push_str(&line(&headers));
    for r in &rows {
        out.push_str(&line(&r.iter().map(String::as_str).collect::<Vec<_>>()));
    }
    out
}

fn sarif(findings: &[VulnFinding]) -> serde_json::Value {
    let level = |s: &str| match s {
        "critical" | "high" => "error",
        "medium" => "warning",
        _ => "note",
    };
    let mut rule_ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<_> = rule_ids
        .iter()
        .map(|id| {
            let f = findings.iter().find(|f| f.id == *id);
            let summary = f.and_then(|f| f.summary.clone()).unwrap_or_else(|| id.to_string());
            json!({"id": id, "shortDescription": {"text": summary}, "helpUri": format!("https://osv.dev/vulnerability/{id}"),
                   "properties": {"security-severity": f.and_then(|f| f.cvss.as_ref().map(|c| format!("{:.1}", c.score))).unwrap_or_else(|| "0.0".into())}})
        })
        .collect();
    let results: Vec<_> = findings
        .iter()
        .filter(|f| f.status == FindingStatus::Affected)
        .map(|f| {
            let path = f.locations.first().map(|l| l.path.trim_start_matches('/').to_string()).unwrap_or_default();
            json!({
                "ruleId": f.id,
                "ruleIndex": rule_ids.iter().position(|r| *r == f.id),
                "level": level(&f.severity),
                "message": {"text": format!("{} {} is affected by {} ({}); fixed in {}", f.package.name, f.package.version, f.id, f.severity,
                    if f.fixed_versions.is_empty() { "no fixed version".to_string() } else { f.fixed_versions.join(", ") })},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": if path.is_empty() { f.package.purl.clone() } else { path }}}}],
                "properties": {"purl": f.package.purl, "severity": f.severity},
            })
        })
        .collect();
    json!({
        "$schema": vigil_core::sarif::SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "vigil", "version": env!("CARGO_PKG_VERSION"), "informationUri": "https://github.com/vigil-dev/vigil", "rules": rules}}, "results": results}],
    })
}

fn cyclonedx(sbom: &vigil_sbom::Sbom, findings: &[VulnFinding]) -> serde_json::Value {
    let text = vigil_sbom::format::render(
        sbom,
        vigil_sbom::format::Format::CycloneDx,
        vigil_sbom::format::created_timestamp(),
    );
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let refs: std::collections::HashMap<String, String> = doc["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c["purl"].as_str()?.to_string(), c["bom-ref"].as_str()?.to_string())))
        .collect();
    let vulnerabilities: Vec<_> = findings
        .iter()
        .map(|f| {
            let mut v = json!({
                "bom-ref": format!("{}:{}", f.id, f.package.purl),
                "id": f.id,
                "source": {"name": "OSV", "url": format!("https://osv.dev/vulnerability/{}", f.id)},
                "references": f.aliases.iter().map(|a| json!({"id": a, "source": {"name": if a.starts_with("CVE-") { "NVD" } else { "OSV" }}})).collect::<Vec<_>>(),
                "affects": [{"ref": refs.get(&f.package.purl).cloned().unwrap_or_else(|| f.package.purl.clone())}],
            });
            let mut rating = json!({"severity": if f.severity == "unknown" { "unknown" } else { f.severity.as_str() }});
            if let Some(cvss) = &f.cvss {
                rating["score"] = json!(cvss.score);
                rating["vector"] = json!(cvss.vector);
                rating["method"] = json!(if cvss.vector.starts_with("CVSS:4") { "CVSSv4" } else if cvss.vector.starts_with("CVSS:3.1") { "CVSSv31" } else if cvss.vector.starts_with("CVSS:3") { "CVSSv3" } else { "CVSSv2" });
            }
            v["ratings"] = json!([rating]);
            if let Some(summary) = &f.summary {
                v["description"] = json!(summary);
            }
            if !f.fixed_versions.is_empty() {
                v["recommendation"] = json!(format!("upgrade to {}", f.fixed_versions.join(" or ")));
            }
            match f.status {
                FindingStatus::NotAffected => v["analysis"] = json!({"state": "not_affected"}),
                FindingStatus::Fixed => v["analysis"] = json!({"state": "resolved"}),
                FindingStatus::Affected => {}
            }
            v
        })
        .collect();
    doc["vulnerabilities"] = json!(vulnerabilities);
    doc
}
