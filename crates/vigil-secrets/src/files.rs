//! Files and directories (`gitleaks dir`), and standard input.
//!
//! Directories are walked in parallel with the `ignore` crate, the way `vigil lint` finds
//! manifests: `.gitignore`, `.ignore` and `.git/info/exclude` are honoured (inside or outside a
//! Git repository) unless [`FileOptions::respect_ignore`] is off. Unlike `vigil lint`, hidden
//! files are scanned (`.env`, `.npmrc`, `.aws/credentials` are where secrets are); `.git`
//! directories never are (history is the `git` target's job).
//!
//! As gitleaks does: paths are reported joined to the root as given (`src` → `src/app.env`,
//! `.` → `app.env`); empty files are skipped; symbolic links are skipped unless
//! [`FileOptions::follow_symlinks`] is set, and then a link to a file is scanned under the
//! file's real path with the link in [`Finding::symlink_file`] (links to directories are not
//! followed); directories and files excluded by the configuration's global allowlist paths are
//! skipped before they are read. Files with a NUL byte in their first 8 KiB are binary and
//! skipped (gitleaks skips `application/*` MIME types and reads archives only with
//! `--max-archive-depth`; vigil does not open archives). Files larger than
//! [`FileOptions::max_file_bytes`] (default 10 MiB; gitleaks' `--max-target-megabytes` is the
//! same limit in units of 10⁶ bytes, off by default) are skipped and counted.
//!
//! YAML and JSON files that look like Kubernetes manifests are also read as objects
//! ([`crate::k8s::scan_document`]), so base64 `data` of Secrets is decoded and scanned; a
//! finding both scans report is reported once, with the object named.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use ignore::WalkState;

use crate::engine::Detector;
use crate::finding::Finding;
use crate::fragment::{Fragment, Origin};
use crate::scan::Scan;

/// How files are found and read.
#[derive(Debug, Clone)]
pub struct FileOptions {
    /// Largest file read, in bytes (default 10 MiB); larger ones are counted in
    /// [`crate::scan::Stats::skipped_large`].
    pub max_file_bytes: u64,
    /// Follow symbolic links to files (gitleaks' `--follow-symlinks`; default off).
    pub follow_symlinks: bool,
    /// Honour `.gitignore`, `.ignore` and Git exclude files (default on).
    pub respect_ignore: bool,
    /// Also read Kubernetes manifests as objects (default on).
    pub kubernetes: bool,
    /// Walker threads; 0 lets the walker choose.
    pub threads: usize,
}

impl Default for FileOptions {
    fn default() -> Self {
        FileOptions {
            max_file_bytes: 10 * 1024 * 1024,
            follow_symlinks: false,
            respect_ignore: true,
            kubernetes: true,
            threads: 0,
        }
    }
}

/// Why a files scan could not start or an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// A path given to scan does not exist or cannot be read.
    #[error("{path}: {message}")]
    Path {
        /// The path as given.
        path: String,
        /// The OS message.
        message: String,
    },
    /// A stream could not be read.
    #[error("{name}: cannot read: {message}")]
    Read {
        /// The input's name (`-` for stdin).
        name: String,
        /// The OS message.
        message: String,
    },
    /// A stream is larger than [`FileOptions::max_file_bytes`].
    #[error("{name}: input is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The input's name.
        name: String,
        /// The limit.
        limit: u64,
    },
}

/// The first bytes checked for NUL to tell binary files.
const BINARY_SNIFF: usize = 8192;

/// Whether `bytes` are binary: a NUL byte in the first 8 KiB.
#[must_use]
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, bytes.get(..BINARY_SNIFF).unwrap_or(bytes)).is_some()
}

/// A path as gitleaks reports it: `/`-separated, `.` components dropped (`./a` → `a`).
#[must_use]
pub fn display_path(path: &Path) -> String {
    let mut out = String::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::RootDir => out.push('/'),
            Component::Prefix(p) => out.push_str(&p.as_os_str().to_string_lossy()),
            other => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&other.as_os_str().to_string_lossy());
            }
        }
    }
    if out.is_empty() { ".".to_owned() } else { out }
}

