//! Updating the database from an OSV mirror: `<mirror>/<ecosystem>/all.zip` per ecosystem,
//! fetched with conditional requests and imported into a copy of the database that replaces
//! the original only when every step succeeded.
//!
//! Which ecosystems: those asked for, else every ecosystem the database already holds (the
//! ones updated before, plus those of imported advisories not covered by them, e.g. `Debian:12`
//! is covered by `Debian`), else [`UpdateOptions::fallback_ecosystems`].
//!
//! Per ecosystem the `ETag` and `Last-Modified` of the last download are kept in the
//! database's `sources` table and sent back as `If-None-Match`/`If-Modified-Since`, so an
//! unchanged export costs one `304 Not Modified`. Connection errors and 5xx answers are retried
//! with exponential backoff; 4xx answers are not. A download is streamed into a temporary
//! directory next to the database, bounded by [`UpdateOptions::max_download_bytes`], and read
//! through completely (every entry's CRC checked) before anything is imported.
//!
//! The update is atomic for readers of the file: the first changed ecosystem makes a
//! consistent copy of the database (`VACUUM INTO`, or a new database when there is none),
//! every download is imported into the copy, and the copy is renamed over the original at the
//! end. A failed download or a broken archive leaves its ecosystem out; an error of the
//! database itself leaves the original file untouched. Two writers running at once are not
//! coordinated: the last rename wins.
//!
//! The HTTP client (reqwest with rustls, certificates verified) runs on a private
//! current-thread tokio runtime, so the rest of the crate stays synchronous.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::header::{ETAG, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::{StatusCode, Url};
use rusqlite::{Connection, params};

use crate::db::{Database, DbError};
use crate::import::{ImportStats, import_paths};

/// The public OSV export bucket.
pub const DEFAULT_MIRROR: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// Largest download accepted by default (2 GiB).
pub const MAX_DOWNLOAD_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Most entries read from one downloaded archive (the same bound as [`crate::import`]).
const MAX_ZIP_ENTRIES: usize = 2_000_000;
/// Bytes inflated per entry while checking an archive; larger entries are left for the import
/// to report (it refuses records above 16 MiB).
const MAX_ENTRY_CHECK_BYTES: u64 = 16 * 1024 * 1024 + 1;
/// Record counts between two import progress messages.
const PROGRESS_EVERY: usize = 50_000;

/// What to update and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateOptions {
    /// Base URL of the mirror; `<mirror>/<ecosystem>/all.zip` is fetched. Only `https://`
    /// and `http://` are accepted, and redirects to plain HTTP are refused for an `https://`
    /// mirror.
    pub mirror: String,
    /// Ecosystems to update, spelled as OSV does (`crates.io`, `PyPI`, `Debian:12`); empty
    /// means every ecosystem the database holds.
    pub ecosystems: Vec<String>,
    /// Ecosystems to fetch when none were asked for and the database holds none.
    pub fallback_ecosystems: Vec<String>,
    /// Retries after a connection error or a 5xx answer (so `retries + 1` requests at most).
    pub retries: u32,
    /// Wait before the first retry; doubled before each further one.
    pub retry_delay: Duration,
    /// Largest download accepted, in bytes.
    pub max_download_bytes: u64,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed between two reads of a response.
    pub read_timeout: Duration,
}

impl Default for UpdateOptions {
    /// The public OSV bucket, 3 retries after 0.5 s, 1 s and 2 s, a 2 GiB download limit, 30 s to
    /// connect and 60 s between reads.
    fn default() -> Self {
        UpdateOptions {
            mirror: DEFAULT_MIRROR.to_string(),
            ecosystems: Vec::new(),
            fallback_ecosystems: Vec::new(),
            retries: 3,
            retry_delay: Duration::from_millis(500),
            max_download_bytes: MAX_DOWNLOAD_BYTES,
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
        }
    }
}

/// What an update did, one entry per ecosystem in the order they were processed.
#[derive(Debug)]
pub struct UpdateReport {
    /// Per-ecosystem outcomes.
    pub ecosystems: Vec<EcosystemUpdate>,
    /// Whether the database file was replaced (at least one ecosystem was imported).
    pub replaced: bool,
}

