use serde::Serialize;

use crate::Severity;

/// Where a finding or error points: a file and a 1-based line and column.
///
/// `offset`/`length` give the byte range of the offending text in the file when known,
/// for renderers that show a code frame; they are not part of the JSON contract.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// Path of the file as given by the user (or `-` for standard input).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// Byte offset of the start of the span in the file.
    #[serde(skip)]
    pub offset: usize,
    /// Length of the span in bytes (0 when unknown).
    #[serde(skip)]
    pub length: usize,
}

impl Location {
    /// A location at `line`:`column` (both 1-based) of `file`, with no byte span.
    pub fn new(file: impl Into<String>, line: usize, column: usize) -> Self {
        Location { file: file.into(), line, column, offset: 0, length: 0 }
    }

    /// The same location with a byte span.
    #[must_use]
    pub fn with_span(mut self, offset: usize, length: usize) -> Self {
        self.offset = offset;
        self.length = length;
        self
    }
}

/// The Kubernetes object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    /// `apiVersion` of the object.
    pub api_version: String,
    /// `kind` of the object.
    pub kind: String,
    /// `metadata.namespace`, if set.
    pub namespace: Option<String>,
    /// `metadata.name` (or `generateName`), if set.
    pub name: Option<String>,
}

/// A secondary location that helps explain a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Related {
    /// Where.
    pub location: Location,
    /// A short label, e.g. `also set here`.
    pub message: String,
}

/// One result of a rule: something vigil found wrong in an input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule ID, e.g. `pss/hostPorts`.
    pub rule: String,
    /// Severity of this finding.
    pub severity: Severity,
    /// One-line message naming the offending value.
    pub message: String,
    /// Primary location (the offending field).
    pub location: Location,
    /// The object the finding is about, if any.
    pub object: Option<ObjectRef>,
    /// Dotted field path inside the object, e.g. `spec.containers[0].ports[0].hostPort`.
    pub path: Option<String>,
    /// Further locations involved in the same finding.
    pub related: Vec<Related>,
    /// The peer tool's ID of the rule (hadolint `DL3008`, Checkov `CKV_DOCKER_2`, zizmor
    /// `template-injection`), when it has one.
    pub peer: Option<String>,
    /// How sure the rule is (zizmor's confidence), when the rule grades it.
    pub confidence: Option<Confidence>,
    /// Why the finding is suppressed (an inline `# vigil: ignore[...]`, `# hadolint ignore=`
    /// or `# zizmor: ignore[...]` comment), when it is. Suppressed findings are reported
    /// apart and do not fail a run.
    pub suppressed: Option<String>,
}

/// How sure a rule is of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Likely a false positive without more context.
    Low,
    /// Probably right.
    Medium,
    /// Certain from the input alone.
    High,
}

impl Finding {
    /// A finding with no object, path or related locations.
    pub fn new(rule: impl Into<String>, severity: Severity, message: impl Into<String>, location: Location) -> Self {
        Finding {
            rule: rule.into(),
            severity,
            message: message.into(),
            location,
            object: None,
            path: None,
            related: Vec::new(),
            peer: None,
            confidence: None,
            suppressed: None,
        }
    }

    /// The ordering findings are reported in: file, line, column, rule ID, message.
    pub fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        (&self.location.file, self.location.line, self.location.column, &self.rule, &self.message)
    }
}
