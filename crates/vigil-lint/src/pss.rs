//! Pod Security Standards: levels, policy versions and the shared machinery of the checks.
//!
//! Semantics follow `k8s.io/pod-security-admission/policy`: each check has a level and one or
//! more implementations, each with the first policy version it applies to; evaluating at
//! version `v1.N` runs, for every check at or below the profile's level, the newest
//! implementation whose minimum version is at most `v1.N`. Versions newer than the newest
//! known one evaluate as the newest (`latest`). The `privileged` level runs no check.

use std::fmt;
use std::str::FromStr;

use vigil_core::{Finding, RuleMeta};
use vigil_k8s::{Container, PodTemplate};

use crate::config::ConfigError;
use crate::rule::{Ctx, Rule, Site};

/// The newest policy version vigil knows, `v1.37`. `latest` means this version.
pub const LATEST_MINOR: u32 = 37;

/// A Pod Security Standards level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// No restrictions.
    Privileged,
    /// Prevents known privilege escalations.
    Baseline,
    /// Hardening best practices.
    Restricted,
}

impl Level {
    /// `privileged`, `baseline` or `restricted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

/// A policy version: `latest` or `v1.N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// The newest version ([`LATEST_MINOR`]).
    Latest,
    /// `v1.N`.
    V1(u32),
}

impl Version {
    /// The minor version checks are selected by (`latest` and newer versions clamp to the newest).
    pub fn effective_minor(self) -> u32 {
        match self {
            Version::Latest => LATEST_MINOR,
            Version::V1(minor) => minor.min(LATEST_MINOR),
        }
    }
}

/// A level at a version, e.g. `restricted:latest` (the default) or `baseline:v1.30`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Profile {
    /// The level.
    pub level: Level,
    /// The version.
    pub version: Version,
}

impl Default for Profile {
    fn default() -> Self {
        Profile { level: Level::Restricted, version: Version::Latest }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            Version::Latest => write!(f, "{}:latest", self.level.as_str()),
            Version::V1(minor) => write!(f, "{}:v1.{minor}", self.level.as_str()),
        }
    }
}

impl FromStr for Profile {
    type Err = ConfigError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| ConfigError::Profile { value: value.to_string(), reason: reason.to_string() };
        let (level, version) = value.split_once(':').unwrap_or((value, "latest"));
        let level = match level.trim().to_ascii_lowercase().as_str() {
            "privileged" => Level::Privileged,
            "baseline" => Level::Baseline,
            "restricted" => Level::Restricted,
            _ => return Err(err("expected level `privileged`, `baseline` or `restricted`")),
        };
        let version = version.trim();
        let version = if version.eq_ignore_ascii_case("latest") {
            Version::Latest
        } else {
            // Pod Security Admission's version format is `v1.N` (the `v` is optional here).
            let digits = version.strip_prefix('v').unwrap_or(version);
            let minor = digits
                .strip_prefix("1.")
                .filter(|m| !m.is_empty() && m.len() <= 4 && m.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|m| m.parse::<u32>().ok())
                .ok_or_else(|| err("expected version `latest` or `v1.N`, e.g. `v1.30`"))?;
            Version::V1(minor)
        };
        Ok(Profile { level, version })
    }
}

/// The outcome of one check that forbids a pod: upstream's reason and detail, plus where.
pub(crate) struct Violation<'a> {
    pub(crate) reason: String,
    pub(crate) detail: String,
    pub(crate) sites: Vec<Site<'a>>,
}

impl<'a> Violation<'a> {
    pub(crate) fn new(reason: impl Into<String>, detail: impl Into<String>, sites: Vec<Site<'a>>) -> Self {
        Violation { reason: reason.into(), detail: detail.into(), sites }
    }

    /// Upstream's message for one check: `reason (detail)`, or `reason` when there is no detail.
    pub(crate) fn message(&self) -> String {
        if self.detail.is_empty() { self.reason.clone() } else { format!("{} ({})", self.reason, self.detail) }
    }
}

/// One implementation of a check.
pub(crate) type CheckFn = for<'a> fn(&PodTemplate<'a>) -> Option<Violation<'a>>;

