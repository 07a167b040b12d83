//! Corpus test: every key fixture in `$VIGIL_CORPORA/sigstore/sigstore-rs/tests/data/keys` loads,
//! signs and verifies its own signature.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use vigil_sign::keys::{KeyAlgorithm, load_private_key};

/// Password of the sigstore-rs encrypted fixtures (sigstore-rs `src/crypto/signing_key` tests).
const PASSWORD: &[u8] = b"123";

/// Every fixture loads today; a regression lowers this.
const BASELINE: usize = 7;

#[test]
fn sigstore_rs_key_fixtures_load() {
    let Some(dir) = vigil_testkit::require_corpus("sigstore/sigstore-rs/tests/data/keys") else { return };

    let expected = [
        ("cosign_generated_encrypted_empty_private.key", &b""[..], KeyAlgorithm::EcdsaP256Sha256),
        ("ecdsa_encrypted_private.key", PASSWORD, KeyAlgorithm::EcdsaP256Sha256),
        ("ecdsa_private.key", &b""[..], KeyAlgorithm::EcdsaP256Sha256),
        ("ed25519_encrypted_private.key", PASSWORD, KeyAlgorithm::Ed25519),
        ("ed25519_private.key", &b""[..], KeyAlgorithm::Ed25519),
        ("rsa_encrypted_private.key", PASSWORD, KeyAlgorithm::RsaSha256),
        ("rsa_private.key", &b""[..], KeyAlgorithm::RsaSha256),
    ];
    let mut listed: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    listed.sort();
    let known: Vec<&str> = expected.iter().map(|(name, ..)| *name).collect();
    assert_eq!(listed, known, "fixture list changed in {}", dir.display());

    let mut passed = 0;
    for (name, password, algorithm) in expected {
        let pem = std::fs::read(dir.join(name)).unwrap();
        match load_private_key(&pem, password) {
            Ok(key) => {
                assert_eq!(key.algorithm(), algorithm, "{name}");
                let sig = key.sign(b"message").unwrap();
                key.verifying_key().unwrap().verify(b"message", &sig).unwrap();
                passed += 1;
            }
            Err(e) => eprintln!("{name}: {e}"),
        }
    }
    vigil_testkit::report(format!(
        "sigstore-rs keys: {passed}/{} ({:.1}%)",
        expected.len(),
        100.0 * passed as f64 / expected.len() as f64
    ));
    assert!(passed >= BASELINE, "{passed} fixtures loaded, baseline is {BASELINE}");
}

/// Every public-key fixture in the Sigstore corpora loads as a verification key (PEM SPKI, or
/// DER SPKI for sigstore-rs's `*_DER.pub`).
#[test]
fn sigstore_public_key_fixtures_load() {
    let Some(root) = vigil_testkit::require_corpus("sigstore") else { return };
    let keys = [
        "cosign/release/release-cosign.pub",
        "sigstore-go/examples/publish_key.pub",
        "sigstore-go/pkg/testing/data/public-keys/public-key-validity.pem",
        "sigstore-rs/examples/key_interface/key_pair_import/ECDSA_P256_ASN1_PUBLIC_PEM.pub",
        "sigstore-rs/examples/key_interface/key_pair_import/ECDSA_P256_ASN1_PUBLIC_DER.pub",
        "sigstore-conformance/test/assets/bundle-verify/managed-key-happy-path/key.pub",
        "sigstore-conformance/test/assets/bundle-verify/managed-key-and-trusted-root/key.pub",
        "sigstore-python/test/assets/staging-tuf/targets/1d80b8f72505a43e65e6e125247cd508f61b459dc457c1d1bcb78d96e1760959.rekor.pub",
        "sigstore-python/test/assets/staging-tuf/targets/7054b4f15f969daca1c242bb9e77527abaf0b9acf9818a2a35144e4b32b20dc6.ctfe_2022_2.pub",
    ];
    let mut failed = Vec::new();
    for key in keys {
        let bytes = std::fs::read(root.join(key)).unwrap();
        if let Err(e) = vigil_sign::keys::load_public_key(&bytes) {
            failed.push(format!("{key}: {e}"));
        }
    }
    vigil_testkit::report(format!("sigstore public keys: {}/{} load", keys.len() - failed.len(), keys.len()));
    assert!(failed.is_empty(), "{failed:#?}");
    // The conformance suite's deliberately broken key is refused with a reason, not a panic.
    let broken = root.join("sigstore-conformance/test/assets/bundle-verify/managed-key-wrong-key_fail/key.pub");
    assert!(vigil_sign::keys::load_public_key(&std::fs::read(broken).unwrap()).is_err());
}
