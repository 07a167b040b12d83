//! The SBOM document vigil produces and reads: where the packages came from, the
//! distribution, and the packages.

use serde::{Deserialize, Serialize};

use crate::Package;

/// What was catalogued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceInfo {
    /// `registry`, `oci-dir`, `oci-archive`, `docker-archive`, `dir`, `file` or `sbom`.
    pub kind: String,
    /// The target as given.
    pub target: String,
    /// Image manifest digest, when there is one.
    pub manifest_digest: Option<String>,
    /// Image config digest (the image ID).
    pub config_digest: Option<String>,
    /// `os/arch[/variant]` of the image.
    pub platform: Option<String>,
    /// Layer digests (diff IDs), base first.
    #[serde(default)]
    pub layers: Vec<String>,
}

/// The distribution of an image or root file system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DistroInfo {
    /// os-release `ID` (`debian`).
    pub id: String,
    /// os-release `VERSION_ID` (`12`).
    pub version_id: String,
    /// os-release `PRETTY_NAME`.
    pub pretty_name: Option<String>,
    /// OSV ecosystem of its packages (`Debian:12`), when OSV has one.
    pub ecosystem: Option<String>,
}

/// A file a cataloger could not read; cataloguing went on without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SbomError {
    /// The file.
    pub path: String,
    /// The layer it came from.
    pub layer: Option<String>,
    /// What was wrong.
    pub message: String,
}

/// vigil's SBOM (`vigil sbom --format json`, contract version 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sbom {
    /// Always 1.
    pub version: u32,
    /// What was catalogued.
    pub source: SourceInfo,
    /// The distribution, if one was found.
    pub distro: Option<DistroInfo>,
    /// Packages, sorted by ecosystem, name, version and purl.
    pub packages: Vec<Package>,
    /// Files that could not be catalogued.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<SbomError>,
}

impl Sbom {
    /// Package counts per ecosystem family (`Debian:12` counts as `Debian`), sorted by name.
    pub fn counts(&self) -> Vec<(String, usize)> {
        let mut counts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
        for p in &self.packages {
            *counts.entry(p.ecosystem.split(':').next().unwrap_or_default().to_string()).or_default() += 1;
        }
        counts.into_iter().collect()
    }
}
