//! SBOM documents in and out: vigil's JSON, CycloneDX 1.6 and SPDX 2.3 (JSON), all
//! deterministic (same input, same bytes; the timestamp is pinned by `SOURCE_DATE_EPOCH`).

pub(crate) mod cyclonedx;
pub(crate) mod read;
pub(crate) mod spdx;

use sha2::{Digest as _, Sha256};

/// An output format of `vigil sbom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// vigil's own JSON (`"version": 1`).
    Json,
    /// CycloneDX 1.6 JSON.
    CycloneDx,
    /// SPDX 2.3 JSON.
    Spdx,
}

/// Renders `sbom` in `format` as pretty JSON. `created` is the document timestamp in
/// seconds since the Unix epoch (use [`created_timestamp`]).
pub fn render(sbom: &crate::Sbom, format: Format, created: i64) -> String {
    let value = match format {
        Format::Json => serde_json::to_value(sbom).unwrap_or_default(),
        Format::CycloneDx => cyclonedx::to_cyclonedx(sbom, created),
        Format::Spdx => spdx::to_spdx(sbom, created),
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

/// `SOURCE_DATE_EPOCH` when set to an integer (reproducible builds), else the current time.
pub fn created_timestamp() -> i64 {
    std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|v| v.trim().parse::<i64>().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
            .unwrap_or(0)
    })
}

/// A name-based UUID (RFC 9562 version 8 layout over SHA-256) of `seed`, so documents
/// with the same content get the same serial number.
pub(crate) fn uuid_of(seed: &str) -> String {
    let hash = Sha256::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&hash[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

pub use cyclonedx::{AnalysisState, CycloneDxError, Vulnerability, write_with_vulnerabilities};
pub use read::{ReadError, read_sbom};
