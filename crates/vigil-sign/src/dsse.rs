//! DSSE (Dead Simple Signing Envelope) v1: the envelope cosign attestations and Sigstore
//! bundles carry in-toto statements in.
//!
//! Signatures are over the pre-authentication encoding (PAE) of the payload type and the raw
//! payload, never over the base64 text, so a verifier cannot be tricked into interpreting the
//! payload under a different type. See
//! <https://github.com/secure-systems-lab/dsse/blob/master/protocol.md>.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use crate::keys::{KeyError, SigningKey, VerifyingKey};

/// Largest envelope accepted, in bytes of JSON (in-toto SBOM predicates can be large).
pub const MAX_ENVELOPE_BYTES: usize = 64 * 1024 * 1024;

/// Most signatures examined in one envelope; more is hostile, not useful.
pub const MAX_SIGNATURES: usize = 64;

/// Payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// A DSSE envelope as serialized in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Media type of the payload, bound into every signature.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// The payload, standard base64.
    pub payload: String,
    /// One or more signatures over `PAE(payloadType, payload)`.
    pub signatures: Vec<Signature>,
}

/// One signature in an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// Optional hint naming the key; never trusted for verification.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub keyid: String,
    /// The signature, standard base64.
    pub sig: String,
}

/// Errors from parsing, signing or verifying an envelope.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DsseError {
    /// The envelope is larger than [`MAX_ENVELOPE_BYTES`].
    #[error("DSSE envelope is {size} bytes, expected at most {max} bytes")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The JSON is not an envelope.
    #[error("malformed DSSE envelope: {0}, expected {{\"payloadType\",\"payload\",\"signatures\":[{{\"sig\"}}]}}")]
    Json(String),
    /// A field was not standard base64.
    #[error("malformed base64 in DSSE {field}, expected standard base64 with padding")]
    Base64 {
        /// Which field.
        field: &'static str,
    },
    /// The envelope has no signatures, or more than [`MAX_SIGNATURES`].
    #[error("DSSE envelope has {count} signatures, expected 1 to {MAX_SIGNATURES}")]
    SignatureCount {
        /// How many it has.
        count: usize,
    },
    /// The payload type is not the one the caller requires.
    #[error("DSSE payloadType is `{found}`, expected `{expected}`")]
    PayloadType {
        /// What the envelope says.
        found: String,
        /// What the caller requires.
        expected: String,
    },
    /// No signature verified under the given key.
    #[error("no DSSE signature verifies with the given key ({count} tried)")]
    NoValidSignature {
        /// How many signatures were tried.
        count: usize,
    },
    /// Signing failed.
    #[error("signing the DSSE envelope failed: {0}")]
    Sign(#[from] KeyError),
}

/// The pre-authentication encoding: `"DSSEv1" SP len(type) SP type SP len(body) SP body`,
/// lengths as ASCII decimal.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

impl Envelope {
    /// Parses an envelope from JSON, bounding its size and signature count.
    pub fn from_json(bytes: &[u8]) -> Result<Self, DsseError> {
        if bytes.len() > MAX_ENVELOPE_BYTES {
            return Err(DsseError::TooLarge { size: bytes.len(), max: MAX_ENVELOPE_BYTES });
        }
        let envelope: Envelope = serde_json::from_slice(bytes).map_err(|e| DsseError::Json(e.to_string()))?;
        let count = envelope.signatures.len();
        if count == 0 || count > MAX_SIGNATURES {
            return Err(DsseError::SignatureCount { count });
        }
        Ok(envelope)
    }

    /// Serializes the envelope as compact JSON.
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing plain strings cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Signs `payload` as `payload_type` with `key`, producing a one-signature envelope.
    pub fn sign(payload_type: &str, payload: &[u8], key: &SigningKey) -> Result<Self, DsseError> {
        let sig = key.sign(&pae(payload_type, payload))?;
        Ok(Envelope {
            payload_type: payload_type.to_owned(),
            payload: BASE64.encode(payload),
            signatures: vec![Signature { keyid: String::new(), sig: BASE64.encode(sig) }],
        })
    }

