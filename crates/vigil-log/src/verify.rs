//! `vigil log verify`: recompute the tree from the entries and hold it against the signed
//! checkpoints.
//!
//! What is trusted: the verifier key and, when given, an old checkpoint. Everything in the
//! store is checked: every stored checkpoint's signature; each entry's row index, its
//! `index` field and its leaf hash against the stored leaf; the root recomputed from the
//! entries at the size of every stored checkpoint; every stored interior node against the
//! recomputed tree; and with an old checkpoint, that the recomputed tree at its size has its
//! root and that the store's consistency proof from it to the latest checkpoint verifies
//! (RFC 9162 §2.1.4.2). The first problem found, by index, is what is reported first.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::entry;
use crate::merkle::{self, Hash, MemoryTree, leaf_hash};
use crate::note::{Checkpoint, Verifier};
use crate::store::{Reader, ReaderHashes, StoreError};

/// Entries read per round trip.
const CHUNK: u64 = 32_768;
/// Problems listed at most.
const MAX_PROBLEMS: usize = 100;

/// One thing wrong with the log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The first entry index it concerns, when one can be named.
    pub index: Option<u64>,
    /// What is wrong.
    pub message: String,
}

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// The origin of the latest checkpoint.
    pub origin: String,
    /// The size of the latest checkpoint.
    pub size: u64,
    /// Its root hash, base64.
    pub root: String,
    /// Entries read from the store.
    pub entries: u64,
    /// Signed checkpoints checked.
    pub checkpoints: usize,
    /// The old checkpoint's size, when one was given.
    pub old_size: Option<u64>,
    /// Everything found wrong, in index order (at most 100).
    pub problems: Vec<Problem>,
}

impl Report {
    /// Whether nothing is wrong.
    #[must_use]
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A verification that could not run (the store cannot be read, the key does not fit).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The old checkpoint cannot be used.
    #[error("old checkpoint: {0}")]
    OldCheckpoint(String),
}

struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, index: Option<u64>, message: String) {
        if self.0.len() < MAX_PROBLEMS {
            self.0.push(Problem { index, message });
        }
    }
}

fn b64(hash: &Hash) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(hash)
}

