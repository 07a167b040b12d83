#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `update` against a real HTTP/1.1 server on 127.0.0.1 serving `/<ecosystem>/all.zip` built
//! from three rustsec OSV records: conditional requests, retries, client errors, broken
//! downloads (the database must be left as it was) and the atomic replacement.

use std::cell::RefCell;
use std::io::{Cursor, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vigil_vuln::db::Database;
use vigil_vuln::import::import_paths;
use vigil_vuln::update::{UpdateError, UpdateOptions, UpdateOutcome, UpdateReport, update};

const RECORDS: [(&str, &[u8]); 3] = [
    ("RUSTSEC-2016-0001.json", include_bytes!("fixtures/update/RUSTSEC-2016-0001.json")),
    ("RUSTSEC-2016-0002.json", include_bytes!("fixtures/update/RUSTSEC-2016-0002.json")),
    ("RUSTSEC-2016-0003.json", include_bytes!("fixtures/update/RUSTSEC-2016-0003.json")),
];

/// An OSV `all.zip` with the first `n` records.
fn all_zip(n: usize, method: zip::CompressionMethod) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, bytes) in &RECORDS[..n] {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    /// Header names lowercased.
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

enum Reply {
    Zip {
        etag: &'static str,
        body: Vec<u8>,
    },
    NotModified,
    Status(u16),
    /// Announces `body.len()` bytes but sends only half, then closes.
    Cut(Vec<u8>),
}

struct Server {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Serves at most `max` requests (one per connection), then stops; it also stops on its own
    /// after 60 s so a failing test cannot leave it waiting.
    fn start(max: usize, respond: impl Fn(usize, &Seen) -> Reply + Send + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut served = 0;
            while served < max && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        if let Some(request) = read_request(&stream) {
                            log.lock().unwrap().push(request.clone());
                            write_reply(stream, respond(served, &request));
                        }
                        served += 1;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => return,
                }
            }
        });
        Server { base, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn read_request(mut stream: &TcpStream) -> Option<Seen> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut lines = text.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_string();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Seen { path, headers })
}

fn write_reply(mut stream: TcpStream, reply: Reply) {
    let (status, extra, body, sent) = match reply {
        Reply::Zip { etag, body } => {
            let len = body.len();
            (200, format!("ETag: {etag}\r\nLast-Modified: Mon, 01 Jun 2026 10:00:00 GMT\r\n"), body, len)
        }
        Reply::NotModified => (304, String::new(), Vec::new(), 0),
        Reply::Status(code) => (code, String::new(), b"error".to_vec(), 5),
        Reply::Cut(body) => {
            let half = body.len() / 2;
            (200, "ETag: \"cut\"\r\n".to_string(), body, half)
        }
    };
    let reason = match status {
        200 => "OK",
        304 => "Not Modified",
        404 => "Not Found",
        _ => "Error",
    };
    let content_length = if status == 304 { String::new() } else { format!("Content-Length: {}\r\n", body.len()) };
    let head = format!("HTTP/1.1 {status} {reason}\r\n{content_length}{extra}Connection: close\r\n\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body[..sent]);
    let _ = stream.flush();
}

fn options(server: &Server, ecosystems: &[&str]) -> UpdateOptions {
    UpdateOptions {
        mirror: server.base.clone(),
        ecosystems: ecosystems.iter().map(|e| e.to_string()).collect(),
        ..UpdateOptions::default()
    }
}

/// Runs `update`, returning the report and the progress messages.
fn run(db: &Path, options: &UpdateOptions) -> (Result<UpdateReport, UpdateError>, Vec<String>) {
    let messages = RefCell::new(Vec::new());
    let result = update(db, options, &|m| messages.borrow_mut().push(m.to_string()));
    (result, messages.into_inner())
}

fn advisories(db: &Path) -> u64 {
    Database::open(db).unwrap().status().unwrap().advisories
}

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("cache").join("vuln.db")
}

