//! `.gitleaksignore` fingerprints and baselines: findings a previous review accepted.
//!
//! - [`IgnoreSet`]: gitleaks' `.gitleaksignore`, one fingerprint a line (`#` comments and blank
//!   lines skipped, `\` in paths read as `/`). A commit-less fingerprint `file:rule:line` ignores
//!   the finding at that place in the working tree *and* in every commit (gitleaks'
//!   `AddFinding` checks the global fingerprint first); `commit:file:rule:line` ignores it in that
//!   commit only. The rule may be written as the gitleaks ID (`aws-access-token`) or as vigil's
//!   (`secret/aws-access-token`).
//! - [`Baseline`]: a previous report, either `vigil secrets --format json` output
//!   (`{"findings": [...]}`) or a gitleaks JSON report (an array of `RuleID`/`File`/`StartLine`/
//!   `Commit`/`Secret` objects). A finding is in the baseline when its rule, file, start and
//!   end lines and commit are those of a baseline entry and, when the entry holds an unredacted
//!   secret, the secret too. Unlike gitleaks' `IsNew`, columns, entropy, description and author
//!   are not compared (they differ between vigil's rules and gitleaks', and a report redacted
//!   differently from the current run still matches).

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::finding::{Finding, fingerprint};

/// The largest `.gitleaksignore` or baseline read (64 MiB).
pub const MAX_IGNORE_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Why an ignore file or baseline could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IgnoreError {
    /// The file could not be read.
    #[error("{path}: cannot read: {message}")]
    Read {
        /// The file.
        path: String,
        /// The OS message.
        message: String,
    },
    /// The file is larger than [`MAX_IGNORE_FILE_BYTES`].
    #[error("{path}: larger than the limit of {limit} bytes")]
    TooLarge {
        /// The file.
        path: String,
        /// The limit.
        limit: u64,
    },
    /// The baseline is not a vigil or gitleaks JSON report.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong (with the line and column of a JSON syntax error).
        message: String,
    },
}

fn read_bounded(path: &Path) -> Result<String, IgnoreError> {
    let name = path.display().to_string();
    let file =
        std::fs::File::open(path).map_err(|e| IgnoreError::Read { path: name.clone(), message: e.to_string() })?;
    let mut bytes = Vec::new();
    file.take(MAX_IGNORE_FILE_BYTES.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| IgnoreError::Read { path: name.clone(), message: e.to_string() })?;
    if bytes.len() as u64 > MAX_IGNORE_FILE_BYTES {
        return Err(IgnoreError::TooLarge { path: name, limit: MAX_IGNORE_FILE_BYTES });
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The fingerprints of a `.gitleaksignore` file.
#[derive(Debug, Clone, Default)]
pub struct IgnoreSet {
    entries: HashSet<String>,
    invalid: Vec<(usize, String)>,
}

impl IgnoreSet {
    /// Parses `.gitleaksignore` text: one fingerprint a line, surrounding blanks trimmed, blank
    /// lines and lines starting with `#` skipped. `\` in the path part becomes `/` (gitleaks
    /// does the same). Lines that have neither 3 nor 4 `:`-separated parts are kept (gitleaks
    /// keeps them too) and listed by [`IgnoreSet::invalid`].
    #[must_use]
    pub fn parse(text: &str) -> IgnoreSet {
        let mut set = IgnoreSet::default();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts: Vec<String> = line.split(':').map(str::to_owned).collect();
            let path_part = match parts.len() {
                3 => Some(0),
                4 => Some(1),
                _ => None,
            };
            match path_part.and_then(|i| parts.get_mut(i)) {
                Some(path) => *path = path.replace('\\', "/"),
                None => set.invalid.push((index + 1, line.to_owned())),
            }
            set.entries.insert(parts.join(":"));
        }
        set
    }

    /// Reads and parses a `.gitleaksignore` file.
    ///
    /// # Errors
    /// The file cannot be read or exceeds [`MAX_IGNORE_FILE_BYTES`].
    pub fn load(path: &Path) -> Result<IgnoreSet, IgnoreError> {
        Ok(IgnoreSet::parse(&read_bounded(path)?))
    }

    /// Number of fingerprints.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Lines that are not `file:rule:line` or `commit:file:rule:line` (1-based line number and
    /// text), for a warning.
    #[must_use]
    pub fn invalid(&self) -> &[(usize, String)] {
        &self.invalid
    }

    /// Whether `finding` is ignored: its commit-less fingerprint is listed (whatever its commit),
    /// or, for a Git finding, its fingerprint with the commit. Both the gitleaks rule ID and
    /// vigil's rule ID are tried.
    #[must_use]
    pub fn contains(&self, finding: &Finding) -> bool {
        let mut rules = vec![finding.gitleaks_id.as_str()];
        if finding.rule != finding.gitleaks_id {
            rules.push(finding.rule.as_str());
        }
        let commit = finding.commit.as_ref().map(|c| c.id.as_str()).filter(|c| !c.is_empty());
        rules.iter().any(|rule| {
            self.entries.contains(&fingerprint(None, &finding.file, rule, finding.start_line))
                || commit.is_some_and(|c| {
                    self.entries.contains(&fingerprint(Some(c), &finding.file, rule, finding.start_line))
                })
        })
    }
}

/// One finding of a previous report.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    rules: Vec<String>,
    end_line: Option<usize>,
    commit: Option<String>,
    secret: Option<String>,
}

