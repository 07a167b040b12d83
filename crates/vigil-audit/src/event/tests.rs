#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use proptest::prelude::*;

use super::*;

const EVENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","verb":"get","stageTimestamp":"2024-01-01T00:00:00.000000Z"}"#;

fn event_with(id: &str) -> String {
    EVENT.replace(r#""auditID":"a""#, &format!(r#""auditID":"{id}""#))
}

/// What one read gave: events as (line, auditID), bad lines, stats.
#[derive(Debug, Default)]
struct Got {
    events: Vec<(u64, String)>,
    bad: Vec<BadLine>,
    stats: Stats,
}

fn audit_id(event: &Event) -> String {
    event.value.get("auditID").and_then(Json::as_str).unwrap_or("").to_owned()
}

fn read_path(path: &Path, options: &ReadOptions) -> Got {
    let mut got = Got::default();
    let mut events = Vec::new();
    let mut bad = Vec::new();
    got.stats = read(&Input::Path(path.to_owned()), options, &mut |e| events.push((e.line, audit_id(&e))), &mut |b| {
        bad.push(b)
    })
    .unwrap();
    got.events = events;
    got.bad = bad;
    got
}

fn read_bytes(bytes: &[u8], options: &ReadOptions) -> Got {
    let mut events = Vec::new();
    let mut bad = Vec::new();
    let stats = read_from(
        Box::new(bytes),
        Arc::from("test"),
        options,
        &mut |e| events.push((e.line, audit_id(&e))),
        &mut |b| bad.push(b),
    )
    .unwrap();
    Got { events, bad, stats }
}

fn ids(got: &Got) -> Vec<(u64, &str)> {
    got.events.iter().map(|(line, id)| (*line, id.as_str())).collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn event_corpus_falco_trace_files_all_read() {
    let Some(corpus) = vigil_testkit::require_corpus("k8s-audit/falco-tests") else { return };
    let dir = corpus.join("test/trace_files/k8s_audit");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert_eq!(files.len(), 47, "trace files in {}", dir.display());
    let (mut events, mut bad) = (0u64, Vec::new());
    for file in &files {
        let got = read_path(file, &ReadOptions::default());
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if name == "fal_01_003.json" {
            assert_eq!(got.events.len(), 0, "{name}");
            assert_eq!(got.bad.len(), 1, "{name}");
            assert_eq!(got.bad[0].line, 1);
            assert!(got.bad[0].message.contains(NOT_AN_EVENT), "{}", got.bad[0]);
            assert!(got.bad[0].to_string().starts_with(&format!("{}:1: {NOT_AN_EVENT}", file.display())));
        } else {
            assert!(got.bad.is_empty(), "{name}: {:?}", got.bad);
            assert!(!got.events.is_empty(), "{name}: no events");
        }
        events += got.stats.events;
        bad.extend(got.bad);
    }
    assert_eq!(events, 51);
    assert_eq!(bad.len(), 1);
}

#[test]
fn event_json_lines_blank_lines_crlf_bom() {
    let text = format!("\u{feff}{}\r\n\n  \n{}\n{}", event_with("1"), event_with("2"), event_with("3"));
    let got = read_bytes(text.as_bytes(), &ReadOptions::default());
    assert_eq!(ids(&got), [(1, "1"), (4, "2"), (5, "3")]);
    assert!(got.bad.is_empty(), "{:?}", got.bad);
    assert_eq!(got.stats.events, 3);
    assert_eq!(got.stats.bytes, text.len() as u64);
}

#[test]
fn event_api_versions() {
    let v1beta1 = EVENT.replace("audit.k8s.io/v1", "audit.k8s.io/v1beta1");
    let absent = EVENT.replace(r#""apiVersion":"audit.k8s.io/v1","#, "");
    let core = EVENT.replace("audit.k8s.io/v1", "v1");
    let got = read_bytes(format!("{v1beta1}\n{absent}\n{core}\n").as_bytes(), &ReadOptions::default());
    assert_eq!(ids(&got), [(1, "a"), (2, "a")]);
    assert_eq!(got.bad.len(), 1);
    assert_eq!(got.bad[0].line, 3);
    assert!(got.bad[0].message.starts_with(NOT_AN_EVENT), "{}", got.bad[0].message);
}

#[test]
fn event_not_an_event_invalid_utf8_truncated() {
    let mut text = Vec::new();
    text.extend_from_slice(b"{\"kind\": 0}\n"); // 1
    text.extend_from_slice(b"{\"kind\":\"Pod\"}\n"); // 2
    text.extend_from_slice(b"[1]\n"); // 3
    text.extend_from_slice(b"\"x\"\n"); // 4
    text.extend_from_slice(b"{\"kind\":\"Event\",\"user\":\"\xff\xfe\"}\n"); // 5
    text.extend_from_slice(b"{\"kind\":\"Event\",\"verb\":\"ge\n"); // 6
    text.extend_from_slice(b"{\"kind\":\"Event\" \"verb\"}\n"); // 7
    text.extend_from_slice(event_with("ok").as_bytes()); // 8, no final newline
    let got = read_bytes(&text, &ReadOptions::default());
    assert_eq!(ids(&got), [(8, "ok")]);
    let lines: Vec<u64> = got.bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, [1, 2, 3, 4, 5, 6, 7]);
    for bad in &got.bad[..4] {
        assert!(bad.message.starts_with(NOT_AN_EVENT), "{bad}");
    }
    assert!(got.bad[0].message.contains("\"kind\" is 0"), "{}", got.bad[0]);
    assert!(got.bad[4].message.contains("invalid UTF-8 at byte 24 (column 25)"), "{}", got.bad[4]);
    assert!(got.bad[5].message.starts_with("EOF while parsing a string at line 1"), "{}", got.bad[5]);
    assert!(got.bad[6].message.starts_with("expected `,` or `}` at line 1 column 17"), "{}", got.bad[6]);
    assert_eq!(got.stats, Stats { events: 1, bad: 7, bytes: text.len() as u64, max_buffered: got.stats.max_buffered });
}

#[test]
fn event_list_on_one_line_gives_its_items_at_its_line() {
    let list = format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{},{}]}}"#,
        event_with("i1"),
        event_with("i2").replace(r#""kind":"Event","apiVersion":"audit.k8s.io/v1","#, "")
    );
    let text = format!("{}\n{list}\n{}\n", event_with("before"), event_with("after"));
    let got = read_bytes(text.as_bytes(), &ReadOptions::default());
    assert_eq!(ids(&got), [(1, "before"), (2, "i1"), (2, "i2"), (3, "after")]);
    assert!(got.bad.is_empty());

    let empty = parse_document(br#"{"kind":"EventList","items":[]}"#, &Limits::default()).unwrap();
    assert!(empty.is_empty());
    let error = parse_document(br#"{"kind":"EventList"}"#, &Limits::default()).unwrap_err();
    assert!(error.starts_with(NOT_AN_EVENT), "{error}");
    let error = parse_document(br#"{"kind":"EventList","items":[1]}"#, &Limits::default()).unwrap_err();
    assert!(error.contains("item 0 is a number"), "{error}");
    // A JSON array of events, as Falco accepts.
    let array = format!("[{},{}]", event_with("x"), event_with("y"));
    assert_eq!(parse_document(array.as_bytes(), &Limits::default()).unwrap().len(), 2);
}

#[test]
fn event_list_over_max_events_is_bad() {
    let limits = Limits { max_events_per_list: 2, ..Limits::default() };
    let list = format!(r#"{{"kind":"EventList","items":[{EVENT},{EVENT},{EVENT}]}}"#);
    let error = parse_document(list.as_bytes(), &limits).unwrap_err();
    assert!(error.contains("more than 2 events"), "{error}");
    let list = format!(r#"{{"kind":"EventList","items":[{EVENT},{EVENT}]}}"#);
    assert_eq!(parse_document(list.as_bytes(), &limits).unwrap().len(), 2);
}

#[test]
fn event_pretty_printed_documents() {
    let event_list: serde_json::Value = serde_json::from_str(&format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{},{},{}]}}"#,
        event_with("p1"),
        event_with("p2"),
        event_with("p3")
    ))
    .unwrap();
    let pretty = format!("\n\n{}\n", serde_json::to_string_pretty(&event_list).unwrap());
    assert!(pretty.lines().count() > 20);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("list.json");
    std::fs::write(&path, &pretty).unwrap();
    let got = read_path(&path, &ReadOptions::default());
    assert_eq!(ids(&got), [(3, "p1"), (3, "p2"), (3, "p3")]);
    assert!(got.bad.is_empty(), "{:?}", got.bad);

    let one: serde_json::Value = serde_json::from_str(&event_with("single")).unwrap();
    let got = read_bytes(serde_json::to_string_pretty(&one).unwrap().as_bytes(), &ReadOptions::default());
    assert_eq!(ids(&got), [(1, "single")]);
    assert!(got.bad.is_empty());
}

