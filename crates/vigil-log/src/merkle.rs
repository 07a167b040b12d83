//! RFC 9162 Merkle tree hashing and proofs.
//!
//! Hashing follows RFC 9162 §2.1.1. Proofs are produced from stored hashes of complete subtrees
//! ([`HashStore`], addressed as in tlog-tiles: node `(L, N)` covers leaves `[N·2^L, (N+1)·2^L)`)
//! in O(log n) hash reads, and verified by the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2,
//! which need nothing but the proof, the sizes and the roots.
//!
//! ```
//! use vigil_log::merkle::{MemoryTree, leaf_hash, verify_consistency, verify_inclusion};
//! let mut tree = MemoryTree::new();
//! for i in 0u8..10 {
//!     tree.append(leaf_hash(&[i]));
//! }
//! let proof = tree.inclusion_proof(3, 10).unwrap();
//! assert!(verify_inclusion(&leaf_hash(&[3]), 3, 10, &proof, &tree.root()).is_ok());
//! let old = tree.root_at(7).unwrap();
//! let proof = tree.consistency_proof(7, 10).unwrap();
//! assert!(verify_consistency(7, 10, &old, &tree.root(), &proof).is_ok());
//! ```

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 || data)`: the hash of a leaf (RFC 9162 §2.1.1).
#[must_use]
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node (RFC 9162 §2.1.1).
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree, `SHA-256("")` (RFC 9162 §2.1.1).
#[must_use]
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The root of the tree over `leaves` (leaf hashes), by the definition of RFC 9162 §2.1.1;
/// the empty tree's root is `SHA-256("")`.
#[must_use]
pub fn root_from_leaves(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [one] => *one,
        _ => {
            let k = largest_power_of_two_below(leaves.len());
            let (left, right) = leaves.split_at(k);
            node_hash(&root_from_leaves(left), &root_from_leaves(right))
        }
    }
}

/// The largest power of two strictly less than `n` (n ≥ 2).
fn largest_power_of_two_below(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// The largest power of two strictly less than `n`, for `n ≥ 2` (1 otherwise).
fn split_point(n: u64) -> u64 {
    if n < 2 {
        return 1;
    }
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Why a proof could not be produced, or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not below the tree size.
    #[error("leaf index {index} is out of range for a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The tree size asked for is larger than the stored tree.
    #[error("tree size {size} is larger than the stored tree of size {stored}")]
    SizeOutOfRange {
        /// The tree size asked for.
        size: u64,
        /// The size of the stored tree.
        stored: u64,
    },
    /// A consistency proof was asked for from a larger tree to a smaller one.
    #[error("old tree size {old} is larger than new tree size {new}")]
    OldSizeExceedsNew {
        /// The old tree size.
        old: u64,
        /// The new tree size.
        new: u64,
    },
    /// The proof does not have the number of hashes the sizes call for.
    #[error("proof has {actual} hashes, the tree sizes call for {expected}")]
    WrongProofLength {
        /// The length the sizes call for.
        expected: usize,
        /// The length of the proof given.
        actual: usize,
    },
    /// The root computed from an inclusion proof differs from the expected root.
    #[error("inclusion proof does not lead to the expected root")]
    RootMismatch,
    /// The old root computed from a consistency proof differs from the old root given.
    #[error("consistency proof does not lead to the old root")]
    OldRootMismatch,
    /// The new root computed from a consistency proof differs from the new root given.
    #[error("consistency proof does not lead to the new root")]
    NewRootMismatch,
    /// The proof ran past the top of the tree, or stopped short of it (RFC 9162 `sn` check).
    #[error("proof path does not match the tree shape")]
    BadPathShape,
    /// The store lacks the hash of a complete subtree the proof needs.
    #[error("stored tree has no hash for node at level {level}, index {index}")]
    MissingNode {
        /// The node's level (0 = leaves).
        level: u8,
        /// The node's index within its level.
        index: u64,
    },
}

/// Read access to the hashes of complete subtrees of a Merkle tree.
pub trait HashStore {
    /// The hash of the complete subtree at `level` (0 = leaves) and `index`, which covers the
    /// leaves `[index·2^level, (index+1)·2^level)`; `None` when it is not stored (for instance
    /// because the tree is not yet large enough for it to be complete).
    fn get(&self, level: u8, index: u64) -> Option<Hash>;
}

fn stored(store: &(impl HashStore + ?Sized), level: u8, index: u64) -> Result<Hash, ProofError> {
    store.get(level, index).ok_or(ProofError::MissingNode { level, index })
}

/// `MTH(D[start:start+len])` from stored complete-subtree hashes, for `len ≥ 1` and `start` a
/// multiple of the smallest power of two ≥ `len` (every subtree the RFC recursion visits is):
/// one stored node per set bit of `len`, folded right to left. O(log n) reads.
fn subtree_root(store: &(impl HashStore + ?Sized), start: u64, len: u64) -> Result<Hash, ProofError> {
    let mut nodes: Vec<Hash> = Vec::with_capacity(64);
    let mut pos = start;
    for level in (0u8..64).rev() {
        let width = 1u64 << level;
        if len & width != 0 {
            if !pos.is_multiple_of(width) {
                // Not a node of the tree: only reachable through a caller bug, reported
                // rather than answered wrongly.
                return Err(ProofError::MissingNode { level, index: pos >> level });
            }
            nodes.push(stored(store, level, pos >> level)?);
            pos += width;
        }
    }
    let mut acc: Option<Hash> = None;
    for h in nodes.iter().rev() {
        acc = Some(match acc {
            None => *h,
            Some(right) => node_hash(h, &right),
        });
    }
    Ok(acc.unwrap_or_else(empty_root))
}

/// The root of the tree of the first `size` leaves held by `store`, from O(log n) stored
/// complete-subtree hashes.
///
/// # Errors
/// [`ProofError::MissingNode`] when the store lacks a needed node (the tree is smaller).
pub fn root_at(store: &(impl HashStore + ?Sized), size: u64) -> Result<Hash, ProofError> {
    if size == 0 {
        return Ok(empty_root());
    }
    subtree_root(store, 0, size)
}

/// The inclusion proof `PATH(index, D[size])` of RFC 9162 §2.1.3.1, from stored hashes: the
/// sibling hashes from the leaf up to the root, O(log n) reads.
///
/// # Errors
/// [`ProofError::IndexOutOfRange`] when `index ≥ size`; [`ProofError::MissingNode`] when the
/// store lacks a needed node (it holds fewer than `size` leaves).
pub fn inclusion_proof(store: &(impl HashStore + ?Sized), index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut top_down = Vec::new();
    let (mut m, mut start, mut n) = (index, 0u64, size);
    while n > 1 {
        let k = split_point(n);
        if m < k {
            top_down.push(subtree_root(store, start + k, n - k)?);
            n = k;
        } else {
            top_down.push(subtree_root(store, start, k)?);
            m -= k;
            start += k;
            n -= k;
        }
    }
    top_down.reverse();
    Ok(top_down)
}

/// The consistency proof `PROOF(old, D[new])` of RFC 9162 §2.1.4.1 (`SUBPROOF(old, D[new],
/// true)`), from stored hashes, O(log n) reads. Empty when `old == 0` or `old == new`.
///
/// # Errors
/// [`ProofError::OldSizeExceedsNew`] when `old > new`; [`ProofError::MissingNode`] when the
/// store lacks a needed node (it holds fewer than `new` leaves).
pub fn consistency_proof(store: &(impl HashStore + ?Sized), old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
    if old > new {
        return Err(ProofError::OldSizeExceedsNew { old, new });
    }
    if old == 0 || old == new {
        return Ok(Vec::new());
    }
    let mut top_down = Vec::new();
    let (mut m, mut start, mut n, mut whole) = (old, 0u64, new, true);
    loop {
        if m == n {
            if !whole {
                top_down.push(subtree_root(store, start, n)?);
            }
            break;
        }
        let k = split_point(n);
        if m <= k {
            top_down.push(subtree_root(store, start + k, n - k)?);
            n = k;
        } else {
            top_down.push(subtree_root(store, start, k)?);
            m -= k;
            start += k;
            n -= k;
            whole = false;
        }
    }
    top_down.reverse();
    Ok(top_down)
}

/// The length of `PATH(index, D[size])`, for `index < size`.
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let (mut m, mut n, mut len) = (index, size, 0usize);
    while n > 1 {
        let k = split_point(n);
        if m < k {
            n = k;
        } else {
            m -= k;
            n -= k;
        }
        len += 1;
    }
    len
}

