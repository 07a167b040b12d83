//! RFC 6962 / RFC 9162 Merkle tree known answers (the 8-leaf tree of the Certificate
//! Transparency implementations, as published in transparency-dev/merkle `testonly`), and
//! property tests of proof generation against verification.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use proptest::prelude::*;
use vigil_log::merkle::{
    Hash, HashStore, MemoryTree, ProofError, consistency_proof, empty_root, inclusion_proof, leaf_hash,
    root_from_leaves, verify_consistency, verify_inclusion,
};

fn hex(s: &str) -> Hash {
    assert_eq!(s.len(), 64, "{s}");
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex");
    }
    out
}

fn hexes(list: &[&str]) -> Vec<Hash> {
    list.iter().map(|s| hex(s)).collect()
}

/// The leaf inputs of the reference tree.
const LEAVES: [&[u8]; 8] = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
];

/// Published roots for sizes 0..=8.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// Published complete-subtree hashes, `[level][index]`.
const NODES: [&[&str]; 4] = [
    &[
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    &[
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    &[
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    &["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];

/// Published inclusion proofs: (index, size, proof).
const INCLUSION: &[(u64, u64, &[&str])] = &[
    (0, 1, &[]),
    (0, 2, &["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
    (1, 2, &["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (2, 3, &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

/// Published consistency proofs: (old size, new size, proof).
const CONSISTENCY: &[(u64, u64, &[&str])] = &[
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn reference_tree() -> (Vec<Hash>, MemoryTree) {
    let leaves: Vec<Hash> = LEAVES.iter().map(|d| leaf_hash(d)).collect();
    let mut tree = MemoryTree::new();
    for leaf in &leaves {
        tree.append(*leaf);
    }
    (leaves, tree)
}

#[test]
fn reference_roots_at_every_size() {
    let (leaves, tree) = reference_tree();
    assert_eq!(empty_root(), hex(ROOTS[0]));
    assert_eq!(MemoryTree::new().root(), hex(ROOTS[0]));
    let mut growing = MemoryTree::new();
    for (size, want) in ROOTS.iter().enumerate() {
        let want = hex(want);
        assert_eq!(root_from_leaves(&leaves[..size]), want, "size {size}");
        assert_eq!(tree.root_at(size as u64), Ok(want), "root_at({size})");
        assert_eq!(growing.root(), want, "root() at size {size}");
        if let Some(leaf) = leaves.get(size) {
            assert_eq!(growing.append(*leaf), size as u64);
        }
    }
    assert_eq!(tree.size(), 8);
    assert_eq!(tree.root_at(9), Err(ProofError::SizeOutOfRange { size: 9, stored: 8 }));
}

#[test]
fn reference_stored_nodes() {
    let (_, tree) = reference_tree();
    for (level, row) in NODES.iter().enumerate() {
        for (index, want) in row.iter().enumerate() {
            assert_eq!(tree.get(level as u8, index as u64), Some(hex(want)), "node ({level}, {index})");
        }
        assert_eq!(tree.get(level as u8, row.len() as u64), None);
    }
    assert_eq!(tree.get(4, 0), None);
    assert_eq!(tree.get(255, u64::MAX), None);
}

#[test]
fn reference_inclusion_proofs() {
    let (leaves, tree) = reference_tree();
    for &(index, size, want) in INCLUSION {
        let want = hexes(want);
        let got = inclusion_proof(&tree, index, size).expect("proof");
        assert_eq!(got, want, "inclusion proof of {index} in {size}");
        let root = hex(ROOTS[size as usize]);
        assert_eq!(
            verify_inclusion(&leaves[index as usize], index, size, &want, &root),
            Ok(()),
            "verify {index} in {size}"
        );
    }
}

#[test]
fn reference_consistency_proofs() {
    let (_, tree) = reference_tree();
    for &(old, new, want) in CONSISTENCY {
        let want = hexes(want);
        let got = consistency_proof(&tree, old, new).expect("proof");
        assert_eq!(got, want, "consistency proof {old} -> {new}");
        let (old_root, new_root) = (hex(ROOTS[old as usize]), hex(ROOTS[new as usize]));
        assert_eq!(verify_consistency(old, new, &old_root, &new_root, &want), Ok(()), "verify {old} -> {new}");
    }
}

#[test]
fn reference_tree_all_proofs_verify() {
    let (leaves, tree) = reference_tree();
    for size in 1..=8u64 {
        let root = hex(ROOTS[size as usize]);
        for index in 0..size {
            let proof = tree.inclusion_proof(index, size).expect("proof");
            assert_eq!(verify_inclusion(&leaves[index as usize], index, size, &proof, &root), Ok(()));
        }
        for old in 0..=size {
            let proof = tree.consistency_proof(old, size).expect("proof");
            let old_root = hex(ROOTS[old as usize]);
            assert_eq!(verify_consistency(old, size, &old_root, &root, &proof), Ok(()));
        }
    }
}

#[test]
fn edge_cases_refused_with_reasons() {
    let (leaves, tree) = reference_tree();
    let root8 = hex(ROOTS[8]);
    let root5 = hex(ROOTS[5]);
    assert_eq!(tree.inclusion_proof(8, 8), Err(ProofError::IndexOutOfRange { index: 8, size: 8 }));
    assert_eq!(tree.inclusion_proof(0, 0), Err(ProofError::IndexOutOfRange { index: 0, size: 0 }));
    assert_eq!(tree.inclusion_proof(0, 9), Err(ProofError::SizeOutOfRange { size: 9, stored: 8 }));
    assert_eq!(tree.consistency_proof(5, 4), Err(ProofError::OldSizeExceedsNew { old: 5, new: 4 }));
    assert_eq!(tree.consistency_proof(1, 9), Err(ProofError::SizeOutOfRange { size: 9, stored: 8 }));
    // The generic functions report what the store lacks.
    assert_eq!(inclusion_proof(&tree, 0, 9), Err(ProofError::MissingNode { level: 0, index: 8 }));
    assert!(matches!(consistency_proof(&tree, 3, 12), Err(ProofError::MissingNode { .. })));
    assert_eq!(verify_inclusion(&leaves[0], 8, 8, &[], &root8), Err(ProofError::IndexOutOfRange { index: 8, size: 8 }));
    assert_eq!(
        verify_inclusion(&leaves[0], u64::MAX, u64::MAX, &[], &root8),
        Err(ProofError::IndexOutOfRange { index: u64::MAX, size: u64::MAX })
    );
    assert_eq!(
        verify_inclusion(&leaves[0], 0, 8, &[], &root8),
        Err(ProofError::WrongProofLength { expected: 3, actual: 0 })
    );
    // Huge sizes: no panic, no overflow, just a length mismatch.
    assert!(verify_inclusion(&leaves[0], u64::MAX - 1, u64::MAX, &[root8; 3], &root8).is_err());
    assert!(verify_consistency(u64::MAX - 1, u64::MAX, &root8, &root8, &[root8; 3]).is_err());
    assert!(verify_consistency(1, u64::MAX, &root8, &root8, &[root8; 64]).is_err());
    // old > new.
    assert_eq!(verify_consistency(6, 5, &root8, &root5, &[]), Err(ProofError::OldSizeExceedsNew { old: 6, new: 5 }));
    // Equal sizes: empty proof, equal roots.
    assert_eq!(verify_consistency(5, 5, &root5, &root5, &[]), Ok(()));
    assert_eq!(verify_consistency(5, 5, &root5, &root8, &[]), Err(ProofError::NewRootMismatch));
    assert_eq!(
        verify_consistency(5, 5, &root5, &root5, &[root5]),
        Err(ProofError::WrongProofLength { expected: 0, actual: 1 })
    );
    // From the empty tree: empty proof, the empty root.
    assert_eq!(verify_consistency(0, 8, &empty_root(), &root8, &[]), Ok(()));
    assert_eq!(verify_consistency(0, 8, &root5, &root8, &[]), Err(ProofError::OldRootMismatch));
    assert_eq!(
        verify_consistency(0, 8, &empty_root(), &root8, &[root5]),
        Err(ProofError::WrongProofLength { expected: 0, actual: 1 })
    );
    // 0 < old < new with an empty path fails (RFC 9162 §2.1.4.2 step 1).
    assert_eq!(
        verify_consistency(4, 8, &hex(ROOTS[4]), &root8, &[]),
        Err(ProofError::WrongProofLength { expected: 1, actual: 0 })
    );
    // Roots swapped.
    let proof = tree.consistency_proof(5, 8).expect("proof");
    assert_eq!(verify_consistency(5, 8, &root8, &root5, &proof), Err(ProofError::OldRootMismatch));
    assert_eq!(verify_consistency(5, 8, &root5, &root5, &proof), Err(ProofError::NewRootMismatch));
}

fn tree_of(size: u64) -> (Vec<Hash>, MemoryTree) {
    let leaves: Vec<Hash> = (0..size).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    let mut tree = MemoryTree::new();
    for leaf in &leaves {
        tree.append(*leaf);
    }
    (leaves, tree)
}

fn flip(proof: &[Hash], which: usize, byte: usize) -> Vec<Hash> {
    let mut bad = proof.to_vec();
    if let Some(h) = bad.get_mut(which % proof.len().max(1)) {
        h[byte % 32] ^= 1;
    }
    bad
}

#[test]
fn all_pairs_up_to_64() {
    let (leaves, tree) = tree_of(64);
    let roots: Vec<Hash> = (0..=64).map(|n| root_from_leaves(&leaves[..n])).collect();
    for new in 0..=64u64 {
        assert_eq!(tree.root_at(new), Ok(roots[new as usize]));
        for old in 0..=new {
            let proof = tree.consistency_proof(old, new).expect("proof");
            assert_eq!(
                verify_consistency(old, new, &roots[old as usize], &roots[new as usize], &proof),
                Ok(()),
                "{old} -> {new}"
            );
            if old > 0 && old < new {
                for which in 0..proof.len() {
                    let bad = flip(&proof, which, which);
                    assert!(
                        verify_consistency(old, new, &roots[old as usize], &roots[new as usize], &bad).is_err(),
                        "flipped {which} in {old} -> {new}"
                    );
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn inclusion_proofs_verify_and_tampering_is_refused(
        size in 1u64..300,
        pick in any::<u64>(),
        byte in 0usize..32,
        delta in 1u64..300,
    ) {
        let (leaves, tree) = tree_of(size);
        let root = root_from_leaves(&leaves);
        prop_assert_eq!(tree.root(), root);
        for index in 0..size {
            let proof = tree.inclusion_proof(index, size).expect("proof");
            let leaf = &leaves[index as usize];
            prop_assert_eq!(verify_inclusion(leaf, index, size, &proof, &root), Ok(()));
            // Wrong leaf.
            let mut other = *leaf;
            other[byte] ^= 0x80;
            prop_assert!(verify_inclusion(&other, index, size, &proof, &root).is_err());
            // Wrong root.
            let mut bad_root = root;
            bad_root[byte] ^= 1;
            prop_assert!(verify_inclusion(leaf, index, size, &proof, &bad_root).is_err());
            if !proof.is_empty() {
                // A flipped byte in the proof.
                let bad = flip(&proof, pick as usize, byte);
                prop_assert_eq!(
                    verify_inclusion(leaf, index, size, &bad, &root),
                    Err(ProofError::RootMismatch)
                );
                // Truncated.
                prop_assert!(verify_inclusion(leaf, index, size, &proof[..proof.len() - 1], &root).is_err());
            }
            // Extended.
            let mut long = proof.clone();
            long.push(root);
            prop_assert!(verify_inclusion(leaf, index, size, &long, &root).is_err());
            // Wrong index, same tree.
            let wrong = (index + delta) % size;
            if wrong != index {
                prop_assert!(verify_inclusion(leaf, wrong, size, &proof, &root).is_err());
            }
        }
        // Wrong size: the proof of one tree against another tree's (size, root).
        let index = pick % size;
        let proof = tree.inclusion_proof(index, size).expect("proof");
        let (bigger, big_tree) = tree_of(size + delta);
        let big_root = big_tree.root();
        prop_assert_eq!(big_root, root_from_leaves(&bigger));
        prop_assert!(verify_inclusion(&leaves[index as usize], index, size + delta, &proof, &big_root).is_err());
    }

    #[test]
    fn consistency_proofs_verify_and_tampering_is_refused(
        new in 1u64..300,
        pick in any::<u64>(),
        byte in 0usize..32,
        delta in 1u64..300,
    ) {
        let (leaves, tree) = tree_of(new + delta);
        let roots: Vec<Hash> = (0..=new + delta).map(|n| tree.root_at(n).expect("root")).collect();
        prop_assert_eq!(roots[new as usize], root_from_leaves(&leaves[..new as usize]));
        let new_root = roots[new as usize];
        for old in 0..=new {
            let old_root = roots[old as usize];
            let proof = tree.consistency_proof(old, new).expect("proof");
            prop_assert_eq!(verify_consistency(old, new, &old_root, &new_root, &proof), Ok(()));
            if old == 0 || old == new {
                prop_assert!(proof.is_empty());
                continue;
            }
            let bad = flip(&proof, pick as usize, byte);
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &bad).is_err());
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &proof[..proof.len() - 1]).is_err());
            let mut long = proof.clone();
            long.push(new_root);
            prop_assert!(verify_consistency(old, new, &old_root, &new_root, &long).is_err());
            // Wrong old size (with that size's true root), wrong new size (likewise).
            let other_old = 1 + (old + delta) % new;
            if other_old != old && other_old < new {
                prop_assert!(verify_consistency(other_old, new, &roots[other_old as usize], &new_root, &proof).is_err());
            }
            let other_new = new + delta;
            prop_assert!(verify_consistency(old, other_new, &old_root, &roots[other_new as usize], &proof).is_err());
        }
    }
}

/// Not asserted beyond correctness: prints how long proofs take at a million leaves.
#[test]
fn timing_at_one_million_leaves() {
    const N: u64 = 1_000_000;
    let started = Instant::now();
    let mut tree = MemoryTree::new();
    for i in 0..N {
        tree.append(leaf_hash(&i.to_be_bytes()));
    }
    let built = started.elapsed();
    let started = Instant::now();
    let root = tree.root();
    let root_time = started.elapsed();

    let rounds = 1000u64;
    let started = Instant::now();
    let mut proofs = Vec::new();
    for r in 0..rounds {
        let index = (r * 7919) % N;
        proofs.push((index, tree.inclusion_proof(index, N).expect("proof")));
    }
    let inclusion_time = started.elapsed();
    let started = Instant::now();
    let mut cproofs = Vec::new();
    for r in 0..rounds {
        let old = 1 + (r * 104_729) % (N - 1);
        cproofs.push((old, tree.consistency_proof(old, N).expect("proof")));
    }
    let consistency_time = started.elapsed();

    for (index, proof) in &proofs {
        let leaf = leaf_hash(&index.to_be_bytes());
        assert_eq!(verify_inclusion(&leaf, *index, N, proof, &root), Ok(()));
    }
    for (old, proof) in &cproofs {
        let old_root = tree.root_at(*old).expect("root");
        assert_eq!(verify_consistency(*old, N, &old_root, &root, proof), Ok(()));
    }
    vigil_testkit::report(format!(
        "vigil-log merkle @1M leaves: build {built:?}, root {root_time:?}, inclusion proof {:?}/proof, consistency proof {:?}/proof ({rounds} each)",
        inclusion_time / rounds as u32,
        consistency_time / rounds as u32,
    ));
}

/// Counts the stored hashes a proof reads, to hold generation to O(log n).
struct Counting<'a>(&'a MemoryTree, std::cell::Cell<u64>);

impl HashStore for Counting<'_> {
    fn get(&self, level: u8, index: u64) -> Option<Hash> {
        self.1.set(self.1.get() + 1);
        self.0.get(level, index)
    }
}

#[test]
fn proofs_read_logarithmically_many_hashes() {
    let (_, tree) = tree_of(1000);
    let counting = Counting(&tree, std::cell::Cell::new(0));
    // ceil(log2 1000) = 10; a proof path holds at most 10 hashes, and at most one of them is a
    // partial subtree built from at most 10 more stored nodes.
    let bound = 2 * 10 + 1;
    for size in [1u64, 2, 3, 511, 512, 513, 999, 1000] {
        for index in [0, size / 3, size / 2, size - 1] {
            counting.1.set(0);
            let proof = inclusion_proof(&counting, index, size).expect("proof");
            assert!(counting.1.get() <= bound, "{index}/{size}: {} reads", counting.1.get());
            assert_eq!(proof, tree.inclusion_proof(index, size).expect("proof"));
        }
        for old in [1, size / 3, size / 2, size - 1, size] {
            counting.1.set(0);
            let proof = consistency_proof(&counting, old, size).expect("proof");
            assert!(counting.1.get() <= bound, "{old}->{size}: {} reads", counting.1.get());
            assert_eq!(proof, tree.consistency_proof(old, size).expect("proof"));
        }
        counting.1.set(0);
        assert_eq!(vigil_log::merkle::root_at(&counting, size), tree.root_at(size));
        assert!(counting.1.get() <= 10, "root_at({size}): {} reads", counting.1.get());
    }
}

fn json_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            json_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn tlog_entries<'a>(json: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
    match json {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                if key == "tlogEntries"
                    && let Some(list) = value.as_array()
                {
                    out.extend(list.iter());
                } else {
                    tlog_entries(value, out);
                }
            }
        }
        serde_json::Value::Array(list) => list.iter().for_each(|v| tlog_entries(v, out)),
        _ => {}
    }
}

fn b64_hash(value: &serde_json::Value) -> Option<Hash> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(value.as_str()?).ok()?;
    bytes.try_into().ok()
}

/// Rekor's inclusion proofs in the Sigstore bundles of the corpus, third-party data, verify
/// with [`verify_inclusion`]; each with one hash flipped does not.
#[test]
fn sigstore_corpus_rekor_inclusion_proofs_verify() {
    use base64::Engine as _;
    let Some(dir) = vigil_testkit::require_corpus("sigstore") else {
        return;
    };
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    let (mut total, mut verified) = (0usize, 0usize);
    let mut failures = Vec::new();
    for path in &files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            continue;
        };
        let mut entries = Vec::new();
        tlog_entries(&json, &mut entries);
        for entry in entries {
            let proof = &entry["inclusionProof"];
            let Some(body) = entry["canonicalizedBody"].as_str() else {
                continue;
            };
            if !proof.is_object() {
                continue;
            }
            total += 1;
            let name = path.strip_prefix(&dir).unwrap().display().to_string();
            let body = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
            let index: u64 = proof["logIndex"].as_str().unwrap().parse().unwrap();
            let size: u64 = proof["treeSize"].as_str().unwrap().parse().unwrap();
            let root = b64_hash(&proof["rootHash"]).unwrap();
            let hashes: Vec<Hash> = proof["hashes"].as_array().unwrap().iter().map(|h| b64_hash(h).unwrap()).collect();
            let leaf = leaf_hash(&body);
            match verify_inclusion(&leaf, index, size, &hashes, &root) {
                Ok(()) => {
                    verified += 1;
                    if !hashes.is_empty() {
                        let bad = flip(&hashes, index as usize, 7);
                        assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err());
                    }
                    // The neighbour's position: the lowest step hashes in the other order.
                    if index ^ 1 < size {
                        assert!(verify_inclusion(&leaf, index ^ 1, size, &hashes, &root).is_err());
                    }
                }
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
    }
    vigil_testkit::report(format!(
        "vigil-log merkle: sigstore corpus Rekor inclusion proofs {verified}/{total} verify"
    ));
    for failure in &failures {
        vigil_testkit::report(format!("  refused: {failure}"));
    }
    // Exact counts: a vanished bundle is a failure, not a smaller denominator.
    assert_eq!((verified, total), (80, 85), "Rekor inclusion proofs verified / found in the corpus");
    // Only the conformance suite's deliberately broken bundles are refused, and its corrupted
    // inclusion proofs are.
    for failure in &failures {
        assert!(failure.contains("_fail/"), "a valid bundle's proof is refused: {failure}");
    }
    for broken in ["inclusion-proof-corrupted-hash_fail/", "invalid-inclusion-proof_fail/"] {
        let present = files.iter().any(|p| p.display().to_string().contains(broken));
        if present {
            assert!(failures.iter().any(|f| f.contains(broken)), "{broken} verifies");
        }
    }
}

proptest! {
    /// Sizes, indices and proofs from an untrusted party never make a verifier panic.
    #[test]
    fn verifiers_never_panic_on_arbitrary_input(
        a in any::<u64>(),
        b in any::<u64>(),
        small in 0u64..5,
        seeds in proptest::collection::vec(any::<u8>(), 0..70),
    ) {
        let proof: Vec<Hash> = seeds.iter().map(|s| [*s; 32]).collect();
        let (x, y) = ([1u8; 32], [2u8; 32]);
        for (i, n) in [(a, b), (b, a), (small, a), (a, a), (small, small + 1), (u64::MAX - small, u64::MAX)] {
            prop_assert!(verify_inclusion(&x, i, n, &proof, &y).is_err());
            prop_assert!(verify_consistency(i, n, &x, &y, &proof).is_err() || (i == n && proof.is_empty() && x == y));
        }
    }
}
