//! A small synchronous registry client for what signing needs: resolving a reference to its
//! manifest digest, reading manifests and blobs, pushing blobs and tagged manifests. It runs
//! `oci-client` on a private current-thread runtime, like [`crate::open_registry`].

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use vigil_core::reference::ImageReference;

use crate::manifest::media_type;
use crate::registry::{describe, resolve_auth};
use crate::{Digest, Error, RegistryOptions};

/// Largest manifest or blob this client reads into memory (signature payloads and manifests
/// are a few KiB).
pub const MAX_CLIENT_BYTES: usize = 4 * 1024 * 1024;

const ACCEPTED: [&str; 4] =
    [media_type::OCI_MANIFEST, media_type::DOCKER_MANIFEST, media_type::OCI_INDEX, media_type::DOCKER_LIST];

/// A manifest as stored: its digest (of `bytes`), raw bytes and media type.
#[derive(Debug, Clone)]
pub struct RawManifest {
    /// `sha256:<hex>` of `bytes`.
    pub digest: String,
    /// The manifest exactly as the registry served it.
    pub bytes: Vec<u8>,
    /// The `mediaType` of the manifest; when the field is missing, the OCI manifest or index
    /// type its shape implies.
    pub media_type: String,
}

/// One entry of a referrers list: a manifest whose `subject` is the queried digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referrer {
    /// Digest of the referring manifest.
    pub digest: String,
    /// Its media type.
    pub media_type: String,
    /// Its `artifactType` (or its config media type), when the registry reports one.
    pub artifact_type: Option<String>,
}

/// Most referrers read for one digest.
pub const MAX_REFERRERS: usize = 1024;

/// A synchronous client for one registry.
pub struct RegistryClient {
    runtime: std::sync::Arc<tokio::runtime::Runtime>,
    client: Client,
    options: RegistryOptions,
    deadline: Option<std::time::Instant>,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient").field("options", &self.options).finish_non_exhaustive()
    }
}

