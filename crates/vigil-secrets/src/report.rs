//! Findings for people and tools: JSON, a table, SARIF (through vigil-core's one writer).
//! The secret is redacted (its first 4 characters, then `…`) unless the caller asks otherwise.

use serde_json::{Map, Value, json};
use vigil_core::Severity;
use vigil_core::sarif::{SarifLocation, SarifNotification, SarifResult, SarifRule, SarifRun};

use crate::finding::Finding;
use crate::scan::Stats;

/// Every secret finding's severity: a working credential is a high-severity finding whatever the
/// provider.
pub const SEVERITY: Severity = Severity::High;

/// How secrets appear in output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reveal {
    /// The first 4 characters, then `…` (the default).
    #[default]
    Redacted,
    /// The whole secret (`--no-redact`).
    Full,
}

fn secret_of(f: &Finding, reveal: Reveal) -> String {
    match reveal {
        Reveal::Redacted => f.redacted_secret(),
        Reveal::Full => f.secret.clone(),
    }
}

fn match_of(f: &Finding, reveal: Reveal) -> String {
    match reveal {
        Reveal::Redacted => f.redacted_match(),
        Reveal::Full => f.matched.clone(),
    }
}

/// Where a finding is, in one string: `file:line`, with the commit or layer in front.
#[must_use]
pub fn place(f: &Finding) -> String {
    let mut out = String::new();
    if let Some(c) = &f.commit {
        out.push_str(c.id.get(..12).unwrap_or(&c.id));
        out.push(' ');
    }
    if let Some(l) = &f.layer {
        out.push_str(&format!("layer {} ", l.index));
    }
    out.push_str(&format!("{}:{}", f.file, f.start_line));
    if let Some(o) = &f.object {
        out.push_str(&format!(" ({o})"));
    }
    out
}

/// One finding as JSON.
#[must_use]
pub fn finding_json(f: &Finding, reveal: Reveal) -> Value {
    let mut o = Map::new();
    o.insert("rule".into(), json!(f.rule));
    o.insert("gitleaks_rule".into(), json!(f.gitleaks_id));
    o.insert("description".into(), json!(f.description));
    o.insert("severity".into(), json!(SEVERITY.as_str()));
    o.insert("file".into(), json!(f.file));
    if let Some(s) = &f.symlink_file {
        o.insert("symlink_file".into(), json!(s));
    }
    o.insert("start_line".into(), json!(f.start_line));
    o.insert("end_line".into(), json!(f.end_line));
    o.insert("start_column".into(), json!(f.start_column));
    o.insert("end_column".into(), json!(f.end_column));
    o.insert("secret".into(), json!(secret_of(f, reveal)));
    o.insert("match".into(), json!(match_of(f, reveal)));
    o.insert("redacted".into(), json!(reveal == Reveal::Redacted));
    o.insert("entropy".into(), json!((f.entropy * 1000.0).round() / 1000.0));
    o.insert("fingerprint".into(), json!(f.fingerprint));
    if !f.tags.is_empty() {
        o.insert("tags".into(), json!(f.tags));
    }
    if !f.decoded.is_empty() {
        o.insert("decoded".into(), json!(f.decoded));
    }
    if let Some(c) = &f.commit {
        o.insert(
            "commit".into(),
            json!({"id": c.id, "author": c.author, "email": c.email, "date": c.date, "message": c.message}),
        );
    }
    if let Some(l) = &f.layer {
        o.insert("layer".into(), json!({"digest": l.digest, "index": l.index, "removed_in": l.removed_in}));
    }
    if let Some(obj) = &f.object {
        o.insert("object".into(), json!(obj));
    }
    Value::Object(o)
}

/// The whole report as JSON: `{"findings": [...], "stats": {...}}`.
#[must_use]
pub fn to_json(findings: &[Finding], stats: &Stats, reveal: Reveal) -> Value {
    json!({
        "findings": findings.iter().map(|f| finding_json(f, reveal)).collect::<Vec<_>>(),
        "stats": {
            "files": stats.files,
            "bytes": stats.bytes,
            "blobs": stats.blobs,
            "commits": stats.commits,
            "skipped_binary": stats.skipped_binary,
            "skipped_large": stats.skipped_large,
            "skipped_allowlisted": stats.skipped_allowlisted,
            "errors": stats.errors,
        },
    })
}

