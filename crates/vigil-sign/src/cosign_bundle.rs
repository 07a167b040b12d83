//! cosign's own (pre-Sigstore-bundle) blob bundle, as `cosign sign-blob --bundle` writes it
//! without `--new-bundle-format`: `{"base64Signature", "cert", "rekorBundle", "RFC3161Timestamp"}`.
//! It holds the parts of a Sigstore bundle v0.1 message signature, so it is rebuilt as one and
//! verified like any bundle; key-signed blobs without a Rekor entry are checked with the key
//! alone (what `cosign verify-blob --insecure-ignore-tlog` does).

use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use crate::bundle::{
    BundleError, BundleVerified, MAX_IN_MEMORY_ARTIFACT_PUB, Signer, Subject, parse_bundle, verify_bundle,
};
use crate::keyless::{pem_certificates, tlog_entry};
use crate::trust::TrustRoot;

/// Whether `value` is a cosign blob bundle (not a protobuf-specs bundle).
#[must_use]
pub fn is_cosign_bundle(value: &Value) -> bool {
    value.get("base64Signature").is_some() && value.get("mediaType").is_none()
}

/// Verifies a cosign blob bundle for `subject`.
///
/// # Errors
/// [`BundleError`] naming the bundle and the reason.
pub fn verify(
    name: &str,
    value: &Value,
    subject: &Subject<'_>,
    signer: &Signer,
    root: &TrustRoot,
) -> Result<BundleVerified, BundleError> {
    let malformed = |reason: String| BundleError::Malformed { path: name.to_string(), reason };
    let signature =
        value["base64Signature"].as_str().ok_or_else(|| malformed("base64Signature is not a string".into()))?;
    let digest = artifact_sha256(subject)?;
    let mut material = serde_json::Map::new();
    match value.get("cert").and_then(Value::as_str) {
        Some(cert) => {
            let pem = BASE64.decode(cert.trim()).map_err(|_| malformed("cert is not base64".into()))?;
            let pem = String::from_utf8(pem).map_err(|_| malformed("cert is not PEM text".into()))?;
            let certificates = pem_certificates(&pem, "cert").map_err(malformed)?;
            material.insert(
                "x509CertificateChain".into(),
                json!({"certificates": certificates.iter().map(|der| json!({"rawBytes": BASE64.encode(der)})).collect::<Vec<_>>()}),
            );
        }
        None => {
            material.insert("publicKey".into(), json!({"hint": ""}));
        }
    }
    let rekor = value.get("rekorBundle").filter(|r| !r.is_null());
    match rekor {
        Some(rekor) => {
            let entry = tlog_entry(&rekor.to_string()).map_err(malformed)?;
            material.insert("tlogEntries".into(), json!([entry]));
        }
        None => {
            // No transparency-log entry: only a managed key can vouch, with the signature alone.
            let Signer::Key { path, pem } = signer else {
                return Err(BundleError::Verification {
                    path: name.to_string(),
                    reason: "the bundle has no Rekor entry, so a certificate's signing time cannot be proven".into(),
                });
            };
            let key = crate::keys::load_public_key(pem)
                .map_err(|e| BundleError::Key { path: path.clone(), reason: e.to_string() })?;
            let signature =
                BASE64.decode(signature.trim()).map_err(|_| malformed("base64Signature is not base64".into()))?;
            let message = artifact_bytes(subject)?.ok_or_else(|| BundleError::Verification {
                path: name.to_string(),
                reason:
                    "a bundle without a Rekor entry is verified over the artifact itself: give the file, not its digest"
                        .into(),
            })?;
            key.verify(&message, &signature).map_err(|_| BundleError::Verification {
                path: name.to_string(),
                reason: "signature does not verify with the given key".into(),
            })?;
            return Ok(BundleVerified {
                media_type: "cosign bundle (no transparency log)".into(),
                identity: None,
                issuer: None,
                integrated_time: None,
                verified_times: Vec::new(),
                tlog_verified: false,
                predicate_type: None,
            });
        }
    }
    if let Some(ts) =
        value.get("RFC3161Timestamp").and_then(|t| t.get("SignedRFC3161Timestamp")).and_then(Value::as_str)
    {
        material.insert("timestampVerificationData".into(), json!({"rfc3161Timestamps": [{"signedTimestamp": ts}]}));
    }
    let rebuilt = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": material,
        "messageSignature": {"messageDigest": {"algorithm": "SHA2_256", "digest": BASE64.encode(digest)}, "signature": signature.trim()},
    });
    let bundle = parse_bundle(name, &serde_json::to_vec(&rebuilt).map_err(|e| malformed(e.to_string()))?)?;
    let mut verified = verify_bundle(name, &bundle, subject, signer, root)?;
    verified.media_type = "cosign bundle".into();
    Ok(verified)
}

/// SHA-256 of the artifact (streamed for files).
fn artifact_sha256(subject: &Subject<'_>) -> Result<Vec<u8>, BundleError> {
    match subject {
        Subject::Bytes(bytes) => Ok(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref().to_vec()),
        Subject::Digest(text) => {
            let hex = text.strip_prefix("sha256:").ok_or_else(|| BundleError::Read {
                path: text.clone(),
                reason: "cosign bundles sign SHA-256 digests: give `sha256:<hex>` or the file".into(),
            })?;
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| BundleError::Read { path: text.clone(), reason: "invalid hex digest".into() })
        }
        Subject::File(path) => {
            let err = |e: std::io::Error| BundleError::Read { path: path.display().to_string(), reason: e.to_string() };
            let mut file = std::fs::File::open(path).map_err(err)?;
            let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
            let mut buffer = vec![0u8; 1 << 16];
            loop {
                let n = file.read(&mut buffer).map_err(err)?;
                if n == 0 {
                    break;
                }
                context.update(&buffer[..n]);
            }
            Ok(context.finish().as_ref().to_vec())
        }
    }
}

/// The artifact's bytes when it is a file or in memory (for signatures checked without a log).
fn artifact_bytes(subject: &Subject<'_>) -> Result<Option<Vec<u8>>, BundleError> {
    match subject {
        Subject::Bytes(bytes) => Ok(Some(bytes.to_vec())),
        Subject::Digest(_) => Ok(None),
        Subject::File(path) => crate::bundle::read_bounded(path, MAX_IN_MEMORY_ARTIFACT_PUB).map(Some),
    }
}
