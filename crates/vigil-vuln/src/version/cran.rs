//! R package versions (CRAN), as R's `package_version` and osv-scanner's `version-cran.go` order
//! them.
//!
//! A version is numbers separated by `.` or `-` (`1.2-3` is `1.2.3`), surrounding ASCII
//! whitespace ignored. Components compare by value (`3.10 > 3.2`, `01 = 1`, any length), missing
//! ones count as 0, and when all shared ones are equal the version with more components is greater
//! (`0.1.0 < 0.1.0.0`, as R's `compareVersion` has it).
//!
//! R rejects anything else (`invalid version specification`) and osv-scanner would fail on it, so
//! such strings sort after every valid version and byte-wise among themselves.

use std::cmp::Ordering;

use super::semver::cmp_decimal;

/// Compares two versions; invalid ones sort after all valid ones.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    match (components(a), components(b)) {
        (Some(x), Some(y)) => compare_components(&x, &y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// The numeric components, or `None` when the string is not a valid R version.
fn components(version: &str) -> Option<Vec<&[u8]>> {
    let version = version.trim_matches(|c: char| c.is_ascii_whitespace());
    let parts: Vec<&[u8]> = version.as_bytes().split(|&c| c == b'.' || c == b'-').collect();
    let valid = parts.iter().all(|part| !part.is_empty() && part.iter().all(u8::is_ascii_digit));
    valid.then_some(parts)
}

fn compare_components(a: &[&[u8]], b: &[&[u8]]) -> Ordering {
    (0..a.len().max(b.len()))
        .map(|i| cmp_decimal(a.get(i).copied().unwrap_or_default(), b.get(i).copied().unwrap_or_default()))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
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
    fn dash_and_dot_separate_numeric_components() {
        assert_order("1.2-3", Ordering::Equal, "1.2.3");
        assert_order("0.1-2", Ordering::Less, "0.2-2");
        assert_order("3.10", Ordering::Greater, "3.2");
        assert_order("0.01.0", Ordering::Equal, "0.1-0");
        assert_order("0.9", Ordering::Less, "0.75");
    }

    #[test]
    fn more_components_win_a_tie() {
        assert_order("0.1.0", Ordering::Less, "0.1.0.0");
        assert_order("0.01", Ordering::Less, "0.1-0");
        assert_order("0.1.0", Ordering::Greater, "0.0.1.0");
    }

    #[test]
    fn huge_components_compare_by_value() {
        assert_order("999999999999999999999999999991", Ordering::Less, "999999999999999999999999999999");
        assert_order("1.00000000000000000000000000000000000002", Ordering::Equal, "1.2");
    }

    #[test]
    fn invalid_versions_sort_after_valid_ones() {
        assert_order("1.0.beta", Ordering::Greater, "99.0");
        assert_order("", Ordering::Greater, "0");
        assert_order("1..2", Ordering::Greater, "1.2");
        assert_order("1.0-", Ordering::Greater, "1.0");
        assert_order("a", Ordering::Less, "b");
        assert_order(" 1.2-3\n", Ordering::Equal, "1.2.3");
    }

    const VERSION_LIKE: &str = "[0-9]{1,3}([-.][0-9]{0,2}){0,4}[ a]?";

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
