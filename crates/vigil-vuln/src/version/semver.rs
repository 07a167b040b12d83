//! SemVer 2.0 precedence (semver.org, section 11) for crates.io, npm, Go, Hex, Pub and friends.
//!
//! Every string is ordered, the way osv-scanner's `version-semver.go` orders it:
//!
//! - one leading `v` is dropped (Go tags, `v1.2.3`);
//! - the core is the run of ASCII digits and dots at the start; digit runs are its components,
//!   empty ones are skipped (`1..2` is `1.2`), missing ones are 0 (`1` is `1.0.0`), numbers of any
//!   length compare by value;
//! - the first other character starts the build string, to which osv-scanner appends `.N` for
//!   each component after the third (`1.2.3.4` has prerelease `.4`, so it sorts before `1.2.3`);
//! - in the build string, metadata from the first `+` on is ignored, one leading `-` is dropped,
//!   and what remains is the prerelease, compared identifier by identifier
//!   (`.`-separated): all-digit identifiers by value and before alphanumeric ones, alphanumeric
//!   ones byte-wise (so `R2 < r100 < r2`), and a longer list after its prefix;
//! - a version with a prerelease sorts before the same core without one.
//!
//! Go pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.2019…`) are prereleases
//! whose fixed-width timestamps order them by time.
//!
//! One deliberate difference from osv-scanner: a prerelease identifier is numeric only when it is
//! all ASCII digits (SemVer 2.0, section 9), whereas Go's `big.Int` would also read `-5` or `+5`.

use std::cmp::Ordering;

/// Compares two versions by SemVer precedence (build metadata ignored).
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (Parsed::new(a), Parsed::new(b));
    compare_core(&a.core, &b.core).then_with(|| compare_prerelease(a.prerelease(), b.prerelease()))
}

/// Compares two runs of ASCII digits by numeric value, at any length and without overflow.
pub(super) fn cmp_decimal(a: &[u8], b: &[u8]) -> Ordering {
    let a = trim_leading_zeros(a);
    let b = trim_leading_zeros(b);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// The digits without leading zeros (empty for zero).
fn trim_leading_zeros(digits: &[u8]) -> &[u8] {
    let start = digits.iter().position(|&d| d != b'0').unwrap_or(digits.len());
    digits.get(start..).unwrap_or_default()
}

/// A version split into osv-scanner's parts.
struct Parsed<'a> {
    /// The first three numeric components (fewer when absent: missing ones count as 0).
    core: Vec<&'a [u8]>,
    /// The build string: the text from the first character that is neither a digit nor a dot,
    /// then `.N` for each numeric component after the third (osv-scanner's
    /// `fetchComponentsAndBuild`), so `1.2.3.4` has prerelease `.4` but `1.2.3+x.4` has none.
    build: Vec<u8>,
}

impl<'a> Parsed<'a> {
    fn new(version: &'a str) -> Self {
        let bytes = version.as_bytes();
        let bytes = bytes.strip_prefix(b"v").unwrap_or(bytes);
        let end = bytes.iter().position(|&c| c != b'.' && !c.is_ascii_digit()).unwrap_or(bytes.len());
        let (head, rest) = bytes.split_at(end);
        let mut components = head.split(|&c| c == b'.').filter(|run| !run.is_empty());
        let core = components.by_ref().take(3).collect();
        let mut build = rest.to_vec();
        for extra in components {
            build.push(b'.');
            build.extend_from_slice(extra);
        }
        Parsed { core, build }
    }

    /// The prerelease: the build string up to the first `+` (build metadata), without one leading
    /// `-` (as node-semver reads it); empty when there is none.
    fn prerelease(&self) -> &[u8] {
        let before_metadata = self.build.split(|&c| c == b'+').next().unwrap_or_default();
        before_metadata.strip_prefix(b"-").unwrap_or(before_metadata)
    }
}