/// Leftovers of an update next to the database.
fn leftovers(db: &Path) -> Vec<String> {
    std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".vigil-update-"))
        .collect()
}

fn populated(dir: &tempfile::TempDir) -> PathBuf {
    let db = db_path(dir);
    let mut database = Database::create(&db).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/update");
    let stats = import_paths(&mut database, &[fixtures], &|_| {}).unwrap();
    assert_eq!(stats.inserted, 3);
    db
}

#[test]
fn first_update_imports_and_second_is_a_conditional_no_op() {
    let zip = all_zip(3, zip::CompressionMethod::Deflated);
    let zip_len = zip.len() as u64;
    let server = Server::start(2, move |_, req| {
        if req.header("if-none-match") == Some("\"v1\"") {
            Reply::NotModified
        } else {
            Reply::Zip { etag: "\"v1\"", body: zip.clone() }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    assert!(!db.exists());

    let (report, messages) = run(&db, &options(&server, &["crates.io"]));
    let report = report.unwrap();
    assert!(report.replaced);
    assert_eq!(report.ecosystems.len(), 1);
    assert_eq!(report.ecosystems[0].url, format!("{}/crates.io/all.zip", server.base));
    match &report.ecosystems[0].outcome {
        UpdateOutcome::Updated { bytes, stats } => {
            assert_eq!(*bytes, zip_len);
            assert_eq!((stats.inserted, stats.updated, stats.errors.len()), (3, 0, 0));
        }
        other => panic!("expected an update, got {other:?}"),
    }
    assert!(messages.iter().any(|m| m.contains("downloading")), "{messages:?}");
    assert_eq!(advisories(&db), 3);
    assert!(leftovers(&db).is_empty(), "{:?}", leftovers(&db));
    let before = std::fs::read(&db).unwrap();

    // No ecosystems named: the database's own (crates.io) are updated, conditionally.
    let (report, _) = run(&db, &options(&server, &[]));
    let report = report.unwrap();
    assert!(!report.replaced);
    assert_eq!(report.ecosystems[0].ecosystem, "crates.io");
    assert!(matches!(report.ecosystems[0].outcome, UpdateOutcome::NotModified), "{report:?}");
    assert_eq!(std::fs::read(&db).unwrap(), before, "a 304 must not rewrite the database");

    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.path == "/crates.io/all.zip"), "{seen:?}");
    assert_eq!(seen[0].header("if-none-match"), None);
    assert_eq!(seen[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(seen[1].header("if-modified-since"), Some("Mon, 01 Jun 2026 10:00:00 GMT"));
    assert!(seen[0].header("user-agent").is_some_and(|ua| ua.starts_with("vigil/")));
}

#[test]
fn server_errors_are_retried() {
    let zip = all_zip(2, zip::CompressionMethod::Deflated);
    let server =
        Server::start(
            2,
            move |n, _| {
                if n == 0 { Reply::Status(500) } else { Reply::Zip { etag: "\"v1\"", body: zip.clone() } }
            },
        );
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let (report, messages) = run(&db, &options(&server, &["crates.io"]));
    let report = report.unwrap();
    assert!(matches!(&report.ecosystems[0].outcome, UpdateOutcome::Updated { stats, .. } if stats.inserted == 2));
    assert_eq!(server.seen().len(), 2);
    assert!(messages.iter().any(|m| m.contains("HTTP 500, retrying in 0.5 s")), "{messages:?}");
    assert_eq!(advisories(&db), 2);
}

#[test]
fn persistent_server_errors_fail_after_the_retries() {
    let server = Server::start(4, |_, _| Reply::Status(503));
    let dir = tempfile::tempdir().unwrap();
    let db = populated(&dir);
    let opts = UpdateOptions { retry_delay: Duration::from_millis(10), ..options(&server, &["crates.io"]) };
    let report = run(&db, &opts).0.unwrap();
    let (_, error) = report.failures().next().expect("a failure");
    assert!(matches!(error, UpdateError::Status { status: 503, attempts: 4, .. }), "{error:?}");
    assert!(error.to_string().contains("after 4 attempt(s)"), "{error}");
    assert_eq!(server.seen().len(), 4);
    assert!(!report.replaced);
    assert_eq!(advisories(&db), 3);
}

#[test]
fn client_errors_name_the_url_and_are_not_retried() {
    let server = Server::start(3, |_, _| Reply::Status(404));
    let dir = tempfile::tempdir().unwrap();
    let db = populated(&dir);
    let report = run(&db, &options(&server, &["crates.io"])).0.unwrap();
    assert!(!report.replaced);
    let (ecosystem, error) = report.failures().next().expect("a failure");
    assert_eq!(ecosystem, "crates.io");
    assert!(matches!(error, UpdateError::Status { status: 404, attempts: 1, .. }), "{error:?}");
    let message = error.to_string();
    let url = format!("{}/crates.io/all.zip", server.base);
    assert!(message.starts_with(&format!("{url}: server answered HTTP 404")), "{message}");
    assert!(message.contains("\n\nhint: "), "{message}");
    assert_eq!(server.seen().len(), 1);
    assert_eq!(advisories(&db), 3);
}

#[test]
fn corrupt_downloads_leave_the_database_unchanged() {
    let good = all_zip(2, zip::CompressionMethod::Deflated);
    let full = all_zip(3, zip::CompressionMethod::Stored);
    let truncated = full[..full.len() / 2].to_vec();
    // A stored entry with one byte of its JSON changed: only the CRC can tell.
    let mut flipped = full.clone();
    let at = flipped.windows(9).position(|w| w == b"portaudio").unwrap();
    flipped[at] = b'P';
    let server = Server::start(4, move |n, req| match n {
        0 => Reply::Zip { etag: "\"v1\"", body: good.clone() },
        1 => Reply::Zip { etag: "\"v2\"", body: truncated.clone() },
        2 => Reply::Zip { etag: "\"v2\"", body: flipped.clone() },
        _ if req.header("if-none-match") == Some("\"v1\"") => Reply::NotModified,
        _ => Reply::Status(500),
    });
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let opts = options(&server, &["crates.io"]);
    assert!(run(&db, &opts).0.unwrap().replaced);
    assert_eq!(advisories(&db), 2);
    let status_before = Database::open(&db).unwrap().status().unwrap();

    for what in ["truncated", "corrupt entry"] {
        let report = run(&db, &opts).0.unwrap();
        assert!(!report.replaced, "{what}");
        let (_, error) = report.failures().next().expect("a failure");
        assert!(matches!(error, UpdateError::Archive { .. }), "{what}: {error:?}");
        assert!(error.to_string().contains("/crates.io/all.zip: download is not a readable zip archive"), "{error}");
        let status = Database::open(&db).unwrap().status().unwrap();
        assert_eq!((status.advisories, &status.ecosystems), (status_before.advisories, &status_before.ecosystems));
        assert_eq!(status.updated, status_before.updated, "{what}");
        assert!(leftovers(&db).is_empty(), "{:?}", leftovers(&db));
    }

    // The validators of the last good download are still the ones sent.
    let report = run(&db, &opts).0.unwrap();
    assert!(matches!(report.ecosystems[0].outcome, UpdateOutcome::NotModified), "{report:?}");
    assert_eq!(server.seen()[3].header("if-none-match"), Some("\"v1\""));
}

#[test]
fn a_connection_cut_mid_body_is_retried_then_reported() {
    let zip = all_zip(3, zip::CompressionMethod::Deflated);
    let server = Server::start(4, move |_, _| Reply::Cut(zip.clone()));
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let opts = UpdateOptions { retry_delay: Duration::from_millis(10), ..options(&server, &["crates.io"]) };
    let report = run(&db, &opts).0.unwrap();
    let (_, error) = report.failures().next().expect("a failure");
    assert!(matches!(error, UpdateError::Request { attempts: 4, .. }), "{error:?}");
    assert_eq!(server.seen().len(), 4);
    assert!(!db.exists(), "a failed first update must not create the database");
    assert!(leftovers(&db).is_empty());
}

#[test]
fn downloads_over_the_limit_are_refused() {
    let zip = all_zip(3, zip::CompressionMethod::Deflated);
    let server = Server::start(2, move |_, _| Reply::Zip { etag: "\"v1\"", body: zip.clone() });
    let dir = tempfile::tempdir().unwrap();
    let db = populated(&dir);
    let opts = UpdateOptions { max_download_bytes: 100, ..options(&server, &["crates.io"]) };
    let report = run(&db, &opts).0.unwrap();
    let (_, error) = report.failures().next().expect("a failure");
    assert!(matches!(error, UpdateError::TooLarge { limit: 100, .. }), "{error:?}");
    assert_eq!(server.seen().len(), 1);
    assert_eq!(advisories(&db), 3);
}

#[test]
fn one_failing_ecosystem_does_not_hold_back_the_others() {
    let zip = all_zip(3, zip::CompressionMethod::Deflated);
    let server = Server::start(2, move |_, req| {
        if req.path == "/crates.io/all.zip" {
            Reply::Zip { etag: "\"v1\"", body: zip.clone() }
        } else {
            Reply::Status(404)
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let report = run(&db, &options(&server, &["NoSuchEcosystem", "crates.io"])).0.unwrap();
    assert!(report.replaced);
    let names: Vec<&str> = report.ecosystems.iter().map(|e| e.ecosystem.as_str()).collect();
    assert_eq!(names, ["NoSuchEcosystem", "crates.io"]);
    assert!(matches!(report.ecosystems[0].outcome, UpdateOutcome::Failed { .. }));
    assert!(matches!(report.ecosystems[1].outcome, UpdateOutcome::Updated { .. }));
    assert_eq!(advisories(&db), 3);
}

#[test]
fn fallback_ecosystems_are_percent_encoded() {
    let zip = all_zip(1, zip::CompressionMethod::Deflated);
    let server = Server::start(1, move |_, _| Reply::Zip { etag: "\"v1\"", body: zip.clone() });
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let opts = UpdateOptions { fallback_ecosystems: vec!["Debian:12".into()], ..options(&server, &[]) };
    let report = run(&db, &opts).0.unwrap();
    assert!(report.replaced, "{report:?}");
    assert_eq!(server.seen()[0].path, "/Debian%3A12/all.zip");
    assert_eq!(advisories(&db), 1);
}

#[test]
fn nothing_to_update_is_an_error_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_path(&dir);
    let opts = UpdateOptions { mirror: "http://127.0.0.1:9".into(), ..UpdateOptions::default() };
    let error = run(&db, &opts).0.unwrap_err();
    assert!(matches!(error, UpdateError::NoEcosystems { .. }), "{error:?}");
    assert!(error.to_string().contains("\n\nhint: "), "{error}");
    assert!(!db.exists());
}

#[test]
fn an_unreachable_mirror_is_a_request_error() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let db = populated(&dir);
    let opts = UpdateOptions {
        mirror: format!("http://127.0.0.1:{port}/osv/"),
        ecosystems: vec!["crates.io".into()],
        retries: 1,
        retry_delay: Duration::from_millis(10),
        ..UpdateOptions::default()
    };
    let report = run(&db, &opts).0.unwrap();
    let (_, error) = report.failures().next().expect("a failure");
    assert!(matches!(error, UpdateError::Request { attempts: 2, .. }), "{error:?}");
    assert!(error.to_string().starts_with(&format!("http://127.0.0.1:{port}/osv/crates.io/all.zip: ")), "{error}");
    assert_eq!(advisories(&db), 3);
}
