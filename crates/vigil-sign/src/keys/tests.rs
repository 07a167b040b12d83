use super::*;
use proptest::prelude::*;

/// Builds an encrypted key PEM around arbitrary JSON, for parser-limit tests.
fn encrypted_pem(json: &str) -> String {
    encode_pem(SIGSTORE_PRIVATE_KEY_LABEL, json.as_bytes())
}

fn body_of(pem: &str) -> EncryptedKey {
    let block = decode_pem(pem.as_bytes()).unwrap();
    serde_json::from_slice(&block.der).unwrap()
}

#[test]
fn generate_encrypt_decrypt_sign_verify() {
    let pair = generate_key_pair(b"hunter2").unwrap();
    assert!(pair.private_pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    assert!(pair.public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));

    let key = load_private_key(pair.private_pem.as_bytes(), b"hunter2").unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::EcdsaP256Sha256);
    assert_eq!(key.public_key_pem(), pair.public_pem);

    let sig = key.sign(b"payload").unwrap();
    // ASN.1/DER ECDSA signature: SEQUENCE { INTEGER r, INTEGER s }.
    assert_eq!(sig.first(), Some(&0x30));
    let public = load_public_key(pair.public_pem.as_bytes()).unwrap();
    assert_eq!(public.algorithm(), KeyAlgorithm::EcdsaP256Sha256);
    public.verify(b"payload", &sig).unwrap();
    assert!(matches!(public.verify(b"payload!", &sig), Err(KeyError::BadSignature)));
    key.verifying_key().unwrap().verify(b"payload", &sig).unwrap();
}

