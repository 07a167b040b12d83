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
    if let Content::Envelope { json, .. } = content
        && let Some(rekor) = annotations.get(BUNDLE_ANNOTATION)
        && is_request_form_dsse(rekor)
    {
        return verify_request_form_dsse(keyless, json, annotations, rekor);
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

/// A Sigstore bundle (JSON) whose DSSE Rekor entry is in request form, verified the same way as
/// a cosign layer with such an entry; `None` when the bundle is not of that kind (the normal
/// bundle verifier then applies).
pub(crate) fn verify_request_form_bundle(
    keyless: &Keyless,
    bundle: &Value,
) -> Option<Result<CertificateSigner, String>> {
    let entry = bundle["verificationMaterial"]["tlogEntries"].as_array()?.first()?;
    let body = entry["canonicalizedBody"].as_str()?;
    let log_id = BASE64.decode(entry["logId"]["keyId"].as_str()?).ok()?;
    let hex: String = log_id.iter().map(|b| format!("{b:02x}")).collect();
    let number = |v: &Value| v.as_str().and_then(|s| s.parse::<i64>().ok()).or_else(|| v.as_i64());
    let rekor = json!({
        "SignedEntryTimestamp": entry["inclusionPromise"]["signedEntryTimestamp"].as_str()?,
        "Payload": {"body": body, "integratedTime": number(&entry["integratedTime"])?, "logIndex": number(&entry["logIndex"])?, "logID": hex},
    })
    .to_string();
    if !is_request_form_dsse(&rekor) {
        return None;
    }
    let material = &bundle["verificationMaterial"];
    let der = material["certificate"]["rawBytes"]
        .as_str()
        .or_else(|| material["x509CertificateChain"]["certificates"][0]["rawBytes"].as_str())?;
    let der = BASE64.decode(der).ok()?;
    let pem = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", BASE64.encode(der));
    let annotations =
        BTreeMap::from([(CERTIFICATE_ANNOTATION.to_string(), pem), (BUNDLE_ANNOTATION.to_string(), rekor.clone())]);
    let envelope = serde_json::to_vec(&bundle["dsseEnvelope"]).ok()?;
    Some(verify_request_form_dsse(keyless, &envelope, &annotations, &rekor))
}

/// Whether the Rekor entry is a `dsse` v0.0.1 entry in request form (`spec.proposedContent`, as
/// the Sigstore mock logs it) rather than the canonical form a real Rekor stores
/// (`envelopeHash`, `payloadHash`, `signatures`), which `sigstore-verify` parses strictly.
fn is_request_form_dsse(annotation: &str) -> bool {
    let Ok(value) = serde_json::from_str::<Value>(annotation) else { return false };
    let Some(body) = value["Payload"]["body"].as_str().and_then(|b| BASE64.decode(b).ok()) else { return false };
    let Ok(entry) = serde_json::from_slice::<Value>(&body) else { return false };
    entry["kind"] == "dsse" && entry["apiVersion"] == "0.0.1" && entry["spec"]["proposedContent"].is_object()
}

/// Keyless verification of a DSSE layer whose Rekor entry is in request form. vigil checks
/// everything itself, in the same order of trust: the SET with a trusted Rekor key valid at the
/// integrated time; the entry describes this envelope and this certificate; the certificate
/// chains to a trusted Fulcio root at the integrated time and its SCT verifies; the identity and
/// issuer match; the envelope's signature verifies with the certificate's key.
fn verify_request_form_dsse(
    keyless: &Keyless,
    envelope_json: &[u8],
    annotations: &BTreeMap<String, String>,
    rekor: &str,
) -> Result<CertificateSigner, String> {
    let bad = |what: &str| format!("`{BUNDLE_ANNOTATION}`: {what}");
    let value: Value = serde_json::from_str(rekor).map_err(|e| bad(&format!("not JSON: {e}")))?;
    let set = value["SignedEntryTimestamp"].as_str().ok_or_else(|| bad("no SignedEntryTimestamp"))?;
    let payload = &value["Payload"];
    let body = payload["body"].as_str().ok_or_else(|| bad("no Payload.body"))?;
    let integrated = payload["integratedTime"].as_i64().ok_or_else(|| bad("no Payload.integratedTime"))?;
    let index = payload["logIndex"].as_i64().ok_or_else(|| bad("no Payload.logIndex"))?;
    let log_id = payload["logID"].as_str().ok_or_else(|| bad("no Payload.logID"))?;
    let log_key = decode_hex(log_id).ok_or_else(|| bad("Payload.logID is not hex"))?;

    // 1. The SET: Rekor's signature over the canonical JSON of the entry, by a trusted log key.
    let log = keyless
        .root
        .inner()
        .tlogs
        .iter()
        .find(|log| log.log_id.key_id.as_bytes() == log_key.as_slice())
        .ok_or_else(|| format!("SET: log {log_id} is not a transparency log of the trusted root"))?;
    if let Some(window) = log.public_key.valid_for.as_ref()
        && !crate::fulcio::within(integrated, window.start.as_second(), window.end.map(|e| e.as_second()))
    {
        return Err(format!("SET: the log key is not valid at the integrated time {integrated}"));
    }
    let signed = json!({"body": body, "integratedTime": integrated, "logID": log_id, "logIndex": index});
    let message = serde_json::to_vec(&sort_keys(signed)).map_err(|e| e.to_string())?;
    let set = BASE64.decode(set).map_err(|_| "SET: SignedEntryTimestamp is not base64".to_string())?;
    let key = crate::keys::load_public_key(log.public_key.raw_bytes.as_bytes())
        .map_err(|e| format!("SET: trusted log key: {e}"))?;
    key.verify(&message, &set).map_err(|_| "SET: signature does not verify with the trusted Rekor key".to_string())?;

    // 2. The entry describes this envelope and this certificate.
    let certificate = annotations.get(CERTIFICATE_ANNOTATION).ok_or_else(|| {
        format!("no `{CERTIFICATE_ANNOTATION}` annotation: not a keyless signature (verify it with --key)")
    })?;
    let leaf = match pem_certificates(certificate, CERTIFICATE_ANNOTATION)?.as_slice() {
        [leaf] => leaf.clone(),
        more => return Err(format!("`{CERTIFICATE_ANNOTATION}` holds {} certificates, expected 1", more.len())),
    };
    let chain = match annotations.get(CHAIN_ANNOTATION) {
        Some(chain) => pem_certificates(chain, CHAIN_ANNOTATION)?,
        None => Vec::new(),
    };
    let entry: Value = serde_json::from_slice(&BASE64.decode(body).map_err(|_| bad("Payload.body is not base64"))?)
        .map_err(|e| bad(&format!("Payload.body is not JSON: {e}")))?;
    let proposed = &entry["spec"]["proposedContent"];
    let logged: Value = proposed["envelope"]
        .as_str()
        .and_then(|e| serde_json::from_str(e).ok())
        .ok_or("log entry: proposedContent.envelope is not a DSSE envelope")?;
    let ours: Value = serde_json::from_slice(envelope_json).map_err(|e| format!("DSSE envelope is not JSON: {e}"))?;
    let sigs = |v: &Value| -> Vec<String> {
        let mut s: Vec<String> = v["signatures"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s["sig"].as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        s.sort();
        s
    };
    if logged["payloadType"] != ours["payloadType"]
        || logged["payload"] != ours["payload"]
        || sigs(&logged) != sigs(&ours)
    {
        return Err(
            "log entry does not match the attestation: its envelope differs (entry from another signature)".into()
        );
    }
    let logs_leaf = proposed["verifiers"].as_array().is_some_and(|verifiers| {
        verifiers.iter().filter_map(Value::as_str).filter_map(|v| BASE64.decode(v).ok()).any(|pem| {
            std::str::from_utf8(&pem)
                .ok()
                .and_then(|pem| pem_certificates(pem, "verifier").ok())
                .is_some_and(|certs| certs.first() == Some(&leaf))
        })
    });
    if !logs_leaf {
        return Err("log entry does not match the attestation: it names another certificate".into());
    }

    // 3. The certificate at the integrated time, its SCT; 4. identity and issuer.
    let intermediates: Vec<Vec<u8>> = chain.into_iter().filter(|c| *c != leaf).collect();
    let claims = crate::fulcio::verify_certificate(&leaf, &intermediates, &keyless.root, integrated)?;
    keyless.identity.check(claims.identity.as_deref(), claims.issuer.as_deref())?;

    // 5. The envelope's signature with the certificate's key.
    let spki = {
        use x509_cert::der::{Decode, Encode};
        let cert = x509_cert::Certificate::from_der(&leaf).map_err(|e| format!("signing certificate: {e}"))?;
        cert.tbs_certificate.subject_public_key_info.to_der().map_err(|e| e.to_string())?
    };
    let key = crate::keys::load_public_key(&spki).map_err(|e| format!("signing certificate key: {e}"))?;
    let envelope = crate::dsse::Envelope::from_json(envelope_json).map_err(|e| e.to_string())?;
    envelope.verify(&key, &envelope.payload_type).map_err(|e| format!("DSSE signature: {e}"))?;
    Ok(CertificateSigner {
        identity: claims.identity.unwrap_or_default(),
        issuer: claims.issuer.unwrap_or_default(),
        signed_at: Some(vigil_core::time::rfc3339(integrated)),
    })
}

/// A JSON value with every object's keys sorted (Rekor's canonical JSON for SETs).
fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().map(|(k, v)| (k, sort_keys(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
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
        }
    }
}
