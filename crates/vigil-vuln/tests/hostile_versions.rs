#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Advisories whose version strings are hostile (cycles of the ecosystem orderings, huge
//! numbers, separators only, control characters, 10,000-character strings) in every ecosystem
//! vigil orders, and some it does not, go through `import_paths` into a SQLite file and are
//! matched against packages with equally hostile versions: nothing panics, and every finding's
//! fixed versions come from the advisory and are sorted by the ecosystem's total order.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;
use serde_json::{Value, json};
use vigil_sbom::{Package, Sbom};
use vigil_vuln::db::Database;
use vigil_vuln::import::import_paths;
use vigil_vuln::matcher::{VulnFinding, match_sbom};
use vigil_vuln::version::{ECOSYSTEMS, scheme, total_cmp};

/// Versions that break orderings: the cycles of Maven and Packagist, SemVer/PEP 440/Debian/RPM/
/// apk corners, numbers beyond 64 bits, empty and separator-only strings, non-ASCII and control
/// characters, and long strings.
fn hostile() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        "0",
        "00",
        "-",
        ".",
        "..",
        "...-..",
        "_",
        "~",
        "^",
        "+",
        ":",
        "0:",
        ":1",
        "1:",
        "-1",
        "1-",
        "1.",
        ".1",
        "1-alpha",
        "1",
        "1.sp",
        "2.0.M1",
        "2",
        "2-1",
        ".0-x",
        "..milestone",
        "1.!",
        "2.9.0.RC1",
        "2.9.0",
        "2.9.0-1",
        "1.2.3.#",
        "1.2.3",
        "1.2.3.1",
        "1.99999999999999999999",
        "1.5",
        "#",
        "1.#.#",
        "v",
        "V",
        "vV1",
        "dev-master",
        "1.0.x-dev",
        "1.0-dev",
        "1.0a1",
        "1.0RC1",
        "1.0pl1",
        "1!2.0",
        "1.0.post1.dev2",
        "1.0+local.7",
        "2.0rc1",
        "1~~",
        "1~",
        "1^1",
        "1:1.0-1",
        "99999999999999999999999:1",
        "2147483648:1",
        "1.0bc",
        "6.6.2p1",
        "1_alpha_beta",
        "1.0_rc1-r3",
        "1-r1",
        "1.0.0-α",
        "é1é",
        "İ",
        "1é2",
        "\u{0}",
        "\u{1b}[31m",
        "\u{202e}1.0",
        "1\n2",
        " 1 ",
        "1e10",
        "NaN",
        "*",
        "latest",
        "0.0.0-0",
        "1.0.0-rc.1+build.5",
        "1.0.0--",
        "01.002.0003",
        "v1.2.3",
        "1.2.3.4.5.6",
        "%00",
        "🦀",
        "1.0.0-beta.11",
        "1.0.0-beta.2",
        "1.0.0-beta",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("9".repeat(5_000));
    v.push("1.".repeat(2_000));
    v.push("a".repeat(10_000));
    v.push("1-".repeat(1_000) + "alpha");
    v.push(".0".repeat(1_000) + ".RC1");
    v
}

/// Every ecosystem with an ordering (distribution ones with a release), plus some without one.
fn ecosystems() -> Vec<String> {
    let mut out: Vec<String> = ECOSYSTEMS
        .iter()
        .map(|(name, _)| match *name {
            "Debian" => "Debian:12".to_string(),
            "Ubuntu" => "Ubuntu:22.04:LTS".to_string(),
            "Alpine" => "Alpine:v3.19".to_string(),
            "Red Hat" => "Red Hat:enterprise_linux:9".to_string(),
            other => other.to_string(),
        })
        .collect();
    out.extend(["OSS-Fuzz", "Android", "Linux", "GIT"].map(String::from));
    out
}

