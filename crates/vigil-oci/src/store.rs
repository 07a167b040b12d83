//! Where blobs come from: an OCI layout directory, or entries of a tar archive read in place.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::{Digest, Error};

/// A blob source.
#[derive(Debug, Clone)]
pub(crate) enum Store {
    /// `blobs/<alg>/<hex>` under a directory.
    Layout(PathBuf),
    /// Entries of an uncompressed tar file, indexed by normalised path: (data offset, size).
    Archive { path: PathBuf, entries: HashMap<String, (u64, u64)> },
}

impl Store {
    /// Indexes the regular files of a tar archive without extracting anything.
    pub(crate) fn index_archive(path: &Path, max_entries: u64) -> Result<Store, Error> {
        let file = File::open(path).map_err(|e| Error::io(path.display(), e))?;
        let mut archive = tar::Archive::new(file);
        let mut entries = HashMap::new();
        let iter = archive.entries().map_err(|e| bad_archive(path, &e))?;
        for entry in iter {
            let entry = entry.map_err(|e| bad_archive(path, &e))?;
            if entries.len() as u64 >= max_entries {
                return Err(Error::Limit {
                    what: path.display().to_string(),
                    detail: "number of archive entries".into(),
                    limit: max_entries.to_string(),
                });
            }
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let name = name.trim_start_matches("./").trim_start_matches('/').to_string();
            entries.insert(name, (entry.raw_file_position(), entry.size()));
        }
        Ok(Store::Archive { path: path.to_path_buf(), entries })
    }

    /// A human name for error messages.
    pub(crate) fn location(&self) -> String {
        match self {
            Store::Layout(root) => root.display().to_string(),
            Store::Archive { path, .. } => path.display().to_string(),
        }
    }

    /// Opens the file at `name` (relative path inside the layout or archive).
    pub(crate) fn open(&self, name: &str) -> Result<Box<dyn Read + Send>, Error> {
        match self {
            Store::Layout(root) => {
                let path = root.join(name);
                let file = File::open(&path).map_err(|e| Error::io(path.display(), e))?;
                Ok(Box::new(file))
            }
            Store::Archive { path, entries } => {
                let (offset, size) = *entries.get(name).ok_or_else(|| Error::BlobNotFound {
                    location: path.display().to_string(),
                    digest: name.to_string(),
                })?;
                let mut file = File::open(path).map_err(|e| Error::io(path.display(), e))?;
                file.seek(SeekFrom::Start(offset)).map_err(|e| Error::io(path.display(), e))?;
                Ok(Box::new(file.take(size)))
            }
        }
    }

    /// Whether `name` exists.
    pub(crate) fn has(&self, name: &str) -> bool {
        match self {
            Store::Layout(root) => root.join(name).is_file(),
            Store::Archive { entries, .. } => entries.contains_key(name),
        }
    }

    /// Reads a small file completely, refusing more than `limit` bytes.
    pub(crate) fn read_small(&self, name: &str, limit: u64) -> Result<Vec<u8>, Error> {
        read_limited(self.open(name)?, limit, &format!("{}: {name}", self.location()))
    }
}

pub(crate) fn blob_path(digest: &Digest) -> String {
    format!("blobs/{}/{}", digest.algorithm(), digest.hex())
}

pub(crate) fn read_limited(reader: impl Read, limit: u64, what: &str) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| Error::io(what, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::Limit {
            what: what.to_string(),
            detail: "document size".into(),
            limit: format!("{limit} bytes"),
        });
    }
    Ok(bytes)
}

fn bad_archive(path: &Path, e: &std::io::Error) -> Error {
    Error::NotAnImage { path: path.display().to_string(), expected: "a tar archive", reason: e.to_string() }
}
