//! Reading Kubernetes audit events (`audit.k8s.io/v1` and `v1beta1` `Event`s; `apiVersion` may
//! be absent, as in Falco's test traces).
//!
//! Input is what the API server's log backend (`--audit-log-path`) writes: JSON lines, one
//! `Event` per line. Like Falco's k8saudit plugin (`pkg/k8saudit/source.go`), a line may also
//! hold an `EventList` (`{"kind":"EventList","items":[…]}`) or a JSON array of those, and a
//! malformed line is reported and skipped, never fatal. Beyond Falco, which reads JSON lines
//! only, a file that is one pretty-printed document (an `EventList` saved by `kubectl`, one
//! `Event` spanning lines) is read too, gzip input (by its magic bytes, not its name) is
//! decompressed as a stream, and `--follow` survives rename and copytruncate rotation.
//!
//! Memory stays bounded whatever the input: a line longer than [`Limits::max_line_bytes`] is
//! skipped without being buffered, a document is bounded by [`Limits::max_document_bytes`],
//! nesting by [`Limits::max_depth`] and decompression by [`Limits::max_gzip_ratio`] and
//! [`Limits::max_decompressed_bytes`].

use std::cell::Cell;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek as _};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::json::{Json, Object};

/// The phrase Falco's k8saudit plugin reports for valid JSON that is not an audit event.
pub const NOT_AN_EVENT: &str = "data not recognized as a k8s audit event";

/// How many bytes are read at a time.
const CHUNK: usize = 64 * 1024;

/// Decompressed bytes always allowed, whatever the compression ratio (small, repetitive files
/// compress far better than 64×).
const GZIP_FLOOR: u64 = 64 * 1024 * 1024;

/// Bounds on what one input may make the reader hold or do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The longest line (decompressed) that is parsed; a longer one is reported as bad, with
    /// its line number and size, and skipped without being buffered. Default 4 MiB.
    pub max_line_bytes: usize,
    /// The deepest JSON nesting accepted. Default 128; serde_json refuses 128 levels and more
    /// by itself, so a larger value has no effect. Deeper is a bad line, never a stack
    /// overflow.
    pub max_depth: usize,
    /// The most events one document (an `EventList`, an array) may hold. Default 100,000.
    pub max_events_per_list: usize,
    /// The largest whole document: a pretty-printed file read as one document, or a body given
    /// to [`parse_document`]. Default 256 MiB.
    pub max_document_bytes: usize,
    /// Gzip input may decompress to this many times its compressed size (at least 64 MiB).
    /// Default 64.
    pub max_gzip_ratio: u64,
    /// Gzip input never decompresses to more than this. Default 16 GiB.
    pub max_decompressed_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line_bytes: 4 * 1024 * 1024,
            max_depth: 128,
            max_events_per_list: 100_000,
            max_document_bytes: 256 * 1024 * 1024,
            max_gzip_ratio: 64,
            max_decompressed_bytes: 16 * 1024 * 1024 * 1024,
        }
    }
}

/// One audit event and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Event<'a> {
    /// The event object as read (its strings borrow from the line being read).
    pub value: Json<'a>,
    /// The file name, `-` for standard input, or `webhook`.
    pub source: Arc<str>,
    /// The 1-based line it was read from; for an `EventList` item or a multi-line document:
    /// the line the document starts on.
    pub line: u64,
}

impl Event<'_> {
    /// A copy that borrows nothing (to keep an event past its callback).
    #[must_use]
    pub fn into_owned(self) -> Event<'static> {
        Event { value: self.value.into_owned(), source: self.source, line: self.line }
    }
}

/// A line (or document) that could not be read as events; reading goes on after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// As in [`Event::source`].
    pub source: Arc<str>,
    /// The 1-based line.
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for BadLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.source, self.line, self.message)
    }
}

/// Where events are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file (plain or gzip).
    Path(PathBuf),
    /// Standard input (plain or gzip), named `-`.
    Stdin,
}

/// How [`read`] reads.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Size and nesting bounds.
    pub limits: Limits,
    /// For [`Input::Path`]: after the end of the file, keep polling for appended data and
    /// follow rotation (rename + create, copytruncate). The whole existing file is read first.
    /// A pretty-printed document is not recognised while following (the API server writes
    /// JSON lines); a gzip file is read once, then only its replacement is watched for.
    pub follow: bool,
    /// When set (and seen between reads or polls), [`read`] returns. Following never returns
    /// otherwise.
    pub stop: Option<Arc<AtomicBool>>,
    /// How often a followed file is polled. Default 200 ms.
    pub poll_interval: Duration,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { limits: Limits::default(), follow: false, stop: None, poll_interval: Duration::from_millis(200) }
    }
}

