//! The decision log benchmark's measuring program (driven by `bench/log.sh`).
//!
//! Every command prints one JSON object on stdout with what it measured; progress goes to
//! stderr.
//!
//! ```text
//! log_bench keygen PREFIX [NAME]                 writes PREFIX.key and PREFIX.pub
//! log_bench appends DB KEY ENTRIES THREADS WINDOW  group-commit Writer, THREADS producers, each
//!                                                appending WINDOW admission-sized entries and
//!                                                waiting on their receipts, until ENTRIES
//! log_bench burst DB KEY ENTRIES                 ENTRIES admission-sized entries queued at once,
//!                                                then every receipt waited on
//! log_bench build DB KEY ENTRIES small|admission BATCH
//!                                                store::append_batch directly, BATCH per transaction
//! log_bench proofs DB PUB INCLUSION CONSISTENCY  timed inclusion proofs of random indices and
//!                                                consistency proofs between random sizes, each
//!                                                checked (untimed) against the signed checkpoint
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vigil_log::merkle::{self, Hash};
use vigil_log::note::{Checkpoint, Note, Signer, Verifier};
use vigil_log::store::{self, ReaderHashes, Target};
use vigil_log::{Draft, Kind, Writer, WriterOptions};

/// The size of the small entries of `build … small`.
const SMALL_BYTES: usize = 100;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_else(|| usage());
    let num = |i: usize| arg(i).replace('_', "").parse::<usize>().unwrap_or_else(|_| usage());
    let out = match arg(0).as_str() {
        "keygen" => keygen(Path::new(&arg(1)), args.get(2).map_or("bench.example/vigil-log", String::as_str)),
        "appends" => appends(Path::new(&arg(1)), read_signer(Path::new(&arg(2))), num(3), num(4), num(5)),
        "burst" => burst(Path::new(&arg(1)), read_signer(Path::new(&arg(2))), num(3)),
        "build" => build(Path::new(&arg(1)), &read_signer(Path::new(&arg(2))), num(3), &arg(4), num(5)),
        "proofs" => proofs(Path::new(&arg(1)), Path::new(&arg(2)), num(3), num(4)),
        _ => usage(),
    };
    println!("{out}");
}

fn usage() -> ! {
    eprintln!(
        "usage: log_bench keygen PREFIX [NAME] | appends DB KEY ENTRIES THREADS WINDOW | burst DB KEY ENTRIES | \
         build DB KEY ENTRIES small|admission BATCH | proofs DB PUB INCLUSION CONSISTENCY"
    );
    std::process::exit(2);
}

fn keygen(prefix: &Path, name: &str) -> Value {
    let files = vigil_log::keys::generate(name, Some(prefix), true).expect("generating the key");
    json!({"key": files.private, "pub": files.public, "name": files.name})
}

fn read_signer(path: &Path) -> Signer {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    Signer::parse(text.trim()).expect("a note signer key")
}

/// A small deterministic generator (SplitMix64): random indices without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, n)` (n > 0; the modulo bias is negligible for these sizes).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// An entry shaped like `vigil serve`'s admission entries (vigil-admission's `admission_draft`:
/// the review's userInfo as actor; kind, namespace, name, uid, operation, apiVersion and the
/// container image with its digest as subject; a deny reason for every tenth; the applied
/// policies; the policy set digest), varied by `n`: about 700 bytes.
fn admission_draft(n: u64) -> Draft {
    let mut draft = Draft::new(Kind::Admission, if n % 10 == 9 { "deny" } else { "allow" });
    draft.actor = json!({
        "username": "system:serviceaccount:shop:deployer",
    });
    let digest = format!("sha256:{:016x}{:016x}{:016x}{:016x}", n, n ^ 0x5555, n.rotate_left(17), n.wrapping_mul(31));
    let image = format!("registry.local/web-{}:1.{}", n % 50, n % 7);
    draft.subject = json!({
        "kind": "Pod",
        "namespace": "shop",
        "name": format!("web-{}-{:05x}", n % 50, n % 0xfffff),
        "uid": format!("b1a7e3c0-{:04x}-4f21-8c55-{:012x}", (n >> 3) % 0xffff, n.wrapping_mul(7)),
        "operation": "CREATE",
        "apiVersion": "v1",
        "images": [{"container": "app", "image": image, "digest": digest}],
    });
    draft.reasons = if n % 10 == 9 {
        vec!["deny: policy bench: container \"app\": allowPrivilegeEscalation != false".into()]
    } else {
        Vec::new()
    };
    draft.details.insert("allowed".into(), Value::Bool(n % 10 != 9));
    draft.details.insert("applied".into(), json!(["bench"]));
    draft.details.insert("endpoint".into(), Value::String("validate".into()));
    draft.details.insert("dry_run".into(), Value::Bool(false));
    draft.details.insert("failure_mode".into(), Value::String("fail".into()));
    draft.policy = Some(json!({
        "digest": "sha256:3b2f7c1d9e8a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c",
        "names": ["bench"],
    }));
    draft
}

