//! Where a log lives: one backend trait, an SQLite file by default ([`sqlite`]) and PostgreSQL
//! when several writers share one log ([`postgres`]).
//!
//! Every backend stores the same four things: the entries (canonical JSON, by index), the
//! hashes of every complete subtree (tlog-tiles addressing: level 0 = leaf hashes), the tree
//! size, and signed checkpoints (the latest, plus one kept per [`KEEP_EVERY`] entries so that
//! `verify` can bound where a rewrite happened). An append batch writes all of them in one
//! exclusive transaction ([`append_batch`]): a crash leaves either the whole batch or none of
//! it, and concurrent writers (processes, replicas) are serialised by the backend's lock so
//! that indices are unique and gapless.

pub mod postgres;
pub mod sqlite;

use crate::merkle::{Hash, HashStore, leaf_hash, node_hash, root_at};
use crate::note::{Checkpoint, Signer};

/// A checkpoint is kept in the history whenever the tree crosses a multiple of this size.
pub const KEEP_EVERY: u64 = 1024;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("{0}")]
    Database(String),
    /// The stored tree is not what this log expects (another log's key, a newer format …).
    #[error("{0}")]
    Mismatch(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

impl From<::postgres::Error> for StoreError {
    fn from(e: ::postgres::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

/// The operations of one exclusive write transaction.
pub trait WriteTxn {
    /// The origin (checkpoint key name) the log was created with, if any.
    fn origin(&mut self) -> Result<Option<String>, StoreError>;
    /// Records the origin of a new log.
    fn set_origin(&mut self, origin: &str) -> Result<(), StoreError>;
    /// The committed tree size.
    fn size(&mut self) -> Result<u64, StoreError>;
    /// Records the tree size.
    fn set_size(&mut self, size: u64) -> Result<(), StoreError>;
    /// A stored node.
    fn node(&mut self, level: u8, index: u64) -> Result<Option<Hash>, StoreError>;
    /// Stores an entry.
    fn put_entry(&mut self, index: u64, body: &[u8]) -> Result<(), StoreError>;
    /// Stores a node.
    fn put_node(&mut self, level: u8, index: u64, hash: &Hash) -> Result<(), StoreError>;
    /// Stores the checkpoint of `size`; the previous latest checkpoint stays only if `keep_previous`.
    fn put_checkpoint(&mut self, size: u64, note: &str, keep_previous: bool) -> Result<(), StoreError>;
}

/// Read access to a stored log.
pub trait Reader {
    /// The origin recorded at creation.
    fn origin(&mut self) -> Result<Option<String>, StoreError>;
    /// The recorded tree size.
    fn size(&mut self) -> Result<u64, StoreError>;
    /// The latest signed checkpoint.
    fn latest_checkpoint(&mut self) -> Result<Option<String>, StoreError>;
    /// Every stored checkpoint, by size.
    fn checkpoints(&mut self) -> Result<Vec<(u64, String)>, StoreError>;
    /// Stored entries with index in `[start, end)`, in index order, as stored (rows may be
    /// missing or extra if someone edited the store).
    fn entries(&mut self, start: u64, end: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError>;
    /// Stored nodes of `level` with index in `[start, end)`, in index order.
    fn nodes(&mut self, level: u8, start: u64, end: u64) -> Result<Vec<(u64, Hash)>, StoreError>;
    /// The largest stored entry index, if any row is stored.
    fn last_entry_index(&mut self) -> Result<Option<u64>, StoreError>;
    /// A stored node.
    fn node(&mut self, level: u8, index: u64) -> Result<Option<Hash>, StoreError>;
}

/// A [`Reader`] seen as a [`HashStore`] for proofs; a database error reads as a missing node
/// and is kept in `error`.
pub struct ReaderHashes<'a, R: Reader + ?Sized> {
    reader: std::cell::RefCell<&'a mut R>,
    /// The first database error met, if any.
    pub error: std::cell::RefCell<Option<StoreError>>,
}

impl<'a, R: Reader + ?Sized> ReaderHashes<'a, R> {
    /// Wraps a reader.
    pub fn new(reader: &'a mut R) -> Self {
        ReaderHashes { reader: std::cell::RefCell::new(reader), error: std::cell::RefCell::new(None) }
    }
}

impl<R: Reader + ?Sized> HashStore for ReaderHashes<'_, R> {
    fn get(&self, level: u8, index: u64) -> Option<Hash> {
        match self.reader.borrow_mut().node(level, index) {
            Ok(hash) => hash,
            Err(e) => {
                self.error.borrow_mut().get_or_insert(e);
                None
            }
        }
    }
}

struct TxnHashes<'a>(std::cell::RefCell<&'a mut dyn WriteTxn>, std::cell::RefCell<Option<StoreError>>);

impl HashStore for TxnHashes<'_> {
    fn get(&self, level: u8, index: u64) -> Option<Hash> {
        match self.0.borrow_mut().node(level, index) {
            Ok(hash) => hash,
            Err(e) => {
                self.1.borrow_mut().get_or_insert(e);
                None
            }
        }
    }
}

/// The right border of a tree of `size` leaves: node `(L, (size >> L) - 1)` for each set bit
/// `L` of `size`, which is every left sibling an append can need.
fn border(txn: &mut dyn WriteTxn, size: u64) -> Result<Vec<Option<Hash>>, StoreError> {
    let mut levels = vec![None; 64];
    for level in 0u8..64 {
        if size >> level & 1 == 1 {
            let index = (size >> level) - 1;
            let hash = txn.node(level, index)?.ok_or_else(|| {
                StoreError::Mismatch(format!(
                    "stored tree of size {size} has no node at level {level}, index {index} (damaged store)"
                ))
            })?;
            if let Some(slot) = levels.get_mut(usize::from(level)) {
                *slot = Some(hash);
            }
        }
    }
    Ok(levels)
}

