#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The Pod Security Admission conformance corpus (kubernetes/pod-security-admission
//! `test/testdata`), run against `vigil_lint::evaluate_pss`.
//!
//! Conventions (corpora/SOURCES.md): `<level>/v1.<minor>/<pass|fail>/<name>.yaml` holds one Pod;
//! a pass fixture must be allowed at that level and version, a fail fixture denied. The fixture
//! name is the lower-cased check ID plus an index, and a fail fixture breaks exactly that check.

use std::path::{Path, PathBuf};

use vigil_testkit::{report, require_corpus};

use vigil_k8s::{Limits, PodTemplate, load};
use vigil_lint::{Profile, evaluate_pss};

/// Every pass and fail fixture of the corpus (`find . -path '*/pass/*' -o -path '*/fail/*'`),
/// and the fail fixtures among them: a vanished fixture is a failure, not a smaller denominator.
const FIXTURES: usize = 4537;
const FAIL_FIXTURES: usize = 3486;

fn sorted_dir(path: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
        .map(|e| e.map(|e| e.path()).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    entries.sort();
    entries
}

#[test]
fn psa_conformance_corpus() {
    let Some(root) = require_corpus("psa/test/testdata") else { return };
    let (mut total, mut passed, mut attributed, mut fails) = (0usize, 0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for level_dir in sorted_dir(&root).into_iter().filter(|p| p.is_dir()) {
        let level = level_dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        for version_dir in sorted_dir(&level_dir) {
            let version = version_dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            let profile: Profile = format!("{level}:{version}").parse().unwrap_or_else(|e| panic!("{e}"));
            for expectation in ["pass", "fail"] {
                let dir = version_dir.join(expectation);
                if !dir.is_dir() {
                    continue;
                }
                for file in sorted_dir(&dir) {
                    total += 1;
                    let name = file.display().to_string();
                    let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
                    let loaded = load(&name, bytes, &Limits::default());
                    assert!(loaded.error.is_none(), "{name}: {:?}", loaded.error);
                    let pod = loaded.objects.first().and_then(PodTemplate::of);
                    let Some(pod) = pod else {
                        failures.push(format!("{name}: no pod found"));
                        continue;
                    };
                    let result = evaluate_pss(&pod, profile);
                    if expectation == "pass" {
                        if result.is_empty() {
                            passed += 1;
                        } else {
                            failures.push(format!("{name}: expected allowed at {profile}, denied: {result:?}"));
                        }
                        continue;
                    }
                    fails += 1;
                    if result.is_empty() {
                        failures.push(format!("{name}: expected denied at {profile}, allowed"));
                        continue;
                    }
                    passed += 1;
                    // The fixture's name says which check it breaks.
                    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
                    let check = stem.trim_end_matches(|c: char| c.is_ascii_digit());
                    // At the restricted level a restricted twin replaces some baseline checks
                    // (upstream's overrides), so it is the one that denies those fixtures.
                    let twin = match check {
                        "procmount" => "procmount_restricted",
                        "hostpathvolumes" => "restrictedvolumes",
                        "seccompprofile_baseline" => "seccompprofile_restricted",
                        "capabilities_baseline" => "capabilities_restricted",
                        _ => check,
                    };
                    if result.iter().any(|(id, _)| {
                        let id = id.to_ascii_lowercase();
                        id == check || id == twin
                    }) {
                        attributed += 1;
                    } else {
                        failures.push(format!("{name}: denied, but not by `{check}`: {result:?}"));
                    }
                }
            }
        }
    }
    let rate = |n: usize, d: usize| if d == 0 { 0.0 } else { 100.0 * n as f64 / d as f64 };
    report(format!("psa: {passed}/{total} ({:.1}%) fixtures decided as upstream", rate(passed, total)));
    report(format!(
        "psa: {attributed}/{fails} ({:.1}%) fail fixtures denied by the check they break",
        rate(attributed, fails)
    ));
    assert_eq!((total, fails), (FIXTURES, FAIL_FIXTURES), "fixtures found under {}", root.display());
    // Baseline: every fixture decided as upstream and attributed to its check.
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}
