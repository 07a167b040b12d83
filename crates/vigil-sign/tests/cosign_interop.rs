//! Interop with the real cosign binary: keys from `cosign generate-key-pair` load in vigil, and a
//! vigil-generated key signs a blob that `cosign verify-blob` accepts. Needs cosign:
//! `$VIGIL_COSIGN`, which scripts/test sets (`ensure_cosign` unpacks Debian trixie's cosign 2.5
//! under `~/.cache/vigil-peers`), or `cosign` on `PATH`. Without it the test fails with
//! `CI=true` and is reported as skipped otherwise (`vigil_testkit`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use vigil_sign::keys::{generate_key_pair, load_private_key, load_public_key};

const PASSWORD: &str = "interop-password";

fn cosign() -> Option<PathBuf> {
    match std::env::var_os("VIGIL_COSIGN") {
        None => vigil_testkit::find_on_path("cosign").or_else(vigil_testkit::cosign),
        Some(_) => vigil_testkit::cosign(),
    }
}

fn run(cosign: &Path, dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(cosign)
        .args(args)
        .current_dir(dir)
        .env("COSIGN_PASSWORD", PASSWORD)
        // Keep cosign offline and quiet: no TUF fetches, no update checks.
        .env("SIGSTORE_NO_CACHE", "true")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "cosign {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    output
}

#[test]
fn cosign_generated_keys_load_in_vigil() {
    let Some(cosign) = cosign() else { return };
    let dir = tempfile::tempdir().unwrap();
    run(&cosign, dir.path(), &["generate-key-pair"]);
    let private = std::fs::read(dir.path().join("cosign.key")).unwrap();
    let public = std::fs::read(dir.path().join("cosign.pub")).unwrap();

    let key = load_private_key(&private, PASSWORD.as_bytes()).unwrap();
    let verifier = load_public_key(&public).unwrap();
    assert_eq!(key.public_key_pem(), verifier.public_key_pem());

    // A cosign signature over a blob verifies in vigil.
    std::fs::write(dir.path().join("blob"), b"signed by cosign\n").unwrap();
    run(
        &cosign,
        dir.path(),
        &["sign-blob", "--key", "cosign.key", "--tlog-upload=false", "--output-signature", "sig", "blob"],
    );
    let sig = std::fs::read_to_string(dir.path().join("sig")).unwrap();
    let sig = BASE64.decode(sig.trim()).unwrap();
    verifier.verify(b"signed by cosign\n", &sig).unwrap();
}

#[test]
fn vigil_signature_verifies_with_cosign() {
    let Some(cosign) = cosign() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pair = generate_key_pair(PASSWORD.as_bytes()).unwrap();
    std::fs::write(dir.path().join("vigil.key"), &pair.private_pem).unwrap();
    std::fs::write(dir.path().join("vigil.pub"), &pair.public_pem).unwrap();

    // cosign decrypts the vigil-written private key.
    let printed = run(&cosign, dir.path(), &["public-key", "--key", "vigil.key"]);
    assert_eq!(String::from_utf8_lossy(&printed.stdout), pair.public_pem);

    let blob = b"signed by vigil\n";
    std::fs::write(dir.path().join("blob"), blob).unwrap();
    let key = load_private_key(pair.private_pem.as_bytes(), PASSWORD.as_bytes()).unwrap();
    let sig = BASE64.encode(key.sign(blob).unwrap());
    std::fs::write(dir.path().join("sig.b64"), sig).unwrap();
    run(
        &cosign,
        dir.path(),
        &["verify-blob", "--key", "vigil.pub", "--signature", "sig.b64", "--insecure-ignore-tlog=true", "blob"],
    );
}

#[test]
fn cosign_attest_blob_envelope_verifies_in_vigil() {
    use vigil_sign::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
    let Some(cosign) = cosign() else { return };
    let dir = tempfile::tempdir().unwrap();
    run(&cosign, dir.path(), &["generate-key-pair"]);
    std::fs::write(dir.path().join("blob"), b"attested by cosign\n").unwrap();
    std::fs::write(dir.path().join("pred.json"), br#"{"builder":"ci"}"#).unwrap();
    // cosign prints the DSSE envelope on stdout (`--output-attestation` gets the bare statement).
    let printed = run(
        &cosign,
        dir.path(),
        &[
            "attest-blob",
            "--key",
            "cosign.key",
            "--predicate",
            "pred.json",
            "--type",
            "custom",
            "--tlog-upload=false",
            "--yes",
            "blob",
        ],
    );
    let verifier = load_public_key(&std::fs::read(dir.path().join("cosign.pub")).unwrap()).unwrap();
    let envelope = Envelope::from_json(printed.stdout.trim_ascii()).unwrap();
    let statement: serde_json::Value =
        serde_json::from_slice(&envelope.verify(&verifier, IN_TOTO_PAYLOAD_TYPE).unwrap()).unwrap();
    assert_eq!(statement["subject"][0]["name"], "blob");
    assert_eq!(statement["predicate"]["Data"], r#"{"builder":"ci"}"#);

    // The same envelope with one payload byte changed must not verify.
    let mut forged = envelope.clone();
    let mut payload = forged.payload_bytes().unwrap();
    let last = payload.len() - 2;
    payload[last] ^= 1;
    forged.payload = BASE64.encode(payload);
    assert!(forged.verify(&verifier, IN_TOTO_PAYLOAD_TYPE).is_err());
}

#[test]
fn vigil_envelope_verifies_with_cosign_verify_blob_attestation() {
    use vigil_sign::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
    let Some(cosign) = cosign() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pair = generate_key_pair(PASSWORD.as_bytes()).unwrap();
    std::fs::write(dir.path().join("vigil.pub"), &pair.public_pem).unwrap();
    let blob = b"attested by vigil\n";
    std::fs::write(dir.path().join("blob"), blob).unwrap();
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, blob);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "blob", "digest": {"sha256": hex}}],
        "predicateType": "https://example.com/predicate/v1",
        "predicate": {"ok": true},
    });
    let key = load_private_key(pair.private_pem.as_bytes(), PASSWORD.as_bytes()).unwrap();
    let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &serde_json::to_vec(&statement).unwrap(), &key).unwrap();
    std::fs::write(dir.path().join("att.json"), envelope.to_json()).unwrap();
    run(
        &cosign,
        dir.path(),
        &[
            "verify-blob-attestation",
            "--key",
            "vigil.pub",
            "--signature",
            "att.json",
            "--type",
            "https://example.com/predicate/v1",
            "--insecure-ignore-tlog=true",
            "blob",
        ],
    );
}
