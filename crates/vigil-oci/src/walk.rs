//! Streams every entry of every layer (or of a directory) to a visitor, with whiteouts
//! reported as such, paths normalised and checked, and sizes, counts and decompression
//! ratios bounded. Nothing is written to disk.

use std::cell::Cell;
use std::io::Read;
use std::path::Path;
use std::rc::Rc;

use crate::Error;
use crate::digest::VerifyingReader;
use crate::image::{Content, Image, LayerInfo};
use crate::limits::RATIO_GRACE_BYTES;

/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file; its content is the reader passed with it.
    File,
    /// A directory.
    Dir,
    /// A symbolic link to the given target (as written; may be absolute).
    Symlink(String),
    /// A hard link to another path of the image.
    Hardlink(String),
    /// An OCI whiteout: the path is deleted from lower layers.
    Whiteout,
    /// An opaque whiteout: the directory's contents from lower layers are hidden.
    OpaqueDir,
    /// A device, FIFO or other special file (never opened).
    Other,
}

/// One entry of a layer.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Normalised path, `/`-separated, without a leading `/` (`etc/os-release`). For
    /// whiteouts, the path that is deleted; for opaque whiteouts, the directory.
    pub path: String,
    /// Index of the layer in [`crate::ImageInfo::layers`] (0 for directories and files).
    pub layer: usize,
    /// What it is.
    pub kind: EntryKind,
    /// Size in bytes (regular files).
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
}

/// Counts from a walk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WalkStats {
    /// Entries visited.
    pub entries: u64,
    /// Uncompressed bytes read.
    pub bytes: u64,
}

/// Visits every entry of `image` in layer order. The visitor may read the file's content
/// from the reader (or not); returning an error stops the walk.
pub fn walk(
    image: &Image,
    mut visit: impl FnMut(&Entry, &mut dyn Read) -> Result<(), Error>,
) -> Result<WalkStats, Error> {
    let mut stats = WalkStats::default();
    match &image.content {
        Content::File(path) => {
            let mut file = std::fs::File::open(path).map_err(|e| Error::io(path.display(), e))?;
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let entry = Entry { path: name, layer: 0, kind: EntryKind::File, size, mode: 0o644 };
            visit(&entry, &mut file)?;
            stats.entries = 1;
            stats.bytes = size;
        }
        Content::Dir(root) => walk_dir(root, image, &mut stats, &mut visit)?,
        Content::Layers(store) => {
            for (index, layer) in image.info.layers.iter().enumerate() {
                let raw = store.open(&layer.entry)?;
                walk_layer(image, index, layer, raw, &mut stats, &mut visit)?;
            }
        }
    }
    Ok(stats)
}

/// Counts bytes that pass through.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Refuses to yield more than `limit` bytes, and more than `ratio` times the compressed bytes
/// once past the grace size: the stream ends with an error the walker turns into a limit error.
struct Bounded<R> {
    inner: R,
    produced: Rc<Cell<u64>>,
    compressed: Rc<Cell<u64>>,
    limit: u64,
    ratio: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let produced = self.produced.get() + n as u64;
        self.produced.set(produced);
        if produced > self.limit {
            return Err(std::io::Error::other(LimitHit("layer size")));
        }
        if produced > RATIO_GRACE_BYTES && produced / self.compressed.get().max(1) > self.ratio {
            return Err(std::io::Error::other(LimitHit("decompression ratio")));
        }
        Ok(n)
    }
}

#[derive(Debug)]
struct LimitHit(&'static str);
impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}
impl std::error::Error for LimitHit {}

/// Byte counters shared by the readers of one layer: stored (compressed) bytes read, and
/// uncompressed bytes produced.
#[derive(Default)]
struct Counters {
    compressed: Rc<Cell<u64>>,
    produced: Rc<Cell<u64>>,
}

