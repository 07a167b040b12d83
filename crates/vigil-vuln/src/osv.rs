//! OSV records (<https://ossf.github.io/osv-schema/>), the parts vigil stores and matches on.

use serde::{Deserialize, Serialize};

/// One OSV advisory.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Advisory {
    /// `GHSA-…`, `PYSEC-…`, `GO-…`, `RUSTSEC-…`, `DSA-…`, `CVE-…`.
    pub id: String,
    /// RFC 3339 time of the last change; newer records replace older ones on import.
    #[serde(default)]
    pub modified: String,
    /// RFC 3339 publication time.
    #[serde(default)]
    pub published: Option<String>,
    /// Set when the advisory was withdrawn; withdrawn records never match.
    #[serde(default)]
    pub withdrawn: Option<String>,
    /// Other IDs of the same vulnerability.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// One-line summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// Longer description.
    #[serde(default)]
    pub details: Option<String>,
    /// Severity vectors (`CVSS_V3`, `CVSS_V4`, …).
    #[serde(default)]
    pub severity: Vec<Severity>,
    /// Affected packages.
    #[serde(default)]
    pub affected: Vec<Affected>,
    /// Links.
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Free-form data; GHSA records carry a `severity` word here.
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

/// A severity entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Severity {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector (or the ecosystem's own severity word).
    pub score: String,
}

/// A reference link.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Reference {
    /// `ADVISORY`, `FIX`, `WEB`, …
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The URL.
    #[serde(default)]
    pub url: String,
}

/// An affected package.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Affected {
    /// The package.
    #[serde(default)]
    pub package: Option<PackageId>,
    /// Version ranges.
    #[serde(default)]
    pub ranges: Vec<Range>,
    /// Explicitly affected versions.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Per-ecosystem data (e.g. a severity word).
    #[serde(default)]
    pub ecosystem_specific: Option<serde_json::Value>,
    /// Per-database data.
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
    /// Severity specific to this package.
    #[serde(default)]
    pub severity: Vec<Severity>,
}

/// The package of an `affected` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct PackageId {
    /// OSV ecosystem, e.g. `PyPI`, `Debian:12`.
    #[serde(default)]
    pub ecosystem: String,
    /// Package name as the ecosystem spells it.
    #[serde(default)]
    pub name: String,
    /// Optional purl.
    #[serde(default)]
    pub purl: Option<String>,
}

/// A version range.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Range {
    /// `SEMVER`, `ECOSYSTEM` or `GIT` (ignored).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Events in order.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// A range event: exactly one field is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Event {
    /// The first affected version (`0` = all before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    /// The first fixed version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// The last affected version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
    /// Upper bound of the range (exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

/// How vigil keys package names: PyPI names are PEP 503-normalised (`Django_REST.framework`
/// → `django-rest-framework`), everything else is exact.
pub fn normalise_name(ecosystem: &str, name: &str) -> String {
    if ecosystem.split(':').next() == Some("PyPI") {
        let mut out = String::with_capacity(name.len());
        let mut last_sep = false;
        for c in name.chars() {
            if matches!(c, '-' | '_' | '.') {
                if !last_sep {
                    out.push('-');
                }
                last_sep = true;
            } else {
                out.extend(c.to_lowercase());
                last_sep = false;
            }
        }
        out
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_names_are_normalised() {
        assert_eq!(normalise_name("PyPI", "Django_REST..framework"), "django-rest-framework");
        assert_eq!(normalise_name("npm", "Foo_Bar"), "Foo_Bar");
    }
}
