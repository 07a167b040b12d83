//! vigil's tamper-evident log, the parts every reader and writer shares: the RFC 9162 Merkle
//! tree hashing, inclusion and consistency proofs (produced from stored hashes in O(log n) and
//! verified from the specification alone), and C2SP checkpoints signed as C2SP signed notes
//! (Ed25519 signing and verification; ECDSA verification, as Rekor signs its checkpoints).
//!
//! On top of them: [`entry`] (the canonical JSON entry), [`store`] (SQLite by default,
//! PostgreSQL for replicas), [`writer`] (group commit), [`verify`] (recompute and hold against
//! checkpoints), [`proof`] (offline inclusion proofs), [`tiles`] and [`http`] (C2SP tlog-tiles)
//! and [`keys`] (the state directory and key files).
//!
//! ```
//! use vigil_log::merkle::{leaf_hash, root_from_leaves};
//! let leaves = [leaf_hash(b"a"), leaf_hash(b"b")];
//! assert_eq!(root_from_leaves(&leaves).len(), 32);
//! ```
#![warn(missing_docs)]

pub mod entry;
pub mod http;
pub mod keys;
pub mod merkle;
pub mod note;
pub mod proof;
pub mod store;
pub mod tiles;
pub mod verify;
pub mod writer;

pub use entry::{Draft, Kind};
pub use store::Target;
pub use writer::{AppendError, Pending, Writer, WriterOptions};
