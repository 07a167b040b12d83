//! vigil's tamper-evident log, the parts every reader and writer shares: the RFC 9162 Merkle
//! tree hashing, inclusion and consistency proofs (produced from stored hashes in O(log n) and
//! verified from the specification alone), and C2SP checkpoints signed as C2SP signed notes
//! (Ed25519 signing and verification; ECDSA verification, as Rekor signs its checkpoints).
//!
//! Storage, the entry format and the CLI come with later work (issue #11).
//!
//! ```
//! use vigil_log::merkle::{leaf_hash, root_from_leaves};
//! let leaves = [leaf_hash(b"a"), leaf_hash(b"b")];
//! assert_eq!(root_from_leaves(&leaves).len(), 32);
//! ```
#![warn(missing_docs)]

pub mod merkle;
pub mod note;