/// The findings of a previous report, to report only new ones.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    by_place: HashMap<(String, usize), Vec<Entry>>,
    count: usize,
}

/// Whether a reported secret is a redacted form (vigil's `abcd…`, gitleaks' `REDACTED`,
/// `abcd...` or `*****`), which cannot be compared.
fn looks_redacted(secret: &str) -> bool {
    secret.is_empty()
        || secret.ends_with('…')
        || secret.ends_with("...")
        || secret == "REDACTED"
        || secret.chars().all(|c| c == '*')
}

fn line_of(v: Option<&Value>) -> Option<usize> {
    v.and_then(Value::as_u64).and_then(|n| usize::try_from(n).ok())
}

impl Baseline {
    /// Parses a baseline: vigil's JSON report (`{"findings": [...]}`) or a gitleaks JSON report
    /// (an array). `name` is used in errors.
    ///
    /// # Errors
    /// Not JSON, or neither shape, or an entry without a rule, file or start line (the error
    /// names the entry's index).
    pub fn parse(name: &str, text: &str) -> Result<Baseline, IgnoreError> {
        let format = |message: String| IgnoreError::Format { path: name.to_owned(), message };
        let value: Value = serde_json::from_str(text)
            .map_err(|e| format(format!("{}:{}: not a JSON report: {e}", e.line(), e.column())))?;
        let (items, vigil) = match &value {
            Value::Array(items) => (items.as_slice(), false),
            Value::Object(o) => match o.get("findings") {
                Some(Value::Array(items)) => (items.as_slice(), true),
                _ => return Err(format("not a vigil secrets report (no \"findings\" array)".into())),
            },
            _ => return Err(format("not a vigil or gitleaks JSON report".into())),
        };
        let mut baseline = Baseline::default();
        for (i, item) in items.iter().enumerate() {
            let bad = |what: &str| format(format!("finding {i}: {what}"));
            let get = |vigil_key: &str, gitleaks_key: &str| item.get(if vigil { vigil_key } else { gitleaks_key });
            let mut rules = Vec::new();
            for key in if vigil { &["rule", "gitleaks_rule"][..] } else { &["RuleID"][..] } {
                if let Some(r) = item.get(*key).and_then(Value::as_str) {
                    rules.push(r.to_owned());
                }
            }
            if rules.is_empty() {
                return Err(bad("no rule"));
            }
            let file = get("file", "File").and_then(Value::as_str).ok_or_else(|| bad("no file"))?.replace('\\', "/");
            let start_line = line_of(get("start_line", "StartLine")).ok_or_else(|| bad("no start line"))?;
            let end_line = line_of(get("end_line", "EndLine"));
            let commit = match get("commit", "Commit") {
                Some(Value::Object(c)) => c.get("id").and_then(Value::as_str).map(str::to_owned),
                Some(Value::String(c)) => Some(c.clone()),
                _ => None,
            }
            .filter(|c| !c.is_empty());
            let redacted = vigil && item.get("redacted").and_then(Value::as_bool).unwrap_or(true);
            let secret = get("secret", "Secret")
                .and_then(Value::as_str)
                .filter(|s| !redacted && !looks_redacted(s))
                .map(str::to_owned);
            baseline.by_place.entry((file, start_line)).or_default().push(Entry { rules, end_line, commit, secret });
            baseline.count += 1;
        }
        Ok(baseline)
    }

    /// Reads and parses a baseline file.
    ///
    /// # Errors
    /// As [`Baseline::parse`], or the file cannot be read or exceeds [`MAX_IGNORE_FILE_BYTES`].
    pub fn load(path: &Path) -> Result<Baseline, IgnoreError> {
        let text = read_bounded(path)?;
        Baseline::parse(&path.display().to_string(), &text)
    }

    /// Number of findings in the baseline.
    #[must_use]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the baseline has no findings.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether `finding` was already reported (see the module documentation for what is
    /// compared).
    #[must_use]
    pub fn contains(&self, finding: &Finding) -> bool {
        let Some(entries) = self.by_place.get(&(finding.file.clone(), finding.start_line)) else {
            return false;
        };
        let commit = finding.commit.as_ref().map(|c| c.id.as_str()).filter(|c| !c.is_empty());
        entries.iter().any(|e| {
            e.rules.iter().any(|r| *r == finding.rule || *r == finding.gitleaks_id)
                && e.end_line.is_none_or(|l| l == finding.end_line)
                && e.commit.as_deref() == commit
                && e.secret.as_ref().is_none_or(|s| *s == finding.secret)
        })
    }
}
