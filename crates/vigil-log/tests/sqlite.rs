//! The SQLite log end to end: the group-commit writer (also two writers on one file), verify
//! against every kind of tampering, offline proofs, tiles, and a writer killed with SIGKILL
//! mid-append.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use rusqlite::{Connection, params};
use vigil_log::merkle::{consistency_proof, leaf_hash, root_from_leaves, verify_consistency};
use vigil_log::note::{Checkpoint, Signer, Verifier, generate_key};
use vigil_log::store::{self, ReaderHashes, Target};
use vigil_log::tiles;
use vigil_log::{Draft, Kind, Writer, WriterOptions};

fn keys(name: &str) -> (String, Verifier) {
    let (skey, vkey) = generate_key(name).unwrap();
    (skey, Verifier::parse(&vkey).unwrap())
}

fn draft(i: usize) -> Draft {
    let mut d = Draft::new(Kind::Admission, if i.is_multiple_of(3) { "deny" } else { "allow" });
    d.subject = serde_json::json!({"kind": "Pod", "namespace": "ns", "name": format!("pod-{i}")});
    d.reasons = vec![format!("reason {i}")];
    d
}

fn fill(path: &Path, skey: &str, n: usize) {
    let writer =
        Writer::open(&Target::Sqlite(path.to_path_buf()), Signer::parse(skey).unwrap(), WriterOptions::default())
            .unwrap();
    let pending: Vec<_> = (0..n).map(|i| writer.append(draft(i))).collect();
    for p in pending {
        p.wait().unwrap();
    }
    writer.close();
}

fn verify(path: &Path, verifier: &Verifier, old: Option<&[u8]>) -> vigil_log::verify::Report {
    let mut backend = store::open_existing(&Target::Sqlite(path.to_path_buf())).unwrap();
    let mut reader = backend.reader().unwrap();
    vigil_log::verify::verify(&mut *reader, verifier, old).unwrap()
}

fn latest(path: &Path) -> String {
    let mut backend = store::open_existing(&Target::Sqlite(path.to_path_buf())).unwrap();
    backend.reader().unwrap().latest_checkpoint().unwrap().unwrap()
}

fn bodies(path: &Path) -> Vec<Vec<u8>> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT body FROM entries ORDER BY idx").unwrap();
    stmt.query_map([], |r| r.get::<_, Vec<u8>>(0)).unwrap().map(Result::unwrap).collect()
}

