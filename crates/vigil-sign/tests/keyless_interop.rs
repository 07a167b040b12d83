//! Keyless interop: real cosign signs with a Fulcio certificate and a Rekor entry from the local
//! Sigstore mock (`$VIGIL_SIGSTORE_MOCK`, started by scripts/test), and vigil verifies offline
//! with the mock's trusted root, in a real registry. Needs the registry harness, `$VIGIL_COSIGN`
//! and `$VIGIL_SIGSTORE_MOCK`: a missing one fails the test with `CI=true` and reports it as
//! skipped otherwise (`vigil_testkit`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use vigil_core::reference::ImageReference;
use vigil_oci::testing::{Registry, start};
use vigil_oci::{RegistryClient, RegistryOptions};
use vigil_sign::bundle::{Identity, Matcher};
use vigil_sign::cosign::{self, Error, LayerFailure};
use vigil_sign::keyless::Keyless;
use vigil_sign::trust::TrustRoot;

const IDENTITY: &str = "dev@example.com";
const ISSUER: &str = "https://fake.oidcissuer.com";
const MOCK_URL: &str = "http://127.0.0.1:8555";

struct Setup {
    registry: Registry,
    client: RegistryClient,
    cosign: PathBuf,
    mock: PathBuf,
    home: tempfile::TempDir,
}

fn setup() -> Option<Setup> {
    let cosign = vigil_testkit::cosign()?;
    let mock = vigil_testkit::sigstore_mock()?;
    let (registry, _) = start(false)?;
    let client = RegistryClient::new(&RegistryOptions { plain_http: true, ..RegistryOptions::default() }).unwrap();
    Some(Setup { registry, client, cosign, mock, home: tempfile::tempdir().unwrap() })
}

impl Setup {
    fn image(&self, rest: &str) -> ImageReference {
        ImageReference::parse(&format!("{}/vigil/debian{rest}", self.registry.addr)).unwrap()
    }

    fn keyless(&self, identity: Matcher, issuer: Matcher) -> Keyless {
        Keyless {
            identity: Identity { subject: identity, issuer },
            // The mock logs attestations as request-form `dsse` entries: opt in, as a private
            // test deployment must (see `not_opted_in` for the refusal).
            root: TrustRoot::from_file(&self.mock.join("trusted_root.json")).unwrap().allow_request_form_rekor(),
        }
    }

    /// The mock's root without the request-form opt-in.
    fn not_opted_in(&self) -> Keyless {
        Keyless { root: TrustRoot::from_file(&self.mock.join("trusted_root.json")).unwrap(), ..self.expected() }
    }

    fn expected(&self) -> Keyless {
        self.keyless(Matcher::Exact(IDENTITY.into()), Matcher::Exact(ISSUER.into()))
    }

