//! Corpus test: the cosign 2.5 key pair in `$VIGIL_CORPORA/cosign-samples` (`cosign.key`,
//! `cosign.password`, `cosign.pub`) loads, and its private key matches its public key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use vigil_sign::keys::{KeyAlgorithm, load_private_key, load_public_key};

fn corpus_dir() -> Option<PathBuf> {
    vigil_testkit::require_corpus("cosign-samples")
}

fn read(dir: &std::path::Path, name: &str) -> Vec<u8> {
    let path = dir.join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn cosign_key_decrypts_and_matches_cosign_pub() {
    let Some(dir) = corpus_dir() else { return };
    let password = read(&dir, "cosign.password");
    let password = password.strip_suffix(b"\n").unwrap_or(&password);
    let key = load_private_key(&read(&dir, "cosign.key"), password).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::EcdsaP256Sha256);

    let public = load_public_key(&read(&dir, "cosign.pub")).unwrap();
    assert_eq!(key.public_key_pem(), public.public_key_pem());

    let sig = key.sign(b"vigil corpus test").unwrap();
    public.verify(b"vigil corpus test", &sig).unwrap();
    vigil_testkit::report("cosign-samples: 1/1 (100.0%)");
}

#[test]
fn cosign_sample_signature_verifies() {
    let Some(dir) = corpus_dir() else { return };
    // sig.der is cosign's signature over payload.json, as cosign stores it base64-encoded in the
    // `dev.cosignproject.cosign/signature` annotation: ASN.1/DER ECDSA P-256 over SHA-256(payload).
    let public = load_public_key(&read(&dir, "cosign.pub")).unwrap();
    let payload = read(&dir, "payload.json");
    let sig = read(&dir, "sig.der");
    public.verify(&payload, &sig).unwrap();
}
