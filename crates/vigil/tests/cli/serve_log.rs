//! `vigil serve --log` end to end: a real webhook over HTTPS records every judged review (and
//! every policy load) in the decision log, read back with `vigil log tail` and checked with
//! `vigil log verify`; `/metrics` and `/readyz` report the log's health; an unavailable log
//! turns allows into denials (failure mode closed) or warnings (open) within the review's
//! deadline; `--serve-log` serves the checkpoint and tiles; three replicas share one PostgreSQL
//! log. The policy has no signature rules, so no registry is needed.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Outcome, Vigil, temp_dir};
use crate::served::{Served, metric};

const POLICY: &str = r#"apiVersion: vigil.dev/v1alpha1
kind: Policy
metadata: {name: production}
spec:
  mode: enforce
  namespaces: {include: ["*"], exclude: [kube-system]}
  registries: {allow: ["registry.example.com/**"]}
  podSecurity: {level: restricted, version: latest}
"#;

/// A temporary directory with serving certificates, a log key pair (`k.key`, `k.pub`), the
/// policy (`policy.yaml`) and a state directory (`XDG_STATE_HOME`).
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Option<Setup> {
        vigil_testkit::require_tool("curl")?;
        let dir = temp_dir();
        let setup = Setup { dir };
        std::fs::create_dir_all(setup.state()).unwrap();
        setup
            .vigil()
            .args(["webhook", "certs", "--out", "certs", "--extra-name", "127.0.0.1", "--extra-name", "localhost"])
            .run()
            .assert_code(0);
        let prefix = setup.path().join("k");
        setup
            .vigil()
            .args(["log", "key", "generate", "--name", "test/log", "--output-key-prefix"])
            .arg_path(&prefix)
            .run()
            .assert_code(0);
        assert!(setup.path().join("k.key").is_file() && setup.path().join("k.pub").is_file());
        std::fs::write(setup.path().join("policy.yaml"), POLICY).unwrap();
        Some(setup)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn state(&self) -> PathBuf {
        self.path().join("state")
    }

    fn vigil(&self) -> VigilIn {
        VigilIn(Vigil::in_dir(self.path()).env("XDG_STATE_HOME", self.state().to_str().unwrap()))
    }

    /// `vigil log tail --log LOG --format json`, one parsed entry per line.
    fn tail(&self, log: &str) -> Vec<Value> {
        let out = self.vigil().args(["log", "tail", "--log", log, "--format", "json"]).run();
        out.assert_code(0);
        out.stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
    }

    /// The raw stdout lines of `vigil log tail --format json` (the stored bytes).
    fn tail_lines(&self, log: &str) -> Vec<String> {
        let out = self.vigil().args(["log", "tail", "--log", log, "--format", "json"]).run();
        out.assert_code(0);
        out.stdout.lines().map(str::to_owned).collect()
    }

    fn verify(&self, log: &str, extra: &[&str]) -> Outcome {
        self.vigil().args(["log", "verify", "--log", log, "--key", "k.pub"]).args(extra.iter().copied()).run()
    }

    /// `vigil policy test` on one object: its decision (for the denial messages).
    fn policy_test(&self, name: &str, object: &Value) -> Value {
        let file = self.path().join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_vec(object).unwrap()).unwrap();
        let out =
            self.vigil().args(["policy", "test", "--policy", "policy.yaml", "--format", "json"]).arg_path(&file).run();
        out.json()["decisions"][0].clone()
    }
}

/// [`Vigil`] with a path argument.
struct VigilIn(Vigil);

impl VigilIn {
    fn args<I, S>(self, args: I) -> VigilIn
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        VigilIn(self.0.args(args))
    }

    fn arg_path(self, path: &Path) -> VigilIn {
        VigilIn(self.0.args([path]))
    }

    fn run(self) -> Outcome {
        self.0.run()
    }
}

