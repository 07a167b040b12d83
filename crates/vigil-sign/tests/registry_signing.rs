//! Signing and verifying images in a real registry, interoperating with cosign through it.
//! Needs the registry harness (`vigil_oci::testing`) and, for the cosign cases, `$VIGIL_COSIGN`
//! (scripts/test sets it). A missing one fails the test with `CI=true` (or, for the registry,
//! `VIGIL_REQUIRE_REGISTRY=1`) and reports it as skipped otherwise (`vigil_testkit`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vigil_core::reference::ImageReference;
use vigil_oci::testing::{Registry, start};
use vigil_oci::{RegistryClient, RegistryOptions};
use vigil_sign::cosign::{self, Error, LayerFailure};
use vigil_sign::keys::{SigningKey, VerifyingKey, generate_key_pair, load_private_key, load_public_key};

const PASSWORD: &str = "registry-signing";

struct Setup {
    registry: Registry,
    client: RegistryClient,
    dir: tempfile::TempDir,
}

impl Setup {
    fn image(&self, rest: &str) -> ImageReference {
        ImageReference::parse(&format!("{}/vigil/debian{rest}", self.registry.addr)).unwrap()
    }
}

fn setup() -> Option<Setup> {
    let (registry, _) = start(false)?;
    let client = RegistryClient::new(&RegistryOptions { plain_http: true, ..RegistryOptions::default() }).unwrap();
    Some(Setup { registry, client, dir: tempfile::tempdir().unwrap() })
}

/// A fresh key pair written as `NAME.key` / `NAME.pub` in `dir`.
fn key_pair(dir: &Path, name: &str) -> (SigningKey, VerifyingKey) {
    let pair = generate_key_pair(PASSWORD.as_bytes()).unwrap();
    std::fs::write(dir.join(format!("{name}.key")), &pair.private_pem).unwrap();
    std::fs::write(dir.join(format!("{name}.pub")), &pair.public_pem).unwrap();
    (
        load_private_key(pair.private_pem.as_bytes(), PASSWORD.as_bytes()).unwrap(),
        load_public_key(pair.public_pem.as_bytes()).unwrap(),
    )
}

fn cosign() -> Option<PathBuf> {
    vigil_testkit::cosign()
}

fn run_cosign(cosign: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(cosign)
        .args(args)
        .current_dir(dir)
        .env("COSIGN_PASSWORD", PASSWORD)
        .env("SIGSTORE_NO_CACHE", "true")
        .env("HOME", dir)
        .output()
        .unwrap()
}

/// Pushes a second image (the test image's manifest with one extra annotation, so a different
/// digest over the same blobs) as `vigil/debian:2.0`; returns its digest.
fn push_second_image(setup: &Setup) -> String {
    let original = setup.client.resolve(&setup.image(":1.0")).unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(&original.bytes).unwrap();
    json.as_object_mut().unwrap().insert("annotations".into(), serde_json::json!({"org.example.variant": "second"}));
    let bytes = serde_json::to_vec(&json).unwrap();
    setup.client.push_manifest(&setup.image(":2.0"), &bytes, &original.media_type).unwrap()
}

#[test]
fn vigil_sign_then_vigil_verify() {
    let Some(setup) = setup() else { return };
    let (key, public) = key_pair(setup.dir.path(), "k");
    let image = setup.image(":1.0");
    let annotations = BTreeMap::from([("build".to_string(), "42".to_string())]);
    let signed = cosign::sign(&setup.client, &image, &key, &annotations).unwrap();
    assert_eq!(signed.digest, setup.client.resolve(&image).unwrap().digest);
    assert_eq!(signed.signatures, 1);
    assert!(signed.signature_tag.ends_with(&format!("{}.sig", signed.digest.replace(':', "-"))));

    let verification = cosign::verify(&setup.client, &image, &public).unwrap();
    assert_eq!(verification.digest, signed.digest);
    let [signature] = verification.signatures.as_slice() else { panic!("one signature expected") };
    assert_eq!(signature.payload.critical.image.docker_manifest_digest, signed.digest);
    assert_eq!(signature.payload.critical.identity.docker_reference, image.name());
    assert_eq!(signature.payload.optional.as_ref().unwrap()["build"], "42");

    // The stored manifest has cosign's exact shape.
    let tag = ImageReference::parse(&signed.signature_tag).unwrap();
    let manifest = setup.client.manifest(&tag).unwrap().unwrap();
    assert_eq!(manifest.media_type, "application/vnd.oci.image.manifest.v1+json");
    let json: serde_json::Value = serde_json::from_slice(&manifest.bytes).unwrap();
    assert_eq!(json["config"]["mediaType"], "application/vnd.oci.image.config.v1+json");
    assert_eq!(json["layers"][0]["mediaType"], "application/vnd.dev.cosign.simplesigning.v1+json");
    assert!(json["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"].is_string());

    // By digest too.
    let pinned = setup.image(&format!("@{}", signed.digest));
    assert_eq!(cosign::verify(&setup.client, &pinned, &public).unwrap().signatures.len(), 1);
}

