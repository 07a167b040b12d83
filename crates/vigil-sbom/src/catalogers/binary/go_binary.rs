//! Go executables: the build information the Go linker embeds (what `go version -m` prints).
//!
//! The layout follows Go's `debug/buildinfo` package: a 32-byte header, 16-byte aligned, that
//! starts with the magic `\xff Go buildinf:`, then the pointer size (4 or 8) and a flags byte.
//! With flag bit 2 set (Go 1.18 and later) the header is followed by two strings, the Go version
//! and the module information, each prefixed by its length as an unsigned varint. Without it
//! (older Go) the header holds two addresses of Go string headers (address, length), in the
//! byte order flag bit 1 gives, which point into the data segment. The header lives in the
//! `.go.buildinfo` section (ELF), the `__go_buildinfo` section (Mach-O), or else within the
//! first 64 KiB of the first writable, non-executable segment (PE `.data`, and binaries without
//! section headers). The module information is `runtime/debug.BuildInfo` text framed by two
//! 16-byte sentinels.

use object::{Object, ObjectSegment};

use super::executable::{parse_executable, parse_executable_data, read_at_address, section_data};
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, ecosystem};

/// Lists the modules a Go executable was built from, as Syft's Go binary cataloger does: the
/// main module, every `dep` (after its `=>` replacement), and the toolchain as a `stdlib`
/// package (`go1.22.3` becomes version `1.22.3`, purl `pkg:golang/stdlib@v1.22.3`, the same
/// form as the `go-mod` cataloger and every other golang purl). Versions
/// drop the leading `v`, as OSV's Go versions do; purls keep it. A main module built outside
/// version control keeps Go's version `(devel)`; with `vcs.revision` and `vcs.time` build
/// settings it gets the pseudo-version `v0.0.0-<time>-<revision[..12]>` instead. A binary
/// built without modules (only a `path` line) lists that path at `(devel)`.
///
/// Files are chosen by path ([`super::executable::is_executable_path`]); files that are not
/// ELF, Mach-O or PE, and executables without Go build information, give no packages.
pub(crate) struct GoBinary;

/// The magic that starts the build information header.
const MAGIC: &[u8; 14] = b"\xff Go buildinf:";

/// Size and alignment of the build information header (`debug/buildinfo`).
const HEADER_SIZE: usize = 32;
const HEADER_ALIGN: usize = 16;

/// How far into the data segment the header is looked for, as `debug/buildinfo` does: the
/// linker puts it at the start.
const SEARCH_BYTES: usize = 64 * 1024;

/// Longest Go version or module information string read. Real module information is a few
/// kilobytes to a few hundred (one line per module); the bound keeps a forged length from
/// costing more.
const MAX_STRING_BYTES: u64 = 4 * 1024 * 1024;

/// Framing around the module information (`cmd/go/internal/modload`'s `infoStart`/`infoEnd`).
const SENTINEL_BYTES: usize = 16;

/// The version Go gives a main module built outside version control.
const DEVEL: &str = "(devel)";

impl Cataloger for GoBinary {
    fn id(&self) -> &'static str {
        "go-binary"
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
    let Some(raw) = read_build_info(file).map_err(|message| CatalogError::new(path, message))? else {
        return Ok(Vec::new());
    };
    let info = parse_mod_info(&raw.mod_info)
        .map_err(|(line, message)| CatalogError::new(path, format!("Go module information line {line}: {message}")))?;
    Ok(packages(&raw.go_version, &info, path))
}

/// The two strings of the build information.
#[derive(Debug, PartialEq, Eq)]
struct RawBuildInfo {
    /// `go1.22.3`, possibly followed by ` X:<experiments>`.
    go_version: String,
    /// The module information without its sentinels; empty for binaries built without modules.
    mod_info: String,
}