#[test]
fn writers_on_one_file_get_unique_gapless_indices_and_the_log_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("log.db");
    let (skey, verifier) = keys("test.example/log");
    // Two writers (as two processes would be) and four threads each.
    let writers: Vec<Writer> = (0..2)
        .map(|_| {
            Writer::open(&Target::Sqlite(db.clone()), Signer::parse(&skey).unwrap(), WriterOptions::default()).unwrap()
        })
        .collect();
    let indices: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let writer = &writers[t % 2];
                s.spawn(move || {
                    let mut got = Vec::new();
                    for round in 0..10 {
                        let pending: Vec<_> =
                            (0..50).map(|i| writer.append(draft(t * 1000 + round * 50 + i))).collect();
                        got.extend(pending.into_iter().map(|p| p.wait().unwrap()));
                    }
                    got
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let unique: BTreeSet<u64> = indices.iter().copied().collect();
    assert_eq!(unique.len(), 4000, "duplicate indices");
    assert_eq!(unique.iter().copied().collect::<Vec<_>>(), (0..4000).collect::<Vec<_>>());
    let batches: u64 = writers.iter().map(|w| w.status().batches.load(std::sync::atomic::Ordering::Relaxed)).sum();
    assert!(batches < 4000, "group commit batched nothing ({batches} transactions for 4000 entries)");
    drop(writers);
    let report = verify(&db, &verifier, None);
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!((report.size, report.entries), (4000, 4000));
    // Every entry's own index field is its position.
    for (i, body) in bodies(&db).iter().enumerate() {
        assert_eq!(vigil_log::entry::index_of(body), Ok(i as u64));
    }
}

#[test]
fn every_inclusion_proof_and_checkpoint_consistency_verifies_offline() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("log.db");
    let (skey, verifier) = keys("proofs.example/log");
    let mut old_notes = Vec::new();
    for (i, n) in [1usize, 2, 5, 64, 100, 257].into_iter().enumerate() {
        fill(&db, &skey, n);
        old_notes.push(latest(&db));
        let _ = i;
    }
    let size = 1 + 2 + 5 + 64 + 100 + 257;
    let mut backend = store::open_existing(&Target::Sqlite(db.clone())).unwrap();
    // The stored tree is the RFC 9162 tree of the stored entries.
    let leaves: Vec<_> = bodies(&db).iter().map(|b| leaf_hash(b)).collect();
    let (cp, _) = Checkpoint::open(latest(&db).as_bytes(), std::slice::from_ref(&verifier)).unwrap();
    assert_eq!((cp.size, cp.root), (size as u64, root_from_leaves(&leaves)));
    for index in 0..size as u64 {
        let mut reader = backend.reader().unwrap();
        let proof = vigil_log::proof::prove(&mut *reader, &vigil_log::proof::Target::Index(index)).unwrap();
        let bytes = serde_json::to_vec(&proof).unwrap();
        let checked = vigil_log::proof::verify_proof(&bytes, &verifier).unwrap();
        assert_eq!((checked.index, checked.tree_size), (index, size as u64));
    }
    // A proof does not verify with another key, for another index, or with a changed entry.
    let mut reader = backend.reader().unwrap();
    let proof = vigil_log::proof::prove(&mut *reader, &vigil_log::proof::Target::Index(7)).unwrap();
    drop(reader);
    let (_, other) = keys("proofs.example/log");
    assert!(vigil_log::proof::verify_proof(&serde_json::to_vec(&proof).unwrap(), &other).is_err());
    let mut moved = proof.clone();
    moved["index"] = serde_json::json!(8);
    assert!(vigil_log::proof::verify_proof(&serde_json::to_vec(&moved).unwrap(), &verifier).is_err());
    let mut changed = proof.clone();
    changed["entry"] = serde_json::json!("e30=");
    changed.as_object_mut().unwrap().remove("leaf_hash");
    assert!(vigil_log::proof::verify_proof(&serde_json::to_vec(&changed).unwrap(), &verifier).is_err());
    // Each old checkpoint is consistent with the latest (as an auditor checks it) and with
    // every later one.
    let mut reader = backend.reader().unwrap();
    let hashes = ReaderHashes::new(&mut *reader);
    let opened: Vec<Checkpoint> =
        old_notes.iter().map(|n| Checkpoint::open(n.as_bytes(), std::slice::from_ref(&verifier)).unwrap().0).collect();
    for a in &opened {
        for b in opened.iter().filter(|b| b.size >= a.size) {
            let proof = consistency_proof(&hashes, a.size, b.size).unwrap();
            verify_consistency(a.size, b.size, &a.root, &b.root, &proof).unwrap();
        }
    }
    drop(hashes);
    drop(reader);
    for note in &old_notes {
        let report = verify(&db, &verifier, Some(note.as_bytes()));
        assert!(report.ok(), "{:?}", report.problems);
    }
}

#[test]
fn an_old_checkpoint_exposes_a_rewritten_history() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("log.db");
    let (skey, verifier) = keys("rewrite.example/log");
    fill(&db, &skey, 50);
    let old = latest(&db);
    // The operator rewrites history with the log's own key: a new log of different entries,
    // longer than the old one. It verifies on its own, but not against the old checkpoint.
    std::fs::remove_file(&db).unwrap();
    let writer =
        Writer::open(&Target::Sqlite(db.clone()), Signer::parse(&skey).unwrap(), WriterOptions::default()).unwrap();
    for i in 0..80 {
        let mut d = draft(i);
        d.result = "allow".into();
        writer.append(d).wait().unwrap();
    }
    writer.close();
    assert!(verify(&db, &verifier, None).ok());
    let report = verify(&db, &verifier, Some(old.as_bytes()));
    assert!(!report.ok());
    assert!(report.problems.iter().any(|p| p.message.contains("rewritten")), "{:?}", report.problems);
    // A shorter log than the old checkpoint: entries were removed.
    std::fs::remove_file(&db).unwrap();
    fill(&db, &skey, 10);
    let report = verify(&db, &verifier, Some(old.as_bytes()));
    assert!(report.problems.iter().any(|p| p.message.contains("removed")), "{:?}", report.problems);
}

