//! Keyless (Fulcio certificate + Rekor entry) verification of cosign's registry signatures and
//! attestations.
//!
//! cosign stores a keyless signature as a layer whose annotations carry the signing
//! certificate (`dev.sigstore.cosign/certificate`), its chain (`dev.sigstore.cosign/chain`), the
//! Rekor entry with its signed entry timestamp (`dev.sigstore.cosign/bundle`) and optionally an
//! RFC 3161 timestamp. Those are exactly the parts of a Sigstore bundle v0.1, so the layer is
//! rebuilt as one and verified by [`crate::bundle`]: the chain must lead to a Fulcio root of the
//! trusted root, the SCT must verify, the SET must be signed by a trusted Rekor key, the entry
//! must describe this very signature, certificate and payload (CVE-2022-36056), the signing time
//! it proves must fall inside the certificate's validity, and the SAN and issuer must match.
//!
//! The one exception, a `dsse` Rekor entry in request form (only a test Sigstore writes these),
//! is refused unless the trusted root opts into [`crate::request_form`].

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;
use serde_json::{Value, json};

use crate::bundle::{Identity, Signer, Subject, parse_bundle, verify_bundle};
use crate::trust::TrustRoot;

/// Layer annotation holding the PEM signing certificate.
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// Layer annotation holding the PEM chain (intermediates, root).
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
/// Layer annotation holding the Rekor entry and SET (`{"SignedEntryTimestamp","Payload"}`).
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// Layer annotation holding an RFC 3161 timestamp (`{"SignedRFC3161Timestamp"}`).
pub const TIMESTAMP_ANNOTATION: &str = "dev.sigstore.cosign/rfc3161timestamp";

/// Largest PEM certificate or chain annotation accepted.
const MAX_PEM: usize = 256 * 1024;
/// Most certificates taken from one chain annotation.
const MAX_CHAIN: usize = 10;

/// A keyless verification policy: who must have signed, and the trusted root that vouches.
#[derive(Debug, Clone)]
pub struct Keyless {
    /// The certificate identity and issuer that must match.
    pub identity: Identity,
    /// Fulcio, Rekor, CT log and TSA keys.
    pub root: TrustRoot,
}

/// Who may have signed: a public key, or a keyless identity under a trusted root. Verification
/// functions take `impl Into<Authority>`, so a `&VerifyingKey` or a `&Keyless` can be passed.
#[derive(Debug, Clone, Copy)]
pub enum Authority<'a> {
    /// A managed key (no transparency-log check, as cosign `--key` with `--insecure-ignore-tlog`
    /// semantics for signatures made without one).
    Key(&'a crate::keys::VerifyingKey),
    /// A Fulcio certificate with this identity, logged in Rekor.
    Keyless(&'a Keyless),
}

impl<'a> From<&'a crate::keys::VerifyingKey> for Authority<'a> {
    fn from(key: &'a crate::keys::VerifyingKey) -> Self {
        Self::Key(key)
    }
}

impl<'a> From<&'a Keyless> for Authority<'a> {
    fn from(keyless: &'a Keyless) -> Self {
        Self::Keyless(keyless)
    }
}

/// Who signed, as proven by a verified certificate.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CertificateSigner {
    /// The certificate's SAN (email, URI or Fulcio otherName).
    pub identity: String,
    /// The certificate's OIDC issuer.
    pub issuer: String,
    /// The verified signing time (log integrated time or RFC 3161 timestamp), RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
}

/// What a layer signs.
pub(crate) enum Content<'a> {
    /// A simple-signing payload and its base64 signature.
    Message { payload: &'a [u8], signature_b64: &'a str },
    /// A DSSE envelope (JSON), bound to the image digest through its in-toto subject.
    Envelope { json: &'a [u8], digest: &'a str },
}

/// Verifies one keyless cosign layer; the error is the precise reason.
pub(crate) fn verify_layer(
    keyless: &Keyless,
    content: &Content<'_>,
    annotations: &BTreeMap<String, String>,
) -> Result<CertificateSigner, String> {
    // A request-form entry goes to the path the trusted root opts into, or is refused there.
    if let Content::Envelope { json, .. } = content
        && annotations
            .get(BUNDLE_ANNOTATION)
            .is_some_and(|rekor| crate::request_form::is_request_form_annotation(rekor))
    {
        return crate::request_form::verify_layer(keyless, json, annotations);
    }
    let bundle = layer_bundle(content, annotations)?;
    let bytes = serde_json::to_vec(&bundle).map_err(|e| e.to_string())?;
    let parsed = parse_bundle("layer", &bytes).map_err(|e| e.to_string())?;
    let subject = match content {
        Content::Message { payload, .. } => Subject::Bytes(payload),
        Content::Envelope { digest, .. } => Subject::Digest((*digest).to_string()),
    };
    verify_certificate_bundle(keyless, &parsed, &subject)
}

