//! In-toto attestations stored the way cosign stores them (cosign 2.x): the
//! attestations of `repo@sha256:<hex>` live in the OCI manifest tagged `repo:sha256-<hex>.att`,
//! one layer per attestation. Each layer is a DSSE envelope
//! (`application/vnd.dsse.envelope.v1+json`) over an in-toto statement whose subject is the
//! image digest, annotated with its `predicateType`.
//!
//! [`attest`] signs the digest a tag resolves to and appends to existing attestations.
//! [`verify`] accepts an attestation only when its envelope verifies under the authority (key or
//! keyless, see [`crate::keyless`]), its statement
//! names the digest the reference resolves to now, and (when asked) its predicate type matches.

use std::collections::BTreeMap;

use serde::Serialize;
use vigil_core::reference::ImageReference;
use vigil_oci::RegistryClient;

use crate::bundle::{Subject, parse_bundle};
use crate::cosign::{
    Descriptor, Error, SIGNATURE_ANNOTATION, parse_manifest, push_layers_manifest, referrer_manifests,
    suffixed_reference,
};
use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::keyless::{Authority, CertificateSigner, Content, verify_certificate_bundle, verify_layer};
use crate::keys::SigningKey;

/// Media type of an attestation layer.
pub const DSSE_MEDIA_TYPE: &str = "application/vnd.dsse.envelope.v1+json";
/// Layer annotation naming the predicate type.
pub const PREDICATE_TYPE_ANNOTATION: &str = "predicateType";
/// The in-toto statement type vigil writes.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// Most attestations read from one manifest.
pub const MAX_ATTESTATIONS: usize = 256;

/// cosign's short predicate type names and the URIs they stand for.
pub const PREDICATE_ALIASES: &[(&str, &str)] = &[
    ("slsaprovenance", "https://slsa.dev/provenance/v0.2"),
    ("slsaprovenance02", "https://slsa.dev/provenance/v0.2"),
    ("slsaprovenance1", "https://slsa.dev/provenance/v1"),
    ("spdx", "https://spdx.dev/Document"),
    ("spdxjson", "https://spdx.dev/Document"),
    ("cyclonedx", "https://cyclonedx.org/bom"),
    ("vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"),
    ("openvex", "https://openvex.dev/ns"),
    ("custom", "https://cosign.sigstore.dev/attestation/v1"),
];

/// The predicate type URI for a cosign short name, or the input when it is already a URI.
pub fn predicate_type_uri(name: &str) -> &str {
    PREDICATE_ALIASES.iter().find(|(alias, _)| *alias == name).map_or(name, |(_, uri)| uri)
}

/// Why one attestation layer was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AttestationFailure {
    /// The layer is not a DSSE envelope.
    #[error("attestation {index}: layer media type is `{media_type}`, expected `{DSSE_MEDIA_TYPE}`")]
    MediaType {
        /// Layer index.
        index: usize,
        /// What it was.
        media_type: String,
    },
    /// The envelope or statement is malformed, or the signature does not verify.
    #[error("attestation {index}: {reason}")]
    Invalid {
        /// Layer index.
        index: usize,
        /// What was wrong.
        reason: String,
    },
    /// A valid attestation about a different image.
    #[error(
        "attestation {index}: statement subject does not name `{expected}` (copied from another image or tag re-pointed)"
    )]
    SubjectMismatch {
        /// Layer index.
        index: usize,
        /// The digest the reference resolves to.
        expected: String,
    },
    /// A valid attestation of another predicate type than the one asked for.
    #[error("attestation {index}: predicate type is `{found}`, expected `{expected}`")]
    PredicateType {
        /// Layer index.
        index: usize,
        /// What the statement says.
        found: String,
        /// What was asked for.
        expected: String,
    },
}

/// One verified attestation.
#[derive(Debug, Clone, Serialize)]
pub struct VerifiedAttestation {
    /// The statement's predicate type.
    pub predicate_type: String,
    /// The certificate that signed (keyless verification only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateSigner>,
    /// The full in-toto statement.
    pub statement: serde_json::Value,
}

