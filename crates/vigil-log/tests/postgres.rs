//! The PostgreSQL store against a real server (scripts/test starts one and sets
//! `VIGIL_POSTGRES_URL`): concurrent writers (as replicas would be) get unique, gapless indices
//! and one consistent tree; rows edited in its tables are found by `verify`; a writer with another
//! log's key is refused. Each test works in a database of its own, created here and dropped after.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};

use ::postgres::{Client, NoTls};
use serde_json::json;
use vigil_log::merkle::{consistency_proof, verify_consistency};
use vigil_log::note::{Checkpoint, Signer, Verifier, generate_key};
use vigil_log::store::{self, ReaderHashes, StoreError, Target};
use vigil_log::verify::{Report, verify};
use vigil_log::{Draft, Kind, Writer, WriterOptions};

const ORIGIN: &str = "vigil.test/postgres-log";

/// A database of its own on the test server, dropped (best effort) when the test ends.
struct TestDb {
    server: String,
    name: String,
    url: String,
}

impl TestDb {
    fn new(server: &str, tag: &str) -> TestDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("vigil_test_{tag}_{}_{n}", std::process::id());
        let mut admin = Client::connect(server, NoTls).unwrap_or_else(|e| panic!("connecting to the test server: {e}"));
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).unwrap();
        // CREATE DATABASE copies template1 and refuses while another CREATE holds it: retry.
        let mut attempt = 0;
        loop {
            match admin.batch_execute(&format!("CREATE DATABASE {name}")) {
                Ok(()) => break,
                Err(e) if attempt < 20 => {
                    attempt += 1;
                    eprintln!("CREATE DATABASE {name}: {e}; retrying");
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => panic!("CREATE DATABASE {name}: {e}"),
            }
        }
        let url = vigil_testkit::postgres_database_url(server, &name);
        TestDb { server: server.to_owned(), name, url }
    }

    fn target(&self) -> Target {
        Target::Postgres(self.url.clone())
    }

    fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&self.server, NoTls) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

fn keys(name: &str) -> (String, Verifier) {
    let (skey, vkey) = generate_key(name).unwrap();
    (skey, Verifier::parse(&vkey).unwrap())
}

fn draft(writer: usize, seq: usize) -> Draft {
    let mut draft = Draft::new(Kind::Admission, if seq.is_multiple_of(3) { "deny" } else { "allow" });
    draft.subject = json!({"writer": writer, "seq": seq});
    draft.reasons = vec![format!("writer {writer} entry {seq}")];
    draft
}

fn verify_db(db: &TestDb, verifier: &Verifier) -> Report {
    let mut backend = store::open(&db.target()).unwrap();
    let mut reader = backend.reader().unwrap();
    verify(&mut *reader, verifier, None).unwrap()
}

/// `count` entries by one writer, appended in one burst and then waited for.
fn fill(db: &TestDb, skey: &str, count: usize) {
    let writer = Writer::open(&db.target(), Signer::parse(skey).unwrap(), WriterOptions::default()).unwrap();
    let pending: Vec<_> = (0..count).map(|seq| writer.append(draft(0, seq))).collect();
    let indices: Vec<u64> = pending.into_iter().map(|p| p.wait().unwrap()).collect();
    assert_eq!(indices, (0..count as u64).collect::<Vec<_>>());
    writer.close();
}

const WRITERS: usize = 3;
const PER_WRITER: usize = 3_000;

