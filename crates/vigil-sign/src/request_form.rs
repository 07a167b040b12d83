//! The one case `sigstore-verify` cannot take: a Rekor `dsse` v0.0.1 entry in request form
//! (`spec.proposedContent`, the envelope and the signing certificate as they were proposed),
//! which only a test Sigstore such as the local mock writes; a real Rekor stores the canonical
//! form (`envelopeHash`, `payloadHash`, `signatures`), which `sigstore-verify` parses strictly.
//!
//! The path is off unless the trusted root allows it ([`TrustRoot::allow_request_form_rekor`]),
//! so which verifier runs is the verifier's choice, never the input's: without the opt-in such
//! an entry is refused with a reason that names the option. With it, vigil checks what
//! `sigstore-verify` checks on the main path, in the same order of trust:
//!
//! 1. the SET (inclusion promise) with a trusted Rekor key valid at the integrated time, and an
//!    integrated time that is not in the future;
//! 2. the inclusion proof (RFC 9162 section 2.1.3.2 audit path from the leaf hash of the
//!    canonicalized body to the proof's root) and its checkpoint, signed by the same Rekor key,
//!    naming the same root and tree size; required for bundles v0.2 and later, verified when
//!    present in v0.1 bundles; cosign's layer annotation has no place for one, and on the main
//!    path such a layer is likewise a v0.1 bundle bound to the log by its SET alone;
//! 3. the entry describes this very envelope (payload type, payload, signatures) and names this
//!    certificate;
//! 4. the certificate chains to a trusted Fulcio root at the integrated time, with the
//!    code-signing EKU, and its embedded SCT verifies with a trusted CT log ([`crate::fulcio`]);
//! 5. the identity and issuer match; 6. the DSSE signature verifies with the certificate's key.
//!
//! RFC 3161 timestamps are not verified on this path, so an entry that carries one is refused
//! rather than passed with part of its material unchecked.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use sigstore_verify::crypto::{Checkpoint, CheckpointVerifyExt};
use sigstore_verify::types::DerPublicKey;
use vigil_log::merkle::{self, Hash, ProofError, leaf_hash};

use crate::keyless::{
    BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION, CertificateSigner, Keyless, TIMESTAMP_ANNOTATION,
    pem_certificates,
};
use crate::trust::TrustRoot;

/// Most hashes accepted in one audit path (a tree of 2^64 leaves needs 64).
const MAX_PROOF_HASHES: usize = 64;

/// Why a request-form entry is refused without the opt-in.
pub(crate) fn refusal() -> String {
    "the Rekor entry is a `dsse` entry in request form (`spec.proposedContent`), as only a test Sigstore such as the local mock writes it (a real Rekor stores the canonical form); such entries are verified only when explicitly allowed for a private test deployment: `--allow-request-form-rekor` with `--trusted-root`, or `allowRequestFormRekor: true` in a policy's keyless authority".into()
}

/// A transparency-log entry, from a cosign layer annotation or a bundle's `tlogEntries`.
struct LogEntry {
    /// The canonicalized body, base64 (what the SET signs and the Merkle leaf hashes).
    body: String,
    integrated_time: i64,
    log_index: i64,
    log_id: Vec<u8>,
    set: Vec<u8>,
    proof: Option<InclusionProof>,
}

/// A Rekor v1 inclusion proof with its checkpoint.
struct InclusionProof {
    log_index: u64,
    tree_size: u64,
    root_hash: Vec<u8>,
    hashes: Vec<Vec<u8>>,
    checkpoint: String,
}

/// Whether a base64 entry body is a `dsse` v0.0.1 entry in request form.
fn is_request_form_body(body_b64: &str) -> bool {
    let Some(body) = BASE64.decode(body_b64).ok() else { return false };
    let Ok(entry) = serde_json::from_slice::<Value>(&body) else { return false };
    entry["kind"] == "dsse" && entry["apiVersion"] == "0.0.1" && entry["spec"]["proposedContent"].is_object()
}

/// Whether cosign's Rekor-bundle annotation holds a request-form entry.
pub(crate) fn is_request_form_annotation(annotation: &str) -> bool {
    serde_json::from_str::<Value>(annotation)
        .ok()
        .and_then(|value| value["Payload"]["body"].as_str().map(is_request_form_body))
        .unwrap_or(false)
}

