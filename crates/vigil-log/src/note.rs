//! C2SP signed notes (`c2sp.org/signed-note`) and tlog checkpoints (`c2sp.org/tlog-checkpoint`).
//!
//! A note is UTF-8 text ending in a newline, a blank line, then one or more signature lines
//! `— <key name> <base64(4-byte key ID || signature)>`. vigil signs with Ed25519 keys written in
//! the format of Go's `golang.org/x/mod/sumdb/note` package (`PRIVATE+KEY+<name>+<id>+<key>` and
//! `<name>+<id>+<key>`), and verifies Ed25519 notes as well as ECDSA notes (P-256, P-384), the way
//! Sigstore's Rekor signs its checkpoints (key ID = first 4 bytes of SHA-256 of the DER
//! `SubjectPublicKeyInfo`).
//!
//! Parsing is strict and bounded: hostile input is refused with a [`NoteError`], never a panic.
//!
//! ```
//! use vigil_log::note::{generate_key, sign, verify, Signer, Verifier};
//! let (skey, vkey) = generate_key("log.example/a").unwrap();
//! let signer = Signer::parse(&skey).unwrap();
//! let note = sign("hello\n", &signer).unwrap();
//! let verified = verify(note.as_bytes(), &[Verifier::parse(&vkey).unwrap()]).unwrap();
//! assert_eq!(verified.text(), "hello\n");
//! ```

use std::fmt;

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P384_SHA384_ASN1, ED25519, Ed25519KeyPair, KeyPair as _, ParsedPublicKey,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest as _, Sha256};

mod checkpoint;

pub use checkpoint::{Checkpoint, MAX_CHECKPOINT_EXTENSIONS};

/// Largest signed note accepted, in bytes (text and signatures together).
pub const MAX_NOTE_BYTES: usize = 1 << 20;

/// Most signature lines accepted in one note (Go's note package uses the same bound; the
/// specification requires at least 16).
pub const MAX_SIGNATURES: usize = 100;

/// The signature type byte of Ed25519 keys (C2SP signed-note).
pub const ALG_ED25519: u8 = 0x01;

/// The em dash (U+2014) and space that start every signature line.
const SIG_PREFIX: &str = "\u{2014} ";

/// The prefix of a signer (private) key string.
const PRIVATE_PREFIX: &str = "PRIVATE+KEY+";

/// Why a note, a key or a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// The note is larger than [`MAX_NOTE_BYTES`].
    #[error("note is {size} bytes, more than the limit of {max}")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The note is not valid UTF-8.
    #[error("note is not valid UTF-8")]
    NotUtf8,
    /// The note contains an ASCII control character other than newline.
    #[error("note contains control character {byte:#04x} at byte {offset}")]
    ControlCharacter {
        /// The offending byte.
        byte: u8,
        /// Its offset in the input.
        offset: usize,
    },
    /// The note text is empty or does not end in a newline.
    #[error("note text is empty or does not end in a newline")]
    TextNotTerminated,
    /// No blank line separates the text from signature lines, or no signature follows it.
    #[error("note has no signature block (a blank line followed by signature lines)")]
    MissingSignatures,
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("note has more than {max} signatures")]
    TooManySignatures {
        /// The limit.
        max: usize,
    },
    /// A signature line is malformed.
    #[error("signature line {line}: {reason}")]
    MalformedSignature {
        /// 1-based index of the signature line.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A key name is empty or contains a space or `+`.
    #[error("invalid key name {0:?}: it must be non-empty, without spaces or '+'")]
    InvalidKeyName(String),
    /// A signer or verifier key string is malformed.
    #[error("malformed key: {0}")]
    MalformedKey(&'static str),
    /// A key string's key ID does not match its name and key.
    #[error("key ID {stated:08x} does not match the key (computed {computed:08x})")]
    KeyIdMismatch {
        /// The key ID written in the key string.
        stated: u32,
        /// The key ID computed from the name and the key.
        computed: u32,
    },
    /// A key uses a signature type this implementation does not support.
    #[error("unsupported key type {0:#04x}")]
    UnsupportedAlgorithm(u8),
    /// A signature by a known key (matching name and key ID) does not verify.
    #[error("signature by {name} ({key_id:08x}) does not verify")]
    InvalidSignature {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: u32,
    },
    /// No signature of the note is by a known key.
    #[error("no signature of the note is by a known key")]
    NoKnownSignature,
    /// The system's random generator or the signing primitive failed.
    #[error("cryptographic failure: {0}")]
    Crypto(&'static str),
    /// The note text is not a valid C2SP checkpoint.
    #[error("malformed checkpoint, line {line}: {reason}")]
    MalformedCheckpoint {
        /// 1-based line of the checkpoint text.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Key name.
    pub name: String,
    /// Key ID (the first 4 bytes of the decoded signature, big-endian).
    pub key_id: u32,
    /// The signature bytes after the key ID.
    pub signature: Vec<u8>,
}

impl Signature {
    /// The signature line, `— <name> <base64>` with its newline.
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }
}

/// A parsed but **unverified** signed note: do not trust its text before [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<Signature>,
}

impl Note {
    /// Parses a signed note, strictly: at most [`MAX_NOTE_BYTES`] bytes and [`MAX_SIGNATURES`]
    /// signatures, valid UTF-8 without control characters other than newline, text ending in a
    /// newline, then a blank line, then signature lines each ending in a newline.
    ///
    /// # Errors
    /// The [`NoteError`] naming the first rule broken.
    pub fn parse(input: &[u8]) -> Result<Self, NoteError> {
        if input.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge { size: input.len(), max: MAX_NOTE_BYTES });
        }
        check_text_bytes(input)?;
        let note = std::str::from_utf8(input).map_err(|_| NoteError::NotUtf8)?;
        // The text is separated from the signatures by the last blank line of the note.
        let split = note.rfind("\n\n").ok_or(NoteError::MissingSignatures)?;
        let (text, rest) = (&note[..=split], &note[split + 2..]);
        if rest.is_empty() || !rest.ends_with('\n') {
            return Err(NoteError::MissingSignatures);
        }
        let mut signatures = Vec::new();
        for (index, line) in rest[..rest.len() - 1].split('\n').enumerate() {
            let number = index + 1;
            if number > MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures { max: MAX_SIGNATURES });
            }
            signatures.push(parse_signature_line(line, number)?);
        }
        Ok(Self { text: text.to_string(), signatures })
    }

    /// The note text, with its final newline (unverified).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> &[Signature] {
        &self.signatures
    }

    /// The note in its wire form: text, blank line, signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for signature in &self.signatures {
            out.push_str(&signature.to_line());
        }
        out
    }
}