#[derive(Debug, Clone, Copy)]
enum Tamper {
    Change(usize),
    Delete(usize),
    Swap(usize, usize),
    InsertAtEnd,
    /// Rewrite the entry and its stored leaf hash (not the signed checkpoints).
    ChangeWithLeaf(usize),
    Truncate(usize),
}

fn tamper(db: &Path, how: Tamper, size: usize) -> Option<u64> {
    let conn = Connection::open(db).unwrap();
    let body = |i: usize| -> Vec<u8> {
        conn.query_row("SELECT body FROM entries WHERE idx=?1", [i as i64], |r| r.get(0)).unwrap()
    };
    match how {
        Tamper::Change(i) => {
            let mut b = body(i);
            let at = b.iter().position(|c| *c == b'w').unwrap_or(0);
            b[at] ^= 0x01;
            conn.execute("UPDATE entries SET body=?1 WHERE idx=?2", params![b, i as i64]).unwrap();
            Some(i as u64)
        }
        Tamper::Delete(i) => {
            conn.execute("DELETE FROM entries WHERE idx=?1", [i as i64]).unwrap();
            Some(i as u64)
        }
        Tamper::Swap(a, b) => {
            let (x, y) = (body(a), body(b));
            conn.execute("UPDATE entries SET body=?1 WHERE idx=?2", params![y, a as i64]).unwrap();
            conn.execute("UPDATE entries SET body=?1 WHERE idx=?2", params![x, b as i64]).unwrap();
            Some(a.min(b) as u64)
        }
        Tamper::InsertAtEnd => {
            let copy = body(0);
            conn.execute("INSERT INTO entries(idx, body) VALUES(?1, ?2)", params![size as i64, copy]).unwrap();
            Some(size as u64)
        }
        Tamper::ChangeWithLeaf(i) => {
            let text =
                String::from_utf8(body(i)).unwrap().replace("\"allow\"", "\"deny\"").replace("\"deny\"", "\"allow\"");
            let new = if text.as_bytes() == body(i) { text.replace("pod-", "pod_") } else { text };
            conn.execute("UPDATE entries SET body=?1 WHERE idx=?2", params![new.as_bytes(), i as i64]).unwrap();
            conn.execute(
                "UPDATE nodes SET hash=?1 WHERE level=0 AND idx=?2",
                params![&leaf_hash(new.as_bytes())[..], i as i64],
            )
            .unwrap();
            // The first index verify can name: the signed size at or before i (it cannot see
            // further without an honest leaf hash).
            None
        }
        Tamper::Truncate(n) => {
            conn.execute("DELETE FROM entries WHERE idx>=?1", [n as i64]).unwrap();
            Some(n as u64)
        }
    }
}

