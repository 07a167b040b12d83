//! rpm's database of installed packages in any of its three backends, told apart by their
//! magic bytes: SQLite (`rpmdb.sqlite`), Berkeley DB hash (`Packages`) and NDB
//! (`Packages.db`). Each stores one header blob per package ([`super::rpm_header`]).
//!
//! Versions are `[epoch:]version-release`, as rpm and Syft print them. The purl follows
//! purl-spec's rpm type and Syft: `version-release` as the version, the epoch in an `epoch`
//! qualifier, the source rpm's file name in `upstream`. `gpg-pubkey` entries are imported
//! signing keys, not software, and are left out (as Trivy does).

use super::rpm_header::{RpmHeader, parse_header};
use super::{MAX_PACKAGES, OsTarget, path_ends_with, rpm_bdb, rpm_ndb, rpm_sqlite};
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, SourcePackage};

/// Directories rpm keeps its database in: the classic one, the `/usr` one of Fedora 36+,
/// openSUSE and image-mode systems, and `/usr/share/rpm` of OSTree-based systems.
const DB_DIRS: &[&str] = &["var/lib/rpm", "usr/lib/sysimage/rpm", "usr/share/rpm"];
const DB_FILES: &[&str] = &["Packages", "Packages.db", "rpmdb.sqlite"];

/// The OSV ecosystem used when the caller does not know the distribution: rpm version
/// ordering is what matters for matching, and Red Hat's is the reference.
const DEFAULT_ECOSYSTEM: &str = "Red Hat";

/// Reads rpm databases.
pub(crate) struct RpmDb;

impl Cataloger for RpmDb {
    fn id(&self) -> &'static str {
        "rpm-db"
    }

    fn matches(&self, path: &str) -> bool {
        let Some((dir, name)) = path.rsplit_once('/') else { return false };
        DB_FILES.contains(&name) && DB_DIRS.iter().any(|d| path_ends_with(dir, d))
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let target = OsTarget::new(input.distro, DEFAULT_ECOSYSTEM, None);
        let data = input.contents;
        let error = |message: String| CatalogError::new(input.path, message);
        if data.is_empty() {
            // rpm creates empty files for databases it has not initialised; nothing is installed.
            return Ok(Vec::new());
        }
        let records: Vec<(String, Vec<u8>)> = if rpm_sqlite::is_sqlite(data) {
            let records = rpm_sqlite::read_records(data).map_err(error)?;
            records.into_iter().map(|r| (format!("row {}", r.hnum), r.blob)).collect()
        } else if data.starts_with(b"RpmP") {
            let records = rpm_ndb::read_records(data).map_err(error)?;
            records.into_iter().map(|r| (format!("slot {} (package {})", r.slot, r.package_index), r.blob)).collect()
        } else if rpm_bdb::has_magic(data) {
            let records = rpm_bdb::read_records(data).map_err(error)?;
            records.into_iter().map(|r| (format!("page {}, item {}", r.page, r.item), r.blob)).collect()
        } else {
            return Err(error(
                "not an rpm database: no SQLite, NDB or Berkeley DB magic, expected one of rpm's database formats"
                    .to_string(),
            ));
        };
        let mut packages = Vec::new();
        for (place, blob) in records {
            let header = parse_header(&blob).map_err(|e| error(format!("{place}: {e}")))?;
            if header.name == "gpg-pubkey" {
                continue;
            }
            if packages.len() >= MAX_PACKAGES {
                return Err(error(format!("more than {MAX_PACKAGES} packages, expected at most {MAX_PACKAGES}")));
            }
            packages.push(package(header, &target, input.path));
        }
        Ok(packages)
    }
}