/// Scans `paths` (files or directories); see the module documentation. Findings are sorted by
/// file, line, column and rule; per-file problems (unreadable files, walk errors) are in
/// [`crate::scan::Stats::errors`].
///
/// # Errors
/// A path given does not exist or cannot be read.
pub fn scan(paths: &[PathBuf], options: &FileOptions, detector: &Detector) -> Result<Scan, FilesError> {
    for path in paths {
        std::fs::symlink_metadata(path)
            .map_err(|e| FilesError::Path { path: path.display().to_string(), message: e.to_string() })?;
    }
    let result = Mutex::new(Scan::default());
    let add = |scan: Scan| {
        if let Ok(mut all) = result.lock() {
            all.merge(scan);
        }
    };
    for path in paths {
        let mut builder = ignore::WalkBuilder::new(path);
        builder
            .hidden(false)
            .require_git(false)
            .follow_links(false)
            .git_ignore(options.respect_ignore)
            .git_exclude(options.respect_ignore)
            .git_global(options.respect_ignore)
            .ignore(options.respect_ignore)
            .parents(options.respect_ignore)
            .threads(options.threads);
        builder.build_parallel().run(|| {
            Box::new(|entry| {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(e) => {
                        let mut scan = Scan::default();
                        scan.stats.errors.push(e.to_string());
                        add(scan);
                        return WalkState::Continue;
                    }
                };
                let (state, scan) = visit(&entry, options, detector);
                if let Some(scan) = scan {
                    add(scan);
                }
                state
            })
        });
    }
    let mut scan = result.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    scan.findings.sort_by(|a, b| {
        (&a.file, a.start_line, a.start_column, &a.rule).cmp(&(&b.file, b.start_line, b.start_column, &b.rule))
    });
    scan.stats.errors.sort();
    Ok(scan)
}

/// One walked entry: what to do next and what it gave.
fn visit(entry: &ignore::DirEntry, options: &FileOptions, detector: &Detector) -> (WalkState, Option<Scan>) {
    let path = entry.path();
    let name = display_path(path);
    let Some(kind) = entry.file_type() else { return (WalkState::Continue, None) };
    if kind.is_dir() {
        if entry.file_name() == ".git" && entry.depth() > 0 {
            return (WalkState::Skip, None);
        }
        if entry.depth() > 0 && detector.path_allowed(&name) {
            return (WalkState::Skip, None);
        }
        return (WalkState::Continue, None);
    }
    let (real, symlink) = if kind.is_symlink() {
        if !options.follow_symlinks {
            return (WalkState::Continue, None);
        }
        match resolve_link(path) {
            Some(real) => (real, Some(name)),
            None => return (WalkState::Continue, None),
        }
    } else if kind.is_file() {
        (path.to_path_buf(), None)
    } else {
        return (WalkState::Continue, None);
    };
    let file = display_path(&real);
    (WalkState::Continue, Some(scan_file(&real, file, symlink, options, detector)))
}

/// The real path of a link to a file (relative when the link's path is and the file is under
/// the current directory, as Go's `EvalSymlinks` keeps it); `None` for a dangling link or a
/// link to a directory.
fn resolve_link(path: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(path).ok()?;
    if real.is_dir() {
        return None;
    }
    if path.is_relative()
        && let Some(rel) = std::env::current_dir()
            .ok()
            .and_then(|cwd| std::fs::canonicalize(cwd).ok())
            .and_then(|cwd| real.strip_prefix(cwd).ok().map(Path::to_path_buf))
    {
        return Some(rel);
    }
    Some(real)
}