/// The length of `PROOF(old, D[new])`, for `0 < old < new`.
fn consistency_proof_len(old: u64, new: u64) -> usize {
    let (mut m, mut n, mut whole, mut len) = (old, new, true, 0usize);
    while m != n {
        let k = split_point(n);
        if m <= k {
            n = k;
        } else {
            m -= k;
            n -= k;
            whole = false;
        }
        len += 1;
    }
    if whole { len } else { len + 1 }
}

/// Verifies that `leaf` is the leaf at `index` of the tree of `size` leaves whose root is
/// `root`, by the algorithm of RFC 9162 §2.1.3.2.
///
/// # Errors
/// [`ProofError::IndexOutOfRange`], [`ProofError::WrongProofLength`] (checked before the
/// algorithm runs, for a precise reason), [`ProofError::BadPathShape`] or
/// [`ProofError::RootMismatch`].
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    // Step 1.
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_proof_len(index, size);
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength { expected, actual: proof.len() });
    }
    // Step 2.
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    // Step 3.
    for p in proof {
        if snode == 0 {
            return Err(ProofError::BadPathShape);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode != 0 && fnode & 1 == 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 4.
    if snode != 0 {
        return Err(ProofError::BadPathShape);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `old_size` leaves with root `old_root` is a prefix of the tree of
/// `new_size` leaves with root `new_root`, by the algorithm of RFC 9162 §2.1.4.2.
///
/// Edge cases, which the algorithm (stated for `0 < old_size < new_size`) leaves to the
/// definition of `PROOF`: when `old_size == new_size` the proof must be empty and the roots
/// equal; when `old_size == 0` the proof must be empty and `old_root` the empty tree's root
/// (every tree extends the empty tree).
///
/// # Errors
/// [`ProofError::OldSizeExceedsNew`], [`ProofError::WrongProofLength`] (checked before the
/// algorithm runs, for a precise reason), [`ProofError::BadPathShape`],
/// [`ProofError::OldRootMismatch`] or [`ProofError::NewRootMismatch`].
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OldSizeExceedsNew { old: old_size, new: new_size });
    }
    if old_size == 0 || old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength { expected: 0, actual: proof.len() });
        }
        if old_size == 0 {
            return if *old_root == empty_root() { Ok(()) } else { Err(ProofError::OldRootMismatch) };
        }
        return if old_root == new_root { Ok(()) } else { Err(ProofError::NewRootMismatch) };
    }
    let expected = consistency_proof_len(old_size, new_size);
    // Step 1: an empty path fails (expected is at least 1 here).
    if proof.len() != expected || proof.is_empty() {
        return Err(ProofError::WrongProofLength { expected, actual: proof.len() });
    }
    // Step 2: when old_size is a power of two, old_root is the first value of the path.
    let path: Vec<&Hash> = if old_size.is_power_of_two() {
        std::iter::once(old_root).chain(proof.iter()).collect()
    } else {
        proof.iter().collect()
    };
    // Step 3.
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    // Step 4.
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 5.
    let Some((first, rest)) = path.split_first() else {
        return Err(ProofError::WrongProofLength { expected, actual: 0 });
    };
    let (mut fr, mut sr) = (**first, **first);
    // Step 6.
    for c in rest {
        if snode == 0 {
            return Err(ProofError::BadPathShape);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode != 0 && fnode & 1 == 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 7.
    if snode != 0 {
        return Err(ProofError::BadPathShape);
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::NewRootMismatch);
    }
    Ok(())
}