/// A note whose text is signed by at least one known key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNote {
    text: String,
    verified: Vec<Signature>,
    unverified: Vec<Signature>,
}

impl VerifiedNote {
    /// The verified text, with its final newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signatures by known keys, all verified.
    pub fn verified(&self) -> &[Signature] {
        &self.verified
    }

    /// The signatures by unknown keys, ignored (not verified).
    pub fn unverified(&self) -> &[Signature] {
        &self.unverified
    }
}

/// Checks the byte-level rule: no ASCII control character (below U+0020) other than newline.
fn check_text_bytes(input: &[u8]) -> Result<(), NoteError> {
    match input.iter().position(|&b| b < 0x20 && b != b'\n') {
        Some(offset) => Err(NoteError::ControlCharacter { byte: input[offset], offset }),
        None => Ok(()),
    }
}

fn parse_signature_line(line: &str, number: usize) -> Result<Signature, NoteError> {
    let malformed = |reason| NoteError::MalformedSignature { line: number, reason };
    let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(|| malformed("does not start with an em dash and a space"))?;
    let (name, encoded) = rest.split_once(' ').ok_or_else(|| malformed("no space between key name and signature"))?;
    if !is_valid_name(name) {
        return Err(malformed("invalid key name"));
    }
    let raw = B64.decode(encoded).map_err(|_| malformed("signature is not canonical base64"))?;
    if raw.len() < 5 {
        return Err(malformed("signature is shorter than a key ID and one byte"));
    }
    let key_id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
    Ok(Signature { name: name.to_string(), key_id, signature: raw[4..].to_vec() })
}

/// Whether `name` is a valid key name: non-empty, no Unicode space, no `+`.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+' || c < ' ')
}

/// The key ID of C2SP signed-note: `SHA-256(name || 0x0A || type || public key)[:4]`, big-endian.
pub fn key_id(name: &str, alg: u8, public_key: &[u8]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', alg]);
    hasher.update(public_key);
    first_four(&hasher.finalize())
}

/// The key ID of an ECDSA note key: the first 4 bytes of SHA-256 of its DER
/// `SubjectPublicKeyInfo`, as Rekor and c2sp.org/signed-note type `0x02` define it.
pub fn spki_key_id(spki_der: &[u8]) -> u32 {
    first_four(&Sha256::digest(spki_der))
}

