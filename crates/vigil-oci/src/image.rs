//! An image from any local source: its manifest, config and layers, opened without extracting.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::manifest::{self, Config, Index, Manifest, Platform};
use crate::store::{Store, blob_path};
use crate::{Digest, Error, Limits};

/// Which kind of source an image came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A registry.
    Registry,
    /// An OCI image layout directory.
    OciDir,
    /// A tar of an OCI image layout.
    OciArchive,
    /// `docker save` output.
    DockerArchive,
    /// A directory (root file system or source tree).
    Dir,
    /// A single file.
    File,
}

/// One layer of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerInfo {
    /// The layer's identity: its uncompressed digest (`diff_id`) from the config, which is the
    /// same whichever way the image is stored.
    pub digest: String,
    /// Digest of the stored (possibly compressed) blob.
    pub blob_digest: String,
    /// Media type of the stored blob.
    pub media_type: String,
    /// Size of the stored blob.
    pub size: u64,
    /// Where the blob is inside the layout or archive.
    #[serde(skip)]
    pub(crate) entry: String,
    /// Whether the stored blob's digest can be checked (content-addressed blobs).
    #[serde(skip)]
    pub(crate) verify: Option<Digest>,
}

/// What an image is and where it came from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageInfo {
    /// Source kind.
    pub kind: SourceKind,
    /// The target as given (path or reference).
    pub target: String,
    /// Manifest digest, when the image has a manifest.
    pub manifest_digest: Option<String>,
    /// Config digest.
    pub config_digest: Option<String>,
    /// Platform from the config.
    pub platform: Option<Platform>,
    /// Layers, base first.
    pub layers: Vec<LayerInfo>,
}

/// An opened image (or directory/file source), ready to [walk](crate::walk).
#[derive(Debug, Clone)]
pub struct Image {
    /// Description of the image.
    pub info: ImageInfo,
    pub(crate) content: Content,
    pub(crate) limits: Limits,
    /// Pulled blobs live here until the image is dropped.
    pub(crate) _temp: Option<std::sync::Arc<tempfile::TempDir>>,
}

#[derive(Debug, Clone)]
pub(crate) enum Content {
    Layers(Store),
    Dir(PathBuf),
    File(PathBuf),
}

impl Image {
    /// Opens an OCI image layout directory. `tag` selects by the
    /// `org.opencontainers.image.ref.name` annotation; without it the layout must hold one image.
    pub fn open_oci_dir(root: &Path, tag: Option<&str>, platform: &Platform, limits: Limits) -> Result<Self, Error> {
        let store = Store::Layout(root.to_path_buf());
        if !store.has("index.json") {
            return Err(Error::NotAnImage {
                path: root.display().to_string(),
                expected: "an OCI image layout",
                reason: "no `index.json`".into(),
            });
        }
        from_layout(store, SourceKind::OciDir, root.display().to_string(), tag, platform, limits)
    }

    /// Opens a tar archive of an OCI image layout, reading entries in place.
    pub fn open_oci_archive(
        path: &Path,
        tag: Option<&str>,
        platform: &Platform,
        limits: Limits,
    ) -> Result<Self, Error> {
        let store = Store::index_archive(path, limits.max_entries)?;
        if !store.has("index.json") {
            return Err(Error::NotAnImage {
                path: path.display().to_string(),
                expected: "an OCI archive",
                reason: "no `index.json` in the archive".into(),
            });
        }
        from_layout(store, SourceKind::OciArchive, path.display().to_string(), tag, platform, limits)
    }

