//! cosign-compatible key files: generating an encrypted ECDSA P-256 key pair, loading encrypted
//! (`ENCRYPTED SIGSTORE PRIVATE KEY`, `ENCRYPTED COSIGN PRIVATE KEY`) and plain private keys, loading
//! SubjectPublicKeyInfo public keys, and signing and verifying with them.
//!
//! The encrypted format matches cosign 2.x (`pkg/cosign/keys.go`): a PEM block whose body is the JSON
//! `{"kdf":{"name":"scrypt","params":{"N":..,"r":..,"p":..},"salt":..},"cipher":{"name":"nacl/secretbox",
//! "nonce":..},"ciphertext":..}`; the secretbox key is `scrypt(password, salt, N, r, p, 32)` and the
//! plaintext is a PKCS#8 DER private key.
//!
//! Signing and verification go through aws-lc-rs; the RustCrypto crates only parse key containers
//! (PKCS#8, SPKI) and decrypt cosign key files.
//!
//! ```
//! use vigil_sign::keys::{generate_key_pair, load_private_key, load_public_key};
//!
//! let pair = generate_key_pair(b"password")?;
//! let key = load_private_key(pair.private_pem.as_bytes(), b"password")?;
//! let signature = key.sign(b"payload")?;
//! load_public_key(pair.public_pem.as_bytes())?.verify(b"payload", &signature)?;
//! # Ok::<(), vigil_sign::keys::KeyError>(())
//! ```

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, ParsedPublicKey, VerificationAlgorithm};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use crypto_secretbox::XSalsa20Poly1305;
use crypto_secretbox::aead::{Aead, KeyInit};
use serde::{Deserialize, Serialize};
use spki::ObjectIdentifier;
use zeroize::Zeroizing;

/// Largest key file, PEM text, accepted by the loaders (a 4096-bit encrypted RSA key is about 5 KiB).
pub const MAX_KEY_FILE_BYTES: usize = 64 * 1024;

/// Largest scrypt `N` accepted in an encrypted key file (cosign writes `N = 32768`).
pub const MAX_SCRYPT_N: u64 = 1 << 20;

/// Largest scrypt work factor `N * r * p` accepted in an encrypted key file. scrypt needs
/// `128 * N * r` bytes, so this bounds a hostile key file to 256 MiB and about a second of work
/// (cosign's own files use 2^18).
pub const MAX_SCRYPT_WORK: u64 = 1 << 21;

/// PEM label cosign 2.5 writes for encrypted private keys.
pub const SIGSTORE_PRIVATE_KEY_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// Legacy PEM label of cosign before 2.x, still accepted by cosign.
pub const COSIGN_PRIVATE_KEY_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";

const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";
const PRIVATE_KEY_LABELS: &str = "`ENCRYPTED SIGSTORE PRIVATE KEY`, `ENCRYPTED COSIGN PRIVATE KEY`, \
                                  `PRIVATE KEY`, `EC PRIVATE KEY` or `RSA PRIVATE KEY`";

