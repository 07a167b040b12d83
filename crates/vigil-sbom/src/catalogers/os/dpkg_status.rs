//! dpkg's database of installed packages: `var/lib/dpkg/status`, and the one-file-per-package
//! `var/lib/dpkg/status.d/` of distroless images.
//!
//! The format is deb822 (Debian Policy 5.1): paragraphs of `Field: value` lines separated by
//! blank lines, continuation lines starting with a space or tab. The parser is lenient the way
//! dpkg's readers in Syft and osv-scanner are: lines that are not fields are skipped, a
//! paragraph without `Package` is not a package. Only bytes that cannot be a text database
//! (NUL) are an error.

use super::{MAX_PACKAGES, OsTarget, field_value, is_blank, lines, path_ends_with};
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, SourcePackage, ecosystem};

/// dpkg package states (dpkg-query(1), `Status` field, third word) in which the package's
/// files are on disk. `not-installed` and `config-files` (removed, configuration kept) are
/// the others.
const FILES_PRESENT_STATES: &[&str] =
    &["installed", "unpacked", "half-configured", "half-installed", "triggers-awaited", "triggers-pending"];

/// Reads dpkg status databases.
pub(crate) struct DpkgStatus;

impl Cataloger for DpkgStatus {
    fn id(&self) -> &'static str {
        "dpkg-status"
    }

    fn matches(&self, path: &str) -> bool {
        if path_ends_with(path, "lib/dpkg/status") {
            return true;
        }
        // Distroless: one control file per package, next to its `.md5sums`.
        let Some((dir, name)) = path.rsplit_once('/') else { return false };
        path_ends_with(dir, "lib/dpkg/status.d")
            && !name.is_empty()
            && !name.starts_with('.')
            && !name.ends_with(".md5sums")
            && !name.ends_with(".conffiles")
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let target = OsTarget::new(input.distro, ecosystem::DEBIAN, Some("debian"));
        let mut packages = Vec::new();
        let mut current = Paragraph::default();
        for (number, line) in lines(input.contents) {
            if line.contains(&0) {
                return Err(CatalogError::new(
                    input.path,
                    format!("line {number}: binary data (a NUL byte), expected a dpkg status text file"),
                ));
            }
            if is_blank(line) {
                current.finish(&target, input.path, &mut packages)?;
                continue;
            }
            // Continuation lines only extend multi-line fields (Description, Conffiles), which
            // are not read; `#` lines are comments in deb822.
            if line.starts_with(b" ") || line.starts_with(b"\t") || line.starts_with(b"#") {
                continue;
            }
            let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
            let (name, value) = line.split_at(colon);
            if !is_field_name(name) {
                continue;
            }
            let value = field_value(value.get(1..).unwrap_or_default());
            let field = |wanted: &str| name.eq_ignore_ascii_case(wanted.as_bytes());
            if field("Package") {
                // A second `Package` without a blank line in between starts the next package.
                if current.package.is_some() {
                    current.finish(&target, input.path, &mut packages)?;
                }
                current.package = value;
            } else if field("Version") {
                current.version = current.version.take().or(value);
            } else if field("Architecture") {
                current.arch = current.arch.take().or(value);
            } else if field("Source") {
                current.source = current.source.take().or(value);
            } else if field("Status") {
                current.status = current.status.take().or(value);
            }
        }
        current.finish(&target, input.path, &mut packages)?;
        Ok(packages)
    }
}

/// The fields of one paragraph that vigil reads; the first occurrence of each wins.
#[derive(Default)]
struct Paragraph {
    package: Option<String>,
    version: Option<String>,
    arch: Option<String>,
    source: Option<String>,
    status: Option<String>,
}

impl Paragraph {
    /// Turns the paragraph into a package (if it is an installed one) and starts a new one.
    fn finish(&mut self, target: &OsTarget, path: &str, out: &mut Vec<Package>) -> Result<(), CatalogError> {
        let paragraph = std::mem::take(self);
        let Some(name) = paragraph.package else { return Ok(()) };
        if !is_installed(paragraph.status.as_deref()) {
            return Ok(());
        }
        if out.len() >= MAX_PACKAGES {
            return Err(CatalogError::new(
                path,
                format!("more than {MAX_PACKAGES} packages, expected at most {MAX_PACKAGES}"),
            ));
        }
        let version = paragraph.version.unwrap_or_default();
        let arch = paragraph.arch.unwrap_or_default();
        let (source_name, source_version) = parse_source(paragraph.source.as_deref());
        let source = SourcePackage {
            name: source_name.unwrap_or(&name).to_string(),
            version: source_version.unwrap_or(&version).to_string(),
        };

        // purl-spec's deb type keeps the epoch in the version (`pkg:deb/debian/attr@1:2.4.47-2`),
        // as Syft does; only rpm moves it to an `epoch` qualifier. Syft's `upstream` qualifier
        // names the source package (`glibc`), with `@version` when that differs.
        let mut purl = Purl::new("deb", &name).version(&version).qualifier("arch", &arch);
        if let Some(namespace) = &target.namespace {
            purl = purl.namespace(namespace);
        }
        if source.name != name || source.version != version {
            let upstream = if source.version == version {
                source.name.clone()
            } else {
                format!("{}@{}", source.name, source.version)
            };
            purl = purl.qualifier("upstream", &upstream);
        }
        if let Some(distro) = &target.distro_qualifier {
            purl = purl.qualifier("distro", distro);
        }
        let mut package = Package::new(&name, version, &target.ecosystem, purl.to_string(), path);
        package.source = Some(source);
        out.push(package);
        Ok(())
    }
}

