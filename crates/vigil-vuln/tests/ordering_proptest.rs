#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `version::total_cmp` is a total order for every scheme: antisymmetric, transitive, `Equal`
//! only for identical strings, and it keeps every `<`/`>` verdict of the ecosystem ordering on
//! osv-scanner's vectors (`$VIGIL_CORPORA/version-compare/osv-scanner-semantic`, 71,685 vectors).
//! Generated versions come from a version-like grammar per scheme and from arbitrary strings.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use proptest::prelude::*;
use vigil_vuln::version::{Scheme, compare_with, sort_versions, total_cmp};

/// Every pair antisymmetric and `Equal` only for equal strings, every triple transitive.
fn assert_total(scheme: Scheme, versions: &[String]) -> Result<(), TestCaseError> {
    for a in versions {
        for b in versions {
            let ab = total_cmp(scheme, a, b);
            prop_assert_eq!(ab, total_cmp(scheme, b, a).reverse(), "{:?}: antisymmetry of {:?} {:?}", scheme, a, b);
            prop_assert_eq!(ab == Ordering::Equal, a == b, "{:?}: Equal for {:?} {:?}", scheme, a, b);
            for c in versions {
                let bc = total_cmp(scheme, b, c);
                if ab == bc && ab != Ordering::Equal {
                    prop_assert_eq!(
                        total_cmp(scheme, a, c),
                        ab,
                        "{:?}: {:?} {:?} {:?} not transitive",
                        scheme,
                        a,
                        b,
                        c
                    );
                }
            }
        }
    }
    Ok(())
}

/// Version-like strings of each scheme's grammar, including its odd corners.
fn grammar(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::SemVer => r"v?[0-9]{1,3}(\.[0-9]{1,3}){0,3}(-[0-9A-Za-z.-]{0,8})?(\+[0-9A-Za-z.-]{0,6})?",
        Scheme::Pep440 => {
            r"([0-9]!)?[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc|c|alpha|beta|pre|preview)[0-9]{0,2})?([.-]?post[0-9]{0,2})?(\.?dev[0-9]{0,2})?(\+[a-z0-9.]{0,6})?"
        }
        Scheme::Debian => r"([0-9]{1,2}:)?[0-9][0-9a-z.+~]{0,10}(-[0-9a-z.+~]{1,6})?",
        Scheme::Rpm => r"([0-9]{1,2}:)?[0-9a-z.^~_+]{1,12}(-[0-9a-z.^~]{1,6})?",
        Scheme::Alpine => {
            r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]{0,2}){0,2}(-r[0-9]{1,2})?"
        }
        Scheme::Maven => {
            r"[0-9]{1,2}(\.[0-9]{1,2}){0,3}([.-]?(alpha|beta|milestone|rc|cr|snapshot|ga|final|release|sp|jre|foo|M|RC|a|b|m|0)[0-9]{0,2}){0,3}([.-][0-9]{1,2}){0,2}"
        }
        Scheme::RubyGems => r"[0-9]{1,3}(\.[0-9a-z]{1,3}){0,4}(-[0-9a-z.]{0,4})?",
        Scheme::NuGet => r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}(-[0-9A-Za-z.-]{0,8})?(\+[0-9A-Za-z.]{0,4})?",
        Scheme::Packagist => r"[vV]?[0-9.#_+-]{0,12}(dev|a|b|RC|rc|pl|p|x|beta|alpha)?[0-9.#]{0,6}",
        Scheme::Cran => r"[0-9]{1,3}([.-][0-9]{1,3}){0,3}",
    }
}

/// A version: the scheme's grammar, separators and letters in any order, or anything.
fn version(scheme: Scheme) -> BoxedStrategy<String> {
    prop_oneof![
        4 => grammar(scheme),
        2 => r"[0-9a-zA-Z.\-_+~:^!#* ]{0,16}",
        1 => ".{0,12}",
    ]
    .boxed()
}

fn versions(scheme: Scheme) -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(version(scheme), 2..9).prop_map(|mut v| {
        v.sort();
        v.dedup();
        v
    })
}

macro_rules! total_order_tests {
    ($($name:ident => $scheme:expr),* $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(384))]
            $(
                #[test]
                fn $name(v in versions($scheme)) {
                    assert_total($scheme, &v)?;
                }
            )*
        }
    };
}