/// What one [`read`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events delivered.
    pub events: u64,
    /// Bad lines reported.
    pub bad: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// The largest number of bytes held at once for one line or document (buffer capacity):
    /// never more than [`Limits::max_line_bytes`] for lines, [`Limits::max_document_bytes`]
    /// for a pretty-printed document.
    pub max_buffered: usize,
}

/// Reads every event of `input` in order, calling `on_event` for each and `on_bad` for each
/// malformed line (never fatal). Errors are I/O errors only (a file that cannot be opened or
/// read); corrupt gzip data and the decompression bounds are reported through `on_bad`.
pub fn read(
    input: &Input,
    options: &ReadOptions,
    on_event: &mut dyn FnMut(Event<'_>),
    on_bad: &mut dyn FnMut(BadLine),
) -> io::Result<Stats> {
    match input {
        Input::Stdin => {
            let stdin = io::stdin();
            read_from(Box::new(stdin.lock()), Arc::from("-"), options, on_event, on_bad)
        }
        Input::Path(path) => {
            let source: Arc<str> = Arc::from(path.display().to_string());
            let mut ctx = Ctx::new(source, options, on_event, on_bad);
            if options.follow {
                follow(path, &mut ctx)?;
            } else {
                let file = File::open(path)?;
                let known = file.metadata().map(|m| m.len()).unwrap_or(0);
                let mut stream = Stream::open(Box::new(file), known)?;
                let mut splitter = Splitter::new(true);
                if let End::Eof = pump(&mut stream, &mut splitter, &mut ctx)? {
                    splitter.finish(&mut ctx);
                }
                ctx.note_buffer(&splitter);
            }
            Ok(ctx.stats)
        }
    }
}

/// [`read`] for any reader (plain or gzip), named `source`; never follows.
pub fn read_from(
    reader: Box<dyn Read + '_>,
    source: Arc<str>,
    options: &ReadOptions,
    on_event: &mut dyn FnMut(Event<'_>),
    on_bad: &mut dyn FnMut(BadLine),
) -> io::Result<Stats> {
    let mut ctx = Ctx::new(source, options, on_event, on_bad);
    let mut stream = Stream::open(reader, 0)?;
    let mut splitter = Splitter::new(true);
    if let End::Eof = pump(&mut stream, &mut splitter, &mut ctx)? {
        splitter.finish(&mut ctx);
    }
    ctx.note_buffer(&splitter);
    Ok(ctx.stats)
}

/// One JSON document (a line, or a webhook body) → events: an `Event` object gives one; an
/// `EventList` (`{"kind":"EventList","items":[…]}`) gives its items; a JSON array (as Falco
/// accepts) gives the events of its elements; anything else is an error starting with
/// [`NOT_AN_EVENT`]. An `apiVersion`, when present, must be `audit.k8s.io/…`.
pub fn events_of<'a>(value: Json<'a>, limits: &Limits) -> Result<Vec<Json<'a>>, String> {
    let mut out = Vec::new();
    collect_events(value, limits, &mut out)?;
    Ok(out)
}

fn collect_events<'a>(value: Json<'a>, limits: &Limits, out: &mut Vec<Json<'a>>) -> Result<(), String> {
    let mut object = match value {
        Json::Object(object) => object,
        Json::Array(items) => {
            check_count(out.len(), items.len(), limits)?;
            for item in items {
                collect_events(item, limits, out)?;
            }
            return Ok(());
        }
        other => return Err(format!("{NOT_AN_EVENT}: a JSON {}, not an object", other.type_name())),
    };
    check_api_version(&object)?;
    match object.get("kind") {
        Some(Json::String(kind)) if kind == "Event" => {
            check_count(out.len(), 1, limits)?;
            out.push(Json::Object(object));
            Ok(())
        }
        Some(Json::String(kind)) if kind == "EventList" => {
            let items = match object.remove("items") {
                Some(Json::Array(items)) => items,
                Some(other) => {
                    return Err(format!(
                        "{NOT_AN_EVENT}: EventList \"items\" is a {}, not an array",
                        other.type_name()
                    ));
                }
                None => return Err(format!("{NOT_AN_EVENT}: EventList without \"items\"")),
            };
            check_count(out.len(), items.len(), limits)?;
            for (index, item) in items.into_iter().enumerate() {
                match &item {
                    Json::Object(event) => {
                        match event.get("kind") {
                            None => {}
                            Some(Json::String(kind)) if kind == "Event" => {}
                            Some(kind) => {
                                return Err(format!("{NOT_AN_EVENT}: EventList item {index} has \"kind\" {kind}"));
                            }
                        }
                        check_api_version(event)?;
                    }
                    other => {
                        return Err(format!(
                            "{NOT_AN_EVENT}: EventList item {index} is a {}, not an object",
                            other.type_name()
                        ));
                    }
                }
                out.push(item);
            }
            Ok(())
        }
        Some(kind) => Err(format!("{NOT_AN_EVENT}: \"kind\" is {kind}, not \"Event\" or \"EventList\"")),
        None => Err(format!("{NOT_AN_EVENT}: no \"kind\"")),
    }
}