/// Verifies a keyless cosign DSSE layer whose Rekor annotation is in request form.
pub(crate) fn verify_layer(
    keyless: &Keyless,
    envelope_json: &[u8],
    annotations: &BTreeMap<String, String>,
) -> Result<CertificateSigner, String> {
    if !keyless.root.allows_request_form_rekor() {
        return Err(refusal());
    }
    if annotations.contains_key(TIMESTAMP_ANNOTATION) {
        return Err(format!(
            "`{TIMESTAMP_ANNOTATION}`: RFC 3161 timestamps are not verified for request-form Rekor entries; refusing rather than leaving it unchecked"
        ));
    }
    let rekor = annotations.get(BUNDLE_ANNOTATION).ok_or_else(|| format!("no `{BUNDLE_ANNOTATION}` annotation"))?;
    let entry = from_annotation(rekor)?;
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
    // cosign's annotation carries no inclusion proof (see the module docs).
    verify(keyless, envelope_json, &leaf, &chain, &entry, false)
}

/// A Sigstore bundle (JSON) whose Rekor entry is in request form, verified by this path; `None`
/// when it is not of that kind (the main bundle verifier then applies).
pub(crate) fn verify_bundle(keyless: &Keyless, bundle: &Value) -> Option<Result<CertificateSigner, String>> {
    let entries = bundle["verificationMaterial"]["tlogEntries"].as_array()?;
    if !entries.iter().any(|e| e["canonicalizedBody"].as_str().is_some_and(is_request_form_body)) {
        return None;
    }
    Some(verify_bundle_entry(keyless, bundle, entries))
}