impl RegistryClient {
    /// A client honouring `options` (plain HTTP, invalid certificates, credentials).
    ///
    /// # Errors
    /// [`Error::Registry`] when the I/O runtime cannot start.
    pub fn new(options: &RegistryOptions) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| {
            Error::Registry { registry: String::new(), reason: format!("cannot start the I/O runtime: {e}") }
        })?;
        Ok(Self::with_runtime(runtime, options))
    }

    /// A client for many threads at once: its I/O runtime has a worker thread of its own that
    /// drives every connection, so the clients made from it with [`RegistryClient::fork`] can
    /// be used concurrently, each call blocking only its own thread.
    ///
    /// # Errors
    /// [`Error::Registry`] when the I/O runtime cannot start.
    pub fn new_shared(options: &RegistryOptions) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("vigil-registry-io")
            .enable_all()
            .build()
            .map_err(|e| Error::Registry {
                registry: String::new(),
                reason: format!("cannot start the I/O runtime: {e}"),
            })?;
        Ok(Self::with_runtime(runtime, options))
    }

    /// Another client on the same runtime, HTTP connection pool and registry tokens, at the
    /// cost of a few reference counts (building a client loads TLS roots: milliseconds).
    /// Meant for clients made with [`RegistryClient::new_shared`]; forks of a
    /// [`RegistryClient::new`] client take turns driving their single-threaded runtime.
    #[must_use]
    pub fn fork(&self) -> Self {
        RegistryClient {
            runtime: std::sync::Arc::clone(&self.runtime),
            client: self.client.clone(),
            options: self.options.clone(),
            deadline: None,
        }
    }

    fn with_runtime(runtime: tokio::runtime::Runtime, options: &RegistryOptions) -> Self {
        let client = Client::new(ClientConfig {
            protocol: if options.plain_http { ClientProtocol::Http } else { ClientProtocol::Https },
            accept_invalid_certificates: options.insecure,
            read_timeout: options.timeout,
            connect_timeout: options.timeout,
            ..ClientConfig::default()
        });
        RegistryClient { runtime: std::sync::Arc::new(runtime), client, options: options.clone(), deadline: None }
    }

    /// Sets the instant by which every later call must have finished (`None`: only the
    /// per-call timeouts of [`RegistryOptions::timeout`]); a call still running then fails with
    /// [`Error::Registry`] `deadline exceeded`, so several calls share one budget.
    pub fn set_deadline(&mut self, deadline: Option<std::time::Instant>) {
        self.deadline = deadline;
    }

    /// Runs `call` on the client's runtime, ending it at the deadline.
    fn run<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, OciDistributionError>>,
    ) -> Result<T, OciDistributionError> {
        let Some(deadline) = self.deadline else {
            return self.runtime.block_on(call);
        };
        self.runtime.block_on(async {
            tokio::time::timeout_at(deadline.into(), call)
                .await
                .unwrap_or_else(|_| Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "deadline exceeded").into()))
        })
    }

    /// Resolves `reference` (tag or digest) to its manifest. A digest reference is checked
    /// against the content served.
    ///
    /// # Errors
    /// [`Error::Registry`] when the manifest is missing or the registry fails,
    /// [`Error::DigestMismatch`] when the content does not hash to the pinned digest.
    pub fn resolve(&self, reference: &ImageReference) -> Result<RawManifest, Error> {
        self.manifest(reference)?.ok_or_else(|| Error::Registry {
            registry: reference.registry().to_string(),
            reason: format!("manifest `{reference}` not found"),
        })
    }

    /// The manifest of `reference` (tag or digest), `None` when the registry answers 404.
    ///
    /// # Errors
    /// As [`RegistryClient::resolve`], except that a missing manifest is `Ok(None)`.
    pub fn manifest(&self, reference: &ImageReference) -> Result<Option<RawManifest>, Error> {
        let (target, auth, fail) = self.target(reference)?;
        let result = self.run(self.client.pull_manifest_raw(&target, &auth, &ACCEPTED));
        let (bytes, _) = match result {
            Ok(found) => found,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(fail(describe(&e))),
        };
        if bytes.len() > MAX_CLIENT_BYTES {
            return Err(fail(format!(
                "manifest is {} bytes, larger than the limit of {MAX_CLIENT_BYTES}",
                bytes.len()
            )));
        }
        let digest = Digest::sha256_of(&bytes).to_string();
        if let Some(pinned) = reference.digest()
            && pinned != digest
        {
            return Err(Error::DigestMismatch {
                what: format!("{reference}: manifest"),
                expected: pinned.to_string(),
                actual: digest,
            });
        }
        let json: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|source| Error::Json { what: format!("{reference}: manifest"), source })?;
        // OCI image-spec 1.1 makes `mediaType` optional (skopeo leaves it out); Docker schema 2
        // always has it, so a manifest without one is OCI, an index when it lists `manifests`.
        let media_type = match json.get("mediaType").and_then(|m| m.as_str()) {
            Some(media_type) => media_type.to_string(),
            None if json.get("manifests").is_some() => media_type::OCI_INDEX.to_string(),
            None => media_type::OCI_MANIFEST.to_string(),
        };
        Ok(Some(RawManifest { digest, bytes: bytes.to_vec(), media_type }))
    }

    /// The blob `digest` of `reference`'s repository, at most [`MAX_CLIENT_BYTES`], verified
    /// against its digest.
    ///
    /// # Errors
    /// [`Error::Registry`] when it cannot be pulled or is too large, [`Error::DigestMismatch`].
    pub fn blob(&self, reference: &ImageReference, digest: &str) -> Result<Vec<u8>, Error> {
        let expected = Digest::parse(digest)?;
        let (target, auth, fail) = self.target(reference)?;
        let mut out = Bounded(Vec::new());
        self.run(async {
            self.client.store_auth_if_needed(target.resolve_registry(), &auth).await;
            self.client.pull_blob(&target, digest, &mut out).await
        })
        .map_err(|e| fail(format!("pulling blob {digest}: {}", describe(&e))))?;
        let out = out.0;
        let actual = Digest::sha256_of(&out);
        if actual != expected {
            return Err(Error::DigestMismatch {
                what: format!("{reference}: blob"),
                expected: digest.to_string(),
                actual: actual.to_string(),
            });
        }
        Ok(out)
    }

    /// Pushes `bytes` as a blob of `reference`'s repository; returns its digest.
    ///
    /// # Errors
    /// [`Error::Registry`] when the push fails.
    pub fn push_blob(&self, reference: &ImageReference, bytes: &[u8]) -> Result<String, Error> {
        let digest = Digest::sha256_of(bytes).to_string();
        let (target, auth, fail) = self.target(reference)?;
        self.run(async {
            self.client.auth(&target, &auth, RegistryOperation::Push).await?;
            self.client.push_blob(&target, bytes.to_vec(), &digest).await
        })
        .map_err(|e| fail(format!("pushing blob {digest}: {}", describe(&e))))?;
        Ok(digest)
    }

    /// Pushes `bytes` as a manifest of `media_type` under `reference` (a tag or digest);
    /// returns the manifest digest.
    ///
    /// # Errors
    /// [`Error::Registry`] when the push fails.
    pub fn push_manifest(&self, reference: &ImageReference, bytes: &[u8], media_type: &str) -> Result<String, Error> {
        let digest = Digest::sha256_of(bytes).to_string();
        let (target, auth, fail) = self.target(reference)?;
        self.run(async {
            let Ok(content_type) = media_type.try_into() else {
                return Err(OciDistributionError::GenericError(Some(format!("invalid media type `{media_type}`"))));
            };
            self.client.auth(&target, &auth, RegistryOperation::Push).await?;
            self.client.push_manifest_raw(&target, bytes.to_vec(), content_type).await
        })
        .map_err(|e| fail(format!("pushing manifest `{reference}`: {}", describe(&e))))?;
        Ok(digest)
    }

    /// The manifests that refer to `digest` in `reference`'s repository (OCI 1.1): the
    /// registry's referrers API, or, where the registry does not implement it (404), the
    /// `sha256-<hex>` referrers tag schema; none when neither exists. At most
    /// [`MAX_REFERRERS`] entries are returned.
    ///
    /// # Errors
    /// [`Error::Registry`] when the registry fails otherwise.
    pub fn referrers(&self, reference: &ImageReference, digest: &str) -> Result<Vec<Referrer>, Error> {
        let pinned = ImageReference::parse(&format!("{}@{digest}", reference.name()))
            .map_err(|e| Error::Registry { registry: reference.registry().to_string(), reason: e.to_string() })?;
        let (target, auth, fail) = self.target(&pinned)?;
        let index = self
            .run(async {
                self.client.auth(&target, &auth, RegistryOperation::Pull).await?;
                self.client.pull_referrers(&target, None).await
            })
            .map_err(|e| fail(format!("listing referrers of `{pinned}`: {}", describe(&e))))?;
        Ok(index
            .manifests
            .into_iter()
            .take(MAX_REFERRERS)
            .map(|entry| Referrer {
                digest: entry.digest,
                media_type: entry.media_type,
                artifact_type: entry.artifact_type,
            })
            .collect())
    }

    #[allow(clippy::type_complexity)]
    fn target(
        &self,
        reference: &ImageReference,
    ) -> Result<(Reference, RegistryAuth, impl Fn(String) -> Error + use<>), Error> {
        let registry = reference.registry().to_string();
        let fail = move |reason: String| Error::Registry { registry: registry.clone(), reason };
        let target: Reference = crate::registry::oci_reference(reference);
        let auth = resolve_auth(reference.registry(), &self.options);
        Ok((target, auth, fail))
    }
}

/// An in-memory sink that refuses to grow past [`MAX_CLIENT_BYTES`], so a hostile registry
/// cannot make a small blob read exhaust memory.
struct Bounded(Vec<u8>);

impl tokio::io::AsyncWrite for Bounded {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.0.len().saturating_add(buf.len()) > MAX_CLIENT_BYTES {
            return std::task::Poll::Ready(Err(std::io::Error::other(format!(
                "blob is larger than the limit of {MAX_CLIENT_BYTES} bytes"
            ))));
        }
        self.0.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

fn is_not_found(error: &OciDistributionError) -> bool {
    match error {
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        OciDistributionError::ServerError { code, .. } => *code == 404,
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
            matches!(e.code, OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown | OciErrorCode::NotFound)
        }),
        _ => false,
    }
}
