//! The decision log end to end: `vigil log key generate`, `vigil policy test --log`, `log tail`,
//! `log verify` against a tampered SQLite file, old checkpoints, inclusion proofs, and
//! `log serve` checked from the specs alone (RFC 6962 hashing, C2SP tlog-tiles and signed
//! notes), with no code of vigil-log.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::common::{Outcome, Vigil, temp_dir, write};

const POLICY: &str = include_str!("../../../../examples/policy/policy.yaml");

/// One test's world: a temp dir holding the state dir (`state/vigil/`), the policy and the
/// manifests.
struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> Self {
        let dir = temp_dir();
        write(dir.path(), "policy.yaml", POLICY);
        World { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn state(&self) -> PathBuf {
        self.path().join("state")
    }

    fn db(&self) -> PathBuf {
        self.state().join("vigil/log.db")
    }

    fn vigil<I, S>(&self, args: I) -> Outcome
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        Vigil::in_dir(self.path()).env("XDG_STATE_HOME", self.state().to_str().unwrap()).args(args).run()
    }

    fn generate_key(&self, name: &str) -> String {
        let out = self.vigil(["log", "key", "generate", "--name", name]);
        out.assert_code(0);
        out.stdout.trim().to_owned()
    }

    /// `vigil policy test --log` on the manifest file `file`: exit 0 or 1 (denials).
    fn policy_test(&self, file: &str) -> Outcome {
        let out = self.vigil(["policy", "test", "--policy", "policy.yaml", file, "--format", "json", "--log"]);
        assert!(matches!(out.code, Some(0 | 1)), "policy test failed\n{out}");
        out
    }

    /// The JSON entries `log tail --format json` prints.
    fn tail(&self, extra: &[&str]) -> Vec<Value> {
        let out = self.vigil([&["log", "tail", "--format", "json"][..], extra].concat());
        out.assert_code(0);
        out.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("tail line is not JSON: {e}: {l}")))
            .collect()
    }

    fn verify_json(&self, extra: &[&str]) -> (Outcome, Value) {
        let out = self.vigil([&["log", "verify", "--format", "json"][..], extra].concat());
        let report = out.json();
        (out, report)
    }

    fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db()).unwrap()
    }
}