fn verify_bundle_entry(keyless: &Keyless, bundle: &Value, entries: &[Value]) -> Result<CertificateSigner, String> {
    if !keyless.root.allows_request_form_rekor() {
        return Err(refusal());
    }
    let [entry] = entries else {
        return Err(format!(
            "the bundle has {} transparency-log entries with a request-form one, expected exactly one",
            entries.len()
        ));
    };
    let material = &bundle["verificationMaterial"];
    if material["timestampVerificationData"]["rfc3161Timestamps"].as_array().is_some_and(|t| !t.is_empty()) {
        return Err(
            "RFC 3161 timestamps are not verified for request-form Rekor entries; refusing rather than leaving them unchecked".into(),
        );
    }
    let media_type = bundle["mediaType"].as_str().unwrap_or_default();
    let is_v01 = media_type == "application/vnd.dev.sigstore.bundle+json;version=0.1";
    let parsed = from_bundle_entry(entry, is_v01)?;
    let certificates: Vec<&str> = match material["certificate"]["rawBytes"].as_str() {
        Some(one) => vec![one],
        None => material["x509CertificateChain"]["certificates"]
            .as_array()
            .map(|list| list.iter().filter_map(|c| c["rawBytes"].as_str()).collect())
            .unwrap_or_default(),
    };
    let mut certificates = certificates
        .into_iter()
        .map(|c| BASE64.decode(c).map_err(|_| "certificate rawBytes is not base64".to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    if certificates.is_empty() {
        return Err("the bundle holds no signing certificate (keyless verification needs one)".into());
    }
    let leaf = certificates.remove(0);
    let envelope = bundle.get("dsseEnvelope").ok_or("the bundle holds no DSSE envelope")?;
    let envelope = serde_json::to_vec(envelope).map_err(|e| e.to_string())?;
    verify(keyless, &envelope, &leaf, &certificates, &parsed, !is_v01)
}

/// cosign's `{"SignedEntryTimestamp": b64, "Payload": {"body": b64, "integratedTime": n,
/// "logIndex": n, "logID": hex}}`.
fn from_annotation(annotation: &str) -> Result<LogEntry, String> {
    let bad = |what: &str| format!("`{BUNDLE_ANNOTATION}`: {what}");
    let value: Value = serde_json::from_str(annotation).map_err(|e| bad(&format!("not JSON: {e}")))?;
    let set = value["SignedEntryTimestamp"].as_str().ok_or_else(|| bad("no SignedEntryTimestamp"))?;
    let payload = &value["Payload"];
    Ok(LogEntry {
        body: payload["body"].as_str().ok_or_else(|| bad("no Payload.body"))?.to_string(),
        integrated_time: payload["integratedTime"].as_i64().ok_or_else(|| bad("no Payload.integratedTime"))?,
        log_index: payload["logIndex"].as_i64().ok_or_else(|| bad("no Payload.logIndex"))?,
        log_id: payload["logID"].as_str().and_then(decode_hex).ok_or_else(|| bad("Payload.logID is not hex"))?,
        set: BASE64.decode(set).map_err(|_| bad("SignedEntryTimestamp is not base64"))?,
        proof: None,
    })
}

/// A protobuf-specs `TransparencyLogEntry` (JSON). In a v0.1 bundle a proof without a
/// checkpoint proves nothing and is ignored in favour of the SET, as on the main path.
fn from_bundle_entry(entry: &Value, is_v01: bool) -> Result<LogEntry, String> {
    let bad = |what: &str| format!("transparency-log entry: {what}");
    let number = |v: &Value| v.as_str().and_then(|s| s.parse::<i64>().ok()).or_else(|| v.as_i64());
    let unsigned = |v: &Value| v.as_str().and_then(|s| s.parse::<u64>().ok()).or_else(|| v.as_u64());
    if entry["kindVersion"]["kind"] != "dsse" || entry["kindVersion"]["version"] != "0.0.1" {
        return Err(bad(&format!("kindVersion is {}, but the body is a `dsse` 0.0.1 entry", entry["kindVersion"])));
    }
    let set = entry["inclusionPromise"]["signedEntryTimestamp"].as_str().ok_or_else(|| {
        bad("no inclusionPromise (SET): the integrated time of a request-form entry cannot be proven")
    })?;
    let proof = &entry["inclusionProof"];
    let checkpoint = proof["checkpoint"]["envelope"].as_str().unwrap_or_default();
    let proof = if proof.is_null() || (is_v01 && checkpoint.trim().is_empty()) {
        None
    } else {
        let decode = |v: &Value, what: &str| {
            v.as_str()
                .and_then(|s| BASE64.decode(s).ok())
                .ok_or_else(|| bad(&format!("inclusionProof.{what} is not base64")))
        };
        let hashes = proof["hashes"].as_array().map(Vec::as_slice).unwrap_or_default();
        if hashes.len() > MAX_PROOF_HASHES {
            return Err(bad(&format!("inclusionProof has {} hashes, more than {MAX_PROOF_HASHES}", hashes.len())));
        }
        // Protobuf JSON omits zero values: an absent `logIndex` is leaf 0 (the Sigstore mock's).
        let count = |v: &Value, what: &str| match v {
            Value::Null => Ok(0),
            v => unsigned(v).ok_or_else(|| bad(&format!("inclusionProof.{what} is not a number"))),
        };
        Some(InclusionProof {
            log_index: count(&proof["logIndex"], "logIndex")?,
            tree_size: count(&proof["treeSize"], "treeSize")?,
            root_hash: decode(&proof["rootHash"], "rootHash")?,
            hashes: hashes.iter().map(|h| decode(h, "hashes")).collect::<Result<_, _>>()?,
            checkpoint: checkpoint.to_string(),
        })
    };
    Ok(LogEntry {
        body: entry["canonicalizedBody"].as_str().ok_or_else(|| bad("no canonicalizedBody"))?.to_string(),
        integrated_time: number(&entry["integratedTime"]).ok_or_else(|| bad("no integratedTime"))?,
        log_index: number(&entry["logIndex"]).ok_or_else(|| bad("no logIndex"))?,
        log_id: entry["logId"]["keyId"]
            .as_str()
            .and_then(|k| BASE64.decode(k).ok())
            .ok_or_else(|| bad("logId.keyId is not base64"))?,
        set: BASE64.decode(set).map_err(|_| bad("inclusionPromise.signedEntryTimestamp is not base64"))?,
        proof,
    })
}

/// Every check of the module docs, in order.
fn verify(
    keyless: &Keyless,
    envelope_json: &[u8],
    leaf: &[u8],
    chain: &[Vec<u8>],
    entry: &LogEntry,
    proof_required: bool,
) -> Result<CertificateSigner, String> {
    // 1. The SET: Rekor's signature over the canonical JSON of the entry, by a trusted log key
    // valid at the integrated time, which must not lie in the future.
    let log_hex: String = entry.log_id.iter().map(|b| format!("{b:02x}")).collect();
    let log = log_of(&keyless.root, &entry.log_id)
        .ok_or_else(|| format!("SET: log {log_hex} is not a transparency log of the trusted root"))?;
    if let Some(window) = log.public_key.valid_for.as_ref()
        && !crate::fulcio::within(entry.integrated_time, window.start.as_second(), window.end.map(|e| e.as_second()))
    {
        return Err(format!("SET: the log key is not valid at the integrated time {}", entry.integrated_time));
    }
    let now = vigil_core::time::now_unix();
    if entry.integrated_time > now {
        return Err(format!("SET: the integrated time {} is in the future (now {now})", entry.integrated_time));
    }
    let signed = json!({"body": entry.body, "integratedTime": entry.integrated_time, "logID": log_hex, "logIndex": entry.log_index});
    let message = serde_json::to_vec(&sort_keys(signed)).map_err(|e| e.to_string())?;
    let log_key_der = log.public_key.raw_bytes.as_bytes();
    let key = crate::keys::load_public_key(log_key_der).map_err(|e| format!("SET: trusted log key: {e}"))?;
    key.verify(&message, &entry.set)
        .map_err(|_| "SET: signature does not verify with the trusted Rekor key".to_string())?;
    let body = BASE64.decode(&entry.body).map_err(|_| "log entry: the body is not base64".to_string())?;

    // 2. The inclusion proof and its checkpoint, signed by the same log.
    match &entry.proof {
        Some(proof) => verify_inclusion(proof, &body, log_key_der)?,
        None if proof_required => {
            return Err("log entry: no inclusion proof (bundles v0.2 and later must carry one)".into());
        }
        None => {}
    }

    // 3. The entry describes this envelope and this certificate.
    let entry_json: Value =
        serde_json::from_slice(&body).map_err(|e| format!("log entry: the body is not JSON: {e}"))?;
    let proposed = &entry_json["spec"]["proposedContent"];
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
                .is_some_and(|certs| certs.first().map(Vec::as_slice) == Some(leaf))
        })
    });
    if !logs_leaf {
        return Err("log entry does not match the attestation: it names another certificate".into());
    }

    // 4. The certificate at the integrated time, its SCT; 5. identity and issuer.
    let intermediates: Vec<Vec<u8>> = chain.iter().filter(|c| c.as_slice() != leaf).cloned().collect();
    let claims = crate::fulcio::verify_certificate(leaf, &intermediates, &keyless.root, entry.integrated_time)?;
    keyless.identity.check(claims.identity.as_deref(), claims.issuer.as_deref())?;

    // 6. The envelope's signature with the certificate's key.
    let spki = {
        use x509_cert::der::{Decode, Encode};
        let cert = x509_cert::Certificate::from_der(leaf).map_err(|e| format!("signing certificate: {e}"))?;
        cert.tbs_certificate.subject_public_key_info.to_der().map_err(|e| e.to_string())?
    };
    let key = crate::keys::load_public_key(&spki).map_err(|e| format!("signing certificate key: {e}"))?;
    let envelope = crate::dsse::Envelope::from_json(envelope_json).map_err(|e| e.to_string())?;
    envelope.verify(&key, &envelope.payload_type).map_err(|e| format!("DSSE signature: {e}"))?;
    Ok(CertificateSigner {
        identity: claims.identity.unwrap_or_default(),
        issuer: claims.issuer.unwrap_or_default(),
        signed_at: Some(vigil_core::time::rfc3339(entry.integrated_time)),
    })
}