fn scan_file(path: &Path, name: String, symlink: Option<String>, options: &FileOptions, detector: &Detector) -> Scan {
    let mut scan = Scan::default();
    if detector.path_allowed(&name) {
        scan.stats.skipped_allowlisted += 1;
        return scan;
    }
    let read = || -> std::io::Result<Option<Vec<u8>>> {
        let file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        if size > options.max_file_bytes {
            return Ok(None);
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        file.take(options.max_file_bytes.saturating_add(1)).read_to_end(&mut bytes)?;
        Ok((bytes.len() as u64 <= options.max_file_bytes).then_some(bytes))
    };
    match read() {
        Err(e) => scan.stats.errors.push(format!("{name}: cannot read: {e}")),
        Ok(None) => scan.stats.skipped_large += 1,
        Ok(Some(bytes)) => {
            let kubernetes = options.kubernetes && vigil_k8s::is_manifest_path(path);
            scan_bytes(&mut scan, &name, symlink, &bytes, kubernetes, detector);
        }
    }
    scan
}

/// Scans one input's content into `scan`.
fn scan_bytes(
    scan: &mut Scan,
    name: &str,
    symlink: Option<String>,
    bytes: &[u8],
    kubernetes: bool,
    detector: &Detector,
) {
    if bytes.is_empty() {
        return;
    }
    if is_binary(bytes) {
        scan.stats.skipped_binary += 1;
        // Path rules (gitleaks' `pkcs12-file`) still apply to a binary file: its content is not
        // scanned, its name is.
        let origin = Origin { path: name.to_owned(), symlink, ..Origin::default() };
        scan.findings.extend(detector.detect(Fragment { bytes: &[], origin: &origin }));
        return;
    }
    scan.stats.files += 1;
    scan.stats.bytes += bytes.len() as u64;
    let origin = Origin { path: name.to_owned(), symlink: symlink.clone(), ..Origin::default() };
    let mut findings = detector.detect(Fragment { bytes, origin: &origin });
    if kubernetes
        && let Ok(text) = std::str::from_utf8(bytes)
        && crate::k8s::looks_like_manifest(text)
    {
        let objects = crate::k8s::scan_document(name, text, detector);
        merge_object_findings(&mut findings, objects, symlink.as_deref());
    }
    scan.findings.extend(findings);
}

/// Adds the Kubernetes scan's findings to the text scan's: one both found (same rule, line and
/// secret) is kept once, with the object named.
fn merge_object_findings(findings: &mut Vec<Finding>, objects: Vec<Finding>, symlink: Option<&str>) {
    let text_found = findings.len();
    for mut o in objects {
        let same = findings
            .iter_mut()
            .take(text_found)
            .find(|f| f.rule == o.rule && f.start_line == o.start_line && f.secret == o.secret);
        match same {
            Some(f) => {
                if f.object.is_none() {
                    f.object = o.object;
                }
                if f.decoded.is_empty() {
                    f.decoded = o.decoded;
                }
            }
            None => {
                let duplicate =
                    findings.iter().any(|f| f.rule == o.rule && f.start_line == o.start_line && f.secret == o.secret);
                if !duplicate {
                    o.symlink_file = symlink.map(str::to_owned);
                    findings.push(o);
                }
            }
        }
    }
}

/// Scans a stream (standard input is `-`), read up to [`FileOptions::max_file_bytes`]. A
/// stream that looks like a Kubernetes manifest is also read as objects.
///
/// # Errors
/// The stream cannot be read or is larger than the limit.
pub fn scan_reader(
    name: &str,
    reader: impl Read,
    options: &FileOptions,
    detector: &Detector,
) -> Result<Scan, FilesError> {
    let mut bytes = Vec::new();
    reader
        .take(options.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| FilesError::Read { name: name.to_owned(), message: e.to_string() })?;
    if bytes.len() as u64 > options.max_file_bytes {
        return Err(FilesError::TooLarge { name: name.to_owned(), limit: options.max_file_bytes });
    }
    let mut scan = Scan::default();
    scan_bytes(&mut scan, name, None, &bytes, options.kubernetes, detector);
    Ok(scan)
}
