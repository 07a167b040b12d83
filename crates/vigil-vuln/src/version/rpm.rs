//! RPM version ordering (Red Hat, Rocky Linux, AlmaLinux, SUSE, openSUSE, Mageia, Photon OS,
//! openEuler), as rpm's `rpmvercmp` (`rpmio/rpmvercmp.c`) orders each part and as osv-scanner's
//! `version-redhat.go` splits a version into parts.
//!
//! A version is `[epoch:]version[-release]`:
//!
//! - the epoch is the text before the first `:` when that text is all ASCII digits (possibly
//!   none); it defaults to 0 and compares by value; otherwise the whole string is
//!   `version[-release]` (`a:1` has no epoch);
//! - the release starts at the first `-` (so `1-` has a release and sorts after `1`);
//! - version, then release, compare with `rpmvercmp`, except that, as in osv-scanner, an empty part
//!   sorts before any non-empty one (`1 < 1-`, `1 < 1-0`).
//!
//! `rpmvercmp` splits a part into segments: runs of ASCII digits, runs of ASCII letters, `~` and
//! `^`; every other byte only separates segments (`1.0 = 1_0`, `1.α = 1.β`). Segments compare in
//! turn: digit runs by value (any length, leading zeros ignored), letter runs byte-wise, a digit
//! run after a letter run. `~` sorts before everything, even the end (`1.0~rc1 < 1.0`); `^` sorts
//! after the end but before anything else (`1.0 < 1.0^git1 < 1.0.1`); past the last segment
//! the longer part wins. Every string is a valid version.

use std::cmp::Ordering;

use super::semver::cmp_decimal;

/// Compares two versions by epoch, then version, then release.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (Evr::parse(a), Evr::parse(b));
    cmp_decimal(a.epoch, b.epoch)
        .then_with(|| compare_part(a.version, b.version))
        .then_with(|| compare_part(a.release, b.release))
}

/// A version split into epoch, version and release.
struct Evr<'a> {
    /// ASCII digits; empty for 0.
    epoch: &'a [u8],
    version: &'a [u8],
    /// Empty, or the text from the first `-` on (the `-` included, so `1-` has a release).
    release: &'a [u8],
}

impl<'a> Evr<'a> {
    fn parse(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let (epoch, rest) = match bytes.iter().position(|&c| c == b':') {
            Some(colon) => {
                let (epoch, rest) = bytes.split_at(colon);
                if epoch.iter().all(u8::is_ascii_digit) {
                    (epoch, rest.get(1..).unwrap_or_default())
                } else {
                    (&b""[..], bytes)
                }
            }
            None => (&b""[..], bytes),
        };
        let (version, release) = rest.split_at(rest.iter().position(|&c| c == b'-').unwrap_or(rest.len()));
        Evr { epoch, version, release }
    }
}

/// osv-scanner's `compareRedHatComponents`: an empty part first, then `rpmvercmp`.
fn compare_part(a: &[u8], b: &[u8]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => rpmvercmp(a, b),
    }
}

/// One segment of a part, in ascending order of kind: `rpmvercmp` puts `~` before the end of
/// the string, the end before `^`, `^` before letters and letters before digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment<'a> {
    Tilde,
    End,
    Caret,
    Alpha(&'a [u8]),
    Numeric(&'a [u8]),
}

impl Segment<'_> {
    fn rank(&self) -> u8 {
        match self {
            Segment::Tilde => 0,
            Segment::End => 1,
            Segment::Caret => 2,
            Segment::Alpha(_) => 3,
            Segment::Numeric(_) => 4,
        }
    }

    fn compare(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Segment::Alpha(a), Segment::Alpha(b)) => a.cmp(b),
            (Segment::Numeric(a), Segment::Numeric(b)) => cmp_decimal(a, b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// Takes the next segment off the front of `rest`, skipping separators.
fn next_segment<'a>(rest: &mut &'a [u8]) -> Segment<'a> {
    let start = rest.iter().position(|&c| c.is_ascii_alphanumeric() || c == b'~' || c == b'^').unwrap_or(rest.len());
    let tail = rest.get(start..).unwrap_or_default();
    let Some(&first) = tail.first() else {
        *rest = tail;
        return Segment::End;
    };
    let run = |pred: fn(&u8) -> bool| tail.iter().position(|c| !pred(c)).unwrap_or(tail.len());
    let (len, segment) = match first {
        b'~' => (1, Segment::Tilde),
        b'^' => (1, Segment::Caret),
        c if c.is_ascii_digit() => {
            let len = run(u8::is_ascii_digit);
            (len, Segment::Numeric(tail.get(..len).unwrap_or_default()))
        }
        _ => {
            let len = run(u8::is_ascii_alphabetic);
            (len, Segment::Alpha(tail.get(..len).unwrap_or_default()))
        }
    };
    *rest = tail.get(len..).unwrap_or_default();
    segment
}