/// One advisory per ecosystem with `ECOSYSTEM`, `SEMVER` and `GIT` ranges and a `versions`
/// list, each event's version taken in turn from `versions`.
fn advisory(ecosystem: &str, index: usize, versions: &[String]) -> Value {
    let events = |offset: usize| -> Vec<Value> {
        versions
            .iter()
            .enumerate()
            .map(|(i, v)| match (i + offset) % 5 {
                0 | 4 => json!({"introduced": v}),
                1 => json!({"fixed": v}),
                2 => json!({"last_affected": v}),
                _ => json!({"limit": v}),
            })
            .collect()
    };
    let mut ecosystem_events = vec![json!({"introduced": "0"})];
    ecosystem_events.extend(events(0));
    json!({
        "id": format!("HOSTILE-{index}"),
        "modified": "2024-01-01T00:00:00Z",
        "aliases": [format!("CVE-2099-{index:04}")],
        "database_specific": {"severity": "MODERATE"},
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": "p"},
            "ranges": [
                {"type": "ECOSYSTEM", "events": ecosystem_events},
                {"type": "SEMVER", "events": events(1)},
                {"type": "GIT", "repo": "https://example.com/r", "events": events(2)},
            ],
            "versions": versions.iter().take(7).collect::<Vec<_>>(),
        }],
    })
}

/// Imports one advisory per ecosystem into a fresh database in `dir`.
fn database(dir: &Path, versions: &[String]) -> Database {
    let osv = dir.join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    for (i, ecosystem) in ecosystems().iter().enumerate() {
        let record = advisory(ecosystem, i, versions);
        std::fs::write(osv.join(format!("{i}.json")), serde_json::to_vec(&record).unwrap()).unwrap();
    }
    let mut db = Database::create(&dir.join("vuln.db")).unwrap();
    let stats = import_paths(&mut db, &[osv], &|_| {}).unwrap();
    assert_eq!(stats.records(), ecosystems().len(), "{:?}", stats.errors);
    db
}

fn sbom(versions: &[String]) -> Sbom {
    let mut sbom = Sbom::default();
    for ecosystem in ecosystems() {
        for version in versions {
            sbom.packages.push(Package::new("p", version.clone(), ecosystem.clone(), "pkg:generic/p", "/lock"));
        }
    }
    sbom
}

/// Fixed versions come from the advisory's events and are strictly ascending in the
/// ecosystem's total order (byte order without one).
fn assert_sane(findings: &[VulnFinding], events: &[String]) {
    let known: BTreeSet<&str> = events.iter().map(String::as_str).collect();
    for f in findings {
        for fixed in &f.fixed_versions {
            assert!(known.contains(fixed.as_str()), "{}: fixed version {fixed:?} is not in the advisory", f.id);
        }
        for pair in f.fixed_versions.windows(2) {
            let order = match scheme(&f.package.ecosystem) {
                Some(s) => total_cmp(s, &pair[0], &pair[1]),
                None => pair[0].cmp(&pair[1]),
            };
            assert_eq!(order, Ordering::Less, "{}: {:?} not sorted", f.package.ecosystem, f.fixed_versions);
        }
    }
}

#[test]
fn hostile_versions_in_every_ecosystem_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let versions = hostile();
    let db = database(dir.path(), &versions);
    let findings = match_sbom(&db, &sbom(&versions)).unwrap();
    // `introduced: "0"` with hostile events still affects some hostile versions somewhere.
    assert!(!findings.is_empty());
    let ecosystems: BTreeSet<&str> = findings.iter().map(|f| f.package.ecosystem.as_str()).collect();
    // Every ecosystem matches at least through the explicit `versions` list.
    assert_eq!(ecosystems.len(), self::ecosystems().len(), "{ecosystems:?}");
    assert_sane(&findings, &versions);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn generated_versions_never_panic(
        events in proptest::collection::vec(r"[0-9a-zA-Z.\-_+~:^!#*]{0,12}|.{0,6}", 1..40),
        installed in proptest::collection::vec(r"[0-9a-zA-Z.\-_+~:^!#*]{0,12}|.{0,6}", 1..8),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let db = database(dir.path(), &events);
        let findings = match_sbom(&db, &sbom(&installed)).unwrap();
        assert_sane(&findings, &events);
    }
}