// cosign's defaults (pkg/cosign/keys.go, encrypted.Encrypt with scrypt N=32768, r=8, p=1).
const SCRYPT_LOG_N: u8 = 15;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;
const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const SECRETBOX_KEY_LEN: usize = 32;

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Errors from generating, loading, signing with or verifying with keys.
///
/// Messages never contain key material or passwords.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The input is larger than [`MAX_KEY_FILE_BYTES`].
    #[error("key file is {size} bytes, expected at most {max} bytes")]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The input is not a well-formed PEM block.
    #[error("malformed PEM: {problem}, expected {expected}")]
    Pem {
        /// What was wrong.
        problem: &'static str,
        /// What was allowed.
        expected: &'static str,
    },
    /// The PEM block has a label this loader does not handle.
    #[error("unsupported PEM block `{label}`, expected {expected}")]
    UnsupportedPemLabel {
        /// The label found (truncated).
        label: String,
        /// The labels allowed.
        expected: &'static str,
    },
    /// A field was not valid base64.
    #[error("malformed base64 in {field}, expected standard base64 with padding")]
    Base64 {
        /// Which field.
        field: &'static str,
    },
    /// The encrypted key body is not the JSON document cosign writes.
    #[error(
        "malformed encrypted key JSON at line {line} column {column}, expected \
         {{\"kdf\":{{\"name\":\"scrypt\",\"params\":{{\"N\",\"r\",\"p\"}},\"salt\"}},\
         \"cipher\":{{\"name\":\"nacl/secretbox\",\"nonce\"}},\"ciphertext\"}}"
    )]
    Json {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
    },
    /// The key derivation function is not scrypt.
    #[error("unsupported key derivation function `{name}`, expected `scrypt`")]
    UnsupportedKdf {
        /// The name found (truncated).
        name: String,
    },
    /// The cipher is not NaCl secretbox.
    #[error("unsupported cipher `{name}`, expected `nacl/secretbox`")]
    UnsupportedCipher {
        /// The name found (truncated).
        name: String,
    },
    /// The scrypt parameters are invalid or too expensive.
    #[error(
        "scrypt parameters N={n} r={r} p={p} {problem}, expected N a power of two in 2..=2^20, \
         r >= 1, p >= 1 and N*r*p <= 2^21"
    )]
    ScryptParams {
        /// `N` as found.
        n: u64,
        /// `r` as found.
        r: u64,
        /// `p` as found.
        p: u64,
        /// What was wrong.
        problem: &'static str,
    },
    /// A salt or nonce has the wrong length.
    #[error("{field} is {found} bytes, expected {expected} bytes")]
    FieldLength {
        /// Which field.
        field: &'static str,
        /// Length found.
        found: usize,
        /// Length required.
        expected: usize,
    },
    /// Authenticated decryption failed.
    #[error("decryption failed: wrong password or corrupt key")]
    Decryption,
    /// The key is of a type or curve vigil does not support.
    #[error("unsupported key type: {found}, expected ECDSA P-256/P-384, Ed25519 or RSA")]
    UnsupportedKeyType {
        /// Description of what was found (algorithm OID, curve).
        found: String,
    },
    /// The key structure was rejected.
    #[error("invalid {kind}: {reason}")]
    InvalidKey {
        /// What was being parsed, e.g. `PKCS#8 private key`.
        kind: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// The signature does not verify against the message and key.
    #[error("signature verification failed")]
    BadSignature,
    /// The crypto library failed to sign.
    #[error("signing failed in the crypto library")]
    Signing,
    /// The crypto library failed to generate or encode a key, or random bytes.
    #[error("key generation failed in the crypto library: {step}")]
    Generation {
        /// Which step failed.
        step: &'static str,
    },
}

/// A newly generated key pair as cosign writes it (`cosign.key`, `cosign.pub`).
#[derive(Clone)]
pub struct KeyPair {
    /// `ENCRYPTED SIGSTORE PRIVATE KEY` PEM, encrypted with the password given to [`generate_key_pair`].
    pub private_pem: String,
    /// SubjectPublicKeyInfo `PUBLIC KEY` PEM.
    pub public_pem: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair").field("private_pem", &"<encrypted>").field("public_pem", &self.public_pem).finish()
    }
}

/// The signature algorithm of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// ECDSA on P-256 over SHA-256, ASN.1/DER signatures (cosign's default).
    EcdsaP256Sha256,
    /// ECDSA on P-384 over SHA-384, ASN.1/DER signatures.
    EcdsaP384Sha384,
    /// Ed25519 over the message itself.
    Ed25519,
    /// RSA over SHA-256: signs PKCS#1 v1.5 (as cosign does); verifies PKCS#1 v1.5 or PSS.
    RsaSha256,
}

enum SigningInner {
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair),
}

