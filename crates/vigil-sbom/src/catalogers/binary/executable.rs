//! What the executable catalogers share: which paths they read, and opening ELF, Mach-O and PE
//! files with the `object` crate.
//!
//! Catalogers see only a path, not the file mode that Syft and Trivy use to pick executables,
//! and every matched file is read whole into memory by the image walker. So the path rule is
//! deliberately narrow: the usual install directories, plus the few places container images
//! put a single application binary.

use object::{Object, ObjectSection, ObjectSegment};

use crate::cataloger::file_name;
use crate::{CatalogError, CatalogInput};

/// Directory names whose files are executables at any depth (`bin/`, `usr/bin/`,
/// `usr/local/bin/`, `opt/app/bin/`, `root/go/bin/`, Docker's `cli-plugins/`).
const EXECUTABLE_DIRS: [&str; 3] = ["bin", "sbin", "cli-plugins"];

/// Extensions of files found in `bin` directories that are never ELF, Mach-O or PE files
/// (scripts, configuration, documentation), compared case-insensitively.
const NOT_EXECUTABLE_EXTENSIONS: [&str; 26] = [
    "bash", "bat", "cfg", "cmd", "conf", "css", "csh", "fish", "gz", "html", "ini", "jar", "js", "json", "md", "php",
    "pl", "ps1", "py", "pyc", "rb", "sh", "toml", "txt", "xml", "yaml",
];

/// Whether a cataloger of executables reads the file at `path` (`/`-separated, with or without a
/// leading `/`). Matched, with `<name>` the file name (never a hidden `.name`):
///
/// - any file directly in a `bin`, `sbin` or `cli-plugins` directory, at any depth, unless its
///   extension marks a script or text file (`.sh`, `.py`, `.json`, …);
/// - anywhere under `usr/libexec/`, a `<name>` without an extension or ending in `.exe`;
/// - the single-binary layouts of container images, a `<name>` without an extension or ending in
///   `.exe`: at the root (`/manager`), in `app/`, `ko-app/`, `opt/` and `opt/<dir>/`.
///
/// Shared libraries (`.so`, `.dylib`, `.dll`) and executables elsewhere are not read.
pub(crate) fn is_executable_path(path: &str) -> bool {
    let path = path.trim_start_matches("./").trim_start_matches('/');
    let name = file_name(path);
    if name.is_empty() || name.starts_with('.') {
        return false;
    }
    let dirs: Vec<&str> = path.split('/').collect();
    let dirs = dirs.get(..dirs.len().saturating_sub(1)).unwrap_or_default();
    let extension = name.rsplit_once('.').map(|(_, ext)| ext);
    if dirs.last().is_some_and(|dir| EXECUTABLE_DIRS.contains(dir)) {
        return !extension.is_some_and(|ext| NOT_EXECUTABLE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext)));
    }
    let plain = extension.is_none_or(|ext| ext.eq_ignore_ascii_case("exe"));
    if !plain {
        return false;
    }
    matches!(dirs, [] | ["app" | "ko-app" | "opt"] | ["opt", _] | ["usr", "libexec", ..])
}

/// The executable formats read, told apart by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExecutableFormat {
    /// ELF (`\x7fELF`).
    Elf,
    /// Thin Mach-O, 32 or 64 bit, either byte order.
    MachO,
    /// `MZ`: a PE file, or a DOS program.
    Pe,
}

impl ExecutableFormat {
    /// The format `bytes` start with, if any.
    pub(crate) fn of(bytes: &[u8]) -> Option<Self> {
        match bytes.get(..4)? {
            [0x7f, b'E', b'L', b'F'] => Some(ExecutableFormat::Elf),
            [0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe] => Some(ExecutableFormat::MachO),
            [b'M', b'Z', _, _] => Some(ExecutableFormat::Pe),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ExecutableFormat::Elf => "ELF",
            ExecutableFormat::MachO => "Mach-O",
            ExecutableFormat::Pe => "PE",
        }
    }
}

/// Opens the input as an executable. `Ok(None)` when it is not one (checked by its first bytes,
/// so other files cost nothing), and for `MZ` files that are not PE (DOS programs); an error when
/// an ELF or Mach-O file's headers are broken. Universal (fat) Mach-O files are not read: their
/// magic is also the Java class file magic.
pub(crate) fn parse_executable<'a>(input: &CatalogInput<'a>) -> Result<Option<object::File<'a>>, CatalogError> {
    parse_executable_data(input.contents, input.path)
}