/// A Deployment that passes PodSecurity `restricted` with an allowed image.
fn allowed(name: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "apps"},
        "spec": {"selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}},
        "spec": {"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "app", "image": "registry.example.com/team/app:1.0",
        "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}}}})
}

/// A Deployment denied twice over: a privileged container and an image from elsewhere.
fn denied(name: &str) -> Value {
    let mut d = allowed(name);
    let container = &mut d["spec"]["template"]["spec"]["containers"][0];
    container["image"] = json!("docker.io/library/nginx:1.27");
    container["securityContext"]["privileged"] = json!(true);
    d
}

fn review(uid: &str, object: &Value, dry_run: bool) -> Value {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": uid, "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
        "namespace": object["metadata"]["namespace"], "name": object["metadata"]["name"],
        "operation": "CREATE", "userInfo": {"username": "alice", "groups": ["dev"]}, "object": object,
        "dryRun": dry_run}})
}

/// A running `vigil serve` with the setup's policy and log key; killed when dropped.
type Server = Served;

fn start_server(setup: &Setup, extra: &[&str]) -> Server {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("vigil"));
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("VIGIL_") || k == "RUST_LOG") {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(setup.path())
        .env("XDG_STATE_HOME", setup.state())
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert", "certs/tls.crt", "--tls-key", "certs/tls.key"])
        .args(["--policy", "policy.yaml", "--reload-interval", "0.2", "--log-key", "k.key"])
        .args(extra);
    Served::spawn(cmd, setup.path().join("certs/ca.crt"), Duration::from_secs(30))
}

fn admissions(entries: &[Value]) -> Vec<&Value> {
    entries.iter().filter(|e| e["kind"] == "admission").collect()
}

fn entry_of<'a>(entries: &'a [Value], uid: &str) -> &'a Value {
    let found: Vec<&Value> = entries.iter().filter(|e| e["subject"]["uid"] == uid).collect();
    assert_eq!(found.len(), 1, "entries for uid {uid}: {found:?}");
    found[0]
}

