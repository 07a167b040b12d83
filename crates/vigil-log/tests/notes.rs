//! Signed notes and checkpoints: Go's note package vectors, round trips, refusals, hostile
//! input, and the Rekor checkpoints of the Sigstore corpus verified with vigil-log's own code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use proptest::prelude::*;
use vigil_log::note::{
    Checkpoint, MAX_SIGNATURES, Note, NoteError, Signer, Verifier, generate_key, key_id, sign, sign_all, spki_key_id,
    verify,
};

// Known answers of golang.org/x/mod/sumdb/note (note_test.go), the reference implementation.
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_TEXT: &str =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_LINE: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_VKEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const ENOCH_LINE: &str =
    "\u{2014} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

fn peter_note() -> String {
    format!("{PETER_TEXT}\n{PETER_LINE}")
}

#[test]
fn go_signer_reproduces_go_signed_note() {
    let signer = Signer::parse(PETER_SKEY).unwrap();
    assert_eq!((signer.name(), signer.key_id()), ("PeterNeumann", 0xc74f20a3));
    assert_eq!(signer.verifier().to_key_string().as_deref(), Some(PETER_VKEY));
    // Ed25519 is deterministic: the exact bytes Go produces.
    assert_eq!(sign(PETER_TEXT, &signer).unwrap(), peter_note());
}

#[test]
fn go_signed_note_verifies() {
    let verifier = Verifier::parse(PETER_VKEY).unwrap();
    let verified = verify(peter_note().as_bytes(), &[verifier]).unwrap();
    assert_eq!(verified.text(), PETER_TEXT);
    assert_eq!(verified.verified().len(), 1);
    assert_eq!(verified.verified()[0].key_id, 0xc74f20a3);
    assert!(verified.unverified().is_empty());
}

#[test]
fn go_note_with_two_signers() {
    let note = format!("{PETER_TEXT}\n{PETER_LINE}{ENOCH_LINE}");
    let peter = Verifier::parse(PETER_VKEY).unwrap();
    let enoch = Verifier::parse(ENOCH_VKEY).unwrap();
    let both = verify(note.as_bytes(), &[peter.clone(), enoch.clone()]).unwrap();
    assert_eq!(both.verified().len(), 2);
    // Either key alone verifies, the other signature is ignored as unknown.
    let only_enoch = verify(note.as_bytes(), &[enoch]).unwrap();
    assert_eq!(only_enoch.verified()[0].name, "EnochRoot");
    assert_eq!(only_enoch.unverified()[0].name, "PeterNeumann");
}

#[test]
fn key_id_is_the_signed_note_hash() {
    let key = B64.decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").unwrap();
    assert_eq!(key_id("PeterNeumann", key[0], &key[1..]), 0xc74f20a3);
}

#[test]
fn generated_keys_round_trip() {
    let (skey, vkey) = generate_key("vigil.example/log").unwrap();
    assert!(skey.starts_with("PRIVATE+KEY+vigil.example/log+"));
    let signer = Signer::parse(&skey).unwrap();
    let verifier = Verifier::parse(&vkey).unwrap();
    assert_eq!(verifier.to_key_string().as_deref(), Some(vkey.as_str()));
    assert_eq!(signer.key_id(), verifier.key_id());
    let text = "vigil.example/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nafter a blank line\n";
    let note = sign(text, &signer).unwrap();
    assert_eq!(verify(note.as_bytes(), &[verifier]).unwrap().text(), text);
    // Two fresh keys differ.
    assert_ne!(generate_key("vigil.example/log").unwrap().0, skey);
}

#[test]
fn tampered_text_is_refused() {
    let note = peter_note().replacen("problem,", "problem;", 1);
    let err = verify(note.as_bytes(), &[Verifier::parse(PETER_VKEY).unwrap()]).unwrap_err();
    assert_eq!(err, NoteError::InvalidSignature { name: "PeterNeumann".into(), key_id: 0xc74f20a3 });
}