total_order_tests! {
    semver_is_total => Scheme::SemVer,
    pep440_is_total => Scheme::Pep440,
    debian_is_total => Scheme::Debian,
    rpm_is_total => Scheme::Rpm,
    alpine_is_total => Scheme::Alpine,
    maven_is_total => Scheme::Maven,
    rubygems_is_total => Scheme::RubyGems,
    nuget_is_total => Scheme::NuGet,
    packagist_is_total => Scheme::Packagist,
    cran_is_total => Scheme::Cran,
}

/// The cycles of the ecosystem orderings that made `sort_by` panic: each set is sorted in every
/// order of its elements to the same result, and that result is total.
#[test]
fn known_cycles_sort_the_same_way_from_any_start() {
    let cycles: [(Scheme, &[&str]); 6] = [
        (Scheme::Maven, &["1-alpha", "1", "1.sp"]),
        (Scheme::Maven, &["2.0.M1", "2", "2-1"]),
        (Scheme::Maven, &["", ".0-x", "..milestone"]),
        (Scheme::Maven, &["1.!", "1", "1.sp"]),
        (Scheme::Packagist, &["1.2.3", "1.2.3.#", "1.2.3.1"]),
        (Scheme::Packagist, &["1", "1.99999999999999999999", "1.5"]),
    ];
    for (scheme, set) in cycles {
        // The ecosystem ordering really is cyclic here.
        let cyclic = set.iter().any(|a| {
            set.iter().any(|b| {
                set.iter().any(|c| {
                    compare_with(scheme, a, b) != Ordering::Greater
                        && compare_with(scheme, b, c) != Ordering::Greater
                        && compare_with(scheme, a, c) == Ordering::Greater
                })
            })
        });
        assert!(cyclic, "{scheme:?} {set:?} is not a cycle of the ecosystem ordering");
        let owned: Vec<String> = set.iter().map(|s| s.to_string()).collect();
        assert_total(scheme, &owned).unwrap();
        let mut expected = owned.clone();
        sort_versions(Some(scheme), &mut expected);
        for rotation in 0..owned.len() {
            let mut v = owned.clone();
            v.rotate_left(rotation);
            v.reverse();
            sort_versions(Some(scheme), &mut v);
            assert_eq!(v, expected, "{scheme:?}");
        }
    }
}

#[test]
fn fixed_versions_sort_by_the_ecosystem_not_as_text() {
    let mut semver = vec!["1.10.0".to_string(), "1.9.0".to_string(), "1.9.0-rc1".to_string()];
    sort_versions(Some(Scheme::SemVer), &mut semver);
    assert_eq!(semver, ["1.9.0-rc1", "1.9.0", "1.10.0"]);
    let mut pep440 = vec!["2.0".to_string(), "2.0rc1".to_string(), "10.0".to_string()];
    sort_versions(Some(Scheme::Pep440), &mut pep440);
    assert_eq!(pep440, ["2.0rc1", "2.0", "10.0"]);
    let mut maven = vec!["1.10".to_string(), "1.9-SNAPSHOT".to_string(), "1.9".to_string()];
    sort_versions(Some(Scheme::Maven), &mut maven);
    assert_eq!(maven, ["1.9-SNAPSHOT", "1.9", "1.10"]);
    let mut none = vec!["b".to_string(), "a".to_string()];
    sort_versions(None, &mut none);
    assert_eq!(none, ["a", "b"]);
}

/// The corpus directory, through the shared gate: with `CI=true` a missing corpus fails the
/// test naming it; otherwise the test is recorded as not run.
fn corpus() -> Option<PathBuf> {
    vigil_testkit::require_corpus("version-compare/osv-scanner-semantic/internal/semantic/fixtures")
}

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

/// One vector: `a`, the expected order, `b`.
type Vector = (String, Ordering, String);

/// The vectors by file prefix (SOURCES.md conventions), with their scheme.
fn vectors() -> Option<BTreeMap<&'static str, (Scheme, Vec<Vector>)>> {
    let dir = corpus()?;
    let mut out = BTreeMap::new();
    for (prefix, scheme) in FILES {
        let entry = out.entry(prefix).or_insert_with(|| (scheme, Vec::new()));
        for name in [format!("{prefix}-versions.txt"), format!("{prefix}-versions-generated.txt")] {
            let Ok(text) = std::fs::read_to_string(dir.join(&name)) else { continue };
            for line in text.lines() {
                let line = line.trim_end_matches('\r');
                if line.trim().is_empty() || line.starts_with("# ") || line.starts_with("// ") {
                    continue;
                }
                let parts: Vec<&str> = line.split(' ').collect();
                let [a, op, b] = parts.as_slice() else { panic!("{name}: unreadable line `{line}`") };
                let expected = match *op {
                    "<" => Ordering::Less,
                    "=" => Ordering::Equal,
                    ">" => Ordering::Greater,
                    _ => panic!("{name}: unknown operator in `{line}`"),
                };
                entry.1.push((a.to_string(), expected, b.to_string()));
            }
        }
    }
    Some(out)
}

