//! Corpus test: every key fixture in `$VIGIL_CORPORA/sigstore/sigstore-rs/tests/data/keys` loads,
//! signs and verifies its own signature.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use vigil_sign::keys::{KeyAlgorithm, load_private_key};

/// Password of the sigstore-rs encrypted fixtures (sigstore-rs `src/crypto/signing_key` tests).
const PASSWORD: &[u8] = b"123";

/// Every fixture loads today; a regression lowers this.
const BASELINE: usize = 7;

#[test]
fn sigstore_rs_key_fixtures_load() {
    let Some(root) = std::env::var_os("VIGIL_CORPORA") else {
        eprintln!("SKIPPED: VIGIL_CORPORA is not set, sigstore corpus test not run");
        return;
    };
    let dir = PathBuf::from(root).join("sigstore/sigstore-rs/tests/data/keys");
    assert!(dir.is_dir(), "corpus folder {} is missing", dir.display());

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
    println!("sigstore-rs keys: {passed}/{} ({:.1}%)", expected.len(), 100.0 * passed as f64 / expected.len() as f64);
    assert!(passed >= BASELINE, "{passed} fixtures loaded, baseline is {BASELINE}");
}