/// A private key that signs the way cosign does.
pub struct SigningKey {
    algorithm: KeyAlgorithm,
    inner: SigningInner,
    /// SubjectPublicKeyInfo DER of the public half.
    public_spki: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("algorithm", &self.algorithm).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// The key's algorithm.
    #[must_use]
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// Signs `message`: ECDSA P-256/SHA-256 (P-384/SHA-384) with an ASN.1/DER signature, Ed25519
    /// over the message, or RSA PKCS#1 v1.5 with SHA-256 — what cosign produces for each key type.
    ///
    /// # Errors
    /// [`KeyError::Signing`] if the crypto library fails, which does not happen for a loaded key.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = SystemRandom::new();
        match &self.inner {
            SigningInner::Ecdsa(key) => {
                key.sign(&rng, message).map(|sig| sig.as_ref().to_vec()).map_err(|_| KeyError::Signing)
            }
            SigningInner::Ed25519(key) => Ok(key.sign(message).as_ref().to_vec()),
            SigningInner::Rsa(key) => {
                let mut sig = vec![0; key.public_modulus_len()];
                key.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig).map_err(|_| KeyError::Signing)?;
                Ok(sig)
            }
        }
    }

    /// The public half as a SubjectPublicKeyInfo `PUBLIC KEY` PEM, as `cosign public-key` prints it.
    #[must_use]
    pub fn public_key_pem(&self) -> String {
        encode_pem(PUBLIC_KEY_LABEL, &self.public_spki)
    }

    /// The public half, for verifying this key's signatures.
    ///
    /// # Errors
    /// [`KeyError::InvalidKey`] if the crypto library rejects its own public key (does not happen).
    pub fn verifying_key(&self) -> Result<VerifyingKey, KeyError> {
        parse_spki(&self.public_spki)
    }
}

/// A public key that verifies cosign signatures.
pub struct VerifyingKey {
    algorithm: KeyAlgorithm,
    /// One entry per accepted signature scheme (RSA: PKCS#1 v1.5, then PSS).
    keys: Vec<ParsedPublicKey>,
    spki: Vec<u8>,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey").field("algorithm", &self.algorithm).finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// The key's algorithm.
    #[must_use]
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// Verifies `signature` over `message`. ECDSA signatures are ASN.1/DER over SHA-256 (P-256) or
    /// SHA-384 (P-384); Ed25519 signs the message itself; RSA accepts PKCS#1 v1.5 or PSS over
    /// SHA-256 (2048 to 8192 bits).
    ///
    /// # Errors
    /// [`KeyError::BadSignature`] if the signature does not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        if self.keys.iter().any(|key| key.verify_sig(message, signature).is_ok()) {
            Ok(())
        } else {
            Err(KeyError::BadSignature)
        }
    }

    /// The key as a SubjectPublicKeyInfo `PUBLIC KEY` PEM.
    #[must_use]
    pub fn public_key_pem(&self) -> String {
        encode_pem(PUBLIC_KEY_LABEL, &self.spki)
    }

    /// The key as DER SubjectPublicKeyInfo.
    #[must_use]
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }
}

/// The JSON body of an encrypted cosign key; field order and names as cosign's Go structs.
#[derive(Serialize, Deserialize)]
struct EncryptedKey {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct ScryptParams {
    #[serde(rename = "N")]
    n: u64,
    r: u64,
    p: u64,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

/// Generates a new ECDSA P-256 key pair and encrypts the private key with `password` exactly as
/// `cosign generate-key-pair` does (scrypt N=32768, r=8, p=1, 32-byte salt, NaCl secretbox).
///
/// # Errors
/// [`KeyError::Generation`] if the crypto library or the random number generator fails.
pub fn generate_key_pair(password: &[u8]) -> Result<KeyPair, KeyError> {
    let key = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING)
        .map_err(|_| KeyError::Generation { step: "generating the P-256 key" })?;
    let pkcs8 = key.to_pkcs8v1().map_err(|_| KeyError::Generation { step: "encoding PKCS#8" })?;
    let spki = key.public_key().as_der().map_err(|_| KeyError::Generation { step: "encoding the public key" })?;

    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    aws_lc_rs::rand::fill(&mut salt)
        .and_then(|()| aws_lc_rs::rand::fill(&mut nonce))
        .map_err(|_| KeyError::Generation { step: "drawing random bytes" })?;