    /// Runs real cosign against the mock, keyless.
    fn cosign(&self, args: &[&str]) {
        let token = std::fs::read_to_string(self.mock.join("fake-oidc.jwt")).unwrap();
        let output = Command::new(&self.cosign)
            .args(args)
            .args(["--fulcio-url", MOCK_URL, "--rekor-url", MOCK_URL, "--identity-token", token.trim()])
            .args(["--allow-insecure-registry", "--allow-http-registry", "-y"])
            .current_dir(self.home.path())
            .env("HOME", self.home.path())
            .env("SIGSTORE_NO_CACHE", "true")
            .env("COSIGN_EXPERIMENTAL", "1")
            .env("SIGSTORE_ROOT_FILE", self.mock.join("fulcio-root.pem"))
            .env("SIGSTORE_CT_LOG_PUBLIC_KEY_FILE", self.mock.join("ctlog.pub"))
            .env("SIGSTORE_REKOR_PUBLIC_KEY", self.mock.join("rekor.pub"))
            .output()
            .unwrap();
        assert!(output.status.success(), "cosign {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    }

    fn sign_keyless(&self, image: &ImageReference) -> String {
        let digest = self.client.resolve(image).unwrap().digest;
        self.cosign(&["sign", &format!("{}@{digest}", image.name())]);
        digest
    }
}

fn reasons(result: Result<cosign::Verification, Error>) -> Vec<String> {
    match result {
        Err(Error::NoneVerified { failures, .. }) => failures.iter().map(ToString::to_string).collect(),
        other => panic!("expected no signature to verify, got {other:?}"),
    }
}

#[test]
fn cosign_keyless_signature_verifies_with_identity_and_issuer() {
    let Some(setup) = setup() else { return };
    let image = setup.image(":1.0");
    let digest = setup.sign_keyless(&image);

    let verification = cosign::verify(&setup.client, &image, &setup.expected()).unwrap();
    let [signature] = verification.signatures.as_slice() else { panic!("one signature expected") };
    assert_eq!(signature.payload.critical.image.docker_manifest_digest, digest);
    let certificate = signature.certificate.as_ref().unwrap();
    assert_eq!(certificate.identity, IDENTITY);
    assert_eq!(certificate.issuer, ISSUER);
    assert!(certificate.signed_at.is_some());

    // Regular expressions, unanchored as cosign's.
    let by_regex = setup.keyless(Matcher::regex("@example\\.com$").unwrap(), Matcher::regex("fake\\.oidc").unwrap());
    assert_eq!(cosign::verify(&setup.client, &image, &by_regex).unwrap().signatures.len(), 1);
    // The same verification from the cache-free path twice gives the same answer.
    assert_eq!(cosign::verify(&setup.client, &image, &setup.expected()).unwrap().digest, digest);
}

#[test]
fn wrong_identity_issuer_or_root_fails_with_the_reason() {
    let Some(setup) = setup() else { return };
    let image = setup.image(":1.0");
    setup.sign_keyless(&image);

    let wrong = setup.keyless(Matcher::Exact("mallory@example.com".into()), Matcher::Exact(ISSUER.into()));
    let why = reasons(cosign::verify(&setup.client, &image, &wrong));
    assert!(
        why.iter().all(|r| r.contains("certificate identity `dev@example.com` does not match `mallory@example.com`")),
        "{why:?}"
    );

    let wrong = setup.keyless(Matcher::Exact(IDENTITY.into()), Matcher::Exact("https://accounts.google.com".into()));
    let why = reasons(cosign::verify(&setup.client, &image, &wrong));
    assert!(
        why.iter().all(|r| r.contains("certificate OIDC issuer `https://fake.oidcissuer.com` does not match")),
        "{why:?}"
    );

    // The public-good production root does not vouch for the mock's Fulcio: the chain fails.
    let production = Keyless {
        identity: Identity { subject: Matcher::Exact(IDENTITY.into()), issuer: Matcher::Exact(ISSUER.into()) },
        root: TrustRoot::production().unwrap(),
    };
    let why = reasons(cosign::verify(&setup.client, &image, &production));
    assert!(!why.is_empty() && why.iter().all(|r| !r.contains("does not match `")), "{why:?}");
}

/// Tampering with what the Rekor SET covers (the entry body or its integrated time), or with the
/// certificate, fails verification with the reason.
#[test]
fn forged_set_time_or_certificate_fails() {
    let Some(setup) = setup() else { return };
    let image = setup.image(":1.0");
    let digest = setup.sign_keyless(&image);
    let tag = cosign::signature_reference(&image, &digest).unwrap();
    let original = setup.client.manifest(&tag).unwrap().unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&original.bytes).unwrap();
    let layer = manifest["layers"].as_array().unwrap().len() - 1;
    let bundle_key = "dev.sigstore.cosign/bundle";
    let rekor: serde_json::Value =
        serde_json::from_str(manifest["layers"][layer]["annotations"][bundle_key].as_str().unwrap()).unwrap();

    let push = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut forged = manifest.clone();
        edit(&mut forged["layers"][layer]["annotations"]);
        setup.client.push_manifest(&tag, &serde_json::to_vec(&forged).unwrap(), &original.media_type).unwrap();
        let verification = cosign::verify(&setup.client, &image, &setup.expected());
        match verification {
            Err(Error::NoneVerified { failures, .. }) => failures,
            other => panic!("expected failure, got {other:?}"),
        }
    };

