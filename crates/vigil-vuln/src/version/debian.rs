//! Debian and Ubuntu version ordering, as `dpkg --compare-versions` orders versions (Debian
//! policy §5.6.12; dpkg's `parseversion` and `verrevcmp` in `lib/dpkg/parsehelp.c` and
//! `lib/dpkg/version.c`).
//!
//! A version is `[epoch:]upstream[-revision]`:
//!
//! - blanks (space, tab) around the version are ignored;
//! - the epoch is the decimal number before the first `:` (default 0);
//! - the revision is the text after the last `-` (default empty, which orders like `0`);
//! - upstream and revision compare the same way: alternately the longest run of non-digits,
//!   character by character, and the following run of digits, by value (runs of any length,
//!   `007 = 7`). In the non-digit runs `~` sorts before everything, even the end of the run, then
//!   the end of the run, then ASCII letters, then bytes above ASCII, then the other ASCII
//!   characters (dpkg's order where `char` is signed, as on amd64; osv-scanner and dpkg on arm64
//!   put bytes above ASCII last).
//!
//! What dpkg only warns about (a version not starting with a digit, characters outside
//! `[A-Za-z0-9.+~:-]`) is compared as above. The empty string is "no version", which
//! `dpkg --compare-versions` puts before every other version (even `~`). Strings dpkg rejects sort
//! after every valid version and byte-wise among themselves:
//! blanks only or blanks inside, an epoch that is not a number or is negative or above
//! `i32::MAX`, nothing after the colon, an empty upstream or revision (`1.0-`), and any NUL byte
//! (which no C string can carry).

use std::cmp::Ordering;

use super::semver::cmp_decimal;

/// Compares two versions; versions dpkg rejects sort after all valid ones.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    // `dpkg --compare-versions` reads an empty argument as "no version", earlier than any other.
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        (false, false) => {}
    }
    match (Version::parse(a), Version::parse(b)) {
        (Some(x), Some(y)) => x.compare(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// dpkg rejects epochs above C's `INT_MAX`.
const EPOCH_MAX: u64 = i32::MAX as u64;

/// A version dpkg accepts (possibly with a warning).
struct Version<'a> {
    epoch: u64,
    upstream: &'a [u8],
    revision: &'a [u8],
}

impl<'a> Version<'a> {
    /// Splits a version the way dpkg's `parseversion` does; `None` where dpkg reports an error.
    fn parse(text: &'a str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.contains(&0) {
            return None;
        }
        let trimmed = trim_blanks(bytes);
        if trimmed.is_empty() || trimmed.iter().any(|&c| is_blank(c)) {
            return None;
        }
        let (epoch, rest) = match trimmed.iter().position(|&c| c == b':') {
            Some(colon) => {
                let (epoch, rest) = trimmed.split_at(colon);
                let rest = rest.get(1..).unwrap_or_default();
                if rest.is_empty() {
                    return None;
                }
                (parse_epoch(epoch)?, rest)
            }
            None => (0, trimmed),
        };
        let (upstream, revision) = match rest.iter().rposition(|&c| c == b'-') {
            Some(hyphen) => {
                let (upstream, revision) = rest.split_at(hyphen);
                let revision = revision.get(1..).unwrap_or_default();
                if revision.is_empty() {
                    return None;
                }
                (upstream, revision)
            }
            None => (rest, &b""[..]),
        };
        if upstream.is_empty() {
            return None;
        }
        Some(Version { epoch, upstream, revision })
    }

    fn compare(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| compare_part(self.upstream, other.upstream))
            .then_with(|| compare_part(self.revision, other.revision))
    }
}

