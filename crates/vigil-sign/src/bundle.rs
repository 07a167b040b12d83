//! Offline verification of Sigstore bundles (protobuf-specs bundle v0.1, v0.2 and v0.3): message
//! signatures and DSSE envelopes, Rekor v1 and v2 entries with inclusion proofs, signed
//! checkpoints and SETs, and RFC 3161 timestamps, against a trusted root.
//!
//! The cryptography and the Sigstore client-spec steps are delegated to `sigstore-verify`; this
//! module owns what vigil promises on top: bounded inputs, the choice of trusted root,
//! regular-expression identity policies (cosign's `--certificate-identity-regexp` and
//! `--certificate-oidc-issuer-regexp`), and one error type that names what failed.

use std::io::Read;
use std::path::Path;

use regex::Regex;
use serde::Serialize;
use sigstore_verify::types::{ArtifactDigest, Bundle, DerPublicKey, HashAlgorithm};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy, Verifier};

use crate::keys::load_public_key;
use crate::trust::TrustRoot;

/// Largest bundle accepted (real bundles are a few KiB; a DSSE bundle with an SBOM can be MiBs).
pub const MAX_BUNDLE_BYTES: u64 = 64 * 1024 * 1024;

/// Artifacts up to this size are read whole (some signing schemes, Ed25519 among them, need the
/// whole message); larger ones are streamed.
const MAX_IN_MEMORY_ARTIFACT: u64 = 256 * 1024 * 1024;
pub(crate) const MAX_IN_MEMORY_ARTIFACT_PUB: u64 = MAX_IN_MEMORY_ARTIFACT;

/// Why a bundle did not verify, or could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// A file could not be read.
    #[error("{path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The bundle is not a well-formed Sigstore bundle.
    #[error("{path}: not a valid Sigstore bundle: {reason}")]
    Malformed {
        /// The bundle file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The trusted root cannot be used.
    #[error("trusted root {source_name}: {reason}")]
    TrustRoot {
        /// Where the root came from.
        source_name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The public key given with `--key` cannot be used.
    #[error("{path}: {reason}")]
    Key {
        /// The key file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The bundle is well formed but does not verify.
    #[error("{path}: verification failed: {reason}")]
    Verification {
        /// The bundle file.
        path: String,
        /// The precise reason.
        reason: String,
    },
}

impl BundleError {
    /// Whether this is a verification verdict (exit 1) rather than an input or usage problem
    /// (exit 2). A malformed bundle is a verdict: the bundle does not verify. So is a trusted
    /// root or a public key whose *content* cannot be used (bad PEM, a log without a validity
    /// start): nothing can be verified against it, as the sigstore-conformance suite expects.
    /// Only a file that cannot be read is not a verdict.
    #[must_use]
    pub fn is_verdict(&self) -> bool {
        matches!(self, Self::Verification { .. } | Self::Malformed { .. } | Self::TrustRoot { .. } | Self::Key { .. })
    }

    /// Whether this is about reading a file (missing, unreadable, too large to read).
    #[must_use]
    pub fn is_read(&self) -> bool {
        matches!(self, Self::Read { .. })
    }
}

/// A pattern that a certificate's SAN identity or OIDC issuer must match.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// The value must be exactly this string.
    Exact(String),
    /// The value must match this regular expression (Go RE2 syntax, as cosign; unanchored unless
    /// the pattern anchors itself, as cosign).
    Regex(Regex),
}

impl Matcher {
    /// A regular-expression matcher.
    ///
    /// # Errors
    /// The pattern is not a valid regular expression.
    pub fn regex(pattern: &str) -> Result<Self, regex::Error> {
        regex::RegexBuilder::new(pattern).size_limit(1 << 20).build().map(Self::Regex)
    }

    /// Whether `value` satisfies the matcher.
    #[must_use]
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Self::Exact(expected) => expected == value,
            Self::Regex(re) => re.is_match(value),
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exact(value) => write!(f, "`{value}`"),
            Self::Regex(re) => write!(f, "/{}/", re.as_str()),
        }
    }
}

/// Who must have signed a keyless bundle.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The certificate's SAN (email or URI).
    pub subject: Matcher,
    /// The certificate's OIDC issuer extension.
    pub issuer: Matcher,
}