impl UpdateReport {
    /// The ecosystems that failed, with their errors.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &UpdateError)> {
        self.ecosystems.iter().filter_map(|e| match &e.outcome {
            UpdateOutcome::Failed { error } => Some((e.ecosystem.as_str(), error)),
            _ => None,
        })
    }
}

/// The outcome for one ecosystem.
#[derive(Debug)]
pub struct EcosystemUpdate {
    /// The ecosystem as asked for.
    pub ecosystem: String,
    /// The URL fetched (credentials redacted).
    pub url: String,
    /// What happened.
    pub outcome: UpdateOutcome,
}

/// What happened to one ecosystem.
#[derive(Debug)]
#[non_exhaustive]
pub enum UpdateOutcome {
    /// Downloaded and imported.
    Updated {
        /// Size of the download in bytes.
        bytes: u64,
        /// What the import did (record errors are listed there, labelled with the URL).
        stats: ImportStats,
    },
    /// The mirror answered `304 Not Modified`: nothing to do.
    NotModified,
    /// Nothing was imported for this ecosystem.
    Failed {
        /// Why.
        error: UpdateError,
    },
}

/// Why an update, or one ecosystem of it, failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// The mirror is not an `http://` or `https://` URL.
    #[error("mirror `{mirror}` is not usable: {reason}, expected an `https://` or `http://` URL")]
    InvalidMirror {
        /// The mirror as given (credentials redacted).
        mirror: String,
        /// What was wrong.
        reason: String,
    },
    /// No ecosystem was asked for, the database holds none and there is no fallback list.
    #[error(
        "no ecosystems to update: {path} holds no advisories and none were named\n\nhint: name them as OSV spells them, e.g. `vigil db update --ecosystem crates.io --ecosystem PyPI` (the list is `<mirror>/ecosystems.txt`)"
    )]
    NoEcosystems {
        /// The database.
        path: String,
    },
    /// An ecosystem name that cannot be part of a URL.
    #[error("ecosystem `{ecosystem}` is not valid: {reason}")]
    InvalidEcosystem {
        /// The name as given.
        ecosystem: String,
        /// What was wrong.
        reason: String,
    },
    /// The request failed without an HTTP answer (connection, TLS, timeout, cut body).
    #[error("{url}: request failed after {attempts} attempt(s): {reason}")]
    Request {
        /// The URL (credentials redacted).
        url: String,
        /// Requests made.
        attempts: u32,
        /// What failed, with its causes.
        reason: String,
    },
    /// The mirror answered with an HTTP error status.
    #[error("{url}: server answered HTTP {status}{}", status_note(*.status, *.attempts))]
    Status {
        /// The URL (credentials redacted).
        url: String,
        /// The status code.
        status: u16,
        /// Requests made.
        attempts: u32,
    },
    /// The download is larger than [`UpdateOptions::max_download_bytes`].
    #[error("{url}: download is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The URL (credentials redacted).
        url: String,
        /// The limit.
        limit: u64,
    },
    /// The download is not a complete, readable zip archive.
    #[error("{url}: download is not a readable zip archive: {reason}")]
    Archive {
        /// The URL (credentials redacted).
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// A file next to the database could not be written, read or renamed.
    #[error("{path}: cannot {action}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// What was being done.
        action: &'static str,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP client or its runtime could not be started.
    #[error("cannot start the HTTP client: {reason}")]
    Client {
        /// What failed.
        reason: String,
    },
    /// The database (the original or the copy being imported into) failed.
    #[error(transparent)]
    Database(#[from] DbError),
}

fn status_note(status: u16, attempts: u32) -> String {
    match status {
        404 => "\n\nhint: check the ecosystem name, spelled as OSV does (`crates.io`, `PyPI`, `Debian:12`; the list is `<mirror>/ecosystems.txt`), and the mirror URL".to_string(),
        500..=599 => format!(" after {attempts} attempt(s)"),
        _ => String::new(),
    }
}

/// Updates the database at `db_path` (created when missing) from `options.mirror`; see the
/// module docs for which ecosystems, conditional requests, retries and the atomic swap.
/// `progress` receives one-line messages (downloads, retries, import counts).
///
/// Per-ecosystem failures (HTTP errors, oversized or broken downloads) are reported in the
/// returned [`UpdateReport`] while the other ecosystems go on. An `Err` means nothing was
/// changed: the mirror is invalid, there is nothing to update, the client could not start,
/// or the database, its copy or the final rename failed.
pub fn update(db_path: &Path, options: &UpdateOptions, progress: &dyn Fn(&str)) -> Result<UpdateReport, UpdateError> {
    let mirror = parse_mirror(&options.mirror)?;
    let stored = Stored::read(db_path)?;
    let ecosystems = choose_ecosystems(options, &stored, db_path)?;
    let targets: Vec<(String, Url)> = ecosystems
        .into_iter()
        .map(|eco| {
            let url = ecosystem_url(&mirror, &eco)?;
            Ok((eco, url))
        })
        .collect::<Result<_, UpdateError>>()?;

    let parent = match db_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => parent.to_path_buf(),
        None => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|source| io_error(&parent, "create the directory", source))?;
    // Next to the database so the final rename stays on one file system.
    let work = tempfile::Builder::new()
        .prefix(".vigil-update-")
        .tempdir_in(&parent)
        .map_err(|source| io_error(&parent, "create a temporary directory", source))?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| UpdateError::Client { reason: format!("cannot start the I/O runtime: {e}") })?;
    let client = reqwest::Client::builder()
        .user_agent(concat!("vigil/", env!("CARGO_PKG_VERSION")))
        .https_only(mirror.scheme() == "https")
        .connect_timeout(options.connect_timeout)
        .read_timeout(options.read_timeout)
        .build()
        .map_err(|e| UpdateError::Client { reason: error_chain(&e) })?;

    let mut staging: Option<Staging> = None;
    let mut sources: Vec<SourceRow> = Vec::new();
    let mut report = UpdateReport { ecosystems: Vec::new(), replaced: false };
    for (index, (ecosystem, url)) in targets.into_iter().enumerate() {
        let shown = redact(&url);
        let validators = stored.sources.get(&ecosystem).filter(|s| s.url == shown);
        let zip_path = work.path().join(format!("{index}.zip"));
        progress(&format!("{ecosystem}: downloading {shown}"));
        let fetched = runtime.block_on(download(&client, &url, &shown, validators, &zip_path, options, &|message| {
            progress(&format!("{ecosystem}: {message}"))
        }));
        let outcome = match fetched {
            Ok(Fetched::NotModified) => UpdateOutcome::NotModified,
            Ok(Fetched::Body { bytes, etag, last_modified }) => {
                if let Err(reason) = check_archive(&zip_path) {
                    UpdateOutcome::Failed { error: UpdateError::Archive { url: shown.clone(), reason } }
                } else {
                    let stage = match staging.as_mut() {
                        Some(stage) => stage,
                        None => staging.insert(Staging::begin(db_path, work.path(), stored.exists, progress)?),
                    };
                    progress(&format!("{ecosystem}: importing {bytes} bytes"));
                    let counter = |n: usize| {
                        if n.is_multiple_of(PROGRESS_EVERY) {
                            progress(&format!("{ecosystem}: {n} records"));
                        }
                    };
                    let mut stats = import_paths(&mut stage.db, std::slice::from_ref(&zip_path), &counter)?;
                    let label = zip_path.display().to_string();
                    for error in &mut stats.errors {
                        if let Some(rest) = error.source.strip_prefix(&label) {
                            error.source = format!("{shown}{rest}");
                        }
                    }
                    sources.push(SourceRow { ecosystem: ecosystem.clone(), url: shown.clone(), etag, last_modified });
                    UpdateOutcome::Updated { bytes, stats }
                }
            }
            Err(error) => UpdateOutcome::Failed { error },
        };
        // Free the space before the next download.
        let _ = std::fs::remove_file(&zip_path);
        report.ecosystems.push(EcosystemUpdate { ecosystem, url: shown, outcome });
    }

    if let Some(stage) = staging {
        stage.finish(&sources, db_path, progress)?;
        report.replaced = true;
    }
    Ok(report)
}

