//! The log as C2SP `tlog-tiles`: `/checkpoint`, `/tile/<L>/<N>[.p/<W>]` and
//! `/tile/entries/<N>[.p/<W>]`, read-only, so that any tlog-tiles client, witness or monitor
//! can audit the log without vigil's code.
//!
//! Tiles have height 8: tile `(L, N)` holds the hashes of tree level `8·L`, nodes
//! `[256·N, 256·N + W)`, concatenated (`W·32` bytes). An entry bundle holds entries
//! `[256·N, 256·N + W)`, each as a big-endian `uint16` length and the entry's bytes. `N` is
//! written in three-digit groups, all but the last prefixed with `x` (`x001/x234/067`). A full
//! tile (`W = 256`, no `.p/` suffix) never changes and is served as immutable; a partial tile
//! is served for any width the latest checkpoint covers. Tiles beyond the latest checkpoint's
//! size are 404.

use crate::note::{Checkpoint, Note};
use crate::store::{Reader, StoreError};

/// Tile height (hashes per tile row: 2^8).
pub const HEIGHT: u8 = 8;
/// Hashes or entries in a full tile.
pub const WIDTH: u64 = 256;

/// An HTTP answer, independent of the server that sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileResponse {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// `Cache-Control`.
    pub cache_control: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

fn not_found(message: String) -> TileResponse {
    TileResponse {
        status: 404,
        content_type: "text/plain; charset=utf-8",
        cache_control: "no-store",
        body: message.into_bytes(),
    }
}

fn bad_request(message: String) -> TileResponse {
    TileResponse {
        status: 400,
        content_type: "text/plain; charset=utf-8",
        cache_control: "no-store",
        body: message.into_bytes(),
    }
}

/// A parsed tile path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TilePath {
    /// `/checkpoint`.
    Checkpoint,
    /// `/tile/<L>/<N>[.p/<W>]`: level, index, width (256 = full).
    Hashes {
        /// Tile level (tree level `8·level`).
        level: u8,
        /// Tile index within the level.
        index: u64,
        /// Hashes in the tile (256 = full).
        width: u64,
    },
    /// `/tile/entries/<N>[.p/<W>]`.
    Entries {
        /// Bundle index.
        index: u64,
        /// Entries in the bundle (256 = full).
        width: u64,
    },
}

