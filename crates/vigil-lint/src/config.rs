//! What a lint run checks: the Pod Security Standards profile, registries and rule selection.

use std::collections::HashMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use vigil_core::{RuleMeta, Severity};

use crate::pss::Profile;

/// Settings for a lint run. Build with [`LintConfig::default`] and the setters.
#[derive(Debug, Clone, Default)]
pub struct LintConfig {
    pub(crate) profile: Profile,
    pub(crate) allowed_registries: Option<(Vec<String>, GlobSet)>,
    pub(crate) select: Vec<String>,
    pub(crate) ignore: Vec<String>,
    pub(crate) severities: HashMap<String, Severity>,
}

/// A bad setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `--pss` value not understood.
    #[error("invalid Pod Security Standards profile `{value}`: {reason}")]
    Profile {
        /// The value given.
        value: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A registry pattern is not a valid glob.
    #[error("invalid registry pattern `{pattern}`: {reason}")]
    RegistryPattern {
        /// The pattern.
        pattern: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A rule ID or family that no rule has.
    #[error("unknown rule or rule family `{0}`, see `vigil rules`")]
    UnknownRule(String),
}

impl LintConfig {
    /// Sets the Pod Security Standards profile, `LEVEL[:VERSION]` (e.g. `baseline:v1.30`,
    /// `restricted`, `restricted:latest`, `privileged`). The default is `restricted:latest`.
    pub fn with_pss(mut self, value: &str) -> Result<Self, ConfigError> {
        self.profile = value.parse()?;
        Ok(self)
    }

    /// The Pod Security Standards profile in force.
    pub fn pss(&self) -> Profile {
        self.profile
    }

    /// Restricts images to registries matching one of `patterns` (globs over the normalised
    /// registry host, e.g. `ghcr.io`, `*.example.com`, `registry.local:5000`; a pattern with a
    /// `/` matches against `registry/repository`, e.g. `docker.io/library/*`). With no call,
    /// `image/untrusted-registry` reports nothing.
    pub fn with_allowed_registries<S: AsRef<str>>(mut self, patterns: &[S]) -> Result<Self, ConfigError> {
        let mut builder = GlobSetBuilder::new();
        let mut kept = Vec::new();
        for pattern in patterns {
            let pattern = pattern.as_ref();
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .case_insensitive(true)
                .build()
                .or_else(|_| Glob::new(pattern))
                .map_err(|e| ConfigError::RegistryPattern {
                    pattern: pattern.to_string(),
                    reason: e.kind().to_string(),
                })?;
            builder.add(glob);
            kept.push(pattern.to_string());
        }
        let set = builder
            .build()
            .map_err(|e| ConfigError::RegistryPattern { pattern: kept.join(", "), reason: e.to_string() })?;
        self.allowed_registries = Some((kept, set));
        Ok(self)
    }

    /// Runs only rules whose ID or family is listed (empty = all rules).
    pub fn with_select<S: AsRef<str>>(mut self, ids: &[S]) -> Result<Self, ConfigError> {
        self.select = validate_ids(ids)?;
        Ok(self)
    }

    /// Skips rules whose ID or family is listed.
    pub fn with_ignore<S: AsRef<str>>(mut self, ids: &[S]) -> Result<Self, ConfigError> {
        self.ignore = validate_ids(ids)?;
        Ok(self)
    }

    /// Overrides the severity of a rule (by ID or family).
    pub fn with_severity(mut self, id: &str, severity: Severity) -> Result<Self, ConfigError> {
        validate_ids(&[id])?;
        self.severities.insert(id.to_string(), severity);
        Ok(self)
    }

    pub(crate) fn is_enabled(&self, meta: &RuleMeta) -> bool {
        let matches = |sel: &String| sel == meta.id || sel == meta.family();
        (self.select.is_empty() || self.select.iter().any(matches)) && !self.ignore.iter().any(matches)
    }

    pub(crate) fn severity_of(&self, meta: &RuleMeta) -> Severity {
        self.severities.get(meta.id).or_else(|| self.severities.get(meta.family())).copied().unwrap_or(meta.severity)
    }
}

fn validate_ids<S: AsRef<str>>(ids: &[S]) -> Result<Vec<String>, ConfigError> {
    let rules = crate::rules();
    ids.iter()
        .map(|id| {
            let id = id.as_ref();
            if rules.iter().any(|r| r.id == id || r.family() == id) {
                Ok(id.to_string())
            } else {
                Err(ConfigError::UnknownRule(id.to_string()))
            }
        })
        .collect()
}