/// A Pod Security Standards check, as upstream registers it.
pub(crate) struct PssRule {
    pub(crate) meta: RuleMeta,
    pub(crate) level: Level,
    /// `(minimum minor version, implementation)`, strictly increasing.
    pub(crate) versions: &'static [(u32, CheckFn)],
    /// From this minor version on, a restricted twin replaces this baseline check at the
    /// restricted level (upstream's `Overlap`).
    pub(crate) replaced_at_restricted_from: Option<u32>,
}

impl PssRule {
    /// The implementation that applies to `profile`, if any.
    pub(crate) fn implementation(&self, profile: Profile) -> Option<CheckFn> {
        if profile.level < self.level || self.level == Level::Privileged {
            return None;
        }
        let minor = profile.version.effective_minor();
        if profile.level == Level::Restricted && self.replaced_at_restricted_from.is_some_and(|from| minor >= from) {
            return None;
        }
        self.versions.iter().rev().find(|(min, _)| *min <= minor).map(|(_, f)| *f)
    }

    /// Evaluates the check on a pod template under `profile`.
    pub(crate) fn evaluate<'a>(&self, pod: &PodTemplate<'a>, profile: Profile) -> Option<Violation<'a>> {
        self.implementation(profile).and_then(|check| check(pod))
    }
}

impl Rule for PssRule {
    fn meta(&self) -> &RuleMeta {
        &self.meta
    }

    fn as_pss(&self) -> Option<&PssRule> {
        Some(self)
    }

    fn pod(&self, pod: &PodTemplate<'_>, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        if let Some(violation) = self.evaluate(pod, ctx.config.pss()) {
            out.extend(ctx.finding(&self.meta, violation.message(), &violation.sites));
        }
    }
}

// ---- helpers mirroring upstream's formatting ----

/// `"a", "b"` (upstream `joinQuote`).
pub(crate) fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let inner: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("\"{}\"", inner.join("\", \""))
}

/// Upstream `pluralize`.
pub(crate) fn plural<'s>(singular: &'s str, plural: &'s str, count: usize) -> &'s str {
    if count == 1 { singular } else { plural }
}

/// Sorted, de-duplicated (upstream `sets.NewString().List()`).
pub(crate) fn sorted_set(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items.dedup();
    items
}

/// Site of a field inside a container's `securityContext` (the key node), e.g.
/// `privileged` → `spec.containers[0].securityContext.privileged`.
pub(crate) fn container_field<'a>(pod: &PodTemplate<'a>, container: &Container<'a>, field: &str) -> Option<Site<'a>> {
    let (key, _) = container.node.get_path_entry(field)?;
    Some(Site::new(key, pod.spec_field(&format!("{}.{field}", container.path()))))
}

/// Site of a whole container (for something it fails to set).
pub(crate) fn container_site<'a>(pod: &PodTemplate<'a>, container: &Container<'a>) -> Site<'a> {
    Site::new(container.node, pod.spec_field(&container.path()))
}

/// Site of a pod spec field (the key node), e.g. `hostNetwork` or `securityContext.sysctls`.
pub(crate) fn spec_field<'a>(pod: &PodTemplate<'a>, field: &str) -> Option<Site<'a>> {
    let (key, _) = pod.spec.get_path_entry(field)?;
    Some(Site::new(key, pod.spec_field(field)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse() {
        assert_eq!("restricted".parse::<Profile>().ok(), Some(Profile::default()));
        assert_eq!(
            "baseline:v1.30".parse::<Profile>().ok(),
            Some(Profile { level: Level::Baseline, version: Version::V1(30) })
        );
        assert_eq!("Baseline:1.2".parse::<Profile>().ok().map(|p| p.version), Some(Version::V1(2)));
        assert!("baseline:v2.0".parse::<Profile>().is_err());
        assert!("strict".parse::<Profile>().is_err());
        assert!("baseline:v1.".parse::<Profile>().is_err());
        assert_eq!(Version::V1(99).effective_minor(), LATEST_MINOR);
        assert_eq!(Profile::default().to_string(), "restricted:latest");
    }

    #[test]
    fn formatting_matches_upstream() {
        assert_eq!(join_quote(&["a", "b"]), "\"a\", \"b\"");
        assert_eq!(join_quote::<&str>(&[]), "");
        assert_eq!(plural("container", "containers", 2), "containers");
    }
}
