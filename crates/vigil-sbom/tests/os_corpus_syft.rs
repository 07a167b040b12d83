#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Syft's OS package database fixtures (`$VIGIL_CORPORA/lockfiles/syft`): every package in
//! each apk, dpkg and rpm database is found, and corrupt databases give an error naming the
//! file, not a panic.
//!
//! The expected packages are derived here, independently of the catalogers, with a naive
//! reading of each text database (split on blank lines, take the `P:`/`Package:` fields); the
//! rpm Berkeley DB fixture's single package was read by hand (`strings`, and a Python walk of
//! its hash and overflow pages).

use std::path::{Path, PathBuf};

use vigil_sbom::distro::Distro;
use vigil_sbom::purl::Purl;
use vigil_sbom::{CatalogInput, Cataloger, Package, SourcePackage};

fn corpus() -> Option<PathBuf> {
    vigil_testkit::require_corpus("lockfiles/syft/syft/pkg/cataloger")
}

fn cataloger(id: &str) -> &'static dyn Cataloger {
    vigil_sbom::catalogers::by_id(id).unwrap_or_else(|| panic!("no cataloger `{id}`"))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(id: &str, path: &str, bytes: &[u8], distro: Option<&str>) -> Result<Vec<Package>, vigil_sbom::CatalogError> {
    cataloger(id).parse(&CatalogInput { path, contents: bytes, distro, read: None })
}

fn parse_ok(id: &str, path: &str, bytes: &[u8], distro: Option<&str>) -> Vec<Package> {
    parse(id, path, bytes, distro).unwrap_or_else(|e| panic!("{e}"))
}

/// The purl these components make, however the purl module encodes them.
fn purl(ty: &str, namespace: &str, name: &str, version: &str, qualifiers: &[(&str, &str)]) -> String {
    let purl = Purl::new(ty, name).namespace(namespace).version(version);
    qualifiers.iter().fold(purl, |purl, (key, value)| purl.qualifier(key, value)).to_string()
}

/// (name, version, source name) of each package.
type Key = (String, String, String);

fn keys(found: &[Package]) -> Vec<Key> {
    found
        .iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.source.as_ref().map(|s| s.name.clone()).unwrap_or_default()))
        .collect()
}

/// Paragraphs of a text database, split on blank lines.
fn paragraphs(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    text.split("\n\n").map(str::to_string).collect()
}