#[test]
fn each_kind_of_tampering_is_named_at_its_first_index() {
    let (skey, verifier) = keys("tamper.example/log");
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        Tamper::Change(17),
        Tamper::Change(0),
        Tamper::Change(1999),
        Tamper::Delete(9),
        Tamper::Delete(1999),
        Tamper::Swap(5, 1500),
        Tamper::InsertAtEnd,
        Tamper::Truncate(1200),
        Tamper::ChangeWithLeaf(1500),
    ];
    let pristine = dir.path().join("pristine.db");
    // Three batches, so that checkpoints are kept at more than one size.
    fill(&pristine, &skey, 700);
    fill(&pristine, &skey, 700);
    fill(&pristine, &skey, 600);
    assert!(verify(&pristine, &verifier, None).ok());
    for (n, how) in cases.into_iter().enumerate() {
        let db = dir.path().join(format!("t{n}.db"));
        // A consistent copy (the WAL is checkpointed into the main file by closing).
        Connection::open(&pristine).unwrap().execute_batch(&format!("VACUUM INTO '{}'", db.display())).unwrap();
        let expected = tamper(&db, how, 2000);
        let report = verify(&db, &verifier, None);
        assert!(!report.ok(), "{how:?} went unnoticed");
        let first = report.problems[0].index;
        match expected {
            Some(i) => assert_eq!(first, Some(i), "{how:?}: {:?}", report.problems),
            None => {
                let i = first.unwrap();
                assert!(i <= 1500, "{how:?}: named {i}, after the rewritten entry: {:?}", report.problems);
                assert!(report.problems[0].message.contains("rewritten"), "{:?}", report.problems);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    /// Random logs and random single edits: verify always notices and names the edited index.
    #[test]
    fn random_edits_are_named(size in 2usize..300, pick in 0usize..1000, kind in 0u8..4) {
        let (skey, verifier) = keys("prop.example/log");
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("log.db");
        fill(&db, &skey, size);
        let i = pick % size;
        let j = (i + 1 + pick % (size - 1)) % size;
        let how = match kind {
            0 => Tamper::Change(i),
            1 => Tamper::Delete(i),
            2 if i != j => Tamper::Swap(i, j),
            _ => Tamper::InsertAtEnd,
        };
        let expected = tamper(&db, how, size);
        let report = verify(&db, &verifier, None);
        prop_assert!(!report.ok());
        prop_assert_eq!(report.problems[0].index, expected, "{:?}: {:?}", how, report.problems);
    }

    /// Hostile proof files are refused, never a panic.
    #[test]
    fn hostile_proofs_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let (_, verifier) = keys("hostile.example/log");
        prop_assert!(vigil_log::proof::verify_proof(&bytes, &verifier).is_err());
    }

    /// Hostile tile paths are refused or parse to a tile whose canonical path is themselves.
    #[test]
    fn tile_paths_parse_canonically(path in "(/tile/(entries|[0-9]{1,3})/(x[0-9]{3}/){0,3}[0-9]{1,4}(\\.p/[0-9]{1,4})?)|[ -~]{0,40}") {
        if let Ok(tile) = tiles::parse_path(&path) {
            prop_assert_eq!(format!("/{}", tiles::path_of(&tile)), path.clone());
        }
    }
}

#[test]
fn tiles_hold_the_stored_hashes_and_entries() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("log.db");
    let (skey, _) = keys("tiles.example/log");
    fill(&db, &skey, 70_000);
    let all = bodies(&db);
    let leaves: Vec<_> = all.iter().map(|b| leaf_hash(b)).collect();
    let mut backend = store::open_existing(&Target::Sqlite(db.clone())).unwrap();
    let mut get = |path: &str| {
        let mut reader = backend.reader().unwrap();
        tiles::respond(&mut *reader, path).unwrap()
    };
    let cp = get("/checkpoint");
    assert_eq!(cp.status, 200);
    // Level 0, tile 1: leaves 256..512.
    let t = get("/tile/0/001");
    assert_eq!(t.status, 200);
    assert_eq!(t.body, leaves[256..512].concat());
    assert!(t.cache_control.contains("immutable"));
    // Level 1 (tree level 8), full tile 0: the 256 subtrees of 256 leaves.
    let t = get("/tile/1/000");
    let want: Vec<u8> = (0..256).flat_map(|i| root_from_leaves(&leaves[i * 256..(i + 1) * 256])).collect();
    assert_eq!((t.status, t.body), (200, want));
    // 70,000 = 273·256 + 112: level 0 tile 273 is partial with width 112.
    assert_eq!(get("/tile/0/273.p/112").body, leaves[273 * 256..].concat());
    assert_eq!(get("/tile/0/273.p/113").status, 404);
    assert_eq!(get("/tile/0/273").status, 404);
    assert_eq!(get("/tile/0/274.p/1").status, 404);
    // Level 1 has 273 complete nodes: tile 1 is partial with width 17.
    assert_eq!(get("/tile/1/001.p/17").status, 200);
    assert_eq!(get("/tile/1/001.p/18").status, 404);
    // Entry bundles: big-endian uint16 length, then the bytes.
    let bundle = get("/tile/entries/273.p/112").body;
    let mut at = 0usize;
    let mut n = 273 * 256;
    while at < bundle.len() {
        let len = usize::from(u16::from_be_bytes([bundle[at], bundle[at + 1]]));
        assert_eq!(&bundle[at + 2..at + 2 + len], &all[n][..]);
        at += 2 + len;
        n += 1;
    }
    assert_eq!(n, 70_000);
    assert_eq!(get("/tile/x/000").status, 400);
    assert_eq!(get("/nothing").status, 404);
}