    let params = scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P, SECRETBOX_KEY_LEN)
        .map_err(|_| KeyError::Generation { step: "setting scrypt parameters" })?;
    let secret = derive_key(password, &salt, &params)?;
    let cipher = XSalsa20Poly1305::new(&(*secret).into());
    let ciphertext = cipher
        .encrypt(&nonce.into(), pkcs8.as_ref())
        .map_err(|_| KeyError::Generation { step: "encrypting the private key" })?;

    let body = EncryptedKey {
        kdf: Kdf {
            name: "scrypt".to_owned(),
            params: ScryptParams { n: 1 << SCRYPT_LOG_N, r: u64::from(SCRYPT_R), p: u64::from(SCRYPT_P) },
            salt: BASE64.encode(salt),
        },
        cipher: Cipher { name: "nacl/secretbox".to_owned(), nonce: BASE64.encode(nonce) },
        ciphertext: BASE64.encode(ciphertext),
    };
    let json = serde_json::to_vec(&body).map_err(|_| KeyError::Generation { step: "encoding the key JSON" })?;
    Ok(KeyPair {
        private_pem: encode_pem(SIGSTORE_PRIVATE_KEY_LABEL, &json),
        public_pem: encode_pem(PUBLIC_KEY_LABEL, spki.as_ref()),
    })
}

/// Loads a private key from PEM: cosign's encrypted `ENCRYPTED SIGSTORE PRIVATE KEY` or
/// `ENCRYPTED COSIGN PRIVATE KEY` (decrypted with `password`), or an unencrypted PKCS#8
/// `PRIVATE KEY`, SEC1 `EC PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY` (`password` is ignored).
/// Supports ECDSA P-256 and P-384, Ed25519 and RSA.
///
/// Input is limited to [`MAX_KEY_FILE_BYTES`]; scrypt parameters beyond [`MAX_SCRYPT_N`] or
/// [`MAX_SCRYPT_WORK`] are refused before any work is done.
///
/// # Errors
/// [`KeyError::Decryption`] for a wrong password or tampered key; other variants name the
/// malformed or unsupported part.
pub fn load_private_key(pem: &[u8], password: &[u8]) -> Result<SigningKey, KeyError> {
    let block = decode_pem(pem)?;
    match block.label.as_str() {
        SIGSTORE_PRIVATE_KEY_LABEL | COSIGN_PRIVATE_KEY_LABEL => {
            let der = decrypt(&block.der, password)?;
            parse_pkcs8(&der)
        }
        "PRIVATE KEY" => parse_pkcs8(&block.der),
        "EC PRIVATE KEY" => parse_sec1(&block.der),
        "RSA PRIVATE KEY" => {
            let key = RsaKeyPair::from_der(&block.der).map_err(|e| invalid("PKCS#1 RSA private key", &e))?;
            rsa_signing_key(key)
        }
        _ => Err(KeyError::UnsupportedPemLabel { label: truncate(&block.label), expected: PRIVATE_KEY_LABELS }),
    }
}

/// Loads a SubjectPublicKeyInfo `PUBLIC KEY` PEM (or the same structure as raw DER, which
/// starts with an ASN.1 SEQUENCE byte and so cannot be mistaken for PEM text): ECDSA P-256 or
/// P-384, Ed25519, or RSA (2048 to 8192 bits). Input is limited to [`MAX_KEY_FILE_BYTES`].
///
/// # Errors
/// A [`KeyError`] naming the malformed or unsupported part.
pub fn load_public_key(pem: &[u8]) -> Result<VerifyingKey, KeyError> {
    if pem.first() == Some(&0x30) && pem.len() <= MAX_KEY_FILE_BYTES {
        return parse_spki(pem);
    }
    let block = decode_pem(pem)?;
    if block.label != PUBLIC_KEY_LABEL {
        return Err(KeyError::UnsupportedPemLabel { label: truncate(&block.label), expected: "`PUBLIC KEY`" });
    }
    parse_spki(&block.der)
}

