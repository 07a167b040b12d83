use crate::Severity;

/// Static description of a rule: its stable ID, default severity and documentation.
///
/// IDs are `<family>/<name>` (e.g. `pss/hostPorts`, `image/latest-tag`) and are never
/// renamed or reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable rule ID, e.g. `pss/hostPorts`.
    pub id: &'static str,
    /// Default severity of the rule's findings.
    pub severity: Severity,
    /// One-line generic summary of the hazard.
    pub summary: &'static str,
    /// Longer Markdown help: why it matters, how to fix it, references.
    pub help: &'static str,
    /// The IDs of the same check in the tools vigil replaces, so that users migrating keep
    /// their suppressions and dashboards: hadolint (`DL3008`), Checkov (`CKV_DOCKER_2`),
    /// zizmor (`template-injection`), kube-linter… Empty when no peer has it.
    pub peers: &'static [&'static str],
}

impl RuleMeta {
    /// The family part of the ID (`pss` for `pss/hostPorts`).
    pub fn family(&self) -> &'static str {
        self.id.split_once('/').map_or(self.id, |(family, _)| family)
    }
}