#[test]
fn concurrent_writers_share_one_gapless_consistent_tree() {
    let Some(server) = vigil_testkit::postgres() else { return };
    let db = TestDb::new(&server, "concurrent");
    let (skey, verifier) = keys(ORIGIN);
    let target = db.target();
    let barrier = Arc::new(Barrier::new(WRITERS));
    let threads: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (target, skey, barrier) = (target.clone(), skey.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                // Its own writer, so its own connection and committing thread, as a replica has.
                let writer = Writer::open(&target, Signer::parse(&skey).unwrap(), WriterOptions::default()).unwrap();
                barrier.wait();
                let mut got: Vec<(usize, u64)> = Vec::with_capacity(PER_WRITER);
                let mut seq = 0;
                // Rounds of 100 entries each waited for (one transaction each), then a burst of
                // 900 queued at once and waited for after (group commit).
                while seq < PER_WRITER {
                    for _ in 0..100 {
                        got.push((seq, writer.append(draft(w, seq)).wait().unwrap()));
                        seq += 1;
                    }
                    let burst: Vec<_> = (seq..seq + 900).map(|s| (s, writer.append(draft(w, s)))).collect();
                    for (s, pending) in burst {
                        got.push((s, pending.wait().unwrap()));
                    }
                    seq += 900;
                }
                let batches = writer.status().batches.load(Ordering::Relaxed);
                writer.close();
                (got, batches)
            })
        })
        .collect();
    // (writer, seq) of every acknowledged index.
    let mut acknowledged: BTreeMap<u64, (usize, usize)> = BTreeMap::new();
    for (w, thread) in threads.into_iter().enumerate() {
        let (got, batches) = thread.join().unwrap();
        assert_eq!(got.len(), PER_WRITER);
        assert!(
            batches >= 300,
            "writer {w} committed {batches} transactions, expected at least its 300 waited entries"
        );
        for (seq, index) in got {
            if let Some(other) = acknowledged.insert(index, (w, seq)) {
                panic!("index {index} was acknowledged twice: to writer {w} entry {seq} and to {other:?}");
            }
        }
    }
    let total = (WRITERS * PER_WRITER) as u64;
    assert_eq!(acknowledged.keys().copied().collect::<Vec<_>>(), (0..total).collect::<Vec<_>>());

    let mut backend = store::open(&target).unwrap();
    let mut reader = backend.reader().unwrap();
    assert_eq!(reader.size().unwrap(), total);
    assert_eq!(reader.origin().unwrap().as_deref(), Some(ORIGIN));

    // Each acknowledged index holds that writer's entry, with its index inside.
    let rows = reader.entries(0, total + 1).unwrap();
    assert_eq!(rows.len(), total as usize);
    let mut author: BTreeMap<u64, usize> = BTreeMap::new();
    for (index, body) in &rows {
        let value: serde_json::Value = serde_json::from_slice(body).unwrap();
        let (w, seq) = acknowledged[index];
        assert_eq!(value["index"], json!(index), "entry {index}");
        assert_eq!(value["subject"], json!({"writer": w, "seq": seq}), "entry {index}");
        author.insert(*index, w);
    }
    // The writers did run at the same time: the log interleaves them.
    let switches = rows.windows(2).filter(|p| author[&p[0].0] != author[&p[1].0]).count();
    assert!(
        switches >= WRITERS,
        "the writers' entries interleave only {switches} times: they did not run concurrently"
    );

    let report = verify(&mut *reader, &verifier, None).unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!((report.size, report.entries), (total, total));

    // Every stored checkpoint verifies; it was signed by the writer whose batch ended at it.
    let checkpoints = reader.checkpoints().unwrap();
    assert!(checkpoints.len() >= 2, "{} checkpoints stored", checkpoints.len());
    assert_eq!(checkpoints.last().map(|c| c.0), Some(total));
    assert_eq!(report.checkpoints, checkpoints.len());
    let opened: Vec<(Checkpoint, usize)> = checkpoints
        .iter()
        .map(|(size, note)| {
            let (c, _) = Checkpoint::open(note.as_bytes(), std::slice::from_ref(&verifier))
                .unwrap_or_else(|e| panic!("checkpoint of size {size}: {e}"));
            assert_eq!((c.size, c.origin.as_str()), (*size, ORIGIN));
            (c, author[&(size - 1)])
        })
        .collect();
    drop(reader);

    // Consistency proofs from every stored checkpoint to every later one, among them one
    // between checkpoints of different writers.
    let mut reader = backend.reader().unwrap();
    let hashes = ReaderHashes::new(&mut *reader);
    let mut across_writers = 0;
    for (i, (old, old_writer)) in opened.iter().enumerate() {
        for (new, new_writer) in &opened[i + 1..] {
            let proof = consistency_proof(&hashes, old.size, new.size).unwrap();
            verify_consistency(old.size, new.size, &old.root, &new.root, &proof)
                .unwrap_or_else(|e| panic!("{} → {}: {e}", old.size, new.size));
            if old_writer != new_writer {
                across_writers += 1;
            }
            // The proof is bound to the roots: another root does not verify.
            let mut wrong = new.root;
            wrong[0] ^= 1;
            assert!(verify_consistency(old.size, new.size, &old.root, &wrong, &proof).is_err());
        }
    }
    assert!(hashes.error.borrow().is_none(), "{:?}", hashes.error.borrow());
    let writers: BTreeSet<usize> = opened.iter().map(|(_, w)| *w).collect();
    assert!(across_writers > 0, "every stored checkpoint was written by writer(s) {writers:?}: none to compare across");
}

