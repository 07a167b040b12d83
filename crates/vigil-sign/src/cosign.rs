//! Image signatures stored the way cosign stores them (cosign 2.x): the signature of
//! image `repo@sha256:<hex>` lives in the OCI image manifest tagged `repo:sha256-<hex>.sig`, one
//! layer per signature. Each layer is the simple-signing payload
//! (`application/vnd.dev.cosign.simplesigning.v1+json`) with its base64 DER signature in the
//! annotation `dev.cosignproject.cosign/signature`; the config lists the payload digests.
//!
//! [`sign`] resolves a tag to its digest first and signs the digest, never the tag, and
//! appends to an existing signature manifest. [`verify`] trusts nothing the registry says: a
//! signature counts only when it verifies under the [`Authority`] (with the key, or keyless: see
//! [`crate::keyless`]) and its payload names the digest the reference resolves to now, so a
//! signature copied from another image, or a tag re-pointed after signing, is rejected.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use vigil_core::reference::ImageReference;
use vigil_oci::RegistryClient;

use crate::keyless::{Authority, CertificateSigner, Content, verify_layer};
use crate::keys::{KeyError, SigningKey};
use crate::payload::{SimpleSigning, parse_payload, payload_bytes};

/// Media type of a signature layer.
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Layer annotation holding the base64 signature.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// `artifactType` of a cosign signature stored as an OCI 1.1 referrer.
pub const SIGNATURE_ARTIFACT_TYPE: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
/// Most signatures read from one signature manifest.
pub const MAX_SIGNATURES: usize = 256;

/// Why signing or verification could not be done.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The registry could not be read or written.
    #[error(transparent)]
    Registry(#[from] vigil_oci::Error),
    /// Signing failed.
    #[error("signing: {0}")]
    Key(#[from] KeyError),
    /// A reference could not be built.
    #[error("invalid reference `{0}`")]
    Reference(String),
    /// The existing signature manifest is malformed.
    #[error("{tag}: malformed signature manifest: {reason}")]
    Manifest {
        /// The signature tag.
        tag: String,
        /// What was wrong.
        reason: String,
    },
    /// There is no signature manifest for the digest.
    #[error(
        "no signatures found for `{image}` ({digest}): tag `{tag}` does not exist and no OCI 1.1 referrer holds one"
    )]
    NoSignatures {
        /// The image as given.
        image: String,
        /// The digest it resolves to.
        digest: String,
        /// The signature tag looked up.
        tag: String,
    },
    /// Signatures exist but none verifies.
    #[error("no valid signature for `{image}` ({digest}): {}", .failures.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; "))]
    NoneVerified {
        /// The image as given.
        image: String,
        /// The digest it resolves to.
        digest: String,
        /// Why each signature was rejected, in layer order.
        failures: Vec<LayerFailure>,
    },
}

/// Why one signature layer was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LayerFailure {
    /// The layer is not a simple-signing payload.
    #[error("signature {index}: layer media type is `{media_type}`, expected `{SIMPLE_SIGNING_MEDIA_TYPE}`")]
    MediaType {
        /// Layer index.
        index: usize,
        /// What it was.
        media_type: String,
    },
    /// No or malformed signature annotation.
    #[error("signature {index}: {reason}")]
    Malformed {
        /// Layer index.
        index: usize,
        /// What was wrong.
        reason: String,
    },
    /// Keyless verification failed (certificate, identity, log entry or signature).
    #[error("signature {index}: {reason}")]
    Keyless {
        /// Layer index.
        index: usize,
        /// The precise reason.
        reason: String,
    },
    /// The signature does not verify with the key.
    #[error("signature {index}: signature does not verify with the given key")]
    BadSignature {
        /// Layer index.
        index: usize,
    },
    /// A valid signature over a different image: copied from another image, or the tag was
    /// re-pointed after signing.
    #[error(
        "signature {index}: payload signs `{signed}`, but the image is `{expected}` (signature copied from another image or tag re-pointed)"
    )]
    DigestMismatch {
        /// Layer index.
        index: usize,
        /// The digest the payload names.
        signed: String,
        /// The digest the reference resolves to.
        expected: String,
    },
}