#[test]
fn event_truncated_first_line_then_json_lines() {
    // A first line that ends early (as after copytruncate) must not swallow the file.
    let text = format!("{{\"kind\":\"Event\",\"verb\":\n{}\n\n{}\n", event_with("1"), event_with("2"));
    let got = read_bytes(text.as_bytes(), &ReadOptions::default());
    assert_eq!(ids(&got), [(2, "1"), (4, "2")]);
    assert_eq!(got.bad.len(), 1);
    assert_eq!(got.bad[0].line, 1);
    assert!(got.bad[0].message.starts_with("EOF while parsing"), "{}", got.bad[0]);
}

#[test]
fn event_broken_pretty_document_reads_as_lines() {
    let one: serde_json::Value = serde_json::from_str(&event_with("x")).unwrap();
    let pretty = serde_json::to_string_pretty(&one).unwrap();
    let broken = format!("{}\n{}\n", &pretty[..pretty.len() - 2], event_with("after"));
    let got = read_bytes(broken.as_bytes(), &ReadOptions::default());
    let last_line = broken.lines().count() as u64;
    assert_eq!(ids(&got), [(last_line, "after")]);
    // Every line of the broken document is reported, in order, and nothing else.
    let lines: Vec<u64> = got.bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, (1..last_line).collect::<Vec<_>>());
}