/// Finds and decodes the build information; `Ok(None)` when the file has none (not a Go
/// binary), an error when the header is there but cannot be decoded.
fn read_build_info<'a, R: object::ReadRef<'a>>(file: &object::File<'a, R>) -> Result<Option<RawBuildInfo>, String> {
    let Some((address, region)) = data_start(file) else {
        return Ok(None);
    };
    let Some(offset) = find_header(region) else {
        return Ok(None);
    };
    let blob = region.get(offset..).unwrap_or_default();
    let Some(header) = blob.get(..HEADER_SIZE) else {
        return Ok(None);
    };
    let (Some(&pointer_size), Some(&flags)) = (header.get(14), header.get(15)) else {
        return Ok(None);
    };
    let at = address.saturating_add(offset as u64);
    let (go_version, mod_info) = if flags & 2 != 0 {
        let rest = blob.get(HEADER_SIZE..).unwrap_or_default();
        let (version, rest) =
            decode_varint_string(rest).map_err(|e| format!("Go build info at {at:#x}: Go version {e}"))?;
        let (mod_info, _) =
            decode_varint_string(rest).map_err(|e| format!("Go build info at {at:#x}: module information {e}"))?;
        (version, mod_info)
    } else {
        let big_endian = flags & 1 != 0;
        let size = match pointer_size {
            4 | 8 => usize::from(pointer_size),
            other => return Err(format!("Go build info at {at:#x}: pointer size is {other}, expected 4 or 8")),
        };
        let pointer_at = |at: usize| header.get(at..at + size).map(|b| read_uint(b, big_endian));
        let (Some(version_at), Some(mod_at)) = (pointer_at(16), pointer_at(16 + size)) else {
            return Ok(None);
        };
        let version = read_go_string(file, version_at, size, big_endian)
            .map_err(|e| format!("Go build info at {at:#x}: Go version {e}"))?;
        let mod_info = read_go_string(file, mod_at, size, big_endian)
            .map_err(|e| format!("Go build info at {at:#x}: module information {e}"))?;
        (version, mod_info)
    };
    if go_version.is_empty() {
        // `debug/buildinfo` calls this "not a Go executable".
        return Ok(None);
    }
    Ok(Some(RawBuildInfo {
        go_version: String::from_utf8_lossy(go_version).into_owned(),
        mod_info: String::from_utf8_lossy(strip_sentinels(mod_info)).into_owned(),
    }))
}

/// The address and file bytes where the header is looked for: the build info section, else the
/// first writable, non-executable segment with bytes in the file (`DataStart` in
/// `debug/buildinfo`).
fn data_start<'a, R: object::ReadRef<'a>>(file: &object::File<'a, R>) -> Option<(u64, &'a [u8])> {
    if let Some(found) = section_data(file, ".go.buildinfo").or_else(|| section_data(file, "__go_buildinfo")) {
        return Some(found);
    }
    file.segments().find_map(|segment| {
        let permissions = segment.permissions();
        if !permissions.writable() || permissions.executable() || segment.address() == 0 {
            return None;
        }
        let data = segment.data().ok()?;
        Some((segment.address(), data)).filter(|(_, data)| !data.is_empty())
    })
}

/// The offset of the first 16-byte aligned header within the first [`SEARCH_BYTES`] of `region`.
fn find_header(region: &[u8]) -> Option<usize> {
    let searched = region.get(..SEARCH_BYTES.min(region.len()))?;
    (0..searched.len())
        .step_by(HEADER_ALIGN)
        .find(|&at| searched.get(at..at + MAGIC.len()) == Some(MAGIC.as_slice()) && region.len() - at >= HEADER_SIZE)
}

/// A string prefixed by its length as an unsigned LEB128 varint, and the bytes after it. The
/// error completes a sentence about the string.
fn decode_varint_string(data: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let (length, used) = read_uvarint(data).ok_or("has a malformed length varint")?;
    if length > MAX_STRING_BYTES {
        return Err(format!("is {length} bytes long, expected at most {MAX_STRING_BYTES}"));
    }
    let end = usize::try_from(length).ok().and_then(|length| used.checked_add(length));
    match end.and_then(|end| Some((data.get(used..end)?, data.get(end..)?))) {
        Some(found) => Ok(found),
        None => Err(format!("is {length} bytes long, past the end of its section")),
    }
}