/// Verifies a Sigstore bundle (for example one attached by cosign `--new-bundle-format`) with a
/// keyless policy.
pub(crate) fn verify_certificate_bundle(
    keyless: &Keyless,
    bundle: &sigstore_verify::types::Bundle,
    subject: &Subject<'_>,
) -> Result<CertificateSigner, String> {
    let verified = verify_bundle("bundle", bundle, subject, &Signer::Keyless(keyless.identity.clone()), &keyless.root)
        .map_err(|e| match e {
            crate::bundle::BundleError::Verification { reason, .. } => reason,
            other => other.to_string(),
        })?;
    Ok(CertificateSigner {
        identity: verified.identity.unwrap_or_default(),
        issuer: verified.issuer.unwrap_or_default(),
        signed_at: verified.integrated_time.or_else(|| verified.verified_times.first().cloned()),
    })
}

/// The Sigstore bundle v0.1 that a cosign keyless layer amounts to.
fn layer_bundle(content: &Content<'_>, annotations: &BTreeMap<String, String>) -> Result<Value, String> {
    let certificate = annotations.get(CERTIFICATE_ANNOTATION).ok_or_else(|| {
        format!("no `{CERTIFICATE_ANNOTATION}` annotation: not a keyless signature (verify it with --key)")
    })?;
    let mut certificates = pem_certificates(certificate, CERTIFICATE_ANNOTATION)?;
    if certificates.len() != 1 {
        return Err(format!("`{CERTIFICATE_ANNOTATION}` holds {} certificates, expected 1", certificates.len()));
    }
    if let Some(chain) = annotations.get(CHAIN_ANNOTATION) {
        certificates.extend(pem_certificates(chain, CHAIN_ANNOTATION)?);
    }
    let mut material = json!({
        "x509CertificateChain": {
            "certificates": certificates.iter().map(|der| json!({"rawBytes": BASE64.encode(der)})).collect::<Vec<_>>()
        },
        "tlogEntries": [],
    });
    if let Some(rekor) = annotations.get(BUNDLE_ANNOTATION) {
        material["tlogEntries"] = json!([tlog_entry(rekor)?]);
    } else {
        return Err(format!(
            "no `{BUNDLE_ANNOTATION}` annotation: the signature was not logged in Rekor, so its signing time cannot be proven (signed with --tlog-upload=false?)"
        ));
    }
    if let Some(timestamp) = annotations.get(TIMESTAMP_ANNOTATION) {
        let value: Value =
            serde_json::from_str(timestamp).map_err(|e| format!("`{TIMESTAMP_ANNOTATION}` is not JSON: {e}"))?;
        let signed = value["SignedRFC3161Timestamp"]
            .as_str()
            .ok_or_else(|| format!("`{TIMESTAMP_ANNOTATION}` has no SignedRFC3161Timestamp"))?;
        material["timestampVerificationData"] = json!({"rfc3161Timestamps": [{"signedTimestamp": signed}]});
    }
    let mut bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": material,
    });
    match content {
        Content::Message { payload, signature_b64 } => {
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, payload);
            bundle["messageSignature"] = json!({
                "messageDigest": {"algorithm": "SHA2_256", "digest": BASE64.encode(digest.as_ref())},
                "signature": signature_b64.trim(),
            });
        }
        Content::Envelope { json, .. } => {
            let envelope: Value =
                serde_json::from_slice(json).map_err(|e| format!("DSSE envelope is not JSON: {e}"))?;
            bundle["dsseEnvelope"] = envelope;
        }
    }
    Ok(bundle)
}

/// cosign's `{"SignedEntryTimestamp": b64, "Payload": {"body": b64, "integratedTime": n,
/// "logIndex": n, "logID": hex}}` as a protobuf-specs transparency-log entry.
pub(crate) fn tlog_entry(annotation: &str) -> Result<Value, String> {
    let bad = |what: &str| format!("`{BUNDLE_ANNOTATION}`: {what}");
    let value: Value = serde_json::from_str(annotation).map_err(|e| bad(&format!("not JSON: {e}")))?;
    let set = value["SignedEntryTimestamp"].as_str().ok_or_else(|| bad("no SignedEntryTimestamp"))?;
    let payload = &value["Payload"];
    let body = payload["body"].as_str().ok_or_else(|| bad("no Payload.body"))?;
    let integrated = payload["integratedTime"].as_i64().ok_or_else(|| bad("no Payload.integratedTime"))?;
    let index = payload["logIndex"].as_i64().ok_or_else(|| bad("no Payload.logIndex"))?;
    let log_id = payload["logID"].as_str().ok_or_else(|| bad("no Payload.logID"))?;
    let log_id = decode_hex(log_id).ok_or_else(|| bad("Payload.logID is not hex"))?;
    let decoded = BASE64.decode(body).map_err(|_| bad("Payload.body is not base64"))?;
    let entry: Value = serde_json::from_slice(&decoded).map_err(|e| bad(&format!("Payload.body is not JSON: {e}")))?;
    let kind = entry["kind"].as_str().ok_or_else(|| bad("entry has no kind"))?;
    let version = entry["apiVersion"].as_str().ok_or_else(|| bad("entry has no apiVersion"))?;
    Ok(json!({
        "logIndex": index.to_string(),
        "logId": {"keyId": BASE64.encode(log_id)},
        "kindVersion": {"kind": kind, "version": version},
        "integratedTime": integrated.to_string(),
        "inclusionPromise": {"signedEntryTimestamp": set},
        "canonicalizedBody": body,
    }))
}

