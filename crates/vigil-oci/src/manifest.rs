//! OCI image-spec 1.1 and Docker v2 schema 2 manifests, indexes and configs.

use serde::{Deserialize, Serialize};

use crate::Error;

/// Media types vigil understands.
pub mod media_type {
    /// OCI image index.
    pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
    /// OCI image manifest.
    pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    /// Docker manifest list.
    pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
    /// Docker image manifest, schema 2.
    pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
}

/// A content descriptor (OCI image-spec, descriptor.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the referenced content.
    #[serde(default)]
    pub media_type: String,
    /// Digest of the content.
    pub digest: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: u64,
    /// Platform, for manifests in an index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
}

/// An image index / manifest list.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    /// Media type (optional in OCI).
    #[serde(default)]
    pub media_type: Option<String>,
    /// The manifests.
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
}

/// An image manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Media type (optional in OCI; umoci omits it).
    #[serde(default)]
    pub media_type: Option<String>,
    /// The config blob.
    pub config: Descriptor,
    /// Layers, base first.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
}

/// The parts of an image config vigil uses.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Config {
    /// CPU architecture.
    #[serde(default)]
    pub architecture: String,
    /// Operating system.
    #[serde(default)]
    pub os: String,
    /// CPU variant.
    #[serde(default)]
    pub variant: Option<String>,
    /// Root file system: uncompressed layer digests.
    #[serde(default)]
    pub rootfs: RootFs,
}

/// `rootfs` of a config.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RootFs {
    /// Digests of the uncompressed layers, base first.
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

/// `os/architecture[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// e.g. `linux`.
    #[serde(default)]
    pub os: String,
    /// e.g. `amd64`.
    #[serde(default)]
    pub architecture: String,
    /// e.g. `v8`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Platform {
    /// `linux/amd64`, the default.
    pub fn linux_amd64() -> Self {
        Platform { os: "linux".into(), architecture: "amd64".into(), variant: None }
    }

    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let parts: Vec<&str> = s.split('/').collect();
        let bad = || Error::InvalidTarget {
            target: s.to_string(),
            reason: "expected a platform `os/arch[/variant]`, e.g. `linux/arm64`".into(),
        };
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => {
                Ok(Platform { os: os.to_string(), architecture: arch.to_string(), variant: None })
            }
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform { os: os.to_string(), architecture: arch.to_string(), variant: Some(variant.to_string()) })
            }
            _ => Err(bad()),
        }
    }

    /// Whether an index entry's platform satisfies this request (a request without a variant
    /// accepts any variant, as container runtimes do; `arm64` defaults to variant `v8`).
    pub fn matches(&self, offered: &Platform) -> bool {
        if self.os != offered.os || self.architecture != offered.architecture {
            return false;
        }
        match (&self.variant, &offered.variant) {
            (None, _) => true,
            (Some(want), Some(have)) => want == have,
            (Some(want), None) => self.architecture == "arm64" && want == "v8",
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// Whether a media type (or its absence, with the given JSON) names an index.
pub(crate) fn is_index(media_type: Option<&str>, json: &serde_json::Value) -> bool {
    match media_type {
        Some(media_type::OCI_INDEX | media_type::DOCKER_LIST) => true,
        Some(media_type::OCI_MANIFEST | media_type::DOCKER_MANIFEST) => false,
        _ => json.get("manifests").is_some() && json.get("layers").is_none(),
    }
}

/// Picks the manifest for `platform` from an index.
pub(crate) fn select<'a>(index: &'a Index, platform: &Platform, location: &str) -> Result<&'a Descriptor, Error> {
    let images: Vec<&Descriptor> = index
        .manifests
        .iter()
        .filter(|d| {
            !matches!(d.media_type.as_str(), t if t.contains("attestation") || t.contains("sig"))
                && d.annotations.as_ref().and_then(|a| a.get("vnd.docker.reference.type")).is_none()
        })
        .collect();
    if let Some(found) = images.iter().find(|d| d.platform.as_ref().is_some_and(|p| platform.matches(p))) {
        return Ok(found);
    }
    // A single manifest without platform information is the image.
    if let [only] = images.as_slice()
        && only.platform.is_none()
    {
        return Ok(only);
    }
    let available: Vec<String> = images.iter().filter_map(|d| d.platform.as_ref().map(ToString::to_string)).collect();
    if available.is_empty() {
        return Err(Error::Ambiguous {
            location: location.to_string(),
            reason: format!("index has {} manifests and none names a platform", images.len()),
        });
    }
    Err(Error::NoMatchingPlatform { wanted: platform.to_string(), available: available.join(", ") })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn platforms() {
        let p = Platform::parse("linux/arm64/v8").unwrap();
        assert_eq!(p.to_string(), "linux/arm64/v8");
        assert!(Platform::parse("linux").is_err());
        assert!(Platform::parse("linux/amd64").unwrap().matches(&Platform::linux_amd64()));
        let arm = Platform { os: "linux".into(), architecture: "arm64".into(), variant: None };
        assert!(p.matches(&arm));
    }
}