fn log_of<'a>(root: &'a TrustRoot, log_id: &[u8]) -> Option<&'a sigstore_verify::trust_root::TransparencyLog> {
    root.inner().tlogs.iter().find(|log| log.log_id.key_id.as_bytes() == log_id)
}

/// The Merkle audit path from the body's leaf hash to the proof's root, and the checkpoint that
/// commits the log to that root: signed by the log's key (`log_key_der`, SPKI), naming the
/// same root hash and tree size.
fn verify_inclusion(proof: &InclusionProof, body: &[u8], log_key_der: &[u8]) -> Result<(), String> {
    let root: [u8; 32] =
        proof.root_hash.as_slice().try_into().map_err(|_| "inclusion proof: rootHash is not 32 bytes".to_string())?;
    let path = proof
        .hashes
        .iter()
        .map(|h| <[u8; 32]>::try_from(h.as_slice()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "inclusion proof: a path hash is not 32 bytes".to_string())?;
    verify_audit_path(&leaf_hash(body), proof.log_index, proof.tree_size, &path, &root)
        .map_err(|why| format!("inclusion proof: {why}"))?;
    let checkpoint =
        Checkpoint::from_text(&proof.checkpoint).map_err(|e| format!("inclusion proof: checkpoint: {e}"))?;
    if checkpoint.root_hash().as_bytes() != root.as_slice() {
        return Err("inclusion proof: the checkpoint names another root hash than the proof".into());
    }
    if checkpoint.tree_size() != proof.tree_size {
        return Err(format!(
            "inclusion proof: the checkpoint names tree size {}, the proof {}",
            checkpoint.tree_size(),
            proof.tree_size
        ));
    }
    checkpoint
        .verify_signature(&DerPublicKey::new(log_key_der.to_vec()))
        .map_err(|e| format!("inclusion proof: checkpoint is not signed by the trusted Rekor key: {e}"))
}

/// RFC 9162 section 2.1.3.2 (`vigil_log::merkle::verify_inclusion`): verifies that `path`
/// leads from `leaf` at `index` in a tree of `size` leaves to `root`, in this module's words.
fn verify_audit_path(leaf: &Hash, index: u64, size: u64, path: &[Hash], root: &Hash) -> Result<(), String> {
    merkle::verify_inclusion(leaf, index, size, path, root).map_err(|e| match e {
        ProofError::IndexOutOfRange { .. } => format!("leaf index {index} is not below the tree size {size}"),
        ProofError::WrongProofLength { expected, actual } if actual > expected => {
            format!("the audit path is longer than a tree of {size} leaves needs")
        }
        ProofError::WrongProofLength { .. } => format!("the audit path is shorter than a tree of {size} leaves needs"),
        ProofError::RootMismatch => "the audit path does not lead to the root hash (entry not in the log)".into(),
        other => format!("the audit path does not fit a tree of {size} leaves: {other}"),
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

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_log::merkle::node_hash;

    /// RFC 9162 section 2.1.1 MTH, the definition (for tests: quadratic, recursive).
    fn tree_hash(leaves: &[Vec<u8>]) -> [u8; 32] {
        match leaves {
            [] => merkle::empty_root(),
            [one] => leaf_hash(one),
            _ => {
                let k = split(leaves.len());
                node_hash(&tree_hash(&leaves[..k]), &tree_hash(&leaves[k..]))
            }
        }
    }

    /// The largest power of two smaller than `n` (n > 1).
    fn split(n: usize) -> usize {
        let mut k = 1;
        while k * 2 < n {
            k *= 2;
        }
        k
    }

    /// RFC 9162 section 2.1.3.1 PATH(m, D[n]), the definition.
    fn audit_path(m: usize, leaves: &[Vec<u8>]) -> Vec<[u8; 32]> {
        if leaves.len() <= 1 {
            return Vec::new();
        }
        let k = split(leaves.len());
        if m < k {
            let mut path = audit_path(m, &leaves[..k]);
            path.push(tree_hash(&leaves[k..]));
            path
        } else {
            let mut path = audit_path(m - k, &leaves[k..]);
            path.push(tree_hash(&leaves[..k]));
            path
        }
    }

    /// The leaves of the RFC 6962 test vectors used by certificate-transparency-go and Trillian.
    fn vector_leaves() -> Vec<Vec<u8>> {
        ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
            .iter()
            .map(|h| decode_hex(h).unwrap())
            .collect()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn tree_hashes_match_the_published_rfc6962_vectors() {
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let leaves = vector_leaves();
        for (n, root) in roots.iter().enumerate() {
            assert_eq!(hex(&tree_hash(&leaves[..=n])), *root, "tree of {} leaves", n + 1);
        }
    }

    #[test]
    fn published_inclusion_proofs_verify() {
        // certificate-transparency-go merkle tests: leaf 0 of 8 and leaf 5 of 8.
        let leaves = vector_leaves();
        let root: [u8; 32] =
            decode_hex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328").unwrap().try_into().unwrap();
        let path = |hashes: &[&str]| -> Vec<[u8; 32]> {
            hashes.iter().map(|h| decode_hex(h).unwrap().try_into().unwrap()).collect()
        };
        let leaf0 = path(&[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]);
        verify_audit_path(&leaf_hash(&leaves[0]), 0, 8, &leaf0, &root).unwrap();
        let leaf5 = path(&[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ]);
        verify_audit_path(&leaf_hash(&leaves[5]), 5, 8, &leaf5, &root).unwrap();
        assert_eq!(audit_path(0, &leaves), leaf0);
        assert_eq!(audit_path(5, &leaves), leaf5);
    }

    #[test]
    fn every_leaf_of_every_small_tree_verifies_and_every_tampering_fails() {
        let leaves: Vec<Vec<u8>> = (0u8..17).map(|i| vec![i; usize::from(i)]).collect();
        for n in 1..=leaves.len() {
            let tree = &leaves[..n];
            let root = tree_hash(tree);
            let size = u64::try_from(n).unwrap();
            for m in 0..n {
                let index = u64::try_from(m).unwrap();
                let leaf = leaf_hash(&tree[m]);
                let path = audit_path(m, tree);
                verify_audit_path(&leaf, index, size, &path, &root).unwrap_or_else(|e| panic!("{m} of {n}: {e}"));
                // A flipped bit anywhere in the path, the leaf or the root.
                for i in 0..path.len() {
                    let mut bad = path.clone();
                    bad[i][7] ^= 1;
                    assert!(verify_audit_path(&leaf, index, size, &bad, &root).is_err(), "{m} of {n}, hash {i}");
                }
                let mut bad_root = root;
                bad_root[0] ^= 0x80;
                assert!(verify_audit_path(&leaf, index, size, &path, &bad_root).is_err());
                let mut bad_leaf = leaf;
                bad_leaf[31] ^= 1;
                assert!(verify_audit_path(&bad_leaf, index, size, &path, &root).is_err());
                // Another index or size, one hash more or less.
                assert!(verify_audit_path(&leaf, size, size, &path, &root).is_err());
                if n > 1 {
                    assert!(verify_audit_path(&leaf, (index + 1) % size, size, &path, &root).is_err());
                    assert!(verify_audit_path(&leaf, index, size, &path[1..], &root).is_err());
                }
                let mut longer = path.clone();
                longer.push(root);
                assert!(verify_audit_path(&leaf, index, size, &longer, &root).is_err());
            }
        }
    }

    #[test]
    fn a_tree_of_one_has_an_empty_path_to_its_leaf_hash() {
        // What the Sigstore mock logs: every entry is the only leaf of its own tree.
        let body = br#"{"kind":"dsse"}"#;
        let root = leaf_hash(body);
        verify_audit_path(&root, 0, 1, &[], &root).unwrap();
        assert!(verify_audit_path(&root, 1, 1, &[], &root).unwrap_err().contains("not below"));
        assert!(verify_audit_path(&root, 0, 0, &[], &root).is_err());
    }

    #[test]
    fn request_form_bodies_are_told_apart_from_canonical_ones() {
        let request = BASE64.encode(
            br#"{"apiVersion":"0.0.1","kind":"dsse","spec":{"proposedContent":{"envelope":"{}","verifiers":[]}}}"#,
        );
        let canonical = BASE64.encode(
            br#"{"apiVersion":"0.0.1","kind":"dsse","spec":{"envelopeHash":{},"payloadHash":{},"signatures":[]}}"#,
        );
        assert!(is_request_form_body(&request));
        assert!(!is_request_form_body(&canonical));
        assert!(!is_request_form_body("!!"));
        let annotation = json!({"SignedEntryTimestamp": "AA==", "Payload": {"body": request}}).to_string();
        assert!(is_request_form_annotation(&annotation));
    }
}