#[test]
fn event_pretty_document_over_limit_reads_as_lines() {
    let one: serde_json::Value = serde_json::from_str(&event_with("x")).unwrap();
    let pretty = serde_json::to_string_pretty(&one).unwrap();
    let options =
        ReadOptions { limits: Limits { max_document_bytes: 64, ..Limits::default() }, ..ReadOptions::default() };
    let got = read_bytes(pretty.as_bytes(), &options);
    assert!(got.events.is_empty());
    assert_eq!(got.bad.len(), pretty.lines().count());
    assert!(got.stats.max_buffered <= 64 + CHUNK, "{}", got.stats.max_buffered);
}

#[test]
fn event_gzip_file_and_stream() {
    let plain = format!("{}\n{}\n", event_with("g1"), event_with("g2"));
    let mut data = gzip(plain.as_bytes());
    // A second gzip member, as `cat a.gz b.gz` gives.
    data.extend(gzip(format!("{}\n", event_with("g3")).as_bytes()));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log.1"); // no .gz: detected by magic
    std::fs::write(&path, &data).unwrap();
    let got = read_path(&path, &ReadOptions::default());
    assert_eq!(ids(&got), [(1, "g1"), (2, "g2"), (3, "g3")]);
    assert!(got.bad.is_empty());
    assert_eq!(got.stats.bytes as usize, plain.len() + event_with("g3").len() + 1);

    let got = read_bytes(&data, &ReadOptions::default());
    assert_eq!(got.events.len(), 3);
}

