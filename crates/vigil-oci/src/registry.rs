//! Images from an OCI Distribution registry (the real API, through `oci-client`): manifests
//! and indexes (OCI and Docker v2 schema 2) with platform selection, configs and layers
//! digest-verified, anonymous / basic / bearer-token auth, credentials from Docker's config
//! file. Layers are streamed into a private temporary directory (compressed, as pulled) and
//! read from there like an OCI layout, so memory stays small whatever the image size.

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine as _;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::manifest::OciDescriptor;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use vigil_core::reference::ImageReference;

use crate::image::{Content, Image, ImageInfo, LayerInfo, SourceKind};
use crate::manifest::{self, Config, Index, Manifest, Platform, media_type};
use crate::store::{Store, blob_path};
use crate::{Digest, Error, Limits};

/// How to talk to a registry.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Use plain HTTP (only when asked: `--plain-http`).
    pub plain_http: bool,
    /// Accept invalid TLS certificates (only when asked: `--insecure`).
    pub insecure: bool,
    /// Explicit credentials; otherwise Docker's config file is consulted, then anonymous.
    pub credentials: Option<Credentials>,
    /// Docker config file to read credentials from (default: `REGISTRY_AUTH_FILE`,
    /// `$DOCKER_CONFIG/config.json`, `~/.docker/config.json`).
    pub auth_file: Option<PathBuf>,
    /// Called with a short message as each blob is pulled (`pulling 2/5 sha256:…`).
    pub progress: Option<Progress>,
    /// Deadline for connecting and for each read (the admission webhook derives it from its
    /// own timeout); `None` leaves the HTTP client's defaults.
    pub timeout: Option<std::time::Duration>,
}

/// A progress sink for pulls.
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

/// Registry credentials. `Debug` never shows the secret.
#[derive(Clone)]
pub enum Credentials {
    /// HTTP basic (or token exchange with basic credentials).
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
    /// A bearer token.
    Bearer(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Basic { username, .. } => write!(f, "Basic({username}, ****)"),
            Credentials::Bearer(_) => f.write_str("Bearer(****)"),
        }
    }
}

const ACCEPTED: [&str; 4] =
    [media_type::OCI_INDEX, media_type::DOCKER_LIST, media_type::OCI_MANIFEST, media_type::DOCKER_MANIFEST];

