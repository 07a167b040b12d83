use serde::Serialize;
use serde_json::{Value, json};

use crate::Finding;

/// An input that could not be checked (unreadable, malformed, over a limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    /// The file (or `-` for standard input).
    pub file: String,
    /// 1-based line where the problem was found, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column where the problem was found, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// What was wrong.
    pub message: String,
}

impl InputError {
    /// An error about a whole input.
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        InputError { file: file.into(), line: None, column: None, message: message.into() }
    }

    /// An error at a position of an input.
    pub fn at(file: impl Into<String>, line: usize, column: usize, message: impl Into<String>) -> Self {
        InputError { file: file.into(), line: Some(line), column: Some(column), message: message.into() }
    }
}

impl std::fmt::Display for InputError {
    /// `file:line:col: message`, or `file: message` without a position.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Counts for a lint run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Files read (including those that failed).
    pub files: usize,
    /// Kubernetes objects checked.
    pub objects: usize,
    /// Findings reported.
    pub findings: usize,
    /// Findings suppressed by inline comments (reported apart, not counted in `findings`).
    pub suppressed: usize,
}

/// The result of a lint run: findings sorted by file, line and rule, plus per-input errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintReport {
    /// Findings, sorted by [`Finding::sort_key`].
    pub findings: Vec<Finding>,
    /// Findings an inline comment suppressed (each with [`Finding::suppressed`] set).
    pub suppressed: Vec<Finding>,
    /// Inputs that could not be checked.
    pub errors: Vec<InputError>,
    /// Counts.
    pub summary: Summary,
}

impl LintReport {
    /// Sorts findings and errors into their stable order and updates the finding count.
    pub fn finish(&mut self) {
        // A finding marked suppressed by its rule family moves to `suppressed`.
        if self.findings.iter().any(|f| f.suppressed.is_some()) {
            let (suppressed, kept): (Vec<Finding>, Vec<Finding>) =
                std::mem::take(&mut self.findings).into_iter().partition(|f| f.suppressed.is_some());
            self.findings = kept;
            self.suppressed.extend(suppressed);
        }
        self.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.suppressed.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.summary.suppressed = self.suppressed.len();
        self.errors.sort_by(|a, b| a.file.cmp(&b.file).then_with(|| a.message.cmp(&b.message)));
        self.summary.findings = self.findings.len();
    }

    /// Writes [`LintReport::to_json`]'s document, pretty-printed, without building it in memory first.
    pub fn write_json<W: std::io::Write>(&self, writer: W) -> serde_json::Result<()> {
        #[derive(Serialize)]
        struct JsonFinding<'a> {
            rule: &'a str,
            severity: crate::Severity,
            message: &'a str,
            file: &'a str,
            line: usize,
            column: usize,
            object: &'a Option<crate::ObjectRef>,
            path: &'a Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            peer: &'a Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            confidence: Option<crate::Confidence>,
            #[serde(skip_serializing_if = "Option::is_none")]
            suppressed: &'a Option<String>,
        }
        #[derive(Serialize)]
        struct JsonReport<'a> {
            version: u32,
            findings: Vec<JsonFinding<'a>>,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            suppressed: Vec<JsonFinding<'a>>,
            errors: &'a [InputError],
            summary: Summary,
        }
        fn json(f: &Finding) -> JsonFinding<'_> {
            JsonFinding {
                rule: &f.rule,
                severity: f.severity,
                message: &f.message,
                file: &f.location.file,
                line: f.location.line,
                column: f.location.column,
                object: &f.object,
                path: &f.path,
                peer: &f.peer,
                confidence: f.confidence,
                suppressed: &f.suppressed,
            }
        }
        let findings = self.findings.iter().map(json).collect();
        let suppressed = self.suppressed.iter().map(json).collect();
        let report = JsonReport { version: 1, findings, suppressed, errors: &self.errors, summary: self.summary };
        serde_json::to_writer_pretty(writer, &report)
    }

    /// vigil's stable lint JSON contract (version 1):
    /// `{"version":1,"findings":[{"rule","severity","message","file","line","column","object","path",
    /// "peer"?,"confidence"?}],"suppressed"?:[{…,"suppressed"}],"errors":[{"file","message"}],
    /// "summary":{"files","objects","findings","suppressed"}}`. Keys marked `?` appear only when set.
    pub fn to_json(&self) -> Value {
        let json = |f: &Finding| -> Value {
            let mut v = json!({
                "rule": f.rule,
                "severity": f.severity,
                "message": f.message,
                "file": f.location.file,
                "line": f.location.line,
                "column": f.location.column,
                "object": f.object,
                "path": f.path,
            });
            if let Some(peer) = &f.peer {
                v["peer"] = json!(peer);
            }
            if let Some(confidence) = f.confidence {
                v["confidence"] = json!(confidence);
            }
            if let Some(reason) = &f.suppressed {
                v["suppressed"] = json!(reason);
            }
            v
        };
        let mut doc = json!({
            "version": 1,
            "findings": self.findings.iter().map(json).collect::<Vec<_>>(),
            "errors": self.errors,
            "summary": self.summary,
        });
        if !self.suppressed.is_empty() {
            doc["suppressed"] = json!(self.suppressed.iter().map(json).collect::<Vec<_>>());
        }
        doc
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Finding, Location, ObjectRef, Severity};

    #[test]
    fn streamed_json_equals_the_value_form() {
        let mut report = LintReport::default();
        let mut f = Finding::new("pss/hostPorts", Severity::High, "hostPort (x)", Location::new("a.yaml", 3, 7));
        f.object =
            Some(ObjectRef { api_version: "v1".into(), kind: "Pod".into(), namespace: None, name: Some("p".into()) });
        f.path = Some("spec.containers[0].ports[0].hostPort".into());
        report.findings.push(f);
        report.errors.push(InputError::at("b.yaml", 2, 1, "bad"));
        report.summary.files = 2;
        report.finish();
        let mut out = Vec::new();
        report.write_json(&mut out).unwrap();
        let streamed: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(streamed, report.to_json());
        assert_eq!(streamed["findings"][0]["object"]["namespace"], Value::Null);
    }
}
