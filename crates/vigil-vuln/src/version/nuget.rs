//! NuGet version ordering as osv-scanner implements it (`version-nuget.go` on top of its
//! SemVer-like parser), which is what OSV's NuGet ranges are evaluated with.
//!
//! One leading `v` is dropped. The numeric head is every run of ASCII digits up to the first
//! character that is neither a digit nor `.` (empty runs are skipped); up to four parts are
//! compared by value, a missing part being 0. The rest, lower-cased, is the prerelease: the part
//! before the first `+` (metadata is ignored) without one leading `-`. A version without a
//! prerelease sorts after one with; prereleases compare `.`-separated identifiers, numeric ones
//! (an optional sign and digits) by value and before alphanumeric ones, those byte-wise, and a
//! longer list wins a tie. Parts after the fourth are appended to the prerelease as `.<n>`, as
//! upstream does.

use std::cmp::Ordering;

/// NuGet compares at most four numeric parts (`major.minor.patch.revision`).
const MAX_PARTS: usize = 4;

struct Version {
    /// ASCII digit runs without leading zeros (`0` for zero), at most [`MAX_PARTS`].
    parts: Vec<String>,
    /// Lower-cased prerelease without metadata or the leading `-`; empty for a release.
    prerelease: String,
}

fn strip_zeros(digits: &str) -> &str {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() { "0" } else { trimmed }
}

/// Compares two runs of ASCII digits without leading zeros by numeric value.
fn cmp_decimal(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn parse(version: &str) -> Version {
    let version = version.strip_prefix('v').unwrap_or(version);
    let head_len = version.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(version.len());
    let (head, tail) = version.split_at_checked(head_len).unwrap_or((version, ""));
    let mut parts: Vec<String> = head.split('.').filter(|p| !p.is_empty()).map(|p| strip_zeros(p).to_owned()).collect();
    // Go's `strings.ToLower`: rune by rune with the simple mapping, which differs from Rust's
    // full mapping only for `İ` (U+0130).
    let mut build: String =
        tail.chars().flat_map(|c| if c == '\u{130}' { 'i'.to_lowercase() } else { c.to_lowercase() }).collect();
    for extra in parts.iter().skip(MAX_PARTS) {
        build.push('.');
        build.push_str(extra);
    }
    parts.truncate(MAX_PARTS);
    let without_metadata = build.split('+').next().unwrap_or("");
    let prerelease = without_metadata.strip_prefix('-').unwrap_or(without_metadata).to_owned();
    Version { parts, prerelease }
}

/// A prerelease identifier Go's `big.Int.SetString(s, 10)` accepts: `[+-]?[0-9]+`, as
/// (negative, digits without leading zeros); `-0` is zero.
fn as_integer(identifier: &str) -> Option<(bool, &str)> {
    let (negative, digits) = match identifier.as_bytes().first() {
        Some(b'-') => (true, identifier.get(1..)?),
        Some(b'+') => (false, identifier.get(1..)?),
        _ => (false, identifier),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = strip_zeros(digits);
    Some((negative && digits != "0", digits))
}

fn cmp_integer((a_neg, a): (bool, &str), (b_neg, b): (bool, &str)) -> Ordering {
    match (a_neg, b_neg) {
        (false, false) => cmp_decimal(a, b),
        (true, true) => cmp_decimal(b, a),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

fn cmp_prerelease(a: &str, b: &str) -> Ordering {
    // SemVer 2.0 section 11: a release sorts after its prereleases.
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let (mut left, mut right) = (a.split('.'), b.split('.'));
    loop {
        let (x, y) = match (left.next(), right.next()) {
            (Some(x), Some(y)) => (x, y),
            (Some(_), None) => return Ordering::Greater,
            (None, Some(_)) => return Ordering::Less,
            (None, None) => return Ordering::Equal,
        };
        let order = match (as_integer(x), as_integer(y)) {
            (Some(m), Some(n)) => cmp_integer(m, n),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
}

/// Compares two NuGet versions: a total order, never panics, linear in the input length.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (left, right) = (parse(a), parse(b));
    for i in 0..left.parts.len().max(right.parts.len()) {
        let x = left.parts.get(i).map_or("0", String::as_str);
        let y = right.parts.get(i).map_or("0", String::as_str);
        let order = cmp_decimal(x, y);
        if order != Ordering::Equal {
            return order;
        }
    }
    cmp_prerelease(&left.prerelease, &right.prerelease)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn four_parts_and_padding() {
        assert_eq!(compare("1.0", "1.0.0.0"), Ordering::Equal);
        assert_eq!(compare("1.0.01", "1.0.1.0"), Ordering::Equal);
        assert_eq!(compare("1.0", "1.0.0.1"), Ordering::Less);
        assert_eq!(compare("0.9.9.1", "1.0.0"), Ordering::Less);
        assert_eq!(compare("v1.2", "1.2"), Ordering::Equal);
        assert_eq!(compare("1..2", "1.2"), Ordering::Equal);
    }

    #[test]
    fn fifth_part_becomes_prerelease() {
        // Upstream appends parts past the fourth to the prerelease string.
        assert_eq!(compare("1.2.3.4.5", "1.2.3.4"), Ordering::Less);
        assert_eq!(compare("1.2.3.4.05-beta", "1.2.3.4-beta.5"), Ordering::Equal);
        assert_eq!(compare("1.2.3.4.5+meta", "1.2.3.4"), Ordering::Equal);
    }

    #[test]
    fn prerelease_rules() {
        assert_eq!(compare("1.0.0-BETA", "1.0.0-beta"), Ordering::Equal);
        assert_eq!(compare("1.0.0-beta2", "1.0.0-BETA"), Ordering::Greater);
        assert_eq!(compare("1.0.0-beta", "1.0.0"), Ordering::Less);
        assert_eq!(compare("1.0.0-beta.1", "1.0.0-beta"), Ordering::Greater);
        assert_eq!(compare("1.0.0-1", "1.0.0-a"), Ordering::Less);
        assert_eq!(compare("1.0.0-beta.5.790", "1.0.0-beta.5.79"), Ordering::Greater);
        assert_eq!(compare("1.0.0-01", "1.0.0-1"), Ordering::Equal);
        assert_eq!(compare("1.0.0-x.-1", "1.0.0-x.0"), Ordering::Less);
        assert_eq!(compare("1.0.0-x.-0", "1.0.0-x.0"), Ordering::Equal);
        assert_eq!(compare("1.0.0+aa", "1.0.0-beta+aa"), Ordering::Greater);
        assert_eq!(compare("1.0.0+beta", "1.0.0"), Ordering::Equal);
        assert_eq!(compare("1.2a", "1.2"), Ordering::Less);
    }

    #[test]
    fn long_numbers() {
        assert_eq!(compare("999999999999999999999999999991", "999999999999999999999999999999"), Ordering::Less);
        assert_eq!(compare("1.0.0-99999999999999999999999", "1.0.0-100000000000000000000000"), Ordering::Less);
    }

    proptest! {
        #[test]
        fn antisymmetric_on_arbitrary_strings(a in ".{0,40}", b in ".{0,40}") {
            prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
            prop_assert_eq!(compare(&a, &a), Ordering::Equal);
        }

        #[test]
        fn antisymmetric_on_version_like_strings(a in "v?[0-9.]{0,12}([-+][0-9a-zA-Z.+-]{0,12})?", b in "v?[0-9.]{0,12}([-+][0-9a-zA-Z.+-]{0,12})?") {
            prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
        }
    }
}
