#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The Python, Ruby and PHP catalogers against osv-scanner's lockfile fixtures
//! (`$VIGIL_CORPORA/lockfiles/osv-scanner`, DERIVED `expected-packages.json`), stricter than
//! `corpus_osv_scanner.rs`: besides name, version and ecosystem, each package's dependency
//! groups and commit must match, and `expect_error` fixtures must fail.
//!
//! osv-scanner's `PoetryEcosystem`, `PipenvEcosystem` and `PdmEcosystem` are aliases of
//! `PipEcosystem` (`PyPI`), as `BundlerEcosystem` is `RubyGems` and `ComposerEcosystem` is
//! `Packagist`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use vigil_sbom::CatalogInput;

/// Every record of these parsers must match.
const BASELINE_PERCENT: f64 = 100.0;

/// Records of these parsers in `expected-packages.json`, `does-not-exist` ones included.
const RECORDS: usize = 61;

fn cataloger_for(parser: &str) -> Option<&'static str> {
    Some(match parser {
        "ParseRequirementsTxt" => "requirements-txt",
        "ParsePoetryLock" => "poetry-lock",
        "ParsePipenvLock" => "pipfile-lock",
        "ParsePdmLock" => "pdm-lock",
        "ParseGemfileLock" => "gemfile-lock",
        "ParseComposerLock" => "composer-lock",
        _ => return None,
    })
}

fn ecosystem(constant: &str) -> &str {
    match constant {
        "PipEcosystem" | "PoetryEcosystem" | "PipenvEcosystem" | "PdmEcosystem" => "PyPI",
        "BundlerEcosystem" => "RubyGems",
        "ComposerEcosystem" => "Packagist",
        other => other,
    }
}

/// (name, version, ecosystem, sorted groups, commit)
type Key = (String, String, String, Vec<String>, String);

#[test]
fn python_ruby_php_fixtures() {
    let Some(dir) = vigil_testkit::require_corpus("lockfiles/osv-scanner") else { return };
    let oracle = dir.join("expected-packages.json");
    let text = std::fs::read_to_string(&oracle).unwrap_or_else(|e| panic!("{}: {e}", oracle.display()));
    let expected: BTreeMap<String, Vec<Value>> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let base = dir.join("pkg/lockfile");
    let mut per_parser: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut vanished = Vec::new();
    for (fixture, records) in &expected {
        for record in records {
            let parser = record["parser"].as_str().unwrap_or_default();
            let Some(id) = cataloger_for(parser) else { continue };
            let stats = per_parser.entry(id).or_default();
            stats.1 += 1;
            let test = record["test"].as_str().unwrap_or_default();
            let expect_error = record.get("expect_error").and_then(Value::as_str).is_some();
            let Ok(bytes) = std::fs::read(base.join(fixture)) else {
                // `does-not-exist`: upstream expects the read itself to fail (SOURCES.md); any other
                // unreadable fixture has vanished from the corpus.
                if expect_error && fixture.ends_with("/does-not-exist") {
                    stats.0 += 1;
                } else {
                    vanished.push(format!("{fixture} [{test}]"));
                }
                continue;
            };
            let want: BTreeSet<Key> = record["packages"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                    let mut groups: Vec<String> = p["DepGroups"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|g| g.as_str())
                        .map(String::from)
                        .collect();
                    groups.sort();
                    (s("Name"), s("Version"), ecosystem(&s("Ecosystem")).to_string(), groups, s("Commit"))
                })
                .collect();
            let Some(cataloger) = vigil_sbom::catalogers::by_id(id) else {
                misses.push(format!("{fixture} [{test}]: no cataloger `{id}`"));
                continue;
            };
            let folder = base.join(fixture).parent().map(Path::to_path_buf).unwrap_or_default();
            let read = move |p: &str| std::fs::read(folder.join(p)).ok();
            let input = CatalogInput { path: fixture, contents: &bytes, distro: None, read: Some(&read) };
            match (cataloger.parse(&input), expect_error) {
                (Err(_), true) => stats.0 += 1,
                (Ok(_), true) => misses.push(format!("{fixture} [{test}]: expected an error, parsed fine")),
                (Err(e), false) => misses.push(format!("{fixture} [{test}]: error: {e}")),
                (Ok(found), false) => {
                    let got: BTreeSet<Key> = found
                        .iter()
                        .map(|p| {
                            let mut groups = p.dep_groups.clone();
                            groups.sort();
                            let commit = p.commit.clone().unwrap_or_default();
                            (p.name.clone(), p.version.clone(), p.ecosystem.clone(), groups, commit)
                        })
                        .collect();
                    if got == want {
                        stats.0 += 1;
                    } else {
                        let missing: Vec<_> = want.difference(&got).take(5).collect();
                        let extra: Vec<_> = got.difference(&want).take(5).collect();
                        misses.push(format!("{fixture} [{test}]: missing {missing:?}, unexpected {extra:?}"));
                    }
                }
            }
        }
    }
    let (passed, total) = per_parser.values().fold((0, 0), |(p, t), (a, b)| (p + a, t + b));
    for (id, (p, t)) in &per_parser {
        println!("osv-scanner (strict) {id}: {p}/{t}");
    }
    for miss in &misses {
        println!("  miss: {miss}");
    }
    let rate = if total == 0 { 0.0 } else { 100.0 * passed as f64 / total as f64 };
    vigil_testkit::report(format!("osv-scanner (strict) python/ruby/php: {passed}/{total} ({rate:.1}%)"));
    assert!(vanished.is_empty(), "fixtures missing from {}: {vanished:#?}", base.display());
    assert_eq!(total, RECORDS, "records of these parsers in expected-packages.json");
    assert!(rate >= BASELINE_PERCENT, "pass rate {rate:.1}% fell below the baseline {BASELINE_PERCENT}%");
}