impl Identity {
    /// Checks a verified certificate's SAN and issuer.
    ///
    /// # Errors
    /// A reason naming the expected and the actual value.
    pub fn check(&self, subject: Option<&str>, issuer: Option<&str>) -> Result<(), String> {
        let subject_ok = subject.is_some_and(|s| self.subject.matches(s));
        if !subject_ok {
            return Err(format!(
                "certificate identity {} does not match {}",
                subject.map_or_else(|| "(none)".to_string(), |s| format!("`{s}`")),
                self.subject
            ));
        }
        if !issuer.is_some_and(|s| self.issuer.matches(s)) {
            return Err(format!(
                "certificate OIDC issuer {} does not match {}",
                issuer.map_or_else(|| "(none)".to_string(), |s| format!("`{s}`")),
                self.issuer
            ));
        }
        Ok(())
    }
}

/// How the signer is authenticated.
#[derive(Debug, Clone)]
pub enum Signer {
    /// A Fulcio certificate with this identity.
    Keyless(Identity),
    /// A managed key (PEM file contents: SPKI or cosign public key).
    Key {
        /// Where the key came from (for messages).
        path: String,
        /// The PEM bytes.
        pem: Vec<u8>,
    },
}

/// What was signed.
#[derive(Debug, Clone)]
pub enum Subject<'a> {
    /// An artifact file.
    File(&'a Path),
    /// A `sha256:<hex>` digest of the artifact.
    Digest(String),
    /// The artifact itself, in memory.
    Bytes(&'a [u8]),
}

impl Subject<'_> {
    /// The conformance protocol's `FILE_OR_DIGEST`: a digest when it is `sha256:` followed by 64
    /// hex digits (or `sha384:`/`sha512:` with 96/128, for in-toto subjects that only carry
    /// those) and not a path on disk, a file otherwise.
    #[must_use]
    pub fn parse(arg: &str) -> Subject<'_> {
        let is_digest = parse_digest(arg).is_some();
        if is_digest && !Path::new(arg).exists() {
            Subject::Digest(arg.to_string())
        } else {
            Subject::File(Path::new(arg))
        }
    }
}

/// A verified bundle.
#[derive(Debug, Clone, Serialize)]
pub struct BundleVerified {
    /// The bundle's media type (its version).
    pub media_type: String,
    /// The certificate identity (keyless bundles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// The certificate's OIDC issuer (keyless bundles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The transparency-log integrated time (Rekor v1), RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrated_time: Option<String>,
    /// Every verified signing time (log and RFC 3161 timestamps), RFC 3339.
    pub verified_times: Vec<String>,
    /// Whether a transparency-log entry was verified.
    pub tlog_verified: bool,
    /// The in-toto predicate type, for DSSE bundles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
}

/// Reads a file of at most `limit` bytes.
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, BundleError> {
    let err = |reason: String| BundleError::Read { path: path.display().to_string(), reason };
    let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| err(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(err(format!("larger than the {limit}-byte limit")));
    }
    Ok(bytes)
}

/// Parses a bundle (bytes of `path`), checking its media type is a known version.
///
/// # Errors
/// [`BundleError::Malformed`].
pub fn parse_bundle(path: &str, bytes: &[u8]) -> Result<Bundle, BundleError> {
    let malformed = |reason: String| BundleError::Malformed { path: path.to_string(), reason };
    let text = std::str::from_utf8(bytes).map_err(|_| malformed("not UTF-8".into()))?;
    let mut bundle = Bundle::from_json(text).map_err(|e| malformed(e.to_string()))?;
    // v0.1 bundles predate checkpoints: their inclusion proofs carry none, and what binds the
    // entry to the log is the inclusion promise (SET). Such a proof proves nothing on its own,
    // so it is ignored and the SET, which v0.1 requires, is verified (sigstore-python and
    // sigstore-go do the same).
    if bundle.media_type() == sigstore_verify::types::MediaType::Bundle0_1 {
        for entry in &mut bundle.verification_material.tlog_entries {
            let no_checkpoint =
                entry.inclusion_proof.as_ref().is_some_and(|proof| proof.checkpoint.envelope().trim().is_empty());
            if no_checkpoint && entry.inclusion_promise.is_some() {
                entry.inclusion_proof = None;
            }
        }
    }
    Ok(bundle)
}