/// The result of [`verify`].
#[derive(Debug, Clone)]
pub struct Verification {
    /// The manifest digest checked.
    pub digest: String,
    /// Attestations that verified, in layer order.
    pub attestations: Vec<VerifiedAttestation>,
    /// Why each other layer was rejected.
    pub failures: Vec<AttestationFailure>,
}

/// The result of [`attest`].
#[derive(Debug, Clone)]
pub struct Attested {
    /// The manifest digest attested.
    pub digest: String,
    /// The attestation tag written (`repo:sha256-<hex>.att`).
    pub attestation_tag: String,
    /// How many attestations the manifest now holds.
    pub attestations: usize,
}

/// The in-toto v1 statement about `digest` (named `name`) carrying `predicate`.
pub fn statement(name: &str, digest: &str, predicate_type: &str, predicate: &serde_json::Value) -> serde_json::Value {
    let (algorithm, hex) = digest.split_once(':').unwrap_or(("sha256", digest));
    serde_json::json!({
        "_type": STATEMENT_V1,
        "subject": [{"name": name, "digest": {algorithm: hex}}],
        "predicateType": predicate_type,
        "predicate": predicate,
    })
}

/// Attests the manifest `image` resolves to with `predicate` of `predicate_type` (a URI or a
/// cosign short name), signed with `key`, appending to existing attestations.
///
/// # Errors
/// Registry failures, a malformed existing attestation manifest, or a signing failure.
pub fn attest(
    client: &RegistryClient,
    image: &ImageReference,
    key: &SigningKey,
    predicate_type: &str,
    predicate: &serde_json::Value,
) -> Result<Attested, Error> {
    let predicate_type = predicate_type_uri(predicate_type);
    let digest = client.resolve(image)?.digest;
    let statement = statement(&image.name(), &digest, predicate_type, predicate);
    let payload = serde_json::to_vec(&statement).map_err(|e| Error::Reference(e.to_string()))?;
    let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &payload, key).map_err(|e| match e {
        crate::dsse::DsseError::Sign(key) => Error::Key(key),
        other => Error::Reference(other.to_string()),
    })?;
    let body = envelope.to_json();
    let tag = suffixed_reference(image, &digest, "att")?;
    let mut layers = match client.manifest(&tag)? {
        Some(existing) => parse_manifest(&tag, &existing.bytes)?.layers,
        None => Vec::new(),
    };
    let body_digest = client.push_blob(image, &body)?;
    layers.push(Descriptor {
        media_type: DSSE_MEDIA_TYPE.to_string(),
        size: body.len() as u64,
        digest: body_digest,
        annotations: Some(BTreeMap::from([
            (SIGNATURE_ANNOTATION.to_string(), String::new()),
            (PREDICATE_TYPE_ANNOTATION.to_string(), predicate_type.to_string()),
        ])),
    });
    let count = layers.len();
    push_layers_manifest(client, image, &tag, layers)?;
    Ok(Attested { digest, attestation_tag: tag.to_string(), attestations: count })
}

/// Verifies the attestations of the manifest `image` resolves to now with `key`, keeping only
/// those of `predicate_type` (URI or cosign short name) when given.
///
/// Returns the verified attestations and why each other layer was rejected; the caller decides
/// whether an empty list is a failure.
///
/// # Errors
/// [`Error::NoSignatures`] without an attestation manifest, or a registry failure.
pub fn verify<'a>(
    client: &RegistryClient,
    image: &ImageReference,
    authority: impl Into<Authority<'a>>,
    predicate_type: Option<&str>,
) -> Result<Verification, Error> {
    let authority = authority.into();
    let digest = client.resolve(image)?.digest;
    let tag = suffixed_reference(image, &digest, "att")?;
    let layers = match client.manifest(&tag)? {
        Some(found) => parse_manifest(&tag, &found.bytes)?.layers,
        None => Vec::new(),
    };
    // cosign `--new-bundle-format` attaches Sigstore bundles as OCI 1.1 referrers instead.
    let bundles = referrer_manifests(client, image, &digest, BUNDLE_MEDIA_TYPES)?;
    if layers.is_empty() && bundles.is_empty() {
        return Err(Error::NoSignatures { image: image.to_string(), digest, tag: tag.to_string() });
    }
    let expected_type = predicate_type.map(predicate_type_uri);
    let mut verification = Verification { digest: digest.clone(), attestations: Vec::new(), failures: Vec::new() };
    let mut record = |outcome: Result<VerifiedAttestation, AttestationFailure>| match outcome {
        Ok(attestation) => verification.attestations.push(attestation),
        Err(failure) => verification.failures.push(failure),
    };
    let mut index = 0;
    for layer in layers.iter().take(MAX_ATTESTATIONS) {
        if layer.media_type == DSSE_MEDIA_TYPE {
            let body = client.blob(image, &layer.digest)?;
            let annotations = layer.annotations.clone().unwrap_or_default();
            record(check(&body, authority, &annotations, &digest, expected_type, index));
        } else {
            record(Err(AttestationFailure::MediaType { index, media_type: layer.media_type.clone() }));
        }
        index += 1;
    }
    for (_, manifest) in &bundles {
        for layer in manifest.layers.iter().filter(|l| BUNDLE_MEDIA_TYPES.contains(&l.media_type.as_str())) {
            let body = client.blob(image, &layer.digest)?;
            record(check_bundle(&body, authority, &digest, expected_type, index));
            index += 1;
        }
    }
    Ok(verification)
}