    // A forged SET: one byte of the signature flipped.
    let failures = push(&|annotations| {
        let mut forged = rekor.clone();
        let mut set = BASE64.decode(forged["SignedEntryTimestamp"].as_str().unwrap()).unwrap();
        let last = set.len() - 1;
        set[last] ^= 1;
        forged["SignedEntryTimestamp"] = BASE64.encode(set).into();
        annotations[bundle_key] = forged.to_string().into();
    });
    assert!(
        failures.iter().any(|f| matches!(f, LayerFailure::Keyless { reason, .. } if reason.contains("SET"))),
        "{failures:?}"
    );

    // A moved integrated time (outside the 10-minute certificate): the SET no longer matches.
    let failures = push(&|annotations| {
        let mut forged = rekor.clone();
        let time = forged["Payload"]["integratedTime"].as_i64().unwrap();
        forged["Payload"]["integratedTime"] = (time + 86_400).into();
        annotations[bundle_key] = forged.to_string().into();
    });
    assert!(
        failures.iter().any(|f| matches!(f, LayerFailure::Keyless { reason, .. } if reason.contains("SET"))),
        "{failures:?}"
    );

    // No Rekor entry at all: the signing time cannot be proven.
    let failures = push(&|annotations| {
        annotations.as_object_mut().unwrap().remove(bundle_key);
    });
    assert!(
        failures
            .iter()
            .any(|f| matches!(f, LayerFailure::Keyless { reason, .. } if reason.contains("not logged in Rekor"))),
        "{failures:?}"
    );

    // Another certificate (the chain's root in place of the leaf): the log entry does not match.
    let failures = push(&|annotations| {
        let chain = annotations["dev.sigstore.cosign/chain"].as_str().unwrap().to_string();
        annotations["dev.sigstore.cosign/certificate"] = chain.into();
    });
    assert!(!failures.is_empty(), "{failures:?}");

    // Restored, it verifies again: the failures were the tampering.
    setup.client.push_manifest(&tag, &original.bytes, &original.media_type).unwrap();
    assert!(cosign::verify(&setup.client, &image, &setup.expected()).is_ok());
}

/// A keyless signature made for one image, copied to another image's signature tag, is refused
/// (the payload names the other digest), like the key-based case.
#[test]
fn keyless_signature_copied_to_another_image_fails() {
    let Some(setup) = setup() else { return };
    let image = setup.image(":1.0");
    let digest = setup.sign_keyless(&image);
    let original = setup.client.resolve(&image).unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(&original.bytes).unwrap();
    json["annotations"] = serde_json::json!({"org.example.variant": "keyless-copy"});
    let other = setup.image(":copy");
    let other_digest =
        setup.client.push_manifest(&other, &serde_json::to_vec(&json).unwrap(), &original.media_type).unwrap();
    let from = cosign::signature_reference(&image, &digest).unwrap();
    let to = cosign::signature_reference(&image, &other_digest).unwrap();
    let signature = setup.client.manifest(&from).unwrap().unwrap();
    setup.client.push_manifest(&to, &signature.bytes, &signature.media_type).unwrap();
    let failures = match cosign::verify(&setup.client, &other, &setup.expected()) {
        Err(Error::NoneVerified { failures, .. }) => failures,
        other => panic!("expected failure, got {other:?}"),
    };
    assert!(failures.iter().all(|f| matches!(f, LayerFailure::DigestMismatch { .. })), "{failures:?}");
}