#[test]
fn wrong_key_finds_no_known_signature() {
    let (_, other) = generate_key("PeterNeumann").unwrap();
    let err = verify(peter_note().as_bytes(), &[Verifier::parse(&other).unwrap()]).unwrap_err();
    assert_eq!(err, NoteError::NoKnownSignature);
    assert_eq!(verify(peter_note().as_bytes(), &[]).unwrap_err(), NoteError::NoKnownSignature);
}

#[test]
fn same_name_and_id_with_another_key_is_invalid() {
    // A signature line claiming PeterNeumann's name and ID, made by another key: must fail.
    let (skey, _) = generate_key("PeterNeumann").unwrap();
    let forged = sign(PETER_TEXT, &Signer::parse(&skey).unwrap()).unwrap();
    let line = Note::parse(forged.as_bytes()).unwrap().signatures()[0].clone();
    assert_ne!(line.key_id, 0xc74f20a3);
    let forged_line = vigil_log::note::Signature { key_id: 0xc74f20a3, ..line }.to_line();
    let note = format!("{PETER_TEXT}\n{forged_line}");
    let err = verify(note.as_bytes(), &[Verifier::parse(PETER_VKEY).unwrap()]).unwrap_err();
    assert!(matches!(err, NoteError::InvalidSignature { .. }), "{err:?}");
}

#[test]
fn unknown_signers_are_ignored_and_duplicates_count_once() {
    let (skey, _) = generate_key("stranger.example").unwrap();
    let stranger = Signer::parse(&skey).unwrap();
    let peter = Signer::parse(PETER_SKEY).unwrap();
    let note = sign_all(PETER_TEXT, &[stranger, peter]).unwrap();
    let verified = verify(note.as_bytes(), &[Verifier::parse(PETER_VKEY).unwrap()]).unwrap();
    assert_eq!(verified.verified().len(), 1);
    assert_eq!(verified.unverified()[0].name, "stranger.example");
    let repeated = format!("{PETER_TEXT}\n{PETER_LINE}{PETER_LINE}");
    assert_eq!(verify(repeated.as_bytes(), &[Verifier::parse(PETER_VKEY).unwrap()]).unwrap().verified().len(), 1);
}

#[test]
fn malformed_notes_are_refused() {
    let sig = PETER_LINE.trim_start_matches("\u{2014} PeterNeumann ").trim_end();
    let cases: Vec<(String, &str)> = vec![
        (PETER_TEXT.to_string(), "no signatures"),
        (format!("{PETER_TEXT}{PETER_LINE}"), "no blank line"),
        (format!("{PETER_TEXT}\n"), "blank line, no signature"),
        (format!("{PETER_TEXT}\n{}", PETER_LINE.trim_end()), "last line without newline"),
        (format!("{PETER_TEXT}\n- PeterNeumann {sig}\n"), "hyphen instead of em dash"),
        (format!("{PETER_TEXT}\n\u{2014}PeterNeumann {sig}\n"), "no space after em dash"),
        (format!("{PETER_TEXT}\n\u{2014} PeterNeumann\n"), "no signature"),
        (format!("{PETER_TEXT}\n\u{2014}  {sig}\n"), "empty name"),
        (format!("{PETER_TEXT}\n\u{2014} Peter+Neumann {sig}\n"), "plus in name"),
        (format!("{PETER_TEXT}\n\u{2014} PeterNeumann {sig} \n"), "trailing space"),
        (format!("{PETER_TEXT}\n\u{2014} PeterNeumann {}\n", &sig[..sig.len() - 1]), "bad base64"),
        (format!("{PETER_TEXT}\n\u{2014} PeterNeumann AAAAAA==\n"), "signature too short"),
        (format!("{PETER_TEXT}\n\u{2014} PeterNeumann {sig}\n\n"), "blank line after signatures"),
        (format!("If you\tthink\n\n{PETER_LINE}"), "tab in text"),
        (format!("{PETER_TEXT}\r\n{PETER_LINE}"), "carriage return"),
        (format!("nul\0\n\n{PETER_LINE}"), "NUL in text"),
        (format!("{PETER_TEXT}\n\u{2014} Peter\u{a0}Neumann {sig}\n"), "no-break space in name"),
    ];
    for (note, why) in &cases {
        assert!(Note::parse(note.as_bytes()).is_err(), "accepted ({why}): {note:?}");
        assert!(verify(note.as_bytes(), &[Verifier::parse(PETER_VKEY).unwrap()]).is_err(), "verified ({why})");
    }
    assert_eq!(Note::parse(&[0xff, b'\n', b'\n']).unwrap_err(), NoteError::NotUtf8);
    // Non-canonical base64 (trailing bits set) is refused too.
    let mut raw = B64.decode(sig).unwrap();
    raw.push(0);
    let encoded = B64.encode(&raw);
    let noncanonical = format!("{}{}", &encoded[..encoded.len() - 2], "B=");
    assert!(Note::parse(format!("{PETER_TEXT}\n\u{2014} PeterNeumann {noncanonical}\n").as_bytes()).is_err());
}