/// C's `isblank`, which dpkg uses to trim a version and to reject embedded spaces.
fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn trim_blanks(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&c| !is_blank(c)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|&c| !is_blank(c)).map_or(start, |last| last + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// The epoch as dpkg reads it with `strtol`: optional leading white space and sign, then at least
/// one digit that must run up to the colon; negative values and values above `INT_MAX` are errors.
fn parse_epoch(text: &[u8]) -> Option<u64> {
    let start = text.iter().position(|&c| !(c == b' ' || (b'\t'..=b'\r').contains(&c))).unwrap_or(text.len());
    let text = text.get(start..).unwrap_or_default();
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: u64 = 0;
    for &d in digits {
        // Saturate: anything above EPOCH_MAX is rejected below, so the exact value is irrelevant.
        value = value.saturating_mul(10).saturating_add(u64::from(d - b'0'));
    }
    if (negative && value != 0) || value > EPOCH_MAX {
        return None;
    }
    Some(value)
}

/// dpkg's `order`: the weight of one byte of a non-digit run (`None` is the end of the string).
fn weight(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        // dpkg adds 256 to a `char`, which is signed on amd64: bytes above ASCII land below the
        // other ASCII characters.
        Some(c) if c >= 0x80 => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`: compares an upstream version or a revision.
fn compare_part(mut a: &[u8], mut b: &[u8]) -> Ordering {
    let not_digit = |s: &[u8]| s.first().is_some_and(|c| !c.is_ascii_digit());
    while !a.is_empty() || !b.is_empty() {
        // Each pass consumes a byte of both strings or returns, so the loop is linear.
        while not_digit(a) || not_digit(b) {
            let (wa, wb) = (weight(a.first().copied()), weight(b.first().copied()));
            if wa != wb {
                return wa.cmp(&wb);
            }
            a = a.get(1..).unwrap_or_default();
            b = b.get(1..).unwrap_or_default();
        }
        let (digits_a, rest_a) = split_digits(a);
        let (digits_b, rest_b) = split_digits(b);
        let order = cmp_decimal(digits_a, digits_b);
        if order.is_ne() {
            return order;
        }
        (a, b) = (rest_a, rest_b);
    }
    Ordering::Equal
}

/// The leading run of ASCII digits and the rest.
fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    s.split_at(s.iter().position(|c| !c.is_ascii_digit()).unwrap_or(s.len()))
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
    fn epochs_outrank_everything_else() {
        assert_order("1:0.1", Ordering::Greater, "99.9-9");
        assert_order("0:1.0", Ordering::Equal, "1.0");
        assert_order("007:1.0", Ordering::Equal, "7:1.0");
        assert_order("2:1.0", Ordering::Greater, "1:9.0");
        assert_order("+1:1.0", Ordering::Equal, "1:1.0");
        assert_order("2147483647:1", Ordering::Greater, "2147483646:1");
    }

    #[test]
    fn tilde_sorts_before_everything_even_the_end() {
        assert_order("1.0~rc1", Ordering::Less, "1.0");
        assert_order("1.0~rc1~git1", Ordering::Less, "1.0~rc1");
        assert_order("1.0~", Ordering::Less, "1.0");
        assert_order("1.0~~", Ordering::Less, "1.0~");
        assert_order("1.0~rc1", Ordering::Less, "1.0arc1");
        assert_order("1.2.3-1~deb7u1", Ordering::Less, "1.2.3-1");
    }

    #[test]
    fn letters_sort_before_other_characters() {
        assert_order("1.0a", Ordering::Less, "1.0+");
        assert_order("1.0Z", Ordering::Less, "1.0a");
        assert_order("1.0", Ordering::Less, "1.0a");
        assert_order("1.0+", Ordering::Less, "1.0.");
        assert_order("1.0z", Ordering::Less, "1.0\u{e9}");
        assert_order("1.0\u{e9}", Ordering::Less, "1.0+");
        assert_order("2.7.4+reloaded2-13ubuntu1", Ordering::Less, "2.7.4+reloaded2-13+deb9u1");
    }

    #[test]
    fn digits_compare_by_value_at_any_length() {
        assert_order("1.0001", Ordering::Equal, "1.1");
        assert_order("0.9", Ordering::Less, "0.10");
        let huge = "123456789012345678901234567890123456789012345678901234567890";
        assert_order(&format!("1.{huge}"), Ordering::Greater, "1.123456789012345678901234567890");
        assert_order(&format!("1.{huge}0"), Ordering::Greater, &format!("1.{huge}"));
        assert_order(&format!("1.000{huge}"), Ordering::Equal, &format!("1.{huge}"));
    }

    #[test]
    fn revision_is_after_the_last_hyphen() {
        assert_order("1.0-1", Ordering::Less, "1.0-2");
        assert_order("1.0-1-1", Ordering::Greater, "1.0-2");
        assert_order("1.0", Ordering::Equal, "1.0-0");
        assert_order("1.0-a", Ordering::Greater, "1.0-1");
    }

    #[test]
    fn empty_string_is_before_every_version() {
        assert_order("", Ordering::Equal, "");
        assert_order("", Ordering::Less, "0");
        assert_order("", Ordering::Less, "~");
        assert_order("", Ordering::Less, " ");
        assert_order("", Ordering::Less, "a:1");
    }

    #[test]
    fn rejected_versions_sort_after_valid_ones() {
        for invalid in ["a:1", ":1", "-1:1", "1:", "1.0-", "-1", " ", "1 0", "2147483648:1", "1\0"] {
            assert_order(invalid, Ordering::Greater, "99999:9.9-9");
        }
        assert_order("a:1", Ordering::Less, "b:1");
        assert_order(" 1.0\t", Ordering::Equal, "1.0");
        // dpkg only warns about these, and compares them.
        assert_order("xyz.4", Ordering::Greater, "2");
        assert_order("xyz.4", Ordering::Less, "xyz.5");
        assert_order("1.0_1", Ordering::Greater, "1.0+1");
    }

    const VERSION_LIKE: &str = "([0-9]{1,2}:)?[0-9a~.+]{0,4}(-[0-9a~.+]{1,3})?";

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