/// Streams one layer: open (verify, decompress, bound), then each tar entry in order.
fn walk_layer(
    image: &Image,
    index: usize,
    layer: &LayerInfo,
    raw: Box<dyn Read + Send>,
    stats: &mut WalkStats,
    visit: &mut dyn FnMut(&Entry, &mut dyn Read) -> Result<(), Error>,
) -> Result<(), Error> {
    let name = layer.digest.clone();
    let limits = image.limits;
    let counters = Counters::default();
    // The stored blob is hashed as it streams, and checked once the tar is done.
    let mut source = match layer.verify.clone() {
        Some(d) => Source::Verified(Box::new(VerifyingReader::new(raw, d, format!("layer {}", layer.blob_digest)))),
        None => Source::Plain(raw),
    };
    let decoder = decompress(&mut source, &name, &counters)?;
    let bounded = Bounded {
        inner: decoder,
        produced: counters.produced.clone(),
        compressed: counters.compressed.clone(),
        limit: limits.max_layer_bytes,
        ratio: limits.max_ratio,
    };
    let mut archive = tar::Archive::new(bounded);
    let map_err = |e: std::io::Error| stream_error(e, &name, &limits, &counters);
    let entries = archive.entries().map_err(map_err)?;
    // End of the last entry's data in the tar stream: some writers (umoci 0.4) end a layer right
    // after the last file's data, without its padding or the end-of-archive blocks. That is
    // accepted; a stream that ends anywhere else is truncated.
    let mut data_end = 0u64;
    // Symlinks seen in this layer: an entry written *through* one of them is the classic
    // symlink-escape attack on extractors (`evil -> /etc`, then `evil/passwd`); real layer
    // writers never produce it.
    let mut symlinks: std::collections::HashSet<String> = std::collections::HashSet::new();
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(_) if data_end > 0 && counters.produced.get() == data_end => break,
            Err(e) => return Err(map_err(e)),
        };
        data_end = entry.raw_file_position() + entry.size();
        stats.entries += 1;
        if stats.entries > limits.max_entries {
            return Err(Error::Limit {
                what: format!("image {}", image.info.target),
                detail: "number of entries".into(),
                limit: limits.max_entries.to_string(),
            });
        }
        let Some((path, kind, raw_path)) = classify(&entry, &name)? else { continue };
        check_symlinks(&symlinks, &path, &raw_path, &name)?;
        if let EntryKind::Symlink(_) = kind {
            symlinks.insert(path.clone());
        }
        let item = Entry { path, layer: index, kind, size: entry.size(), mode: entry.header().mode().unwrap_or(0) };
        visit(&item, &mut entry).map_err(|e| match e {
            Error::Io { source, .. } => map_err(source),
            other => other,
        })?;
    }
    drop(archive);
    stats.bytes += counters.produced.get();
    if stats.bytes > limits.max_total_bytes {
        return Err(Error::Limit {
            what: format!("image {}", image.info.target),
            detail: "uncompressed size".into(),
            limit: format!("{} bytes", limits.max_total_bytes),
        });
    }
    if let Source::Verified(verifier) = source {
        verifier.finish()?;
    }
    Ok(())
}

/// The layer's tar stream: gzip and zstd sniffed by their magic bytes, anything else read as
/// an uncompressed tar; stored bytes are counted for the decompression-ratio bound.
fn decompress<'a>(source: &'a mut Source, name: &str, counters: &Counters) -> Result<Box<dyn Read + 'a>, Error> {
    let bad = |reason: String| Error::BadLayer { layer: name.to_string(), reason };
    let mut counted =
        std::io::BufReader::with_capacity(256 * 1024, Counting { inner: source, count: counters.compressed.clone() });
    let magic = {
        use std::io::BufRead;
        let buf = counted.fill_buf().map_err(|e| bad(format!("cannot read: {e}")))?;
        buf.get(..4).map(<[u8]>::to_vec).unwrap_or_default()
    };
    Ok(match magic.as_slice() {
        [0x1f, 0x8b, ..] => Box::new(flate2::read::MultiGzDecoder::new(counted)),
        [0x28, 0xb5, 0x2f, 0xfd] => Box::new(
            ruzstd::decoding::StreamingDecoder::new(counted).map_err(|e| bad(format!("invalid zstd stream: {e}")))?,
        ),
        _ => Box::new(counted),
    })
}

/// A read error of the layer stream: a limit the bounded reader hit, or a corrupt stream.
fn stream_error(e: std::io::Error, name: &str, limits: &crate::Limits, counters: &Counters) -> Error {
    if let Some(hit) = e.get_ref().and_then(|inner| inner.downcast_ref::<LimitHit>()) {
        let limit = if hit.0 == "layer size" {
            format!("{} bytes", limits.max_layer_bytes)
        } else {
            format!("{}:1", limits.max_ratio)
        };
        return Error::Limit {
            what: format!("layer {name}"),
            detail: format!(
                "{} ({} bytes decompressed from {})",
                hit.0,
                counters.produced.get(),
                counters.compressed.get()
            ),
            limit,
        };
    }
    Error::BadLayer { layer: name.to_string(), reason: format!("corrupt or truncated layer: {e}") }
}