/// deb822 field names: printable US-ASCII without spaces or colons, not starting with `#` or `-`.
fn is_field_name(name: &[u8]) -> bool {
    !name.is_empty()
        && !name.starts_with(b"-")
        && !name.starts_with(b"#")
        && name.iter().all(|&b| b.is_ascii_graphic() && b != b':')
}

/// Whether a `Status: <want> <flag> <state>` says the package's files are installed. Files in
/// `status.d/` carry no `Status` (everything there is installed), so a missing field counts as
/// installed; a malformed one does not.
fn is_installed(status: Option<&str>) -> bool {
    let Some(status) = status else { return true };
    let words: Vec<&str> = status.split_ascii_whitespace().collect();
    matches!(words.as_slice(), [_, _, state] if FILES_PRESENT_STATES.contains(state))
}

/// `Source: glibc (2.36-9)` → (`glibc`, `2.36-9`); `Source: glibc` → (`glibc`, none).
fn parse_source(source: Option<&str>) -> (Option<&str>, Option<&str>) {
    let Some(source) = source.map(str::trim).filter(|s| !s.is_empty()) else { return (None, None) };
    let (name, rest) = source.split_once(char::is_whitespace).unwrap_or((source, ""));
    let version =
        rest.trim().strip_prefix('(').and_then(|r| r.strip_suffix(')')).map(str::trim).filter(|v| !v.is_empty());
    (Some(name), version)
}

#[cfg(test)]
mod tests {
    use super::super::expected_purl;
    use super::*;

    fn parse_with(path: &str, text: &str, distro: Option<&str>) -> Vec<Package> {
        let input = CatalogInput { path, contents: text.as_bytes(), distro, read: None };
        DpkgStatus.parse(&input).unwrap_or_else(|e| panic!("{e}"))
    }

    fn parse(text: &str) -> Vec<Package> {
        parse_with("var/lib/dpkg/status", text, Some("Debian:12"))
    }

    #[test]
    fn matches_status_and_status_d() {
        assert!(DpkgStatus.matches("var/lib/dpkg/status"));
        assert!(DpkgStatus.matches("/var/lib/dpkg/status"));
        assert!(DpkgStatus.matches("usr/lib/dpkg/status"));
        assert!(DpkgStatus.matches("var/lib/dpkg/status.d/libc6"));
        assert!(!DpkgStatus.matches("var/lib/dpkg/status.d/libc6.md5sums"));
        assert!(!DpkgStatus.matches("var/lib/dpkg/status.d/"));
        assert!(!DpkgStatus.matches("var/lib/dpkg/status-old"));
        assert!(!DpkgStatus.matches("var/lib/dpkg/available"));
        assert!(!DpkgStatus.matches("status"));
    }