fn decrypt(body: &[u8], password: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let key: EncryptedKey =
        serde_json::from_slice(body).map_err(|e| KeyError::Json { line: e.line(), column: e.column() })?;
    if key.kdf.name != "scrypt" {
        return Err(KeyError::UnsupportedKdf { name: truncate(&key.kdf.name) });
    }
    if key.cipher.name != "nacl/secretbox" {
        return Err(KeyError::UnsupportedCipher { name: truncate(&key.cipher.name) });
    }
    let params = scrypt_params(&key.kdf.params)?;
    let salt = decode_b64(&key.kdf.salt, "kdf.salt")?;
    let nonce = decode_b64(&key.cipher.nonce, "cipher.nonce")?;
    let nonce: [u8; NONCE_LEN] = nonce.as_slice().try_into().map_err(|_| KeyError::FieldLength {
        field: "cipher.nonce",
        found: nonce.len(),
        expected: NONCE_LEN,
    })?;
    let ciphertext = decode_b64(&key.ciphertext, "ciphertext")?;
    let secret = derive_key(password, &salt, &params)?;
    XSalsa20Poly1305::new(&(*secret).into())
        .decrypt(&nonce.into(), ciphertext.as_slice())
        .map(Zeroizing::new)
        .map_err(|_| KeyError::Decryption)
}

/// Checks the scrypt parameters against the limits before any memory is allocated.
fn scrypt_params(params: &ScryptParams) -> Result<scrypt::Params, KeyError> {
    let ScryptParams { n, r, p } = *params;
    let error = |problem| KeyError::ScryptParams { n, r, p, problem };
    if n < 2 || !n.is_power_of_two() {
        return Err(error("are invalid: N is not a power of two above 1"));
    }
    if n > MAX_SCRYPT_N {
        return Err(error("exceed the limit: N is too large"));
    }
    if r == 0 || p == 0 {
        return Err(error("are invalid: r and p must be at least 1"));
    }
    let work = n.checked_mul(r).and_then(|v| v.checked_mul(p));
    if work.is_none_or(|w| w > MAX_SCRYPT_WORK) {
        return Err(error("exceed the limit: N*r*p is too large"));
    }
    let log_n = u8::try_from(n.trailing_zeros()).map_err(|_| error("are invalid"))?;
    let r = u32::try_from(r).map_err(|_| error("are invalid: r is too large"))?;
    let p = u32::try_from(p).map_err(|_| error("are invalid: p is too large"))?;
    scrypt::Params::new(log_n, r, p, SECRETBOX_KEY_LEN).map_err(|_| error("are invalid"))
}

fn derive_key(
    password: &[u8],
    salt: &[u8],
    params: &scrypt::Params,
) -> Result<Zeroizing<[u8; SECRETBOX_KEY_LEN]>, KeyError> {
    let mut out = Zeroizing::new([0u8; SECRETBOX_KEY_LEN]);
    scrypt::scrypt(password, salt, params, out.as_mut())
        .map_err(|_| KeyError::Generation { step: "deriving the scrypt key" })?;
    Ok(out)
}