/// Writes `n` in tlog-tiles form (`x001/x234/067`).
#[must_use]
pub fn encode_index(n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    let mut rest = n / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

/// The path of a tile (without the leading `/`).
#[must_use]
pub fn path_of(tile: &TilePath) -> String {
    let suffix = |w: u64| if w == WIDTH { String::new() } else { format!(".p/{w}") };
    match tile {
        TilePath::Checkpoint => "checkpoint".into(),
        TilePath::Hashes { level, index, width } => format!("tile/{level}/{}{}", encode_index(*index), suffix(*width)),
        TilePath::Entries { index, width } => format!("tile/entries/{}{}", encode_index(*index), suffix(*width)),
    }
}

/// Parses a request path (leading `/` optional). Only canonical encodings are accepted, so that
/// one tile has one URL.
///
/// # Errors
/// A message saying what is not a tile path.
pub fn parse_path(path: &str) -> Result<TilePath, String> {
    let path = path.strip_prefix('/').unwrap_or(path);
    if path == "checkpoint" {
        return Ok(TilePath::Checkpoint);
    }
    let rest = path.strip_prefix("tile/").ok_or_else(|| format!("`/{path}` is not a tlog-tiles path"))?;
    let (level, rest) = rest.split_once('/').ok_or_else(|| format!("`/{path}`: no tile index"))?;
    let (index_part, width) = match rest.split_once(".p/") {
        Some((index, width)) => {
            let w: u64 = canonical_number(width).ok_or_else(|| format!("`/{path}`: bad partial width `{width}`"))?;
            if w == 0 || w >= WIDTH {
                return Err(format!("`/{path}`: a partial tile's width is 1..255, not {w}"));
            }
            (index, w)
        }
        None => (rest, WIDTH),
    };
    let index = decode_index(index_part).ok_or_else(|| format!("`/{path}`: bad tile index `{index_part}`"))?;
    if level == "entries" {
        return Ok(TilePath::Entries { index, width });
    }
    let level: u8 = canonical_number(level)
        .and_then(|l| u8::try_from(l).ok())
        .filter(|l| u32::from(*l) * u32::from(HEIGHT) < 64)
        .ok_or_else(|| format!("`/{path}`: bad tile level `{level}`"))?;
    Ok(TilePath::Hashes { level, index, width })
}

fn canonical_number(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

fn decode_index(s: &str) -> Option<u64> {
    let groups: Vec<&str> = s.split('/').collect();
    if groups.len() > 7 {
        return None;
    }
    let mut n: u64 = 0;
    for (i, group) in groups.iter().enumerate() {
        let last = i + 1 == groups.len();
        let digits = if last { *group } else { group.strip_prefix('x')? };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        n = n.checked_mul(1000)?.checked_add(digits.parse::<u64>().ok()?)?;
    }
    // Canonical: re-encoding gives the same text (no leading zero groups).
    (encode_index(n) == s).then_some(n)
}

/// Answers a tlog-tiles request from `reader`.
///
/// # Errors
/// A store failure (the caller answers 500/503).
pub fn respond(reader: &mut dyn Reader, path: &str) -> Result<TileResponse, StoreError> {
    let tile = match parse_path(path) {
        Ok(t) => t,
        Err(e) if path.trim_start_matches('/').starts_with("tile/") || path.trim_start_matches('/') == "checkpoint" => {
            return Ok(bad_request(e));
        }
        Err(e) => return Ok(not_found(e)),
    };
    let Some(note) = reader.latest_checkpoint()? else {
        return Ok(not_found("the log is empty".into()));
    };
    if tile == TilePath::Checkpoint {
        return Ok(TileResponse {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            cache_control: "no-cache",
            body: note.into_bytes(),
        });
    }
    let size = Note::parse(note.as_bytes())
        .ok()
        .and_then(|n| Checkpoint::parse(n.text()).ok())
        .map(|c| c.size)
        .ok_or_else(|| StoreError::Mismatch("the stored checkpoint does not parse".into()))?;
    let (level, index, width) = match tile {
        TilePath::Hashes { level, index, width } => (level * HEIGHT, index, width),
        TilePath::Entries { index, width } => (0, index, width),
        TilePath::Checkpoint => return Ok(not_found(String::new())),
    };
    // How many nodes of this level the checkpoint's tree has, and so how wide this tile is.
    let nodes = size >> level;
    let Some(start) = index.checked_mul(WIDTH) else { return Ok(not_found("tile index out of range".into())) };
    let available = nodes.saturating_sub(start).min(WIDTH);
    if width > available {
        return Ok(not_found(format!(
            "tile /{path} is beyond the tree of size {size}",
            path = path.trim_start_matches('/')
        )));
    }
    let end = start + width;
    let cache_control = if width == WIDTH { "public, max-age=31536000, immutable" } else { "public, max-age=60" };
    let body = match tile {
        TilePath::Entries { .. } => {
            let rows = reader.entries(start, end)?;
            if rows.len() as u64 != width || rows.iter().zip(start..).any(|((i, _), want)| *i != want) {
                return Err(StoreError::Mismatch(format!("entries {start}..{end} are not all stored")));
            }
            let mut body = Vec::with_capacity(rows.iter().map(|(_, b)| b.len() + 2).sum());
            for (i, entry) in rows {
                let len = u16::try_from(entry.len())
                    .map_err(|_| StoreError::Mismatch(format!("entry {i} is {} bytes, over 65535", entry.len())))?;
                body.extend_from_slice(&len.to_be_bytes());
                body.extend_from_slice(&entry);
            }
            body
        }
        _ => {
            let rows = reader.nodes(level, start, end)?;
            if rows.len() as u64 != width || rows.iter().zip(start..).any(|((i, _), want)| *i != want) {
                return Err(StoreError::Mismatch(format!("nodes ({level}, {start}..{end}) are not all stored")));
            }
            rows.iter().flat_map(|(_, h)| h.iter().copied()).collect()
        }
    };
    Ok(TileResponse { status: 200, content_type: "application/octet-stream", cache_control, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_encoding_follows_the_spec_example() {
        assert_eq!(encode_index(1_234_067), "x001/x234/067");
        assert_eq!(encode_index(5), "005");
        assert_eq!(decode_index("x001/x234/067"), Some(1_234_067));
        assert_eq!(decode_index("x000/005"), None, "leading zero group is not canonical");
        assert_eq!(decode_index("5"), None);
        assert_eq!(
            parse_path("/tile/0/x001/x234/067.p/8"),
            Ok(TilePath::Hashes { level: 0, index: 1_234_067, width: 8 })
        );
        assert_eq!(parse_path("/tile/entries/000"), Ok(TilePath::Entries { index: 0, width: 256 }));
        assert!(parse_path("/tile/0/000.p/256").is_err());
        assert!(parse_path("/tile/8/000").is_err(), "level 8 is tree level 64");
        assert!(parse_path("/tile/01/000").is_err());
        for tile in
            [TilePath::Hashes { level: 2, index: 1_000_001, width: 3 }, TilePath::Entries { index: 7, width: 256 }]
        {
            assert_eq!(parse_path(&path_of(&tile)), Ok(tile));
        }
    }
}