#[test]
fn vigil_signature_verifies_in_cosign() {
    let Some(setup) = setup() else { return };
    let Some(cosign_bin) = cosign() else { return };
    let (key, _) = key_pair(setup.dir.path(), "k");
    let image = setup.image(":1.0");
    let signed = cosign::sign(&setup.client, &image, &key, &BTreeMap::new()).unwrap();
    let pinned = format!("{}@{}", image.name(), signed.digest);
    let output = run_cosign(
        &cosign_bin,
        setup.dir.path(),
        &[
            "verify",
            "--key",
            "k.pub",
            "--insecure-ignore-tlog=true",
            "--allow-insecure-registry",
            "--allow-http-registry",
            &pinned,
        ],
    );
    assert!(output.status.success(), "cosign verify failed: {}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains(&signed.digest));
}

#[test]
fn cosign_signature_verifies_in_vigil() {
    let Some(setup) = setup() else { return };
    let Some(cosign_bin) = cosign() else { return };
    let (_, public) = key_pair(setup.dir.path(), "k");
    let image = setup.image(":1.0");
    let digest = setup.client.resolve(&image).unwrap().digest;
    let pinned = format!("{}@{digest}", image.name());
    let output = run_cosign(
        &cosign_bin,
        setup.dir.path(),
        &[
            "sign",
            "--key",
            "k.key",
            "--tlog-upload=false",
            "--allow-insecure-registry",
            "--allow-http-registry",
            "-y",
            "-a",
            "team=blue",
            &pinned,
        ],
    );
    assert!(output.status.success(), "cosign sign failed: {}", String::from_utf8_lossy(&output.stderr));
    let verification = cosign::verify(&setup.client, &image, &public).unwrap();
    let [signature] = verification.signatures.as_slice() else { panic!("one signature expected") };
    assert_eq!(signature.payload.critical.image.docker_manifest_digest, digest);
    assert_eq!(signature.payload.optional.as_ref().unwrap()["team"], "blue");

    // vigil appends to cosign's signature manifest; cosign accepts vigil's layer, vigil cosign's.
    let (vigil_key, vigil_public) = key_pair(setup.dir.path(), "v");
    let signed = cosign::sign(&setup.client, &image, &vigil_key, &BTreeMap::new()).unwrap();
    assert_eq!(signed.signatures, 2);
    assert_eq!(cosign::verify(&setup.client, &image, &vigil_public).unwrap().signatures.len(), 1);
    assert_eq!(cosign::verify(&setup.client, &image, &public).unwrap().signatures.len(), 1);
    for key in ["k.pub", "v.pub"] {
        let output = run_cosign(
            &cosign_bin,
            setup.dir.path(),
            &[
                "verify",
                "--key",
                key,
                "--insecure-ignore-tlog=true",
                "--allow-insecure-registry",
                "--allow-http-registry",
                &pinned,
            ],
        );
        assert!(
            output.status.success(),
            "cosign verify --key {key} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn second_signature_is_appended() {
    let Some(setup) = setup() else { return };
    let (first, first_public) = key_pair(setup.dir.path(), "a");
    let (second, second_public) = key_pair(setup.dir.path(), "b");
    let image = setup.image(":1.0");
    cosign::sign(&setup.client, &image, &first, &BTreeMap::new()).unwrap();
    let signed = cosign::sign(&setup.client, &image, &second, &BTreeMap::new()).unwrap();
    assert_eq!(signed.signatures, 2);
    let tag = ImageReference::parse(&signed.signature_tag).unwrap();
    let manifest = setup.client.manifest(&tag).unwrap().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&manifest.bytes).unwrap();
    assert_eq!(json["layers"].as_array().unwrap().len(), 2);
    let config = setup.client.blob(&image, json["config"]["digest"].as_str().unwrap()).unwrap();
    let config: serde_json::Value = serde_json::from_slice(&config).unwrap();
    assert_eq!(config["rootfs"]["diff_ids"].as_array().unwrap().len(), 2);

    // Each key verifies its own signature; the other layer is reported as a bad signature.
    for public in [&first_public, &second_public] {
        assert_eq!(cosign::verify(&setup.client, &image, public).unwrap().signatures.len(), 1);
    }

    if let Some(cosign_bin) = cosign() {
        let pinned = format!("{}@{}", image.name(), signed.digest);
        for public in ["a.pub", "b.pub"] {
            let output = run_cosign(
                &cosign_bin,
                setup.dir.path(),
                &[
                    "verify",
                    "--key",
                    public,
                    "--insecure-ignore-tlog=true",
                    "--allow-insecure-registry",
                    "--allow-http-registry",
                    &pinned,
                ],
            );
            assert!(output.status.success(), "cosign verify failed: {}", String::from_utf8_lossy(&output.stderr));
        }
    }
}

#[test]
fn wrong_key_fails_with_bad_signature() {
    let Some(setup) = setup() else { return };
    let (key, _) = key_pair(setup.dir.path(), "k");
    let (_, other_public) = key_pair(setup.dir.path(), "other");
    let image = setup.image(":1.0");
    cosign::sign(&setup.client, &image, &key, &BTreeMap::new()).unwrap();
    match cosign::verify(&setup.client, &image, &other_public) {
        Err(Error::NoneVerified { failures, .. }) => {
            assert_eq!(failures, vec![LayerFailure::BadSignature { index: 0 }]);
        }
        other => panic!("expected a bad signature, got {other:?}"),
    }
}

#[test]
fn unsigned_image_has_no_signatures() {
    let Some(setup) = setup() else { return };
    let (_, public) = key_pair(setup.dir.path(), "k");
    match cosign::verify(&setup.client, &setup.image(":1.0"), &public) {
        Err(error @ Error::NoSignatures { .. }) => assert!(error.to_string().contains("no signatures found")),
        other => panic!("expected no signatures, got {other:?}"),
    }
}

#[test]
fn signature_copied_to_another_image_fails_with_digest_mismatch() {
    let Some(setup) = setup() else { return };
    let (key, public) = key_pair(setup.dir.path(), "k");
    let signed_image = setup.image(":1.0");
    let signed = cosign::sign(&setup.client, &signed_image, &key, &BTreeMap::new()).unwrap();
    let other_digest = push_second_image(&setup);
    assert_ne!(other_digest, signed.digest);

    // A compromised registry copies the valid signature manifest to the other image's tag.
    let source = setup.client.manifest(&ImageReference::parse(&signed.signature_tag).unwrap()).unwrap().unwrap();
    let other_image = setup.image(":2.0");
    let target = cosign::signature_reference(&other_image, &other_digest).unwrap();
    setup.client.push_manifest(&target, &source.bytes, &source.media_type).unwrap();

    match cosign::verify(&setup.client, &other_image, &public) {
        Err(error @ Error::NoneVerified { .. }) => {
            let Error::NoneVerified { failures, .. } = &error else { unreachable!() };
            assert_eq!(
                failures,
                &vec![LayerFailure::DigestMismatch { index: 0, signed: signed.digest.clone(), expected: other_digest }]
            );
            assert!(error.to_string().contains("signature copied from another image"), "{error}");
        }
        other => panic!("expected a digest mismatch, got {other:?}"),
    }
}

#[test]
fn tag_repointed_after_signing_is_not_verified() {
    let Some(setup) = setup() else { return };
    let (key, public) = key_pair(setup.dir.path(), "k");
    let image = setup.image(":1.0");
    cosign::sign(&setup.client, &image, &key, &BTreeMap::new()).unwrap();
    let other_digest = push_second_image(&setup);
    let other = setup.client.resolve(&setup.image(":2.0")).unwrap();
    setup.client.push_manifest(&image, &other.bytes, &other.media_type).unwrap();
    match cosign::verify(&setup.client, &image, &public) {
        Err(Error::NoSignatures { digest, .. }) => assert_eq!(digest, other_digest),
        other => panic!("expected no signatures for the new digest, got {other:?}"),
    }
}

#[test]
fn vigil_attestation_round_trip_and_cosign_interop() {
    use vigil_sign::attest;
    let Some(setup) = setup() else { return };
    let (key, public) = key_pair(setup.dir.path(), "k");
    let image = setup.image(":1.0");
    let predicate = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.6"});
    let attested = attest::attest(&setup.client, &image, &key, "cyclonedx", &predicate).unwrap();
    assert!(attested.attestation_tag.ends_with(&format!("{}.att", attested.digest.replace(':', "-"))));
    assert_eq!(attested.attestations, 1);

    let verification = attest::verify(&setup.client, &image, &public, Some("cyclonedx")).unwrap();
    assert_eq!(verification.attestations.len(), 1, "failures: {:?}", verification.failures);
    assert_eq!(verification.attestations[0].statement["predicate"], predicate);
    // Another predicate type is not satisfied by it.
    let other = attest::verify(&setup.client, &image, &public, Some("slsaprovenance")).unwrap();
    assert!(other.attestations.is_empty());
    assert!(matches!(other.failures[0], attest::AttestationFailure::PredicateType { .. }));
    // A different key verifies nothing.
    let (_, stranger) = key_pair(setup.dir.path(), "stranger");
    assert!(attest::verify(&setup.client, &image, &stranger, None).unwrap().attestations.is_empty());

    let Some(cosign_bin) = cosign() else { return };
    let pinned = format!("{}@{}", image.name(), attested.digest);
    let output = run_cosign(
        &cosign_bin,
        setup.dir.path(),
        &[
            "verify-attestation",
            "--key",
            "k.pub",
            "--type",
            "cyclonedx",
            "--insecure-ignore-tlog=true",
            "--allow-insecure-registry",
            "--allow-http-registry",
            &pinned,
        ],
    );
    assert!(output.status.success(), "cosign verify-attestation failed: {}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn cosign_attestation_verifies_in_vigil() {
    use vigil_sign::attest;
    let Some(setup) = setup() else { return };
    let Some(cosign_bin) = cosign() else { return };
    let (_, public) = key_pair(setup.dir.path(), "k");
    let image = setup.image(":1.0");
    let digest = setup.client.resolve(&image).unwrap().digest;
    std::fs::write(
        setup.dir.path().join("prov.json"),
        br#"{"buildType":"https://example.com/build/v1","builder":{"id":"https://ci.example"}}"#,
    )
    .unwrap();
    let pinned = format!("{}@{}", image.name(), digest);
    let output = run_cosign(
        &cosign_bin,
        setup.dir.path(),
        &[
            "attest",
            "--key",
            "k.key",
            "--type",
            "slsaprovenance",
            "--predicate",
            "prov.json",
            "--tlog-upload=false",
            "--allow-insecure-registry",
            "--allow-http-registry",
            "--yes",
            &pinned,
        ],
    );
    assert!(output.status.success(), "cosign attest failed: {}", String::from_utf8_lossy(&output.stderr));
    let verification = attest::verify(&setup.client, &image, &public, Some("slsaprovenance")).unwrap();
    assert_eq!(verification.attestations.len(), 1, "failures: {:?}", verification.failures);
    assert_eq!(verification.attestations[0].statement["predicate"]["builder"]["id"], "https://ci.example");
}

/// cosign's OCI 1.1 mode stores the signature as a referrer; docker-registry 2.8 has no
/// referrers API, so cosign writes the `sha256-<hex>` referrers tag schema index and vigil must
/// find the signature through it.
#[test]
fn cosign_oci11_referrer_signature_verifies_in_vigil() {
    let Some(setup) = setup() else { return };
    let Some(cosign_bin) = cosign() else { return };
    let (_, public) = key_pair(setup.dir.path(), "k");
    let image = setup.image(":1.0");
    let digest = setup.client.resolve(&image).unwrap().digest;
    let pinned = format!("{}@{digest}", image.name());
    let output = Command::new(&cosign_bin)
        .args([
            "sign",
            "--key",
            "k.key",
            "--tlog-upload=false",
            "--allow-insecure-registry",
            "--allow-http-registry",
            "--registry-referrers-mode=oci-1-1",
            "-y",
            &pinned,
        ])
        .current_dir(setup.dir.path())
        .env("COSIGN_PASSWORD", PASSWORD)
        .env("COSIGN_EXPERIMENTAL", "1")
        .env("SIGSTORE_NO_CACHE", "true")
        .env("HOME", setup.dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "cosign sign (oci-1-1) failed: {}", String::from_utf8_lossy(&output.stderr));
    // Nothing under the legacy `.sig` tag: the signature is only reachable as a referrer.
    let legacy = cosign::signature_reference(&image, &digest).unwrap();
    assert!(setup.client.manifest(&legacy).unwrap().is_none());
    let referrers = setup.client.referrers(&image, &digest).unwrap();
    assert_eq!(referrers.len(), 1, "{referrers:?}");

    let verification = cosign::verify(&setup.client, &image, &public).unwrap();
    let [signature] = verification.signatures.as_slice() else { panic!("one signature expected") };
    assert_eq!(signature.payload.critical.image.docker_manifest_digest, digest);
    // And a stranger's key still verifies nothing.
    let (_, stranger) = key_pair(setup.dir.path(), "s");
    assert!(matches!(cosign::verify(&setup.client, &image, &stranger), Err(Error::NoneVerified { .. })));
}

/// cosign's `--new-bundle-format` attaches the attestation as a Sigstore bundle referrer
/// (`application/vnd.dev.sigstore.bundle.v0.3+json`); vigil reads the DSSE envelope from it.
#[test]
fn cosign_bundle_format_attestation_verifies_in_vigil() {
    use vigil_sign::attest;
    let Some(setup) = setup() else { return };
    let Some(cosign_bin) = cosign() else { return };
    let (_, public) = key_pair(setup.dir.path(), "k");
    let image = setup.image(":1.0");
    let digest = setup.client.resolve(&image).unwrap().digest;
    std::fs::write(setup.dir.path().join("pred.json"), br#"{"bomFormat":"CycloneDX","specVersion":"1.6"}"#).unwrap();
    let pinned = format!("{}@{digest}", image.name());
    let output = run_cosign(
        &cosign_bin,
        setup.dir.path(),
        &[
            "attest",
            "--key",
            "k.key",
            "--type",
            "cyclonedx",
            "--predicate",
            "pred.json",
            "--tlog-upload=false",
            "--new-bundle-format",
            "--allow-insecure-registry",
            "--allow-http-registry",
            "--yes",
            &pinned,
        ],
    );
    assert!(output.status.success(), "cosign attest failed: {}", String::from_utf8_lossy(&output.stderr));
    // No `.att` tag: the bundle is only reachable as a referrer.
    let legacy = ImageReference::parse(&format!("{}:{}.att", image.name(), digest.replace(':', "-"))).unwrap();
    assert!(setup.client.manifest(&legacy).unwrap().is_none());

    let verification = attest::verify(&setup.client, &image, &public, Some("cyclonedx")).unwrap();
    assert_eq!(verification.attestations.len(), 1, "failures: {:?}", verification.failures);
    assert_eq!(verification.attestations[0].statement["predicate"]["bomFormat"], "CycloneDX");
    let (_, stranger) = key_pair(setup.dir.path(), "s");
    let rejected = attest::verify(&setup.client, &image, &stranger, None).unwrap();
    assert!(rejected.attestations.is_empty());
    assert!(matches!(rejected.failures[0], attest::AttestationFailure::Invalid { .. }), "{:?}", rejected.failures);
}

/// A registry that flips one byte of the stored signature, or serves a payload with one byte
/// changed (re-pointing the layer at it), must not get the signature accepted.
#[test]
fn flipped_signature_or_payload_byte_fails() {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as BASE64;
    let Some(setup) = setup() else { return };
    let (key, public) = key_pair(setup.dir.path(), "k");
    let image = setup.image(":1.0");
    let signed = cosign::sign(&setup.client, &image, &key, &BTreeMap::new()).unwrap();
    let tag = ImageReference::parse(&signed.signature_tag).unwrap();
    let original = setup.client.manifest(&tag).unwrap().unwrap();
    let annotation = "dev.cosignproject.cosign/signature";

    // One byte of the DER signature flipped.
    let mut manifest: serde_json::Value = serde_json::from_slice(&original.bytes).unwrap();
    let mut signature = BASE64.decode(manifest["layers"][0]["annotations"][annotation].as_str().unwrap()).unwrap();
    let last = signature.len() - 1;
    signature[last] ^= 0x01;
    manifest["layers"][0]["annotations"][annotation] = BASE64.encode(&signature).into();
    setup.client.push_manifest(&tag, &serde_json::to_vec(&manifest).unwrap(), &original.media_type).unwrap();
    match cosign::verify(&setup.client, &image, &public) {
        Err(Error::NoneVerified { failures, .. }) => {
            assert_eq!(failures, vec![LayerFailure::BadSignature { index: 0 }])
        }
        other => panic!("flipped signature byte: expected a bad signature, got {other:?}"),
    }

    // One byte of the payload changed (a space added inside the JSON keeps it valid).
    let mut manifest: serde_json::Value = serde_json::from_slice(&original.bytes).unwrap();
    let payload = setup.client.blob(&image, manifest["layers"][0]["digest"].as_str().unwrap()).unwrap();
    let mut forged = payload.clone();
    forged.insert(1, b' ');
    let forged_digest = setup.client.push_blob(&image, &forged).unwrap();
    manifest["layers"][0]["digest"] = forged_digest.into();
    manifest["layers"][0]["size"] = forged.len().into();
    setup.client.push_manifest(&tag, &serde_json::to_vec(&manifest).unwrap(), &original.media_type).unwrap();
    match cosign::verify(&setup.client, &image, &public) {
        Err(Error::NoneVerified { failures, .. }) => {
            assert_eq!(failures, vec![LayerFailure::BadSignature { index: 0 }])
        }
        other => panic!("changed payload: expected a bad signature, got {other:?}"),
    }

    // Restoring the original manifest verifies again: the failures above were the tampering.
    setup.client.push_manifest(&tag, &original.bytes, &original.media_type).unwrap();
    assert_eq!(cosign::verify(&setup.client, &image, &public).unwrap().signatures.len(), 1);
}

/// The same for an attestation: one byte of the envelope's payload changed.
#[test]
fn flipped_attestation_payload_fails() {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use vigil_sign::attest;
    let Some(setup) = setup() else { return };
    let (key, public) = key_pair(setup.dir.path(), "k");
    let image = setup.image(":1.0");
    let attested = attest::attest(&setup.client, &image, &key, "custom", &serde_json::json!({"ok": true})).unwrap();
    let tag = ImageReference::parse(&attested.attestation_tag).unwrap();
    let original = setup.client.manifest(&tag).unwrap().unwrap();
    let mut manifest: serde_json::Value = serde_json::from_slice(&original.bytes).unwrap();
    let body = setup.client.blob(&image, manifest["layers"][0]["digest"].as_str().unwrap()).unwrap();
    let mut envelope: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let payload = BASE64.decode(envelope["payload"].as_str().unwrap()).unwrap();
    let forged = String::from_utf8(payload).unwrap().replace("true", "false");
    envelope["payload"] = BASE64.encode(forged).into();
    let forged_body = serde_json::to_vec(&envelope).unwrap();
    manifest["layers"][0]["digest"] = setup.client.push_blob(&image, &forged_body).unwrap().into();
    manifest["layers"][0]["size"] = forged_body.len().into();
    setup.client.push_manifest(&tag, &serde_json::to_vec(&manifest).unwrap(), &original.media_type).unwrap();
    let verification = attest::verify(&setup.client, &image, &public, None).unwrap();
    assert!(verification.attestations.is_empty());
    match &verification.failures[..] {
        [attest::AttestationFailure::Invalid { reason, .. }] => {
            assert!(reason.contains("no DSSE signature verifies"), "{reason}")
        }
        other => panic!("expected an invalid signature, got {other:?}"),
    }
}