impl Setup {
    fn attest_keyless(&self, image: &ImageReference) -> String {
        let digest = self.client.resolve(image).unwrap().digest;
        let predicate = self.home.path().join("predicate.json");
        std::fs::write(&predicate, r#"{"built-by":"keyless-test"}"#).unwrap();
        self.cosign(&[
            "attest",
            "--type",
            "custom",
            "--predicate",
            predicate.to_str().unwrap(),
            &format!("{}@{digest}", image.name()),
        ]);
        digest
    }

    /// The mock's trusted root with `edit` applied, written to a file and loaded.
    fn edited_root(&self, edit: impl Fn(&mut serde_json::Value)) -> TrustRoot {
        let mut root: serde_json::Value =
            serde_json::from_slice(&std::fs::read(self.mock.join("trusted_root.json")).unwrap()).unwrap();
        edit(&mut root);
        let path = self.home.path().join("edited_root.json");
        std::fs::write(&path, serde_json::to_vec(&root).unwrap()).unwrap();
        TrustRoot::from_file(&path).unwrap().allow_request_form_rekor()
    }
}

#[test]
fn cosign_keyless_attestation_verifies_and_attacks_fail() {
    use vigil_sign::attest::{self, AttestationFailure};
    let Some(setup) = setup() else { return };
    let image = setup.image(":1.0");
    let digest = setup.attest_keyless(&image);

    let verification = attest::verify(&setup.client, &image, &setup.expected(), Some("custom")).unwrap();
    let [attestation] = verification.attestations.as_slice() else {
        panic!("one attestation expected: {:?}", verification.failures)
    };
    // cosign wraps a `custom` predicate as {"Data": "<file contents>", "Timestamp": ...}.
    assert!(attestation.statement["predicate"].to_string().contains("keyless-test"), "{}", attestation.statement);
    assert_eq!(attestation.statement["subject"][0]["digest"]["sha256"], digest.trim_start_matches("sha256:"));
    assert_eq!(attestation.certificate.as_ref().unwrap().identity, IDENTITY);
    // Without the opt-in the request-form entry is refused, naming the option.
    let refused = attest::verify(&setup.client, &image, &setup.not_opted_in(), Some("custom")).unwrap();
    assert!(refused.attestations.is_empty());
    assert!(
        refused.failures.iter().all(|f| f.to_string().contains("--allow-request-form-rekor")),
        "{:?}",
        refused.failures
    );

    let invalid = |keyless: &Keyless| -> Vec<String> {
        let verification = attest::verify(&setup.client, &image, keyless, Some("custom")).unwrap();
        assert!(verification.attestations.is_empty(), "expected no valid attestation");
        verification
            .failures
            .iter()
            .map(|f| match f {
                AttestationFailure::Invalid { reason, .. } => reason.clone(),
                other => other.to_string(),
            })
            .collect()
    };
    // Wrong identity.
    let wrong = setup.keyless(Matcher::Exact("mallory@example.com".into()), Matcher::Exact(ISSUER.into()));
    assert!(invalid(&wrong).iter().all(|r| r.contains("does not match `mallory@example.com`")));
    // A root without the CT log: the certificate's SCT cannot be verified.
    let no_ct = Keyless {
        identity: setup.expected().identity,
        root: setup.edited_root(|root| root["ctlogs"] = serde_json::json!([])),
    };
    assert!(invalid(&no_ct).iter().all(|r| r.contains("SCT")), "{:?}", invalid(&no_ct));
    // A root without the Rekor log: the SET has no trusted key.
    let no_rekor = Keyless {
        identity: setup.expected().identity,
        root: setup.edited_root(|root| root["tlogs"] = serde_json::json!([])),
    };
    assert!(invalid(&no_rekor).iter().all(|r| r.contains("SET") || r.contains("log")), "{:?}", invalid(&no_rekor));
    // A root whose Fulcio CA is not valid at the signing time.
    let expired_ca = Keyless {
        identity: setup.expected().identity,
        root: setup.edited_root(|root| {
            root["certificateAuthorities"][0]["validFor"] =
                serde_json::json!({"start": "2020-01-01T00:00:00Z", "end": "2021-01-01T00:00:00Z"})
        }),
    };
    assert!(!invalid(&expired_ca).is_empty());

    // A forged SET, and an envelope that is not the logged one.
    let tag = ImageReference::parse(&format!("{}:{}.att", image.name(), digest.replace(':', "-"))).unwrap();
    let original = setup.client.manifest(&tag).unwrap().unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&original.bytes).unwrap();
    let layer = manifest["layers"].as_array().unwrap().len() - 1;
    let bundle_key = "dev.sigstore.cosign/bundle";
    let mut forged = manifest.clone();
    let mut rekor: serde_json::Value =
        serde_json::from_str(forged["layers"][layer]["annotations"][bundle_key].as_str().unwrap()).unwrap();
    let mut set = BASE64.decode(rekor["SignedEntryTimestamp"].as_str().unwrap()).unwrap();
    let last = set.len() - 1;
    set[last] ^= 1;
    rekor["SignedEntryTimestamp"] = BASE64.encode(set).into();
    forged["layers"][layer]["annotations"][bundle_key] = rekor.to_string().into();
    setup.client.push_manifest(&tag, &serde_json::to_vec(&forged).unwrap(), &original.media_type).unwrap();
    let reasons = invalid(&setup.expected());
    assert!(reasons.iter().any(|r| r.contains("SET")), "{reasons:?}");