/// An unsigned varint (`encoding/binary.Uvarint`): at most 10 bytes, no overflow.
fn read_uvarint(data: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, byte) in data.iter().take(10).enumerate() {
        let low = u64::from(byte & 0x7f);
        if i == 9 && *byte > 1 {
            return None;
        }
        value |= low << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// A little- or big-endian unsigned integer of 4 or 8 bytes.
fn read_uint(bytes: &[u8], big_endian: bool) -> u64 {
    let fold = |value: u64, byte: &u8| (value << 8) | u64::from(*byte);
    if big_endian { bytes.iter().fold(0, fold) } else { bytes.iter().rev().fold(0, fold) }
}

/// The bytes of the Go string whose header (data address, length) is at `address`.
fn read_go_string<'a, R: object::ReadRef<'a>>(
    file: &object::File<'a, R>,
    address: u64,
    pointer_size: usize,
    big_endian: bool,
) -> Result<&'a [u8], String> {
    let header = read_at_address(file, address, 2 * pointer_size as u64)
        .ok_or_else(|| format!("string header address {address:#x} is outside the file's segments"))?;
    let data_address = read_uint(header.get(..pointer_size).unwrap_or_default(), big_endian);
    let length = read_uint(header.get(pointer_size..).unwrap_or_default(), big_endian);
    if length > MAX_STRING_BYTES {
        return Err(format!("is {length} bytes long, expected at most {MAX_STRING_BYTES}"));
    }
    if length == 0 {
        return Ok(&[]);
    }
    read_at_address(file, data_address, length)
        .ok_or_else(|| format!("at {data_address:#x} ({length} bytes) is outside the file's segments"))
}

/// The module information between its sentinels; empty when it is not framed, as
/// `debug/buildinfo` does (binaries built without modules).
fn strip_sentinels(mod_info: &[u8]) -> &[u8] {
    let len = mod_info.len();
    if len > 2 * SENTINEL_BYTES && mod_info.get(len - SENTINEL_BYTES - 1) == Some(&b'\n') {
        mod_info.get(SENTINEL_BYTES..len - SENTINEL_BYTES).unwrap_or_default()
    } else {
        &[]
    }
}

/// A module path and version as Go records them (`v1.2.3`, `(devel)`, or empty).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Module {
    path: String,
    version: String,
}

/// A module line and its replacement, if a `=>` line follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ModuleEntry {
    module: Module,
    replace: Option<Module>,
}

