#![allow(clippy::unwrap_used, clippy::expect_used)]
//! osv-scanner's lockfile fixtures (`$VIGIL_CORPORA/lockfiles/osv-scanner`) with the DERIVED
//! `expected-packages.json` oracle: for each fixture and upstream test, vigil's package set
//! (name, version, ecosystem) must equal the expected set. The test prints the pass rate per
//! parser and every miss with its reason, and fails below the recorded baseline.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use vigil_sbom::CatalogInput;

/// Matching records this corpus must not fall below (raise it as catalogers land; never lower
/// it): 257 of 258, the one miss being dpkg's `malformed_status`, whose paragraph without
/// `Package` osv-scanner reports and vigil does not (see `os_corpus_osv_scanner.rs`).
const BASELINE_PASSED: usize = 257;

/// Records of `expected-packages.json` for the parsers vigil implements, and for the others
/// (counted, not run): a change in either means the corpus changed.
const RECORDS: usize = 258;
const OUT_OF_SCOPE: usize = 8;

/// osv-scanner parser → vigil cataloger ID. Parsers with `None` are outside vigil's scope.
fn cataloger_for(parser: &str) -> Option<&'static str> {
    Some(match parser {
        "ParseApkInstalled" => "apk-installed",
        "ParseCargoLock" => "cargo-lock",
        "ParseComposerLock" => "composer-lock",
        "ParseConanLock" => "conan-lock",
        "ParseDpkgStatus" => "dpkg-status",
        "ParseGemfileLock" => "gemfile-lock",
        "ParseGoLock" => "go-mod",
        "ParseGradleLock" => "gradle-lockfile",
        "ParseGradleVerificationMetadata" => "gradle-verification-metadata",
        "ParseMavenLock" => "maven-pom",
        "ParseMixLock" => "mix-lock",
        "ParseNpmLock" => "npm-package-lock",
        "ParseNuGetLock" => "nuget-packages-lock",
        "ParsePdmLock" => "pdm-lock",
        "ParsePipenvLock" => "pipfile-lock",
        "ParsePnpmLock" => "pnpm-lock",
        "ParsePoetryLock" => "poetry-lock",
        "ParsePubspecLock" => "pubspec-lock",
        "ParseRenvLock" => "renv-lock",
        "ParseRequirementsTxt" => "requirements-txt",
        "ParseYarnLock" => "yarn-lock",
        _ => return None,
    })
}

/// osv-scanner's Go ecosystem constant → OSV ecosystem name (lockfile-specific aliases such
/// as `YarnEcosystem` or `PoetryEcosystem` are the registry's ecosystem).
fn ecosystem(constant: &str) -> &str {
    match constant {
        "AlpineEcosystem" | "alpineEcosystem" => "Alpine",
        "BundlerEcosystem" => "RubyGems",
        "CargoEcosystem" => "crates.io",
        "ComposerEcosystem" => "Packagist",
        "ConanEcosystem" => "ConanCenter",
        "CRANEcosystem" => "CRAN",
        "DebianEcosystem" => "Debian",
        "GoEcosystem" => "Go",
        "MavenEcosystem" => "Maven",
        "MixEcosystem" => "Hex",
        "NpmEcosystem" | "YarnEcosystem" | "PnpmEcosystem" => "npm",
        "NuGetEcosystem" => "NuGet",
        "PipEcosystem" | "PoetryEcosystem" | "PipenvEcosystem" | "PdmEcosystem" => "PyPI",
        "PubEcosystem" => "Pub",
        other => other,
    }
}

fn corpus() -> Option<PathBuf> {
    let dir = vigil_testkit::require_corpus("lockfiles/osv-scanner")?;
    assert!(dir.join("expected-packages.json").is_file(), "{} has no expected-packages.json", dir.display());
    Some(dir)
}

type Key = (String, String, String);

