//! The one error type of this crate.

/// Why an image could not be read. Every variant names the file, blob or entry involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading a file or directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The target is not an image of the expected kind.
    #[error("{path}: not {expected}: {reason}")]
    NotAnImage {
        /// The file or directory.
        path: String,
        /// What it should have been, e.g. `an OCI image layout`.
        expected: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A JSON document (manifest, index, config) is malformed.
    #[error("{what}: invalid JSON: {source}")]
    Json {
        /// Which document.
        what: String,
        /// The cause, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// A blob's content does not match its digest.
    #[error("{what}: digest mismatch, expected `{expected}`, content hashes to `{actual}`")]
    DigestMismatch {
        /// Which blob.
        what: String,
        /// The digest it was referenced by.
        expected: String,
        /// The digest of what was read.
        actual: String,
    },
    /// A digest string is malformed or uses an unsupported algorithm.
    #[error("invalid digest `{0}`, expected `sha256:<64 hex>` or `sha512:<128 hex>`")]
    InvalidDigest(String),
    /// A blob referenced by a manifest is not in the layout or archive.
    #[error("{location}: blob `{digest}` not found")]
    BlobNotFound {
        /// The layout or archive.
        location: String,
        /// The digest.
        digest: String,
    },
    /// A media type vigil does not read.
    #[error("{what}: unsupported media type `{media_type}`")]
    UnsupportedMediaType {
        /// Which document or layer.
        what: String,
        /// The media type.
        media_type: String,
    },
    /// No manifest in an index matches the requested platform.
    #[error("no image for platform `{wanted}` (available: {available})")]
    NoMatchingPlatform {
        /// The requested platform.
        wanted: String,
        /// The platforms the index offers.
        available: String,
    },
    /// The layout or archive holds several images and none was chosen.
    #[error("{location}: {reason}")]
    Ambiguous {
        /// The layout or archive.
        location: String,
        /// What to choose from.
        reason: String,
    },
    /// A size, count or ratio limit was exceeded (decompression bombs, huge images).
    #[error("{what}: {detail} exceeds the limit of {limit}")]
    Limit {
        /// Where.
        what: String,
        /// What was measured.
        detail: String,
        /// The limit.
        limit: String,
    },
    /// An archive entry with a path that could escape the image root.
    #[error("layer {layer}: unsafe entry `{path}`: {reason}")]
    UnsafePath {
        /// Layer digest (or archive).
        layer: String,
        /// The entry's path as written.
        path: String,
        /// Why it is refused.
        reason: String,
    },
    /// A layer could not be decompressed or is not a valid tar stream.
    #[error("layer {layer}: {reason}")]
    BadLayer {
        /// Layer digest.
        layer: String,
        /// What went wrong (truncated, corrupt gzip/zstd, bad tar header).
        reason: String,
    },
    /// A target string vigil cannot interpret.
    #[error("invalid target `{target}`: {reason}")]
    InvalidTarget {
        /// The target as given.
        target: String,
        /// Why.
        reason: String,
    },
    /// Talking to a registry failed.
    #[error("registry {registry}: {reason}")]
    Registry {
        /// Registry host.
        registry: String,
        /// What went wrong.
        reason: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl std::fmt::Display, source: std::io::Error) -> Self {
        Error::Io { path: path.to_string(), source }
    }
}
