//! Bounds on what an image may make vigil read.

/// Limits applied while reading an image. Exceeding one stops reading with [`crate::Error::Limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest JSON document (index, manifest, config, `manifest.json`), default 8 MiB.
    pub max_json_bytes: u64,
    /// Most uncompressed bytes in one layer, default 16 GiB.
    pub max_layer_bytes: u64,
    /// Most uncompressed bytes over all layers, default 64 GiB.
    pub max_total_bytes: u64,
    /// Most entries over all layers, default 5,000,000.
    pub max_entries: u64,
    /// Largest ratio of uncompressed to compressed bytes in a layer (decompression bombs),
    /// enforced once a layer has produced more than 64 MiB; default 200.
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_json_bytes: 8 * 1024 * 1024,
            max_layer_bytes: 16 * 1024 * 1024 * 1024,
            max_total_bytes: 64 * 1024 * 1024 * 1024,
            max_entries: 5_000_000,
            max_ratio: 200,
        }
    }
}

/// Below this many uncompressed bytes the ratio is not checked (small, highly compressible
/// layers are normal).
pub(crate) const RATIO_GRACE_BYTES: u64 = 64 * 1024 * 1024;