/// Mean microseconds of one `Draft::to_entry` of an admission draft (the committing thread
/// encodes every entry twice: once to refuse one too large before the transaction, once in it).
fn encode_micros() -> f64 {
    let drafts: Vec<Draft> = (0..10_000u64).map(admission_draft).collect();
    let start = Instant::now();
    let bytes: usize = drafts.iter().enumerate().map(|(i, d)| d.to_entry(i as u64).expect("entry").len()).sum();
    assert!(bytes > 0);
    start.elapsed().as_secs_f64() * 1e6 / drafts.len() as f64
}

/// Mean canonical size of admission entries (over a sample, at a 7-digit index).
fn admission_entry_bytes() -> f64 {
    let sample: Vec<usize> =
        (0..1000u64).map(|n| admission_draft(n).to_entry(1_000_000 + n).expect("entry").len()).collect();
    sample.iter().sum::<usize>() as f64 / sample.len() as f64
}

fn fresh(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `(mean, p50, p99, max)` in milliseconds.
fn stats(mut samples: Vec<Duration>) -> (f64, f64, f64, f64) {
    samples.sort();
    let n = samples.len().max(1);
    let at = |q: f64| samples.get(((q * n as f64) as usize).min(n - 1)).copied().map_or(0.0, ms);
    let mean = samples.iter().map(|d| ms(*d)).sum::<f64>() / n as f64;
    (mean, at(0.50), at(0.99), samples.last().copied().map_or(0.0, ms))
}

fn writer_summary(writer: &Writer) -> (u64, u64, u64) {
    let status = writer.status();
    let appended = status.appended.load(std::sync::atomic::Ordering::Relaxed);
    let batches = status.batches.load(std::sync::atomic::Ordering::Relaxed);
    let failed = status.failed.load(std::sync::atomic::Ordering::Relaxed);
    (appended, batches, failed)
}

fn appends(db: &Path, signer: Signer, entries: usize, threads: usize, window: usize) -> Value {
    fresh(db);
    let bytes = admission_entry_bytes();
    let writer = Arc::new(
        Writer::open(&Target::Sqlite(db.to_path_buf()), signer, WriterOptions::default()).expect("opening the writer"),
    );
    let threads = threads.max(1);
    let window = window.max(1);
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let writer = Arc::clone(&writer);
            // Thread t appends entries t, t + threads, t + 2·threads, …
            let mine: Vec<u64> = (t..entries).step_by(threads).map(|n| n as u64).collect();
            std::thread::spawn(move || {
                let mut latencies = Vec::with_capacity(mine.len() / window + 1);
                let mut refused = 0u64;
                for chunk in mine.chunks(window) {
                    let began = Instant::now();
                    let pending: Vec<_> = chunk.iter().map(|&n| writer.append(admission_draft(n))).collect();
                    for p in pending {
                        if p.wait().is_err() {
                            refused += 1;
                        }
                    }
                    latencies.push(began.elapsed());
                }
                (latencies, refused)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut refused = 0;
    for h in handles {
        let (l, r) = h.join().expect("producer thread");
        latencies.extend(l);
        refused += r;
    }
    let elapsed = start.elapsed();
    let (appended, batches, failed) = writer_summary(&writer);
    let writer = Arc::try_unwrap(writer).ok().expect("writer still shared");
    writer.close();
    let (mean, p50, p99, max) = stats(latencies);
    let rate = appended as f64 / elapsed.as_secs_f64();
    eprintln!(
        "appends: {appended} committed ({refused} refused) from {threads} threads in windows of {window}: \
         {:.2} s, {rate:.0} entries/s, {batches} transactions",
        elapsed.as_secs_f64()
    );
    json!({
        "entries": entries, "threads": threads, "window": window, "entry_bytes": bytes,
        "committed": appended, "refused": refused, "failed": failed, "seconds": elapsed.as_secs_f64(),
        "per_second": rate, "transactions": batches,
        "mean_batch": appended as f64 / batches.max(1) as f64,
        "window_ms": {"mean": mean, "p50": p50, "p99": p99, "max": max},
    })
}

fn burst(db: &Path, signer: Signer, entries: usize) -> Value {
    fresh(db);
    let bytes = admission_entry_bytes();
    // The default queue (65,536) refuses the rest of a larger burst at once, by design; the
    // burst measures commit throughput, so the queue holds all of it.
    let options = WriterOptions { queue: entries.max(WriterOptions::default().queue), ..WriterOptions::default() };
    let writer = Writer::open(&Target::Sqlite(db.to_path_buf()), signer, options).expect("opening the writer");
    let drafts: Vec<Draft> = (0..entries as u64).map(admission_draft).collect();
    let start = Instant::now();
    let pending: Vec<_> = drafts.into_iter().map(|d| writer.append(d)).collect();
    let queued = start.elapsed();
    let refused = pending.into_iter().map(vigil_log::Pending::wait).filter(Result::is_err).count();
    let elapsed = start.elapsed();
    let (appended, batches, failed) = writer_summary(&writer);
    writer.close();
    let rate = appended as f64 / elapsed.as_secs_f64();
    eprintln!(
        "burst: {appended} committed ({refused} refused), queued in {:.2} s, all acknowledged in {:.2} s: \
         {rate:.0} entries/s, {batches} transactions",
        queued.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    json!({
        "entries": entries, "entry_bytes": bytes, "encode_us": encode_micros(), "queue": options.queue, "max_batch": options.max_batch,
        "committed": appended, "refused": refused, "failed": failed,
        "queued_seconds": queued.as_secs_f64(), "seconds": elapsed.as_secs_f64(), "per_second": rate,
        "transactions": batches, "mean_batch": appended as f64 / batches.max(1) as f64,
    })
}

/// A `SMALL_BYTES`-byte entry: a JSON object with its index, padded.
fn small_entry(index: u64) -> Vec<u8> {
    let head = format!("{{\"index\":{index},\"kind\":\"admission\",\"version\":1,\"pad\":\"");
    let pad = SMALL_BYTES.saturating_sub(head.len() + 2);
    let mut body = head.into_bytes();
    body.resize(body.len() + pad, b'x');
    body.extend_from_slice(b"\"}");
    body
}

fn build(db: &Path, signer: &Signer, entries: usize, body: &str, batch: usize) -> Value {
    fresh(db);
    let admission = match body {
        "small" => false,
        "admission" => true,
        _ => usage(),
    };
    let mut backend = store::open(&Target::Sqlite(db.to_path_buf())).expect("opening the store");
    let batch = batch.max(1);
    let start = Instant::now();
    let mut done = 0usize;
    let mut bytes = 0u64;
    let mut last_report = Instant::now();
    while done < entries {
        let count = batch.min(entries - done);
        backend
            .write(&mut |txn| {
                store::append_batch(txn, signer, count, &mut |_, index| {
                    let body = if admission {
                        admission_draft(index).to_entry(index).map_err(|e| e.to_string())?
                    } else {
                        small_entry(index)
                    };
                    bytes += body.len() as u64;
                    Ok(body)
                })
            })
            .expect("appending a batch");
        done += count;
        if last_report.elapsed() > Duration::from_secs(10) {
            eprintln!("build: {done}/{entries} entries, {:.0} s", start.elapsed().as_secs_f64());
            last_report = Instant::now();
        }
    }
    let elapsed = start.elapsed();
    drop(backend);
    let file_bytes = std::fs::metadata(db).map(|m| m.len()).unwrap_or(0);
    let rate = entries as f64 / elapsed.as_secs_f64();
    eprintln!(
        "build: {entries} {body} entries (mean {:.0} bytes) in {:.1} s, {rate:.0} entries/s, {} MiB",
        bytes as f64 / entries.max(1) as f64,
        elapsed.as_secs_f64(),
        file_bytes >> 20
    );
    json!({
        "entries": entries, "body": body, "entry_bytes": bytes as f64 / entries.max(1) as f64, "batch": batch,
        "seconds": elapsed.as_secs_f64(), "per_second": rate, "file_bytes": file_bytes,
    })
}

fn root_of(hashes: &ReaderHashes<'_, dyn store::Reader + '_>, size: u64) -> Hash {
    merkle::root_at(hashes, size).expect("root")
}

fn proofs(db: &Path, public: &Path, inclusion: usize, consistency: usize) -> Value {
    let verifier = Verifier::parse(std::fs::read_to_string(public).expect("reading the verifier key").trim())
        .expect("a note verifier key");
    let mut backend = store::open_existing(&Target::Sqlite(db.to_path_buf())).expect("opening the store");
    let mut reader = backend.reader().expect("a reader");
    let note = reader.latest_checkpoint().expect("reading the checkpoint").expect("a checkpoint");
    let checkpoint = Checkpoint::parse(Note::parse(note.as_bytes()).expect("a note").text()).expect("a checkpoint");
    let size = checkpoint.size;
    assert!(size >= 2, "the log has {size} entries");
    let mut rng = Rng(0x5eed_1ab5);

    // `vigil log prove`'s path: checkpoint, entry, hashes, JSON; each proof then checked offline.
    let mut prove_times = Vec::with_capacity(inclusion);
    let mut files = Vec::with_capacity(inclusion);
    for _ in 0..inclusion {
        let index = rng.below(size);
        let began = Instant::now();
        let proof = vigil_log::proof::prove(&mut *reader, &vigil_log::proof::Target::Index(index)).expect("a proof");
        prove_times.push(began.elapsed());
        files.push((index, serde_json::to_vec(&proof).expect("proof JSON")));
    }
    for (index, file) in &files {
        let checked = vigil_log::proof::verify_proof(file, &verifier).expect("the proof verifies");
        assert_eq!((checked.index, checked.tree_size), (*index, size));
    }

    // The hash path alone (`merkle::inclusion_proof` over the stored nodes).
    let hashes = ReaderHashes::new(&mut *reader);
    let mut path_times = Vec::with_capacity(inclusion);
    let mut path_len = 0usize;
    for _ in 0..inclusion {
        let index = rng.below(size);
        let began = Instant::now();
        let path = merkle::inclusion_proof(&hashes, index, size).expect("an inclusion path");
        path_times.push(began.elapsed());
        path_len = path_len.max(path.len());
        let leaf = hashes_leaf(&hashes, index);
        merkle::verify_inclusion(&leaf, index, size, &path, &checkpoint.root).expect("the path verifies");
    }

    // Consistency proofs between random sizes (old < new ≤ size), each checked against the two
    // roots recomputed from the stored nodes.
    let mut consistency_times = Vec::with_capacity(consistency);
    for _ in 0..consistency {
        let a = 1 + rng.below(size);
        let b = 1 + rng.below(size);
        let (old, new) = if a == b { (a.saturating_sub(1).max(1), size) } else { (a.min(b), a.max(b)) };
        let began = Instant::now();
        let proof = merkle::consistency_proof(&hashes, old, new).expect("a consistency proof");
        consistency_times.push(began.elapsed());
        let (old_root, new_root) = (root_of(&hashes, old), root_of(&hashes, new));
        merkle::verify_consistency(old, new, &old_root, &new_root, &proof).expect("the consistency proof verifies");
    }
    assert_eq!(root_of(&hashes, size), checkpoint.root, "the stored tree is the signed one");
    if let Some(e) = hashes.error.into_inner() {
        panic!("store error: {e}");
    }

    let (pm, p50, p99, pmax) = stats(prove_times);
    let (hm, h50, h99, hmax) = stats(path_times);
    let (cm, c50, c99, cmax) = stats(consistency_times);
    eprintln!(
        "proofs over {size} entries: prove mean {pm:.3} ms p99 {p99:.3} ms; inclusion path mean {hm:.3} ms p99 \
         {h99:.3} ms; consistency mean {cm:.3} ms p99 {c99:.3} ms"
    );
    json!({
        "size": size, "inclusion": inclusion, "consistency": consistency, "max_path": path_len,
        "prove_ms": {"mean": pm, "p50": p50, "p99": p99, "max": pmax},
        "inclusion_ms": {"mean": hm, "p50": h50, "p99": h99, "max": hmax},
        "consistency_ms": {"mean": cm, "p50": c50, "p99": c99, "max": cmax},
    })
}

fn hashes_leaf(hashes: &ReaderHashes<'_, dyn store::Reader + '_>, index: u64) -> Hash {
    use vigil_log::merkle::HashStore as _;
    hashes.get(0, index).expect("a stored leaf hash")
}