/// An in-memory Merkle tree that stores the hash of every complete subtree as it completes
/// (amortised O(1) hashes per append), serving proofs in O(log n).
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    /// `levels[L][N]` is the hash of node `(L, N)`.
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// An empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf hash (see [`leaf_hash`]) and returns its index.
    pub fn append(&mut self, leaf: Hash) -> u64 {
        let index = self.size();
        let mut level = 0usize;
        let mut hash = leaf;
        loop {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            let Some(row) = self.levels.get_mut(level) else {
                return index;
            };
            row.push(hash);
            // A node completes its parent when it is a right child (odd index).
            if row.len() % 2 == 1 {
                return index;
            }
            let Some([left, right]) = row.last_chunk::<2>() else {
                return index;
            };
            hash = node_hash(left, right);
            level += 1;
        }
    }

    /// The number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |row| row.len() as u64)
    }

    /// The root of the current tree, from the stored right-border hashes (one per set bit of
    /// the size), O(log n).
    #[must_use]
    pub fn root(&self) -> Hash {
        let mut acc: Option<Hash> = None;
        for row in &self.levels {
            if row.len() % 2 == 1
                && let Some(last) = row.last()
            {
                acc = Some(match acc {
                    None => *last,
                    Some(right) => node_hash(last, &right),
                });
            }
        }
        acc.unwrap_or_else(empty_root)
    }

    /// The root of the tree of the first `size` leaves, O(log n) from stored nodes.
    ///
    /// # Errors
    /// [`ProofError::SizeOutOfRange`] when `size` exceeds the tree's size.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        self.check_size(size)?;
        root_at(self, size)
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves
    /// (see [`inclusion_proof`]).
    ///
    /// # Errors
    /// [`ProofError::SizeOutOfRange`] or [`ProofError::IndexOutOfRange`].
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(size)?;
        inclusion_proof(self, index, size)
    }

    /// The consistency proof from the tree of `old` leaves to the tree of `new` leaves
    /// (see [`consistency_proof`]).
    ///
    /// # Errors
    /// [`ProofError::SizeOutOfRange`] or [`ProofError::OldSizeExceedsNew`].
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        self.check_size(new)?;
        consistency_proof(self, old, new)
    }

    fn check_size(&self, size: u64) -> Result<(), ProofError> {
        let stored = self.size();
        if size > stored {
            return Err(ProofError::SizeOutOfRange { size, stored });
        }
        Ok(())
    }
}

impl HashStore for MemoryTree {
    fn get(&self, level: u8, index: u64) -> Option<Hash> {
        let row = self.levels.get(usize::from(level))?;
        row.get(usize::try_from(index).ok()?).copied()
    }
}
