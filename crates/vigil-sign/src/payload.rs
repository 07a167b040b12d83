//! cosign's simple-signing payload (`cosign container image signature`): what a signature over
//! an image actually signs. The bytes are written exactly as cosign writes them (compact JSON,
//! keys in cosign's order, `optional` null or an object of annotations sorted by key), so a
//! signature made by either tool verifies with the other.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `critical.type` of an image signature payload.
pub const SIMPLE_SIGNING_TYPE: &str = "cosign container image signature";

/// Largest payload accepted by [`parse_payload`].
pub const MAX_PAYLOAD_BYTES: usize = 1024 * 1024;

/// A parsed simple-signing payload. Field order is cosign's serialization order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimpleSigning {
    /// What the signature is about.
    pub critical: Critical,
    /// Free-form claims: `null` or the `-a key=value` annotations.
    #[serde(default)]
    pub optional: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The `critical` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Critical {
    /// The repository the signer named.
    pub identity: Identity,
    /// The signed manifest.
    pub image: SignedImage,
    /// Always [`SIMPLE_SIGNING_TYPE`] for image signatures.
    #[serde(rename = "type")]
    pub kind: String,
}

/// `critical.identity`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// Repository without tag or digest, e.g. `ghcr.io/org/app`.
    #[serde(rename = "docker-reference")]
    pub docker_reference: String,
}

/// `critical.image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedImage {
    /// `sha256:<hex>` of the signed manifest.
    #[serde(rename = "docker-manifest-digest")]
    pub docker_manifest_digest: String,
}

/// The payload bytes cosign would write for `docker_reference` at `digest` with `annotations`
/// (an empty map gives `"optional":null`, as cosign does without `-a`).
pub fn payload_bytes(docker_reference: &str, digest: &str, annotations: &BTreeMap<String, String>) -> Vec<u8> {
    let optional = (!annotations.is_empty())
        .then(|| annotations.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect());
    let payload = SimpleSigning {
        critical: Critical {
            identity: Identity { docker_reference: docker_reference.to_string() },
            image: SignedImage { docker_manifest_digest: digest.to_string() },
            kind: SIMPLE_SIGNING_TYPE.to_string(),
        },
        optional,
    };
    // Serializing plain strings and maps cannot fail.
    serde_json::to_vec(&payload).unwrap_or_default()
}

/// Parses a simple-signing payload of at most [`MAX_PAYLOAD_BYTES`].
///
/// # Errors
/// A message when it is too large, not JSON of this shape, or not of [`SIMPLE_SIGNING_TYPE`].
pub fn parse_payload(bytes: &[u8]) -> Result<SimpleSigning, String> {
    if bytes.len() > MAX_PAYLOAD_BYTES {
        return Err(format!("payload is {} bytes, expected at most {MAX_PAYLOAD_BYTES}", bytes.len()));
    }
    let payload: SimpleSigning = serde_json::from_slice(bytes).map_err(|e| format!("invalid payload JSON: {e}"))?;
    if payload.critical.kind != SIMPLE_SIGNING_TYPE {
        return Err(format!("payload type is `{}`, expected `{SIMPLE_SIGNING_TYPE}`", payload.critical.kind));
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_cosign_bytes() {
        let expected = r#"{"critical":{"identity":{"docker-reference":"127.0.0.1:5000/demo/debian-mini"},"image":{"docker-manifest-digest":"sha256:34938e49c884f6b5ffb18d8a8226b08264ee73f8ad46f37903717fdcbca574d3"},"type":"cosign container image signature"},"optional":null}"#;
        let bytes = payload_bytes(
            "127.0.0.1:5000/demo/debian-mini",
            "sha256:34938e49c884f6b5ffb18d8a8226b08264ee73f8ad46f37903717fdcbca574d3",
            &BTreeMap::new(),
        );
        assert_eq!(String::from_utf8_lossy(&bytes), expected);
        let parsed = parse_payload(&bytes).unwrap();
        assert_eq!(parsed.optional, None);
    }

    #[test]
    fn annotations_sorted() {
        let annotations = BTreeMap::from([("z".to_string(), "1".to_string()), ("a".to_string(), "2".to_string())]);
        let bytes = payload_bytes("r/x", "sha256:00", &annotations);
        assert!(String::from_utf8_lossy(&bytes).ends_with(r#""optional":{"a":"2","z":"1"}}"#));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_payload(&bytes);
        }
    }

    #[test]
    fn rejects_other_types() {
        assert!(parse_payload(br#"{"critical":{"identity":{"docker-reference":"a"},"image":{"docker-manifest-digest":"b"},"type":"x"},"optional":null}"#).is_err());
        assert!(parse_payload(b"\xff").is_err());
    }
}