fn first_four(digest: &[u8]) -> u32 {
    let mut id = [0u8; 4];
    id.copy_from_slice(&digest[..4]);
    u32::from_be_bytes(id)
}

/// Splits `<name>+<8 hex digits>+<base64>` into name, stated key ID and decoded key.
fn split_key(s: &str) -> Result<(&str, u32, Vec<u8>), NoteError> {
    let mut parts = s.splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::MalformedKey("expected <name>+<key ID>+<base64 key>"));
    };
    if !is_valid_name(name) {
        return Err(NoteError::InvalidKeyName(name.to_string()));
    }
    if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoteError::MalformedKey("key ID is not 8 hexadecimal digits"));
    }
    let id = u32::from_str_radix(id, 16).map_err(|_| NoteError::MalformedKey("key ID is not hexadecimal"))?;
    let key = B64.decode(key).map_err(|_| NoteError::MalformedKey("key is not canonical base64"))?;
    Ok((name, id, key))
}

/// An Ed25519 note signer, from a `PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || seed)>` string.
pub struct Signer {
    name: String,
    key_id: u32,
    pair: Ed25519KeyPair,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish()
    }
}

impl Signer {
    /// Parses a signer key string as Go's note package writes it.
    ///
    /// # Errors
    /// [`NoteError::MalformedKey`], [`NoteError::InvalidKeyName`],
    /// [`NoteError::UnsupportedAlgorithm`] or [`NoteError::KeyIdMismatch`].
    pub fn parse(s: &str) -> Result<Self, NoteError> {
        let s = s.trim_end_matches(['\n', '\r']);
        let rest =
            s.strip_prefix(PRIVATE_PREFIX).ok_or(NoteError::MalformedKey("signer key must start PRIVATE+KEY+"))?;
        let (name, stated, key) = split_key(rest)?;
        let (&alg, seed) = key.split_first().ok_or(NoteError::MalformedKey("empty key"))?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnsupportedAlgorithm(alg));
        }
        if seed.len() != 32 {
            return Err(NoteError::MalformedKey("Ed25519 seed is not 32 bytes"));
        }
        let pair =
            Ed25519KeyPair::from_seed_unchecked(seed).map_err(|_| NoteError::MalformedKey("Ed25519 seed rejected"))?;
        let computed = key_id(name, ALG_ED25519, pair.public_key().as_ref());
        if computed != stated {
            return Err(NoteError::KeyIdMismatch { stated, computed });
        }
        Ok(Self { name: name.to_string(), key_id: computed, pair })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        let mut public = [0u8; 32];
        public.copy_from_slice(self.pair.public_key().as_ref());
        Verifier { name: self.name.clone(), key_id: self.key_id, key: VerifierKey::Ed25519(public) }
    }

    /// The signature line of this key over `text` (not checked: [`sign`] checks).
    fn signature(&self, text: &str) -> Signature {
        let signature = self.pair.sign(text.as_bytes());
        Signature { name: self.name.clone(), key_id: self.key_id, signature: signature.as_ref().to_vec() }
    }
}

#[derive(Clone)]
enum VerifierKey {
    Ed25519([u8; 32]),
    Ecdsa(ParsedPublicKey),
}

/// A note verifier key: Ed25519, or ECDSA P-256/P-384 (verification only, as Rekor signs).
#[derive(Clone)]
pub struct Verifier {
    name: String,
    key_id: u32,
    key: VerifierKey,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.key {
            VerifierKey::Ed25519(_) => "ed25519",
            VerifierKey::Ecdsa(_) => "ecdsa",
        };
        f.debug_struct("Verifier")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .field("kind", &kind)
            .finish()
    }
}

/// The DER prefix of an Ed25519 `SubjectPublicKeyInfo` (RFC 8410), before the 32 key bytes.
const ED25519_SPKI_PREFIX: [u8; 12] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