/// What the existing database says before the update.
#[derive(Default)]
struct Stored {
    exists: bool,
    /// Ecosystems of stored `affected` entries.
    affected: Vec<String>,
    /// The `sources` table by ecosystem.
    sources: BTreeMap<String, Validators>,
}

struct Validators {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
}

impl Stored {
    fn read(path: &Path) -> Result<Stored, UpdateError> {
        if !path.is_file() {
            return Ok(Stored::default());
        }
        // Refuses another schema version with its hint before anything is downloaded.
        drop(Database::open(path)?);
        let conn = connect(path)?;
        let sql = |source| DbError::Sqlite { path: path.display().to_string(), source };
        let affected = {
            let mut stmt = conn.prepare("SELECT DISTINCT ecosystem FROM affected ORDER BY ecosystem").map_err(sql)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(sql)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(sql)?
        };
        let mut sources = BTreeMap::new();
        if has_sources_table(&conn).map_err(sql)? {
            let mut stmt = conn.prepare("SELECT ecosystem, url, etag, last_modified FROM sources").map_err(sql)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        Validators {
                            url: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                            etag: r.get(2)?,
                            last_modified: r.get(3)?,
                        },
                    ))
                })
                .map_err(sql)?;
            for row in rows {
                let (ecosystem, validators) = row.map_err(sql)?;
                sources.insert(ecosystem, validators);
            }
        }
        Ok(Stored { exists: true, affected, sources })
    }
}