/// Verifies the Sigstore bundle at `bundle_path` for `subject`, signed by `signer`, against
/// `root`. Entirely offline.
///
/// # Errors
/// [`BundleError`] naming the file and the reason.
pub fn verify_bundle_file(
    bundle_path: &Path,
    subject: &Subject<'_>,
    signer: &Signer,
    root: &TrustRoot,
) -> Result<BundleVerified, BundleError> {
    let bytes = read_bounded(bundle_path, MAX_BUNDLE_BYTES)?;
    let name = bundle_path.display().to_string();
    // cosign's own blob bundle (`cosign sign-blob --bundle` without `--new-bundle-format`).
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes)
        && crate::cosign_bundle::is_cosign_bundle(&value)
    {
        return crate::cosign_bundle::verify(&name, &value, subject, signer, root);
    }
    if let Signer::Keyless(identity) = signer
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes)
    {
        let keyless = crate::keyless::Keyless { identity: identity.clone(), root: root.clone() };
        if let Some(outcome) = crate::request_form::verify_bundle(&keyless, &value) {
            return request_form_verdict(&name, &value, subject, outcome);
        }
    }
    let bundle = parse_bundle(&name, &bytes)?;
    verify_bundle(&name, &bundle, subject, signer, root)
}

/// The verdict for a DSSE bundle verified through the request-form path: the certificate and
/// entry checks, plus the binding of the artifact to a subject of the statement.
fn request_form_verdict(
    name: &str,
    value: &serde_json::Value,
    subject: &Subject<'_>,
    outcome: Result<crate::keyless::CertificateSigner, String>,
) -> Result<BundleVerified, BundleError> {
    use base64::Engine as _;
    let fail = |reason: String| BundleError::Verification { path: name.to_string(), reason };
    let signer = outcome.map_err(fail)?;
    let payload = value["dsseEnvelope"]["payload"]
        .as_str()
        .and_then(|p| base64::engine::general_purpose::STANDARD.decode(p).ok())
        .ok_or_else(|| fail("DSSE payload is not base64".into()))?;
    let statement: serde_json::Value =
        serde_json::from_slice(&payload).map_err(|e| fail(format!("statement is not JSON: {e}")))?;
    let wanted = match subject {
        Subject::Digest(d) => d.strip_prefix("sha256:").unwrap_or(d).to_ascii_lowercase(),
        Subject::Bytes(b) => hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b).as_ref()),
        Subject::File(path) => {
            let bytes = read_bounded(path, MAX_IN_MEMORY_ARTIFACT)?;
            hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &bytes).as_ref())
        }
    };
    let bound = statement["subject"]
        .as_array()
        .is_some_and(|subjects| subjects.iter().any(|s| s["digest"]["sha256"].as_str() == Some(wanted.as_str())));
    if !bound {
        return Err(fail("artifact hash does not match any subject in the attestation".into()));
    }
    Ok(BundleVerified {
        media_type: value["mediaType"].as_str().unwrap_or_default().to_string(),
        identity: Some(signer.identity),
        issuer: Some(signer.issuer),
        integrated_time: signer.signed_at.clone(),
        verified_times: signer.signed_at.into_iter().collect(),
        tlog_verified: true,
        predicate_type: statement["predicateType"].as_str().map(str::to_string),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Verifies a parsed bundle; `name` is used in messages.
///
/// # Errors
/// [`BundleError`] naming the bundle and the reason.
pub fn verify_bundle(
    name: &str,
    bundle: &Bundle,
    subject: &Subject<'_>,
    signer: &Signer,
    root: &TrustRoot,
) -> Result<BundleVerified, BundleError> {
    let fail = |reason: String| BundleError::Verification { path: name.to_string(), reason };
    reject_embedded_root(bundle, root).map_err(fail)?;
    let verifier = Verifier::new(root.inner())
        .map_err(|e| BundleError::TrustRoot { source_name: root.source().to_string(), reason: e.to_string() })?;
    let result = match signer {
        Signer::Keyless(identity) => {
            let policy = VerificationPolicy::any_identity();
            let result = run(&verifier, bundle, subject, &policy)?.map_err(|e| fail(e.to_string()))?;
            let san = result.identity().map(ToString::to_string).or_else(|| other_name_san(bundle));
            identity.check(san.as_deref(), result.issuer()).map_err(fail)?;
            result
        }
        Signer::Key { path, pem } => {
            let key_err = |reason: String| BundleError::Key { path: path.clone(), reason };
            let key = load_public_key(pem).map_err(|e| key_err(e.to_string()))?;
            let policy = PublicKeyVerificationPolicy::new(DerPublicKey::new(key.spki_der().to_vec()));
            run(&verifier, bundle, subject, &policy)?.map_err(|e| fail(e.to_string()))?
        }
    };
    let predicate_type = match &bundle.content {
        sigstore_verify::types::SignatureContent::DsseEnvelope(envelope) => {
            serde_json::from_slice::<serde_json::Value>(envelope.payload.as_bytes())
                .ok()
                .and_then(|v| v.get("predicateType").and_then(|p| p.as_str()).map(str::to_string))
        }
        _ => None,
    };
    Ok(BundleVerified {
        media_type: bundle.media_type().as_str().to_string(),
        identity: result
            .identity()
            .map(ToString::to_string)
            .or_else(|| if matches!(signer, Signer::Keyless(_)) { other_name_san(bundle) } else { None }),
        issuer: result.issuer().map(str::to_string),
        integrated_time: result.integrated_time().map(|t| t.to_string()),
        verified_times: result.verified_timestamps().iter().map(ToString::to_string).collect(),
        tlog_verified: result.tlog_verified(),
        predicate_type,
    })
}

/// Trust comes from the trusted root only: a bundle whose certificate chain carries a
/// self-signed root that is not one of the trusted root's own certificates is rejected (a bundled
/// root invites trusting it). Old (v0.1) bundles from sigstore-js carry the full public-good chain;
/// a root byte-identical to a trusted one adds nothing and is accepted.
fn reject_embedded_root(bundle: &Bundle, root: &TrustRoot) -> Result<(), String> {
    use sigstore_verify::types::bundle::VerificationMaterialContent;
    use x509_cert::der::Decode;
    let VerificationMaterialContent::X509CertificateChain { certificates } = &bundle.verification_material.content
    else {
        return Ok(());
    };
    let trusted = root.fulcio_certificates();
    for (index, cert) in certificates.iter().enumerate() {
        let parsed = x509_cert::Certificate::from_der(cert.raw_bytes.as_bytes())
            .map_err(|e| format!("certificate {index} of the bundle's chain is not valid DER: {e}"))?;
        let tbs = &parsed.tbs_certificate;
        if index > 0 && tbs.issuer == tbs.subject && !trusted.iter().any(|t| t.as_slice() == cert.raw_bytes.as_bytes())
        {
            return Err(format!(
                "the bundle's certificate chain contains a self-signed root certificate ({}) that is not in the trusted root; roots must come from the trusted root only",
                tbs.subject
            ));
        }
    }
    Ok(())
}

/// Fulcio's otherName SAN (`1.3.6.1.4.1.57264.1.7`, a UTF8String such as `user!oidc.example`),
/// issued for identities that are neither an email nor a URI. Only consulted when the
/// certificate has no email or URI SAN.
fn other_name_san(bundle: &Bundle) -> Option<String> {
    use x509_cert::der::asn1::{ObjectIdentifier, Utf8StringRef};
    use x509_cert::der::{Decode, oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME};
    use x509_cert::ext::pkix::{SubjectAltName, name::GeneralName};
    const FULCIO_OTHER_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.7");
    let cert = x509_cert::Certificate::from_der(bundle.signing_certificate()?.as_bytes()).ok()?;
    let extension = cert.tbs_certificate.extensions.as_ref()?.iter().find(|e| e.extn_id == ID_CE_SUBJECT_ALT_NAME)?;
    let names = SubjectAltName::from_der(extension.extn_value.as_bytes()).ok()?;
    names.0.iter().find_map(|name| match name {
        GeneralName::OtherName(other) if other.type_id == FULCIO_OTHER_NAME => {
            other.value.decode_as::<Utf8StringRef<'_>>().ok().map(|s| s.as_str().to_string())
        }
        _ => None,
    })
}

/// `sha256:<64 hex>`, `sha384:<96 hex>` or `sha512:<128 hex>`.
fn parse_digest(text: &str) -> Option<ArtifactDigest> {
    let (algorithm, hex) = text.split_once(':')?;
    let algorithm = match algorithm {
        "sha256" => HashAlgorithm::Sha2256,
        "sha384" => HashAlgorithm::Sha2384,
        "sha512" => HashAlgorithm::Sha2512,
        _ => return None,
    };
    if hex.len() != 2 * algorithm.digest_size() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes: Vec<u8> =
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16)).collect::<Result<_, _>>().ok()?;
    ArtifactDigest::new(algorithm, bytes).ok()
}

