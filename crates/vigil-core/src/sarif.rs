//! SARIF 2.1.0 output (OASIS SARIF v2.1.0, errata 01): vigil's one SARIF writer.
//!
//! [`to_value`] writes one [`SarifRun`]: one `reportingDescriptor` per [`SarifRule`], one
//! `result` per [`SarifResult`] with its `ruleIndex`, and one `toolExecutionNotification` per
//! [`SarifNotification`] (an input that could not be checked). Every `artifactLocation.uri` is
//! a URI reference with the characters RFC 3986 does not allow percent-encoded (§3.10.2 of
//! SARIF requires a valid URI reference). [`to_sarif`] is the lint and policy report's log.

use serde_json::{Map, Value, json};

use crate::{LintReport, RuleMeta, Severity};

/// The SARIF schema URI written into every log.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// One run of one tool.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SarifRun {
    /// `tool.driver.version` and `semanticVersion`.
    pub tool_version: String,
    /// The rules results refer to, in output order.
    pub rules: Vec<SarifRule>,
    /// The results, in output order.
    pub results: Vec<SarifResult>,
    /// Inputs that could not be checked; any makes `executionSuccessful` false.
    pub notifications: Vec<SarifNotification>,
}

/// A rule (`reportingDescriptor`, SARIF §3.49).
#[derive(Debug, Clone, PartialEq)]
pub struct SarifRule {
    /// Stable ID (`id` and `name`).
    pub id: String,
    /// One line (`shortDescription`).
    pub summary: String,
    /// A longer description (`fullDescription`); the summary when `None`.
    pub description: Option<String>,
    /// Help as Markdown (`help.text` and `help.markdown`).
    pub help: Option<String>,
    /// A page about the rule (`helpUri`), an absolute URI.
    pub help_uri: Option<String>,
    /// Default severity (`defaultConfiguration.level`).
    pub severity: Severity,
    /// `properties.security-severity`, the CVSS-like score GitHub code scanning reads; derived
    /// from `severity` when `None`.
    pub security_severity: Option<f64>,
    /// `properties.tags`.
    pub tags: Vec<String>,
    /// Further `properties`, after the tags.
    pub properties: Map<String, Value>,
}

/// A result (SARIF §3.27).
#[derive(Debug, Clone, PartialEq)]
pub struct SarifResult {
    /// The rule's ID; results whose rule is in [`SarifRun::rules`] get its `ruleIndex`.
    pub rule_id: String,
    /// Severity (`level` via [`Severity::sarif_level`], and `properties.severity`).
    pub severity: Severity,
    /// The message.
    pub message: String,
    /// Where.
    pub location: SarifLocation,
    /// A logical location inside the artifact (a field path), if any.
    pub logical_path: Option<String>,
    /// Related locations with their labels (`relatedLocations`).
    pub related: Vec<(SarifLocation, String)>,
    /// Further `properties`, after `severity`.
    pub properties: Map<String, Value>,
}

/// What a location points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SarifLocation {
    /// A file path as given (or a path inside an image), with an optional 1-based position.
    /// Written as a relative (or absolute-path) URI reference: `\` becomes `/`, and every byte
    /// a path segment may not hold is percent-encoded, `%` included.
    File {
        /// The path.
        path: String,
        /// 1-based line and column.
        position: Option<(usize, usize)>,
    },
    /// Something that is already a URI, such as a package URL; characters a URI may not hold
    /// are percent-encoded, existing `%XX` escapes are kept.
    Uri(String),
}

/// An input that could not be checked (`toolExecutionNotification`, level `error`).
#[derive(Debug, Clone, PartialEq)]
pub struct SarifNotification {
    /// What went wrong.
    pub message: String,
    /// Where, if known.
    pub location: Option<SarifLocation>,
}

