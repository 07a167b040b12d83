//! apk's database of installed packages, `lib/apk/db/installed`
//! (<https://wiki.alpinelinux.org/wiki/Apk_spec>): one `X:value` line per field, packages
//! separated by blank lines. `P` is the name, `V` the version, `A` the architecture and `o`
//! the origin (the aport the package was built from, which Alpine's secdb is keyed by).
//!
//! Like Syft and osv-scanner, lines that are not fields are skipped and an entry without `P`
//! is not a package; only bytes that cannot be a text database (NUL) are an error.

use super::{MAX_PACKAGES, OsTarget, field_value, is_blank, lines, path_ends_with};
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, SourcePackage, ecosystem};

/// Reads apk installed databases.
pub(crate) struct ApkInstalled;

impl Cataloger for ApkInstalled {
    fn id(&self) -> &'static str {
        "apk-installed"
    }

    fn matches(&self, path: &str) -> bool {
        // `usr/lib/apk/db/installed` is apk-tools 3's location.
        path_ends_with(path, "lib/apk/db/installed")
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let target = OsTarget::new(input.distro, ecosystem::ALPINE, Some("alpine"));
        let mut packages = Vec::new();
        let mut current = Entry::default();
        for (number, line) in lines(input.contents) {
            if line.contains(&0) {
                return Err(CatalogError::new(
                    input.path,
                    format!("line {number}: binary data (a NUL byte), expected an apk installed-database text file"),
                ));
            }
            if is_blank(line) {
                current.finish(&target, input.path, &mut packages)?;
                continue;
            }
            let [key, b':', value @ ..] = line else { continue };
            let value = field_value(value);
            match key {
                b'P' => {
                    // A second name without a blank line in between starts the next package.
                    if current.name.is_some() {
                        current.finish(&target, input.path, &mut packages)?;
                    }
                    current.name = value;
                }
                b'V' => current.version = current.version.take().or(value),
                b'A' => current.arch = current.arch.take().or(value),
                b'o' => current.origin = current.origin.take().or(value),
                _ => {}
            }
        }
        current.finish(&target, input.path, &mut packages)?;
        Ok(packages)
    }
}

/// The fields of one entry that vigil reads; the first occurrence of each wins.
#[derive(Default)]
struct Entry {
    name: Option<String>,
    version: Option<String>,
    arch: Option<String>,
    origin: Option<String>,
}

