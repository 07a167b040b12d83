#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The OS package catalogers through the public API: registration, path matching, the
//! distribution flowing from os-release into ecosystems and purls, and arbitrary bytes.

use proptest::prelude::*;
use vigil_sbom::distro::Distro;
use vigil_sbom::{CatalogInput, Cataloger};

const OS_CATALOGERS: [&str; 3] = ["apk-installed", "dpkg-status", "rpm-db"];

fn cataloger(id: &str) -> &'static dyn Cataloger {
    vigil_sbom::catalogers::by_id(id).unwrap_or_else(|| panic!("no cataloger `{id}`"))
}

#[test]
fn registered_once_each() {
    for id in OS_CATALOGERS {
        assert_eq!(vigil_sbom::catalogers().iter().filter(|c| c.id() == id).count(), 1, "{id}");
    }
}

#[test]
fn each_database_path_has_exactly_one_os_cataloger() {
    let paths = [
        ("lib/apk/db/installed", "apk-installed"),
        ("usr/lib/apk/db/installed", "apk-installed"),
        ("var/lib/dpkg/status", "dpkg-status"),
        ("var/lib/dpkg/status.d/base-files", "dpkg-status"),
        ("var/lib/rpm/Packages", "rpm-db"),
        ("var/lib/rpm/rpmdb.sqlite", "rpm-db"),
        ("usr/lib/sysimage/rpm/rpmdb.sqlite", "rpm-db"),
        ("usr/lib/sysimage/rpm/Packages.db", "rpm-db"),
    ];
    for (path, want) in paths {
        let matching: Vec<_> = OS_CATALOGERS.into_iter().filter(|id| cataloger(id).matches(path)).collect();
        assert_eq!(matching, [want], "{path}");
    }
    for path in [
        "var/lib/dpkg/status.d/base-files.md5sums",
        "var/lib/dpkg/info/bash.list",
        "etc/os-release",
        "var/lib/rpm/Basenames",
    ] {
        assert!(OS_CATALOGERS.iter().all(|id| !cataloger(id).matches(path)), "{path}");
    }
}

#[test]
fn os_release_names_ecosystem_and_purl() {
    let os_release = b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\n";
    let distro = Distro::parse_os_release(os_release).unwrap_or_else(|| panic!("no distro"));
    let ecosystem = distro.osv_ecosystem();
    let db = b"C:Q1abc=\nP:libcrypto3\nV:3.1.4-r5\nA:x86_64\no:openssl\n\n";
    let input = CatalogInput { path: "lib/apk/db/installed", contents: db, distro: ecosystem.as_deref(), read: None };
    let found = cataloger("apk-installed").parse(&input).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].ecosystem, "Alpine:v3.19");
    assert_eq!(found[0].purl, "pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19&upstream=openssl");
    let source = found[0].source.as_ref().map(|s| (s.name.as_str(), s.version.as_str()));
    assert_eq!(source, Some(("openssl", "3.1.4-r5")));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096), distro in proptest::option::of("[A-Za-z :.0-9]{0,20}")) {
        let paths = ["lib/apk/db/installed", "var/lib/dpkg/status", "var/lib/rpm/Packages"];
        for (id, path) in OS_CATALOGERS.into_iter().zip(paths) {
            let input = CatalogInput { path, contents: &bytes, distro: distro.as_deref(), read: None };
            match cataloger(id).parse(&input) {
                Ok(found) => prop_assert!(found.len() <= bytes.len()),
                Err(e) => {
                    prop_assert_eq!(&e.path, path);
                    prop_assert!(!e.message.is_empty());
                }
            }
        }
    }
}
