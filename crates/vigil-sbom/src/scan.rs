//! Cataloguing an image (or directory, or file): one streaming pass over the layers keeps
//! only the files some cataloger wants, whiteouts are applied, then each surviving file is
//! parsed with the distribution known.

use std::collections::BTreeMap;
use std::io::Read;

use vigil_oci::{EntryKind, Image, Overlay, SourceKind, walk};

use crate::distro::Distro;
use crate::sbom::{DistroInfo, Sbom, SbomError, SourceInfo};
use crate::{CatalogInput, Cataloger, Package, PackageLocation, catalogers};

/// Bounds on what cataloguing keeps in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanLimits {
    /// Largest single file kept for a cataloger that needs context (lockfiles, package
    /// databases), default 64 MiB; larger ones are reported.
    pub max_file_bytes: u64,
    /// Most bytes of such files held at once (default 512 MiB).
    pub max_kept_bytes: u64,
    /// Largest binary or archive parsed on the fly (default 4 GiB). Larger ones are reported.
    pub max_standalone_bytes: u64,
    /// Binaries and archives up to this size (default 32 MiB) are parsed in memory; larger ones
    /// are spilled to a temporary file and read piecemeal, so peak memory does not grow with
    /// the largest executable in the image.
    pub max_in_memory_standalone_bytes: u64,
}

impl Default for ScanLimits {
    fn default() -> Self {
        ScanLimits {
            max_file_bytes: 64 * 1024 * 1024,
            max_kept_bytes: 512 * 1024 * 1024,
            max_standalone_bytes: 4 * 1024 * 1024 * 1024,
            max_in_memory_standalone_bytes: 32 * 1024 * 1024,
        }
    }
}

/// Files read for the distribution, whatever the catalogers want.
const DISTRO_FILES: [&str; 6] = [
    "etc/os-release",
    "usr/lib/os-release",
    "etc/alpine-release",
    "etc/redhat-release",
    "etc/system-release",
    "etc/debian_version",
];

#[derive(Clone)]
enum Kept {
    Bytes(std::sync::Arc<Vec<u8>>),
    Symlink(String),
    TooLarge(u64, u64),
    /// What standalone catalogers found in the file (already parsed during the walk).
    Parsed(Vec<Package>, Vec<String>),
}

/// Catalogues every package in `image`.
pub fn catalog(image: &Image, limits: ScanLimits) -> Result<Sbom, vigil_oci::Error> {
    catalog_with_progress(image, limits, &|_| {})
}

/// Like [`catalog`], reporting each layer as reading starts (`reading layer 2/5 sha256:…`).
pub fn catalog_with_progress(
    image: &Image,
    limits: ScanLimits,
    progress: &dyn Fn(&str),
) -> Result<Sbom, vigil_oci::Error> {
    let all = catalogers();
    let (standalone, contextual): (Vec<_>, Vec<_>) = all.iter().copied().partition(|c| c.is_standalone());
    let absolute = matches!(image.info.kind, SourceKind::Dir) || !image.info.layers.is_empty();
    let layers: Vec<String> = image.info.layers.iter().map(|l| l.digest.clone()).collect();
    // 1. One streaming walk: binaries parsed on the fly, contextual files kept (bounded).
    let files = collect(image, limits, progress, &standalone, &contextual, absolute)?;
    // 2. The distribution, from the kept files.
    let read = |path: &str| -> Option<Vec<u8>> { resolve(&files, path, 0) };
    let distro = Distro::detect(&read);
    let ecosystem = distro.as_ref().and_then(Distro::osv_ecosystem);
    // 3. Contextual catalogers, with the distribution's ecosystem and sibling files.
    let (packages, mut errors) = catalog_kept(&files, &contextual, ecosystem.as_deref(), &layers, absolute);
    let packages = merge(packages);
    // Several catalogers may reject the same file for the same reason (an ELF header both the
    // Go and the Rust cataloger read): say it once.
    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    errors.dedup_by(|a, b| a.path == b.path && a.message == b.message);
    Ok(Sbom {
        version: 1,
        source: SourceInfo {
            kind: kind_name(image.info.kind).to_string(),
            target: image.info.target.clone(),
            manifest_digest: image.info.manifest_digest.clone(),
            config_digest: image.info.config_digest.clone(),
            platform: image.info.platform.as_ref().map(ToString::to_string),
            layers,
        },
        distro: distro.map(|d| DistroInfo {
            id: d.id.clone(),
            version_id: d.version_id.clone(),
            pretty_name: d.pretty_name.clone(),
            ecosystem,
        }),
        packages,
        errors,
    })
}

type Catalogers<'a> = [&'a dyn Cataloger];