#[test]
fn signature_count_and_size_are_bounded() {
    let many = PETER_LINE.repeat(MAX_SIGNATURES);
    assert!(Note::parse(format!("{PETER_TEXT}\n{many}").as_bytes()).is_ok());
    let too_many = PETER_LINE.repeat(MAX_SIGNATURES + 1);
    assert_eq!(
        Note::parse(format!("{PETER_TEXT}\n{too_many}").as_bytes()).unwrap_err(),
        NoteError::TooManySignatures { max: MAX_SIGNATURES }
    );
    let huge = format!("{}\n{PETER_LINE}", "a\n".repeat(600_000));
    assert!(matches!(Note::parse(huge.as_bytes()).unwrap_err(), NoteError::TooLarge { .. }));
}

#[test]
fn signing_refuses_bad_text() {
    let signer = Signer::parse(PETER_SKEY).unwrap();
    assert_eq!(sign("no newline", &signer).unwrap_err(), NoteError::TextNotTerminated);
    assert_eq!(sign("", &signer).unwrap_err(), NoteError::TextNotTerminated);
    assert!(matches!(sign("bell\u{7}\n", &signer).unwrap_err(), NoteError::ControlCharacter { byte: 7, .. }));
    // DEL (U+007F) is not below U+0020: the specification allows it.
    let del = sign("del\u{7f}\n", &signer).unwrap();
    assert_eq!(verify(del.as_bytes(), &[signer.verifier()]).unwrap().text(), "del\u{7f}\n");
}

#[test]
fn malformed_keys_are_refused() {
    let cases = [
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ApJc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "",
    ];
    for key in cases {
        assert!(Verifier::parse(key).is_err(), "accepted {key:?}");
    }
    assert!(matches!(
        Verifier::parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").unwrap_err(),
        NoteError::KeyIdMismatch { stated: 0xc74f20a4, computed: 0xc74f20a3 }
    ));
    assert!(Signer::parse(PETER_VKEY).is_err());
    assert!(Signer::parse("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF").is_err());
    assert!(Signer::parse("PRIVATE+KEY+PeterNeumann+00000000+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz").is_err());
    assert!(generate_key("bad name").is_err());
    assert!(Verifier::ecdsa_p256("rekor", b"not DER").is_err());
}

#[test]
fn checkpoints_parse_strictly_and_round_trip() {
    let root = B64.encode([7u8; 32]);
    let text = format!("example.com/log\n42\n{root}\nTimestamp: 1\nx\n");
    let checkpoint = Checkpoint::parse(&text).unwrap();
    assert_eq!(checkpoint.origin, "example.com/log");
    assert_eq!(checkpoint.size, 42);
    assert_eq!(checkpoint.root, [7u8; 32]);
    assert_eq!(checkpoint.extensions, ["Timestamp: 1", "x"]);
    assert_eq!(checkpoint.to_text(), text);
    let built = Checkpoint::new("example.com/log", 0, [0; 32]).unwrap();
    assert_eq!(Checkpoint::parse(&built.to_text()).unwrap(), built);
    let bad = [
        format!("example.com/log\n42\n{root}"),
        format!("\n42\n{root}\n"),
        format!("example.com/log\n042\n{root}\n"),
        format!("example.com/log\n+42\n{root}\n"),
        format!("example.com/log\n-1\n{root}\n"),
        format!("example.com/log\n 42\n{root}\n"),
        format!("example.com/log\n18446744073709551616\n{root}\n"),
        format!("example.com/log\n\n{root}\n"),
        "example.com/log\n42\n".to_string(),
        format!("example.com/log\n42\n{}\n", B64.encode([7u8; 31])),
        format!("example.com/log\n42\n{}\n", root.trim_end_matches('=')),
        format!("example.com/log\n42\n{root}\n\n"),
        format!("example.com/log\n42\n{root}\n{}", "e\n".repeat(65)),
    ];
    for text in &bad {
        assert!(Checkpoint::parse(text).is_err(), "accepted {text:?}");
    }
    assert_eq!(Checkpoint::parse(&format!("o\n18446744073709551615\n{root}\n")).unwrap().size, u64::MAX);
    assert!(Checkpoint::new("two\nlines", 1, [0; 32]).is_err());
}