    let body = setup.client.blob(&image, manifest["layers"][layer]["digest"].as_str().unwrap()).unwrap();
    let mut envelope: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let payload = BASE64.decode(envelope["payload"].as_str().unwrap()).unwrap();
    envelope["payload"] = BASE64.encode(String::from_utf8(payload).unwrap().replace("keyless-test", "mallory")).into();
    let forged_body = serde_json::to_vec(&envelope).unwrap();
    let mut forged = manifest.clone();
    forged["layers"][layer]["digest"] = setup.client.push_blob(&image, &forged_body).unwrap().into();
    forged["layers"][layer]["size"] = forged_body.len().into();
    setup.client.push_manifest(&tag, &serde_json::to_vec(&forged).unwrap(), &original.media_type).unwrap();
    let reasons = invalid(&setup.expected());
    assert!(reasons.iter().any(|r| r.contains("log entry does not match")), "{reasons:?}");

    setup.client.push_manifest(&tag, &original.bytes, &original.media_type).unwrap();
    assert_eq!(attest::verify(&setup.client, &image, &setup.expected(), None).unwrap().attestations.len(), 1);
}

/// The signature path (rebuilt as a Sigstore bundle and verified by sigstore-verify) refuses a
/// root without the CT log too: the SCT is checked on both paths.
#[test]
fn keyless_signature_needs_a_trusted_ct_log() {
    let Some(setup) = setup() else { return };
    let image = setup.image(":1.0");
    setup.sign_keyless(&image);
    let no_ct = Keyless {
        identity: setup.expected().identity,
        root: setup.edited_root(|root| root["ctlogs"] = serde_json::json!([])),
    };
    let why = reasons(cosign::verify(&setup.client, &image, &no_ct));
    assert!(why.iter().all(|r| r.contains("SCT") || r.contains("CT log")), "{why:?}");
}

/// `cosign attest --new-bundle-format` keyless: a Sigstore bundle v0.3 attached as an OCI 1.1
/// referrer, verified keyless by vigil (its Rekor entry from the mock is in request form).
#[test]
fn cosign_keyless_bundle_attestation_verifies() {
    use vigil_sign::attest;
    let Some(setup) = setup() else { return };
    let image = setup.image(":1.0");
    let digest = setup.client.resolve(&image).unwrap().digest;
    let predicate = setup.home.path().join("predicate.json");
    std::fs::write(&predicate, r#"{"bundle":"format"}"#).unwrap();
    setup.cosign(&[
        "attest",
        "--new-bundle-format",
        "--type",
        "custom",
        "--predicate",
        predicate.to_str().unwrap(),
        &format!("{}@{digest}", image.name()),
    ]);
    let verification = attest::verify(&setup.client, &image, &setup.expected(), Some("custom")).unwrap();
    assert_eq!(verification.attestations.len(), 1, "{:?}", verification.failures);
    assert_eq!(verification.attestations[0].certificate.as_ref().unwrap().identity, IDENTITY);
    let wrong = setup.keyless(Matcher::Exact("mallory@example.com".into()), Matcher::Exact(ISSUER.into()));
    let rejected = attest::verify(&setup.client, &image, &wrong, Some("custom")).unwrap();
    assert!(rejected.attestations.is_empty());
    let refused = attest::verify(&setup.client, &image, &setup.not_opted_in(), Some("custom")).unwrap();
    assert!(refused.attestations.is_empty());
    assert!(
        refused.failures.iter().all(|f| f.to_string().contains("--allow-request-form-rekor")),
        "{:?}",
        refused.failures
    );
}

/// Signatures need no opt-in: the mock logs them as `hashedrekord` entries, whose request form
/// is the canonical one, and they take the main path.
#[test]
fn keyless_signatures_verify_without_the_request_form_opt_in() {
    let Some(setup) = setup() else { return };
    let image = setup.image(":1.0");
    setup.sign_keyless(&image);
    let verification = cosign::verify(&setup.client, &image, &setup.not_opted_in()).unwrap();
    assert_eq!(verification.signatures[0].certificate.as_ref().unwrap().identity, IDENTITY);
}