/// The longest common prefix of `a` and `b` that ends before a `.` or `-`: the release both
/// versions build on (`2.9.0` for `2.9.0-1` and `2.9.0.RC1`).
fn common_base<'a>(a: &'a str, b: &str) -> &'a str {
    let same = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let base = &a[..same];
    base.trim_end_matches(['.', '-'])
}

/// Whether the ecosystem ordering is cyclic on `a`, `b` and their common base, so that no
/// total order can keep all three verdicts.
fn forced(scheme: Scheme, a: &str, b: &str) -> bool {
    let base = common_base(a, b);
    let set = [a, b, base];
    set.iter().any(|x| {
        set.iter().any(|y| {
            set.iter().any(|z| {
                compare_with(scheme, x, y) == Ordering::Less
                    && compare_with(scheme, y, z) == Ordering::Less
                    && compare_with(scheme, z, x) == Ordering::Less
            })
        })
    })
}

/// The total order keeps every verdict of the vectors (`<` and `>` as written, `=` decided by
/// the bytes), except where the ecosystem's own order is cyclic: Maven's ComparableVersion has
/// `2.9.0.RC1 < 2.9.0 < 2.9.0-1 < 2.9.0.RC1`, and the total order keeps the first two verdicts.
/// Exactly three Maven vectors are of that kind (the recorded baseline); any other difference fails.
#[test]
fn total_order_keeps_every_corpus_verdict() {
    const FORCED_BASELINE: usize = 3;
    let (mut total, mut forced_count) = (0, 0);
    let mut failures = Vec::new();
    let Some(all) = vectors() else { return };
    for (prefix, (scheme, vectors)) in all {
        let mut kept = 0;
        for (a, expected, b) in &vectors {
            let want = if *expected == Ordering::Equal { a.cmp(b) } else { *expected };
            let got = total_cmp(scheme, a, b);
            if got == want && total_cmp(scheme, b, a) == want.reverse() {
                kept += 1;
            } else if *expected != Ordering::Equal && forced(scheme, a, b) {
                println!(
                    "  {prefix}: `{a} {expected:?} {b}` lies on a cycle of the ecosystem order; total_cmp says {got:?}"
                );
                forced_count += 1;
            } else {
                failures.push(format!("{prefix}: `{a} {expected:?} {b}` but total_cmp says {got:?}"));
            }
        }
        println!("total order {prefix}: {kept}/{} vectors", vectors.len());
        total += vectors.len();
    }
    println!(
        "total order: {} of {total} vectors kept, {forced_count} on cycles",
        total - forced_count - failures.len()
    );
    assert_eq!(total, 71_685, "the corpus has changed: expected 71,685 vectors");
    assert!(failures.is_empty(), "{} vectors differ:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(forced_count, FORCED_BASELINE, "vectors on cycles of the ecosystem order");
}

/// On the corpus versions of each scheme, sorted: every earlier version is below every later
/// one (all pairs of an evenly spread sample of at most 1,500), so the order is transitive there.
#[test]
fn total_order_is_transitive_on_corpus_versions() {
    let Some(all) = vectors() else { return };
    for (prefix, (scheme, vectors)) in all {
        let set: BTreeSet<&str> = vectors.iter().flat_map(|(a, _, b)| [a.as_str(), b.as_str()]).collect();
        let all: Vec<&str> = set.into_iter().collect();
        let step = all.len().div_ceil(1500).max(1);
        let mut sample: Vec<&str> = all.iter().step_by(step).copied().collect();
        sample.sort_by(|a, b| total_cmp(scheme, a, b));
        for (i, a) in sample.iter().enumerate() {
            for b in &sample[i + 1..] {
                assert_eq!(total_cmp(scheme, a, b), Ordering::Less, "{prefix}: {a:?} vs {b:?} after sorting");
            }
        }
        let mut everything = all.clone();
        everything.sort_by(|a, b| total_cmp(scheme, a, b));
        assert!(everything.windows(2).all(|w| total_cmp(scheme, w[0], w[1]) == Ordering::Less), "{prefix}");
        println!("total order {prefix}: {} versions sorted, {} checked pairwise", all.len(), sample.len());
    }
}
