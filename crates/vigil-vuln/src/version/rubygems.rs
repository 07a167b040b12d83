//! RubyGems ordering, as `Gem::Version#<=>` (rubygems `lib/rubygems/version.rb`) defines it.
//!
//! - `-` means `.pre.` (`1.0-1` is `1.0.pre.1`, a prerelease of `1.0`);
//! - segments are the runs of ASCII digits and of ASCII letters (`1.0.a10` is `1.0.a.10`); every
//!   other character only separates them;
//! - canonical segments: the numeric segments before the first letter segment, then the rest, each
//!   group without trailing zeros (`1.0.a.0` is `1.a`);
//! - segments compare in turn, missing ones counting as 0: numbers by value (any length), letter
//!   segments byte-wise (case-sensitive), and a letter segment before a number, so any version with
//!   a letter segment is a prerelease that sorts before its release (`1.0.b1 < 1.0`).
//!
//! `Gem::Version` rejects strings outside its pattern (`1beta`); osv-scanner still orders them
//! segment by segment, and so does vigil, with the rules above (`1beta < 1`).

use std::cmp::Ordering;

use super::semver::cmp_decimal;

/// Compares two versions as `Gem::Version#<=>`.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (canonical_segments(a), canonical_segments(b));
    (0..a.len().max(b.len()))
        .map(|i| {
            let x = a.get(i).copied().unwrap_or(Segment::ZERO);
            let y = b.get(i).copied().unwrap_or(Segment::ZERO);
            x.compare(y)
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Segment<'a> {
    /// A run of ASCII digits.
    Number(&'a [u8]),
    /// A run of ASCII letters (or the `pre` that a `-` stands for).
    Letters(&'a [u8]),
}

impl Segment<'_> {
    const ZERO: Segment<'static> = Segment::Number(b"0");

    fn is_zero(self) -> bool {
        matches!(self, Segment::Number(digits) if digits.iter().all(|&d| d == b'0'))
    }

    fn compare(self, other: Self) -> Ordering {
        match (self, other) {
            (Segment::Number(a), Segment::Number(b)) => cmp_decimal(a, b),
            (Segment::Letters(a), Segment::Letters(b)) => a.cmp(b),
            (Segment::Letters(_), Segment::Number(_)) => Ordering::Less,
            (Segment::Number(_), Segment::Letters(_)) => Ordering::Greater,
        }
    }
}

/// `Gem::Version#canonical_segments`: the segments with trailing zeros dropped from the leading
/// numeric group and from the rest.
fn canonical_segments(version: &str) -> Vec<Segment<'_>> {
    let mut segments = segments(version.as_bytes());
    let first_letters = segments.iter().position(|s| matches!(s, Segment::Letters(_))).unwrap_or(segments.len());
    let mut rest = segments.split_off(first_letters);
    while rest.last().is_some_and(|s| s.is_zero()) {
        rest.pop();
    }
    while segments.last().is_some_and(|s| s.is_zero()) {
        segments.pop();
    }
    segments.append(&mut rest);
    segments
}

/// The digit and letter runs of `version`, with each `-` read as a `pre` segment.
fn segments(version: &[u8]) -> Vec<Segment<'_>> {
    let mut segments = Vec::new();
    let mut rest = version;
    while let Some((&first, tail)) = rest.split_first() {
        let run_len = if first.is_ascii_digit() {
            rest.iter().position(|c| !c.is_ascii_digit())
        } else if first.is_ascii_alphabetic() {
            rest.iter().position(|c| !c.is_ascii_alphabetic())
        } else {
            if first == b'-' {
                segments.push(Segment::Letters(b"pre"));
            }
            rest = tail;
            continue;
        }
        .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(run_len);
        segments.push(if first.is_ascii_digit() { Segment::Number(run) } else { Segment::Letters(run) });
        rest = tail;
    }
    segments
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
    fn letters_split_from_digits_and_make_a_prerelease() {
        assert_order("1.0.a2", Ordering::Equal, "1.0.a.2");
        assert_order("1.0.a10", Ordering::Greater, "1.0.a.9");
        assert_order("1.0.b1", Ordering::Less, "1.0");
        assert_order("1.0.b1", Ordering::Greater, "1.0.a.2");
        assert_order("1.36.0rc1", Ordering::Greater, "1.35.0");
        assert_order("1beta", Ordering::Less, "1");
        assert_order("1.0.A", Ordering::Less, "1.0.a");
    }

    #[test]
    fn trailing_zeros_are_ignored_per_group() {
        assert_order("1.0.0", Ordering::Equal, "1");
        assert_order("1.0.a.0", Ordering::Equal, "1.a");
        assert_order("1.a.00", Ordering::Equal, "1.a");
        assert_order("1.0.0.1", Ordering::Greater, "1");
        assert_order("", Ordering::Equal, "0");
    }

    #[test]
    fn dash_means_pre() {
        assert_order("1.0-1", Ordering::Equal, "1.0.pre.1");
        assert_order("1.0-1", Ordering::Less, "1.0");
        assert_order("1.0-1", Ordering::Greater, "1.0.a");
        assert_order("1.0-rc-1", Ordering::Equal, "1.0.pre.rc.pre.1");
    }

    #[test]
    fn huge_numbers_compare_by_value() {
        assert_order("999999999999999999999999999991", Ordering::Less, "999999999999999999999999999999");
        assert_order("1.0.00000000000000000000000000000000000000", Ordering::Equal, "1");
    }

    const VERSION_LIKE: &str = "[0-9]{0,3}([-._]?[0-9a-cA-C]{0,3}){0,5}";

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
