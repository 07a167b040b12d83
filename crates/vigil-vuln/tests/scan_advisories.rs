#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Import the shared advisory corpora (go-vulndb, pypa YAML, rustsec's OSV export) and scan
//! lockfiles whose versions sit on both sides of every range boundary of hand-picked
//! advisories: each expected advisory is found and none outside its ranges.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use vigil_oci::Target;
use vigil_sbom::{ScanLimits, catalog};
use vigil_vuln::db::Database;
use vigil_vuln::import::import_paths;
use vigil_vuln::matcher::match_sbom;

fn corpora() -> Option<PathBuf> {
    vigil_testkit::require_corpus("advisories")
}

/// (package name, version) → expected advisory IDs, from the advisories' ranges read by hand.
fn expectations() -> Vec<(&'static str, &'static str, &'static [&'static str])> {
    vec![
        // smallvec: RUSTSEC-2018-0003 [0.6.0-0, 0.6.3), 2018-0018 [0, 0.6.13), 2019-0009 [0.6.5, 0.6.10),
        // 2019-0012 [0.6.3, 0.6.10), 2021-0003 [0.6.3, 0.6.14) and [1.0.0, 1.6.1).
        ("smallvec", "0.6.2", &["RUSTSEC-2018-0003", "RUSTSEC-2018-0018"]),
        ("smallvec", "0.6.3", &["RUSTSEC-2018-0018", "RUSTSEC-2019-0012", "RUSTSEC-2021-0003"]),
        ("smallvec", "0.6.9", &["RUSTSEC-2018-0018", "RUSTSEC-2019-0009", "RUSTSEC-2019-0012", "RUSTSEC-2021-0003"]),
        ("smallvec", "0.6.10", &["RUSTSEC-2018-0018", "RUSTSEC-2021-0003"]),
        ("smallvec", "0.6.13", &["RUSTSEC-2021-0003"]),
        ("smallvec", "0.6.14", &[]),
        ("smallvec", "1.6.0", &["RUSTSEC-2021-0003"]),
        ("smallvec", "1.6.1", &[]),
        // jinja2: PYSEC-2014-8 < 2.7.2, 2014-82 < 2.7.3, 2019-220 < 2.8.1, 2019-217 < 2.10.1, 2021-66 < 2.11.3.
        ("jinja2", "2.7.1", &["PYSEC-2014-8", "PYSEC-2014-82", "PYSEC-2019-217", "PYSEC-2019-220", "PYSEC-2021-66"]),
        ("jinja2", "2.7.2", &["PYSEC-2014-82", "PYSEC-2019-217", "PYSEC-2019-220", "PYSEC-2021-66"]),
        ("jinja2", "2.8.1", &["PYSEC-2019-217", "PYSEC-2021-66"]),
        ("jinja2", "2.10.1", &["PYSEC-2021-66"]),
        ("jinja2", "2.11.3", &[]),
        // golang.org/x/text: GO-2020-0015 < 0.3.3, GO-2021-0113 < 0.3.7, GO-2022-1059 < 0.3.8,
        // GO-2026-5970 < 0.39.0.
        ("golang.org/x/text", "0.3.2", &["GO-2020-0015", "GO-2021-0113", "GO-2022-1059", "GO-2026-5970"]),
        ("golang.org/x/text", "0.3.3", &["GO-2021-0113", "GO-2022-1059", "GO-2026-5970"]),
        ("golang.org/x/text", "0.3.7", &["GO-2022-1059", "GO-2026-5970"]),
        ("golang.org/x/text", "0.3.8", &["GO-2026-5970"]),
        ("golang.org/x/text", "0.38.9", &["GO-2026-5970"]),
        ("golang.org/x/text", "0.39.0", &[]),
    ]
}

fn write_project(dir: &Path, name: &str, version: &str) {
    std::fs::create_dir_all(dir).unwrap();
    match name {
        "smallvec" => std::fs::write(
            dir.join("Cargo.lock"),
            format!("version = 3\n\n[[package]]\nname = \"smallvec\"\nversion = \"{version}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"),
        ),
        "jinja2" => std::fs::write(dir.join("requirements.txt"), format!("Jinja2=={version}\n")),
        _ => std::fs::write(dir.join("go.mod"), format!("module example.com/app\n\ngo 1.21\n\nrequire {name} v{version}\n")),
    }
    .unwrap();
}

#[test]
fn corpus_import_and_boundary_scans() {
    let Some(advisories) = corpora() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut db = Database::create(&dir.path().join("vuln.db")).unwrap();
    // The Ubuntu OSV samples from vunnel's fixtures are the OSV part of that corpus.
    let ubuntu = advisories.join("vunnel-fixtures/tests/unit/providers/ubuntu/test-fixtures/osv");
    let sources = [
        advisories.join("go-vulndb/data/osv"),
        advisories.join("pypa/vulns"),
        advisories.join("rustsec/osv/crates"),
        ubuntu,
    ];
    let started = std::time::Instant::now();
    let stats = import_paths(&mut db, &sources, &|_| {}).unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    vigil_testkit::report(format!(
        "advisories: {} records imported in {elapsed:.2} s ({:.0}/s), {} errors, per ecosystem {:?}",
        stats.records(),
        stats.records() as f64 / elapsed.max(1e-9),
        stats.errors.len(),
        stats.per_ecosystem
    ));
    assert!(stats.errors.is_empty(), "{:?}", &stats.errors[..stats.errors.len().min(10)]);
    // Every record of the corpora (SOURCES.md: 4291 go-vulndb, 2661 pypa, 1206 rustsec OSV) and
    // the 6 Ubuntu OSV samples: a vanished file is a failure, not a smaller denominator.
    assert_eq!(stats.records(), 4291 + 2661 + 1206 + 6, "records imported");
    assert!(stats.per_ecosystem.keys().any(|e| e.starts_with("Ubuntu:")), "{:?}", stats.per_ecosystem);
    // Importing again changes nothing (newer `modified` wins, equal is left alone).
    let again = import_paths(&mut db, &sources, &|_| {}).unwrap();
    assert_eq!((again.inserted, again.updated), (0, 0));

    let mut failures = Vec::new();
    for (i, (name, version, expected)) in expectations().into_iter().enumerate() {
        let project = dir.path().join(format!("p{i}"));
        write_project(&project, name, version);
        let image = Target::parse(&format!("dir:{}", project.display())).unwrap().open(&Default::default()).unwrap();
        let sbom = catalog(&image, ScanLimits::default()).unwrap();
        let found: BTreeSet<String> =
            match_sbom(&db, &sbom).unwrap().into_iter().filter(|f| f.package.name == name).map(|f| f.id).collect();
        let want: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        if found != want {
            failures.push(format!("{name} {version}: expected {want:?}, found {found:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