/// rpm's `rpmvercmp`, segment by segment; linear in the length of the inputs.
fn rpmvercmp(mut a: &[u8], mut b: &[u8]) -> Ordering {
    loop {
        let (x, y) = (next_segment(&mut a), next_segment(&mut b));
        if x == Segment::End && y == Segment::End {
            return Ordering::Equal;
        }
        let order = x.compare(&y);
        if order.is_ne() {
            return order;
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
    fn epochs_are_digits_before_the_first_colon() {
        assert_order("1:1.0", Ordering::Greater, "99.0");
        assert_order("0:1.0", Ordering::Equal, "1.0");
        assert_order(":1.0", Ordering::Equal, "1.0");
        assert_order("01:2", Ordering::Equal, "1:2");
        assert_order("13:5", Ordering::Greater, "004:2");
        assert_order("1~1", Ordering::Less, "1:2");
        // Not an epoch: compared as part of the version.
        assert_order("a:1", Ordering::Less, "a1:1");
        assert_order("b~1:1", Ordering::Greater, "a1:1");
        let huge = "123456789012345678901234567890123456789012345678901234567890";
        assert_order(&format!("{huge}:1"), Ordering::Greater, &format!("{}:9", &huge[1..]));
    }

    #[test]
    fn release_starts_at_the_first_hyphen() {
        assert_order("1-123", Ordering::Greater, "1-2");
        assert_order("1", Ordering::Less, "1-0");
        assert_order("1", Ordering::Less, "1-");
        assert_order("1-1.", Ordering::Equal, "1-1");
        assert_order("1.0-2-1", Ordering::Greater, "1.0-2");
        assert_order("0:3.10.0-229.el7", Ordering::Less, "0:3.10.0-229.1.2.ael7b");
    }

    #[test]
    fn tilde_sorts_before_everything_even_the_end() {
        assert_order("1.0~rc1", Ordering::Less, "1.0");
        assert_order("1.0~rc1", Ordering::Less, "1.0~rc2");
        assert_order("1.0~rc1~git123", Ordering::Less, "1.0~rc1");
        assert_order("1.0~", Ordering::Less, "1.0");
        assert_order("1.0~^", Ordering::Less, "1.0");
    }

    #[test]
    fn caret_sorts_after_the_base_but_before_anything_added() {
        assert_order("1.0^", Ordering::Greater, "1.0");
        assert_order("1.0^git1", Ordering::Greater, "1.0");
        assert_order("1.0^git1", Ordering::Less, "1.0.1");
        assert_order("1.0^git1", Ordering::Less, "1.0a");
        assert_order("1.0^20160101^git1", Ordering::Less, "1.0^20160102");
        assert_order("1.0~rc1^git1", Ordering::Greater, "1.0~rc1");
        assert_order("1.0^git1~pre", Ordering::Less, "1.0^git1");
        assert_order("1.0^", Ordering::Greater, "1.0~");
    }

    #[test]
    fn segments_compare_by_kind_then_value() {
        assert_order("1.0a", Ordering::Less, "1.0.1");
        assert_order("1.a", Ordering::Less, "1.1");
        assert_order("10.0001", Ordering::Equal, "10.1");
        assert_order("5.5p10", Ordering::Greater, "5.5p2");
        assert_order("1.0aa", Ordering::Greater, "1.0a");
        assert_order("2_0", Ordering::Equal, "2.0");
        assert_order("1.1.\u{3b1}", Ordering::Equal, "1.1.\u{3b2}");
        assert_order("1.1.\u{3b1}", Ordering::Less, "1.1.a");
        let huge = "98765432109876543210987654321098765432109876543210";
        assert_order(&format!("1.{huge}"), Ordering::Greater, &format!("1.{}", &huge[1..]));
        assert_order(&format!("1.{huge}1"), Ordering::Greater, &format!("1.{huge}0"));
    }

    #[test]
    fn empty_strings() {
        assert_order("", Ordering::Equal, "");
        assert_order("", Ordering::Less, "~");
        assert_order("", Ordering::Less, ".");
        assert_order("", Ordering::Less, "0");
        assert_order("", Ordering::Equal, "0:");
        assert_order("-", Ordering::Less, "0-");
    }

    const VERSION_LIKE: &str = "([0-9]{1,2}:)?[0-9a~^._]{0,4}(-[0-9a~^._]{0,3})?";

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