#[test]
fn event_gzip_truncated_is_reported() {
    let plain: String = (0..200).map(|i| format!("{}\n", event_with(&i.to_string()))).collect();
    let data = gzip(plain.as_bytes());
    let got = read_bytes(&data[..data.len() - 20], &ReadOptions::default());
    assert_eq!(got.bad.len(), 1, "{:?}", got.bad);
    assert!(got.bad[0].message.starts_with("gzip data is corrupt or truncated"), "{}", got.bad[0]);
    assert!(got.events.len() < 200);
}

#[test]
fn event_gzip_decompression_bound() {
    let plain: String = (0..1000).map(|i| format!("{}\n", event_with(&i.to_string()))).collect();
    let data = gzip(plain.as_bytes());
    let options = ReadOptions {
        limits: Limits { max_decompressed_bytes: 10_000, ..Limits::default() },
        ..ReadOptions::default()
    };
    let got = read_bytes(&data, &options);
    assert_eq!(got.bad.len(), 1);
    assert!(got.bad[0].message.contains("more than 10000 bytes"), "{}", got.bad[0]);
    assert!(got.stats.bytes <= 10_000);
    // The ratio bound: 100 MiB of spaces compress ~1000×; at most 64 MiB (the floor) is read.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(format!("{}\n", event_with("first")).as_bytes()).unwrap();
    let spaces = vec![b' '; 1024 * 1024];
    for _ in 0..100 {
        encoder.write_all(&spaces).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    assert!((bomb.len() as u64) * 64 < GZIP_FLOOR);
    let got = read_bytes(&bomb, &ReadOptions::default());
    assert_eq!(ids(&got), [(1, "first")]);
    assert_eq!(got.bad.len(), 1, "{:?}", got.bad);
    assert!(got.bad[0].message.contains(&format!("more than {GZIP_FLOOR} bytes")), "{}", got.bad[0]);
    assert!(got.stats.bytes <= GZIP_FLOOR);
}

#[test]
fn event_100_mb_single_line_is_skipped_without_buffering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.log");
    let mut file = std::io::BufWriter::new(File::create(&path).unwrap());
    writeln!(file, "{}", event_with("before")).unwrap();
    let head = br#"{"kind":"Event","padding":""#;
    file.write_all(head).unwrap();
    let block = vec![b'a'; 1024 * 1024];
    for _ in 0..100 {
        file.write_all(&block).unwrap();
    }
    file.write_all(b"\"}\n").unwrap();
    writeln!(file, "{}", event_with("after")).unwrap();
    file.flush().unwrap();
    drop(file);
    let length = head.len() + 100 * 1024 * 1024 + 2;

    // Peak RSS too (Linux): reset the high-water mark, read, compare with the RSS before.
    let rss_before = proc_status_kib("VmRSS");
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let got = read_path(&path, &ReadOptions::default());
    if let (true, Some(before), Some(peak)) = (reset, rss_before, proc_status_kib("VmHWM")) {
        eprintln!("100 MB line: RSS {before} KiB before, peak {peak} KiB while reading");
        assert!(peak < before + 64 * 1024, "peak RSS {peak} KiB, {before} KiB before");
    }
    assert_eq!(ids(&got), [(1, "before"), (3, "after")]);
    assert_eq!(got.bad.len(), 1);
    assert_eq!(got.bad[0].line, 2);
    assert_eq!(
        got.bad[0].message,
        format!("line is {length} bytes long, over the limit of 4194304 bytes (max_line_bytes); skipped")
    );
    let limit = Limits::default().max_line_bytes;
    assert!(got.stats.max_buffered <= limit, "held {} bytes", got.stats.max_buffered);
    assert!(got.stats.bytes > 100 * 1024 * 1024);
}

fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(&format!("{field}:")))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn event_line_limit_exact_boundary() {
    let options =
        ReadOptions { limits: Limits { max_line_bytes: EVENT.len(), ..Limits::default() }, ..ReadOptions::default() };
    let text = format!("{EVENT}\n{EVENT} \n{EVENT}");
    // In one read() chunk and split over one-byte reads alike.
    let got = read_bytes(text.as_bytes(), &options);
    assert_eq!(got.events.iter().map(|e| e.0).collect::<Vec<_>>(), [1, 3]);
    assert_eq!(got.bad.len(), 1);
    assert_eq!(got.bad[0].line, 2);
    struct OneByte<'a>(&'a [u8]);
    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some((&first, rest)) = self.0.split_first() else { return Ok(0) };
            buf[0] = first;
            self.0 = rest;
            Ok(1)
        }
    }
    let mut lines = Vec::new();
    let mut bad = Vec::new();
    read_from(Box::new(OneByte(text.as_bytes())), Arc::from("-"), &options, &mut |e| lines.push(e.line), &mut |b| {
        bad.push(b.line)
    })
    .unwrap();
    assert_eq!(lines, [1, 3]);
    assert_eq!(bad, [2]);
}

#[test]
fn event_10000_deep_nesting_is_bad_not_a_stack_overflow() {
    let deep = format!("{{\"kind\":\"Event\",\"x\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let text = format!("{deep}\n{}\n", event_with("after"));
    let got = read_bytes(text.as_bytes(), &ReadOptions::default());
    assert_eq!(ids(&got), [(2, "after")]);
    assert_eq!(got.bad.len(), 1);
    assert_eq!(got.bad[0].message, "JSON nested deeper than 128 levels (max_depth)");
    // With our bound lifted, serde_json's own recursion limit still answers.
    let limits = Limits { max_depth: usize::MAX, ..Limits::default() };
    let error = parse_document(deep.as_bytes(), &limits).unwrap_err();
    assert!(error.starts_with("recursion limit exceeded"), "{error}");
    // Brackets inside strings do not count.
    let in_string = format!("{{\"kind\":\"Event\",\"x\":\"{}\"}}", "[".repeat(10_000));
    assert_eq!(parse_document(in_string.as_bytes(), &Limits::default()).unwrap().len(), 1);
    let limits = Limits { max_depth: 2, ..Limits::default() };
    assert!(parse_document(br#"{"kind":"Event","a":{"b":1}}"#, &limits).is_ok());
    assert!(parse_document(br#"{"kind":"Event","a":{"b":[]}}"#, &limits).is_err());
}

#[test]
fn event_parse_document_bounds() {
    let limits = Limits { max_document_bytes: 10, ..Limits::default() };
    let error = parse_document(EVENT.as_bytes(), &limits).unwrap_err();
    assert!(error.contains("over the limit of 10 bytes"), "{error}");
    let error = parse_document(b"\xc3\x28", &Limits::default()).unwrap_err();
    assert!(error.starts_with("invalid UTF-8 at byte 0"), "{error}");
}

/// A follower in a thread: its events and bad lines as they come, and its stop flag.
struct Follower {
    events: Arc<Mutex<Vec<(String, u64, String)>>>,
    bad: Arc<Mutex<Vec<BadLine>>>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<io::Result<Stats>>,
}

impl Follower {
    fn start(path: &Path) -> Self {
        let events = Arc::new(Mutex::new(Vec::new()));
        let bad = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let options = ReadOptions {
            follow: true,
            stop: Some(Arc::clone(&stop)),
            poll_interval: Duration::from_millis(10),
            ..ReadOptions::default()
        };
        let (sink, bad_sink, path) = (Arc::clone(&events), Arc::clone(&bad), path.to_owned());
        let thread = std::thread::spawn(move || {
            read(
                &Input::Path(path),
                &options,
                &mut |e| sink.lock().unwrap().push((e.source.to_string(), e.line, audit_id(&e))),
                &mut |b| bad_sink.lock().unwrap().push(b),
            )
        });
        Follower { events, bad, stop, thread }
    }

    /// Waits until `count` events arrived (a hang guard, not a timing assertion).
    fn wait_for(&self, count: usize) {
        let start = Instant::now();
        while self.events.lock().unwrap().len() < count {
            assert!(start.elapsed() < Duration::from_secs(60), "waited for {count} events: {:?}", self.events);
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn finish(self) -> (Vec<(u64, String)>, Vec<BadLine>, Stats) {
        self.stop.store(true, Ordering::Relaxed);
        let Follower { events, bad, thread, .. } = self;
        let stats = thread.join().unwrap().unwrap();
        let ids = events.lock().unwrap().iter().map(|(_, line, id)| (*line, id.clone())).collect();
        let bad = bad.lock().unwrap().clone();
        (ids, bad, stats)
    }
}

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).create(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

fn owned(ids: &[(u64, &str)]) -> Vec<(u64, String)> {
    ids.iter().map(|(line, id)| (*line, (*id).to_owned())).collect()
}

#[test]
fn event_follow_rename_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    append(&path, &format!("{}\n{}\n", event_with("1"), event_with("2")));
    let follower = Follower::start(&path);
    follower.wait_for(2);
    // A line written in two parts is held until its newline.
    let third = event_with("3");
    append(&path, &third[..20]);
    std::thread::sleep(Duration::from_millis(50));
    append(&path, &format!("{}\n", &third[20..]));
    follower.wait_for(3);
    // logrotate: rename, then data still written to the old file, then a new file.
    std::fs::rename(&path, dir.path().join("audit.log.1")).unwrap();
    append(&dir.path().join("audit.log.1"), &format!("{}\n", event_with("4")));
    follower.wait_for(4);
    append(&dir.path().join("audit.log.1"), &format!("{}\n", event_with("5")));
    append(&path, &format!("{}\n{}\n", event_with("6"), event_with("7")));
    follower.wait_for(7);
    append(&path, &format!("{}\n", event_with("8")));
    follower.wait_for(8);
    let (ids, bad, stats) = follower.finish();
    assert_eq!(ids, owned(&[(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5"), (1, "6"), (2, "7"), (3, "8")]));
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(stats.events, 8);
}

#[test]
fn event_follow_copytruncate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    append(&path, &format!("{}\n{}\n{}\n", event_with("1"), event_with("2"), event_with("3")));
    let follower = Follower::start(&path);
    follower.wait_for(3);
    // copytruncate: copy away, truncate in place, the writer goes on at the start.
    std::fs::copy(&path, dir.path().join("audit.log.1")).unwrap();
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(0).unwrap();
    append(&path, &format!("{}\n", event_with("4")));
    follower.wait_for(4);
    append(&path, &format!("{}\n", event_with("5")));
    follower.wait_for(5);
    let (ids, bad, _) = follower.finish();
    assert_eq!(ids, owned(&[(1, "1"), (2, "2"), (3, "3"), (1, "4"), (2, "5")]));
    assert!(bad.is_empty(), "{bad:?}");
}

#[test]
fn event_follow_stops_on_flag_while_idle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    append(&path, &format!("{}\n", event_with("1")));
    let follower = Follower::start(&path);
    follower.wait_for(1);
    let (ids, bad, stats) = follower.finish();
    assert_eq!(ids, owned(&[(1, "1")]));
    assert!(bad.is_empty());
    assert_eq!(stats.events, 1);
}

#[test]
fn event_bad_line_display() {
    let bad = BadLine { source: Arc::from("audit.log"), line: 7, message: "oops".into() };
    assert_eq!(bad.to_string(), "audit.log:7: oops");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn event_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let options = ReadOptions { limits: Limits { max_line_bytes: 256, max_depth: 8, ..Limits::default() }, ..ReadOptions::default() };
        let got = read_bytes(&bytes, &options);
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        prop_assert!(got.stats.bad <= lines);
        prop_assert!(got.stats.max_buffered <= (2 * (bytes.len() + 1)).max(256));
        prop_assert_eq!(got.stats.bytes, bytes.len() as u64);
        let _ = parse_document(&bytes, &options.limits);
    }

    #[test]
    fn event_random_json_lines_never_panic(lines in proptest::collection::vec("[{}\\[\\]\":,a-z0-9 \\\\]{0,40}", 0..20)) {
        let text = lines.join("\n");
        let got = read_bytes(text.as_bytes(), &ReadOptions::default());
        prop_assert!(got.stats.bad + got.stats.events <= lines.len() as u64 * 2 + 1);
    }
}
