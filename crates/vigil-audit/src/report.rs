//! Alerts for people and tools: a table line, SARIF (through vigil-core's one writer), and
//! decision-log `alert` entries.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use vigil_core::Severity;
use vigil_core::sarif::{SarifLocation, SarifResult, SarifRule, SarifRun};

use crate::engine::{Alert, Engine};
use crate::json::Json;
use crate::rules::Priority;

/// An alert and the event it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// The alert.
    pub alert: Alert,
    /// The input (file name, `-`, `webhook`).
    pub source: Arc<str>,
    /// The event's 1-based line.
    pub line: u64,
}

/// vigil's severity for a Falco priority (SARIF levels follow from it).
#[must_use]
pub fn severity(priority: Priority) -> Severity {
    match priority {
        Priority::Emergency | Priority::Alert | Priority::Critical => Severity::Critical,
        Priority::Error => Severity::High,
        Priority::Warning => Severity::Medium,
        Priority::Notice => Severity::Low,
        Priority::Informational | Priority::Debug => Severity::Info,
    }
}

/// One line: `time priority rule: output (source:line)`.
#[must_use]
pub fn table_line(located: &Located) -> String {
    let a = &located.alert;
    // The output already starts with the time and priority, as Falco prints it.
    format!("{} [{}] ({}:{})", a.output, a.rule, located.source, located.line)
}

/// A SARIF 2.1.0 log of the alerts: one result per alert at its event's line, rule IDs the
/// Falco rule names (so that dashboards keep them across tools).
#[must_use]
pub fn to_sarif(alerts: &[Located], engine: &Engine, version: &str) -> Value {
    let mut rules: Vec<SarifRule> = Vec::new();
    for info in engine.rules() {
        if !alerts.iter().any(|l| l.alert.rule == info.name) {
            continue;
        }
        let mut properties = Map::new();
        properties.insert("falco-priority".into(), Value::String(info.priority.as_str().into()));
        rules.push(SarifRule {
            id: info.name.clone(),
            summary: info.name.clone(),
            description: Some(info.desc.clone()).filter(|d| !d.is_empty()),
            help: None,
            help_uri: None,
            severity: severity(info.priority),
            security_severity: None,
            tags: info.tags.clone(),
            properties,
        });
    }
    let results = alerts
        .iter()
        .map(|l| {
            let mut properties = Map::new();
            properties.insert("time".into(), Value::String(l.alert.time.clone()));
            properties.insert("output_fields".into(), Value::Object(l.alert.output_fields.clone()));
            SarifResult {
                rule_id: l.alert.rule.clone(),
                severity: severity(l.alert.priority),
                message: l.alert.output.clone(),
                location: SarifLocation::File {
                    path: l.source.to_string(),
                    position: Some((usize::try_from(l.line).unwrap_or(usize::MAX), 1)),
                },
                logical_path: None,
                related: Vec::new(),
                properties,
            }
        })
        .collect();
    vigil_core::sarif::to_value(&SarifRun {
        tool_version: version.to_owned(),
        rules,
        results,
        notifications: Vec::new(),
    })
}

/// The decision-log entry of an alert: kind `alert`, result the rule name, the event's user
/// as actor and its object as subject, the output as the reason.
#[must_use]
pub fn draft(located: &Located, event: &Json<'_>) -> vigil_log::Draft {
    let a = &located.alert;
    let mut draft = vigil_log::Draft::new(vigil_log::Kind::Alert, &a.rule);
    let user = &event["user"];
    draft.actor = json!({
        "username": user.get("username").map_or(Value::Null, Json::to_value),
        "groups": user.get("groups").map_or(Value::Null, Json::to_value),
    });
    let object = &event["objectRef"];
    draft.subject = json!({
        "auditID": event.get("auditID").map_or(Value::Null, Json::to_value),
        "verb": event.get("verb").map_or(Value::Null, Json::to_value),
        "resource": object.get("resource").map_or(Value::Null, Json::to_value),
        "namespace": object.get("namespace").map_or(Value::Null, Json::to_value),
        "name": object.get("name").map_or(Value::Null, Json::to_value),
        "input": located.source.to_string(),
        "line": located.line,
    });
    draft.reasons.push(a.output.clone());
    draft.details.insert("priority".into(), Value::String(a.priority.as_str().into()));
    draft.details.insert("source".into(), Value::String(a.source.into()));
    draft.details.insert("event_time".into(), Value::String(a.time.clone()));
    draft.details.insert("tags".into(), json!(a.tags));
    draft.details.insert("output_fields".into(), Value::Object(a.output_fields.clone()));
    draft
}