/// One table line: `place  rule  secret  (description)`.
#[must_use]
pub fn table_line(f: &Finding, reveal: Reveal) -> String {
    let mut line = format!("{}  {}  {}  entropy {:.2}", place(f), f.rule, secret_of(f, reveal), f.entropy);
    if !f.decoded.is_empty() {
        line.push_str(&format!("  (decoded: {})", f.decoded.join(" → ")));
    }
    if let Some(l) = &f.layer
        && let Some(n) = l.removed_in
    {
        line.push_str(&format!("  (removed in layer {n}: still in the image)"));
    }
    line
}

/// SARIF 2.1.0: one result per finding; rule IDs as configured, the gitleaks ID as a property.
#[must_use]
pub fn to_sarif(findings: &[Finding], stats: &Stats, version: &str, reveal: Reveal) -> Value {
    let mut rules: Vec<SarifRule> = Vec::new();
    for f in findings {
        if rules.iter().any(|r| r.id == f.rule) {
            continue;
        }
        let mut properties = Map::new();
        properties.insert("gitleaks-rule".into(), json!(f.gitleaks_id));
        rules.push(SarifRule {
            id: f.rule.clone(),
            summary: f.description.clone(),
            description: None,
            help: None,
            help_uri: None,
            severity: SEVERITY,
            security_severity: None,
            tags: f.tags.clone(),
            properties,
        });
    }
    let results = findings
        .iter()
        .map(|f| {
            let mut properties = Map::new();
            properties.insert("fingerprint".into(), json!(f.fingerprint));
            properties.insert("secret".into(), json!(secret_of(f, reveal)));
            properties.insert("entropy".into(), json!((f.entropy * 1000.0).round() / 1000.0));
            if let Some(c) = &f.commit {
                properties.insert("commit".into(), json!(c.id));
                properties.insert("author".into(), json!(c.author));
                properties.insert("date".into(), json!(c.date));
            }
            if let Some(l) = &f.layer {
                properties.insert("layer".into(), json!(l.digest));
                properties.insert("layer_index".into(), json!(l.index));
                if let Some(n) = l.removed_in {
                    properties.insert("removed_in_layer".into(), json!(n));
                }
            }
            if let Some(o) = &f.object {
                properties.insert("object".into(), json!(o));
            }
            SarifResult {
                rule_id: f.rule.clone(),
                severity: SEVERITY,
                message: format!("{} ({})", f.description, secret_of(f, reveal)),
                location: SarifLocation::File { path: f.file.clone(), position: Some((f.start_line, f.start_column)) },
                logical_path: f.object.clone(),
                related: Vec::new(),
                properties,
            }
        })
        .collect();
    vigil_core::sarif::to_value(&SarifRun {
        tool_version: version.to_owned(),
        rules,
        results,
        notifications: stats.errors.iter().map(|e| SarifNotification { message: e.clone(), location: None }).collect(),
    })
}

/// Most findings listed in an attestation summary (the count is always exact).
pub const MAX_SUMMARY_FINDINGS: usize = 100;

/// The secret scan of an image as a scan attestation carries it (`scanner.result.secrets`):
/// `{"scanned": true, "count": N, "findings": [{rule, gitleaks_rule, file, line, layer,
/// removed_in, fingerprint, secret}]}`, secrets redacted, at most [`MAX_SUMMARY_FINDINGS`]
/// listed. The admission policy's `secrets: none` reads it back.
#[must_use]
pub fn attestation_summary(findings: &[Finding]) -> Value {
    let listed: Vec<Value> = findings
        .iter()
        .take(MAX_SUMMARY_FINDINGS)
        .map(|f| {
            json!({
                "rule": f.rule,
                "gitleaks_rule": f.gitleaks_id,
                "file": f.file,
                "line": f.start_line,
                "layer": f.layer.as_ref().map(|l| l.index),
                "removed_in": f.layer.as_ref().and_then(|l| l.removed_in),
                "fingerprint": f.fingerprint,
                "secret": f.redacted_secret(),
            })
        })
        .collect();
    json!({"scanned": true, "count": findings.len(), "findings": listed})
}