    /// The decoded payload, without verifying anything.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, DsseError> {
        BASE64.decode(&self.payload).map_err(|_| DsseError::Base64 { field: "payload" })
    }

    /// Verifies that at least one signature is valid under `key` for `expected_type`, and
    /// returns the payload bytes that were signed.
    ///
    /// The payload type is checked first so an envelope signed for another purpose is rejected
    /// with a precise reason rather than a signature failure.
    pub fn verify(&self, key: &VerifyingKey, expected_type: &str) -> Result<Vec<u8>, DsseError> {
        if self.payload_type != expected_type {
            return Err(DsseError::PayloadType {
                found: self.payload_type.clone(),
                expected: expected_type.to_owned(),
            });
        }
        let count = self.signatures.len();
        if count == 0 || count > MAX_SIGNATURES {
            return Err(DsseError::SignatureCount { count });
        }
        let payload = self.payload_bytes()?;
        let message = pae(&self.payload_type, &payload);
        for signature in &self.signatures {
            let Ok(sig) = BASE64.decode(&signature.sig) else { continue };
            if key.verify(&message, &sig).is_ok() {
                return Ok(payload);
            }
        }
        Err(DsseError::NoValidSignature { count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{generate_key_pair, load_private_key};

    fn key() -> SigningKey {
        let pair = generate_key_pair(b"pw").expect("generate");
        load_private_key(pair.private_pem.as_bytes(), b"pw").expect("load")
    }

    #[test]
    fn pae_matches_the_protocol_example() {
        // The worked example from the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn sign_then_verify_returns_the_payload() {
        let key = key();
        let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, b"{\"_type\":\"x\"}", &key).expect("sign");
        let parsed = Envelope::from_json(&envelope.to_json()).expect("parse");
        let verified = parsed.verify(&key.verifying_key().expect("pub"), IN_TOTO_PAYLOAD_TYPE).expect("verify");
        assert_eq!(verified, b"{\"_type\":\"x\"}");
    }

    #[test]
    fn tampering_with_payload_or_type_fails() {
        let key = key();
        let public = key.verifying_key().expect("pub");
        let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, b"original", &key).expect("sign");

        let mut changed = envelope.clone();
        changed.payload = BASE64.encode(b"forged");
        assert!(matches!(changed.verify(&public, IN_TOTO_PAYLOAD_TYPE), Err(DsseError::NoValidSignature { count: 1 })));

        // Relabelling the type breaks the signature even when the caller asks for the new type.
        let mut relabelled = envelope.clone();
        relabelled.payload_type = "text/plain".into();
        assert!(matches!(relabelled.verify(&public, "text/plain"), Err(DsseError::NoValidSignature { .. })));
        assert!(matches!(envelope.verify(&public, "text/plain"), Err(DsseError::PayloadType { .. })));

        let other = key_other();
        assert!(matches!(envelope.verify(&other, IN_TOTO_PAYLOAD_TYPE), Err(DsseError::NoValidSignature { .. })));
    }

    fn key_other() -> VerifyingKey {
        key().verifying_key().expect("pub")
    }

    #[test]
    fn hostile_envelopes_are_rejected_with_reasons() {
        assert!(matches!(Envelope::from_json(b"not json"), Err(DsseError::Json(_))));
        assert!(matches!(
            Envelope::from_json(br#"{"payloadType":"t","payload":"","signatures":[]}"#),
            Err(DsseError::SignatureCount { count: 0 })
        ));
        let bad =
            Envelope::from_json(br#"{"payloadType":"t","payload":"!!","signatures":[{"sig":"AA=="}]}"#).expect("parse");
        assert!(matches!(bad.payload_bytes(), Err(DsseError::Base64 { field: "payload" })));
        let public = key().verifying_key().expect("pub");
        assert!(matches!(bad.verify(&public, "t"), Err(DsseError::Base64 { .. })));
        // A signature that is not base64 is skipped, not a crash.
        let junk_sig = Envelope::from_json(br#"{"payloadType":"t","payload":"AA==","signatures":[{"sig":"%%%"}]}"#)
            .expect("parse");
        assert!(matches!(junk_sig.verify(&public, "t"), Err(DsseError::NoValidSignature { count: 1 })));
    }

    proptest::proptest! {
        #[test]
        fn from_json_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = Envelope::from_json(&bytes);
        }
    }
}
