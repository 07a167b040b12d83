#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The real Debian test image (scripts/make-test-images.sh), pulled from a real registry, scanned
//! against hand-written OSV Debian records keyed by source package: exactly the expected
//! findings (release matters, withdrawn records and fixed versions do not hit).

use std::collections::BTreeSet;

use vigil_oci::{OpenOptions, RegistryOptions, Target};
use vigil_sbom::{ScanLimits, catalog};
use vigil_vuln::db::Database;
use vigil_vuln::import::import_paths;
use vigil_vuln::matcher::match_sbom;

fn record(id: &str, ecosystem: &str, source: &str, events: &str, versions: &str, withdrawn: bool) -> String {
    let withdrawn = if withdrawn { r#""withdrawn": "2024-02-01T00:00:00Z","# } else { "" };
    format!(
        r#"{{"id": "{id}", "modified": "2024-01-01T00:00:00Z", {withdrawn} "aliases": ["CVE-2099-{n}"],
            "affected": [{{"package": {{"ecosystem": "{ecosystem}", "name": "{source}"}},
                          "ranges": [{{"type": "ECOSYSTEM", "events": [{events}]}}], "versions": [{versions}]}}]}}"#,
        n = id.rsplit('-').next().unwrap_or("0")
    )
}

#[test]
fn debian_image_from_the_registry() {
    let Some(_) = vigil_testkit::test_images() else { return };
    let Some((registry, _)) = vigil_oci::testing::start(false) else { return };
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("records");
    std::fs::create_dir_all(&records).unwrap();
    let write = |name: &str, body: String| std::fs::write(records.join(name), body).unwrap();
    // zlib1g 1:1.2.13.dfsg-1 (source zlib): affected until 1:1.2.13.dfsg-2.
    write(
        "t1.json",
        record("DEBIAN-TEST-1", "Debian:12", "zlib", r#"{"introduced": "0"}, {"fixed": "1:1.2.13.dfsg-2"}"#, "", false),
    );
    // liblzma5 5.4.1-1 (source xz-utils): fixed in 5.4.1-0.1, which is older.
    write(
        "t2.json",
        record("DEBIAN-TEST-2", "Debian:12", "xz-utils", r#"{"introduced": "0"}, {"fixed": "5.4.1-0.1"}"#, "", false),
    );
    // The same zlib flaw for Debian 11 does not hit a Debian 12 image.
    write(
        "t3.json",
        record("DEBIAN-TEST-3", "Debian:11", "zlib", r#"{"introduced": "0"}, {"fixed": "1:1.2.13.dfsg-9"}"#, "", false),
    );
    // libbz2-1.0 1.0.8-5+b1 (source bzip2 1.0.8-5): listed explicitly by source version.
    write(
        "t4.json",
        record("DEBIAN-TEST-4", "Debian:12", "bzip2", r#"{"introduced": "1.0.9"}"#, r#""1.0.8-5""#, false),
    );
    // libzstd1 1.5.4+dfsg2-5: fixed in exactly that version.
    write(
        "t5.json",
        record(
            "DEBIAN-TEST-5",
            "Debian:12",
            "libzstd",
            r#"{"introduced": "0"}, {"fixed": "1.5.4+dfsg2-5"}"#,
            "",
            false,
        ),
    );
    // Withdrawn: never matches.
    write("t6.json", record("DEBIAN-TEST-6", "Debian:12", "bzip2", r#"{"introduced": "0"}"#, "", true));
    // Epoch matters: zlib 1:1.2.13 is newer than 2.0.
    write(
        "t7.json",
        record("DEBIAN-TEST-7", "Debian:12", "zlib", r#"{"introduced": "0"}, {"fixed": "2.0-1"}"#, "", false),
    );
    let mut db = Database::create(&dir.path().join("vuln.db")).unwrap();
    let stats = import_paths(&mut db, &[records], &|_| {}).unwrap();
    assert_eq!((stats.records(), stats.errors.len()), (7, 0), "{:?}", stats.errors);

    let options =
        OpenOptions { registry: RegistryOptions { plain_http: true, ..Default::default() }, ..Default::default() };
    let image = Target::parse(&format!("registry:{}/vigil/debian:1.0", registry.addr)).unwrap().open(&options).unwrap();
    let sbom = catalog(&image, ScanLimits::default()).unwrap();
    let found: BTreeSet<(String, String, String)> = match_sbom(&db, &sbom)
        .unwrap()
        .into_iter()
        .map(|f| (f.id, f.package.name, f.fixed_versions.join(",")))
        .collect();
    let expected: BTreeSet<(String, String, String)> =
        [("DEBIAN-TEST-1", "zlib1g", "1:1.2.13.dfsg-2"), ("DEBIAN-TEST-4", "libbz2-1.0", "")]
            .into_iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
    assert_eq!(found, expected);
}