/// `n` Pods in one multi-document file, named `{prefix}-{i}` for `i` in `start..start + n`;
/// those `deny(i)` picks use an image from a registry the example policy does not allow.
fn pods_from(start: usize, n: usize, prefix: &str, deny: impl Fn(usize) -> bool) -> String {
    (start..start + n)
        .map(|i| {
            let image = if deny(i) { "quay.io/evil/miner:1.0" } else { "docker.io/library/nginx:1.27" };
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {prefix}-{i}\n  namespace: team\nspec:\n  containers:\n  - name: app\n    image: {image}\n"
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

fn pods(n: usize, prefix: &str, deny: impl Fn(usize) -> bool) -> String {
    pods_from(0, n, prefix, deny)
}

/// A world with a key and a log of `n` policy-test entries `web-0`… (every third one denied),
/// written by several runs (so by several commits and checkpoints).
fn log_of(n: usize) -> World {
    let world = World::new();
    world.generate_key("vigil.test/log");
    let chunk = if n <= 40 { 10 } else { 100 };
    let mut start = 0;
    while start < n {
        let count = chunk.min(n - start);
        write(world.path(), "pods.yaml", pods_from(start, count, "web", |i| i % 3 == 2));
        let out = world.policy_test("pods.yaml");
        let logged = if count == 1 {
            format!("logged entry {start} ")
        } else {
            format!("logged entries {start}..={} ", start + count - 1)
        };
        assert!(out.stderr.contains(&logged), "{out}");
        start += count;
    }
    assert_eq!(world.tail(&[]).len(), n);
    world
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(s).unwrap_or_else(|e| panic!("`{s}` is not base64: {e}"))
}

#[test]
fn key_generate_writes_the_state_dir_and_refuses_to_overwrite() {
    let world = World::new();
    let out = world.vigil(["log", "key", "generate", "--name", "vigil.example.com/prod"]);
    out.assert_code(0);
    let key_path = world.state().join("vigil/log.key");
    let private = std::fs::read_to_string(&key_path).unwrap();
    let public = std::fs::read_to_string(world.state().join("vigil/log.pub")).unwrap();
    assert!(private.starts_with("PRIVATE+KEY+vigil.example.com/prod+"), "{private}");
    assert_eq!(out.stdout.trim(), public.trim(), "the printed verifier is log.pub");
    assert!(public.starts_with("vigil.example.com/prod+"), "{public}");
    // name+8 hex digits+base64(0x01 || 32-byte key)
    let parts: Vec<&str> = public.trim().splitn(3, '+').collect();
    assert_eq!(parts.len(), 3, "{public}");
    assert_eq!(parts[1].len(), 8);
    let key = unb64(parts[2]);
    assert_eq!((key.len(), key[0]), (33, 1));
    assert!(out.stderr.contains("vigil.example.com/prod"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    let again = world.vigil(["log", "key", "generate", "--name", "other"]);
    again.assert_code(2);
    assert!(again.stderr.contains("--force"), "{again}");
    assert_eq!(std::fs::read_to_string(&key_path).unwrap(), private, "the key is kept");

    let forced = world.vigil(["log", "key", "generate", "--name", "other", "--force"]);
    forced.assert_code(0);
    assert!(std::fs::read_to_string(world.state().join("vigil/log.pub")).unwrap().starts_with("other+"));
    assert_ne!(std::fs::read_to_string(&key_path).unwrap(), private);

    let prefixed = world.vigil(["log", "key", "generate", "--name", "n/x", "--output-key-prefix", "keys/witness"]);
    prefixed.assert_code(0);
    let public = std::fs::read_to_string(world.path().join("keys/witness.pub")).unwrap();
    assert_eq!(public.trim(), prefixed.stdout.trim());
    assert!(std::fs::read_to_string(world.path().join("keys/witness.key")).unwrap().starts_with("PRIVATE+KEY+n/x+"));
}

#[test]
fn policy_test_logs_one_entry_per_object_and_appends() {
    let world = World::new();
    write(world.path(), "pods.yaml", pods(3, "web", |i| i == 1));

    // No key: nothing is decided or written, and the message says how to make one.
    let out = world.vigil(["policy", "test", "--policy", "policy.yaml", "pods.yaml", "--log"]);
    out.assert_code(2);
    assert!(out.stderr.contains("vigil log key generate"), "{out}");
    assert!(!world.db().exists());

    world.generate_key("vigil.test/log");
    let out = world.policy_test("pods.yaml");
    out.assert_code(1);
    assert!(out.stderr.contains("logged entries 0..=2"), "{out}");
    let report = out.json();
    let allowed = |name: &str| -> bool {
        report["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("no decision for {name}"))["allowed"]
            .as_bool()
            .unwrap()
    };
    assert!(allowed("web-0") && !allowed("web-1") && allowed("web-2"));

    let entries = world.tail(&[]);
    assert_eq!(entries.len(), 3, "{entries:?}");
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["version"], 1, "{e}");
        assert_eq!(e["kind"], "policy-test", "{e}");
        assert_eq!(e["index"], i, "{e}");
        let name = e["subject"]["name"].as_str().unwrap();
        let want = if allowed(name) { "allow" } else { "deny" };
        assert_eq!(e["decision"]["result"], want, "{e}");
        assert!(e["policy"]["digest"].as_str().unwrap().starts_with("sha256:"), "{e}");
    }
    let names: Vec<&str> = entries.iter().map(|e| e["subject"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["web-0", "web-1", "web-2"]);

    let scans = world.vigil(["log", "tail", "--kind", "scan"]);
    scans.assert_code(0);
    assert_eq!(scans.stdout, "", "{scans}");
    let bad_kind = world.vigil(["log", "tail", "--kind", "nope"]);
    bad_kind.assert_code(2);

    let table = world.vigil(["log", "tail"]);
    table.assert_code(0);
    assert_eq!(table.stdout.lines().filter(|l| l.contains("policy-test")).count(), 3, "{table}");
    assert!(table.stdout.contains("Pod/web-1 ns=team"), "{table}");

    // A second run appends.
    write(world.path(), "more.yaml", pods(2, "api", |_| false));
    let out = world.policy_test("more.yaml");
    out.assert_code(0);
    assert!(out.stderr.contains("logged entries 3..=4"), "{out}");
    let entries = world.tail(&[]);
    let indices: Vec<u64> = entries.iter().map(|e| e["index"].as_u64().unwrap()).collect();
    assert_eq!(indices, [0, 1, 2, 3, 4]);
    assert_eq!(entries[3]["subject"]["name"], "api-0");
    assert_eq!(entries[4]["decision"]["result"], "allow");
    let last = world.tail(&["-n", "2"]);
    assert_eq!(last.iter().map(|e| e["index"].as_u64().unwrap()).collect::<Vec<_>>(), [3, 4]);

    world.vigil(["log", "verify"]).assert_code(0);
}

/// Runs `verify --format json` and asserts it fails naming `index` first.
#[track_caller]
fn assert_tampered_at(world: &World, index: u64) {
    let (out, report) = world.verify_json(&[]);
    out.assert_code(1);
    assert_eq!(report["problems"][0]["index"], index, "{report:#}");
    assert!(out.stderr.contains(&format!("first bad entry {index}")), "{out}");
    let table = world.vigil(["log", "verify"]);
    table.assert_code(1);
    assert!(table.stdout.contains(&format!("BAD entry {index}")), "{table}");
}

#[test]
fn verify_finds_a_modified_entry() {
    let world = log_of(40);
    let (out, report) = world.verify_json(&[]);
    out.assert_code(0);
    assert_eq!(report["size"], 40);
    assert_eq!(report["problems"], Value::Array(vec![]));
    let body: Vec<u8> = world.sql().query_row("SELECT body FROM entries WHERE idx=17", [], |r| r.get(0)).unwrap();
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("\"web-17\""), "{text}");
    let changed = text.replace("\"web-17\"", "\"wEb-17\"");
    world.sql().execute("UPDATE entries SET body=?1 WHERE idx=17", [changed.as_bytes()]).unwrap();
    assert_tampered_at(&world, 17);
}

#[test]
fn verify_finds_a_deleted_entry() {
    let world = log_of(40);
    assert_eq!(world.sql().execute("DELETE FROM entries WHERE idx=9", []).unwrap(), 1);
    assert_tampered_at(&world, 9);
}

#[test]
fn verify_finds_swapped_entries() {
    let world = log_of(40);
    let conn = world.sql();
    let get =
        |i: i64| -> Vec<u8> { conn.query_row("SELECT body FROM entries WHERE idx=?1", [i], |r| r.get(0)).unwrap() };
    let (five, thirty) = (get(5), get(30));
    conn.execute("UPDATE entries SET body=?1 WHERE idx=5", [&thirty]).unwrap();
    conn.execute("UPDATE entries SET body=?1 WHERE idx=30", [&five]).unwrap();
    drop(conn);
    assert_tampered_at(&world, 5);
}

#[test]
fn verify_finds_an_inserted_entry() {
    let world = log_of(40);
    let conn = world.sql();
    let body: Vec<u8> = conn.query_row("SELECT body FROM entries WHERE idx=3", [], |r| r.get(0)).unwrap();
    conn.execute("INSERT INTO entries(idx, body) VALUES(40, ?1)", [&body]).unwrap();
    drop(conn);
    assert_tampered_at(&world, 40);
}

#[test]
fn verify_finds_an_entry_rewritten_with_its_leaf_hash() {
    let world = log_of(40);
    let conn = world.sql();
    let body: Vec<u8> = conn.query_row("SELECT body FROM entries WHERE idx=12", [], |r| r.get(0)).unwrap();
    let changed = String::from_utf8(body).unwrap().replace("\"web-12\"", "\"wEb-12\"").into_bytes();
    let leaf = Sha256::new().chain_update([0u8]).chain_update(&changed).finalize().to_vec();
    conn.execute("UPDATE entries SET body=?1 WHERE idx=12", [&changed]).unwrap();
    assert_eq!(conn.execute("UPDATE nodes SET hash=?1 WHERE level=0 AND idx=12", [&leaf]).unwrap(), 1);
    drop(conn);
    let (out, report) = world.verify_json(&[]);
    out.assert_code(1);
    let first = report["problems"][0]["index"].as_u64();
    assert!(first.is_some_and(|i| i <= 12), "the first problem is at or before entry 12: {report:#}");
}

#[test]
fn an_old_checkpoint_proves_the_log_only_grew() {
    let world = World::new();
    world.generate_key("vigil.test/log");
    write(world.path(), "a.yaml", pods(10, "a", |_| false));
    world.policy_test("a.yaml");
    let old = world.vigil(["log", "checkpoint"]);
    old.assert_code(0);
    assert!(old.stdout.starts_with("vigil.test/log\n10\n"), "{old}");
    write(world.path(), "old.txt", &old.stdout);

    write(world.path(), "b.yaml", pods(7, "b", |i| i == 0));
    world.policy_test("b.yaml");
    let out = world.vigil(["log", "verify", "--checkpoint", "old.txt"]);
    out.assert_code(0);
    assert!(out.stdout.contains("consistent with the old checkpoint of size 10"), "{out}");
    let (out, report) = world.verify_json(&["--checkpoint", "old.txt"]);
    out.assert_code(0);
    assert_eq!((report["old_size"].as_u64(), report["size"].as_u64()), (Some(10), Some(17)));

    // Same key, another history of a larger size.
    std::fs::remove_file(world.db()).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(world.state().join(format!("vigil/log.db{suffix}")));
    }
    write(world.path(), "c.yaml", pods(15, "c", |_| false));
    world.policy_test("c.yaml");
    world.vigil(["log", "verify"]).assert_code(0);
    let (out, report) = world.verify_json(&["--checkpoint", "old.txt"]);
    out.assert_code(1);
    let messages: Vec<&str> =
        report["problems"].as_array().unwrap().iter().map(|p| p["message"].as_str().unwrap()).collect();
    assert!(messages.iter().any(|m| m.contains("rewritten")), "{report:#}");

    // A checkpoint by another key cannot be used at all.
    let other = World::new();
    other.generate_key("vigil.test/log");
    write(other.path(), "a.yaml", pods(3, "a", |_| false));
    other.policy_test("a.yaml");
    let foreign = other.vigil(["log", "checkpoint"]);
    foreign.assert_code(0);
    write(world.path(), "foreign.txt", &foreign.stdout);
    let out = world.vigil(["log", "verify", "--checkpoint", "foreign.txt"]);
    out.assert_code(2);
    assert!(out.stderr.contains("old checkpoint"), "{out}");
}

#[test]
fn inclusion_proofs_verify_offline() {
    let world = log_of(12);
    let out = world.vigil(["log", "prove", "3"]);
    out.assert_code(0);
    write(world.path(), "p.json", &out.stdout);
    let proof = out.json();
    assert_eq!((proof["index"].as_u64(), proof["tree_size"].as_u64()), (Some(3), Some(12)));
    let entry = unb64(proof["entry"].as_str().unwrap());
    let leaf = Sha256::new().chain_update([0u8]).chain_update(&entry).finalize();
    assert_eq!(proof["leaf_hash"].as_str().unwrap(), b64(&leaf));

    let pub_key = world.state().join("vigil/log.pub");
    let ok = world.vigil(["log", "verify-proof", "p.json", "--key", pub_key.to_str().unwrap()]);
    ok.assert_code(0);
    assert!(ok.stdout.contains("entry 3") && ok.stdout.contains("size 12"), "{ok}");

    let other = world.vigil(["log", "key", "generate", "--name", "vigil.test/log", "--output-key-prefix", "other"]);
    other.assert_code(0);
    world.vigil(["log", "verify-proof", "p.json", "--key", "other.pub"]).assert_code(1);

    let check = |name: &str, value: &Value| {
        write(world.path(), name, serde_json::to_vec(value).unwrap());
        let out = world.vigil(["log", "verify-proof", name, "--key", pub_key.to_str().unwrap()]);
        out.assert_code(1);
        assert!(out.stderr.contains("FAILED"), "{out}");
    };
    // One proof hash changed.
    let mut bad = proof.clone();
    let mut hash = unb64(bad["hashes"][1].as_str().unwrap());
    hash[0] ^= 1;
    bad["hashes"][1] = Value::String(b64(&hash));
    check("bad-hash.json", &bad);
    // The entry changed (and its leaf hash with it, so only the path can catch it).
    let mut bad = proof.clone();
    let mut changed = entry.clone();
    let at = changed.iter().position(|b| *b == b'w').unwrap();
    changed[at] = b'W';
    bad["entry"] = Value::String(b64(&changed));
    bad["leaf_hash"] = Value::String(b64(&Sha256::new().chain_update([0u8]).chain_update(&changed).finalize()));
    check("bad-entry.json", &bad);
    // The entry changed, the leaf hash not.
    let mut bad = proof.clone();
    bad["entry"] = Value::String(b64(&changed));
    check("bad-leaf.json", &bad);
    // A different index for the same path.
    let mut bad = proof.clone();
    bad["index"] = Value::from(2);
    check("bad-index.json", &bad);

    let by_hash = world.vigil(["log", "prove", "--entry-hash", proof["leaf_hash"].as_str().unwrap()]);
    by_hash.assert_code(0);
    assert_eq!(by_hash.json()["index"], 3);
    assert_eq!(by_hash.json()["hashes"], proof["hashes"]);
    let hex: String = leaf.iter().map(|b| format!("{b:02x}")).collect();
    let by_hex = world.vigil(["log", "prove", "--entry-hash", &hex]);
    by_hex.assert_code(0);
    assert_eq!(by_hex.json()["index"], 3);

    world.vigil(["log", "prove", "12"]).assert_code(2);
}

// ---- Tiles and checkpoints from the specs alone ----

/// Kills the server when the test ends, passing or not.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(world: &World) -> Server {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("vigil"));
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("VIGIL_")) {
            cmd.env_remove(key);
        }
    }
    cmd.env("XDG_STATE_HOME", world.state())
        .args(["log", "serve", "--log", world.db().to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut server = Server { child, addr: String::new() };
    let mut line = String::new();
    BufReader::new(stderr).read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in the server's first line: {line:?}"));
    assert!(line.starts_with("serving the log"), "{line}");
    server.addr = addr.to_owned();
    server
}

/// `GET path` over a fresh HTTP/1.1 connection: the status and the body.
fn get(addr: &str, path: &str) -> (u16, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").expect("no end of headers");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let body = response[split + 4..].to_vec();
    let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{head}"));
    let lower = head.to_ascii_lowercase();
    assert!(!lower.contains("transfer-encoding: chunked"), "chunked answers are not handled here: {head}");
    if let Some(length) = lower.lines().find_map(|l| l.strip_prefix("content-length:")) {
        assert_eq!(length.trim().parse::<usize>().unwrap(), body.len(), "{head}");
    }
    (status, body)
}

#[track_caller]
fn get_ok(addr: &str, path: &str) -> Vec<u8> {
    let (status, body) = get(addr, path);
    assert_eq!(status, 200, "GET {path}: {}", String::from_utf8_lossy(&body));
    body
}

type H = [u8; 32];

fn sha256(parts: &[&[u8]]) -> H {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// RFC 6962 §2.1 MTH over leaf hashes: split at the largest power of two below n.
fn mth(leaves: &[H]) -> H {
    match leaves.len() {
        0 => sha256(&[]),
        1 => leaves[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            sha256(&[&[1u8], &mth(&leaves[..k]), &mth(&leaves[k..])])
        }
    }
}

/// Splits an entry bundle (uint16 big-endian length + bytes, repeated).
fn bundle_entries(mut bundle: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !bundle.is_empty() {
        assert!(bundle.len() >= 2, "truncated length prefix");
        let len = usize::from(u16::from_be_bytes([bundle[0], bundle[1]]));
        assert!(bundle.len() >= 2 + len, "truncated entry");
        out.push(bundle[2..2 + len].to_vec());
        bundle = &bundle[2 + len..];
    }
    out
}

fn hashes_of(tile: &[u8]) -> Vec<H> {
    assert_eq!(tile.len() % 32, 0, "a hash tile is a multiple of 32 bytes");
    tile.chunks(32).map(|c| <H>::try_from(c).unwrap()).collect()
}

/// Checks the C2SP signed note `note` against the verifier key `vkey` (`name+hash+base64`),
/// returning the signed text.
fn check_signed_note(note: &str, vkey: &str) -> String {
    let mut parts = vkey.splitn(3, '+');
    let (name, id_hex, key) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let key = unb64(key);
    assert_eq!(key[0], 1, "alg 0x01 is Ed25519");
    let public = &key[1..];
    assert_eq!(public.len(), 32);
    let id = sha256(&[name.as_bytes(), b"\n", &[1u8], public]);
    let id_text: String = id[..4].iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(id_text, id_hex, "the verifier key's hash is SHA-256(name || \\n || 0x01 || key)[:4]");

    let split = note.find("\n\n").expect("a note's text ends at a blank line") + 1;
    let (text, signatures) = (&note[..split], &note[split + 1..]);
    assert!(signatures.ends_with('\n'));
    let mut verified = 0;
    for line in signatures.lines() {
        let rest = line.strip_prefix("\u{2014} ").unwrap_or_else(|| panic!("not a signature line: {line:?}"));
        let (signer, sig) = rest.rsplit_once(' ').unwrap();
        if signer != name {
            continue;
        }
        let sig = unb64(sig);
        assert_eq!(sig.len(), 68, "4-byte key hash + 64-byte Ed25519 signature");
        if sig[..4] != id[..4] {
            continue;
        }
        aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, public)
            .verify(text.as_bytes(), &sig[4..])
            .unwrap_or_else(|_| panic!("the checkpoint's signature does not verify:\n{note}"));
        // And not over anything else.
        let mut forged = text.as_bytes().to_vec();
        forged[0] ^= 1;
        assert!(
            aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, public)
                .verify(&forged, &sig[4..])
                .is_err()
        );
        verified += 1;
    }
    assert_eq!(verified, 1, "exactly one signature by {name}:\n{note}");
    text.to_owned()
}

#[test]
fn served_tiles_and_checkpoint_check_out_from_the_specs() {
    const N: usize = 300;
    let world = log_of(N);
    let vkey = std::fs::read_to_string(world.state().join("vigil/log.pub")).unwrap().trim().to_owned();
    let server = serve(&world);
    let addr = server.addr.as_str();

    let note = String::from_utf8(get_ok(addr, "/checkpoint")).unwrap();
    let text = check_signed_note(&note, &vkey);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 3, "{text}");
    assert_eq!(lines[0], "vigil.test/log");
    let size: usize = lines[1].parse().unwrap();
    assert_eq!(size, N);
    let root: H = unb64(lines[2]).try_into().unwrap();

    let partial = N - 256;
    let level0: Vec<H> = [get_ok(addr, "/tile/0/000"), get_ok(addr, &format!("/tile/0/001.p/{partial}"))]
        .iter()
        .flat_map(|t| hashes_of(t))
        .collect();
    let entries: Vec<Vec<u8>> =
        [get_ok(addr, "/tile/entries/000"), get_ok(addr, &format!("/tile/entries/001.p/{partial}"))]
            .iter()
            .flat_map(|b| bundle_entries(b))
            .collect();
    assert_eq!((level0.len(), entries.len()), (N, N));
    let leaves: Vec<H> = entries.iter().map(|e| sha256(&[&[0u8], e])).collect();
    assert_eq!(leaves, level0, "the level-0 tiles are the entries' leaf hashes");
    for (i, e) in entries.iter().enumerate() {
        let value: Value = serde_json::from_slice(e).unwrap();
        assert_eq!(value["index"], i);
        assert_eq!(value["subject"]["name"], format!("web-{i}"));
    }
    assert_eq!(mth(&leaves), root, "the checkpoint's root is the RFC 6962 hash of the entries");

    // Level 1 = tree level 8: one node, the root of the first 256 leaves.
    let level1 = hashes_of(&get_ok(addr, "/tile/1/000.p/1"));
    assert_eq!(level1, vec![mth(&leaves[..256])]);

    // Beyond the tree: 404; not a canonical tile path: 400.
    for path in ["/tile/0/001", &format!("/tile/0/001.p/{}", partial + 1), "/tile/entries/002.p/1", "/tile/1/000"] {
        assert_eq!(get(addr, path).0, 404, "{path}");
    }
    for path in ["/tile/0/1", "/tile/0/000.p/0", "/tile/0/000.p/256", "/tile/x/000", "/tile/0/x000/000"] {
        assert_eq!(get(addr, path).0, 400, "{path}");
    }
    drop(server);
}