/// Builds a SARIF 2.1.0 log for `report`.
///
/// `rules` is the rule catalogue; the driver lists every rule that appears in a finding, in
/// catalogue order, and each result's `ruleIndex` points into that list.
pub fn to_sarif(report: &LintReport, rules: &[RuleMeta], tool_version: &str) -> Value {
    let used = rules.iter().filter(|r| report.findings.iter().any(|f| f.rule == r.id));
    let rules = used
        .map(|r| SarifRule {
            id: r.id.to_string(),
            summary: r.summary.to_string(),
            description: None,
            help: Some(r.help.to_string()),
            help_uri: None,
            severity: r.severity,
            security_severity: None,
            tags: vec!["security".to_string(), r.family().to_string()],
            properties: Map::new(),
        })
        .collect();
    let results = report
        .findings
        .iter()
        .map(|f| SarifResult {
            rule_id: f.rule.clone(),
            severity: f.severity,
            message: f.message.clone(),
            location: SarifLocation::File {
                path: f.location.file.clone(),
                position: Some((f.location.line, f.location.column)),
            },
            logical_path: f.path.clone(),
            related: f
                .related
                .iter()
                .map(|r| {
                    let at = SarifLocation::File {
                        path: r.location.file.clone(),
                        position: Some((r.location.line, r.location.column)),
                    };
                    (at, r.message.clone())
                })
                .collect(),
            properties: Map::new(),
        })
        .collect();
    let notifications = report
        .errors
        .iter()
        .map(|e| SarifNotification {
            message: e.message.clone(),
            location: Some(SarifLocation::File { path: e.file.clone(), position: e.line.zip(e.column) }),
        })
        .collect();
    to_value(&SarifRun { tool_version: tool_version.to_string(), rules, results, notifications })
}

/// The SARIF 2.1.0 log of one run.
pub fn to_value(run: &SarifRun) -> Value {
    let descriptors: Vec<Value> = run.rules.iter().map(rule).collect();
    let results: Vec<Value> = run
        .results
        .iter()
        .map(|r| {
            let mut properties = Map::new();
            properties.insert("severity".into(), json!(r.severity));
            properties.extend(r.properties.clone());
            let mut result = json!({
                "ruleId": r.rule_id,
                "level": r.severity.sarif_level(),
                "message": { "text": r.message },
                "locations": [location(&r.location, r.logical_path.as_deref())],
                "properties": properties,
            });
            if let Some(index) = run.rules.iter().position(|rule| rule.id == r.rule_id) {
                result["ruleIndex"] = json!(index);
            }
            if !r.related.is_empty() {
                result["relatedLocations"] = r
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, (at, label))| {
                        let mut loc = location(at, None);
                        loc["id"] = json!(i);
                        loc["message"] = json!({ "text": label });
                        loc
                    })
                    .collect();
            }
            result
        })
        .collect();
    let notifications: Vec<Value> = run
        .notifications
        .iter()
        .map(|n| {
            let mut notification = json!({ "level": "error", "message": { "text": n.message } });
            if let Some(at) = &n.location {
                notification["locations"] = json!([location(at, None)]);
            }
            notification
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "vigil",
                "informationUri": "https://github.com/vigil-dev/vigil",
                "version": run.tool_version,
                "semanticVersion": run.tool_version,
                "rules": descriptors,
            }},
            "invocations": [{
                "executionSuccessful": run.notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

fn rule(r: &SarifRule) -> Value {
    let mut descriptor = json!({
        "id": r.id,
        "name": r.id,
        "shortDescription": { "text": r.summary },
        "fullDescription": { "text": r.description.as_deref().unwrap_or(&r.summary) },
    });
    if let Some(help) = &r.help {
        descriptor["help"] = json!({ "text": help, "markdown": help });
    }
    if let Some(uri) = &r.help_uri {
        descriptor["helpUri"] = json!(encode(uri, true));
    }
    descriptor["defaultConfiguration"] = json!({ "level": r.severity.sarif_level() });
    let score = r.security_severity.map_or_else(|| security_severity(r.severity).to_string(), |s| format!("{s:.1}"));
    let mut properties = Map::new();
    properties.insert("security-severity".into(), json!(score));
    properties.insert("tags".into(), json!(r.tags));
    properties.extend(r.properties.clone());
    descriptor["properties"] = Value::Object(properties);
    descriptor
}

fn location(at: &SarifLocation, logical_path: Option<&str>) -> Value {
    let mut loc = match at {
        SarifLocation::File { path, position: Some((line, column)) } => json!({
            "physicalLocation": {
                "artifactLocation": { "uri": file_uri(path) },
                "region": { "startLine": (*line).max(1), "startColumn": (*column).max(1) },
            }
        }),
        SarifLocation::File { path, position: None } => {
            json!({ "physicalLocation": { "artifactLocation": { "uri": file_uri(path) } } })
        }
        SarifLocation::Uri(uri) => json!({ "physicalLocation": { "artifactLocation": { "uri": encode(uri, true) } } }),
    };
    if let Some(path) = logical_path {
        loc["logicalLocations"] = json!([{ "fullyQualifiedName": path, "kind": "member" }]);
    }
    loc
}

/// GitHub code scanning reads `security-severity` as a CVSS-like score.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info | Severity::Unknown => "0.0",
    }
}