impl ModuleEntry {
    /// The module actually built: the replacement when there is one.
    fn effective(&self) -> &Module {
        self.replace.as_ref().unwrap_or(&self.module)
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
struct BuildInfo {
    /// The main package's import path (`path` line).
    path: String,
    main: Option<ModuleEntry>,
    deps: Vec<ModuleEntry>,
    /// `vcs.revision` build setting.
    vcs_revision: Option<String>,
    /// `vcs.time` build setting (RFC 3339).
    vcs_time: Option<String>,
}

/// Which module a `=>` line replaces.
#[derive(Clone, Copy)]
enum Last {
    None,
    Main,
    Dep(usize),
}

/// Parses module information as `runtime/debug.ParseBuildInfo` does: tab-separated lines, a
/// last line without a newline ignored, unknown line kinds skipped. Errors carry the 1-based
/// line number.
fn parse_mod_info(text: &str) -> Result<BuildInfo, (usize, String)> {
    let mut info = BuildInfo::default();
    let mut last = Last::None;
    let mut rest = text;
    let mut line_number = 0;
    while let Some((line, tail)) = rest.split_once('\n') {
        rest = tail;
        line_number += 1;
        let err = |message: String| (line_number, message);
        if let Some(path) = line.strip_prefix("path\t") {
            info.path = path.to_string();
        } else if let Some(columns) = line.strip_prefix("mod\t") {
            info.main = Some(ModuleEntry { module: module_line("mod", columns).map_err(err)?, replace: None });
            last = Last::Main;
        } else if let Some(columns) = line.strip_prefix("dep\t") {
            info.deps.push(ModuleEntry { module: module_line("dep", columns).map_err(err)?, replace: None });
            last = Last::Dep(info.deps.len() - 1);
        } else if let Some(columns) = line.strip_prefix("=>\t") {
            let elems: Vec<&str> = columns.split('\t').collect();
            let [path, version, _sum] = elems.as_slice() else {
                return Err(err(format!("expected 3 tab-separated columns after `=>`, found {}", elems.len())));
            };
            let replace = Some(Module { path: (*path).to_string(), version: (*version).to_string() });
            match last {
                Last::Main => {
                    if let Some(main) = &mut info.main {
                        main.replace = replace;
                    }
                }
                Last::Dep(index) => {
                    if let Some(dep) = info.deps.get_mut(index) {
                        dep.replace = replace;
                    }
                }
                Last::None => return Err(err("replacement `=>` with no module on the line before".to_string())),
            }
            last = Last::None;
        } else if let Some(setting) = line.strip_prefix("build\t") {
            // Quoted keys and values (`"` or `` ` ``) only occur for settings with spaces, tabs or
            // quotes; the VCS settings read here never have them.
            if let Some((key, value)) = setting.split_once('=') {
                match key {
                    "vcs.revision" => info.vcs_revision = Some(value.to_string()),
                    "vcs.time" => info.vcs_time = Some(value.to_string()),
                    _ => {}
                }
            }
        }
    }
    Ok(info)
}

/// A `mod` or `dep` line's columns: path, version and an optional checksum.
fn module_line(kind: &str, columns: &str) -> Result<Module, String> {
    let elems: Vec<&str> = columns.split('\t').collect();
    match elems.as_slice() {
        [path, version] | [path, version, _] => {
            Ok(Module { path: (*path).to_string(), version: (*version).to_string() })
        }
        _ => Err(format!("expected 2 or 3 tab-separated columns after `{kind}`, found {}", elems.len())),
    }
}

fn packages(go_version: &str, info: &BuildInfo, path: &str) -> Vec<Package> {
    let mut out = Vec::with_capacity(info.deps.len() + 2);
    let main = match &info.main {
        Some(entry) => Some(entry.effective().clone()),
        None if !info.path.is_empty() => Some(Module { path: info.path.clone(), version: DEVEL.to_string() }),
        None => None,
    };
    if let Some(mut main) = main.filter(|m| !m.path.is_empty()) {
        if main.version == DEVEL
            && let Some(pseudo) = pseudo_version(info)
        {
            main.version = pseudo;
        }
        out.push(module_package(&main, path));
    }
    for dep in &info.deps {
        let module = dep.effective();
        if !module.path.is_empty() {
            out.push(module_package(module, path));
        }
    }
    if let Some(version) = stdlib_version(go_version) {
        let purl = Purl::new("golang", "stdlib").version(&format!("v{version}")).to_string();
        out.push(Package::new("stdlib", version, ecosystem::GO, purl, path));
    }
    out
}

fn module_package(module: &Module, path: &str) -> Package {
    let version = module.version.strip_prefix('v').unwrap_or(&module.version);
    Package::new(&module.path, version, ecosystem::GO, purl(&module.path, &module.version), path)
}

/// `pkg:golang/<namespace>/<name>@<version>`: the module path's last segment is the name. A
/// local directory replacement is not a module path, so it is kept whole as the name.
fn purl(module: &str, version: &str) -> String {
    let purl = match module.rsplit_once('/') {
        Some((namespace, name)) if !is_local_path(module) => Purl::new("golang", name).namespace(namespace),
        _ => Purl::new("golang", module),
    };
    purl.version(version).to_string()
}

/// Whether a replacement path is a directory (the Go reference, "replace directive": it starts
/// with `./` or `../`, or is absolute).
fn is_local_path(path: &str) -> bool {
    path.starts_with("./")
        || path.starts_with("../")
        || path.starts_with('/')
        || path == "."
        || path == ".."
        || path.get(1..3) == Some(":\\")
}

/// The `stdlib` version of a toolchain version: `go1.22.3 X:boringcrypto` gives `1.22.3`.
/// Development toolchains (`devel go1.23-abc…`) give none, as in Syft.
fn stdlib_version(go_version: &str) -> Option<&str> {
    let version = go_version.split_whitespace().next()?.strip_prefix("go")?;
    version.starts_with(|c: char| c.is_ascii_digit()).then_some(version)
}

/// The pseudo-version Syft gives a `(devel)` main module: `v0.0.0-<vcs.time as
/// yyyymmddhhmmss>-<first 12 characters of vcs.revision>` (the Go reference, "Pseudo-versions").
/// `None` unless both settings are present and `vcs.time` is RFC 3339 in UTC, as Go writes it.
fn pseudo_version(info: &BuildInfo) -> Option<String> {
    let revision = info.vcs_revision.as_deref()?;
    let time = info.vcs_time.as_deref()?;
    let revision = revision.get(..12.min(revision.len()))?;
    if revision.is_empty() || !revision.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    // `2024-01-02T03:04:05Z`, optionally with fractional seconds before the `Z`.
    let stamp = time.strip_suffix('Z')?;
    let stamp = stamp.split_once('.').map_or(stamp, |(whole, _)| whole);
    let bytes = stamp.as_bytes();
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if bytes.len() != 19 || separators.iter().any(|&(at, sep)| bytes.get(at) != Some(&sep)) {
        return None;
    }
    let digits: String = stamp.chars().filter(char::is_ascii_digit).collect();
    (digits.len() == 14).then(|| format!("v0.0.0-{digits}-{revision}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const START: &[u8; 16] = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6";
    const END: &[u8; 16] = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2";

    fn framed(text: &str) -> Vec<u8> {
        [START.as_slice(), text.as_bytes(), END.as_slice()].concat()
    }

    fn varint(mut n: usize, out: &mut Vec<u8>) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }

    /// A Go 1.18+ build info blob.
    fn inline_blob(version: &str, mod_info: &[u8]) -> Vec<u8> {
        let mut blob = MAGIC.to_vec();
        blob.extend([8, 2]);
        blob.resize(HEADER_SIZE, 0);
        varint(version.len(), &mut blob);
        blob.extend(version.as_bytes());
        varint(mod_info.len(), &mut blob);
        blob.extend(mod_info);
        blob
    }

    const MOD_INFO: &str = "path\texample.com/app/cmd/app\n\
        mod\texample.com/app\t(devel)\t\n\
        dep\tgithub.com/pkg/errors\tv0.9.1\th1:abc=\n\
        dep\tgolang.org/x/net\tv0.0.0-20220722155237-a158d28d115b\th1:x=\n\
        =>\tgithub.com/fork/net\tv0.1.0+incompatible\th1:y=\n\
        dep\texample.com/local\tv1.0.0\t\n\
        =>\t../local\t\t\n\
        build\t-compiler=gc\n\
        build\tvcs=git\n\
        build\tvcs.revision=0123456789abcdef0123456789abcdef01234567\n\
        build\tvcs.time=2024-01-02T03:04:05Z\n";

    fn triples(found: &[Package]) -> Vec<(&str, &str, &str)> {
        found.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str())).collect()
    }

    #[test]
    fn module_information() {
        let info = parse_mod_info(MOD_INFO).unwrap();
        let found = packages("go1.22.3 X:boringcrypto", &info, "/app");
        assert_eq!(
            triples(&found),
            [
                (
                    "example.com/app",
                    "0.0.0-20240102030405-0123456789ab",
                    "pkg:golang/example.com/app@v0.0.0-20240102030405-0123456789ab"
                ),
                ("github.com/pkg/errors", "0.9.1", "pkg:golang/github.com/pkg/errors@v0.9.1"),
                ("github.com/fork/net", "0.1.0+incompatible", "pkg:golang/github.com/fork/net@v0.1.0%2Bincompatible"),
                ("../local", "", "pkg:golang/..%2Flocal"),
                ("stdlib", "1.22.3", "pkg:golang/stdlib@v1.22.3"),
            ]
        );
        assert!(found.iter().all(|p| p.ecosystem == "Go" && p.locations[0].path == "/app"));
    }

    #[test]
    fn devel_main_module_without_vcs() {
        let info = parse_mod_info("path\tm/cmd\nmod\tm\t(devel)\t\n").unwrap();
        assert_eq!(
            triples(&packages("go1.21.0", &info, "x")),
            [("m", "(devel)", "pkg:golang/m@%28devel%29"), ("stdlib", "1.21.0", "pkg:golang/stdlib@v1.21.0")]
        );
        // Built without modules: only the package path.
        let info = parse_mod_info("path\tgithub.com/a/b/cmd/c\n").unwrap();
        assert_eq!(
            triples(&packages("devel go1.23-abc Tue", &info, "x")),
            [("github.com/a/b/cmd/c", "(devel)", "pkg:golang/github.com/a/b/cmd/c@%28devel%29")]
        );
        assert!(packages("go1.16", &BuildInfo::default(), "x").iter().map(|p| &p.name).eq(["stdlib"]));
    }

    #[test]
    fn malformed_module_information() {
        assert_eq!(
            parse_mod_info("path\tx\ndep\ta\n").unwrap_err(),
            (2, "expected 2 or 3 tab-separated columns after `dep`, found 1".to_string())
        );
        assert_eq!(parse_mod_info("=>\ta\tb\tc\n").unwrap_err().0, 1);
        assert_eq!(parse_mod_info("mod\ta\tb\n=>\ta\n").unwrap_err().0, 2);
        // The last line without a newline is ignored, as in Go.
        assert!(parse_mod_info("dep\tbroken").unwrap().deps.is_empty());
        // Unknown line kinds are skipped.
        assert_eq!(parse_mod_info("go\tgo1.22\nfoo\n").unwrap(), BuildInfo::default());
    }

    #[test]
    fn pseudo_versions() {
        let info = |rev: &str, time: &str| BuildInfo {
            vcs_revision: Some(rev.to_string()),
            vcs_time: Some(time.to_string()),
            ..BuildInfo::default()
        };
        assert_eq!(
            pseudo_version(&info("abcdef", "2023-12-31T23:59:59.123Z")).unwrap(),
            "v0.0.0-20231231235959-abcdef"
        );
        assert_eq!(pseudo_version(&info("abc", "2023-12-31T23:59:59+01:00")), None);
        assert_eq!(pseudo_version(&info("abc", "2023-12-31 23:59:59Z")), None);
        assert_eq!(pseudo_version(&info("", "2023-12-31T23:59:59Z")), None);
        assert_eq!(pseudo_version(&info("ab/c", "2023-12-31T23:59:59Z")), None);
        assert_eq!(pseudo_version(&info("é", "2023-12-31T23:59:59Z")), None);
    }

    #[test]
    fn stdlib_versions() {
        assert_eq!(stdlib_version("go1.22.3"), Some("1.22.3"));
        assert_eq!(stdlib_version("go1.21rc2 X:nocoverageredesign"), Some("1.21rc2"));
        assert_eq!(stdlib_version("devel go1.23-e8ee1dc4f9 Tue"), None);
        assert_eq!(stdlib_version("gox"), None);
        assert_eq!(stdlib_version(""), None);
    }

    #[test]
    fn varints() {
        assert_eq!(read_uvarint(&[0x05]), Some((5, 1)));
        assert_eq!(read_uvarint(&[0x80, 0x01]), Some((128, 2)));
        assert_eq!(read_uvarint(&[0xff; 9]), None);
        assert_eq!(read_uvarint(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]), None);
        assert_eq!(read_uvarint(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), Some((u64::MAX, 10)));
        assert_eq!(decode_varint_string(&[3, b'a', b'b']).unwrap_err(), "is 3 bytes long, past the end of its section");
        assert_eq!(decode_varint_string(&[2, b'a', b'b']).unwrap(), (b"ab".as_slice(), [].as_slice()));
        assert_eq!(decode_varint_string(&[0x80]).unwrap_err(), "has a malformed length varint");
        // A forged length beyond the bound is refused before any slicing.
        assert_eq!(
            decode_varint_string(&[0xff, 0xff, 0xff, 0xff, 0x0f]).unwrap_err(),
            "is 4294967295 bytes long, expected at most 4194304"
        );
    }

    #[test]
    fn header_search_is_aligned() {
        let blob = inline_blob("go1.22.3", &framed("path\tx\n"));
        let mut region = vec![0u8; 8];
        region.extend(&blob);
        assert_eq!(find_header(&region), None, "unaligned magic");
        let mut region = vec![0u8; 32];
        region.extend(&blob);
        assert_eq!(find_header(&region), Some(32));
        assert_eq!(find_header(&blob[..20]), None, "header cut short");
    }

    #[test]
    fn sentinels() {
        assert_eq!(strip_sentinels(&framed("path\tx\n")), b"path\tx\n");
        assert_eq!(strip_sentinels(b"path\tx\n"), b"");
        assert_eq!(strip_sentinels(&framed("")), b"", "no newline before the end sentinel");
    }
}