impl Entry {
    /// Turns the entry into a package (if it has a name) and starts a new one.
    fn finish(&mut self, target: &OsTarget, path: &str, out: &mut Vec<Package>) -> Result<(), CatalogError> {
        let entry = std::mem::take(self);
        let Some(name) = entry.name else { return Ok(()) };
        if out.len() >= MAX_PACKAGES {
            return Err(CatalogError::new(
                path,
                format!("more than {MAX_PACKAGES} packages, expected at most {MAX_PACKAGES}"),
            ));
        }
        let version = entry.version.unwrap_or_default();
        let origin = entry.origin.unwrap_or_else(|| name.clone());
        // As Syft: `upstream` names the origin when it is not the package itself.
        let mut purl = Purl::new("apk", &name).version(&version).qualifier("arch", entry.arch.as_deref().unwrap_or(""));
        if let Some(namespace) = &target.namespace {
            purl = purl.namespace(namespace);
        }
        if origin != name {
            purl = purl.qualifier("upstream", &origin);
        }
        if let Some(distro) = &target.distro_qualifier {
            purl = purl.qualifier("distro", distro);
        }
        let mut package = Package::new(&name, &version, &target.ecosystem, purl.to_string(), path);
        package.source = Some(SourcePackage { name: origin, version });
        out.push(package);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, distro: Option<&str>) -> Vec<Package> {
        let input = CatalogInput { path: "lib/apk/db/installed", contents: text.as_bytes(), distro, read: None };
        ApkInstalled.parse(&input).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn matches_installed_db() {
        assert!(ApkInstalled.matches("lib/apk/db/installed"));
        assert!(ApkInstalled.matches("/lib/apk/db/installed"));
        assert!(ApkInstalled.matches("usr/lib/apk/db/installed"));
        assert!(!ApkInstalled.matches("lib/apk/db/installed.new"));
        assert!(!ApkInstalled.matches("lib/apk/db/scripts.tar"));
    }

    #[test]
    fn packages_with_origins() {
        let found = parse(
            "C:Q1bTtF5526tETKfL+lnigzIDvm+2o=\nP:musl-utils\nV:1.1.24-r2\nA:x86_64\no:musl\nF:sbin\nR:ldconfig\n\n\
             P:busybox\nV:1.36.1-r15\nA:aarch64\no:busybox\n",
            Some("Alpine:v3.19"),
        );
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].name.as_str(), found[0].version.as_str()), ("musl-utils", "1.1.24-r2"));
        assert_eq!(found[0].ecosystem, "Alpine:v3.19");
        assert_eq!(found[0].source, Some(SourcePackage { name: "musl".into(), version: "1.1.24-r2".into() }));
        assert_eq!(found[0].purl, "pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64&distro=alpine-3.19&upstream=musl");
        assert_eq!(found[1].purl, "pkg:apk/alpine/busybox@1.36.1-r15?arch=aarch64&distro=alpine-3.19");
    }

    #[test]
    fn wolfi_and_unknown_distro() {
        let wolfi = parse("P:glibc\nV:2.39-r1\nA:x86_64\n", Some("Wolfi"));
        assert_eq!(wolfi[0].ecosystem, "Wolfi");
        assert_eq!(wolfi[0].purl, "pkg:apk/wolfi/glibc@2.39-r1?arch=x86_64&distro=wolfi");
        let unknown = parse("P:glibc\nV:2.39-r1\n", None);
        assert_eq!(unknown[0].ecosystem, "Alpine");
        assert_eq!(unknown[0].purl, "pkg:apk/alpine/glibc@2.39-r1");
        assert_eq!(unknown[0].source, Some(SourcePackage { name: "glibc".into(), version: "2.39-r1".into() }));
    }

    #[test]
    fn lenient_about_junk() {
        let found = parse(
            "this is a corrupt db\n\nV:3.0.7-r0\no:openssl\n\nnothing here:\n  no package:\nA:x86_64\nP:busybox\n\
             P:second\nV:1\nV:2\nPP:x\n:\n",
            None,
        );
        let got: Vec<_> = found.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        assert_eq!(got, [("busybox", ""), ("second", "1")]);
        assert!(parse("", None).is_empty());
        assert!(parse("Not an APK file!\n[[package]]\nsource = \"git+https://x\"\n", None).is_empty());
    }

    #[test]
    fn nul_byte_is_an_error() {
        let input = CatalogInput::new("lib/apk/db/installed", b"P:a\nV:\0\n");
        let Err(err) = ApkInstalled.parse(&input) else { panic!("binary input parsed") };
        assert_eq!(
            err.to_string(),
            "lib/apk/db/installed: line 2: binary data (a NUL byte), expected an apk installed-database text file"
        );
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2048)) {
            let input = CatalogInput::new("lib/apk/db/installed", &bytes);
            if let Ok(found) = ApkInstalled.parse(&input) {
                // Each package needs at least `P:x`.
                proptest::prop_assert!(found.len() <= bytes.len() / 3 + 1);
            }
        }

        #[test]
        fn field_soup_never_panics(text in "(([PVAoCFRZ]:[a-z0-9.-]{0,8})?\n){0,60}") {
            let input = CatalogInput { path: "lib/apk/db/installed", contents: text.as_bytes(), distro: Some("Alpine:v3.19"), read: None };
            proptest::prop_assert!(ApkInstalled.parse(&input).is_ok());
        }
    }
}