fn check_count(have: usize, more: usize, limits: &Limits) -> Result<(), String> {
    if have.saturating_add(more) > limits.max_events_per_list {
        return Err(format!("more than {} events in one document (max_events_per_list)", limits.max_events_per_list));
    }
    Ok(())
}

fn check_api_version(object: &Object<'_>) -> Result<(), String> {
    match object.get("apiVersion") {
        None => Ok(()),
        Some(Json::String(version)) if version.starts_with("audit.k8s.io/") => Ok(()),
        Some(version) => Err(format!("{NOT_AN_EVENT}: apiVersion is {version}, not audit.k8s.io/v1")),
    }
}

/// Bytes → [`events_of`], within [`Limits::max_document_bytes`] and [`Limits::max_depth`];
/// invalid UTF-8 is an error naming it.
pub fn parse_document<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Vec<Json<'a>>, String> {
    parse(bytes, limits).map_err(ParseError::into_message)
}

/// Why bytes are not events; `Eof` (the JSON ended early) is what starts a pretty-printed
/// document.
enum ParseError {
    Eof(String),
    Other(String),
}

impl ParseError {
    fn into_message(self) -> String {
        match self {
            ParseError::Eof(message) | ParseError::Other(message) => message,
        }
    }
}

fn parse<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Vec<Json<'a>>, ParseError> {
    if bytes.len() > limits.max_document_bytes {
        return Err(ParseError::Other(format!(
            "document is {} bytes, over the limit of {} bytes (max_document_bytes)",
            bytes.len(),
            limits.max_document_bytes
        )));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ParseError::Other(format!("invalid UTF-8 at byte {} (column {})", e.valid_up_to(), e.valid_up_to() + 1))
    })?;
    // serde_json refuses more than 128 levels by itself (an error, never a stack overflow); the
    // byte scan is needed only for a tighter limit, and costs a pass over every line.
    if limits.max_depth < SERDE_RECURSION_LIMIT && nesting_exceeds(bytes, limits.max_depth) {
        return Err(ParseError::Other(format!("JSON nested deeper than {} levels (max_depth)", limits.max_depth)));
    }
    let value = Json::parse(text).map_err(|e| {
        if e.classify() == serde_json::error::Category::Eof {
            ParseError::Eof(e.to_string())
        } else if limits.max_depth <= SERDE_RECURSION_LIMIT && e.to_string().starts_with("recursion limit exceeded") {
            ParseError::Other(format!("JSON nested deeper than {} levels (max_depth)", limits.max_depth))
        } else {
            ParseError::Other(e.to_string())
        }
    })?;
    events_of(value, limits).map_err(ParseError::Other)
}

/// serde_json's own nesting limit.
const SERDE_RECURSION_LIMIT: usize = 128;

/// Whether `bytes` nest arrays and objects deeper than `max` (strings skipped).
fn nesting_exceeds(bytes: &[u8], max: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The callbacks, options and counters of one read.
struct Ctx<'a> {
    source: Arc<str>,
    options: &'a ReadOptions,
    on_event: &'a mut dyn FnMut(Event<'_>),
    on_bad: &'a mut dyn FnMut(BadLine),
    stats: Stats,
}