#[test]
fn signed_checkpoint_round_trip() {
    let (skey, vkey) = generate_key("vigil.example/log").unwrap();
    let checkpoint = Checkpoint::new("vigil.example/log", 8, [9; 32]).unwrap();
    let note = sign(&checkpoint.to_text(), &Signer::parse(&skey).unwrap()).unwrap();
    let (opened, verified) = Checkpoint::open(note.as_bytes(), &[Verifier::parse(&vkey).unwrap()]).unwrap();
    assert_eq!(opened, checkpoint);
    assert_eq!(verified.text(), checkpoint.to_text());
    // A signed note whose text is not a checkpoint is refused by `open`.
    let not_checkpoint = sign("hello\n", &Signer::parse(&skey).unwrap()).unwrap();
    let err = Checkpoint::open(not_checkpoint.as_bytes(), &[Verifier::parse(&vkey).unwrap()]).unwrap_err();
    assert!(matches!(err, NoteError::MalformedCheckpoint { line: 2, .. }), "{err:?}");
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let verifier = Verifier::parse(PETER_VKEY).unwrap();
        let _ = Note::parse(&bytes);
        let _ = verify(&bytes, std::slice::from_ref(&verifier));
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = Checkpoint::parse(text);
            let _ = Verifier::parse(text);
            let _ = Signer::parse(text);
        }
    }

    #[test]
    fn mutated_go_note_never_panics_nor_verifies_changed_text(index in 0usize..1000, byte in any::<u8>()) {
        let mut bytes = peter_note().into_bytes();
        let index = index % bytes.len();
        prop_assume!(bytes[index] != byte);
        bytes[index] = byte;
        let verifier = Verifier::parse(PETER_VKEY).unwrap();
        if let Ok(verified) = verify(&bytes, &[verifier]) {
            // Only a change outside the signed text and signature could keep it valid.
            prop_assert_eq!(verified.text(), PETER_TEXT);
        }
    }

    #[test]
    fn any_valid_text_round_trips(lines in proptest::collection::vec("[a-zA-Z0-9 .:/=+-]{0,40}", 1..8)) {
        let text = lines.join("\n") + "\n";
        let signer = Signer::parse(PETER_SKEY).unwrap();
        let note = sign(&text, &signer).unwrap();
        let verified = verify(note.as_bytes(), &[signer.verifier()]).unwrap();
        prop_assert_eq!(verified.text(), text.as_str());
    }
}

// ---------------------------------------------------------------------------------------------
// Interop: the Rekor checkpoints of the Sigstore corpus.

/// A transparency-log key from a trusted root: its DER SPKI and key details.
struct LogKey {
    der: Vec<u8>,
    details: String,
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else if path.metadata().is_ok_and(|m| m.len() < 4 << 20) {
            out.push(path);
        }
    }
}

fn json_of(path: &Path) -> Option<serde_json::Value> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn collect_checkpoints(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                if key == "checkpoint"
                    && let Some(envelope) = child.get("envelope").and_then(|e| e.as_str())
                {
                    out.push(envelope.to_string());
                }
                collect_checkpoints(child, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect_checkpoints(item, out)),
        _ => {}
    }
}

