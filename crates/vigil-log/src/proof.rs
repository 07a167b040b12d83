//! Inclusion proofs an auditor can check offline: `vigil log prove` writes one,
//! `vigil log verify-proof` (or any RFC 9162 implementation) checks it.
//!
//! The JSON form (all hashes standard base64, as in checkpoints):
//!
//! ```json
//! {
//!   "version": 1,
//!   "index": 12,
//!   "tree_size": 40,
//!   "entry": "<base64 of the entry's exact bytes>",
//!   "leaf_hash": "<base64 SHA-256(0x00 || entry)>",
//!   "hashes": ["<base64>", "…"],
//!   "checkpoint": "<the signed checkpoint note of tree_size, verbatim>",
//!   "decoded": { "…": "the entry, parsed, for people; not checked" }
//! }
//! ```
//!
//! Checking it: verify the checkpoint's signature with the log's key; take the size and root
//! from the checkpoint (never from the proof); hash the entry; run RFC 9162 §2.1.3.2 with
//! `index`, the checkpoint's size and `hashes`.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::merkle::{self, Hash, leaf_hash};
use crate::note::{Checkpoint, Verifier};
use crate::store::{Reader, ReaderHashes, StoreError};

/// The largest proof file read.
pub const MAX_PROOF_BYTES: usize = 1 << 20;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// What `vigil log prove` can be asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An entry index.
    Index(u64),
    /// A leaf hash (base64 or hex), looked up among the stored leaves.
    LeafHash(Hash),
}

/// A proof could not be made or checked.
#[derive(Debug, thiserror::Error)]
pub enum ProofFileError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The request or the proof file is wrong (the message says how).
    #[error("{0}")]
    Invalid(String),
}

/// Parses a hash given as base64 (44 characters) or hex (64).
///
/// # Errors
/// When it is neither.
pub fn parse_hash(s: &str) -> Result<Hash, String> {
    let s = s.trim();
    let bytes = if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(s.get(i * 2..i * 2 + 2).unwrap_or("zz"), 16))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|e| format!("`{s}` is neither hex nor base64: {e}"))?
    };
    <Hash>::try_from(bytes.as_slice()).map_err(|_| format!("a hash is 32 bytes, `{s}` is {}", bytes.len()))
}

/// The inclusion proof of `target` in the tree of the latest stored checkpoint.
///
/// # Errors
/// When there is no checkpoint, the index is beyond it, the hash is not a stored leaf, or the
/// store cannot be read.
pub fn prove(reader: &mut dyn Reader, target: &Target) -> Result<Value, ProofFileError> {
    let note = reader
        .latest_checkpoint()?
        .ok_or_else(|| ProofFileError::Invalid("the log is empty: no checkpoint to prove against".into()))?;
    let checkpoint = Checkpoint::parse(
        crate::note::Note::parse(note.as_bytes())
            .map_err(|e| ProofFileError::Invalid(format!("stored checkpoint: {e}")))?
            .text(),
    )
    .map_err(|e| ProofFileError::Invalid(format!("stored checkpoint: {e}")))?;
    let size = checkpoint.size;
    let index = match target {
        Target::Index(i) => *i,
        Target::LeafHash(hash) => find_leaf(reader, hash, size)?
            .ok_or_else(|| ProofFileError::Invalid(format!("no entry with leaf hash {} in the log", b64(hash))))?,
    };
    if index >= size {
        return Err(ProofFileError::Invalid(format!("entry {index} is not in the log (its size is {size})")));
    }
    let body = reader
        .entries(index, index + 1)?
        .into_iter()
        .find(|(i, _)| *i == index)
        .map(|(_, b)| b)
        .ok_or_else(|| ProofFileError::Invalid(format!("entry {index} is missing from the store")))?;
    let hashes = {
        let store = ReaderHashes::new(reader);
        let proof = merkle::inclusion_proof(&store, index, size);
        if let Some(e) = store.error.into_inner() {
            return Err(e.into());
        }
        proof.map_err(|e| ProofFileError::Invalid(format!("building the proof of entry {index}: {e}")))?
    };
    let decoded: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    Ok(json!({
        "version": 1,
        "type": "inclusion",
        "index": index,
        "tree_size": size,
        "entry": b64(&body),
        "leaf_hash": b64(&leaf_hash(&body)),
        "hashes": hashes.iter().map(|h| b64(h)).collect::<Vec<_>>(),
        "checkpoint": note,
        "decoded": decoded,
    }))
}