impl Verifier {
    /// Parses a verifier key string `<name>+<key ID>+<base64(0x01 || public key)>`.
    ///
    /// # Errors
    /// [`NoteError::MalformedKey`], [`NoteError::InvalidKeyName`],
    /// [`NoteError::UnsupportedAlgorithm`] or [`NoteError::KeyIdMismatch`].
    pub fn parse(s: &str) -> Result<Self, NoteError> {
        let (name, stated, key) = split_key(s.trim_end_matches(['\n', '\r']))?;
        let (&alg, public) = key.split_first().ok_or(NoteError::MalformedKey("empty key"))?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnsupportedAlgorithm(alg));
        }
        let public: [u8; 32] =
            public.try_into().map_err(|_| NoteError::MalformedKey("Ed25519 public key is not 32 bytes"))?;
        let verifier = Self::ed25519(name, public)?;
        if verifier.key_id != stated {
            return Err(NoteError::KeyIdMismatch { stated, computed: verifier.key_id });
        }
        Ok(verifier)
    }

    /// An Ed25519 verifier from the 32-byte public key; the key ID is computed from the name.
    ///
    /// # Errors
    /// [`NoteError::InvalidKeyName`].
    pub fn ed25519(name: &str, public_key: [u8; 32]) -> Result<Self, NoteError> {
        check_name(name)?;
        let key_id = key_id(name, ALG_ED25519, &public_key);
        Ok(Self { name: name.to_string(), key_id, key: VerifierKey::Ed25519(public_key) })
    }

    /// An Ed25519 verifier from a DER `SubjectPublicKeyInfo` (as Sigstore trusted roots carry
    /// Rekor v2 keys); the key ID is the signed-note one, computed from the name.
    ///
    /// # Errors
    /// [`NoteError::InvalidKeyName`] or [`NoteError::MalformedKey`].
    pub fn ed25519_spki(name: &str, spki_der: &[u8]) -> Result<Self, NoteError> {
        let raw = spki_der
            .strip_prefix(&ED25519_SPKI_PREFIX[..])
            .ok_or(NoteError::MalformedKey("not an Ed25519 SubjectPublicKeyInfo"))?;
        let public: [u8; 32] =
            raw.try_into().map_err(|_| NoteError::MalformedKey("Ed25519 public key is not 32 bytes"))?;
        Self::ed25519(name, public)
    }

    /// An ECDSA P-256 (SHA-256, ASN.1 DER signatures) verifier from a DER
    /// `SubjectPublicKeyInfo`, as Rekor v1 signs checkpoints; the key ID is
    /// [`spki_key_id`].
    ///
    /// # Errors
    /// [`NoteError::InvalidKeyName`] or [`NoteError::MalformedKey`].
    pub fn ecdsa_p256(name: &str, spki_der: &[u8]) -> Result<Self, NoteError> {
        Self::ecdsa(name, spki_der, &ECDSA_P256_SHA256_ASN1)
    }

    /// An ECDSA P-384 (SHA-384, ASN.1 DER signatures) verifier, like [`Verifier::ecdsa_p256`].
    ///
    /// # Errors
    /// [`NoteError::InvalidKeyName`] or [`NoteError::MalformedKey`].
    pub fn ecdsa_p384(name: &str, spki_der: &[u8]) -> Result<Self, NoteError> {
        Self::ecdsa(name, spki_der, &ECDSA_P384_SHA384_ASN1)
    }

    fn ecdsa(
        name: &str,
        spki_der: &[u8],
        alg: &'static aws_lc_rs::signature::EcdsaVerificationAlgorithm,
    ) -> Result<Self, NoteError> {
        check_name(name)?;
        // Only a SubjectPublicKeyInfo: the key ID is defined over its DER bytes.
        if spki_der.first() != Some(&0x30) {
            return Err(NoteError::MalformedKey("not a DER SubjectPublicKeyInfo"));
        }
        let key = ParsedPublicKey::new(alg, spki_der)
            .map_err(|_| NoteError::MalformedKey("ECDSA public key rejected for this curve"))?;
        Ok(Self { name: name.to_string(), key_id: spki_key_id(spki_der), key: VerifierKey::Ecdsa(key) })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The verifier key string `<name>+<key ID>+<base64(0x01 || key)>` of an Ed25519 key;
    /// `None` for ECDSA keys, which have no such string form.
    pub fn to_key_string(&self) -> Option<String> {
        match &self.key {
            VerifierKey::Ed25519(public) => {
                let mut key = vec![ALG_ED25519];
                key.extend_from_slice(public);
                Some(format!("{}+{:08x}+{}", self.name, self.key_id, B64.encode(key)))
            }
            VerifierKey::Ecdsa(_) => None,
        }
    }

    /// Whether `signature` is a valid signature of `text` by this key.
    fn verifies(&self, text: &[u8], signature: &[u8]) -> bool {
        match &self.key {
            VerifierKey::Ed25519(public) => {
                aws_lc_rs::signature::UnparsedPublicKey::new(&ED25519, public).verify(text, signature).is_ok()
            }
            VerifierKey::Ecdsa(key) => key.verify_sig(text, signature).is_ok(),
        }
    }
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if is_valid_name(name) { Ok(()) } else { Err(NoteError::InvalidKeyName(name.to_string())) }
}