fn choose_ecosystems(options: &UpdateOptions, stored: &Stored, db_path: &Path) -> Result<Vec<String>, UpdateError> {
    fn push(chosen: &mut Vec<String>, eco: &str) {
        let eco = eco.trim();
        if !eco.is_empty() && !chosen.iter().any(|c| c == eco) {
            chosen.push(eco.to_string());
        }
    }
    let mut chosen: Vec<String> = Vec::new();
    if !options.ecosystems.is_empty() {
        for eco in &options.ecosystems {
            if eco.trim().is_empty() {
                return Err(UpdateError::InvalidEcosystem {
                    ecosystem: eco.clone(),
                    reason: "the name is empty".into(),
                });
            }
            push(&mut chosen, eco);
        }
        return Ok(chosen);
    }
    // An export named after an ecosystem holds its releases too (`Debian/all.zip` has the
    // `Debian:12` records), so an ecosystem already fetched covers its `:`-suffixed variants.
    for eco in stored.sources.keys() {
        push(&mut chosen, eco);
    }
    for eco in &stored.affected {
        let covered =
            stored.sources.keys().any(|s| eco == s || eco.strip_prefix(s.as_str()).is_some_and(|r| r.starts_with(':')));
        if !covered {
            push(&mut chosen, eco);
        }
    }
    if chosen.is_empty() {
        for eco in &options.fallback_ecosystems {
            push(&mut chosen, eco);
        }
    }
    if chosen.is_empty() {
        return Err(UpdateError::NoEcosystems { path: db_path.display().to_string() });
    }
    Ok(chosen)
}

fn parse_mirror(mirror: &str) -> Result<Url, UpdateError> {
    let invalid = |reason: String| UpdateError::InvalidMirror { mirror: redact_text(mirror), reason };
    let url = Url::parse(mirror.trim()).map_err(|e| invalid(e.to_string()))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(invalid(format!("scheme `{}`", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host".into()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it has a query or fragment".into()));
    }
    Ok(url)
}