fn find_leaf(reader: &mut dyn Reader, hash: &Hash, size: u64) -> Result<Option<u64>, StoreError> {
    let mut start = 0u64;
    while start < size {
        let stop = start.saturating_add(65_536).min(size);
        if let Some((i, _)) = reader.nodes(0, start, stop)?.into_iter().find(|(_, h)| h == hash) {
            return Ok(Some(i));
        }
        start = stop;
    }
    Ok(None)
}

/// What a checked proof established.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Checked {
    /// The entry's index.
    pub index: u64,
    /// The checkpoint's size.
    pub tree_size: u64,
    /// The checkpoint's origin.
    pub origin: String,
    /// The entry's leaf hash, base64.
    pub leaf_hash: String,
}

/// Checks a proof file (the JSON of [`prove`]) with `verifier`, offline.
///
/// # Errors
/// [`ProofFileError::Invalid`] naming what does not hold: the signature, the size, the leaf
/// hash or the path.
pub fn verify_proof(bytes: &[u8], verifier: &Verifier) -> Result<Checked, ProofFileError> {
    let bad = |m: String| ProofFileError::Invalid(m);
    if bytes.len() > MAX_PROOF_BYTES {
        return Err(bad(format!("proof is {} bytes; at most {MAX_PROOF_BYTES}", bytes.len())));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
    let field = |name: &str| value.get(name).ok_or_else(|| bad(format!("proof has no `{name}`")));
    let index = field("index")?.as_u64().ok_or_else(|| bad("`index` is not an unsigned integer".into()))?;
    let note = field("checkpoint")?.as_str().ok_or_else(|| bad("`checkpoint` is not a string".into()))?;
    let (checkpoint, _) = Checkpoint::open(note.as_bytes(), std::slice::from_ref(verifier))
        .map_err(|e| bad(format!("the checkpoint does not verify with key `{}`: {e}", verifier.name())))?;
    if let Some(size) = value.get("tree_size")
        && size.as_u64() != Some(checkpoint.size)
    {
        return Err(bad(format!("`tree_size` is {size}, the signed checkpoint's size is {}", checkpoint.size)));
    }
    let entry = field("entry")?.as_str().ok_or_else(|| bad("`entry` is not a string".into()))?;
    let entry = base64::engine::general_purpose::STANDARD
        .decode(entry)
        .map_err(|e| bad(format!("`entry` is not base64: {e}")))?;
    let leaf = leaf_hash(&entry);
    if let Some(claimed) = value.get("leaf_hash").and_then(Value::as_str)
        && parse_hash(claimed).map_err(bad)? != leaf
    {
        return Err(bad("`leaf_hash` is not the hash of `entry`".into()));
    }
    let hashes = field("hashes")?.as_array().ok_or_else(|| bad("`hashes` is not an array".into()))?;
    if hashes.len() > 64 {
        return Err(bad(format!("{} proof hashes; a tree of 2^64 leaves needs at most 64", hashes.len())));
    }
    let path = hashes
        .iter()
        .map(|h| h.as_str().ok_or_else(|| "a proof hash is not a string".to_owned()).and_then(parse_hash))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    merkle::verify_inclusion(&leaf, index, checkpoint.size, &path, &checkpoint.root)
        .map_err(|e| bad(format!("entry {index} is not in the tree of size {}: {e}", checkpoint.size)))?;
    Ok(Checked { index, tree_size: checkpoint.size, origin: checkpoint.origin, leaf_hash: b64(&leaf) })
}

/// The consistency proof from the tree of `old_size` entries to the tree of the latest stored
/// checkpoint, with the old root as the store computes it (an auditor compares it with the
/// old checkpoint it holds):
///
/// ```json
/// {"version": 1, "type": "consistency", "old_size": 10, "old_root": "<base64>",
///  "tree_size": 40, "hashes": ["<base64>", "…"], "checkpoint": "<signed note of tree_size>"}
/// ```
///
/// # Errors
/// When there is no checkpoint, `old_size` exceeds it, or the store cannot be read.
pub fn prove_consistency(reader: &mut dyn Reader, old_size: u64) -> Result<Value, ProofFileError> {
    let note = reader
        .latest_checkpoint()?
        .ok_or_else(|| ProofFileError::Invalid("the log is empty: no checkpoint to prove against".into()))?;
    let text = crate::note::Note::parse(note.as_bytes())
        .map_err(|e| ProofFileError::Invalid(format!("stored checkpoint: {e}")))?;
    let checkpoint =
        Checkpoint::parse(text.text()).map_err(|e| ProofFileError::Invalid(format!("stored checkpoint: {e}")))?;
    if old_size > checkpoint.size {
        return Err(ProofFileError::Invalid(format!(
            "the log has {} entries, fewer than the old size {old_size}",
            checkpoint.size
        )));
    }
    let store = ReaderHashes::new(reader);
    let hashes = merkle::consistency_proof(&store, old_size, checkpoint.size);
    let old_root = merkle::root_at(&store, old_size);
    if let Some(e) = store.error.into_inner() {
        return Err(e.into());
    }
    let hashes = hashes.map_err(|e| ProofFileError::Invalid(format!("building the consistency proof: {e}")))?;
    let old_root = old_root.map_err(|e| ProofFileError::Invalid(format!("computing the root at {old_size}: {e}")))?;
    Ok(json!({
        "version": 1,
        "type": "consistency",
        "old_size": old_size,
        "old_root": b64(&old_root),
        "tree_size": checkpoint.size,
        "hashes": hashes.iter().map(|h| b64(h)).collect::<Vec<_>>(),
        "checkpoint": note,
    }))
}

/// What a checked consistency proof established.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckedConsistency {
    /// The old tree's size.
    pub old_size: u64,
    /// The new (signed) tree's size.
    pub tree_size: u64,
    /// The checkpoint's origin.
    pub origin: String,
    /// Whether the old root came from a signed old checkpoint (else from the proof file).
    pub old_root_signed: bool,
}