impl<'a> Ctx<'a> {
    fn new(
        source: Arc<str>,
        options: &'a ReadOptions,
        on_event: &'a mut dyn FnMut(Event<'_>),
        on_bad: &'a mut dyn FnMut(BadLine),
    ) -> Self {
        Ctx { source, options, on_event, on_bad, stats: Stats::default() }
    }

    fn limits(&self) -> &Limits {
        &self.options.limits
    }

    fn stopped(&self) -> bool {
        self.options.stop.as_ref().is_some_and(|stop| stop.load(Ordering::Relaxed))
    }

    fn event(&mut self, line: u64, value: Json<'_>) {
        self.stats.events += 1;
        (self.on_event)(Event { value, source: Arc::clone(&self.source), line });
    }

    fn bad(&mut self, line: u64, message: String) {
        self.stats.bad += 1;
        (self.on_bad)(BadLine { source: Arc::clone(&self.source), line, message });
    }

    fn note_buffer(&mut self, splitter: &Splitter) {
        self.stats.max_buffered = self.stats.max_buffered.max(splitter.peak);
    }
}

/// A byte stream, decompressed when it starts with the gzip magic.
struct Stream<'r> {
    reader: Box<dyn Read + 'r>,
    gzip: Option<Gzip>,
}

struct Gzip {
    /// Compressed bytes read so far.
    compressed: Rc<Cell<u64>>,
    /// The compressed size when known (a file).
    known: u64,
    decompressed: u64,
}