    #[test]
    fn installed_packages_with_sources() {
        let found = parse(
            "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\n\
             Version: 2.36-9+deb12u4\nDescription: GNU C Library\n multi-line: description\n\n\
             Package: bsdutils\nStatus: install ok installed\nArchitecture: amd64\n\
             Source: util-linux (2.38.1-5+b1)\nVersion: 1:2.38.1-5+b1\n\n\
             Package: libselinux1\nStatus: install ok installed\nArchitecture: amd64\n\
             Source: libselinux (3.4-1)\nVersion: 3.4-1+b6\n\n\
             Package: old-kernel\nStatus: deinstall ok config-files\nVersion: 1\n\n\
             Package: held\nStatus: hold ok installed\nVersion: 2\nArchitecture: all\n",
        );
        let names: Vec<_> = found.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["libc6", "bsdutils", "libselinux1", "held"]);
        assert_eq!(found[0].ecosystem, "Debian:12");
        assert_eq!(found[0].source, Some(SourcePackage { name: "glibc".into(), version: "2.36-9+deb12u4".into() }));
        assert_eq!(
            found[0].purl,
            expected_purl(
                "deb",
                "debian",
                "libc6",
                "2.36-9+deb12u4",
                &[("arch", "amd64"), ("upstream", "glibc"), ("distro", "debian-12")]
            )
        );
        assert_eq!(found[1].version, "1:2.38.1-5+b1");
        assert_eq!(found[1].source, Some(SourcePackage { name: "util-linux".into(), version: "2.38.1-5+b1".into() }));
        assert_eq!(
            found[1].purl,
            expected_purl(
                "deb",
                "debian",
                "bsdutils",
                "1:2.38.1-5+b1",
                &[("arch", "amd64"), ("upstream", "util-linux@2.38.1-5+b1"), ("distro", "debian-12")]
            )
        );
        assert_eq!(found[3].source, Some(SourcePackage { name: "held".into(), version: "2".into() }));
        assert_eq!(found[3].purl, "pkg:deb/debian/held@2?arch=all&distro=debian-12");
        assert_eq!(found[3].locations[0].path, "var/lib/dpkg/status");
    }

    #[test]
    fn status_states() {
        assert!(is_installed(None));
        assert!(is_installed(Some("install ok installed")));
        assert!(is_installed(Some("install reinstreq half-installed")));
        assert!(is_installed(Some("deinstall ok installed")));
        assert!(!is_installed(Some("install ok not-installed")));
        assert!(!is_installed(Some("purge ok config-files")));
        assert!(!is_installed(Some("bad-status")));
        assert!(!is_installed(Some("install ok installed extra")));
    }

    #[test]
    fn unknown_distro_defaults_to_debian() {
        let found = parse_with(
            "var/lib/dpkg/status.d/tzdata",
            "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
            None,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].ecosystem, "Debian");
        assert_eq!(found[0].purl, expected_purl("deb", "debian", "tzdata", "2024a-0+deb12u1", &[("arch", "all")]));
    }

    #[test]
    fn ubuntu_namespace() {
        let found = parse_with(
            "var/lib/dpkg/status",
            "Package: bash\nStatus: install ok installed\nVersion: 5.1-6ubuntu1\n",
            Some("Ubuntu:22.04"),
        );
        assert_eq!(found[0].ecosystem, "Ubuntu:22.04");
        assert_eq!(found[0].purl, "pkg:deb/ubuntu/bash@5.1-6ubuntu1?distro=ubuntu-22.04");
    }

    #[test]
    fn lenient_about_junk() {
        let found = parse(
            "Malformed\n\n  continuation without a field\n#Package: commented\nPackage:\n\n\
             Package: a\r\nVersion: 1\r\nVersion: 2\r\nPackage: b\nno colon here\nVersion: 3\n\n\n",
        );
        let got: Vec<_> = found.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        assert_eq!(got, [("a", "1"), ("b", "3")]);
        assert!(parse("").is_empty());
        assert!(parse("\n\n\n").is_empty());
    }

    #[test]
    fn field_names_are_case_insensitive() {
        let found = parse("package: x\nVERSION: 1.0\nsource: y (0.9)\n");
        assert_eq!(found[0].source, Some(SourcePackage { name: "y".into(), version: "0.9".into() }));
    }

    #[test]
    fn nul_byte_is_an_error() {
        let input = CatalogInput::new("var/lib/dpkg/status", b"Package: a\n\nPackage: b\0\n");
        let Err(err) = DpkgStatus.parse(&input) else { panic!("binary input parsed") };
        assert_eq!(
            err.to_string(),
            "var/lib/dpkg/status: line 3: binary data (a NUL byte), expected a dpkg status text file"
        );
    }

    #[test]
    fn source_field_forms() {
        assert_eq!(parse_source(Some("glibc")), (Some("glibc"), None));
        assert_eq!(parse_source(Some("lvm2 (2.02.176-4.1ubuntu3)")), (Some("lvm2"), Some("2.02.176-4.1ubuntu3")));
        assert_eq!(parse_source(Some("x (")), (Some("x"), None));
        assert_eq!(parse_source(Some("  ")), (None, None));
        assert_eq!(parse_source(None), (None, None));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let input = CatalogInput::new("var/lib/dpkg/status", &bytes);
            if let Ok(found) = DpkgStatus.parse(&input) {
                // Each package needs at least `Package:x` and a separator.
                proptest::prop_assert!(found.len() <= bytes.len() / 10 + 1);
            }
        }

        #[test]
        fn field_soup_never_panics(text in "((Package|Version|Status|Source|Architecture|X|)(: ?)?[a-z0-9 ():.+~-]{0,12}\n{0,2}){0,40}") {
            let input = CatalogInput { path: "var/lib/dpkg/status.d/x", contents: text.as_bytes(), distro: Some("Debian:12"), read: None };
            let found = DpkgStatus.parse(&input);
            proptest::prop_assert!(found.is_ok());
        }
    }
}