#[test]
fn osv_scanner_lockfile_fixtures() {
    let Some(dir) = corpus() else { return };
    let base = dir.join("pkg/lockfile");
    let text = std::fs::read_to_string(dir.join("expected-packages.json")).unwrap_or_else(|e| panic!("{e}"));
    let expected: BTreeMap<String, Vec<Value>> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let mut per_parser: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut vanished = Vec::new();
    let mut out_of_scope = 0;
    for (fixture, records) in &expected {
        for record in records {
            let parser = record["parser"].as_str().unwrap_or_default();
            let test = record["test"].as_str().unwrap_or_default();
            let Some(id) = cataloger_for(parser) else {
                out_of_scope += 1;
                continue;
            };
            let stats = per_parser.entry(parser.to_string()).or_default();
            stats.1 += 1;
            let path = base.join(fixture);
            let want: BTreeSet<Key> = record["packages"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                    // A few records give only `CompareAs`, which names the same ecosystem.
                    let eco = if p.get("Ecosystem").is_some() { s("Ecosystem") } else { s("CompareAs") };
                    (s("Name"), s("Version"), ecosystem(&eco).to_string())
                })
                .collect();
            let expect_error = record.get("expect_error").and_then(Value::as_str).is_some();
            let Ok(bytes) = std::fs::read(&path) else {
                // `does-not-exist` fixtures: reading fails before any cataloger runs, as upstream
                // expects (SOURCES.md). Any other unreadable fixture has vanished from the corpus.
                if expect_error && fixture.ends_with("/does-not-exist") {
                    stats.0 += 1;
                } else {
                    vanished.push(format!("{fixture} [{test}]"));
                }
                continue;
            };
            let Some(cataloger) = vigil_sbom::catalogers::by_id(id) else {
                misses.push(format!("{fixture} [{test}]: no cataloger `{id}` yet"));
                continue;
            };
            let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let read = move |p: &str| std::fs::read(folder.join(p)).ok();
            let name = fixture.as_str();
            let input = CatalogInput { path: name, contents: &bytes, distro: None, read: Some(&read) };
            match (cataloger.parse(&input), expect_error) {
                (Err(_), true) => stats.0 += 1,
                // An expected error must come: parsing to nothing is not the error upstream expects.
                (Ok(found), true) => {
                    misses.push(format!("{fixture} [{test}]: expected an error, parsed {} packages", found.len()))
                }
                (Err(e), false) => misses.push(format!("{fixture} [{test}]: error: {e}")),
                (Ok(found), false) => {
                    let got: BTreeSet<Key> = found
                        .iter()
                        .map(|p| {
                            // OS ecosystems carry the release (`Debian:12`); the oracle does not.
                            let eco = p.ecosystem.split(':').next().unwrap_or_default().to_string();
                            // osv-scanner reports Debian packages by their source package, as
                            // Debian's advisories are keyed; vigil keeps it in `source`.
                            match (&p.source, parser) {
                                (Some(source), "ParseDpkgStatus") => (source.name.clone(), source.version.clone(), eco),
                                _ => (p.name.clone(), p.version.clone(), eco),
                            }
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
    for (parser, (p, t)) in &per_parser {
        println!("osv-scanner {parser}: {p}/{t}");
    }
    for miss in &misses {
        println!("  miss: {miss}");
    }
    let rate = if total == 0 { 0.0 } else { 100.0 * passed as f64 / total as f64 };
    vigil_testkit::report(format!(
        "osv-scanner: {passed}/{total} ({rate:.1}%) fixtures match ({out_of_scope} records of out-of-scope parsers not run)"
    ));
    assert!(vanished.is_empty(), "fixtures missing from {}: {vanished:#?}", base.display());
    assert_eq!((total, out_of_scope), (RECORDS, OUT_OF_SCOPE), "records of expected-packages.json");
    assert!(passed >= BASELINE_PASSED, "{passed}/{total} match, below the baseline {BASELINE_PASSED}/{RECORDS}");
}