impl<'r> Stream<'r> {
    fn open(raw: Box<dyn Read + 'r>, known: u64) -> io::Result<Self> {
        let compressed = Rc::new(Cell::new(0u64));
        let counted = Counted { inner: raw, count: Rc::clone(&compressed) };
        let mut buffered = BufReader::with_capacity(CHUNK, counted);
        let magic = loop {
            match buffered.fill_buf() {
                Ok(bytes) => break bytes.starts_with(&[0x1f, 0x8b]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if magic {
            Ok(Stream {
                reader: Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
                gzip: Some(Gzip { compressed, known, decompressed: 0 }),
            })
        } else {
            Ok(Stream { reader: Box::new(buffered), gzip: None })
        }
    }
}

impl Gzip {
    fn cap(&self, limits: &Limits) -> u64 {
        let compressed = self.known.max(self.compressed.get());
        compressed.saturating_mul(limits.max_gzip_ratio).max(GZIP_FLOOR).min(limits.max_decompressed_bytes)
    }
}

struct Counted<'r> {
    inner: Box<dyn Read + 'r>,
    count: Rc<Cell<u64>>,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

enum End {
    /// The end of the data (so far, when following).
    Eof,
    /// The stop flag was set.
    Stopped,
    /// The stream cannot go on (corrupt gzip, decompression bound); already reported.
    Broken,
}

/// Reads `stream` to its end, feeding `splitter`.
fn pump(stream: &mut Stream<'_>, splitter: &mut Splitter, ctx: &mut Ctx<'_>) -> io::Result<End> {
    let mut chunk = vec![0u8; CHUNK];
    loop {
        if ctx.stopped() {
            return Ok(End::Stopped);
        }
        let n = match stream.reader.read(&mut chunk) {
            Ok(0) => return Ok(End::Eof),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if stream.gzip.is_some() => {
                ctx.bad(splitter.line, format!("gzip data is corrupt or truncated: {e}; the rest is not read"));
                return Ok(End::Broken);
            }
            Err(e) => return Err(e),
        };
        if let Some(gzip) = &mut stream.gzip {
            gzip.decompressed += n as u64;
            let cap = gzip.cap(ctx.limits());
            if gzip.decompressed > cap {
                ctx.bad(
                    splitter.line,
                    format!(
                        "gzip data decompresses to more than {cap} bytes (max_gzip_ratio {}× the compressed size, \
                         at most max_decompressed_bytes {}); the rest is not read",
                        ctx.limits().max_gzip_ratio,
                        ctx.limits().max_decompressed_bytes
                    ),
                );
                return Ok(End::Broken);
            }
        }
        ctx.stats.bytes += n as u64;
        splitter.feed(chunk.get(..n).unwrap_or_default(), ctx);
    }
}

/// Splits a byte stream into lines, each parsed as it completes; detects a file that is one
/// pretty-printed document.
struct Splitter {
    /// The incomplete line so far (never longer than `max_line_bytes`).
    buf: Vec<u8>,
    /// The number of the line being assembled.
    line: u64,
    /// The length so far of an over-long line being skipped.
    overlong: Option<u64>,
    /// Whether a pretty-printed document may still be recognised.
    detect_document: bool,
    /// Whether a non-blank line was seen.
    seen_content: bool,
    document: Option<Document>,
    /// The largest buffer capacity held.
    peak: usize,
}

/// A first line that ended early: the rest of the input is gathered to be parsed whole.
struct Document {
    bytes: Vec<u8>,
    start_line: u64,
    /// The length of the first line in `bytes` (followed by `\n`).
    first_len: usize,
    /// Why the first line alone did not parse.
    first_error: String,
    /// Where to look on for the end of the second line; `None` once it was checked.
    second_scan: Option<usize>,
}

impl Splitter {
    fn new(detect_document: bool) -> Self {
        Splitter {
            buf: Vec::new(),
            line: 1,
            overlong: None,
            detect_document,
            seen_content: false,
            document: None,
            peak: 0,
        }
    }

    fn feed(&mut self, mut chunk: &[u8], ctx: &mut Ctx<'_>) {
        if self.document.is_some() {
            self.feed_document(chunk, ctx);
            return;
        }
        while !chunk.is_empty() {
            let newline = memchr::memchr(b'\n', chunk);
            let (piece, rest) = match newline {
                Some(at) => (chunk.get(..at).unwrap_or_default(), chunk.get(at + 1..).unwrap_or_default()),
                None => (chunk, &[][..]),
            };
            chunk = rest;
            if let Some(so_far) = self.overlong.as_mut() {
                *so_far += piece.len() as u64;
            } else if self.buf.len() + piece.len() > ctx.limits().max_line_bytes {
                self.overlong = Some((self.buf.len() + piece.len()) as u64);
                self.buf.clear();
            } else if newline.is_some() && self.buf.is_empty() {
                // The whole line is in this chunk: parse it where it lies.
                self.complete(piece, false, ctx);
                self.line += 1;
                if self.document.is_some() {
                    self.feed_document(chunk, ctx);
                    return;
                }
                continue;
            } else {
                self.append(piece, ctx.limits().max_line_bytes);
            }
            if newline.is_some() {
                if let Some(length) = self.overlong.take() {
                    let limit = ctx.limits().max_line_bytes;
                    ctx.bad(
                        self.line,
                        format!(
                            "line is {length} bytes long, over the limit of {limit} bytes (max_line_bytes); skipped"
                        ),
                    );
                } else {
                    let line = std::mem::take(&mut self.buf);
                    self.complete(&line, false, ctx);
                    self.buf = line;
                    self.buf.clear();
                }
                self.line += 1;
                if self.document.is_some() {
                    self.feed_document(chunk, ctx);
                    return;
                }
            }
        }
    }

    /// Appends to the line buffer, growing it to at most `max` bytes.
    fn append(&mut self, piece: &[u8], max: usize) {
        append_bounded(&mut self.buf, piece, max);
        self.peak = self.peak.max(self.buf.capacity());
    }

    /// A complete line (without its `\n`). `at_end`: no data follows it.
    fn complete(&mut self, line: &[u8], at_end: bool, ctx: &mut Ctx<'_>) {
        let mut line = line;
        if !self.seen_content {
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        let first = !self.seen_content;
        self.seen_content = true;
        match parse(line, ctx.limits()) {
            Ok(values) => {
                for value in values {
                    ctx.event(self.line, value);
                }
            }
            Err(ParseError::Eof(message))
                if first
                    && !at_end
                    && self.detect_document
                    && line.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') =>
            {
                let mut bytes = Vec::with_capacity(line.len() + 1);
                bytes.extend_from_slice(line);
                bytes.push(b'\n');
                self.peak = self.peak.max(bytes.capacity());
                self.document = Some(Document {
                    first_len: line.len(),
                    second_scan: Some(line.len() + 1),
                    bytes,
                    start_line: self.line,
                    first_error: message,
                });
            }
            Err(error) => ctx.bad(self.line, error.into_message()),
        }
    }

    fn feed_document(&mut self, chunk: &[u8], ctx: &mut Ctx<'_>) {
        let Some(document) = self.document.as_mut() else { return };
        if document.bytes.len() + chunk.len() > ctx.limits().max_document_bytes {
            self.replay(ctx);
            self.feed(chunk, ctx);
            return;
        }
        append_bounded(&mut document.bytes, chunk, ctx.limits().max_document_bytes);
        self.peak = self.peak.max(document.bytes.capacity());
        // A second line that is a JSON object by itself: JSON lines after a bad first line.
        if let Some(from) = document.second_scan {
            let mut at = from;
            while let Some(end) = document.bytes.get(at..).and_then(|rest| memchr::memchr(b'\n', rest)) {
                let line = document.bytes.get(at..at + end).unwrap_or_default();
                at += end + 1;
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                document.second_scan = None;
                let object = line.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
                    && serde_json::from_slice::<serde::de::IgnoredAny>(line).is_ok();
                if object {
                    self.replay(ctx);
                }
                return;
            }
            if document.second_scan.is_some() {
                document.second_scan = Some(at);
            }
        }
    }

    /// The gathered document is not one: report its first line and read the rest as lines.
    fn replay(&mut self, ctx: &mut Ctx<'_>) {
        let Some(document) = self.document.take() else { return };
        self.detect_document = false;
        ctx.bad(document.start_line, document.first_error);
        self.line = document.start_line + 1;
        self.feed(document.bytes.get(document.first_len + 1..).unwrap_or_default(), ctx);
    }

    /// The end of the input: the last line without `\n`, or the gathered document.
    fn finish(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(document) = self.document.take() {
            match parse(&document.bytes, ctx.limits()) {
                Ok(values) => {
                    for value in values {
                        ctx.event(document.start_line, value);
                    }
                }
                Err(_) => {
                    self.document = Some(document);
                    self.replay(ctx);
                    self.finish(ctx);
                }
            }
            return;
        }
        if let Some(length) = self.overlong.take() {
            let limit = ctx.limits().max_line_bytes;
            ctx.bad(
                self.line,
                format!("line is {length} bytes long, over the limit of {limit} bytes (max_line_bytes); skipped"),
            );
        } else if !self.buf.is_empty() {
            let line = std::mem::take(&mut self.buf);
            self.complete(&line, true, ctx);
        }
    }

    /// Drops an incomplete last line (the file was truncated under it); returns its length.
    fn discard_partial(&mut self) -> Option<u64> {
        let length = self.overlong.take().or((!self.buf.is_empty()).then_some(self.buf.len() as u64));
        self.buf.clear();
        length
    }
}

/// Appends `piece` to `buf`, doubling its capacity as usual but never past `max` (unless the
/// caller lets `buf` grow longer than that).
fn append_bounded(buf: &mut Vec<u8>, piece: &[u8], max: usize) {
    let needed = buf.len() + piece.len();
    if needed > buf.capacity() {
        let target = needed.max(buf.capacity() * 2).max(256).min(max.max(needed));
        buf.reserve_exact(target - buf.len());
    }
    buf.extend_from_slice(piece);
}

/// The identity of a file, to see it replaced.
#[cfg(unix)]
fn identity(metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    Some((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// Reads `path`, then polls it for appended data; on rotation drains the old file and reopens.
fn follow(path: &Path, ctx: &mut Ctx<'_>) -> io::Result<()> {
    let mut file = File::open(path)?;
    loop {
        let handle = file.try_clone()?;
        let known = handle.metadata().map(|m| m.len()).unwrap_or(0);
        let opened = handle.metadata().ok().and_then(|m| identity(&m));
        let mut stream = Stream::open(Box::new(file), known)?;
        let mut splitter = Splitter::new(false);
        let mut broken = false;
        // Read and poll until the file is replaced or truncated.
        loop {
            if !broken {
                match pump(&mut stream, &mut splitter, ctx)? {
                    End::Eof => {}
                    End::Stopped => {
                        ctx.note_buffer(&splitter);
                        return Ok(());
                    }
                    End::Broken => broken = true,
                }
            }
            ctx.note_buffer(&splitter);
            if ctx.stopped() {
                return Ok(());
            }
            std::thread::sleep(ctx.options.poll_interval);
            if ctx.stopped() {
                return Ok(());
            }
            let offset = (&handle).stream_position()?;
            let size = handle.metadata()?.len();
            if size < offset {
                // copytruncate: the data after the offset is gone, so is any incomplete line.
                if let Some(length) = splitter.discard_partial() {
                    ctx.bad(
                        splitter.line,
                        format!("incomplete last line ({length} bytes) dropped: the file was truncated"),
                    );
                }
                break;
            }
            let replaced = match std::fs::metadata(path) {
                Ok(now) => identity(&now) != opened,
                // Renamed away and not yet re-created: keep reading the old file.
                Err(_) => false,
            };
            if replaced {
                if !broken && let End::Stopped = pump(&mut stream, &mut splitter, ctx)? {
                    return Ok(());
                }
                if !broken {
                    splitter.finish(ctx);
                }
                ctx.note_buffer(&splitter);
                break;
            }
        }
        // Reopen the path (it may be briefly missing during rotation).
        file = loop {
            match File::open(path) {
                Ok(file) => break file,
                Err(_) if !ctx.stopped() => std::thread::sleep(ctx.options.poll_interval),
                Err(_) => return Ok(()),
            }
        };
    }
}

#[cfg(test)]
mod tests;