    /// Opens `docker save` output (`manifest.json` + layer tars), reading entries in place.
    /// `tag` selects among several images by their `RepoTags`.
    pub fn open_docker_archive(path: &Path, tag: Option<&str>, limits: Limits) -> Result<Self, Error> {
        let store = Store::index_archive(path, limits.max_entries)?;
        let location = path.display().to_string();
        if !store.has("manifest.json") {
            return Err(Error::NotAnImage {
                path: location,
                expected: "a docker archive",
                reason: "no `manifest.json` in the archive".into(),
            });
        }
        let bytes = store.read_small("manifest.json", limits.max_json_bytes)?;
        let entries: Vec<DockerEntry> = serde_json::from_slice(&bytes)
            .map_err(|source| Error::Json { what: format!("{location}: manifest.json"), source })?;
        let entry = match (tag, entries.as_slice()) {
            (_, []) => {
                return Err(Error::NotAnImage {
                    path: location,
                    expected: "a docker archive",
                    reason: "`manifest.json` lists no image".into(),
                });
            }
            (None, [only]) => only,
            (None, many) => {
                let tags: Vec<String> = many.iter().flat_map(|e| e.repo_tags.iter().cloned()).collect();
                return Err(Error::Ambiguous {
                    location,
                    reason: format!(
                        "the archive holds {} images, choose one with `:TAG` ({})",
                        many.len(),
                        tags.join(", ")
                    ),
                });
            }
            (Some(tag), many) => many
                .iter()
                .find(|e| e.repo_tags.iter().any(|t| t == tag || t.ends_with(&format!(":{tag}"))))
                .ok_or_else(|| Error::Ambiguous {
                    location: location.clone(),
                    reason: format!("no image tagged `{tag}`"),
                })?,
        };
        let config_name = entry.config.trim_start_matches("./").to_string();
        let config_bytes = store.read_small(&config_name, limits.max_json_bytes)?;
        let config: Config = serde_json::from_slice(&config_bytes)
            .map_err(|source| Error::Json { what: format!("{location}: {config_name}"), source })?;
        if config.rootfs.diff_ids.len() != entry.layers.len() {
            return Err(Error::NotAnImage {
                path: location,
                expected: "a docker archive",
                reason: format!(
                    "config lists {} layers, manifest.json {}",
                    config.rootfs.diff_ids.len(),
                    entry.layers.len()
                ),
            });
        }
        let mut layers = Vec::new();
        for (name, diff_id) in entry.layers.iter().zip(&config.rootfs.diff_ids) {
            let name = name.trim_start_matches("./").to_string();
            // Newer `docker save` writes content-addressed `blobs/sha256/<hex>`; older writes
            // `<id>/layer.tar`, uncompressed, whose digest is the diff_id.
            let verify =
                name.strip_prefix("blobs/sha256/").and_then(|hex| Digest::parse(&format!("sha256:{hex}")).ok());
            let size = match &store {
                Store::Archive { entries, .. } => entries.get(&name).map_or(0, |(_, s)| *s),
                Store::Layout(_) => 0,
            };
            layers.push(LayerInfo {
                digest: diff_id.clone(),
                blob_digest: verify.as_ref().map_or_else(|| diff_id.clone(), ToString::to_string),
                media_type: "application/vnd.docker.image.rootfs.diff.tar".into(),
                size,
                entry: name,
                verify,
            });
        }
        let platform = platform_of(&config);
        Ok(Image {
            info: ImageInfo {
                kind: SourceKind::DockerArchive,
                target: path.display().to_string(),
                manifest_digest: None,
                config_digest: Some(Digest::sha256_of(&config_bytes).to_string()),
                platform,
                layers,
            },
            content: Content::Layers(store),
            limits,
            _temp: None,
        })
    }

    /// A directory read as a single-layer file system (a root file system or a source tree).
    pub fn open_dir(root: &Path, limits: Limits) -> Result<Self, Error> {
        let meta = std::fs::metadata(root).map_err(|e| Error::io(root.display(), e))?;
        if !meta.is_dir() {
            return Err(Error::NotAnImage {
                path: root.display().to_string(),
                expected: "a directory",
                reason: "not a directory".into(),
            });
        }
        Ok(Image {
            info: plain_info(SourceKind::Dir, root),
            content: Content::Dir(root.to_path_buf()),
            limits,
            _temp: None,
        })
    }

    /// One file (a lockfile or binary).
    pub fn open_file(path: &Path, limits: Limits) -> Result<Self, Error> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display(), e))?;
        if !meta.is_file() {
            return Err(Error::NotAnImage {
                path: path.display().to_string(),
                expected: "a file",
                reason: "not a regular file".into(),
            });
        }
        Ok(Image {
            info: plain_info(SourceKind::File, path),
            content: Content::File(path.to_path_buf()),
            limits,
            _temp: None,
        })
    }
}

fn plain_info(kind: SourceKind, path: &Path) -> ImageInfo {
    ImageInfo {
        kind,
        target: path.display().to_string(),
        manifest_digest: None,
        config_digest: None,
        platform: None,
        layers: Vec::new(),
    }
}

#[derive(serde::Deserialize)]
struct DockerEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Vec<String>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

fn platform_of(config: &Config) -> Option<Platform> {
    (!config.os.is_empty() || !config.architecture.is_empty()).then(|| Platform {
        os: config.os.clone(),
        architecture: config.architecture.clone(),
        variant: config.variant.clone(),
    })
}