/// One verified signature.
#[derive(Debug, Clone, Serialize)]
pub struct VerifiedSignature {
    /// The parsed payload.
    pub payload: SimpleSigning,
    /// The certificate that signed (keyless verification only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateSigner>,
    /// The layer annotations (signature and any others).
    pub annotations: BTreeMap<String, String>,
}

/// The result of [`verify`]: at least one signature verified.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The manifest digest that was checked.
    pub digest: String,
    /// The signatures that verified, in layer order.
    pub signatures: Vec<VerifiedSignature>,
}

/// The result of [`sign`].
#[derive(Debug, Clone)]
pub struct Signed {
    /// The manifest digest that was signed.
    pub digest: String,
    /// The signature tag written (`repo:sha256-<hex>.sig`).
    pub signature_tag: String,
    /// How many signatures the signature manifest now holds.
    pub signatures: usize,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    pub(crate) media_type: String,
    pub(crate) size: u64,
    pub(crate) digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) annotations: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SignatureManifest {
    pub(crate) schema_version: u32,
    pub(crate) media_type: String,
    pub(crate) config: Descriptor,
    pub(crate) layers: Vec<Descriptor>,
}

/// The signature tag of `digest` in `image`'s repository: `sha256:<hex>` -> `sha256-<hex>.sig`.
///
/// # Errors
/// [`Error::Reference`] when the result is not a valid reference.
pub fn signature_reference(image: &ImageReference, digest: &str) -> Result<ImageReference, Error> {
    suffixed_reference(image, digest, "sig")
}

/// `repo:sha256-<hex>.<suffix>`: cosign's tag scheme for signatures (`sig`), attestations
/// (`att`) and SBOMs (`sbom`).
pub(crate) fn suffixed_reference(image: &ImageReference, digest: &str, suffix: &str) -> Result<ImageReference, Error> {
    let text = format!("{}:{}.{suffix}", image.name(), digest.replace(':', "-"));
    ImageReference::parse(&text).map_err(|_| Error::Reference(text))
}

/// Signs the manifest `image` resolves to (a tag is resolved to its digest first) with `key`,
/// with `annotations` as the payload's `optional` claims, and stores the signature as cosign
/// does, appending to an existing signature manifest.
///
/// # Errors
/// Registry failures, a malformed existing signature manifest, or a signing failure.
pub fn sign(
    client: &RegistryClient,
    image: &ImageReference,
    key: &SigningKey,
    annotations: &BTreeMap<String, String>,
) -> Result<Signed, Error> {
    let digest = client.resolve(image)?.digest;
    let payload = payload_bytes(&image.name(), &digest, annotations);
    let signature = key.sign(&payload)?;
    let tag = signature_reference(image, &digest)?;
    let mut layers = match client.manifest(&tag)? {
        Some(existing) => parse_manifest(&tag, &existing.bytes)?.layers,
        None => Vec::new(),
    };
    let payload_digest = client.push_blob(image, &payload)?;
    layers.push(Descriptor {
        media_type: SIMPLE_SIGNING_MEDIA_TYPE.to_string(),
        size: payload.len() as u64,
        digest: payload_digest,
        annotations: Some(BTreeMap::from([(SIGNATURE_ANNOTATION.to_string(), BASE64.encode(&signature))])),
    });
    let count = layers.len();
    push_layers_manifest(client, image, &tag, layers)?;
    Ok(Signed { digest, signature_tag: tag.to_string(), signatures: count })
}

/// Writes the cosign-shaped manifest holding `layers` (already pushed) under `tag`.
pub(crate) fn push_layers_manifest(
    client: &RegistryClient,
    image: &ImageReference,
    tag: &ImageReference,
    layers: Vec<Descriptor>,
) -> Result<(), Error> {
    let config = config_bytes(&layers);
    let config_digest = client.push_blob(image, &config)?;
    let manifest = SignatureManifest {
        schema_version: 2,
        media_type: OCI_MANIFEST.to_string(),
        config: Descriptor {
            media_type: OCI_CONFIG.to_string(),
            size: config.len() as u64,
            digest: config_digest,
            annotations: None,
        },
        layers,
    };
    let bytes =
        serde_json::to_vec(&manifest).map_err(|e| Error::Manifest { tag: tag.to_string(), reason: e.to_string() })?;
    client.push_manifest(tag, &bytes, OCI_MANIFEST)?;
    Ok(())
}