fn package(header: RpmHeader, target: &OsTarget, path: &str) -> Package {
    let version_release = join_release(&header.version, &header.release);
    let version = match header.epoch {
        Some(epoch) => format!("{epoch}:{version_release}"),
        None => version_release.clone(),
    };
    let epoch = header.epoch.map(|e| e.to_string()).unwrap_or_default();
    let mut purl = Purl::new("rpm", &header.name)
        .version(&version_release)
        .qualifier("arch", &header.arch)
        .qualifier("epoch", &epoch)
        .qualifier("upstream", &header.source_rpm);
    if let Some(namespace) = &target.namespace {
        purl = purl.namespace(namespace);
    }
    if let Some(distro) = &target.distro_qualifier {
        purl = purl.qualifier("distro", distro);
    }
    let source = parse_source_rpm(&header.source_rpm).map(|(name, version, release)| {
        // Subpackages share their spec's epoch, which the file name leaves out.
        let version_release = join_release(version, release);
        SourcePackage {
            name: name.to_string(),
            version: match header.epoch {
                Some(epoch) => format!("{epoch}:{version_release}"),
                None => version_release,
            },
        }
    });
    let mut package = Package::new(&header.name, version, &target.ecosystem, purl.to_string(), path);
    package.source = source;
    package
}

fn join_release(version: &str, release: &str) -> String {
    if release.is_empty() { version.to_string() } else { format!("{version}-{release}") }
}

/// `bash-5.1.8-6.el9.src.rpm` → (`bash`, `5.1.8`, `6.el9`). Names may contain dashes;
/// versions and releases may not.
fn parse_source_rpm(file: &str) -> Option<(&str, &str, &str)> {
    let stem = file.strip_suffix(".src.rpm").or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    (!name.is_empty() && !version.is_empty() && !release.is_empty()).then_some((name, version, release))
}

#[cfg(test)]
mod tests {
    use super::super::rpm_header::build;
    use super::*;

    fn parse(path: &str, data: &[u8], distro: Option<&str>) -> Result<Vec<Package>, CatalogError> {
        RpmDb.parse(&CatalogInput { path, contents: data, distro, read: None })
    }

    fn blobs() -> Vec<Vec<u8>> {
        vec![
            build::package("bash", "5.1.8", "6.el9", None, "x86_64", "bash-5.1.8-6.el9.src.rpm"),
            build::package("openssl-libs", "3.0.7", "27.el9", Some("1"), "x86_64", "openssl-3.0.7-27.el9.src.rpm"),
            build::header(&[(1000, "gpg-pubkey"), (1001, "5a6340b3"), (1002, "6229229e")]),
        ]
    }

    #[test]
    fn matches_db_locations() {
        assert!(RpmDb.matches("var/lib/rpm/Packages"));
        assert!(RpmDb.matches("/var/lib/rpm/rpmdb.sqlite"));
        assert!(RpmDb.matches("usr/lib/sysimage/rpm/Packages.db"));
        assert!(RpmDb.matches("usr/share/rpm/rpmdb.sqlite"));
        assert!(!RpmDb.matches("var/lib/rpm/Basenames"));
        assert!(!RpmDb.matches("var/lib/rpm/rpmdb.sqlite-shm"));
        assert!(!RpmDb.matches("home/me/var/lib/rpmx/Packages"));
        assert!(!RpmDb.matches("Packages"));
    }

