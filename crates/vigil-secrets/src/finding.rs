//! A secret finding, its gitleaks-compatible fingerprint and its redacted form.

use std::sync::Arc;

use crate::fragment::{CommitInfo, LayerInfo};

/// One secret found.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The rule's ID as configured (`secret/aws-access-token` for vigil's rules, a gitleaks
    /// config's own IDs unchanged).
    pub rule: String,
    /// The gitleaks rule ID this corresponds to, used in fingerprints (for a gitleaks config: the
    /// same as `rule`).
    pub gitleaks_id: String,
    /// The rule's description.
    pub description: String,
    /// 1-based line of the match's start.
    pub start_line: usize,
    /// 1-based line of the match's end.
    pub end_line: usize,
    /// 1-based column (byte) of the match's start.
    pub start_column: usize,
    /// 1-based column (byte) of the match's end (inclusive, as gitleaks reports).
    pub end_column: usize,
    /// The whole regex match.
    pub matched: String,
    /// The secret (the secret group, or the whole match).
    pub secret: String,
    /// The file (as in [`crate::fragment::Origin::path`]).
    pub file: String,
    /// The symlink the file was reached through.
    pub symlink_file: Option<String>,
    /// Git: the commit.
    pub commit: Option<Arc<CommitInfo>>,
    /// Image: the layer.
    pub layer: Option<Arc<LayerInfo>>,
    /// Kubernetes: the object and field.
    pub object: Option<String>,
    /// Shannon entropy of the secret.
    pub entropy: f64,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// When the secret was found inside decoded data: the encodings peeled off, outermost first
    /// (`base64`, `hex`, `percent`).
    pub decoded: Vec<String>,
    /// gitleaks' fingerprint: `file:rule:line`, or `commit:file:rule:line` for history.
    pub fingerprint: String,
}

impl Finding {
    /// The secret as it may be shown: its first 4 characters, then `…` (never the whole secret,
    /// whatever its length).
    #[must_use]
    pub fn redacted_secret(&self) -> String {
        redact(&self.secret)
    }

    /// The match with the secret in it redacted.
    #[must_use]
    pub fn redacted_match(&self) -> String {
        if self.secret.is_empty() {
            return self.matched.clone();
        }
        self.matched.replacen(&self.secret, &self.redacted_secret(), 1)
    }
}

/// The first 4 characters of `secret`, then `…`; a secret of 4 characters or fewer becomes `…`
/// alone (showing it would show all of it).
#[must_use]
pub fn redact(secret: &str) -> String {
    let count = secret.chars().count();
    if count <= 4 {
        return "…".to_owned();
    }
    let head: String = secret.chars().take(4).collect();
    format!("{head}…")
}

/// gitleaks' fingerprint of a finding: `file:rule:start_line`, prefixed with `commit:` for a
/// Git finding.
#[must_use]
pub fn fingerprint(commit: Option<&str>, file: &str, rule: &str, start_line: usize) -> String {
    match commit {
        Some(c) if !c.is_empty() => format!("{c}:{file}:{rule}:{start_line}"),
        _ => format!("{file}:{rule}:{start_line}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_never_shows_a_short_secret_and_shows_four_characters_of_a_long_one() {
        assert_eq!(redact("AKIAIOSFODNN7EXAMPLE"), "AKIA…");
        assert_eq!(redact("abcd"), "…");
        assert_eq!(redact(""), "…");
        assert_eq!(redact("ééééé"), "éééé…");
    }

    #[test]
    fn fingerprints_have_gitleaks_shape() {
        assert_eq!(fingerprint(None, "a/b.env", "aws-access-token", 3), "a/b.env:aws-access-token:3");
        assert_eq!(fingerprint(Some("abc"), "a", "r", 1), "abc:a:r:1");
    }
}
