#![allow(clippy::unwrap_used, clippy::expect_used)]
//! osv-scanner's version-comparison vectors (`$VIGIL_CORPORA/version-compare/osv-scanner-semantic`):
//! one comparison per line, `A <op> B` with op in `<`, `=`, `>`; blank lines and lines starting
//! with `# ` or `// ` are skipped. Every vector must pass; the test prints per-file counts.

use std::cmp::Ordering;
use std::path::PathBuf;

use vigil_vuln::version::{Scheme, compare_with};

fn corpus() -> Option<PathBuf> {
    vigil_testkit::require_corpus("version-compare/osv-scanner-semantic/internal/semantic/fixtures")
}

/// Every vector of the 17 files (SOURCES.md: "about 72k"): each file must be there and every
/// vector in it must pass; a vanished file is a failure, not a smaller denominator.
const VECTORS: usize = 71_685;

/// File prefix → scheme (SOURCES.md: semver-versions.txt is Go and Hex, i.e. SemVer 2.0).
const FILES: [(&str, Scheme); 10] = [
    ("alpine", Scheme::Alpine),
    ("cran", Scheme::Cran),
    ("debian", Scheme::Debian),
    ("maven", Scheme::Maven),
    ("nuget", Scheme::NuGet),
    ("packagist", Scheme::Packagist),
    ("pypi", Scheme::Pep440),
    ("redhat", Scheme::Rpm),
    ("rubygems", Scheme::RubyGems),
    ("semver", Scheme::SemVer),
];

/// The `-generated` files upstream does not have: the other 17 of the 20 names must exist.
const ABSENT: [&str; 3] =
    ["nuget-versions-generated.txt", "redhat-versions-generated.txt", "semver-versions-generated.txt"];

fn check_file(dir: &std::path::Path, name: &str, scheme: Scheme) -> (usize, usize, Vec<String>) {
    let path = dir.join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (mut passed, mut total, mut failures) = (0, 0, Vec::new());
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with("# ") || line.starts_with("// ") {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        let [a, op, b] = parts.as_slice() else {
            failures.push(format!("{name}:{}: unreadable line `{line}`", number + 1));
            continue;
        };
        let expected = match *op {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            _ => {
                failures.push(format!("{name}:{}: unknown operator in `{line}`", number + 1));
                continue;
            }
        };
        total += 1;
        let forward = compare_with(scheme, a, b);
        let backward = compare_with(scheme, b, a);
        if forward == expected && backward == expected.reverse() {
            passed += 1;
        } else if failures.len() < 40 {
            failures.push(format!("{name}:{}: `{line}` but got {forward:?} (reverse {backward:?})", number + 1));
        }
    }
    (passed, total, failures)
}

#[test]
fn osv_scanner_version_vectors() {
    let Some(dir) = corpus() else { return };
    let mut all_failures = Vec::new();
    let (mut passed_all, mut total_all) = (0, 0);
    for (prefix, scheme) in FILES {
        for name in [format!("{prefix}-versions.txt"), format!("{prefix}-versions-generated.txt")] {
            if ABSENT.contains(&name.as_str()) {
                continue;
            }
            let (passed, total, failures) = check_file(&dir, &name, scheme);
            println!("version-compare {name}: {passed}/{total}");
            passed_all += passed;
            total_all += total;
            all_failures.extend(failures);
        }
    }
    vigil_testkit::report(format!(
        "version-compare: {passed_all}/{total_all} ({:.1}%) vectors",
        100.0 * passed_all as f64 / total_all.max(1) as f64
    ));
    assert_eq!(total_all, VECTORS, "vectors read from {}", dir.display());
    assert!(
        all_failures.is_empty(),
        "{} failing vectors (first 40 per file):\n{}",
        total_all - passed_all,
        all_failures.join("\n")
    );
}