/// Appends entries inside one exclusive transaction: checks the origin, reads the size and the
/// right border, builds each entry at its index with `build`, stores entries and every newly
/// completed node, records the size and a checkpoint signed by `signer`. Returns the first
/// index and the signed checkpoint.
///
/// # Errors
/// A database error, a store created with another key's origin, or an entry `build` refused
/// (its error is returned as [`StoreError::Mismatch`] naming it, and nothing is written).
pub fn append_batch(
    txn: &mut dyn WriteTxn,
    signer: &Signer,
    count: usize,
    build: &mut dyn FnMut(usize, u64) -> Result<Vec<u8>, String>,
) -> Result<(u64, String), StoreError> {
    match txn.origin()? {
        Some(origin) if origin != signer.name() => {
            return Err(StoreError::Mismatch(format!(
                "the log was created for origin `{origin}`, but the signing key is `{}`; use that log's key",
                signer.name()
            )));
        }
        Some(_) => {}
        None => txn.set_origin(signer.name())?,
    }
    let start = txn.size()?;
    let mut levels = border(txn, start)?;
    let mut size = start;
    for i in 0..count {
        let body = build(i, size).map_err(StoreError::Mismatch)?;
        txn.put_entry(size, &body)?;
        let mut hash = leaf_hash(&body);
        let mut level = 0u8;
        let mut index = size;
        loop {
            txn.put_node(level, index, &hash)?;
            let slot = usize::from(level);
            if index & 1 == 0 {
                if let Some(s) = levels.get_mut(slot) {
                    *s = Some(hash);
                }
                break;
            }
            let left = levels
                .get_mut(slot)
                .and_then(Option::take)
                .ok_or_else(|| StoreError::Mismatch(format!("no left sibling at level {level} for index {index}")))?;
            hash = node_hash(&left, &hash);
            level += 1;
            index >>= 1;
        }
        size += 1;
    }
    // The root from the border nodes (one per set bit of the new size), O(log n).
    let root = {
        let hashes = TxnHashes(std::cell::RefCell::new(&mut *txn), std::cell::RefCell::new(None));
        let root = root_at(&hashes, size);
        if let Some(e) = hashes.1.into_inner() {
            return Err(e);
        }
        root.map_err(|e| StoreError::Mismatch(format!("computing the root of size {size}: {e}")))?
    };
    txn.set_size(size)?;
    let checkpoint =
        Checkpoint::new(signer.name(), size, root).map_err(|e| StoreError::Mismatch(format!("checkpoint: {e}")))?;
    let note = crate::note::sign(&checkpoint.to_text(), signer)
        .map_err(|e| StoreError::Mismatch(format!("signing the checkpoint: {e}")))?;
    let keep_previous = start == 0 || start / KEEP_EVERY != size / KEEP_EVERY;
    txn.put_checkpoint(size, &note, keep_previous)?;
    Ok((start, note))
}

/// Where a log is stored: an SQLite file or a PostgreSQL URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An SQLite file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL connection string (`postgres://…` or `postgresql://…`).
    Postgres(String),
}

impl Target {
    /// `postgres://…`/`postgresql://…` is PostgreSQL, anything else an SQLite path.
    #[must_use]
    pub fn parse(s: &str) -> Target {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Target::Postgres(s.to_owned())
        } else {
            Target::Sqlite(std::path::PathBuf::from(s))
        }
    }

    /// The target for messages: the path, or the URL without its password.
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            Target::Sqlite(path) => path.display().to_string(),
            Target::Postgres(url) => postgres::redact(url),
        }
    }
}

/// The body of a write transaction: returns the first index written and the signed checkpoint.
pub type WriteFn<'a> = dyn FnMut(&mut dyn WriteTxn) -> Result<(u64, String), StoreError> + 'a;

/// A backend that can run write transactions and open readers.
pub trait Backend: Send {
    /// Runs `f` in one exclusive write transaction, committed only if it returns `Ok`.
    ///
    /// # Errors
    /// What `f` returns, or a database error.
    fn write(&mut self, f: &mut WriteFn<'_>) -> Result<(u64, String), StoreError>;

    /// A consistent read snapshot.
    ///
    /// # Errors
    /// A database error.
    fn reader(&mut self) -> Result<Box<dyn Reader + '_>, StoreError>;
}

/// Opens a backend (creating an SQLite file and its parent directory, or the PostgreSQL tables,
/// when missing).
///
/// # Errors
/// When the store cannot be opened or created.
pub fn open(target: &Target) -> Result<Box<dyn Backend>, StoreError> {
    match target {
        Target::Sqlite(path) => Ok(Box::new(sqlite::Sqlite::open(path, true)?)),
        Target::Postgres(url) => Ok(Box::new(postgres::Postgres::connect(url)?)),
    }
}

/// Opens an existing store for reading only (an SQLite file must exist).
///
/// # Errors
/// When the store does not exist or cannot be opened.
pub fn open_existing(target: &Target) -> Result<Box<dyn Backend>, StoreError> {
    match target {
        Target::Sqlite(path) => Ok(Box::new(sqlite::Sqlite::open(path, false)?)),
        Target::Postgres(url) => Ok(Box::new(postgres::Postgres::connect(url)?)),
    }
}