/// Generates a new Ed25519 note key named `name`: `(signer key, verifier key)` strings in Go's
/// note format. The signer string is a secret.
///
/// # Errors
/// [`NoteError::InvalidKeyName`], or [`NoteError::Crypto`] when the system random generator fails.
pub fn generate_key(name: &str) -> Result<(String, String), NoteError> {
    check_name(name)?;
    let mut seed = [0u8; 32];
    aws_lc_rs::rand::fill(&mut seed).map_err(|_| NoteError::Crypto("random generator failed"))?;
    let pair = Ed25519KeyPair::from_seed_unchecked(&seed).map_err(|_| NoteError::Crypto("Ed25519 seed rejected"))?;
    let id = key_id(name, ALG_ED25519, pair.public_key().as_ref());
    let mut private = vec![ALG_ED25519];
    private.extend_from_slice(&seed);
    let mut public = vec![ALG_ED25519];
    public.extend_from_slice(pair.public_key().as_ref());
    seed.fill(0);
    let signer = format!("{PRIVATE_PREFIX}{name}+{id:08x}+{}", B64.encode(&private));
    private.fill(0);
    Ok((signer, format!("{name}+{id:08x}+{}", B64.encode(public))))
}

/// Checks that `text` can be the text of a note: bounded, no control characters other than
/// newline, non-empty and ending in a newline.
fn check_text(text: &str) -> Result<(), NoteError> {
    if text.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge { size: text.len(), max: MAX_NOTE_BYTES });
    }
    check_text_bytes(text.as_bytes())?;
    if !text.ends_with('\n') {
        return Err(NoteError::TextNotTerminated);
    }
    Ok(())
}

/// Signs `text` (which must end in a newline) with `signer`: the signed note in wire form.
///
/// # Errors
/// [`NoteError::TextNotTerminated`], [`NoteError::ControlCharacter`] or
/// [`NoteError::TooLarge`].
pub fn sign(text: &str, signer: &Signer) -> Result<String, NoteError> {
    sign_all(text, std::slice::from_ref(signer))
}

/// Signs `text` with every signer, one signature line each, in order.
///
/// # Errors
/// As [`sign`], and [`NoteError::TooManySignatures`] beyond [`MAX_SIGNATURES`] signers.
pub fn sign_all(text: &str, signers: &[Signer]) -> Result<String, NoteError> {
    check_text(text)?;
    if signers.is_empty() {
        return Err(NoteError::MissingSignatures);
    }
    if signers.len() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures { max: MAX_SIGNATURES });
    }
    let note = Note { text: text.to_string(), signatures: signers.iter().map(|s| s.signature(text)).collect() };
    Ok(note.to_text())
}

/// Parses `note` and verifies it against `verifiers`, as c2sp.org/signed-note says: signatures
/// whose key name and key ID both match a known verifier are verified, any that fails rejects
/// the note; signatures by unknown keys are ignored; at least one must be by a known key.
/// A signature repeated by the same key counts once.
///
/// # Errors
/// Any [`Note::parse`] error, [`NoteError::InvalidSignature`] or [`NoteError::NoKnownSignature`].
pub fn verify(note: &[u8], verifiers: &[Verifier]) -> Result<VerifiedNote, NoteError> {
    let parsed = Note::parse(note)?;
    verify_parsed(parsed, verifiers)
}

/// [`verify`] for an already parsed note.
///
/// # Errors
/// [`NoteError::InvalidSignature`] or [`NoteError::NoKnownSignature`].
pub fn verify_parsed(note: Note, verifiers: &[Verifier]) -> Result<VerifiedNote, NoteError> {
    let Note { text, signatures } = note;
    let mut verified: Vec<Signature> = Vec::new();
    let mut unverified: Vec<Signature> = Vec::new();
    for signature in signatures {
        let same_key = |s: &Signature| s.name == signature.name && s.key_id == signature.key_id;
        let mut known =
            verifiers.iter().filter(|v| v.name == signature.name && v.key_id == signature.key_id).peekable();
        if known.peek().is_none() {
            if !unverified.iter().any(same_key) {
                unverified.push(signature);
            }
            continue;
        }
        if !known.any(|v| v.verifies(text.as_bytes(), &signature.signature)) {
            return Err(NoteError::InvalidSignature { name: signature.name, key_id: signature.key_id });
        }
        if !verified.iter().any(same_key) {
            verified.push(signature);
        }
    }
    if verified.is_empty() {
        return Err(NoteError::NoKnownSignature);
    }
    Ok(VerifiedNote { text, verified, unverified })
}
