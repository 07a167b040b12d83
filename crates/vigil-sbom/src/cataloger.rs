//! The trait every cataloger implements.

use crate::Package;

/// Reads a file by `/`-separated path relative to the cataloged file's folder.
pub type ReadFile<'a> = dyn Fn(&str) -> Option<Vec<u8>> + 'a;

/// What a cataloger is given: the file's path and bytes, plus a way to read sibling files
/// (for formats that include others, such as `requirements.txt`'s `-r`).
pub struct CatalogInput<'a> {
    /// `/`-separated path of the file.
    pub path: &'a str,
    /// The file's bytes.
    pub contents: &'a [u8],
    /// The distribution of the image or root file system (`Debian:12`, `Alpine:v3.19`), for OS
    /// package databases.
    pub distro: Option<&'a str>,
    /// Reads another file by `/`-separated path (already resolved against this file's folder).
    pub read: Option<&'a ReadFile<'a>>,
}

impl<'a> CatalogInput<'a> {
    /// An input with no distro and no access to other files.
    pub fn new(path: &'a str, contents: &'a [u8]) -> Self {
        CatalogInput { path, contents, distro: None, read: None }
    }

    /// The contents as UTF-8 text.
    pub fn text(&self) -> Result<&'a str, CatalogError> {
        std::str::from_utf8(self.contents)
            .map_err(|e| CatalogError::new(self.path, format!("not UTF-8 text at byte {}", e.valid_up_to())))
    }
}

/// A file a cataloger could not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct CatalogError {
    /// The file.
    pub path: String,
    /// What was wrong, e.g. `invalid JSON at line 3 column 7: expected value`.
    pub message: String,
}

impl CatalogError {
    /// An error about `path`.
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        CatalogError { path: path.to_string(), message: message.into() }
    }
}

/// Turns one kind of file into packages.
pub trait Cataloger: Send + Sync {
    /// Stable ID, e.g. `npm-package-lock`, `dpkg-status`.
    fn id(&self) -> &'static str;

    /// Whether this cataloger reads the file at `path` (`/`-separated; judged by name or path).
    fn matches(&self, path: &str) -> bool;

    /// Parses the file. Packages carry `input.path` as their location; the caller adds the layer.
    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError>;

    /// Whether the cataloger needs nothing but the file itself (no distribution, no sibling
    /// files): binaries and archives. Such files are parsed as the layer walk reaches them and
    /// dropped at once, so large executables never accumulate in memory.
    fn is_standalone(&self) -> bool {
        false
    }

    /// For standalone catalogers: parses a file too large to hold in memory from disk (the
    /// scan spills it to a private temporary file), reading only what it needs. `None` when
    /// the cataloger cannot (the file is then reported as too large).
    fn parse_file(&self, _path: &str, _file: &std::fs::File) -> Option<Result<Vec<Package>, CatalogError>> {
        None
    }
}

/// The file name part of a `/`-separated path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