/// Opens `reference` from its registry: resolves the tag (or index) to the manifest for
/// `platform`, then pulls config and layers.
pub fn open_registry(
    reference: &ImageReference,
    platform: &Platform,
    limits: Limits,
    options: &RegistryOptions,
) -> Result<Image, Error> {
    let registry = reference.registry().to_string();
    let fail = |reason: String| Error::Registry { registry: registry.clone(), reason };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the I/O runtime: {e}")))?;
    let client = Client::new(ClientConfig {
        protocol: if options.plain_http { ClientProtocol::Http } else { ClientProtocol::Https },
        accept_invalid_certificates: options.insecure,
        ..ClientConfig::default()
    });
    let auth = resolve_auth(&registry, options);
    let target: Reference = oci_reference(reference);
    let dir =
        tempfile::Builder::new().prefix("vigil-image-").tempdir().map_err(|e| Error::io("temporary directory", e))?;
    runtime.block_on(async {
        let (bytes, digest) =
            client.pull_manifest_raw(&target, &auth, &ACCEPTED).await.map_err(|e| fail(describe(&e)))?;
        let mut digest = checked(&bytes, &digest, reference.digest(), "manifest").map_err(|e| relabel(e, &registry))?;
        if bytes.len() as u64 > limits.max_json_bytes {
            return Err(fail(format!(
                "manifest is {} bytes, larger than the limit of {}",
                bytes.len(),
                limits.max_json_bytes
            )));
        }
        let json: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|source| Error::Json { what: format!("{reference}: manifest"), source })?;
        let mut manifest_bytes = bytes.to_vec();
        if manifest::is_index(json.get("mediaType").and_then(|m| m.as_str()), &json) {
            let index: Index = serde_json::from_value(json)
                .map_err(|source| Error::Json { what: format!("{reference}: index"), source })?;
            let chosen = manifest::select(&index, platform, &reference.to_string())?.clone();
            let by_digest: Reference = Reference::with_digest(
                reference.registry().to_string(),
                reference.repository().to_string(),
                chosen.digest.clone(),
            );
            let (bytes, got) =
                client.pull_manifest_raw(&by_digest, &auth, &ACCEPTED).await.map_err(|e| fail(describe(&e)))?;
            digest = checked(&bytes, &got, Some(&chosen.digest), "manifest").map_err(|e| relabel(e, &registry))?;
            manifest_bytes = bytes.to_vec();
        }
        let parsed: Manifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|source| Error::Json { what: format!("{reference}: manifest {digest}"), source })?;
        // The config and every layer are written as content-addressed blobs of a private
        // layout, then verified again as they are read.
        std::fs::create_dir_all(dir.path().join("blobs/sha256")).map_err(|e| Error::io(dir.path().display(), e))?;
        let mut descriptors = vec![parsed.config.clone()];
        descriptors.extend(parsed.layers.iter().cloned());
        for (i, descriptor) in descriptors.iter().enumerate() {
            if let Some(progress) = &options.progress {
                let short = descriptor.digest.get(..19).unwrap_or(&descriptor.digest);
                (progress.0)(&format!("pulling {}/{} {short} ({} bytes)", i + 1, descriptors.len(), descriptor.size));
            }
            let blob = Digest::parse(&descriptor.digest)?;
            let path = dir.path().join(blob_path(&blob));
            let file = tokio::fs::File::create(&path).await.map_err(|e| Error::io(path.display(), e))?;
            let oci = OciDescriptor {
                media_type: descriptor.media_type.clone(),
                digest: descriptor.digest.clone(),
                size: i64::try_from(descriptor.size).unwrap_or(0),
                ..OciDescriptor::default()
            };
            client
                .pull_blob(&target, &oci, file)
                .await
                .map_err(|e| fail(format!("pulling blob {}: {}", descriptor.digest, describe(&e))))?;
        }
        let store = Store::Layout(dir.path().to_path_buf());
        let config_bytes =
            store.read_small(&blob_path(&Digest::parse(&parsed.config.digest)?), limits.max_json_bytes)?;
        if Digest::sha256_of(&config_bytes).as_str() != parsed.config.digest {
            return Err(Error::DigestMismatch {
                what: format!("{reference}: config"),
                expected: parsed.config.digest.clone(),
                actual: Digest::sha256_of(&config_bytes).to_string(),
            });
        }
        let config: Config = serde_json::from_slice(&config_bytes)
            .map_err(|source| Error::Json { what: format!("{reference}: config"), source })?;
        let layers = parsed
            .layers
            .iter()
            .enumerate()
            .map(|(i, layer)| {
                let blob = Digest::parse(&layer.digest)?;
                Ok(LayerInfo {
                    digest: config.rootfs.diff_ids.get(i).cloned().unwrap_or_else(|| layer.digest.clone()),
                    blob_digest: layer.digest.clone(),
                    media_type: layer.media_type.clone(),
                    size: layer.size,
                    entry: blob_path(&blob),
                    verify: Some(blob),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let platform = (!config.os.is_empty()).then(|| Platform {
            os: config.os.clone(),
            architecture: config.architecture.clone(),
            variant: config.variant.clone(),
        });
        Ok(Image {
            info: ImageInfo {
                kind: SourceKind::Registry,
                target: reference.to_string(),
                manifest_digest: Some(digest),
                config_digest: Some(parsed.config.digest.clone()),
                platform,
                layers,
            },
            content: Content::Layers(store),
            limits,
            _temp: Some(Arc::new(dir)),
        })
    })
}

/// Checks that `bytes` hash to the digest the registry announced and, when the reference
/// pinned one, to that digest too (a registry cannot swap content behind a digest).
fn checked(bytes: &[u8], announced: &str, pinned: Option<&str>, what: &str) -> Result<String, Error> {
    let actual = Digest::sha256_of(bytes).to_string();
    for expected in [Some(announced), pinned].into_iter().flatten() {
        if expected.starts_with("sha256:") && expected != actual {
            return Err(Error::DigestMismatch { what: what.to_string(), expected: expected.to_string(), actual });
        }
    }
    Ok(actual)
}

fn relabel(error: Error, registry: &str) -> Error {
    match error {
        Error::DigestMismatch { what, expected, actual } => {
            Error::DigestMismatch { what: format!("{registry}: {what}"), expected, actual }
        }
        other => other,
    }
}

/// One line for an `oci-client` error, with a hint for the common cases.
pub(crate) fn describe(error: &oci_client::errors::OciDistributionError) -> String {
    let text = error.to_string();
    let lower = text.to_ascii_lowercase();
    if lower.contains("authorized")
        || lower.contains("401")
        || lower.contains("authenticat")
        || lower.contains("denied")
    {
        format!(
            "{text} (hint: pass `--username` and the password on stdin or in VIGIL_REGISTRY_PASSWORD, or log in with `docker login`)"
        )
    } else if lower.contains("certificate") || lower.contains("tls") {
        format!("{text} (hint: `--insecure` skips certificate checks; `--plain-http` for registries without TLS)")
    } else {
        text
    }
}

/// Explicit credentials, else Docker's config file, else anonymous.
pub(crate) fn resolve_auth(registry: &str, options: &RegistryOptions) -> RegistryAuth {
    match &options.credentials {
        Some(Credentials::Basic { username, password }) => {
            return RegistryAuth::Basic(username.clone(), password.clone());
        }
        Some(Credentials::Bearer(token)) => return RegistryAuth::Bearer(token.clone()),
        None => {}
    }
    docker_config_auth(registry, options.auth_file.as_deref()).unwrap_or(RegistryAuth::Anonymous)
}

/// Reads `auths` of a Docker config file (`{"auths": {"host": {"auth": base64(user:pass)}}}`).
/// Credential helpers (`credsStore`) are not run.
pub fn docker_config_auth(registry: &str, explicit: Option<&std::path::Path>) -> Option<RegistryAuth> {
    let path = explicit.map(PathBuf::from).or_else(|| {
        std::env::var_os("REGISTRY_AUTH_FILE")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("DOCKER_CONFIG").map(|d| PathBuf::from(d).join("config.json")))
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json")))
    })?;
    let bytes = std::fs::read(path).ok()?;
    let config: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let auths = config.get("auths")?.as_object()?;
    let keys: Vec<String> = if registry == "docker.io" {
        vec![
            "https://index.docker.io/v1/".into(),
            "index.docker.io".into(),
            "docker.io".into(),
            "registry-1.docker.io".into(),
        ]
    } else {
        vec![
            registry.to_string(),
            format!("https://{registry}"),
            format!("http://{registry}"),
            format!("https://{registry}/v1/"),
        ]
    };
    let entry = keys.iter().find_map(|k| auths.get(k))?;
    if let Some(token) = entry.get("registrytoken").and_then(|t| t.as_str()) {
        return Some(RegistryAuth::Bearer(token.to_string()));
    }
    if let (Some(user), Some(pass)) =
        (entry.get("username").and_then(|u| u.as_str()), entry.get("password").and_then(|p| p.as_str()))
    {
        return Some(RegistryAuth::Basic(user.to_string(), pass.to_string()));
    }
    let encoded = entry.get("auth")?.as_str()?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some(RegistryAuth::Basic(user.to_string(), pass.to_string()))
}

/// The `oci-client` reference for an already-validated image reference, built field by field:
/// parsing the string again would compile oci-spec's reference regex on every run (~20 ms).
pub(crate) fn oci_reference(reference: &ImageReference) -> Reference {
    let (registry, repository) = (reference.registry().to_string(), reference.repository().to_string());
    match (reference.tag(), reference.digest()) {
        (Some(tag), Some(digest)) => {
            Reference::with_tag_and_digest(registry, repository, tag.to_string(), digest.to_string())
        }
        (None, Some(digest)) => Reference::with_digest(registry, repository, digest.to_string()),
        (Some(tag), None) => Reference::with_tag(registry, repository, tag.to_string()),
        (None, None) => Reference::with_tag(registry, repository, "latest".to_string()),
    }
}