fn parse_pkcs8(der: &[u8]) -> Result<SigningKey, KeyError> {
    let info = pkcs8::PrivateKeyInfo::try_from(der)
        .map_err(|e| KeyError::InvalidKey { kind: "PKCS#8 private key", reason: e.to_string() })?;
    let oid = info.algorithm.oid;
    if oid == OID_EC_PUBLIC_KEY {
        let curve = info.algorithm.parameters_oid().map_err(|_| KeyError::InvalidKey {
            kind: "PKCS#8 EC private key",
            reason: "missing named curve".to_owned(),
        })?;
        let alg = match curve {
            c if c == OID_P256 => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            c if c == OID_P384 => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
            c => {
                return Err(KeyError::UnsupportedKeyType { found: format!("EC curve OID {c}") });
            }
        };
        let key = EcdsaKeyPair::from_pkcs8(alg, der).map_err(|e| invalid("PKCS#8 EC private key", &e))?;
        ecdsa_signing_key(key)
    } else if oid == OID_ED25519 {
        let key =
            Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(|e| invalid("PKCS#8 Ed25519 private key", &e))?;
        let spki = key.public_key().as_der().map_err(|_| KeyError::InvalidKey {
            kind: "Ed25519 public key",
            reason: "could not be encoded".to_owned(),
        })?;
        Ok(SigningKey {
            algorithm: KeyAlgorithm::Ed25519,
            public_spki: spki.as_ref().to_vec(),
            inner: SigningInner::Ed25519(key),
        })
    } else if oid == OID_RSA {
        let key = RsaKeyPair::from_pkcs8(der).map_err(|e| invalid("PKCS#8 RSA private key", &e))?;
        rsa_signing_key(key)
    } else {
        Err(KeyError::UnsupportedKeyType { found: format!("algorithm OID {oid}") })
    }
}

fn parse_sec1(der: &[u8]) -> Result<SigningKey, KeyError> {
    // The curve is inside the SEC1 structure; aws-lc-rs rejects a key of the other curve.
    let key = EcdsaKeyPair::from_private_key_der(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, der)
        .or_else(|_| EcdsaKeyPair::from_private_key_der(&signature::ECDSA_P384_SHA384_ASN1_SIGNING, der))
        .map_err(|e| invalid("SEC1 EC private key (P-256 or P-384)", &e))?;
    ecdsa_signing_key(key)
}

fn ecdsa_signing_key(key: EcdsaKeyPair) -> Result<SigningKey, KeyError> {
    let algorithm = if key.algorithm() == &signature::ECDSA_P384_SHA384_ASN1_SIGNING {
        KeyAlgorithm::EcdsaP384Sha384
    } else {
        KeyAlgorithm::EcdsaP256Sha256
    };
    let spki = key
        .public_key()
        .as_der()
        .map_err(|_| KeyError::InvalidKey { kind: "EC public key", reason: "could not be encoded".to_owned() })?;
    Ok(SigningKey { algorithm, public_spki: spki.as_ref().to_vec(), inner: SigningInner::Ecdsa(key) })
}

fn rsa_signing_key(key: RsaKeyPair) -> Result<SigningKey, KeyError> {
    let spki = key
        .public_key()
        .as_der()
        .map_err(|_| KeyError::InvalidKey { kind: "RSA public key", reason: "could not be encoded".to_owned() })?;
    Ok(SigningKey {
        algorithm: KeyAlgorithm::RsaSha256,
        public_spki: spki.as_ref().to_vec(),
        inner: SigningInner::Rsa(key),
    })
}