/// Reads a blob completely (small JSON documents), verifying its digest.
fn read_blob(store: &Store, digest: &str, limit: u64, what: &str) -> Result<Vec<u8>, Error> {
    let digest = Digest::parse(digest)?;
    let bytes = store.read_small(&blob_path(&digest), limit)?;
    let actual = if digest.algorithm() == "sha256" { Digest::sha256_of(&bytes) } else { digest.clone() };
    if actual != digest {
        return Err(Error::DigestMismatch {
            what: format!("{}: {what}", store.location()),
            expected: digest.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok(bytes)
}

fn from_layout(
    store: Store,
    kind: SourceKind,
    target: String,
    tag: Option<&str>,
    platform: &Platform,
    limits: Limits,
) -> Result<Image, Error> {
    let location = store.location();
    let index_bytes = store.read_small("index.json", limits.max_json_bytes)?;
    let index: Index = serde_json::from_slice(&index_bytes)
        .map_err(|source| Error::Json { what: format!("{location}: index.json"), source })?;
    let candidates: Vec<&manifest::Descriptor> = match tag {
        Some(tag) => index
            .manifests
            .iter()
            .filter(|d| {
                d.annotations
                    .as_ref()
                    .and_then(|a| a.get("org.opencontainers.image.ref.name"))
                    .is_some_and(|r| r == tag || r.ends_with(&format!(":{tag}")))
            })
            .collect(),
        None => index.manifests.iter().collect(),
    };
    let descriptor = match candidates.as_slice() {
        [] => {
            return Err(Error::Ambiguous {
                location,
                reason: match tag {
                    Some(tag) => format!("no image tagged `{tag}` in index.json"),
                    None => "index.json lists no image".into(),
                },
            });
        }
        [only] => (*only).clone(),
        many => {
            // Several entries: they may be per-platform manifests of one image.
            let as_index = Index { media_type: None, manifests: many.iter().map(|d| (*d).clone()).collect() };
            manifest::select(&as_index, platform, &location)
                .map_err(|e| match e {
                    Error::Ambiguous { .. } => {
                        let tags: Vec<String> = many
                            .iter()
                            .filter_map(|d| {
                                d.annotations.as_ref().and_then(|a| a.get("org.opencontainers.image.ref.name")).cloned()
                            })
                            .collect();
                        Error::Ambiguous {
                            location: location.clone(),
                            reason: format!(
                                "index.json lists {} images, choose one with `:TAG` ({})",
                                many.len(),
                                tags.join(", ")
                            ),
                        }
                    }
                    other => other,
                })?
                .clone()
        }
    };
    let (manifest_digest, manifest) = resolve_manifest(&store, descriptor, platform, limits, 0)?;
    let config_bytes = read_blob(&store, &manifest.config.digest, limits.max_json_bytes, "config")?;
    let config: Config = serde_json::from_slice(&config_bytes)
        .map_err(|source| Error::Json { what: format!("{location}: config {}", manifest.config.digest), source })?;
    let mut layers = Vec::new();
    for (i, layer) in manifest.layers.iter().enumerate() {
        let digest = Digest::parse(&layer.digest)?;
        layers.push(LayerInfo {
            digest: config.rootfs.diff_ids.get(i).cloned().unwrap_or_else(|| layer.digest.clone()),
            blob_digest: layer.digest.clone(),
            media_type: layer.media_type.clone(),
            size: layer.size,
            entry: blob_path(&digest),
            verify: Some(digest),
        });
    }
    Ok(Image {
        info: ImageInfo {
            kind,
            target,
            manifest_digest: Some(manifest_digest),
            config_digest: Some(manifest.config.digest.clone()),
            platform: platform_of(&config),
            layers,
        },
        content: Content::Layers(store),
        limits,
        _temp: None,
    })
}

/// Follows a descriptor through nested indexes to an image manifest.
fn resolve_manifest(
    store: &Store,
    descriptor: manifest::Descriptor,
    platform: &Platform,
    limits: Limits,
    depth: u32,
) -> Result<(String, Manifest), Error> {
    if depth > 4 {
        return Err(Error::NotAnImage {
            path: store.location(),
            expected: "an image",
            reason: "indexes nested more than 4 deep".into(),
        });
    }
    let bytes = read_blob(store, &descriptor.digest, limits.max_json_bytes, "manifest")?;
    let what = format!("{}: manifest {}", store.location(), descriptor.digest);
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|source| Error::Json { what: what.clone(), source })?;
    let media_type = json
        .get("mediaType")
        .and_then(|m| m.as_str())
        .map(str::to_string)
        .or(Some(descriptor.media_type.clone()).filter(|m| !m.is_empty()));
    if manifest::is_index(media_type.as_deref(), &json) {
        let index: Index = serde_json::from_value(json).map_err(|source| Error::Json { what: what.clone(), source })?;
        let chosen = manifest::select(&index, platform, &what)?.clone();
        return resolve_manifest(store, chosen, platform, limits, depth + 1);
    }
    if let Some(mt) = media_type.as_deref()
        && mt != manifest::media_type::OCI_MANIFEST
        && mt != manifest::media_type::DOCKER_MANIFEST
    {
        return Err(Error::UnsupportedMediaType { what, media_type: mt.to_string() });
    }
    let manifest: Manifest = serde_json::from_value(json).map_err(|source| Error::Json { what, source })?;
    Ok((descriptor.digest, manifest))
}
