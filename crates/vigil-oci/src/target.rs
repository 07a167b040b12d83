//! Image targets: `scheme:value` strings, as Syft spells them, or detection.

use std::io::Read;
use std::path::{Path, PathBuf};

use vigil_core::reference::ImageReference;

use crate::{Error, Image, Limits, Platform};

/// Where an image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `registry:REF`.
    Registry(ImageReference),
    /// `oci-dir:PATH[:TAG]`.
    OciDir(PathBuf, Option<String>),
    /// `oci-archive:FILE[:TAG]`.
    OciArchive(PathBuf, Option<String>),
    /// `docker-archive:FILE[:TAG]`.
    DockerArchive(PathBuf, Option<String>),
    /// `dir:PATH`.
    Dir(PathBuf),
    /// `file:PATH`.
    File(PathBuf),
}

/// How to open a target.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Platform to pick from an index (default `linux/amd64`).
    pub platform: Platform,
    /// Bounds.
    pub limits: Limits,
    /// Registry access (TLS, credentials).
    pub registry: crate::RegistryOptions,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            platform: Platform::linux_amd64(),
            limits: Limits::default(),
            registry: crate::RegistryOptions::default(),
        }
    }
}

/// `PATH[:TAG]` where the tag is split off only if `PATH:TAG` itself does not exist.
fn path_and_tag(value: &str) -> (PathBuf, Option<String>) {
    if Path::new(value).exists() {
        return (PathBuf::from(value), None);
    }
    match value.rsplit_once(':') {
        Some((path, tag)) if !tag.is_empty() && !tag.contains('/') => (PathBuf::from(path), Some(tag.to_string())),
        _ => (PathBuf::from(value), None),
    }
}

impl Target {
    /// Parses `scheme:value`; without a known scheme, an existing path is a directory, a file
    /// or an archive (by content), and anything else is a registry reference.
    pub fn parse(target: &str) -> Result<Self, Error> {
        let invalid = |reason: String| Error::InvalidTarget { target: target.to_string(), reason };
        if let Some((scheme, value)) = target.split_once(':') {
            let parsed = match scheme {
                "registry" | "docker" => {
                    Some(Target::Registry(ImageReference::parse(value).map_err(|e| invalid(e.to_string()))?))
                }
                "oci-dir" | "oci" => {
                    let (p, t) = path_and_tag(value);
                    Some(Target::OciDir(p, t))
                }
                "oci-archive" => {
                    let (p, t) = path_and_tag(value);
                    Some(Target::OciArchive(p, t))
                }
                "docker-archive" => {
                    let (p, t) = path_and_tag(value);
                    Some(Target::DockerArchive(p, t))
                }
                "dir" => Some(Target::Dir(PathBuf::from(value))),
                "file" => Some(Target::File(PathBuf::from(value))),
                _ => None,
            };
            if let Some(parsed) = parsed {
                return Ok(parsed);
            }
        }
        let path = Path::new(target);
        if path.is_dir() {
            return Ok(if path.join("index.json").is_file() && path.join("oci-layout").is_file() {
                Target::OciDir(path.to_path_buf(), None)
            } else {
                Target::Dir(path.to_path_buf())
            });
        }
        if path.is_file() {
            return Ok(sniff_archive(path).unwrap_or_else(|| Target::File(path.to_path_buf())));
        }
        ImageReference::parse(target).map(Target::Registry).map_err(|e| {
            invalid(format!("not an existing path, and not an image reference ({e}); use a scheme such as `dir:`, `oci-dir:`, `docker-archive:` or `registry:`"))
        })
    }

    /// Opens the target (pulling it, for registry targets).
    pub fn open(&self, options: &OpenOptions) -> Result<Image, Error> {
        match self {
            Target::OciDir(path, tag) => Image::open_oci_dir(path, tag.as_deref(), &options.platform, options.limits),
            Target::OciArchive(path, tag) => {
                Image::open_oci_archive(path, tag.as_deref(), &options.platform, options.limits)
            }
            Target::DockerArchive(path, tag) => Image::open_docker_archive(path, tag.as_deref(), options.limits),
            Target::Dir(path) => Image::open_dir(path, options.limits),
            Target::File(path) => Image::open_file(path, options.limits),
            Target::Registry(reference) => {
                crate::open_registry(reference, &options.platform, options.limits, &options.registry)
            }
        }
    }
}

/// A tar file holding `manifest.json` is a docker archive; one holding `index.json` an OCI archive.
fn sniff_archive(path: &Path) -> Option<Target> {
    let mut head = [0u8; 512];
    let mut file = std::fs::File::open(path).ok()?;
    file.read_exact(&mut head).ok()?;
    // ustar magic at offset 257.
    if head.get(257..262) != Some(b"ustar") {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let mut archive = tar::Archive::new(file);
    for entry in archive.entries().ok()?.take(10_000) {
        let entry = entry.ok()?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).trim_start_matches("./").to_string();
        match name.as_str() {
            "manifest.json" => return Some(Target::DockerArchive(path.to_path_buf(), None)),
            "index.json" | "oci-layout" => return Some(Target::OciArchive(path.to_path_buf(), None)),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(Target::parse("dir:/x").unwrap(), Target::Dir("/x".into()));
        assert_eq!(Target::parse("oci-dir:/nope:v1").unwrap(), Target::OciDir("/nope".into(), Some("v1".into())));
        assert_eq!(Target::parse("docker-archive:/nope.tar").unwrap(), Target::DockerArchive("/nope.tar".into(), None));
        assert!(matches!(Target::parse("alpine:3.19").unwrap(), Target::Registry(_)));
        assert!(matches!(Target::parse("registry:ghcr.io/a/b:1").unwrap(), Target::Registry(_)));
        assert!(Target::parse("NOT A REF").is_err());
    }
}