/// Runs one verification; the outer error is an input problem (unreadable artifact), the inner
/// one the verdict.
fn run(
    verifier: &Verifier,
    bundle: &Bundle,
    subject: &Subject<'_>,
    policy: &(impl sigstore_verify::Policy + ?Sized),
) -> Result<Result<sigstore_verify::VerificationResult, sigstore_verify::Error>, BundleError> {
    match subject {
        Subject::Digest(digest) => {
            let parsed = parse_digest(digest).ok_or_else(|| BundleError::Read {
                path: digest.clone(),
                reason: "not a sha256:, sha384: or sha512: hex digest".into(),
            })?;
            Ok(verifier.verify(parsed, bundle, policy))
        }
        Subject::Bytes(bytes) => Ok(verifier.verify(*bytes, bundle, policy)),
        Subject::File(path) => {
            let err = |reason: String| BundleError::Read { path: path.display().to_string(), reason };
            let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
            if !meta.is_file() {
                return Err(err("not a regular file".into()));
            }
            if meta.len() <= MAX_IN_MEMORY_ARTIFACT {
                let bytes = read_bounded(path, MAX_IN_MEMORY_ARTIFACT)?;
                Ok(verifier.verify(bytes.as_slice(), bundle, policy))
            } else {
                let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
                Ok(verifier.verify_reader(std::io::BufReader::new(file), bundle, policy))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyless() -> Signer {
        Signer::Keyless(Identity { subject: Matcher::Exact("a".into()), issuer: Matcher::Exact("b".into()) })
    }

    #[test]
    fn digests_parse_only_with_the_right_length() {
        assert!(parse_digest(&format!("sha256:{}", "a".repeat(64))).is_some());
        assert!(parse_digest(&format!("sha512:{}", "a".repeat(128))).is_some());
        assert!(parse_digest(&format!("sha256:{}", "a".repeat(63))).is_none());
        assert!(parse_digest(&format!("md5:{}", "a".repeat(32))).is_none());
        assert!(parse_digest(&format!("sha256:{}", "g".repeat(64))).is_none());
        assert!(matches!(Subject::parse("a.txt"), Subject::File(_)));
    }

    #[test]
    fn regex_matchers_are_unanchored_like_cosign() {
        let m = Matcher::regex("example\\.com").unwrap();
        assert!(m.matches("dev@example.com"));
        assert!(!Matcher::regex("^example").unwrap().matches("dev@example.com"));
        assert!(Matcher::regex("(").is_err());
    }

    proptest::proptest! {
        /// Hostile bundle bytes never panic: they are refused as malformed or fail verification.
        #[test]
        fn arbitrary_bundles_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let root = TrustRoot::production().unwrap();
            if let Ok(bundle) = parse_bundle("fuzz", &bytes) {
                let _ = verify_bundle("fuzz", &bundle, &Subject::Bytes(b"x"), &keyless(), &root);
            }
        }

        /// Structurally valid JSON with random field values never panics either.
        #[test]
        fn mutated_real_bundles_never_panic(index in 0usize..4096, byte in proptest::num::u8::ANY) {
            let mut bytes = REAL.as_bytes().to_vec();
            let at = index % bytes.len();
            bytes[at] = byte;
            let root = TrustRoot::production().unwrap();
            if let Ok(bundle) = parse_bundle("fuzz", &bytes) {
                let _ = verify_bundle("fuzz", &bundle, &Subject::Bytes(b"x"), &keyless(), &root);
            }
        }
    }

    /// The sigstore-conformance happy-path v0.3 bundle (also a CLI fixture).
    const REAL: &str = include_str!("../../vigil/tests/fixtures/sigstore/a.txt.v03.sigstore.json");
}