/// [`parse_executable`] over any `object` data source, e.g. a [`object::ReadCache`] over a
/// spilled file, which reads only the headers and sections asked for.
pub(crate) fn parse_executable_data<'a, R: object::ReadRef<'a>>(
    data: R,
    path: &str,
) -> Result<Option<object::File<'a, R>>, CatalogError> {
    let len = data.len().unwrap_or(0);
    let head = data.read_bytes_at(0, len.min(64)).unwrap_or(&[]);
    let Some(format) = ExecutableFormat::of(head) else {
        return Ok(None);
    };
    match object::File::parse(data) {
        Ok(file) => Ok(Some(file)),
        Err(_) if format == ExecutableFormat::Pe => Ok(None),
        Err(e) => Err(CatalogError::new(path, format!("invalid {} file: {e}", format.name()))),
    }
}

/// The `size` bytes at virtual address `address`, from the file-backed part of a segment (ELF
/// program headers, Mach-O segments, PE sections) or else of a section. `None` when no segment or
/// section holds the whole range.
pub(crate) fn read_at_address<'a, R: object::ReadRef<'a>>(
    file: &object::File<'a, R>,
    address: u64,
    size: u64,
) -> Option<&'a [u8]> {
    for segment in file.segments() {
        if let Ok(Some(data)) = segment.data_range(address, size) {
            return Some(data);
        }
    }
    for section in file.sections() {
        if let Ok(Some(data)) = section.data_range(address, size) {
            return Some(data);
        }
    }
    None
}

/// The file bytes of the section named `name` (ELF `.dep-v0`, Mach-O `__go_buildinfo`, …) and
/// its virtual address. `None` when there is no such section or it has no bytes in the file.
pub(crate) fn section_data<'a, R: object::ReadRef<'a>>(
    file: &object::File<'a, R>,
    name: &str,
) -> Option<(u64, &'a [u8])> {
    let section = file.section_by_name(name)?;
    let data = section.data().ok()?;
    Some((section.address(), data)).filter(|(_, data)| !data.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_executables() {
        for path in [
            "usr/bin/kubectl",
            "/usr/local/bin/helm",
            "bin/busybox",
            "sbin/init",
            "usr/sbin/nginx",
            "usr/bin/python3.11",
            "opt/tool/bin/tool",
            "usr/local/go/bin/go",
            "root/go/bin/gopls",
            "usr/libexec/docker/cli-plugins/docker-buildx",
            "usr/lib/docker/cli-plugins/docker-compose",
            "usr/libexec/podman/netavark",
            "manager",
            "/coredns",
            "app/server",
            "ko-app/controller",
            "opt/app",
            "opt/grafana/grafana-server",
            "app/tool.exe",
            "./usr/bin/x",
        ] {
            assert!(is_executable_path(path), "{path}");
        }
        for path in [
            "usr/bin/.hidden",
            "usr/bin/install.sh",
            "usr/bin/pydoc.PY",
            "usr/lib/x86_64-linux-gnu/libc.so.6",
            "usr/lib/libfoo.so",
            "opt/java/openjdk/lib/modules",
            "opt/a/b/tool",
            "app/node_modules/x/cli",
            "app/package.json",
            "usr/share/doc/README",
            "etc/passwd",
            "usr/libexec/helper.py",
            "bin/",
            "",
        ] {
            assert!(!is_executable_path(path), "{path}");
        }
    }

    #[test]
    fn formats_by_magic() {
        assert_eq!(ExecutableFormat::of(b"\x7fELF\x02\x01"), Some(ExecutableFormat::Elf));
        assert_eq!(ExecutableFormat::of(&[0xcf, 0xfa, 0xed, 0xfe]), Some(ExecutableFormat::MachO));
        assert_eq!(ExecutableFormat::of(&[0xfe, 0xed, 0xfa, 0xce]), Some(ExecutableFormat::MachO));
        assert_eq!(ExecutableFormat::of(b"MZ\x90\x00"), Some(ExecutableFormat::Pe));
        assert_eq!(ExecutableFormat::of(&[0xca, 0xfe, 0xba, 0xbe]), None);
        assert_eq!(ExecutableFormat::of(b"#!/bin/sh\n"), None);
        assert_eq!(ExecutableFormat::of(b"MZ"), None);
    }

    #[test]
    fn broken_headers() {
        let input = CatalogInput::new("/usr/bin/x", b"\x7fELF\x02\x01\x01\x00garbage");
        let err = parse_executable(&input).err().unwrap();
        assert!(err.message.starts_with("invalid ELF file: "), "{}", err.message);
        assert!(parse_executable(&CatalogInput::new("/x", b"MZ not a pe file at all")).unwrap().is_none());
        assert!(parse_executable(&CatalogInput::new("/x", b"#!/bin/sh\necho\n")).unwrap().is_none());
    }
}