    #[test]
    fn every_backend_gives_the_same_packages() {
        let backends = [
            ("var/lib/rpm/rpmdb.sqlite", super::super::rpm_sqlite::build::database(&blobs())),
            ("var/lib/rpm/Packages", super::super::rpm_bdb::build::database(&blobs(), false)),
            ("var/lib/rpm/Packages", super::super::rpm_bdb::build::database(&blobs(), true)),
            ("usr/lib/sysimage/rpm/Packages.db", super::super::rpm_ndb::build::database(&blobs())),
        ];
        for (path, data) in backends {
            let found = parse(path, &data, Some("Rocky Linux:9")).unwrap_or_else(|e| panic!("{path}: {e}"));
            let got: Vec<_> = found.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str())).collect();
            assert_eq!(
                got,
                [
                    (
                        "bash",
                        "5.1.8-6.el9",
                        "pkg:rpm/rocky/bash@5.1.8-6.el9?arch=x86_64&distro=rocky-9&upstream=bash-5.1.8-6.el9.src.rpm"
                    ),
                    (
                        "openssl-libs",
                        "1:3.0.7-27.el9",
                        "pkg:rpm/rocky/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rocky-9&epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm"
                    ),
                ],
                "{path}"
            );
            assert_eq!(found[1].ecosystem, "Rocky Linux:9");
            assert_eq!(
                found[1].source,
                Some(SourcePackage { name: "openssl".into(), version: "1:3.0.7-27.el9".into() })
            );
            assert_eq!(found[0].locations[0].path, path);
        }
    }

    #[test]
    fn red_hat_namespace_and_unknown_distro() {
        let data = super::super::rpm_ndb::build::database(&blobs()[..1]);
        let rhel = parse("var/lib/rpm/Packages.db", &data, Some("Red Hat:enterprise_linux:9")).unwrap_or_default();
        assert_eq!(
            rhel[0].purl,
            "pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64&distro=rhel-9&upstream=bash-5.1.8-6.el9.src.rpm"
        );
        let unknown = parse("var/lib/rpm/Packages.db", &data, None).unwrap_or_default();
        assert_eq!(unknown[0].ecosystem, "Red Hat");
        assert_eq!(unknown[0].purl, "pkg:rpm/bash@5.1.8-6.el9?arch=x86_64&upstream=bash-5.1.8-6.el9.src.rpm");
    }

    #[test]
    fn errors_name_the_file_and_record() {
        let err = |path: &str, data: &[u8]| parse(path, data, None).err().map(|e| e.to_string()).unwrap_or_default();
        let no_magic =
            "not an rpm database: no SQLite, NDB or Berkeley DB magic, expected one of rpm's database formats";
        assert_eq!(
            err("var/lib/rpm/Packages", b"this is not a real RPM file"),
            format!("var/lib/rpm/Packages: {no_magic}")
        );
        assert_eq!(err("var/lib/rpm/rpmdb.sqlite", b"bogus"), format!("var/lib/rpm/rpmdb.sqlite: {no_magic}"));
        assert_eq!(parse("usr/lib/sysimage/rpm/Packages", b"", None), Ok(Vec::new()));
        let mut btree = vec![0u8; 4096];
        btree[12..16].copy_from_slice(&0x0005_3162u32.to_le_bytes());
        assert_eq!(
            err("var/lib/rpm/Packages", &btree),
            "var/lib/rpm/Packages: a Berkeley DB btree database, expected rpm's hash database"
        );
        let broken = super::super::rpm_ndb::build::database(&[b"not a header".to_vec()]);
        assert_eq!(
            err("var/lib/rpm/Packages.db", &broken),
            "var/lib/rpm/Packages.db: slot 0 (package 1): header declares 1852797984 index entries, expected 1 to 65535"
        );
    }

    #[test]
    fn source_rpm_names() {
        assert_eq!(parse_source_rpm("bash-5.1.8-6.el9.src.rpm"), Some(("bash", "5.1.8", "6.el9")));
        assert_eq!(
            parse_source_rpm("python-setuptools-53.0.0-12.el9.noarch.src.rpm"),
            Some(("python-setuptools", "53.0.0", "12.el9.noarch"))
        );
        assert_eq!(parse_source_rpm("kernel-5.14.0-1.nosrc.rpm"), Some(("kernel", "5.14.0", "1")));
        assert_eq!(parse_source_rpm("bash-5.1.8.src.rpm"), None);
        assert_eq!(parse_source_rpm("-1-2.src.rpm"), None);
        assert_eq!(parse_source_rpm(""), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..4096)) {
            for prefix in [&b""[..], b"RpmP", b"SQLite format 3\0"] {
                let data = [prefix, &bytes].concat();
                if let Ok(found) = parse("var/lib/rpm/Packages", &data, Some("AlmaLinux:9")) {
                    proptest::prop_assert!(found.len() <= data.len() / 24);
                }
            }
        }
    }
}