/// `<mirror>/<ecosystem>/all.zip`, the ecosystem percent-encoded as one path segment.
fn ecosystem_url(mirror: &Url, ecosystem: &str) -> Result<Url, UpdateError> {
    let base = mirror.as_str().trim_end_matches('/');
    let text = format!("{base}/{}/all.zip", encode_segment(ecosystem));
    Url::parse(&text)
        .map_err(|e| UpdateError::InvalidEcosystem { ecosystem: ecosystem.to_string(), reason: e.to_string() })
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so `:` and `/` in names such
/// as `Debian:12` stay inside one segment (`Debian%3A12`).
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The URL with any password cut to its first 4 characters, for messages and the `sources` table.
fn redact(url: &Url) -> String {
    let Some(password) = url.password() else { return url.to_string() };
    let mut shown = url.clone();
    let kept: String = password.chars().take(4).collect();
    if shown.set_password(Some(&format!("{kept}***"))).is_err() {
        return format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    }
    shown.to_string()
}

fn redact_text(text: &str) -> String {
    Url::parse(text.trim()).map(|u| redact(&u)).unwrap_or_else(|_| text.chars().take(4).collect::<String>() + "***")
}

enum Fetched {
    NotModified,
    Body { bytes: u64, etag: Option<String>, last_modified: Option<String> },
}

/// A failed attempt: worth retrying or not.
enum Attempt {
    Retry(Transient),
    Fatal(UpdateError),
}

enum Transient {
    Status(u16),
    Request(String),
}

async fn download(
    client: &reqwest::Client,
    url: &Url,
    shown: &str,
    validators: Option<&Validators>,
    path: &Path,
    options: &UpdateOptions,
    progress: &dyn Fn(&str),
) -> Result<Fetched, UpdateError> {
    let mut file = File::create(path).map_err(|source| io_error(path, "create the download file", source))?;
    let requests = options.retries.saturating_add(1);
    let mut delay = options.retry_delay;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let transient = match fetch_once(client, url, shown, validators, &mut file, path, options, attempt).await {
            Ok(fetched) => return Ok(fetched),
            Err(Attempt::Fatal(error)) => return Err(error),
            Err(Attempt::Retry(transient)) => transient,
        };
        let what = match &transient {
            Transient::Status(status) => format!("HTTP {status}"),
            Transient::Request(reason) => reason.clone(),
        };
        if attempt >= requests {
            return Err(match transient {
                Transient::Status(status) => UpdateError::Status { url: shown.to_string(), status, attempts: attempt },
                Transient::Request(reason) => {
                    UpdateError::Request { url: shown.to_string(), attempts: attempt, reason }
                }
            });
        }
        progress(&format!("{what}, retrying in {:.1} s (attempt {} of {requests})", delay.as_secs_f64(), attempt + 1));
        tokio::time::sleep(delay).await;
        delay = delay.saturating_mul(2);
    }
}

#[allow(clippy::too_many_arguments)]
async fn fetch_once(
    client: &reqwest::Client,
    url: &Url,
    shown: &str,
    validators: Option<&Validators>,
    file: &mut File,
    path: &Path,
    options: &UpdateOptions,
    attempt: u32,
) -> Result<Fetched, Attempt> {
    let request_failed = |e: reqwest::Error| {
        let reason = error_chain(&e);
        if e.is_builder() || e.is_redirect() {
            Attempt::Fatal(UpdateError::Request { url: shown.to_string(), attempts: attempt, reason })
        } else {
            Attempt::Retry(Transient::Request(reason))
        }
    };
    let too_large =
        || Attempt::Fatal(UpdateError::TooLarge { url: shown.to_string(), limit: options.max_download_bytes });
    let io = |action, source| Attempt::Fatal(io_error(path, action, source));

    let mut request = client.get(url.clone());
    if let Some(v) = validators {
        if let Some(value) = v.etag.as_deref().and_then(|e| HeaderValue::from_str(e).ok()) {
            request = request.header(IF_NONE_MATCH, value);
        }
        if let Some(value) = v.last_modified.as_deref().and_then(|e| HeaderValue::from_str(e).ok()) {
            request = request.header(IF_MODIFIED_SINCE, value);
        }
    }
    let mut response = request.send().await.map_err(request_failed)?;
    let status = response.status();
    if status == StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if status.is_server_error() {
        return Err(Attempt::Retry(Transient::Status(status.as_u16())));
    }
    if !status.is_success() {
        return Err(Attempt::Fatal(UpdateError::Status {
            url: shown.to_string(),
            status: status.as_u16(),
            attempts: attempt,
        }));
    }
    if response.content_length().is_some_and(|len| len > options.max_download_bytes) {
        return Err(too_large());
    }
    let header = |name| response.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_string);
    let etag = header(ETAG);
    let last_modified = header(LAST_MODIFIED);

    file.set_len(0).map_err(|e| io("truncate the download file", e))?;
    file.rewind().map_err(|e| io("rewind the download file", e))?;
    let mut bytes: u64 = 0;
    while let Some(chunk) = response.chunk().await.map_err(request_failed)? {
        bytes = bytes.saturating_add(chunk.len() as u64);
        if bytes > options.max_download_bytes {
            return Err(too_large());
        }
        file.write_all(&chunk).map_err(|e| io("write the download file", e))?;
    }
    file.sync_all().map_err(|e| io("write the download file", e))?;
    Ok(Fetched::Body { bytes, etag, last_modified })
}

