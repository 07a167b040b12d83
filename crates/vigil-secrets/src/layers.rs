//! Image layers: every regular file of every layer, including files a later layer deletes
//! (whiteouts) or overwrites: the bytes are still in the image for anyone who pulls it.
//!
//! Layers stream through `vigil-oci`'s [`vigil_oci::walk`] (decompression, digest checks and
//! its [`vigil_oci::Limits`] apply; nothing is extracted). Files are scanned in parallel in
//! batches of at most [`LayerLimits::max_batch_bytes`], each batch finished before the next
//! layer starts, so memory is bounded by one batch. A finding's [`Finding::layer`] names the
//! layer the file is in and, when a later layer deletes or replaces the path (a whiteout, an
//! opaque directory, a new file, link or directory at the path), the first such layer in
//! `removed_in`. Paths are reported absolute (`/app/.env`) for layered images, relative for a
//! directory or a single file opened as an image. Binary files (a NUL byte in the first
//! 8 KiB), empty files and files larger than [`LayerLimits::max_file_bytes`] are skipped and
//! counted; paths excluded by the global allowlist are not read.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use rayon::prelude::*;
use vigil_oci::{Entry, EntryKind, Image, walk};

use crate::engine::Detector;
use crate::files::is_binary;
use crate::finding::Finding;
use crate::fragment::{Fragment, LayerInfo, Origin};
use crate::scan::Scan;

/// Bounds on what a layer scan holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerLimits {
    /// Largest file scanned (default 10 MiB, as for files).
    pub max_file_bytes: u64,
    /// Most file bytes held for one parallel batch (default 64 MiB).
    pub max_batch_bytes: u64,
}

impl Default for LayerLimits {
    fn default() -> Self {
        LayerLimits { max_file_bytes: 10 * 1024 * 1024, max_batch_bytes: 64 * 1024 * 1024 }
    }
}

/// A file read from a layer, waiting to be scanned.
struct Pending {
    path: String,
    layer: usize,
    bytes: Vec<u8>,
}

/// Files with findings, and which later layer removed each.
#[derive(Default)]
struct Tracked {
    /// (path, layer, findings, removed_in) for every file with findings.
    files: Vec<(String, usize, Vec<Finding>, Option<usize>)>,
    /// Path → indices in `files` of the files still present.
    live: BTreeMap<String, Vec<usize>>,
}

impl Tracked {
    /// Applies `entry` (in layer `entry.layer`) to the files of lower layers.
    fn apply(&mut self, entry: &Entry, path: &str) {
        if self.live.is_empty() {
            return;
        }
        let (exact, children) = match entry.kind {
            EntryKind::Dir => (true, false),
            EntryKind::OpaqueDir => (false, true),
            _ => (true, true),
        };
        let mut hit: Vec<String> = Vec::new();
        if exact && self.live.contains_key(path) {
            hit.push(path.to_owned());
        }
        if children {
            let prefix = format!("{}/", path.trim_end_matches('/'));
            hit.extend(
                self.live.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)).map(|(k, _)| k.clone()),
            );
        }
        for key in hit {
            let Some(indices) = self.live.get_mut(&key) else { continue };
            indices.retain(|&i| match self.files.get_mut(i) {
                Some(file) if file.1 < entry.layer => {
                    file.3 = file.3.or(Some(entry.layer));
                    false
                }
                _ => true,
            });
            if indices.is_empty() {
                self.live.remove(&key);
            }
        }
    }
}

/// Scans every file of every layer of `image`; see the module documentation. Findings are in
/// layer order, then by path and line.
///
/// # Errors
/// The image cannot be read (a corrupt or truncated layer, a digest mismatch, a `vigil-oci`
/// limit); the error names the layer.
pub fn scan_image(image: &Image, detector: &Detector, limits: &LayerLimits) -> Result<Scan, vigil_oci::Error> {
    let layered = !image.info.layers.is_empty();
    let mut scan = Scan::default();
    let mut tracked = Tracked::default();
    let mut batch: Vec<Pending> = Vec::new();
    let mut batch_bytes = 0u64;
    let mut current_layer = 0usize;
    let flush = |batch: &mut Vec<Pending>, tracked: &mut Tracked, scan: &mut Scan| {
        let pending = std::mem::take(batch);
        let results: Vec<(String, usize, Vec<Finding>)> = pending
            .into_par_iter()
            .map(|p| {
                let origin = Origin {
                    path: p.path.clone(),
                    layer: layered.then(|| Arc::new(layer_info(image, p.layer, None))),
                    ..Origin::default()
                };
                let found = detector.detect(Fragment { bytes: &p.bytes, origin: &origin });
                (p.path, p.layer, found)
            })
            .collect();
        for (path, layer, found) in results {
            scan.stats.files += 1;
            if found.is_empty() {
                continue;
            }
            let index = tracked.files.len();
            tracked.live.entry(path.clone()).or_default().push(index);
            tracked.files.push((path, layer, found, None));
        }
    };
    walk(image, |entry, reader| {
        if entry.layer != current_layer {
            flush(&mut batch, &mut tracked, &mut scan);
            batch_bytes = 0;
            current_layer = entry.layer;
        }
        let path = if layered { format!("/{}", entry.path) } else { entry.path.clone() };
        tracked.apply(entry, &path);
        if entry.kind != EntryKind::File || entry.size == 0 {
            return Ok(());
        }
        if detector.path_allowed(&path) {
            scan.stats.skipped_allowlisted += 1;
            return Ok(());
        }
        if entry.size > limits.max_file_bytes {
            scan.stats.skipped_large += 1;
            return Ok(());
        }
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
        reader
            .take(limits.max_file_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|source| vigil_oci::Error::Io { path: path.clone(), source })?;
        if bytes.len() as u64 > limits.max_file_bytes {
            scan.stats.skipped_large += 1;
            return Ok(());
        }
        if is_binary(&bytes) {
            scan.stats.skipped_binary += 1;
            return Ok(());
        }
        scan.stats.bytes += bytes.len() as u64;
        batch_bytes += bytes.len() as u64;
        batch.push(Pending { path, layer: entry.layer, bytes });
        if batch_bytes >= limits.max_batch_bytes {
            flush(&mut batch, &mut tracked, &mut scan);
            batch_bytes = 0;
        }
        Ok(())
    })?;
    flush(&mut batch, &mut tracked, &mut scan);
    let mut files = tracked.files;
    files.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    for (_, layer, mut found, removed_in) in files {
        let info = layered.then(|| Arc::new(layer_info(image, layer, removed_in)));
        for f in &mut found {
            f.layer.clone_from(&info);
        }
        found.sort_by(|a, b| (a.start_line, a.start_column, &a.rule).cmp(&(b.start_line, b.start_column, &b.rule)));
        scan.findings.extend(found);
    }
    Ok(scan)
}

fn layer_info(image: &Image, index: usize, removed_in: Option<usize>) -> LayerInfo {
    let digest = image.info.layers.get(index).map(|l| l.digest.clone()).unwrap_or_default();
    LayerInfo { digest, index, removed_in }
}
