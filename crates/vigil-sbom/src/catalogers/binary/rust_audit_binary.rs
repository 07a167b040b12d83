//! Rust executables built with `cargo auditable`
//! (<https://github.com/rust-secure-code/cargo-auditable>).
//!
//! `cargo auditable` links a section named `.dep-v0` (ELF and PE; `__DATA,.dep-v0` in Mach-O)
//! holding zlib-compressed JSON: `{"packages": [{"name", "version", "source", "kind"?,
//! "dependencies"?, "root"?}], "format"?}`, as `auditable-serde` defines it. `source` is
//! `crates.io`, `git`, `local`, `registry` or another string; `kind` is `build` or `runtime`
//! (the default).

use std::io::Read;

use serde::Deserialize;

use super::executable::{parse_executable, parse_executable_data, section_data};
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, ecosystem};

/// Lists the runtime crates a `cargo auditable` binary records, root crate included, as Syft's
/// Rust binary cataloger does; build-time dependencies (`"kind": "build"`: build scripts,
/// proc-macros) are left out, as Syft and osv-scanner leave them out by default. Every crate
/// gets ecosystem `crates.io` and purl `pkg:cargo/<name>@<version>`, whatever its source, as
/// the `Cargo.lock` cataloger does: git, path and alternate-registry crates are listed too, and
/// match crates.io advisories only when they share a crates.io crate's name.
///
/// Files are chosen by path ([`super::executable::is_executable_path`]); other files, and
/// executables without a `.dep-v0` section (built without `cargo auditable`, or with their
/// section headers stripped), give no packages.
pub(crate) struct RustAuditBinary;

/// The section `cargo auditable` writes.
const SECTION: &str = ".dep-v0";

/// Largest decompressed dependency list read. Real lists are a few kilobytes (about 100 bytes
/// a crate); the bound stops a compression bomb.
const MAX_JSON_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Deserialize)]
struct VersionInfo {
    packages: Vec<AuditedPackage>,
}

#[derive(Deserialize)]
struct AuditedPackage {
    name: String,
    version: String,
    #[serde(default)]
    kind: Option<String>,
}

impl Cataloger for RustAuditBinary {
    fn id(&self) -> &'static str {
        "rust-audit-binary"
    }

    fn matches(&self, path: &str) -> bool {
        super::executable::is_executable_path(path)
    }

    fn is_standalone(&self) -> bool {
        true
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        match parse_executable(input)? {
            Some(file) => catalog(&file, input.path),
            None => Ok(Vec::new()),
        }
    }

    fn parse_file(&self, path: &str, file: &std::fs::File) -> Option<Result<Vec<Package>, CatalogError>> {
        let cache = object::ReadCache::new(file);
        Some(parse_executable_data(&cache, path).and_then(|f| match f {
            Some(f) => catalog(&f, path),
            None => Ok(Vec::new()),
        }))
    }
}

fn catalog<'a, R: object::ReadRef<'a>>(file: &object::File<'a, R>, path: &str) -> Result<Vec<Package>, CatalogError> {
    let Some((_, compressed)) = section_data(file, SECTION) else {
        return Ok(Vec::new());
    };
    let json = decompress(compressed).map_err(|message| CatalogError::new(path, message))?;
    let info: VersionInfo = serde_json::from_slice(&json)
        .map_err(|e| CatalogError::new(path, format!("invalid JSON in the `{SECTION}` section, {e}")))?;
    Ok(info
        .packages
        .iter()
        .filter(|p| p.kind.as_deref() != Some("build"))
        .map(|p| {
            let purl = Purl::new("cargo", &p.name).version(&p.version).to_string();
            Package::new(&p.name, &p.version, ecosystem::CRATES_IO, purl, path)
        })
        .collect())
}

/// Inflates the zlib stream, reading at most [`MAX_JSON_BYTES`].
fn decompress(compressed: &[u8]) -> Result<Vec<u8>, String> {
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("the `{SECTION}` section is not valid zlib data: {e}"))?;
    if json.len() as u64 > MAX_JSON_BYTES {
        return Err(format!(
            "the `{SECTION}` section inflates to more than {MAX_JSON_BYTES} bytes, expected a dependency list"
        ));
    }
    Ok(json)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn decompresses_within_the_bound() {
        assert_eq!(decompress(&zlib(b"{\"packages\":[]}")).unwrap(), b"{\"packages\":[]}");
        let err = decompress(b"not zlib").unwrap_err();
        assert!(err.starts_with("the `.dep-v0` section is not valid zlib data: "), "{err}");
        let bomb = zlib(&vec![b' '; MAX_JSON_BYTES as usize + 1]);
        assert!(bomb.len() < 64 * 1024);
        let err = decompress(&bomb).unwrap_err();
        assert_eq!(err, "the `.dep-v0` section inflates to more than 8388608 bytes, expected a dependency list");
    }

    #[test]
    fn matches_executable_paths_only() {
        assert!(RustAuditBinary.matches("usr/local/bin/rg"));
        assert!(!RustAuditBinary.matches("usr/lib/libfoo.so"));
        assert!(RustAuditBinary.parse(&CatalogInput::new("/usr/bin/x", b"#!/bin/sh\n")).unwrap().is_empty());
    }
}