/// Reads every entry of the archive to its end, so a cut or damaged download (central
/// directory or CRC) is found before anything is imported.
fn check_archive(path: &Path) -> Result<(), String> {
    let file = File::open(path).map_err(|e| format!("cannot read the download: {e}"))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| e.to_string())?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(format!("{} entries, more than the limit of {MAX_ZIP_ENTRIES}", archive.len()));
    }
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| format!("entry {index}: {e}"))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("#{index}"));
        std::io::copy(&mut (&mut entry).take(MAX_ENTRY_CHECK_BYTES), &mut std::io::sink())
            .map_err(|e| format!("entry `{name}`: {e}"))?;
    }
    Ok(())
}

/// The copy being imported into.
struct Staging {
    db: Database,
    path: PathBuf,
}

impl Staging {
    fn begin(original: &Path, work: &Path, exists: bool, progress: &dyn Fn(&str)) -> Result<Staging, UpdateError> {
        let path = work.join("vuln.db");
        if exists {
            progress(&format!("copying {}", original.display()));
            let target = path.to_str().ok_or_else(|| UpdateError::Io {
                path: path.display().to_string(),
                action: "copy the database",
                source: std::io::Error::other("the path is not UTF-8"),
            })?;
            // A consistent snapshot, including what is still in the write-ahead log.
            let conn = connect(original)?;
            conn.execute("VACUUM INTO ?1", [target])
                .map_err(|source| DbError::Sqlite { path: original.display().to_string(), source })?;
        }
        Ok(Staging { db: Database::create(&path)?, path })
    }

    fn finish(self, sources: &[SourceRow], original: &Path, progress: &dyn Fn(&str)) -> Result<(), UpdateError> {
        let Staging { db, path } = self;
        drop(db);
        {
            let mut conn = connect(&path)?;
            let sql = |source| DbError::Sqlite { path: path.display().to_string(), source };
            let tx = conn.transaction().map_err(sql)?;
            tx.execute_batch(
                "CREATE TABLE IF NOT EXISTS sources(
                     ecosystem TEXT PRIMARY KEY, url TEXT, etag TEXT, last_modified TEXT, updated TEXT);",
            )
            .map_err(sql)?;
            let now = vigil_core::time::rfc3339(vigil_core::time::now_unix());
            for row in sources {
                tx.execute(
                    "INSERT INTO sources(ecosystem, url, etag, last_modified, updated) VALUES(?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT(ecosystem) DO UPDATE SET url = excluded.url, etag = excluded.etag,
                       last_modified = excluded.last_modified, updated = excluded.updated",
                    params![row.ecosystem, row.url, row.etag, row.last_modified, now],
                )
                .map_err(sql)?;
            }
            tx.commit().map_err(sql)?;
            // Closing the last connection checkpoints the write-ahead log into the file.
            conn.close().map_err(|(_, source)| sql(source))?;
        }
        File::open(&path)
            .and_then(|f| f.sync_all())
            .map_err(|source| io_error(&path, "flush the new database", source))?;
        progress(&format!("replacing {}", original.display()));
        std::fs::rename(&path, original).map_err(|source| io_error(original, "replace the database", source))?;
        Ok(())
    }
}

