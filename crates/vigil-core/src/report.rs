use serde::Serialize;
use serde_json::{Value, json};

use crate::Finding;

/// An input that could not be checked (unreadable, malformed, over a limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    /// The file (or `-` for standard input).
    pub file: String,
    /// What was wrong, including the position when known.
    pub message: String,
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
}

/// The result of a lint run: findings sorted by file, line and rule, plus per-input errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintReport {
    /// Findings, sorted by [`Finding::sort_key`].
    pub findings: Vec<Finding>,
    /// Inputs that could not be checked.
    pub errors: Vec<InputError>,
    /// Counts.
    pub summary: Summary,
}

impl LintReport {
    /// Sorts findings and errors into their stable order and updates the finding count.
    pub fn finish(&mut self) {
        self.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.errors.sort_by(|a, b| a.file.cmp(&b.file).then_with(|| a.message.cmp(&b.message)));
        self.summary.findings = self.findings.len();
    }

    /// vigil's stable lint JSON contract (version 1):
    /// `{"version":1,"findings":[{"rule","severity","message","file","line","column","object","path"}],
    /// "errors":[{"file","message"}],"summary":{"files","objects","findings"}}`.
    pub fn to_json(&self) -> Value {
        let findings: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                json!({
                    "rule": f.rule,
                    "severity": f.severity,
                    "message": f.message,
                    "file": f.location.file,
                    "line": f.location.line,
                    "column": f.location.column,
                    "object": f.object,
                    "path": f.path,
                })
            })
            .collect();
        json!({
            "version": 1,
            "findings": findings,
            "errors": self.errors,
            "summary": self.summary,
        })
    }
}