/// Verifies the cosign signatures of the manifest `image` resolves to now with `key`.
///
/// # Errors
/// [`Error::NoSignatures`] without a signature manifest, [`Error::NoneVerified`] (with the
/// reason for every layer) when none verifies, or a registry failure.
pub fn verify<'a>(
    client: &RegistryClient,
    image: &ImageReference,
    authority: impl Into<Authority<'a>>,
) -> Result<Verification, Error> {
    let authority = authority.into();
    let digest = client.resolve(image)?.digest;
    let tag = signature_reference(image, &digest)?;
    let mut layers = match client.manifest(&tag)? {
        Some(found) => parse_manifest(&tag, &found.bytes)?.layers,
        None => Vec::new(),
    };
    // cosign's OCI 1.1 mode (`--registry-referrers-mode=oci-1-1`) stores each signature as a
    // referrer of the image instead of under the `.sig` tag.
    for (_, manifest) in referrer_manifests(client, image, &digest, &[SIGNATURE_ARTIFACT_TYPE])? {
        layers.extend(manifest.layers);
    }
    if layers.is_empty() {
        return Err(Error::NoSignatures { image: image.to_string(), digest, tag: tag.to_string() });
    }
    let mut signatures = Vec::new();
    let mut failures = Vec::new();
    for (index, layer) in layers.iter().enumerate().take(MAX_SIGNATURES) {
        match check_layer(client, image, authority, &digest, index, layer)? {
            Ok(signature) => signatures.push(signature),
            Err(failure) => failures.push(failure),
        }
    }
    if signatures.is_empty() {
        return Err(Error::NoneVerified { image: image.to_string(), digest, failures });
    }
    Ok(Verification { digest, signatures })
}

fn check_layer(
    client: &RegistryClient,
    image: &ImageReference,
    authority: Authority<'_>,
    digest: &str,
    index: usize,
    layer: &Descriptor,
) -> Result<Result<VerifiedSignature, LayerFailure>, Error> {
    if layer.media_type != SIMPLE_SIGNING_MEDIA_TYPE {
        return Ok(Err(LayerFailure::MediaType { index, media_type: layer.media_type.clone() }));
    }
    let annotations = layer.annotations.clone().unwrap_or_default();
    let Some(encoded) = annotations.get(SIGNATURE_ANNOTATION) else {
        return Ok(Err(LayerFailure::Malformed { index, reason: format!("no `{SIGNATURE_ANNOTATION}` annotation") }));
    };
    let Ok(signature) = BASE64.decode(encoded.trim()) else {
        return Ok(Err(LayerFailure::Malformed { index, reason: format!("`{SIGNATURE_ANNOTATION}` is not base64") }));
    };
    let payload = client.blob(image, &layer.digest)?;
    let certificate = match authority {
        Authority::Key(key) => {
            if key.verify(&payload, &signature).is_err() {
                return Ok(Err(LayerFailure::BadSignature { index }));
            }
            None
        }
        Authority::Keyless(keyless) => {
            let content = Content::Message { payload: &payload, signature_b64: encoded };
            match verify_layer(keyless, &content, &annotations) {
                Ok(signer) => Some(signer),
                Err(reason) => return Ok(Err(LayerFailure::Keyless { index, reason })),
            }
        }
    };
    let parsed = match parse_payload(&payload) {
        Ok(parsed) => parsed,
        Err(reason) => return Ok(Err(LayerFailure::Malformed { index, reason })),
    };
    if parsed.critical.image.docker_manifest_digest != digest {
        return Ok(Err(LayerFailure::DigestMismatch {
            index,
            signed: parsed.critical.image.docker_manifest_digest,
            expected: digest.to_string(),
        }));
    }
    Ok(Ok(VerifiedSignature { payload: parsed, certificate, annotations }))
}

/// Media type of an empty OCI config; registries' tag-schema indexes sometimes report it as the
/// artifact type of a referrer whose manifest says otherwise.
const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";

