//! Request-form Rekor entries: refused unless the trusted root opts in, and then verified in
//! full, inclusion proof and checkpoint included. The fixture is a keyless DSSE bundle made by
//! real cosign 2.5 (`attest-blob --new-bundle-format`) against the local Sigstore mock, whose
//! Rekor logs the proposed `dsse` entry verbatim, with the mock's trusted root.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;
use vigil_sign::bundle::{BundleError, Identity, Matcher, Signer, Subject, verify_bundle_file};
use vigil_sign::trust::TrustRoot;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/request_form")
}

fn root() -> TrustRoot {
    TrustRoot::from_file(&fixtures().join("trusted_root.json")).unwrap()
}

fn signer() -> Signer {
    Signer::Keyless(Identity {
        subject: Matcher::Exact("dev@example.com".into()),
        issuer: Matcher::Exact("https://fake.oidcissuer.com".into()),
    })
}

fn bundle() -> Value {
    serde_json::from_slice(&std::fs::read(fixtures().join("attestation.sigstore.json")).unwrap()).unwrap()
}

/// Verifies `bundle` (written to a temporary file) for the fixture's blob.
fn verify(bundle: &Value, root: &TrustRoot) -> Result<vigil_sign::bundle::BundleVerified, BundleError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.sigstore.json");
    std::fs::write(&path, serde_json::to_vec(bundle).unwrap()).unwrap();
    verify_bundle_file(&path, &Subject::File(&fixtures().join("blob.txt")), &signer(), root)
}

fn reason(result: Result<vigil_sign::bundle::BundleVerified, BundleError>) -> String {
    match result {
        Err(BundleError::Verification { reason, .. }) => reason,
        other => panic!("expected a verification failure, got {other:?}"),
    }
}

fn proof(bundle: &mut Value) -> &mut Value {
    &mut bundle["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]
}

#[test]
fn the_fixture_is_a_request_form_entry_with_an_inclusion_proof() {
    let bundle = bundle();
    let entry = &bundle["verificationMaterial"]["tlogEntries"][0];
    let body: Value =
        serde_json::from_slice(&BASE64.decode(entry["canonicalizedBody"].as_str().unwrap()).unwrap()).unwrap();
    assert!(body["spec"]["proposedContent"].is_object(), "{body}");
    assert!(entry["inclusionProof"]["checkpoint"]["envelope"].as_str().unwrap().contains('\u{2014}'));
    assert_eq!(bundle["mediaType"], "application/vnd.dev.sigstore.bundle.v0.3+json");
}

#[test]
fn without_the_opt_in_the_entry_is_refused_naming_the_option() {
    let why = reason(verify(&bundle(), &root()));
    assert!(why.contains("request form") && why.contains("--allow-request-form-rekor"), "{why}");
    assert!(why.contains("allowRequestFormRekor"), "{why}");
}

#[test]
fn with_the_opt_in_it_verifies_and_names_the_signer() {
    let verified = verify(&bundle(), &root().allow_request_form_rekor()).unwrap();
    assert_eq!(verified.identity.as_deref(), Some("dev@example.com"));
    assert_eq!(verified.issuer.as_deref(), Some("https://fake.oidcissuer.com"));
    assert!(verified.tlog_verified);
    assert_eq!(verified.predicate_type.as_deref(), Some("https://cosign.sigstore.dev/attestation/v1"));
    // Another identity does not.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.json");
    std::fs::write(&path, serde_json::to_vec(&bundle()).unwrap()).unwrap();
    let mallory = Signer::Keyless(Identity {
        subject: Matcher::Exact("mallory@example.com".into()),
        issuer: Matcher::Exact("https://fake.oidcissuer.com".into()),
    });
    let err = verify_bundle_file(
        &path,
        &Subject::File(&fixtures().join("blob.txt")),
        &mallory,
        &root().allow_request_form_rekor(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("does not match `mallory@example.com`"), "{err}");
}

#[test]
fn a_tampered_inclusion_proof_is_refused() {
    let allowed = root().allow_request_form_rekor();
    // One bit of the proof's root hash.
    let mut flipped = bundle();
    let mut hash = BASE64.decode(proof(&mut flipped)["rootHash"].as_str().unwrap()).unwrap();
    hash[5] ^= 1;
    proof(&mut flipped)["rootHash"] = BASE64.encode(&hash).into();
    let why = reason(verify(&flipped, &allowed));
    assert!(why.contains("inclusion proof") && why.contains("root hash"), "{why}");

    // A hash added to the audit path of a one-leaf tree.
    let mut longer = bundle();
    proof(&mut longer)["hashes"] = serde_json::json!([BASE64.encode([7u8; 32])]);
    let why = reason(verify(&longer, &allowed));
    assert!(why.contains("inclusion proof") && why.contains("longer"), "{why}");

    // A leaf index outside the tree.
    let mut index = bundle();
    proof(&mut index)["logIndex"] = "1".into();
    assert!(reason(verify(&index, &allowed)).contains("not below the tree size"));

    // The checkpoint's signature, and the root it names.
    let checkpoint = bundle()["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"]
        .as_str()
        .unwrap()
        .to_string();
    let (note, signature_line) = checkpoint.split_once("\n\n").unwrap();
    let (prefix, signature) = signature_line.trim_end().rsplit_once(' ').unwrap();
    let mut raw = BASE64.decode(signature).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    let mut forged = bundle();
    proof(&mut forged)["checkpoint"]["envelope"] = format!("{note}\n\n{prefix} {}\n", BASE64.encode(raw)).into();
    let why = reason(verify(&forged, &allowed));
    assert!(why.contains("checkpoint") && why.contains("Rekor key"), "{why}");

    let mut other_root = bundle();
    let lines: Vec<&str> = note.lines().collect();
    let zero = BASE64.encode([0u8; 32]);
    let renamed = format!("{}\n{}\n{zero}\n{}\n\n{signature_line}", lines[0], lines[1], lines[3..].join("\n"));
    proof(&mut other_root)["checkpoint"]["envelope"] = renamed.into();
    let why = reason(verify(&other_root, &allowed));
    assert!(why.contains("checkpoint names another root hash"), "{why}");
}

#[test]
fn a_v03_bundle_without_an_inclusion_proof_is_refused() {
    let mut bundle = bundle();
    bundle["verificationMaterial"]["tlogEntries"][0].as_object_mut().unwrap().remove("inclusionProof");
    let why = reason(verify(&bundle, &root().allow_request_form_rekor()));
    assert!(why.contains("no inclusion proof"), "{why}");
}

#[test]
fn a_forged_set_or_another_artifact_is_refused() {
    let allowed = root().allow_request_form_rekor();
    let mut bundle = bundle();
    let promise = &mut bundle["verificationMaterial"]["tlogEntries"][0]["inclusionPromise"]["signedEntryTimestamp"];
    let mut set = BASE64.decode(promise.as_str().unwrap()).unwrap();
    let last = set.len() - 1;
    set[last] ^= 1;
    *promise = BASE64.encode(set).into();
    assert!(reason(verify(&bundle, &allowed)).contains("SET"));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.json");
    std::fs::write(&path, std::fs::read(fixtures().join("attestation.sigstore.json")).unwrap()).unwrap();
    let err = verify_bundle_file(&path, &Subject::Bytes(b"another artifact"), &signer(), &allowed).unwrap_err();
    assert!(err.to_string().contains("does not match any subject"), "{err}");
}