#[test]
fn generated_json_matches_cosign_layout() {
    let pair = generate_key_pair(b"").unwrap();
    let block = decode_pem(pair.private_pem.as_bytes()).unwrap();
    let json = String::from_utf8(block.der).unwrap();
    assert!(json.starts_with(r#"{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":""#), "{json}");
    assert!(json.contains(r#""cipher":{"name":"nacl/secretbox","nonce":""#), "{json}");
    let body = body_of(&pair.private_pem);
    assert_eq!(BASE64.decode(body.kdf.salt).unwrap().len(), 32);
    assert_eq!(BASE64.decode(body.cipher.nonce).unwrap().len(), 24);
    // Every PEM line is at most 64 characters, like Go's pem.Encode.
    assert!(pair.private_pem.lines().all(|l| l.len() <= 64));
    // An empty password works, as with `COSIGN_PASSWORD=`.
    load_private_key(pair.private_pem.as_bytes(), b"").unwrap();
}

#[test]
fn wrong_password_fails() {
    let pair = generate_key_pair(b"right").unwrap();
    let err = load_private_key(pair.private_pem.as_bytes(), b"wrong").unwrap_err();
    assert!(matches!(err, KeyError::Decryption));
    assert_eq!(err.to_string(), "decryption failed: wrong password or corrupt key");
}

#[test]
fn tampered_ciphertext_fails() {
    let pair = generate_key_pair(b"pw").unwrap();
    let mut body = body_of(&pair.private_pem);
    let mut ciphertext = BASE64.decode(&body.ciphertext).unwrap();
    if let Some(byte) = ciphertext.get_mut(20) {
        *byte ^= 1;
    }
    body.ciphertext = BASE64.encode(ciphertext);
    let pem = encrypted_pem(&serde_json::to_string(&body).unwrap());
    assert!(matches!(load_private_key(pem.as_bytes(), b"pw"), Err(KeyError::Decryption)));
}

#[test]
fn legacy_cosign_label_is_accepted() {
    let pair = generate_key_pair(b"pw").unwrap();
    let pem = pair.private_pem.replace("SIGSTORE", "COSIGN");
    load_private_key(pem.as_bytes(), b"pw").unwrap();
}

#[test]
fn hostile_scrypt_params_are_refused_quickly() {
    let cases = [
        (1u64 << 21, 8u64, 1u64, "N is too large"),
        (1 << 20, 8, 2, "N*r*p is too large"),
        (1 << 15, 1 << 40, 1 << 40, "N*r*p is too large"),
        (1000, 8, 1, "not a power of two"),
        (0, 8, 1, "not a power of two"),
        (1 << 15, 0, 1, "at least 1"),
        (u64::MAX, u64::MAX, u64::MAX, "not a power of two"),
    ];
    for (n, r, p, problem) in cases {
        let json = format!(
            r#"{{"kdf":{{"name":"scrypt","params":{{"N":{n},"r":{r},"p":{p}}},"salt":"AAAA"}},"cipher":{{"name":"nacl/secretbox","nonce":"AAAA"}},"ciphertext":"AAAA"}}"#
        );
        let err = load_private_key(encrypted_pem(&json).as_bytes(), b"").unwrap_err();
        assert!(matches!(err, KeyError::ScryptParams { .. }), "{n} {r} {p}: {err}");
        assert!(err.to_string().contains(problem), "{err}");
    }
}

#[test]
fn unsupported_kdf_and_cipher_are_named() {
    let json = r#"{"kdf":{"name":"argon2","params":{"N":2,"r":1,"p":1},"salt":""},"cipher":{"name":"nacl/secretbox","nonce":""},"ciphertext":""}"#;
    let err = load_private_key(encrypted_pem(json).as_bytes(), b"").unwrap_err();
    assert_eq!(err.to_string(), "unsupported key derivation function `argon2`, expected `scrypt`");
    let json = r#"{"kdf":{"name":"scrypt","params":{"N":2,"r":1,"p":1},"salt":""},"cipher":{"name":"aes-gcm","nonce":""},"ciphertext":""}"#;
    let err = load_private_key(encrypted_pem(json).as_bytes(), b"").unwrap_err();
    assert_eq!(err.to_string(), "unsupported cipher `aes-gcm`, expected `nacl/secretbox`");
}

#[test]
fn malformed_inputs_have_clear_errors() {
    let err = load_public_key(b"not a key").unwrap_err();
    assert_eq!(err.to_string(), "malformed PEM: no `-----BEGIN` line, expected a PEM block");
    let err = load_private_key(b"-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----\n", b"").unwrap_err();
    assert!(matches!(err, KeyError::Base64 { field: "PEM body" }), "{err}");
    let err = load_public_key(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").unwrap_err();
    assert_eq!(err.to_string(), "unsupported PEM block `CERTIFICATE`, expected `PUBLIC KEY`");
    let err = load_private_key(encrypted_pem("{\"kdf\": 1}").as_bytes(), b"").unwrap_err();
    assert!(matches!(err, KeyError::Json { line: 1, .. }), "{err}");
    let big = vec![b'A'; MAX_KEY_FILE_BYTES + 1];
    assert!(matches!(load_public_key(&big), Err(KeyError::TooLarge { .. })));
}

#[test]
fn errors_never_echo_the_password() {
    let pair = generate_key_pair(b"s3cret-pass").unwrap();
    let err = load_private_key(pair.private_pem.as_bytes(), b"other-pass").unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("s3cret") && !text.contains("other-pass"), "{text}");
}

proptest! {
    #[test]
    fn loaders_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = load_public_key(&bytes);
        let _ = load_private_key(&bytes, b"pw");
    }

    #[test]
    fn loaders_never_panic_on_arbitrary_pem_bodies(
        label in prop::sample::select(vec![
            "PUBLIC KEY", "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY",
            SIGSTORE_PRIVATE_KEY_LABEL, COSIGN_PRIVATE_KEY_LABEL,
        ]),
        body in proptest::collection::vec(any::<u8>(), 0..1024),
    ) {
        let pem = encode_pem(label, &body);
        let _ = load_public_key(pem.as_bytes());
        let _ = load_private_key(pem.as_bytes(), b"pw");
    }
}

#[test]
fn plain_p384_pkcs8_and_sec1_keys_sign_and_verify() {
    let key = EcdsaKeyPair::generate(&signature::ECDSA_P384_SHA384_ASN1_SIGNING).unwrap();
    let pkcs8 = encode_pem("PRIVATE KEY", key.to_pkcs8v1().unwrap().as_ref());
    let sec1 = encode_pem("EC PRIVATE KEY", key.private_key().as_der().unwrap().as_ref());
    for pem in [pkcs8, sec1] {
        let loaded = load_private_key(pem.as_bytes(), b"ignored").unwrap();
        assert_eq!(loaded.algorithm(), KeyAlgorithm::EcdsaP384Sha384);
        let public = load_public_key(loaded.public_key_pem().as_bytes()).unwrap();
        assert_eq!(public.algorithm(), KeyAlgorithm::EcdsaP384Sha384);
        let sig = loaded.sign(b"message").unwrap();
        public.verify(b"message", &sig).unwrap();
    }
}

#[test]
fn plain_p256_sec1_key_loads() {
    let key = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
    let sec1 = encode_pem("EC PRIVATE KEY", key.private_key().as_der().unwrap().as_ref());
    let loaded = load_private_key(sec1.as_bytes(), b"").unwrap();
    assert_eq!(loaded.algorithm(), KeyAlgorithm::EcdsaP256Sha256);
}

#[test]
fn rsa_verifies_pkcs1_and_pss_signatures() {
    let key = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let spki = key.public_key().as_der().unwrap();
    let public = load_public_key(encode_pem("PUBLIC KEY", spki.as_ref()).as_bytes()).unwrap();
    assert_eq!(public.algorithm(), KeyAlgorithm::RsaSha256);
    let rng = SystemRandom::new();
    for encoding in [&signature::RSA_PKCS1_SHA256, &signature::RSA_PSS_SHA256] {
        let mut sig = vec![0; key.public_modulus_len()];
        key.sign(encoding, &rng, b"message", &mut sig).unwrap();
        public.verify(b"message", &sig).unwrap();
        assert!(public.verify(b"other", &sig).is_err());
    }
}

#[test]
fn unsupported_curve_is_refused_with_its_oid() {
    let key = EcdsaKeyPair::generate(&signature::ECDSA_P521_SHA512_ASN1_SIGNING).unwrap();
    let pem = encode_pem("PRIVATE KEY", key.to_pkcs8v1().unwrap().as_ref());
    let err = load_private_key(pem.as_bytes(), b"").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported key type: EC curve OID 1.3.132.0.35, expected ECDSA P-256/P-384, Ed25519 or RSA"
    );
    let spki = encode_pem("PUBLIC KEY", key.public_key().as_der().unwrap().as_ref());
    let err = load_public_key(spki.as_bytes()).unwrap_err();
    assert!(matches!(err, KeyError::UnsupportedKeyType { .. }), "{err}");
}

#[test]
fn ed25519_public_key_verifies() {
    let key = Ed25519KeyPair::generate().unwrap();
    let pem = encode_pem("PRIVATE KEY", key.to_pkcs8v1().unwrap().as_ref());
    let loaded = load_private_key(pem.as_bytes(), b"").unwrap();
    let public = load_public_key(loaded.public_key_pem().as_bytes()).unwrap();
    assert_eq!(public.algorithm(), KeyAlgorithm::Ed25519);
    public.verify(b"m", &loaded.sign(b"m").unwrap()).unwrap();
}
