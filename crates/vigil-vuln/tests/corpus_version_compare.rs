#![allow(clippy::unwrap_used, clippy::expect_used)]
//! osv-scanner's version-comparison vectors (`$VIGIL_CORPORA/version-compare/osv-scanner-semantic`):
//! one comparison per line, `A <op> B` with op in `<`, `=`, `>`; blank lines and lines starting
//! with `# ` or `// ` are skipped. Every vector must pass; the test prints per-file counts.

use std::cmp::Ordering;
use std::path::PathBuf;

use vigil_vuln::version::{Scheme, compare_with};

fn corpus() -> Option<PathBuf> {
    let Some(root) = std::env::var_os("VIGIL_CORPORA") else {
        eprintln!("\n*** SKIPPED corpus_version_compare: VIGIL_CORPORA is not set (point it at shared/corpora) ***\n");
        return None;
    };
    let dir = PathBuf::from(root).join("version-compare/osv-scanner-semantic/internal/semantic/fixtures");
    assert!(dir.is_dir(), "VIGIL_CORPORA is set but {} is missing", dir.display());
    Some(dir)
}

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

fn check_file(dir: &std::path::Path, name: &str, scheme: Scheme) -> Option<(usize, usize, Vec<String>)> {
    let text = std::fs::read_to_string(dir.join(name)).ok()?;
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
    Some((passed, total, failures))
}

#[test]
fn osv_scanner_version_vectors() {
    let Some(dir) = corpus() else { return };
    let mut all_failures = Vec::new();
    let (mut passed_all, mut total_all) = (0, 0);
    for (prefix, scheme) in FILES {
        for name in [format!("{prefix}-versions.txt"), format!("{prefix}-versions-generated.txt")] {
            let Some((passed, total, failures)) = check_file(&dir, &name, scheme) else { continue };
            println!("version-compare {name}: {passed}/{total}");
            passed_all += passed;
            total_all += total;
            all_failures.extend(failures);
        }
    }
    println!("version-compare: {passed_all}/{total_all} vectors");
    assert!(total_all > 50_000, "only {total_all} vectors found in {}", dir.display());
    assert!(
        all_failures.is_empty(),
        "{} failing vectors (first 40 per file):\n{}",
        total_all - passed_all,
        all_failures.join("\n")
    );
}