/// The normalised path and kind of a tar entry (whiteouts resolved to the path they delete),
/// with its raw path for messages; `None` for entries to skip (the root's `./` entry).
fn classify<R: Read>(entry: &tar::Entry<'_, R>, layer: &str) -> Result<Option<(String, EntryKind, String)>, Error> {
    let raw_path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
    let unsafe_path = |path: String, reason: String| Error::UnsafePath { layer: layer.to_string(), path, reason };
    let path = normalise(&raw_path).map_err(|reason| unsafe_path(raw_path.clone(), reason))?;
    let entry_type = entry.header().entry_type();
    let link = || entry.link_name_bytes().map(|l| String::from_utf8_lossy(&l).into_owned()).unwrap_or_default();
    let (path, kind) = match file_name(&path) {
        ".wh..wh..opq" => (parent(&path).to_string(), EntryKind::OpaqueDir),
        base if base.starts_with(".wh.") => {
            let target = format!("{}{}", prefix_of(&path), base.get(4..).unwrap_or_default());
            (target, EntryKind::Whiteout)
        }
        _ => {
            let kind = if entry_type.is_file() {
                EntryKind::File
            } else if entry_type.is_dir() {
                EntryKind::Dir
            } else if entry_type.is_symlink() {
                EntryKind::Symlink(link())
            } else if entry_type.is_hard_link() {
                let target = link();
                let target =
                    normalise(&target).map_err(|reason| unsafe_path(format!("{raw_path} -> {target}"), reason))?;
                EntryKind::Hardlink(target)
            } else {
                EntryKind::Other
            };
            (path, kind)
        }
    };
    if path.is_empty() && kind != EntryKind::Dir && kind != EntryKind::OpaqueDir {
        return Ok(None);
    }
    Ok(Some((path, kind, raw_path)))
}

/// Refuses an entry written through a symlink of the same layer (symlink escape).
fn check_symlinks(
    symlinks: &std::collections::HashSet<String>,
    path: &str,
    raw_path: &str,
    layer: &str,
) -> Result<(), Error> {
    let mut prefix = path;
    while let Some((parent, _)) = prefix.rsplit_once('/') {
        if symlinks.contains(parent) {
            return Err(Error::UnsafePath {
                layer: layer.to_string(),
                path: raw_path.to_string(),
                reason: format!("written through the symlink `{parent}` of the same layer (symlink escape)"),
            });
        }
        prefix = parent;
    }
    Ok(())
}

enum Source {
    Verified(Box<VerifyingReader<Box<dyn Read + Send>>>),
    Plain(Box<dyn Read + Send>),
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::Verified(r) => r.read(buf),
            Source::Plain(r) => r.read(buf),
        }
    }
}

/// `./usr//bin/` → `usr/bin`; refuses `..` components (path traversal) and NUL bytes.
fn normalise(raw: &str) -> Result<String, String> {
    if raw.contains('\0') {
        return Err("path contains a NUL byte".into());
    }
    let mut parts = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("path contains `..` (path traversal)".into()),
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(p, _)| p)
}

fn prefix_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..=i])
}

fn walk_dir(
    root: &Path,
    image: &Image,
    stats: &mut WalkStats,
    visit: &mut dyn FnMut(&Entry, &mut dyn Read) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut children: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| Error::io(dir.display(), e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        children.sort();
        for path in children.into_iter().rev() {
            stats.entries += 1;
            if stats.entries > image.limits.max_entries {
                return Err(Error::Limit {
                    what: root.display().to_string(),
                    detail: "number of files".into(),
                    limit: image.limits.max_entries.to_string(),
                });
            }
            let meta = std::fs::symlink_metadata(&path).map_err(|e| Error::io(path.display(), e))?;
            let rel = path.strip_prefix(root).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
            let kind = if meta.is_dir() {
                stack.push(path.clone());
                EntryKind::Dir
            } else if meta.file_type().is_symlink() {
                EntryKind::Symlink(
                    std::fs::read_link(&path).map(|t| t.to_string_lossy().into_owned()).unwrap_or_default(),
                )
            } else if meta.is_file() {
                EntryKind::File
            } else {
                EntryKind::Other
            };
            let entry = Entry { path: rel, layer: 0, kind: kind.clone(), size: meta.len(), mode: 0o644 };
            if kind == EntryKind::File {
                let mut file = std::fs::File::open(&path).map_err(|e| Error::io(path.display(), e))?;
                stats.bytes += meta.len();
                visit(&entry, &mut file)?;
            } else {
                visit(&entry, &mut std::io::empty())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_and_traversal_refused() {
        assert_eq!(normalise("./usr//bin/").as_deref(), Ok("usr/bin"));
        assert_eq!(normalise("/etc/passwd").as_deref(), Ok("etc/passwd"));
        assert!(normalise("../../etc/passwd").is_err());
        assert!(normalise("a/../../b").is_err());
        assert_eq!(prefix_of("a/b/.wh.c"), "a/b/");
        assert_eq!(parent("a/b/.wh..wh..opq"), "a/b");
    }
}
