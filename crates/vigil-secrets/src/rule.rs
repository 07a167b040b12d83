//! A rule and its allowlists: the shape of a gitleaks v8 `[[rules]]` entry.

use regex::bytes::Regex;

/// How an allowlist's checks combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Condition {
    /// Any one check that matches allows the finding (gitleaks' default).
    #[default]
    Or,
    /// Every check given must match.
    And,
}

/// What an allowlist's `regexes` are matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegexTarget {
    /// The secret (gitleaks' default).
    #[default]
    Secret,
    /// The whole regex match.
    Match,
    /// The whole line (lines) of the match.
    Line,
}

/// A gitleaks allowlist (global, or per rule).
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    /// Its description.
    pub description: String,
    /// How the checks below combine.
    pub condition: Condition,
    /// What `regexes` apply to.
    pub regex_target: RegexTarget,
    /// Regexes (translated from Go RE2).
    pub regexes: Vec<Regex>,
    /// Path regexes.
    pub paths: Vec<Regex>,
    /// Commit ids (full or prefix, as gitleaks compares them).
    pub commits: Vec<String>,
    /// Stop words: a secret containing one (case-insensitively) is allowed.
    pub stopwords: Vec<String>,
}

/// One rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The ID findings carry: `secret/<name>` for vigil's own rules, the config's `id` for a
    /// gitleaks config.
    pub id: String,
    /// The gitleaks rule ID (fingerprints, migration); for a gitleaks config the same as `id`.
    pub gitleaks_id: String,
    /// What it finds.
    pub description: String,
    /// The pattern (translated from Go RE2; bytes, Unicode off as in RE2); `None` for a
    /// path-only rule.
    pub regex: Option<Regex>,
    /// The pattern as written in the config (for messages).
    pub regex_source: Option<String>,
    /// The capture group holding the secret; `None`: the first non-empty group, else the match
    /// (gitleaks' rule).
    pub secret_group: Option<usize>,
    /// Minimum Shannon entropy of the secret; `None`: no check.
    pub entropy: Option<f64>,
    /// Path pattern: the rule applies only to matching paths (a path-only rule reports the file).
    pub path: Option<Regex>,
    /// Keywords (lower case): the regex runs only on fragments containing one.
    pub keywords: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// The rule's own allowlists.
    pub allowlists: Vec<Allowlist>,
    /// gitleaks' `skipReport`: the rule only feeds composite rules and is not reported.
    pub skip_report: bool,
}