/// A relative (or absolute-path) URI reference for a file path: forward slashes, and
/// percent-encoding of what RFC 3986 does not allow in a path, `%` included. A `:` in the first
/// segment is encoded too, or the reference would read as a scheme (RFC 3986 §4.2).
fn file_uri(file: &str) -> String {
    let path = file.replace('\\', "/");
    let first = path.find('/').unwrap_or(path.len());
    let (head, tail) = path.split_at(first);
    encode(head, false).replace(':', "%3A") + &encode(tail, false)
}

/// Percent-encodes every byte outside RFC 3986's unreserved, sub-delims, `:`, `@` and `/`;
/// with `keep_escapes`, a `%` followed by two hex digits is kept as an escape.
fn encode(text: &str, keep_escapes: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, &b) in bytes.iter().enumerate() {
        let is_escape = b == b'%'
            && keep_escapes
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) || is_escape {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Finding, Location};

    #[test]
    fn uri_is_encoded() {
        assert_eq!(file_uri("dir/my file.yaml"), "dir/my%20file.yaml");
        assert_eq!(file_uri("a\\b.yaml"), "a/b.yaml");
        assert_eq!(file_uri("100%/ü#?.yaml"), "100%25/%C3%BC%23%3F.yaml");
        assert_eq!(file_uri("c:/x:y"), "c%3A/x:y");
        assert_eq!(encode("pkg:npm/%40scope/a b@1.0", true), "pkg:npm/%40scope/a%20b@1.0");
        assert_eq!(encode("pkg:x/%zz", true), "pkg:x/%25zz");
    }

    #[test]
    fn result_points_at_rule() {
        let rules = [
            RuleMeta { peers: &[], id: "x/a", severity: Severity::Low, summary: "a", help: "a" },
            RuleMeta { peers: &[], id: "x/b", severity: Severity::High, summary: "b", help: "b" },
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

    #[test]
    fn run_with_help_uri_scores_and_properties() {
        let mut extra = Map::new();
        extra.insert("purl".into(), json!("pkg:cargo/a@1"));
        let run = SarifRun {
            tool_version: "1.0.0".into(),
            rules: vec![SarifRule {
                id: "GHSA-1".into(),
                summary: "s".into(),
                description: Some("long".into()),
                help: Some("**h**".into()),
                help_uri: Some("https://osv.dev/vulnerability/GHSA-1".into()),
                severity: Severity::Unknown,
                security_severity: Some(9.8),
                tags: vec!["security".into()],
                properties: Map::new(),
            }],
            results: vec![SarifResult {
                rule_id: "GHSA-1".into(),
                severity: Severity::Unknown,
                message: "m".into(),
                location: SarifLocation::File { path: "/usr/lib/a b".into(), position: None },
                logical_path: None,
                related: Vec::new(),
                properties: extra,
            }],
            notifications: Vec::new(),
        };
        let log = to_value(&run);
        let driver = &log["runs"][0]["tool"]["driver"];
        assert_eq!(driver["rules"][0]["helpUri"], "https://osv.dev/vulnerability/GHSA-1");
        assert_eq!(driver["rules"][0]["fullDescription"]["text"], "long");
        assert_eq!(driver["rules"][0]["properties"]["security-severity"], "9.8");
        assert_eq!(driver["rules"][0]["defaultConfiguration"]["level"], "warning");
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "/usr/lib/a%20b");
        assert!(result["locations"][0]["physicalLocation"].get("region").is_none());
        assert_eq!(result["properties"]["severity"], "unknown");
        assert_eq!(result["properties"]["purl"], "pkg:cargo/a@1");
        assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], true);
    }
}