/// The first `<prefix>value` line of a paragraph.
fn field(paragraph: &str, prefix: &str) -> Option<String> {
    paragraph.lines().find_map(|l| l.strip_prefix(prefix)).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// The naive reading of an apk database: each paragraph with a `P:` line is a package.
fn apk_oracle(bytes: &[u8]) -> Vec<Key> {
    paragraphs(bytes)
        .iter()
        .filter_map(|p| {
            let name = field(p, "P:")?;
            let origin = field(p, "o:").unwrap_or_else(|| name.clone());
            Some((name, field(p, "V:").unwrap_or_default(), origin))
        })
        .collect()
}

/// The naive reading of a dpkg database: each paragraph with `Package:` whose `Status`, if
/// any, ends in `installed`.
fn dpkg_oracle(bytes: &[u8]) -> Vec<Key> {
    paragraphs(bytes)
        .iter()
        .filter_map(|p| {
            let name = field(p, "Package:")?;
            if field(p, "Status:").is_some_and(|s| !s.ends_with(" installed")) {
                return None;
            }
            let source = field(p, "Source:").and_then(|s| s.split_whitespace().next().map(str::to_string));
            Some((name.clone(), field(p, "Version:").unwrap_or_default(), source.unwrap_or(name)))
        })
        .collect()
}

#[test]
fn apk_databases() {
    let Some(dir) = corpus() else { return };
    let testdata = dir.join("alpine/testdata");
    // (fixture, packages counted by hand with `grep -c '^P:'`)
    let fixtures = [
        ("base", 1),
        ("single", 1),
        ("extra-file-attributes", 1),
        ("empty-deps-and-provides", 1),
        ("multiple-1/lib/apk/db/installed", 4),
        ("multiple-2/lib/apk/db/installed", 14),
        // A junk first line: skipped, as Syft does; the package after it is still reported.
        ("corrupt/lib/apk/db/installed", 1),
        ("glob-paths/lib/apk/db/installed", 0),
    ];
    let mut total = 0;
    for (fixture, count) in fixtures {
        let bytes = read(&testdata.join(fixture));
        let found = parse_ok("apk-installed", "lib/apk/db/installed", &bytes, Some("Alpine:v3.19"));
        assert_eq!(keys(&found), apk_oracle(&bytes), "{fixture}");
        assert_eq!(found.len(), count, "{fixture}");
        for p in &found {
            assert_eq!(p.ecosystem, "Alpine:v3.19", "{fixture}");
            assert!(p.purl.starts_with(&format!("pkg:apk/alpine/{}@", p.name)), "{fixture}: {}", p.purl);
            assert!(p.purl.contains("distro=alpine-3.19"), "{fixture}: {}", p.purl);
        }
        if fixture.contains('/') {
            assert!(cataloger("apk-installed").matches(fixture), "{fixture} is not matched");
        }
        total += found.len();
    }
    let single = parse_ok("apk-installed", "lib/apk/db/installed", &read(&testdata.join("single")), None);
    assert_eq!(single[0].purl, "pkg:apk/alpine/musl-utils@1.1.24-r2?arch=x86_64&upstream=musl");
    assert_eq!(single[0].source, Some(SourcePackage { name: "musl".into(), version: "1.1.24-r2".into() }));
    println!("syft apk: {total} packages in {} databases", fixtures.len());
}

#[test]
fn dpkg_databases() {
    let Some(dir) = corpus() else { return };
    let testdata = dir.join("debian/testdata");
    // (fixture, installed packages counted by hand)
    let fixtures = [
        ("image-dpkg/var/lib/dpkg/status", 1),
        ("glob-paths/usr/lib/dpkg/status", 1),
        ("glob-paths/var/lib/dpkg/status", 0),
        ("glob-paths/var/lib/dpkg/status.d/pkg-1.0", 0),
        ("image-distroless-deb/var/lib/dpkg/status.d/libsqlite3-0", 1),
        ("var/lib/dpkg/status.d/coreutils-relationships", 9),
        // Every field name misspelled: no package, and no error (the format is lenient).
        ("var/lib/dpkg/status.d/corrupt", 0),
        // `deinstall ok config-files`: removed, only its configuration left.
        ("var/lib/dpkg/status.d/deinstall", 1),
        ("var/lib/dpkg/status.d/doc-examples", 16),
        ("var/lib/dpkg/status.d/empty", 0),
        ("var/lib/dpkg/status.d/installed-size-4KB", 1),
        ("var/lib/dpkg/status.d/libpam-runtime", 6),
        ("var/lib/dpkg/status.d/multiple", 3),
        ("var/lib/dpkg/status.d/single", 1),
    ];
    let mut total = 0;
    for (fixture, count) in fixtures {
        assert!(cataloger("dpkg-status").matches(fixture), "{fixture} is not matched");
        let bytes = read(&testdata.join(fixture));
        let found = parse_ok("dpkg-status", fixture, &bytes, None);
        assert_eq!(keys(&found), dpkg_oracle(&bytes), "{fixture}");
        assert_eq!(found.len(), count, "{fixture}");
        for p in &found {
            assert_eq!(p.ecosystem, "Debian", "{fixture}");
            assert!(p.purl.starts_with(&format!("pkg:deb/debian/{}", p.name)), "{fixture}: {}", p.purl);
        }
        total += found.len();
    }
    assert!(!cataloger("dpkg-status").matches("image-distroless-deb/var/lib/dpkg/status.d/libsqlite3-0.md5sums"));

    // The image's own os-release names the release.
    let os_release = read(&testdata.join("image-dpkg/etc/os-release"));
    let ecosystem = Distro::parse_os_release(&os_release).and_then(|d| d.osv_ecosystem());
    assert_eq!(ecosystem.as_deref(), Some("Debian:12"));
    let path = "image-dpkg/var/lib/dpkg/status";
    let found = parse_ok("dpkg-status", path, &read(&testdata.join(path)), ecosystem.as_deref());
    assert_eq!(
        (found[0].ecosystem.as_str(), found[0].purl.as_str()),
        ("Debian:12", "pkg:deb/debian/libpam-runtime@1.1.8-3.6?arch=all&distro=debian-12&upstream=pam")
    );

    let path = "image-distroless-deb/var/lib/dpkg/status.d/libsqlite3-0";
    let found = parse_ok("dpkg-status", path, &read(&testdata.join(path)), Some("Debian:11"));
    assert_eq!(found[0].purl, "pkg:deb/debian/libsqlite3-0@3.34.1-3?arch=arm64&distro=debian-11&upstream=sqlite3");
    assert_eq!(found[0].source, Some(SourcePackage { name: "sqlite3".into(), version: "3.34.1-3".into() }));

    let path = "var/lib/dpkg/status.d/coreutils-relationships";
    let found = parse_ok("dpkg-status", path, &read(&testdata.join(path)), Some("Debian:12"));
    let selinux = found.iter().find(|p| p.name == "libselinux1").unwrap_or_else(|| panic!("no libselinux1"));
    assert_eq!(selinux.source, Some(SourcePackage { name: "libselinux".into(), version: "3.4-1".into() }));
    assert_eq!(
        selinux.purl,
        purl(
            "deb",
            "debian",
            "libselinux1",
            "3.4-1+b6",
            &[("arch", "arm64"), ("upstream", "libselinux@3.4-1"), ("distro", "debian-12")]
        )
    );
    let gmp = found.iter().find(|p| p.name == "libgmp10").unwrap_or_else(|| panic!("no libgmp10"));
    assert_eq!(gmp.version, "2:6.2.1+dfsg1-1.1");
    println!("syft dpkg: {total} packages in {} databases", fixtures.len());
}

#[test]
fn rpm_databases() {
    let Some(dir) = corpus() else { return };
    let testdata = dir.join("redhat/testdata");
    let bytes = read(&testdata.join("Packages"));
    assert!(cataloger("rpm-db").matches("var/lib/rpm/Packages"));
    // One package, read by hand: il=49, dl=532, NAME `dive`, VERSION `0.9.2`, RELEASE `1`,
    // no EPOCH, ARCH `x86_64`, SOURCERPM `dive-0.9.2-1.src.rpm`, in overflow page 3.
    let found = parse_ok("rpm-db", "var/lib/rpm/Packages", &bytes, None);
    assert_eq!(keys(&found), [("dive".to_string(), "0.9.2-1".to_string(), "dive".to_string())]);
    assert_eq!(found[0].purl, "pkg:rpm/dive@0.9.2-1?arch=x86_64&upstream=dive-0.9.2-1.src.rpm");
    assert_eq!(found[0].ecosystem, "Red Hat");
    let rocky = parse_ok("rpm-db", "var/lib/rpm/Packages", &bytes, Some("Rocky Linux:9"));
    assert_eq!(rocky[0].purl, "pkg:rpm/rocky/dive@0.9.2-1?arch=x86_64&distro=rocky-9&upstream=dive-0.9.2-1.src.rpm");
    assert_eq!(rocky[0].ecosystem, "Rocky Linux:9");
    println!("syft rpm: 1 package in 1 database");

    // rpm creates empty database files it has not initialised.
    for path in ["Packages", "Packages.db", "rpmdb.sqlite"] {
        let empty = read(&testdata.join("glob-paths/usr/lib/sysimage/rpm").join(path));
        assert_eq!(parse_ok("rpm-db", &format!("usr/lib/sysimage/rpm/{path}"), &empty, None), []);
    }
}

/// Corrupt inputs: an error naming the file, never a panic.
#[test]
fn corrupt_databases_give_errors() {
    let Some(dir) = corpus() else { return };
    let rpm = dir.join("redhat/testdata");
    let no_magic = "not an rpm database: no SQLite, NDB or Berkeley DB magic, expected one of rpm's database formats";
    let bad_rpm = read(&rpm.join("bad/bad.rpm"));
    let bogus = read(&rpm.join("glob-paths/var/lib/rpm/Packages"));
    for path in ["var/lib/rpm/Packages", "var/lib/rpm/Packages.db", "var/lib/rpm/rpmdb.sqlite"] {
        for bytes in [&bad_rpm, &bogus] {
            let err = parse("rpm-db", path, bytes, None).err().map(|e| e.to_string());
            assert_eq!(err, Some(format!("{path}: {no_magic}")));
        }
    }

    // The Berkeley DB cut before its overflow page, and with the header's NAME moved away.
    let packages = read(&rpm.join("Packages"));
    let truncated = packages.get(..3 * 4096).unwrap_or_default();
    let err = parse("rpm-db", "var/lib/rpm/Packages", truncated, None).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("var/lib/rpm/Packages: page 2, item 1: overflow page 3 is beyond the end of the file")
    );
    let mut bad_offset = packages.clone();
    // The header starts 26 bytes into page 3; NAME is its entry 2 (after the region tag and the
    // i18n table), whose offset field is at 8 + 2 × 16 + 8.
    let name_offset = 3 * 4096 + 26 + 8 + 2 * 16 + 8;
    if let Some(b) = bad_offset.get_mut(name_offset..name_offset + 4) {
        b.copy_from_slice(&0x00ff_ffffu32.to_be_bytes());
    }
    let err =
        parse("rpm-db", "var/lib/rpm/Packages", &bad_offset, None).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.starts_with("var/lib/rpm/Packages: page 2, item 1: index entry 2 (tag 1000"), "{err}");
    assert!(err.ends_with("expected an offset inside the data store"), "{err}");

    // A binary file where a text database belongs.
    let err = parse("dpkg-status", "var/lib/dpkg/status", &packages, None).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("var/lib/dpkg/status: line 1: binary data (a NUL byte), expected a dpkg status text file")
    );
    let err = parse("apk-installed", "lib/apk/db/installed", &packages, None).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("lib/apk/db/installed: line 1: binary data (a NUL byte), expected an apk installed-database text file")
    );
}