/// Most referrer manifests fetched for one digest.
pub(crate) const MAX_REFERRER_MANIFESTS: usize = 64;

/// The referrers of `digest` whose manifest's `artifactType` is one of `artifact_types`, with
/// their parsed manifests. An index entry is fetched when its reported artifact type matches or
/// is missing or the empty-config type (the tag-schema index may carry the config type); the
/// manifest's own `artifactType` decides.
pub(crate) fn referrer_manifests(
    client: &RegistryClient,
    image: &ImageReference,
    digest: &str,
    artifact_types: &[&str],
) -> Result<Vec<(ImageReference, SignatureManifest)>, Error> {
    let mut found = Vec::new();
    let candidates = client.referrers(image, digest)?.into_iter().filter(|r| match r.artifact_type.as_deref() {
        None | Some(OCI_EMPTY) => true,
        Some(kind) => artifact_types.contains(&kind),
    });
    for referrer in candidates.take(MAX_REFERRER_MANIFESTS) {
        let pinned = ImageReference::parse(&format!("{}@{}", image.name(), referrer.digest))
            .map_err(|_| Error::Reference(referrer.digest.clone()))?;
        let Some(raw) = client.manifest(&pinned)? else { continue };
        let json: serde_json::Value = serde_json::from_slice(&raw.bytes)
            .map_err(|e| Error::Manifest { tag: pinned.to_string(), reason: e.to_string() })?;
        let kind = json["artifactType"].as_str().or_else(|| json["config"]["mediaType"].as_str()).unwrap_or_default();
        if artifact_types.contains(&kind) {
            let manifest = parse_manifest(&pinned, &raw.bytes)?;
            found.push((pinned, manifest));
        }
    }
    Ok(found)
}

pub(crate) fn parse_manifest(tag: &ImageReference, bytes: &[u8]) -> Result<SignatureManifest, Error> {
    serde_json::from_slice(bytes).map_err(|e| Error::Manifest { tag: tag.to_string(), reason: e.to_string() })
}

/// The config cosign writes (go-containerregistry `empty.Image` plus one appended layer per
/// signature): one history entry and one diff ID per payload, in this key order.
fn config_bytes(layers: &[Descriptor]) -> Vec<u8> {
    let history = vec![r#"{"created":"0001-01-01T00:00:00Z"}"#; layers.len()].join(",");
    let diff_ids = layers.iter().map(|l| format!("\"{}\"", l.digest)).collect::<Vec<_>>().join(",");
    format!(
        r#"{{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{history}],"os":"","rootfs":{{"type":"layers","diff_ids":[{diff_ids}]}},"config":{{}}}}"#
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_matches_cosign() {
        let layer = Descriptor {
            media_type: SIMPLE_SIGNING_MEDIA_TYPE.into(),
            size: 247,
            digest: "sha256:b55a98787cc95fbf5180b30330fe133786fab1f68dc731bebdf9eb13afdab822".into(),
            annotations: None,
        };
        let expected = r#"{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["sha256:b55a98787cc95fbf5180b30330fe133786fab1f68dc731bebdf9eb13afdab822"]},"config":{}}"#;
        assert_eq!(String::from_utf8_lossy(&config_bytes(&[layer])), expected);
    }

    #[test]
    fn manifest_round_trips_cosign_sample() {
        let sample = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":233,"digest":"sha256:f4627b7c443f5e23a75aaa3ea543fd97a6ba6d786c1f2dc4a878b1d33b329f3c"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":247,"digest":"sha256:b55a98787cc95fbf5180b30330fe133786fab1f68dc731bebdf9eb13afdab822","annotations":{"dev.cosignproject.cosign/signature":"MEYCIQDzgGCnAFIur7yjRL17pVA9rJwAZsBpZrB+S5kho0Ko6QIhAJLDb38Yn4ojOw4xzYRUDInXdApDGDJ4TpGmIZT/827o"}}]}"#;
        let manifest: SignatureManifest = serde_json::from_str(sample).unwrap();
        assert_eq!(serde_json::to_string(&manifest).unwrap(), sample);
    }
}