/// The DER certificates of a PEM text (only `CERTIFICATE` blocks).
pub(crate) fn pem_certificates(text: &str, annotation: &str) -> Result<Vec<Vec<u8>>, String> {
    if text.len() > MAX_PEM {
        return Err(format!("`{annotation}` is larger than {MAX_PEM} bytes"));
    }
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let after = &rest[start + BEGIN.len()..];
        let end = after.find(END).ok_or_else(|| format!("`{annotation}`: unterminated PEM certificate"))?;
        let body: String = after[..end].chars().filter(|c| !c.is_whitespace()).collect();
        out.push(BASE64.decode(body).map_err(|_| format!("`{annotation}`: PEM body is not base64"))?);
        if out.len() > MAX_CHAIN {
            return Err(format!("`{annotation}` holds more than {MAX_CHAIN} certificates"));
        }
        rest = &after[end + END.len()..];
    }
    if out.is_empty() {
        return Err(format!("`{annotation}` holds no PEM certificate"));
    }
    Ok(out)
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_certificates_reads_every_block_and_refuses_garbage() {
        let one = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", BASE64.encode(b"abc"));
        assert_eq!(pem_certificates(&format!("{one}{one}"), "x").unwrap(), vec![b"abc".to_vec(), b"abc".to_vec()]);
        assert!(pem_certificates("nothing", "x").unwrap_err().contains("no PEM certificate"));
        assert!(pem_certificates("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----", "x").is_err());
        assert!(pem_certificates("-----BEGIN CERTIFICATE-----\nAAAA", "x").unwrap_err().contains("unterminated"));
        assert!(pem_certificates(&one.repeat(MAX_CHAIN + 1), "x").unwrap_err().contains("more than"));
    }

    #[test]
    fn tlog_entry_maps_cosign_fields_and_names_what_is_missing() {
        let body = BASE64.encode(br#"{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}}"#);
        let annotation = json!({"SignedEntryTimestamp": "c2V0", "Payload": {"body": body, "integratedTime": 1_700_000_000, "logIndex": 7, "logID": "0a0b"}}).to_string();
        let entry = tlog_entry(&annotation).unwrap();
        assert_eq!(entry["kindVersion"], json!({"kind": "hashedrekord", "version": "0.0.1"}));
        assert_eq!(entry["logId"]["keyId"], BASE64.encode([10u8, 11]));
        assert_eq!(entry["integratedTime"], "1700000000");
        assert!(tlog_entry("{}").unwrap_err().contains("no SignedEntryTimestamp"));
        assert!(tlog_entry("[").unwrap_err().contains("not JSON"));
    }

    #[test]
    fn a_layer_without_certificate_or_log_entry_is_refused_with_the_reason() {
        let content = Content::Message { payload: b"{}", signature_b64: "AA==" };
        let none = BTreeMap::new();
        assert!(layer_bundle(&content, &none).unwrap_err().contains("not a keyless signature"));
        let cert = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", BASE64.encode(b"abc"));
        let only_cert = BTreeMap::from([(CERTIFICATE_ANNOTATION.to_string(), cert)]);
        assert!(layer_bundle(&content, &only_cert).unwrap_err().contains("not logged in Rekor"));
    }

    proptest::proptest! {
        /// Hostile annotations never panic on either path (rebuilt bundle or request form).
        #[test]
        fn hostile_annotations_never_panic(
            cert in ".{0,300}", chain in ".{0,300}", rekor in ".{0,400}", envelope in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
        ) {
            let keyless = Keyless {
                identity: Identity { subject: crate::bundle::Matcher::Exact("a".into()), issuer: crate::bundle::Matcher::Exact("b".into()) },
                root: TrustRoot::production().unwrap(),
            };
            let annotations = BTreeMap::from([
                (CERTIFICATE_ANNOTATION.to_string(), cert),
                (CHAIN_ANNOTATION.to_string(), chain),
                (BUNDLE_ANNOTATION.to_string(), rekor),
            ]);
            let _ = verify_layer(&keyless, &Content::Message { payload: b"{}", signature_b64: "AA==" }, &annotations);
            let _ = verify_layer(&keyless, &Content::Envelope { json: &envelope, digest: "sha256:00" }, &annotations);
            let opted_in = Keyless { root: keyless.root.clone().allow_request_form_rekor(), ..keyless };
            let _ = verify_layer(&opted_in, &Content::Envelope { json: &envelope, digest: "sha256:00" }, &annotations);
        }
    }
}