/// Verifies the log in `reader` with `verifier`, and against `old` (a signed checkpoint note
/// an auditor kept) when given.
///
/// # Errors
/// When the store cannot be read or the old checkpoint is unusable (bad signature, not a
/// checkpoint). Tampering is not an error: it is a [`Problem`] in the report.
pub fn verify(reader: &mut dyn Reader, verifier: &Verifier, old: Option<&[u8]>) -> Result<Report, VerifyError> {
    let mut problems = Problems(Vec::new());
    let verifiers = std::slice::from_ref(verifier);
    let old =
        match old {
            Some(text) => Some(Checkpoint::open(text, verifiers).map(|(c, _)| c).map_err(|e| {
                VerifyError::OldCheckpoint(format!("does not verify with key `{}`: {e}", verifier.name()))
            })?),
            None => None,
        };

    // Stored checkpoints: each must verify; the latest is the tree to check.
    let mut signed: BTreeMap<u64, Hash> = BTreeMap::new();
    let mut count = 0usize;
    for (size, note) in reader.checkpoints()? {
        count += 1;
        match Checkpoint::open(note.as_bytes(), verifiers) {
            Ok((c, _)) if c.size == size => {
                signed.insert(size, c.root);
            }
            Ok((c, _)) => problems.push(
                Some(size.min(c.size)),
                format!("stored checkpoint row for size {size} holds a checkpoint of size {}", c.size),
            ),
            Err(e) => problems.push(Some(size), format!("stored checkpoint of size {size} does not verify: {e}")),
        }
    }
    let (latest_size, latest_root) = match signed.last_key_value() {
        Some((s, r)) => (*s, *r),
        None => {
            if reader.last_entry_index()?.is_some() {
                problems.push(Some(0), "the store holds entries but no signed checkpoint".into());
            }
            (0, merkle::empty_root())
        }
    };
    let recorded = reader.size()?;
    if recorded != latest_size {
        problems.push(
            Some(recorded.min(latest_size)),
            format!("the store records tree size {recorded}, its latest signed checkpoint says {latest_size}"),
        );
    }
    let origin = reader.origin()?.unwrap_or_default();
    if !origin.is_empty() && origin != verifier.name() {
        problems.push(None, format!("the log's origin is `{origin}`, the key is `{}`", verifier.name()));
    }
    if let Some(old) = &old
        && old.size > latest_size
    {
        problems.push(
            Some(latest_size),
            format!(
                "the old checkpoint has {} entries, the log now only {latest_size}: entries were removed",
                old.size
            ),
        );
    }

    // Stream the entries: rows, index fields, leaf hashes; roots at every signed size.
    let mut tree = MemoryTree::new();
    let mut expected = 0u64;
    let mut first_unsigned_bad: Option<u64> = None;
    let mut last_signed = 0u64;
    let mut entries_read = 0u64;
    let end = reader.last_entry_index()?.map_or(0, |i| i.saturating_add(1)).max(latest_size);
    let mut start = 0u64;
    while start < end {
        let stop = start.saturating_add(CHUNK).min(end);
        let rows = reader.entries(start, stop)?;
        let stored: BTreeMap<u64, Hash> = reader.nodes(0, start, stop)?.into_iter().collect();
        let hashed: Vec<(u64, Hash, Result<u64, String>)> =
            rows.par_iter().map(|(index, body)| (*index, leaf_hash(body), entry::index_of(body))).collect();
        for (row, leaf, field) in hashed {
            entries_read += 1;
            if row != expected {
                problems.push(
                    Some(expected),
                    if row > expected {
                        format!("entry {expected} is missing (deleted row)")
                    } else {
                        format!("row {row} is out of order")
                    },
                );
                // Continue from the stored row so later checks still run.
                while expected < row {
                    tree.append([0; 32]);
                    expected += 1;
                    at_size(&mut tree, &signed, &mut last_signed, &mut first_unsigned_bad, &mut problems);
                }
            }
            match field {
                Ok(i) if i == row => {}
                Ok(i) => problems
                    .push(Some(row), format!("entry {row} says it is entry {i} (moved, swapped or inserted row)")),
                Err(e) => problems.push(Some(row), format!("entry {row}: {e}")),
            }
            match stored.get(&row) {
                Some(hash) if *hash == leaf => {}
                Some(_) => {
                    problems.push(Some(row), format!("entry {row} was modified: its hash is not the stored leaf hash"))
                }
                None => problems.push(Some(row), format!("entry {row} has no stored leaf hash")),
            }
            if row >= latest_size {
                problems.push(
                    Some(row),
                    format!("entry {row} is beyond the latest signed checkpoint (size {latest_size}): inserted row"),
                );
            }
            tree.append(leaf);
            expected = row + 1;
            at_size(&mut tree, &signed, &mut last_signed, &mut first_unsigned_bad, &mut problems);
        }
        start = stop;
    }
    if expected < latest_size {
        problems.push(
            Some(expected),
            format!("the log stops at entry {expected}, its signed checkpoint has {latest_size} entries (truncated)"),
        );
    }
    // Interior nodes: what proofs and tiles are made of must be what the entries give. Once
    // an entry is bad its ancestors differ as a consequence, so they are checked only on an
    // otherwise sound log (where a difference is damage of its own).
    let size = if problems.0.is_empty() { tree.size().min(latest_size) } else { 0 };
    'levels: for level in 1u8..64 {
        let width = size >> level;
        if width == 0 {
            break;
        }
        let mut at = 0u64;
        while at < width {
            let stop = at.saturating_add(CHUNK).min(width);
            let stored = reader.nodes(level, at, stop)?;
            let mut next = at;
            for (index, hash) in stored {
                if index != next {
                    problems.push(Some(next << level), format!("stored node ({level}, {next}) is missing"));
                    continue 'levels;
                }
                if merkle::HashStore::get(&tree, level, index) != Some(hash) {
                    problems.push(
                        Some(index << level),
                        format!("stored node ({level}, {index}) differs from the tree the entries give (covers entries from {})", index << level),
                    );
                    continue 'levels;
                }
                next += 1;
            }
            if next != stop {
                problems.push(Some(next << level), format!("stored node ({level}, {next}) is missing"));
                continue 'levels;
            }
            at = stop;
        }
    }

    // An old checkpoint: the log at its size must still have its root, and the store's
    // consistency proof must verify from it to the latest checkpoint.
    let old_size = old.as_ref().map(|c| c.size);
    if let Some(old) = &old
        && old.size <= latest_size
    {
        match tree.root_at(old.size) {
            Ok(root) if root == old.root => {}
            Ok(_) => problems.push(
                None,
                format!("history was rewritten: the log at size {} no longer has the old checkpoint's root", old.size),
            ),
            Err(e) => problems.push(Some(old.size), format!("cannot recompute the tree at size {}: {e}", old.size)),
        }
        let hashes = ReaderHashes::new(reader);
        match merkle::consistency_proof(&hashes, old.size, latest_size) {
            Ok(proof) => {
                if let Err(e) = merkle::verify_consistency(old.size, latest_size, &old.root, &latest_root, &proof) {
                    problems.push(
                        None,
                        format!("the latest checkpoint (size {latest_size}) is not consistent with the old one (size {}): {e}", old.size),
                    );
                }
            }
            Err(e) => problems.push(None, format!("cannot build a consistency proof from size {}: {e}", old.size)),
        }
    }

    let mut problems = problems.0;
    // Index order, unindexed ones last; stable so the first found at an index stays first.
    problems.sort_by_key(|p| p.index.unwrap_or(u64::MAX));
    Ok(Report {
        origin,
        size: latest_size,
        root: b64(&latest_root),
        entries: entries_read,
        checkpoints: count,
        old_size,
        problems,
    })
}

/// At a signed size, the recomputed root must be the signed one; a mismatch means an entry
/// since the previous signed size was rewritten together with its stored hashes.
fn at_size(
    tree: &mut MemoryTree,
    signed: &BTreeMap<u64, Hash>,
    last_signed: &mut u64,
    first_bad: &mut Option<u64>,
    problems: &mut Problems,
) {
    let size = tree.size();
    if let Some(root) = signed.get(&size) {
        let explained = problems.0.iter().any(|p| p.index.is_some_and(|i| i < size));
        if tree.root() != *root && first_bad.is_none() && !explained {
            *first_bad = Some(*last_signed);
            problems.push(
                Some(*last_signed),
                format!(
                    "the entries do not give the root of the signed checkpoint of size {size}: an entry in {}..{size} was rewritten",
                    *last_signed
                ),
            );
        }
        *last_signed = size;
    }
}