fn parse_spki(der: &[u8]) -> Result<VerifyingKey, KeyError> {
    let info = spki::SubjectPublicKeyInfoRef::try_from(der)
        .map_err(|e| KeyError::InvalidKey { kind: "SubjectPublicKeyInfo", reason: e.to_string() })?;
    let oid = info.algorithm.oid;
    let (algorithm, schemes, bytes): (_, &[&'static dyn VerificationAlgorithm], &[u8]) = if oid == OID_EC_PUBLIC_KEY {
        let curve = info
            .algorithm
            .parameters_oid()
            .map_err(|_| KeyError::InvalidKey { kind: "EC public key", reason: "missing named curve".to_owned() })?;
        if curve == OID_P256 {
            (KeyAlgorithm::EcdsaP256Sha256, &[&signature::ECDSA_P256_SHA256_ASN1], der)
        } else if curve == OID_P384 {
            (KeyAlgorithm::EcdsaP384Sha384, &[&signature::ECDSA_P384_SHA384_ASN1], der)
        } else {
            return Err(KeyError::UnsupportedKeyType { found: format!("EC curve OID {curve}") });
        }
    } else if oid == OID_ED25519 {
        let raw = info.subject_public_key.as_bytes().ok_or(KeyError::InvalidKey {
            kind: "Ed25519 public key",
            reason: "bit string is not byte-aligned".to_owned(),
        })?;
        (KeyAlgorithm::Ed25519, &[&signature::ED25519], raw)
    } else if oid == OID_RSA {
        (KeyAlgorithm::RsaSha256, &[&signature::RSA_PKCS1_2048_8192_SHA256, &signature::RSA_PSS_2048_8192_SHA256], der)
    } else {
        return Err(KeyError::UnsupportedKeyType { found: format!("algorithm OID {oid}") });
    };
    let keys = schemes
        .iter()
        .map(|alg| ParsedPublicKey::new(*alg, bytes).map_err(|e| invalid("public key", &e)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(VerifyingKey { algorithm, keys, spki: der.to_vec() })
}

fn invalid(kind: &'static str, error: &aws_lc_rs::error::KeyRejected) -> KeyError {
    KeyError::InvalidKey { kind, reason: error.to_string() }
}

fn decode_b64(text: &str, field: &'static str) -> Result<Vec<u8>, KeyError> {
    BASE64.decode(text).map_err(|_| KeyError::Base64 { field })
}

/// Shortens attacker-controlled text before it goes into an error message.
fn truncate(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    }
}

struct PemBlock {
    label: String,
    der: Vec<u8>,
}

/// Decodes the first PEM block; like Go's `pem.Decode`, text before `-----BEGIN` is ignored.
fn decode_pem(input: &[u8]) -> Result<PemBlock, KeyError> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    if input.len() > MAX_KEY_FILE_BYTES {
        return Err(KeyError::TooLarge { size: input.len(), max: MAX_KEY_FILE_BYTES });
    }
    let text = std::str::from_utf8(input)
        .map_err(|_| KeyError::Pem { problem: "input is not UTF-8 text", expected: "a PEM file" })?;
    let start = text.find(BEGIN).ok_or(KeyError::Pem { problem: "no `-----BEGIN` line", expected: "a PEM block" })?;
    let after_begin = text.get(start + BEGIN.len()..).unwrap_or_default();
    let label_end = after_begin
        .find(DASHES)
        .ok_or(KeyError::Pem { problem: "unterminated `-----BEGIN` line", expected: "`-----BEGIN <label>-----`" })?;
    let label = after_begin.get(..label_end).unwrap_or_default();
    if label.contains(['\n', '\r']) {
        return Err(KeyError::Pem { problem: "unterminated `-----BEGIN` line", expected: "`-----BEGIN <label>-----`" });
    }
    let body_and_rest = after_begin.get(label_end + DASHES.len()..).unwrap_or_default();
    let end_line = format!("-----END {label}-----");
    let body_end = body_and_rest.find(&end_line).ok_or(KeyError::Pem {
        problem: "no matching `-----END` line",
        expected: "`-----END <label>-----` with the label of the BEGIN line",
    })?;
    let body = body_and_rest.get(..body_end).unwrap_or_default();
    if body.contains(':') {
        return Err(KeyError::Pem { problem: "PEM headers are present", expected: "a PEM block without headers" });
    }
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = BASE64.decode(compact).map_err(|_| KeyError::Base64 { field: "PEM body" })?;
    Ok(PemBlock { label: label.to_owned(), der })
}

/// Encodes one PEM block with 64-character lines, as Go's `pem.Encode` does.
fn encode_pem(label: &str, der: &[u8]) -> String {
    let b64 = BASE64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    // Base64 output is ASCII, so splitting at byte offsets is safe.
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests;
