#![allow(clippy::unwrap_used, clippy::expect_used)]
//! osv-scanner's dpkg and apk fixtures (`$VIGIL_CORPORA/lockfiles/osv-scanner`) read the way
//! osv-scanner reports them. For dpkg, osv-scanner lists *source* packages (`bsdutils` is
//! reported as `util-linux 2.36.1-8+deb11u1`, `libc6` as `glibc`), because Debian advisories
//! are keyed by source; vigil lists binary packages, as Syft and Trivy do, and carries the
//! source in `Package::source`, so this compares that. For apk, both list binary packages.
//!
//! The shared `corpus_osv_scanner` harness compares `Package::name` for every parser, so its
//! dpkg rate counts each source-renamed package as a miss; this test is the oracle for the
//! source mapping.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;
use vigil_sbom::CatalogInput;

/// Matching records this corpus must not fall below. The one miss is deliberate:
/// `malformed_status` has a paragraph with `Source` and `Version` but no `Package`, which
/// osv-scanner reports and vigil (like dpkg and Syft) does not consider a package.
const BASELINE_MATCHES: usize = 14;

fn corpus() -> Option<PathBuf> {
    let dir = vigil_testkit::require_corpus("lockfiles/osv-scanner")?;
    assert!(dir.join("expected-packages.json").is_file(), "{} has no expected-packages.json", dir.display());
    Some(dir)
}

type Key = (String, String);

#[test]
fn dpkg_sources_and_apk_packages() {
    let Some(dir) = corpus() else { return };
    let text = std::fs::read_to_string(dir.join("expected-packages.json")).unwrap_or_else(|e| panic!("{e}"));
    let expected: BTreeMap<String, Vec<Value>> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let (mut passed, mut total) = (0, 0);
    let mut misses = Vec::new();
    for (fixture, records) in &expected {
        for record in records {
            let (id, by_source) = match record["parser"].as_str() {
                Some("ParseDpkgStatus") => ("dpkg-status", true),
                Some("ParseApkInstalled") => ("apk-installed", false),
                _ => continue,
            };
            total += 1;
            let want: BTreeSet<Key> = record["packages"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        p["Name"].as_str().unwrap_or_default().to_string(),
                        p["Version"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            let expect_error = record.get("expect_error").is_some();
            let Ok(bytes) = std::fs::read(dir.join("pkg/lockfile").join(fixture)) else {
                // `does-not-exist`: upstream expects the read itself to fail (SOURCES.md); any
                // other unreadable fixture has vanished from the corpus.
                assert!(expect_error && fixture.ends_with("/does-not-exist"), "fixture {fixture} is missing");
                passed += 1;
                continue;
            };
            let cataloger = vigil_sbom::catalogers::by_id(id).unwrap_or_else(|| panic!("no cataloger `{id}`"));
            let found = match (cataloger.parse(&CatalogInput::new(fixture, &bytes)), expect_error) {
                (Ok(found), false) => found,
                (Err(_), true) => {
                    passed += 1;
                    continue;
                }
                (Ok(found), true) => {
                    misses.push(format!("{fixture}: expected an error, parsed {} packages", found.len()));
                    continue;
                }
                (Err(e), false) => {
                    misses.push(format!("{fixture}: error: {e}"));
                    continue;
                }
            };
            let got: BTreeSet<Key> = found
                .iter()
                .map(|p| match (&p.source, by_source) {
                    (Some(source), true) => (source.name.clone(), source.version.clone()),
                    _ => (p.name.clone(), p.version.clone()),
                })
                .collect();
            if got == want {
                passed += 1;
            } else {
                let missing: Vec<_> = want.difference(&got).collect();
                let extra: Vec<_> = got.difference(&want).collect();
                misses.push(format!("{fixture}: missing {missing:?}, unexpected {extra:?}"));
            }
        }
    }
    for miss in &misses {
        println!("  miss: {miss}");
    }
    vigil_testkit::report(format!("osv-scanner dpkg (by source) + apk: {passed}/{total} records match"));
    assert_eq!(total, 15, "expected the 8 dpkg and 7 apk records");
    assert!(passed >= BASELINE_MATCHES, "{passed} records match, below the baseline {BASELINE_MATCHES}");
}
