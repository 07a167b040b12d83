//! What a target hands the detector: bytes and where they came from.

use std::sync::Arc;

/// The commit a Git blob was found in.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct CommitInfo {
    /// The full commit id (hex).
    pub id: String,
    /// Author name.
    pub author: String,
    /// Author email.
    pub email: String,
    /// Author date, RFC 3339 (UTC).
    pub date: String,
    /// The commit message (first line is enough for reports).
    pub message: String,
}

/// The image layer a file was found in.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct LayerInfo {
    /// The layer's digest (`sha256:…`).
    pub digest: String,
    /// Its 0-based index in the image.
    pub index: usize,
    /// When a later layer deletes or overwrites the file: that layer's index (the secret is still
    /// in the image).
    pub removed_in: Option<usize>,
}

/// Where a fragment comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// The file path as reported (relative to the scanned root when there is one; `-` for stdin).
    pub path: String,
    /// The path of the symlink through which the file was reached, if any (gitleaks' `SymlinkFile`).
    pub symlink: Option<String>,
    /// For Git history: the commit.
    pub commit: Option<Arc<CommitInfo>>,
    /// For image layers: the layer.
    pub layer: Option<Arc<LayerInfo>>,
    /// For Kubernetes objects: `Kind/namespace/name` and the key or field inside (for example
    /// `Secret/prod/db data.password`).
    pub object: Option<String>,
    /// For a value that was decoded before scanning (a Secret's base64 `data`): the line in the
    /// file where the encoded value sits, so that findings point there.
    pub line_offset: Option<usize>,
}

/// Bytes to scan and their origin.
#[derive(Debug, Clone, Copy)]
pub struct Fragment<'a> {
    /// The content (any bytes; invalid UTF-8 is scanned as bytes).
    pub bytes: &'a [u8],
    /// Where it comes from.
    pub origin: &'a Origin,
}