fn collect_log_keys(value: &serde_json::Value, keys: &mut BTreeMap<Vec<u8>, LogKey>) {
    let root = value.get("trustedRoot").unwrap_or(value);
    for tlog in root.get("tlogs").and_then(|t| t.as_array()).into_iter().flatten() {
        let key = &tlog["publicKey"];
        let (Some(raw), Some(details)) = (key["rawBytes"].as_str(), key["keyDetails"].as_str()) else { continue };
        let Ok(der) = B64.decode(raw) else { continue };
        keys.insert(der.clone(), LogKey { der, details: details.to_string() });
    }
}

/// The verifiers for the signature lines of `note`: every trusted-root log key whose key ID,
/// computed as its type defines, matches a line's name and key ID.
fn verifiers_for(note: &Note, keys: &BTreeMap<Vec<u8>, LogKey>) -> Vec<Verifier> {
    let mut verifiers = Vec::new();
    for signature in note.signatures() {
        for key in keys.values() {
            let verifier = match key.details.as_str() {
                "PKIX_ECDSA_P256_SHA_256" if spki_key_id(&key.der) == signature.key_id => {
                    Verifier::ecdsa_p256(&signature.name, &key.der)
                }
                "PKIX_ECDSA_P384_SHA_384" if spki_key_id(&key.der) == signature.key_id => {
                    Verifier::ecdsa_p384(&signature.name, &key.der)
                }
                "PKIX_ED25519" => Verifier::ed25519_spki(&signature.name, &key.der),
                _ => continue,
            };
            // An Ed25519 key's ID depends on the name: keep only the keys the line names.
            if let Ok(verifier) = verifier
                && verifier.key_id() == signature.key_id
            {
                verifiers.push(verifier);
            }
        }
    }
    verifiers
}

#[test]
fn sigstore_corpus_rekor_checkpoints_verify() {
    let Some(dir) = vigil_testkit::require_corpus("sigstore") else { return };
    let mut all = Vec::new();
    files(&dir, &mut all);
    let mut keys = BTreeMap::new();
    let mut bundles = Vec::new();
    for path in &all {
        let Some(json) = json_of(path) else { continue };
        collect_log_keys(&json, &mut keys);
        let mut notes = Vec::new();
        collect_checkpoints(&json, &mut notes);
        if !notes.is_empty() {
            bundles.push((path.strip_prefix(&dir).unwrap().display().to_string(), notes));
        }
    }
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let (mut total, mut verified) = (0usize, 0usize);
    let mut failures_in_passing_cases = Vec::new();
    let mut refusals = Vec::new();
    let mut ecdsa_verified = 0usize;
    let ecdsa_ids: Vec<u32> =
        keys.values().filter(|k| k.details.starts_with("PKIX_ECDSA")).map(|k| spki_key_id(&k.der)).collect();
    for (name, notes) in &bundles {
        for envelope in notes {
            total += 1;
            let outcome = match Note::parse(envelope.as_bytes()) {
                Err(e) => format!("parse: {e}"),
                Ok(note) => {
                    let verifiers = verifiers_for(&note, &keys);
                    match verify(envelope.as_bytes(), &verifiers) {
                        Err(e) => format!("verify: {e}"),
                        Ok(ok) => match Checkpoint::parse(ok.text()) {
                            Err(e) => format!("checkpoint: {e}"),
                            Ok(checkpoint) => {
                                assert!(checkpoint.size > 0, "{name}: empty tree");
                                assert_eq!(Checkpoint::parse(&checkpoint.to_text()).unwrap(), checkpoint);
                                verified += 1;
                                if ok.verified().iter().any(|s| ecdsa_ids.contains(&s.key_id)) {
                                    ecdsa_verified += 1;
                                }
                                "verified".to_string()
                            }
                        },
                    }
                }
            };
            if outcome != "verified" {
                refusals.push((name.clone(), outcome.clone()));
                if !name.contains("_fail") {
                    failures_in_passing_cases.push(format!("{name}: {outcome}"));
                }
            }
            *outcomes.entry(outcome).or_default() += 1;
        }
    }
    vigil_testkit::report(format!(
        "vigil-log rekor checkpoints: {verified}/{total} verified ({:.1}%; {ecdsa_verified} ECDSA P-256, the rest Ed25519), {} bundles, {} log keys; outcomes {outcomes:?}",
        100.0 * verified as f64 / total.max(1) as f64,
        bundles.len(),
        keys.len()
    ));
    // Every checkpoint of a case meant to pass verifies; the cases meant to fail because of
    // their checkpoint fail for the reason their name gives (the other `_fail` cases fail
    // elsewhere, their checkpoints are sound).
    assert_eq!(failures_in_passing_cases, Vec::<String>::new());
    let expected_refusals = [
        ("checkpoint-bad-keyhint_fail", "verify: no signature of the note is by a known key"),
        ("invalid-checkpoint-signature_fail", "verify: signature by rekor.sigstore.dev (c0d23d6a) does not verify"),
        ("rekor2-checkpoint-missing-log-signature_fail", "parse: note has no signature block"),
        ("rekor2-checkpoint-missing-origin_fail", "(f30d5a99) does not verify"),
        ("rekor2-checkpoint-missing-root-hash_fail", "(f30d5a99) does not verify"),
        ("rekor2-checkpoint-missing-size_fail", "(f30d5a99) does not verify"),
        ("rekor2-checkpoint-no-matching-signature_fail", "verify: no signature of the note is by a known key"),
    ];
    let mut refused = refusals.clone();
    refused.sort();
    assert_eq!(refused.len(), expected_refusals.len(), "{refused:#?}");
    for ((name, outcome), (case, reason)) in refused.iter().zip(expected_refusals) {
        assert!(name.contains(&format!("/{case}/")) && outcome.contains(reason), "{name}: {outcome}");
    }
    assert_eq!((verified, ecdsa_verified, total), (72, 47, 79), "{outcomes:#?}");
}