/// Walks the image once: standalone catalogers parse binaries and archives as they stream by
/// (only their packages are kept), files a contextual cataloger or the distribution needs are
/// kept up to the limits, whiteouts applied. Returns the surviving files by path.
fn collect(
    image: &Image,
    limits: ScanLimits,
    progress: &dyn Fn(&str),
    standalone: &Catalogers<'_>,
    contextual: &Catalogers<'_>,
    absolute: bool,
) -> Result<BTreeMap<String, (usize, Kept)>, vigil_oci::Error> {
    // Documentation trees hold example lockfiles and requirement lists (e.g. Debian's
    // `/usr/share/doc/python3-pip/requirements.txt`) that describe nothing installed.
    let documentation = |path: &str| path.starts_with("usr/share/doc/") || path.starts_with("usr/share/man/");
    let wanted = |path: &str| {
        DISTRO_FILES.contains(&path) || (!documentation(path) && contextual.iter().any(|c| c.matches(path)))
    };
    let mut overlay: Overlay<Kept> = Overlay::new();
    let mut kept_bytes = 0u64;
    let total = image.info.layers.len();
    let mut current_layer = usize::MAX;
    walk(image, |entry, content| {
        if total > 0 && entry.layer != current_layer {
            current_layer = entry.layer;
            let digest = image.info.layers.get(entry.layer).map_or("", |l| l.digest.as_str());
            progress(&format!("reading layer {}/{total} {}", entry.layer + 1, digest.get(..19).unwrap_or(digest)));
        }
        overlay.apply(entry);
        match &entry.kind {
            EntryKind::File => {
                let binary: Vec<_> = standalone.iter().copied().filter(|c| c.matches(&entry.path)).collect();
                if !binary.is_empty() {
                    if let Some(kept) = parse_standalone(entry, content, &binary, limits, absolute)? {
                        overlay.insert(entry, kept);
                    }
                    return Ok(());
                }
                if !wanted(&entry.path) {
                    return Ok(());
                }
                if entry.size > limits.max_file_bytes || kept_bytes + entry.size > limits.max_kept_bytes {
                    overlay.insert(entry, Kept::TooLarge(entry.size, limits.max_file_bytes));
                    return Ok(());
                }
                let io = |e: std::io::Error| vigil_oci::Error::Io { path: entry.path.clone(), source: e };
                let mut bytes = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
                content.take(limits.max_file_bytes + 1).read_to_end(&mut bytes).map_err(io)?;
                kept_bytes += bytes.len() as u64;
                overlay.insert(entry, Kept::Bytes(std::sync::Arc::new(bytes)));
            }
            EntryKind::Symlink(target) if DISTRO_FILES.contains(&entry.path.as_str()) => {
                overlay.insert(entry, Kept::Symlink(target.clone()));
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(overlay.into_files())
}

/// Parses a binary or archive now and drops it: a binary is never kept. Large ones are
/// spilled to a private temporary file and read from there, so memory stays bounded.
/// Returns what to remember for the path (packages and problems), if anything.
fn parse_standalone(
    entry: &vigil_oci::Entry,
    content: &mut dyn Read,
    binary: &Catalogers<'_>,
    limits: ScanLimits,
    absolute: bool,
) -> Result<Option<Kept>, vigil_oci::Error> {
    if entry.size > limits.max_standalone_bytes {
        return Ok(Some(Kept::TooLarge(entry.size, limits.max_standalone_bytes)));
    }
    let io = |e: std::io::Error| vigil_oci::Error::Io { path: entry.path.clone(), source: e };
    let shown = display_path(&entry.path, absolute);
    let (mut found, mut errors) = (Vec::new(), Vec::new());
    let mut record = |result: Result<Vec<Package>, crate::CatalogError>| match result {
        Ok(packages) => found.extend(packages),
        Err(e) => errors.push(e.message),
    };
    if entry.size > limits.max_in_memory_standalone_bytes {
        let mut spill = tempfile::tempfile().map_err(io)?;
        std::io::copy(&mut content.take(limits.max_standalone_bytes), &mut spill).map_err(io)?;
        for cataloger in binary {
            match cataloger.parse_file(&shown, &spill) {
                Some(result) => record(result),
                None => record(Err(crate::CatalogError::new(
                    &shown,
                    format!("file is {} bytes, too large for `{}` to read in memory", entry.size, cataloger.id()),
                ))),
            }
        }
    } else {
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
        content.take(limits.max_standalone_bytes + 1).read_to_end(&mut bytes).map_err(io)?;
        let input = CatalogInput::new(&shown, &bytes);
        for cataloger in binary {
            record(cataloger.parse(&input));
        }
    }
    Ok((!found.is_empty() || !errors.is_empty()).then_some(Kept::Parsed(found, errors)))
}

/// Runs the contextual catalogers over the kept files (with the distribution's ecosystem and
/// a reader for sibling files), and turns what the walk already parsed or refused into
/// packages and errors; every location gets its layer digest.
fn catalog_kept(
    files: &BTreeMap<String, (usize, Kept)>,
    contextual: &Catalogers<'_>,
    ecosystem: Option<&str>,
    layers: &[String],
    absolute: bool,
) -> (Vec<Package>, Vec<SbomError>) {
    let layer_of = |index: usize| layers.get(index).cloned();
    let mut packages: Vec<Package> = Vec::new();
    let mut errors = Vec::new();
    for (path, (layer, kept)) in files {
        let bytes = match kept {
            Kept::Bytes(bytes) => bytes.clone(),
            Kept::TooLarge(size, limit) => {
                errors.push(SbomError {
                    path: display_path(path, absolute),
                    layer: layer_of(*layer),
                    message: format!("file is {size} bytes, larger than the {limit} byte limit for catalogued files"),
                });
                continue;
            }
            Kept::Parsed(found, problems) => {
                for mut package in found.iter().cloned() {
                    for location in &mut package.locations {
                        location.layer = layer_of(*layer);
                    }
                    packages.push(package);
                }
                for message in problems {
                    errors.push(SbomError {
                        path: display_path(path, absolute),
                        layer: layer_of(*layer),
                        message: message.clone(),
                    });
                }
                continue;
            }
            Kept::Symlink(_) => continue,
        };
        let matching: Vec<_> = contextual.iter().filter(|c| c.matches(path)).collect();
        if matching.is_empty() {
            continue;
        }
        let folder = path.rsplit_once('/').map_or("", |(dir, _)| dir).to_string();
        let sibling = |rel: &str| -> Option<Vec<u8>> {
            let joined = if folder.is_empty() { rel.to_string() } else { format!("{folder}/{rel}") };
            resolve(files, &normalise(&joined)?, 0)
        };
        let shown = display_path(path, absolute);
        let input = CatalogInput { path: &shown, contents: &bytes, distro: ecosystem, read: Some(&sibling) };
        for cataloger in matching {
            match cataloger.parse(&input) {
                Ok(found) => {
                    for mut package in found {
                        for location in &mut package.locations {
                            location.layer = layer_of(*layer);
                        }
                        if package.locations.is_empty() {
                            package.locations.push(PackageLocation { path: shown.clone(), layer: layer_of(*layer) });
                        }
                        packages.push(package);
                    }
                }
                Err(e) => errors.push(SbomError { path: shown.clone(), layer: layer_of(*layer), message: e.message }),
            }
        }
    }
    (packages, errors)
}

/// The `kind` name of a source.
pub fn kind_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Registry => "registry",
        SourceKind::OciDir => "oci-dir",
        SourceKind::OciArchive => "oci-archive",
        SourceKind::DockerArchive => "docker-archive",
        SourceKind::Dir => "dir",
        SourceKind::File => "file",
    }
}

fn display_path(path: &str, absolute: bool) -> String {
    if absolute { format!("/{path}") } else { path.to_string() }
}

/// Resolves `a/./b/../c` (never above the root).
fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Reads a kept file, following kept symlinks within the root (at most 8 hops).
fn resolve(files: &BTreeMap<String, (usize, Kept)>, path: &str, depth: u8) -> Option<Vec<u8>> {
    match &files.get(path)?.1 {
        Kept::Bytes(bytes) => Some(bytes.as_ref().clone()),
        Kept::TooLarge(..) | Kept::Parsed(..) => None,
        Kept::Symlink(target) if depth < 8 => {
            let joined = if let Some(abs) = target.strip_prefix('/') {
                abs.to_string()
            } else {
                let folder = path.rsplit_once('/').map_or("", |(d, _)| d);
                if folder.is_empty() { target.clone() } else { format!("{folder}/{target}") }
            };
            resolve(files, &normalise(&joined)?, depth + 1)
        }
        Kept::Symlink(_) => None,
    }
}

/// Merges identical packages found in several places, and sorts.
fn merge(mut packages: Vec<Package>) -> Vec<Package> {
    packages.sort_by(|a, b| {
        (&a.ecosystem, &a.name, &a.version, &a.purl, &a.locations).cmp(&(
            &b.ecosystem,
            &b.name,
            &b.version,
            &b.purl,
            &b.locations,
        ))
    });
    let mut out: Vec<Package> = Vec::with_capacity(packages.len());
    for package in packages {
        if let Some(last) = out.last_mut()
            && last.name == package.name
            && last.version == package.version
            && last.ecosystem == package.ecosystem
            && last.purl == package.purl
            && last.source == package.source
        {
            for location in package.locations {
                if !last.locations.contains(&location) {
                    last.locations.push(location);
                }
            }
            continue;
        }
        out.push(package);
    }
    out
}