/// SemVer 2.0, section 11.4: numeric identifiers by value, before alphanumeric ones, which
/// compare byte-wise.
fn compare_identifier(a: &[u8], b: &[u8]) -> Ordering {
    match (is_numeric(a), is_numeric(b)) {
        (true, true) => cmp_decimal(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

fn is_numeric(identifier: &[u8]) -> bool {
    !identifier.is_empty() && identifier.iter().all(u8::is_ascii_digit)
}

fn compare_core(a: &[&[u8]], b: &[&[u8]]) -> Ordering {
    (0..a.len().max(b.len()))
        .map(|i| cmp_decimal(a.get(i).copied().unwrap_or_default(), b.get(i).copied().unwrap_or_default()))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// SemVer 2.0, sections 11.3 and 11.4: no prerelease sorts last; otherwise identifiers in turn,
/// and a longer list after its prefix.
fn compare_prerelease(a: &[u8], b: &[u8]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            let mut a = a.split(|&c| c == b'.');
            let mut b = b.split(|&c| c == b'.');
            loop {
                match (a.next(), b.next()) {
                    (Some(x), Some(y)) => match compare_identifier(x, y) {
                        Ordering::Equal => {}
                        unequal => return unequal,
                    },
                    (Some(_), None) => return Ordering::Greater,
                    (None, Some(_)) => return Ordering::Less,
                    (None, None) => return Ordering::Equal,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn assert_order(a: &str, expected: Ordering, b: &str) {
        assert_eq!(compare(a, b), expected, "{a} vs {b}");
        assert_eq!(compare(b, a), expected.reverse(), "{b} vs {a}");
    }

    #[test]
    fn semver_spec_precedence_chain() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
        ];
        for pair in chain.windows(2) {
            if let [a, b] = pair {
                assert_order(a, Ordering::Less, b);
            }
        }
    }

    #[test]
    fn leading_v_missing_components_and_build_metadata() {
        assert_order("v1.2.3", Ordering::Equal, "1.2.3");
        assert_order("1", Ordering::Equal, "1.0.0");
        assert_order("1.2", Ordering::Equal, "v1.2.0");
        assert_order("1.2.3+build.7", Ordering::Equal, "1.2.3+other");
        assert_order("1.2.3-beta+build", Ordering::Equal, "1.2.3-beta");
        assert_order("1.2.3+build", Ordering::Greater, "1.2.3-beta");
    }

    #[test]
    fn prerelease_identifier_rules() {
        assert_order("1.2.3-5-foo", Ordering::Greater, "1.2.3-5");
        assert_order("1.2.3-a.b", Ordering::Greater, "1.2.3-a.5");
        assert_order("1.2.3-r2", Ordering::Greater, "1.2.3-r100");
        assert_order("1.2.3-r100", Ordering::Greater, "1.2.3-R2");
        assert_order("1.2.3-01", Ordering::Equal, "1.2.3-1");
    }

    #[test]
    fn go_pseudo_versions_order_by_time() {
        assert_order("v0.0.0-20191109021931-daa7c04131f5", Ordering::Less, "v0.0.0-20200101000000-0123456789ab");
        assert_order("v1.2.4-0.20191109021931-daa7c04131f5", Ordering::Greater, "v1.2.3");
        assert_order("v1.2.4-0.20191109021931-daa7c04131f5", Ordering::Less, "v1.2.4");
        assert_order("v1.2.4-pre.0.20191109021931-daa7c04131f5", Ordering::Greater, "v1.2.4-pre");
    }

    #[test]
    fn huge_numbers_compare_by_value() {
        let big = "999999999999999999999999999999";
        assert_order("999999999999999999999999999991", Ordering::Less, big);
        assert_order(&format!("{big}.0"), Ordering::Greater, "1.0");
        assert_order(&format!("0000{big}"), Ordering::Equal, big);
        assert_order(&format!("1.0.0-{big}9"), Ordering::Greater, &format!("1.0.0-{big}"));
    }

    #[test]
    fn non_conforming_strings_follow_osv_scanner() {
        // Components after the third become a prerelease `.4` (osv-scanner's build string).
        assert_order("1.2.3.4", Ordering::Less, "1.2.3");
        assert_order("1.2.3.4", Ordering::Greater, "1.2.3-0");
        assert_order("1.2.3.4", Ordering::Less, "1.2.3-alpha");
        assert_order("1.2.3.4", Ordering::Less, "1.2.3.5");
        assert_order("1.2.3.4+meta", Ordering::Equal, "1.2.3");
        assert_order("1.2.3.4-foo", Ordering::Equal, "1.2.3-foo.4");
        // Empty components are skipped; anything else starts the prerelease.
        assert_order("1..2", Ordering::Equal, "1.2.0");
        assert_order("V1.2.3", Ordering::Less, "0.0.0");
        assert_order("", Ordering::Equal, "0.0.0");
        assert_order("latest", Ordering::Less, "0.0.0");
        assert_order("1.2.3--5", Ordering::Greater, "1.2.3-4");
    }

    /// Strings shaped like versions, so that the interesting branches are reached.
    const VERSION_LIKE: &str = "v?[0-9]{0,3}(\\.[0-9]{0,2}){0,4}([-+.][0-9A-Za-z-]{0,3}){0,4}";

    proptest! {
        #[test]
        fn antisymmetric_on_arbitrary_strings(a in any::<String>(), b in any::<String>()) {
            prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
            prop_assert_eq!(compare(&a, &a), Ordering::Equal);
        }

        #[test]
        fn total_order_on_version_like_strings(a in VERSION_LIKE, b in VERSION_LIKE, c in VERSION_LIKE) {
            prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
            if compare(&a, &b).is_le() && compare(&b, &c).is_le() {
                prop_assert!(compare(&a, &c).is_le(), "{} <= {} <= {} but not {} <= {}", a, b, c, a, c);
            }
        }
    }
}
