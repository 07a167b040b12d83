//! The result of scanning a target: findings and counters.

use crate::finding::Finding;

/// Findings of one scan and what was (and was not) read.
#[derive(Debug, Default, Clone)]
pub struct Scan {
    /// The findings, in a stable order (see each target).
    pub findings: Vec<Finding>,
    /// Counters.
    pub stats: Stats,
}

impl Scan {
    /// Appends `other`'s findings and adds its counters to this scan's.
    pub fn merge(&mut self, other: Scan) {
        self.findings.extend(other.findings);
        self.stats.merge(other.stats);
    }
}

/// What a scan read and skipped.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Files (or layer entries, or Kubernetes documents) scanned.
    pub files: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Files skipped because their content is binary (a NUL byte in the first 8 KiB).
    pub skipped_binary: u64,
    /// Files skipped because they exceed the size cap.
    pub skipped_large: u64,
    /// Files skipped because the global allowlist's paths exclude them.
    pub skipped_allowlisted: u64,
    /// Git blobs scanned.
    pub blobs: u64,
    /// Git commits walked.
    pub commits: u64,
    /// Errors that did not stop the scan (an unreadable file, a malformed manifest), each naming
    /// the file.
    pub errors: Vec<String>,
}

impl Stats {
    /// Adds `other`'s counters to these and appends its errors.
    pub fn merge(&mut self, other: Stats) {
        self.files = self.files.saturating_add(other.files);
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.skipped_binary = self.skipped_binary.saturating_add(other.skipped_binary);
        self.skipped_large = self.skipped_large.saturating_add(other.skipped_large);
        self.skipped_allowlisted = self.skipped_allowlisted.saturating_add(other.skipped_allowlisted);
        self.blobs = self.blobs.saturating_add(other.blobs);
        self.commits = self.commits.saturating_add(other.commits);
        self.errors.extend(other.errors);
    }
}