/// An ECDSA-signed note made here, as Rekor makes them: key ID = SHA-256(SPKI)[:4].
fn ecdsa_note(signing: &'static aws_lc_rs::signature::EcdsaSigningAlgorithm, text: &str) -> (String, Vec<u8>) {
    use aws_lc_rs::encoding::AsDer as _;
    use aws_lc_rs::signature::KeyPair as _;
    let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(signing).unwrap();
    let der = pair.public_key().as_der().unwrap().as_ref().to_vec();
    let signature = pair.sign(&aws_lc_rs::rand::SystemRandom::new(), text.as_bytes()).unwrap();
    let line = vigil_log::note::Signature {
        name: "rekor.example".into(),
        key_id: spki_key_id(&der),
        signature: signature.as_ref().to_vec(),
    };
    (format!("{text}\n{}", line.to_line()), der)
}

#[test]
fn ecdsa_notes_verify_on_their_curve_only() {
    let text = "rekor.example - 1\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
    let (p256, der256) = ecdsa_note(&aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING, text);
    let (p384, der384) = ecdsa_note(&aws_lc_rs::signature::ECDSA_P384_SHA384_ASN1_SIGNING, text);
    let v256 = Verifier::ecdsa_p256("rekor.example", &der256).unwrap();
    let v384 = Verifier::ecdsa_p384("rekor.example", &der384).unwrap();
    assert_eq!(v256.key_id(), spki_key_id(&der256));
    assert_eq!(v256.to_key_string(), None);
    assert_eq!(verify(p256.as_bytes(), std::slice::from_ref(&v256)).unwrap().text(), text);
    assert_eq!(verify(p384.as_bytes(), std::slice::from_ref(&v384)).unwrap().text(), text);
    // A key of the other curve is refused, and the other key is unknown to each note.
    assert!(Verifier::ecdsa_p256("rekor.example", &der384).is_err());
    assert!(Verifier::ecdsa_p384("rekor.example", &der256).is_err());
    assert_eq!(verify(p256.as_bytes(), &[v384]).unwrap_err(), NoteError::NoKnownSignature);
    // Same key under another name is another key.
    let renamed = Verifier::ecdsa_p256("other.example", &der256).unwrap();
    assert_eq!(verify(p256.as_bytes(), &[renamed]).unwrap_err(), NoteError::NoKnownSignature);
    let tampered = p256.replacen("\n5\n", "\n6\n", 1);
    assert!(matches!(verify(tampered.as_bytes(), &[v256]).unwrap_err(), NoteError::InvalidSignature { .. }));
}