/// Sigstore bundle media types (protobuf-specs v0.1 to v0.3).
pub const BUNDLE_MEDIA_TYPES: &[&str] = &[
    "application/vnd.dev.sigstore.bundle.v0.3+json",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
];

/// The DSSE envelope JSON inside a Sigstore bundle.
fn bundle_envelope(body: &[u8], index: usize) -> Result<Vec<u8>, AttestationFailure> {
    let invalid = |reason: String| AttestationFailure::Invalid { index, reason };
    if body.len() > crate::dsse::MAX_ENVELOPE_BYTES {
        return Err(invalid(format!("bundle is {} bytes, larger than the limit", body.len())));
    }
    let bundle: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| invalid(format!("bundle is not JSON: {e}")))?;
    match bundle.get("dsseEnvelope") {
        Some(envelope) => Ok(envelope.to_string().into_bytes()),
        None => Err(invalid("bundle holds a message signature, not a DSSE attestation".to_string())),
    }
}

/// Checks one Sigstore bundle attached as a referrer: with a key, its DSSE envelope; keyless,
/// the whole bundle (certificate, log entry, timestamps) as `vigil verify-bundle` does.
fn check_bundle(
    body: &[u8],
    authority: Authority<'_>,
    digest: &str,
    expected_type: Option<&str>,
    index: usize,
) -> Result<VerifiedAttestation, AttestationFailure> {
    let envelope = bundle_envelope(body, index)?;
    match authority {
        Authority::Key(_) => check(&envelope, authority, &BTreeMap::new(), digest, expected_type, index),
        Authority::Keyless(keyless) => {
            let invalid = |reason: String| AttestationFailure::Invalid { index, reason };
            let json: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| invalid(format!("bundle is not JSON: {e}")))?;
            let signer = match crate::request_form::verify_bundle(keyless, &json) {
                Some(outcome) => outcome.map_err(invalid)?,
                None => {
                    let bundle = parse_bundle("bundle", body).map_err(|e| invalid(e.to_string()))?;
                    verify_certificate_bundle(keyless, &bundle, &Subject::Digest(digest.to_string()))
                        .map_err(invalid)?
                }
            };
            let parsed = Envelope::from_json(&envelope).map_err(|e| invalid(e.to_string()))?;
            let payload = parsed.payload_bytes().map_err(|e| invalid(e.to_string()))?;
            check_statement(&payload, Some(signer), digest, expected_type, index)
        }
    }
}

/// Checks one envelope: signature (key or keyless), statement shape, subject digest, predicate
/// type.
fn check(
    body: &[u8],
    authority: Authority<'_>,
    annotations: &BTreeMap<String, String>,
    digest: &str,
    expected_type: Option<&str>,
    index: usize,
) -> Result<VerifiedAttestation, AttestationFailure> {
    let invalid = |reason: String| AttestationFailure::Invalid { index, reason };
    let envelope = Envelope::from_json(body).map_err(|e| invalid(e.to_string()))?;
    let (payload, certificate) = match authority {
        Authority::Key(key) => (envelope.verify(key, IN_TOTO_PAYLOAD_TYPE).map_err(|e| invalid(e.to_string()))?, None),
        Authority::Keyless(keyless) => {
            if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
                return Err(invalid(format!(
                    "payload type is `{}`, expected `{IN_TOTO_PAYLOAD_TYPE}`",
                    envelope.payload_type
                )));
            }
            let signer =
                verify_layer(keyless, &Content::Envelope { json: body, digest }, annotations).map_err(invalid)?;
            (envelope.payload_bytes().map_err(|e| invalid(e.to_string()))?, Some(signer))
        }
    };
    check_statement(&payload, certificate, digest, expected_type, index)
}