/// A log of 2,000 entries, sound, then `tamper` run on its tables: the first problem `verify`
/// reports must be at `index`.
#[track_caller]
fn tampered(tag: &str, tamper: &str, index: u64) {
    let Some(server) = vigil_testkit::postgres() else { return };
    let db = TestDb::new(&server, tag);
    let (skey, verifier) = keys(ORIGIN);
    fill(&db, &skey, 2_000);
    let before = verify_db(&db, &verifier);
    assert!(before.ok(), "before tampering: {:?}", before.problems);
    assert_eq!((before.size, before.entries), (2_000, 2_000));

    let changed = db.client().execute(tamper, &[]).unwrap();
    assert!(changed >= 1, "`{tamper}` changed no row");

    let report = verify_db(&db, &verifier);
    assert!(!report.ok(), "`{tamper}` went unnoticed");
    let first = &report.problems[0];
    assert_eq!(first.index, Some(index), "`{tamper}`: first problem {first:?}; all: {:?}", report.problems);
}

#[test]
fn an_edited_entry_is_named() {
    tampered(
        "update",
        "UPDATE vigil_log_entries SET body = convert_to(replace(convert_from(body, 'UTF8'), \
         '\"result\":\"allow\"', '\"result\":\"deny\"'), 'UTF8') \
         WHERE idx = 1234 AND position('\"result\":\"allow\"' IN convert_from(body, 'UTF8')) > 0",
        1234,
    );
}

#[test]
fn a_deleted_entry_is_named() {
    tampered("delete", "DELETE FROM vigil_log_entries WHERE idx = 500", 500);
}

#[test]
fn swapped_entries_are_named() {
    tampered(
        "swap",
        "UPDATE vigil_log_entries AS e SET body = o.body FROM vigil_log_entries AS o \
         WHERE (e.idx, o.idx) IN ((10, 20), (20, 10))",
        10,
    );
}

#[test]
fn an_entry_rewritten_with_its_leaf_hash_is_caught_by_the_signed_root() {
    let Some(server) = vigil_testkit::postgres() else { return };
    let db = TestDb::new(&server, "rehash");
    let (skey, verifier) = keys(ORIGIN);
    fill(&db, &skey, 2_000);
    let mut client = db.client();
    let body: Vec<u8> = client.query_one("SELECT body FROM vigil_log_entries WHERE idx = 1500", &[]).unwrap().get(0);
    let edited = String::from_utf8(body.clone()).unwrap().replace("writer 0 entry 1500", "writer 0 entry 9999");
    assert_ne!(edited.as_bytes(), body.as_slice());
    let leaf = vigil_log::merkle::leaf_hash(edited.as_bytes()).to_vec();
    // Entry and stored leaf hash rewritten together: only the signed root can tell.
    let mut tx = client.transaction().unwrap();
    assert_eq!(
        tx.execute("UPDATE vigil_log_entries SET body = $1 WHERE idx = 1500", &[&edited.as_bytes()]).unwrap(),
        1
    );
    assert_eq!(tx.execute("UPDATE vigil_log_nodes SET hash = $1 WHERE level = 0 AND idx = 1500", &[&leaf]).unwrap(), 1);
    tx.commit().unwrap();
    let report = verify_db(&db, &verifier);
    let first = report.problems.first().unwrap_or_else(|| panic!("the rewrite went unnoticed: {report:?}"));
    // Named from the last signed size at or before it: the bound the kept checkpoints give.
    let signed: Vec<u64> =
        store::open(&db.target()).unwrap().reader().unwrap().checkpoints().unwrap().iter().map(|c| c.0).collect();
    let from = signed.iter().copied().filter(|s| *s <= 1500).max().unwrap_or(0);
    assert_eq!(first.index, Some(from), "signed sizes {signed:?}: {:?}", report.problems);
    assert!(first.message.contains("rewritten"), "{first:?}");
}

#[test]
fn a_writer_with_another_origin_is_refused() {
    let Some(server) = vigil_testkit::postgres() else { return };
    let db = TestDb::new(&server, "origin");
    let (skey, verifier) = keys(ORIGIN);
    fill(&db, &skey, 3);
    let (other, _) = keys("other.test/another-log");
    match Writer::open(&db.target(), Signer::parse(&other).unwrap(), WriterOptions::default()) {
        Ok(_) => panic!("a writer with origin other.test/another-log opened a log created for {ORIGIN}"),
        Err(StoreError::Mismatch(message)) => {
            assert!(message.contains(ORIGIN) && message.contains("other.test/another-log"), "{message}");
        }
        Err(e) => panic!("refused for the wrong reason: {e}"),
    }
    // Nothing was written, and the log's own key still writes.
    let report = verify_db(&db, &verifier);
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!(report.size, 3);
    let writer = Writer::open(&db.target(), Signer::parse(&skey).unwrap(), WriterOptions::default()).unwrap();
    assert_eq!(writer.append(draft(0, 3)).wait().unwrap(), 3);
    writer.close();
}
