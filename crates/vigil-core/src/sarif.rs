//! SARIF 2.1.0 output (OASIS SARIF v2.1.0, errata 01).
//!
//! One `run` per report, one `result` per finding with a physical location (file URI and a
//! 1-based region), one `reportingDescriptor` per rule that any finding uses (or every rule
//! passed in), and one `toolExecutionNotification` per input error.

use serde_json::{Value, json};

use crate::{LintReport, RuleMeta};

/// The SARIF schema URI written into every log.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Builds a SARIF 2.1.0 log for `report`.
///
/// `rules` is the rule catalogue; the driver lists every rule that appears in a finding, in
/// catalogue order, and each result's `ruleIndex` points into that list.
pub fn to_sarif(report: &LintReport, rules: &[RuleMeta], tool_version: &str) -> Value {
    let used: Vec<&RuleMeta> = rules.iter().filter(|r| report.findings.iter().any(|f| f.rule == r.id)).collect();
    let descriptors: Vec<Value> = used
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "help": { "text": r.help, "markdown": r.help },
                "defaultConfiguration": { "level": r.severity.sarif_level() },
                "properties": { "security-severity": security_severity(r.severity), "tags": ["security", r.family()] },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule,
                "level": f.severity.sarif_level(),
                "message": { "text": f.message },
                "locations": [physical_location(&f.location.file, f.location.line, f.location.column, f.path.as_deref())],
                "properties": { "severity": f.severity },
            });
            if let Some(index) = used.iter().position(|r| r.id == f.rule) {
                result["ruleIndex"] = json!(index);
            }
            if !f.related.is_empty() {
                result["relatedLocations"] = f
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let mut loc = physical_location(&r.location.file, r.location.line, r.location.column, None);
                        loc["id"] = json!(i);
                        loc["message"] = json!({ "text": r.message });
                        loc
                    })
                    .collect();
            }
            result
        })
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let location = match (e.line, e.column) {
                (Some(line), Some(column)) => physical_location(&e.file, line, column, None),
                _ => json!({ "physicalLocation": { "artifactLocation": { "uri": uri(&e.file) } } }),
            };
            json!({ "level": "error", "message": { "text": e.message }, "locations": [location] })
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "vigil",
                "informationUri": "https://github.com/vigil-dev/vigil",
                "version": tool_version,
                "semanticVersion": tool_version,
                "rules": descriptors,
            }},
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

fn physical_location(file: &str, line: usize, column: usize, path: Option<&str>) -> Value {
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(file) },
            "region": { "startLine": line.max(1), "startColumn": column.max(1) },
        }
    });
    if let Some(path) = path {
        loc["logicalLocations"] = json!([{ "fullyQualifiedName": path, "kind": "member" }]);
    }
    loc
}

/// GitHub code scanning reads `security-severity` as a CVSS-like score.
fn security_severity(severity: crate::Severity) -> &'static str {
    match severity {
        crate::Severity::Critical => "9.5",
        crate::Severity::High => "8.0",
        crate::Severity::Medium => "5.5",
        crate::Severity::Low => "3.0",
        crate::Severity::Info => "0.0",
    }
}

/// A relative URI reference for a path: forward slashes, percent-encoding of the characters
/// RFC 3986 does not allow in a path.
fn uri(file: &str) -> String {
    let path = file.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Finding, Location, Severity};

    #[test]
    fn uri_is_encoded() {
        assert_eq!(uri("dir/my file.yaml"), "dir/my%20file.yaml");
        assert_eq!(uri("a\\b.yaml"), "a/b.yaml");
    }

    #[test]
    fn result_points_at_rule() {
        let rules = [
            RuleMeta { id: "x/a", severity: Severity::Low, summary: "a", help: "a" },
            RuleMeta { id: "x/b", severity: Severity::High, summary: "b", help: "b" },
        ];
        let mut report = LintReport::default();
        report.findings.push(Finding::new("x/b", Severity::High, "m", Location::new("f.yaml", 3, 4)));
        report.finish();
        let log = to_sarif(&report, &rules, "0.1.0");
        assert_eq!(log["runs"][0]["tool"]["driver"]["rules"][0]["id"], "x/b");
        assert_eq!(log["runs"][0]["results"][0]["ruleIndex"], 0);
        assert_eq!(log["runs"][0]["results"][0]["level"], "error");
        assert_eq!(log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"], 3);
    }
}