/// The child half of the crash test: appends forever, printing each acknowledged index.
fn crash_child(db: PathBuf, skey: &str) -> ! {
    use std::io::Write as _;
    let writer = Writer::open(&Target::Sqlite(db), Signer::parse(skey).unwrap(), WriterOptions::default()).unwrap();
    let mut out = std::io::stdout().lock();
    let mut i = 0usize;
    loop {
        let pending: Vec<_> = (0..64).map(|k| writer.append(draft(i + k))).collect();
        for p in pending {
            let index = p.wait().unwrap();
            writeln!(out, "{index}").unwrap();
        }
        out.flush().unwrap();
        i += 64;
    }
}

#[test]
fn sigkill_during_appends_loses_no_acknowledged_entry() {
    if let (Ok(db), Ok(key)) = (std::env::var("VIGIL_LOG_CRASH_DB"), std::env::var("VIGIL_LOG_CRASH_KEY")) {
        crash_child(PathBuf::from(db), &key);
    }
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("log.db");
    let (skey, verifier) = keys("crash.example/log");
    for round in 0..3 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "sigkill_during_appends_loses_no_acknowledged_entry", "--nocapture", "--test-threads=1"])
            .env("VIGIL_LOG_CRASH_DB", &db)
            .env("VIGIL_LOG_CRASH_KEY", &skey)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut acknowledged = Vec::new();
        let kill_after = 3000 + round * 1500;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Ok(i) = line.trim().parse::<u64>() {
                acknowledged.push(i);
            }
            if acknowledged.len() >= kill_after {
                // SIGKILL while the writer is mid-batch.
                child.kill().unwrap();
                break;
            }
        }
        let _ = child.wait();
        assert!(acknowledged.len() >= kill_after, "child stopped early after {}", acknowledged.len());
        let report = verify(&db, &verifier, None);
        assert!(report.ok(), "round {round}: {:?}", report.problems);
        let stored: BTreeSet<u64> = (0..report.size).collect();
        for i in &acknowledged {
            assert!(stored.contains(i), "acknowledged entry {i} lost (size {})", report.size);
        }
    }
}

#[test]
fn consistency_proof_files_verify_offline_and_catch_a_wrong_old_tree() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("log.db");
    let (skey, verifier) = keys("consistency.example/log");
    fill(&db, &skey, 37);
    let old_note = latest(&db);
    fill(&db, &skey, 300);
    let mut backend = store::open_existing(&Target::Sqlite(db.clone())).unwrap();
    for old in [0u64, 1, 36, 37, 200, 337] {
        let mut reader = backend.reader().unwrap();
        let proof = vigil_log::proof::prove_consistency(&mut *reader, old).unwrap();
        let checked = vigil_log::proof::verify_consistency_proof(&serde_json::to_vec(&proof).unwrap(), &verifier, None)
            .unwrap_or_else(|e| panic!("old size {old}: {e}"));
        assert_eq!((checked.old_size, checked.tree_size, checked.old_root_signed), (old, 337, false));
    }
    let mut reader = backend.reader().unwrap();
    assert!(vigil_log::proof::prove_consistency(&mut *reader, 338).is_err());
    let proof = vigil_log::proof::prove_consistency(&mut *reader, 37).unwrap();
    drop(reader);
    let bytes = serde_json::to_vec(&proof).unwrap();
    // Against the checkpoint the auditor kept at 37: holds, and says the root was signed.
    let checked = vigil_log::proof::verify_consistency_proof(&bytes, &verifier, Some(old_note.as_bytes())).unwrap();
    assert!(checked.old_root_signed);
    // A proof from another size than the kept checkpoint, a changed hash, another old root.
    let mut other = vigil_log::proof::prove_consistency(&mut *backend.reader().unwrap(), 36).unwrap();
    assert!(
        vigil_log::proof::verify_consistency_proof(
            &serde_json::to_vec(&other).unwrap(),
            &verifier,
            Some(old_note.as_bytes())
        )
        .is_err()
    );
    other["hashes"][0] = serde_json::json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    assert!(vigil_log::proof::verify_consistency_proof(&serde_json::to_vec(&other).unwrap(), &verifier, None).is_err());
    let mut wrong = proof.clone();
    wrong["old_root"] = serde_json::json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    assert!(vigil_log::proof::verify_consistency_proof(&serde_json::to_vec(&wrong).unwrap(), &verifier, None).is_err());
    let (_, stranger) = keys("consistency.example/log");
    assert!(vigil_log::proof::verify_consistency_proof(&bytes, &stranger, None).is_err());
}