/// Checks a consistency proof file (see [`prove_consistency`]) with `verifier`, offline. With
/// `old` (a signed checkpoint the auditor kept), its size and root are the old tree's and the
/// file's `old_size`/`old_root` must agree; without, the file's `old_root` is taken as given.
///
/// # Errors
/// [`ProofFileError::Invalid`] naming what does not hold.
pub fn verify_consistency_proof(
    bytes: &[u8],
    verifier: &Verifier,
    old: Option<&[u8]>,
) -> Result<CheckedConsistency, ProofFileError> {
    let bad = |m: String| ProofFileError::Invalid(m);
    if bytes.len() > MAX_PROOF_BYTES {
        return Err(bad(format!("proof is {} bytes; at most {MAX_PROOF_BYTES}", bytes.len())));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
    let field = |name: &str| value.get(name).ok_or_else(|| bad(format!("proof has no `{name}`")));
    let verifiers = std::slice::from_ref(verifier);
    let note = field("checkpoint")?.as_str().ok_or_else(|| bad("`checkpoint` is not a string".into()))?;
    let (checkpoint, _) = Checkpoint::open(note.as_bytes(), verifiers)
        .map_err(|e| bad(format!("the checkpoint does not verify with key `{}`: {e}", verifier.name())))?;
    let old_size = field("old_size")?.as_u64().ok_or_else(|| bad("`old_size` is not an unsigned integer".into()))?;
    let stated_root = field("old_root")?
        .as_str()
        .ok_or_else(|| bad("`old_root` is not a string".into()))
        .and_then(|s| parse_hash(s).map_err(bad))?;
    let (old_root, signed) = match old {
        Some(text) => {
            let (old, _) = Checkpoint::open(text, verifiers)
                .map_err(|e| bad(format!("the old checkpoint does not verify with key `{}`: {e}", verifier.name())))?;
            if old.size != old_size || old.root != stated_root {
                return Err(bad(format!(
                    "the proof starts from size {old_size}, root {}; the old checkpoint is size {}, root {}",
                    b64(&stated_root),
                    old.size,
                    b64(&old.root)
                )));
            }
            (old.root, true)
        }
        None => (stated_root, false),
    };
    let hashes = field("hashes")?.as_array().ok_or_else(|| bad("`hashes` is not an array".into()))?;
    if hashes.len() > 128 {
        return Err(bad(format!("{} proof hashes; a consistency proof needs at most 128", hashes.len())));
    }
    let path = hashes
        .iter()
        .map(|h| h.as_str().ok_or_else(|| "a proof hash is not a string".to_owned()).and_then(parse_hash))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    merkle::verify_consistency(old_size, checkpoint.size, &old_root, &checkpoint.root, &path).map_err(|e| {
        bad(format!("the tree of size {} is not an extension of the tree of size {old_size}: {e}", checkpoint.size))
    })?;
    Ok(CheckedConsistency { old_size, tree_size: checkpoint.size, origin: checkpoint.origin, old_root_signed: signed })
}