#[test]
fn every_judged_review_and_policy_load_is_logged() {
    let Some(setup) = Setup::new() else { return };
    let server = start_server(&setup, &["--log=log.db"]);
    let cases = [
        ("allow-1", "/validate", allowed("web"), false, "allow"),
        ("deny-1", "/validate", denied("bad"), false, "deny"),
        ("dry-1", "/validate", denied("dry"), true, "deny"),
        ("mutate-1", "/mutate", allowed("web"), false, "mutate"),
    ];
    for (uid, path, object, dry, _) in &cases {
        let response = server.review(path, &review(uid, object, *dry));
        let expected = *path == "/mutate" || object["metadata"]["name"] == "web";
        assert_eq!(response["allowed"], expected, "{uid}: {response}");
    }
    // A DELETE is not judged, so not logged.
    let mut delete = review("delete-1", &allowed("web"), false);
    delete["request"]["operation"] = json!("DELETE");
    assert_eq!(server.review("/validate", &delete)["allowed"], true);

    let entries = setup.tail("log.db");
    assert_eq!(entries.len(), 1 + cases.len(), "{entries:#?}");
    for (i, entry) in entries.iter().enumerate() {
        assert_eq!(entry["index"], i as u64, "{entry}");
    }
    let reload = &entries[0];
    assert_eq!(reload["kind"], "reload", "{reload}");
    assert_eq!(reload["decision"]["result"], "loaded", "{reload}");
    let digest = reload["policy"]["digest"].as_str().unwrap().to_string();
    assert!(digest.starts_with("sha256:") && digest.len() == 71, "{reload}");
    assert_eq!(reload["policy"]["names"], json!(["production"]));

    assert_eq!(admissions(&entries).len(), cases.len());
    for (uid, path, object, dry, result) in &cases {
        let entry = entry_of(&entries, uid);
        assert_eq!(entry["kind"], "admission", "{entry}");
        assert_eq!(entry["decision"]["result"], *result, "{entry}");
        assert_eq!(entry["decision"]["dry_run"], *dry, "{entry}");
        assert_eq!(entry["decision"]["endpoint"], path.trim_start_matches('/'), "{entry}");
        assert_eq!(entry["decision"]["failure_mode"], "closed", "{entry}");
        assert_eq!(entry["actor"]["username"], "alice", "{entry}");
        assert_eq!(entry["actor"]["groups"], json!(["dev"]), "{entry}");
        assert_eq!(entry["policy"]["digest"], digest.as_str(), "{entry}");
        assert_eq!(entry["subject"]["kind"], "Deployment", "{entry}");
        assert_eq!(entry["subject"]["namespace"], "apps", "{entry}");
        assert_eq!(entry["subject"]["name"], object["metadata"]["name"], "{entry}");
        assert_eq!(entry["subject"]["operation"], "CREATE", "{entry}");
        assert_eq!(entry["subject"]["apiVersion"], "apps/v1", "{entry}");
        let image = object["spec"]["template"]["spec"]["containers"][0]["image"].clone();
        assert_eq!(entry["subject"]["images"], json!([{"container": "app", "image": image}]), "{entry}");
        // Every denial `vigil policy test` gives is among the entry's reasons.
        let decision = setup.policy_test(uid, object);
        let reasons: Vec<&str> =
            entry["decision"]["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
        let denials = decision["denials"].as_array().unwrap();
        if *result == "deny" {
            assert_eq!(denials.len(), 2, "{decision}");
        }
        for denial in denials {
            let message = denial["message"].as_str().unwrap();
            assert!(reasons.iter().any(|r| r.starts_with("deny: ") && r.contains(message)), "{message}: {entry}");
        }
        if *result == "allow" {
            assert!(reasons.is_empty(), "{entry}");
        }
    }
    setup.verify("log.db", &[]).assert_code(0);

    // Metrics and readiness.
    assert_eq!(server.get("/readyz").0, 200);
    let (code, metrics) = server.get("/metrics");
    assert_eq!(code, 200);
    assert_eq!(metric(&metrics, "vigil_log_appended_total"), 5, "{metrics}");
    assert_eq!(metric(&metrics, "vigil_log_failed_total"), 0, "{metrics}");
    assert_eq!(metric(&metrics, "vigil_log_healthy"), 1, "{metrics}");
    assert_eq!(metric(&metrics, "vigil_log_tree_size"), 5, "{metrics}");

    // A changed policy file: the reload loop logs another `reload` with another digest.
    std::fs::write(setup.path().join("policy.yaml"), POLICY.replace("mode: enforce", "mode: warn")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let reloads = loop {
        let reloads: Vec<Value> = setup.tail("log.db").into_iter().filter(|e| e["kind"] == "reload").collect();
        if reloads.len() >= 2 {
            break reloads;
        }
        assert!(Instant::now() < deadline, "no second reload entry: {reloads:?}\n{}", server.stderr());
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(reloads.len(), 2, "{reloads:?}");
    assert_eq!(reloads[1]["decision"]["result"], "loaded");
    let new_digest = reloads[1]["policy"]["digest"].as_str().unwrap();
    assert!(new_digest.starts_with("sha256:") && new_digest != digest, "{new_digest} vs {digest}");
    // Decisions after the reload name the new digest.
    let response = server.review("/validate", &review("after-reload", &denied("bad"), false));
    assert_eq!(response["allowed"], true, "warn mode: {response}");
    let entries = setup.tail("log.db");
    assert_eq!(entry_of(&entries, "after-reload")["policy"]["digest"], new_digest);
    setup.verify("log.db", &[]).assert_code(0);
}

#[test]
fn serve_log_serves_the_checkpoint_and_entry_tiles() {
    let Some(setup) = Setup::new() else { return };
    let server = start_server(&setup, &["--log=log.db", "--serve-log"]);
    for i in 0..5 {
        let object = if i % 2 == 0 { allowed("web") } else { denied("bad") };
        server.review("/validate", &review(&format!("t-{i}"), &object, false));
    }
    let lines = setup.tail_lines("log.db");
    assert_eq!(lines.len(), 6);
    let (code, checkpoint) = server.get("/checkpoint");
    assert_eq!(code, 200, "{checkpoint}");
    let mut parts = checkpoint.lines();
    assert_eq!(parts.next(), Some("test/log"), "{checkpoint}");
    assert_eq!(parts.next(), Some("6"), "{checkpoint}");
    assert!(checkpoint.contains("\n\n\u{2014} test/log "), "a signature line: {checkpoint}");
    // The served checkpoint verifies against the log.
    std::fs::write(setup.path().join("served.txt"), &checkpoint).unwrap();
    setup.verify("log.db", &["--checkpoint", "served.txt"]).assert_code(0);
    // The same under /log/.
    assert_eq!(server.get("/log/checkpoint"), (200, checkpoint.clone()));

    let (code, tile) = server.call_bytes("GET", "/tile/entries/000.p/6", None);
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&tile));
    let mut served = Vec::new();
    let mut rest = &tile[..];
    while !rest.is_empty() {
        assert!(rest.len() >= 2, "truncated length prefix");
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        assert!(rest.len() >= 2 + len, "truncated entry");
        served.push(String::from_utf8(rest[2..2 + len].to_vec()).unwrap());
        rest = &rest[2 + len..];
    }
    assert_eq!(served, lines);
    // A partial tile wider than the log does not exist.
    assert_eq!(server.call("GET", "/tile/entries/000.p/7", None).0, 404);
}

/// A database of its own on the test server (`psql` creates and drops it).
struct TestDb {
    psql: PathBuf,
    server: String,
    name: String,
    url: String,
}

impl TestDb {
    fn new(tag: &str) -> Option<TestDb> {
        let server = vigil_testkit::postgres()?;
        let psql = vigil_testkit::require_tool("psql")?;
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!("vigil_cli_{tag}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let db = TestDb { psql, url: vigil_testkit::postgres_database_url(&server, &name), server, name };
        db.admin(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name));
        // CREATE DATABASE refuses while another CREATE copies template1: retry.
        let mut attempt = 0;
        while !db.sql_on(&db.server.clone(), &format!("CREATE DATABASE {}", db.name)).status.success() {
            attempt += 1;
            assert!(attempt < 20, "CREATE DATABASE {} keeps failing", db.name);
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(db)
    }

    fn sql_on(&self, url: &str, sql: &str) -> std::process::Output {
        Command::new(&self.psql).args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]).output().unwrap()
    }

    /// Runs `sql` on the server's admin database; fails the test when it fails.
    fn admin(&self, sql: &str) -> String {
        let out = self.sql_on(&self.server, sql);
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = self.sql_on(&self.server, &format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", self.name));
        let _ = self.sql_on(&self.server, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
    }
}

/// Waits until `/readyz` answers `code`; returns its body.
fn wait_ready(server: &Server, code: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (got, body) = server.get("/readyz");
        if got == code {
            return body;
        }
        assert!(Instant::now() < deadline, "/readyz stayed {got} ({body}), expected {code}\n{}", server.stderr());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sends a review and checks the answer came within the review deadline (a hang guard).
fn timed_review(server: &Server, uid: &str, object: &Value, timeout: Duration) -> Value {
    let started = Instant::now();
    let response = server.review("/validate", &review(uid, object, false));
    let took = started.elapsed();
    assert!(took < timeout + Duration::from_secs(2), "answered after {took:?} (deadline {timeout:?})");
    response
}

/// The database refuses every connection (the servers' are cut): a failed commit marks the log
/// unhealthy; closed denies, open warns; the server probes and is ready again once the database
/// is back.
#[test]
fn an_unreachable_log_fails_closed_or_open_and_recovers() {
    let Some(db) = TestDb::new("down") else { return };
    let Some(setup) = Setup::new() else { return };
    let log = format!("--log={}", db.url);
    let closed = start_server(&setup, &[&log, "--failure-mode", "closed", "--timeout", "2"]);
    let open = start_server(&setup, &[&log, "--failure-mode", "open", "--timeout", "2"]);
    let timeout = Duration::from_secs(2);
    assert_eq!(timed_review(&closed, "c-ok", &allowed("web"), timeout)["allowed"], true);
    assert_eq!(timed_review(&open, "o-ok", &allowed("web"), timeout)["allowed"], true);
    wait_ready(&closed, 200);

    db.admin(&format!("ALTER DATABASE {} ALLOW_CONNECTIONS false", db.name));
    db.admin(&format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'", db.name));

    let denied_answer = timed_review(&closed, "c-down", &allowed("web"), timeout);
    assert_eq!(denied_answer["allowed"], false, "{denied_answer}");
    let message = denied_answer["status"]["message"].as_str().unwrap();
    assert!(message.contains("decision log"), "{message}");
    let allowed_answer = timed_review(&open, "o-down", &allowed("web"), timeout);
    assert_eq!(allowed_answer["allowed"], true, "{allowed_answer}");
    let warnings = allowed_answer["warnings"].to_string();
    assert!(warnings.contains("decision log") && warnings.contains("failure mode open"), "{allowed_answer}");
    // A denial needs no log to be safe: it is still a denial.
    assert_eq!(timed_review(&closed, "c-deny", &denied("bad"), timeout)["allowed"], false);

    for server in [&closed, &open] {
        let body = wait_ready(server, 503);
        assert!(body.contains("decision log"), "{body}");
        let (_, metrics) = server.get("/metrics");
        assert!(metric(&metrics, "vigil_log_failed_total") > 0, "{metrics}");
        assert_eq!(metric(&metrics, "vigil_log_healthy"), 0, "{metrics}");
    }

    db.admin(&format!("ALTER DATABASE {} ALLOW_CONNECTIONS true", db.name));
    wait_ready(&closed, 200);
    wait_ready(&open, 200);
    assert_eq!(timed_review(&closed, "c-back", &allowed("web"), timeout)["allowed"], true);
    let (_, metrics) = closed.get("/metrics");
    assert_eq!(metric(&metrics, "vigil_log_healthy"), 1, "{metrics}");

    let entries = setup.tail(&db.url);
    let uids: Vec<&str> = admissions(&entries).iter().map(|e| e["subject"]["uid"].as_str().unwrap()).collect();
    assert_eq!(uids, ["c-ok", "o-ok", "c-back"], "only the recorded decisions are in the log");
    setup.verify(&db.url, &[]).assert_code(0);
}

/// The log's table is locked by another session: commits block past the review deadline. The
/// reviews are still answered in time (closed: denied, naming the log), the server reports the
/// log unhealthy; once the lock is released it is ready again, an entry whose review was answered
/// without it is not committed (only an entry whose transaction had already begun may be), and
/// an alert records what was answered instead.
#[test]
fn a_blocked_log_is_answered_within_the_deadline() {
    let Some(db) = TestDb::new("locked") else { return };
    let Some(setup) = Setup::new() else { return };
    let log = format!("--log={}", db.url);
    let closed = start_server(&setup, &[&log, "--failure-mode", "closed", "--timeout", "2"]);
    let timeout = Duration::from_secs(2);
    assert_eq!(timed_review(&closed, "ok", &allowed("web"), timeout)["allowed"], true);

    // A session of the test holds an exclusive lock on the entries table until its stdin closes.
    let mut locker = Command::new(&db.psql)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &db.url])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = locker.stdin.take().unwrap();
    stdin.write_all(b"BEGIN;\nLOCK TABLE vigil_log_entries IN ACCESS EXCLUSIVE MODE;\n\\echo locked\n").unwrap();
    stdin.flush().unwrap();
    let mut first = String::new();
    BufReader::new(locker.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert_eq!(first.trim(), "locked");

    // The first entry's transaction begins and waits for the lock; the second queues behind it.
    for uid in ["blocked-1", "blocked-2"] {
        let answer = timed_review(&closed, uid, &allowed("web"), timeout);
        assert_eq!(answer["allowed"], false, "{answer}");
        assert!(answer["status"]["message"].as_str().unwrap().contains("decision log"), "{answer}");
    }
    let (ready, body) = closed.get("/readyz");
    let (_, metrics) = closed.get("/metrics");

    drop(stdin);
    let _ = locker.wait();
    assert_eq!(ready, 503, "a log that cannot commit within the deadline is not ready: {body}");
    assert!(body.contains("decision log"), "{body}");
    assert_eq!(metric(&metrics, "vigil_log_healthy"), 0, "{metrics}");
    wait_ready(&closed, 200);

    let deadline = Instant::now() + Duration::from_secs(15);
    let entries = loop {
        let entries = setup.tail(&db.url);
        if entries.iter().filter(|e| e["kind"] == "alert").count() >= 2 {
            break entries;
        }
        assert!(Instant::now() < deadline, "no alert entries: {entries:#?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    // Committed in the batch that dropped the abandoned entry.
    let (_, metrics) = closed.get("/metrics");
    assert!(metric(&metrics, "vigil_log_failed_total") > 0, "the abandoned entry counts as failed: {metrics}");
    assert_eq!(metric(&metrics, "vigil_log_healthy"), 1, "{metrics}");
    let admitted: Vec<&str> = admissions(&entries).iter().map(|e| e["subject"]["uid"].as_str().unwrap()).collect();
    assert!(!admitted.contains(&"blocked-2"), "an abandoned entry was committed: {entries:#?}");
    for uid in ["blocked-1", "blocked-2"] {
        let alert = entries.iter().find(|e| e["kind"] == "alert" && e["subject"]["uid"] == uid);
        let alert = alert.unwrap_or_else(|| panic!("no alert for {uid}: {entries:#?}"));
        assert_eq!(alert["decision"]["result"], "unrecorded-decision", "{alert}");
        assert_eq!(alert["decision"]["answered"], "deny", "{alert}");
        assert_eq!(alert["actor"]["username"], "alice", "{alert}");
    }
    setup.verify(&db.url, &[]).assert_code(0);
}

/// Three replicas on one PostgreSQL log, reviewed concurrently: one gapless tree with every
/// review exactly once, and every replica's checkpoint consistent with the final log.
#[test]
fn three_replicas_share_one_postgres_log() {
    let Some(db) = TestDb::new("replicas") else { return };
    let Some(setup) = Setup::new() else { return };
    let log = format!("--log={}", db.url);
    let replicas: Vec<Server> = (0..3).map(|_| start_server(&setup, &[&log, "--serve-log"])).collect();
    const THREADS: usize = 3;
    const PER_THREAD: usize = 100;
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let replicas = &replicas;
            scope.spawn(move || {
                for i in 0..PER_THREAD {
                    let server = &replicas[(t + i) % replicas.len()];
                    let object = if i % 4 == 0 { denied("bad") } else { allowed("web") };
                    let response = server.review("/validate", &review(&format!("r-{t}-{i}"), &object, false));
                    assert_eq!(response["allowed"], i % 4 != 0, "{response}");
                }
            });
        }
    });
    let checkpoints: Vec<String> = replicas
        .iter()
        .map(|r| {
            let (code, body) = r.get("/checkpoint");
            assert_eq!(code, 200, "{body}");
            body
        })
        .collect();

    setup.verify(&db.url, &[]).assert_code(0);
    let entries = setup.tail(&db.url);
    let total = THREADS * PER_THREAD;
    assert_eq!(entries.len(), total + 3);
    let indices: Vec<u64> = entries.iter().map(|e| e["index"].as_u64().unwrap()).collect();
    assert_eq!(indices, (0..(total as u64 + 3)).collect::<Vec<_>>());
    assert_eq!(entries.iter().filter(|e| e["kind"] == "reload").count(), 3);
    let mut uids: Vec<String> =
        admissions(&entries).iter().map(|e| e["subject"]["uid"].as_str().unwrap().to_owned()).collect();
    assert_eq!(uids.len(), total);
    uids.sort();
    let mut expected: Vec<String> =
        (0..THREADS).flat_map(|t| (0..PER_THREAD).map(move |i| format!("r-{t}-{i}"))).collect();
    expected.sort();
    assert_eq!(uids, expected, "every review exactly once");
    for (i, checkpoint) in checkpoints.iter().enumerate() {
        let size: u64 = checkpoint.lines().nth(1).unwrap().parse().unwrap();
        assert!(size > 0 && size <= total as u64 + 3, "{checkpoint}");
        let file = format!("replica-{i}.txt");
        std::fs::write(setup.path().join(&file), checkpoint).unwrap();
        setup.verify(&db.url, &["--checkpoint", &file]).assert_code(0);
    }
}