struct SourceRow {
    ecosystem: String,
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
}

fn connect(path: &Path) -> Result<Connection, DbError> {
    Connection::open(path).map_err(|source| DbError::Sqlite { path: path.display().to_string(), source })
}

fn has_sources_table(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='sources'", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n > 0)
}

fn io_error(path: &Path, action: &'static str, source: std::io::Error) -> UpdateError {
    UpdateError::Io { path: path.display().to_string(), action, source }
}

/// The error and its causes on one line, without reqwest's repeated URL.
fn error_chain(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    if error.is_timeout() {
        parts.push("timed out".into());
    }
    let mut cause = std::error::Error::source(error);
    while let Some(e) = cause {
        let text = e.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        cause = e.source();
    }
    if parts.is_empty() {
        parts.push(error.to_string());
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ecosystem_names_stay_one_path_segment() {
        assert_eq!(encode_segment("crates.io"), "crates.io");
        assert_eq!(encode_segment("Debian:12"), "Debian%3A12");
        assert_eq!(encode_segment("Ubuntu:Pro:18.04:LTS"), "Ubuntu%3APro%3A18.04%3ALTS");
        assert_eq!(encode_segment("GitHub Actions"), "GitHub%20Actions");
        assert_eq!(encode_segment("../x/y"), "..%2Fx%2Fy");
        let mirror = parse_mirror("https://mirror.example/osv/").unwrap();
        assert_eq!(
            ecosystem_url(&mirror, "Debian:12").unwrap().as_str(),
            "https://mirror.example/osv/Debian%3A12/all.zip"
        );
    }

    #[test]
    fn mirrors_must_be_http_urls() {
        assert!(parse_mirror("http://127.0.0.1:8080").is_ok());
        for bad in ["ftp://mirror.example", "file:///tmp/osv", "mirror.example", "https://m.example/?a=b"] {
            assert!(matches!(parse_mirror(bad), Err(UpdateError::InvalidMirror { .. })), "{bad}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        let url = Url::parse("https://user:secret-token@mirror.example/osv").unwrap();
        let shown = redact(&url);
        assert!(!shown.contains("secret-token"), "{shown}");
        assert!(shown.contains("secr"), "{shown}");
        let err = parse_mirror("gopher://user:secret-token@mirror.example").unwrap_err().to_string();
        assert!(!err.contains("secret-token"), "{err}");
    }

    #[test]
    fn stored_ecosystems_cover_their_releases() {
        let mut stored = Stored { exists: true, ..Stored::default() };
        stored.affected = vec!["Debian:11".into(), "Debian:12".into(), "DebianX".into(), "PyPI".into()];
        stored.sources.insert("Debian".into(), Validators { url: String::new(), etag: None, last_modified: None });
        let chosen = choose_ecosystems(&UpdateOptions::default(), &stored, Path::new("db")).unwrap();
        assert_eq!(chosen, ["Debian", "DebianX", "PyPI"]);

        let asked = UpdateOptions { ecosystems: vec!["npm".into(), "npm".into()], ..UpdateOptions::default() };
        assert_eq!(choose_ecosystems(&asked, &stored, Path::new("db")).unwrap(), ["npm"]);

        let empty = Stored::default();
        let err = choose_ecosystems(&UpdateOptions::default(), &empty, Path::new("db")).unwrap_err();
        assert!(err.to_string().contains("hint: "), "{err}");
        let fallback = UpdateOptions { fallback_ecosystems: vec!["Go".into()], ..UpdateOptions::default() };
        assert_eq!(choose_ecosystems(&fallback, &empty, Path::new("db")).unwrap(), ["Go"]);
    }
}