/// Checks a verified statement: subject digest and predicate type.
fn check_statement(
    payload: &[u8],
    certificate: Option<CertificateSigner>,
    digest: &str,
    expected_type: Option<&str>,
    index: usize,
) -> Result<VerifiedAttestation, AttestationFailure> {
    let invalid = |reason: String| AttestationFailure::Invalid { index, reason };
    let statement: serde_json::Value =
        serde_json::from_slice(payload).map_err(|e| invalid(format!("statement is not JSON: {e}")))?;
    let (algorithm, hex) = digest.split_once(':').unwrap_or(("sha256", digest));
    let names_digest = statement["subject"]
        .as_array()
        .is_some_and(|subjects| subjects.iter().any(|s| s["digest"][algorithm].as_str() == Some(hex)));
    if !names_digest {
        return Err(AttestationFailure::SubjectMismatch { index, expected: digest.to_string() });
    }
    let found = statement["predicateType"].as_str().unwrap_or_default().to_string();
    if let Some(expected) = expected_type
        && found != expected
    {
        return Err(AttestationFailure::PredicateType { index, found, expected: expected.to_string() });
    }
    Ok(VerifiedAttestation { predicate_type: found, certificate, statement })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{generate_key_pair, load_private_key};

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn key() -> SigningKey {
        let pair = generate_key_pair(b"pw").expect("generate");
        load_private_key(pair.private_pem.as_bytes(), b"pw").expect("load")
    }

    fn envelope(key: &SigningKey, digest: &str, predicate_type: &str) -> Vec<u8> {
        let statement = statement("r/x", digest, predicate_type, &serde_json::json!({"k": 1}));
        Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &serde_json::to_vec(&statement).expect("json"), key)
            .expect("sign")
            .to_json()
    }

    #[test]
    fn aliases_map_to_cosign_uris() {
        assert_eq!(predicate_type_uri("slsaprovenance"), "https://slsa.dev/provenance/v0.2");
        assert_eq!(predicate_type_uri("cyclonedx"), "https://cyclonedx.org/bom");
        assert_eq!(predicate_type_uri("https://example.com/p"), "https://example.com/p");
    }

    #[test]
    fn check_accepts_matching_and_rejects_each_mismatch() {
        let key = key();
        let public = key.verifying_key().expect("pub");
        let body = envelope(&key, DIGEST, "https://cyclonedx.org/bom");
        let ok = check(&body, (&public).into(), &BTreeMap::new(), DIGEST, Some("https://cyclonedx.org/bom"), 0)
            .expect("verifies");
        assert_eq!(ok.statement["predicate"]["k"], 1);
        assert!(check(&body, (&public).into(), &BTreeMap::new(), DIGEST, None, 0).is_ok());

        let other = DIGEST.replace("0123", "9999");
        assert!(matches!(
            check(&body, (&public).into(), &BTreeMap::new(), &other, None, 0),
            Err(AttestationFailure::SubjectMismatch { .. })
        ));
        assert!(matches!(
            check(&body, (&public).into(), &BTreeMap::new(), DIGEST, Some("https://slsa.dev/provenance/v1"), 0),
            Err(AttestationFailure::PredicateType { .. })
        ));
        let stranger = self::key().verifying_key().expect("pub");
        assert!(matches!(
            check(&body, (&stranger).into(), &BTreeMap::new(), DIGEST, None, 0),
            Err(AttestationFailure::Invalid { .. })
        ));
        assert!(matches!(
            check(b"{", (&public).into(), &BTreeMap::new(), DIGEST, None, 0),
            Err(AttestationFailure::Invalid { .. })
        ));
    }
}
