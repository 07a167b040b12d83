//! `vigil scan`.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_json::json;
use vigil_core::Severity;
use vigil_vuln::db::{Database, default_path};
use vigil_vuln::matcher::{FindingStatus, VulnFinding, match_sbom};
use vigil_vuln::vex::{VexDocument, parse_vex};

use crate::cli::{ScanArgs, ScanFormat};
use crate::commands::sbom::{load, registry_options};
use crate::render::columns;

pub fn run(args: ScanArgs) -> Result<ExitCode> {
    if args.secrets && args.format == ScanFormat::Cyclonedx {
        anyhow::bail!("--secrets has no place in CycloneDX output: use --format json, table or sarif");
    }
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
    let log = super::log::open_writer(&args.log)?;
    let registry = registry_options(&args.registry)?;
    let started = std::time::Instant::now();
    let (sbom, secrets) = if args.secrets {
        let image = super::sbom::open_image(&args.target, &args.platform, registry)?;
        let sbom = vigil_sbom::catalog_with_progress(&image, vigil_sbom::ScanLimits::default(), &|_| {})?;
        (sbom, Some(super::sbom::image_secrets(&image)?))
    } else {
        (load(&args.target, &args.platform, registry, &|_| {})?, None)
    };
    let redacted = vigil_secrets::report::Reveal::Redacted;
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
    // All documents together: the latest statement wins across files, as within one.
    let mut documents = Vec::with_capacity(args.vex.len());
    for vex_path in &args.vex {
        let bytes = std::fs::read(vex_path).with_context(|| format!("reading VEX {}", vex_path.display()))?;
        documents.push(parse_vex(&vex_path.display().to_string(), &bytes)?);
    }
    VexDocument::merge(documents).apply(&mut findings);
    if args.ignore_unfixed {
        findings.retain(|f| !f.fixed_versions.is_empty());
    }
    findings.sort_by(vigil_vuln::report::report_order);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        ScanFormat::Json => {
            let mut doc = json!({
                "version": 1,
                "target": sbom.source,
                "db": {"path": path.display().to_string(), "updated": updated},
                "findings": findings,
            });
            if let Some(scan) = &secrets {
                doc["secrets"] = scan
                    .findings
                    .iter()
                    .map(|f| vigil_secrets::report::finding_json(f, redacted))
                    .collect::<Vec<_>>()
                    .into();
                doc["secrets_summary"] = vigil_secrets::report::attestation_summary(&scan.findings);
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        ScanFormat::Table => {
            write!(out, "{}", table(&findings))?;
            if let Some(scan) = &secrets {
                writeln!(out, "\nSECRETS ({})", scan.findings.len())?;
                for f in &scan.findings {
                    writeln!(out, "{}", vigil_secrets::report::table_line(f, redacted))?;
                }
            }
        }
        ScanFormat::Sarif => {
            let mut log = vigil_vuln::report::to_sarif(&findings, env!("CARGO_PKG_VERSION"));
            if let Some(scan) = &secrets {
                let more =
                    vigil_secrets::report::to_sarif(&scan.findings, &scan.stats, env!("CARGO_PKG_VERSION"), redacted);
                if let (Some(runs), Some(run)) = (log["runs"].as_array_mut(), more["runs"].get(0)) {
                    runs.push(run.clone());
                }
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&log)?)?;
        }
        ScanFormat::Cyclonedx => {
            let created = vigil_sbom::format::created_timestamp();
            write!(out, "{}", vigil_vuln::report::to_cyclonedx(&sbom, &findings, created)?)?;
        }
    }
    out.flush()?;
    let active: Vec<&VulnFinding> = findings.iter().filter(|f| f.status == FindingStatus::Affected).collect();
    if !args.quiet {
        let suppressed = findings.len() - active.len();
        let mut counts: BTreeMap<std::cmp::Reverse<Severity>, usize> = BTreeMap::new();
        for f in &active {
            *counts.entry(std::cmp::Reverse(f.severity)).or_default() += 1;
        }
        let breakdown: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {}", s.0)).collect();
        anstream::eprintln!(
            "vigil: {} vulnerabilities ({}) in {} packages{}; database updated {}",
            active.len(),
            if breakdown.is_empty() { "none".to_string() } else { breakdown.join(", ") },
            sbom.packages.len(),
            if suppressed > 0 { format!(", {suppressed} suppressed by VEX") } else { String::new() },
            updated.as_deref().unwrap_or("never"),
        );
    }
    let secret_count = secrets.as_ref().map_or(0, |s| s.findings.len());
    if !args.quiet
        && let Some(scan) = &secrets
    {
        anstream::eprintln!("vigil: {secret_count} secret(s) in the image's layers ({} files read)", scan.stats.files);
        // What the secret scan could not read: the report is incomplete there.
        for error in &scan.stats.errors {
            anstream::eprintln!("warning: secret scan: {error}");
        }
    }
    let failing = match &args.fail_on {
        Some(threshold) => {
            let threshold: Severity = threshold.parse()?;
            // A secret counts as high severity.
            active.iter().any(|f| f.severity >= threshold) || (secret_count > 0 && Severity::High >= threshold)
        }
        None => false,
    };
    let mut draft = super::log::scan_draft(
        &args.target,
        &sbom.source,
        &active,
        args.fail_on.as_deref(),
        failing,
        updated.as_deref(),
    );
    if let Some(scan) = &secrets {
        // The decision log names where each secret is, never the secret.
        draft.details.insert("secrets".into(), serde_json::Value::from(secret_count));
        draft.reasons.extend(scan.findings.iter().map(|f| match &f.layer {
            Some(layer) => format!("secret {} in {} (layer {})", f.rule, f.file, layer.index),
            None => format!("secret {} in {}", f.rule, f.file),
        }));
    }
    super::log::record(log, vec![draft])?;
    Ok(if failing { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn table(findings: &[VulnFinding]) -> String {
    let rows: Vec<[String; 6]> = findings
        .iter()
        .map(|f| {
            [
                f.severity.as_str().to_uppercase(),
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
    columns::render(["SEVERITY", "ID", "PACKAGE", "INSTALLED", "FIXED IN", "NOTE"], &rows)
}
