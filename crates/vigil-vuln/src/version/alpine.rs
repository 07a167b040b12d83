//! Alpine package versions (Alpine, Wolfi, Chainguard), as apk-tools defines them and
//! osv-scanner's `version-alpine.go` orders them.
//!
//! A version is `number{.number}[letter]{_suffix[number]}[~hash][-r number]`, read left to right:
//!
//! - the numbers compare in turn; the first by value, later ones by value too unless one of the
//!   pair starts with `0`, in which case the two compare as strings (`1.010 < 1.09`, apk's and
//!   Gentoo's rule); a missing number and numbers made only of zeros count as 0 (`1 = 1.0 = 1.00`);
//!   values have any length;
//! - then the optional lowercase letter (`1.2 < 1.2a < 1.2b`);
//! - then the suffixes in turn, `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg
//!   < _p`, each followed by its number (missing is 0);
//! - the commit hash (`~` and lowercase hex) is ignored;
//! - then the `-r` build number (missing is 0);
//! - then a version with nothing left over after `-r<number>` beats one with leftovers
//!   (`1 > 1-ruff`, but `1-ruff1 = 1-ruff2`).
//!
//! As in osv-scanner, a suffix matches anywhere after the letter (`_p1` in `1cd_p1` counts), and a
//! version is invalid when something other than `-r` is left after the hash (`1.0bc`, `6.6.2p1`,
//! `1-1`). Invalid versions are placed by the parts read before the invalid text, like valid ones.
//!
//! vigil departs from osv-scanner where it is not transitive, panics or contradicts apk-tools, without
//! changing any of osv-scanner's recorded vectors:
//!
//! - osv-scanner compares two invalid versions as whole strings; vigil compares their parts first
//!   and uses the left-over text only to break a tie (`6.6.2p1 < 6.6.2p2`, `.1 < .2`);
//! - osv-scanner finds a valid and an invalid version with the same parts equal; vigil puts the
//!   valid one first, unless the left-over text is a malformed build (`1--r1`), which, like text
//!   after `-r<number>`, is ignored;
//! - osv-scanner compares `0` and `00` as strings but both equal to a missing number; vigil has
//!   all three equal;
//! - osv-scanner gives a missing suffix the weight of `_cvs` (so `1 = 1_cvs`); vigil puts it
//!   between `_rc` and `_cvs`, as apk-tools does;
//! - a number followed by a `.` without digits (`1.`, `1..2`) makes osv-scanner panic; vigil
//!   stops the numbers before that `.`, so the version is invalid.

use std::cmp::Ordering;

use super::semver::cmp_decimal;

/// Compares two versions; every string has a place in the order.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    Version::parse(a).compare(&Version::parse(b))
}

/// Suffix names in ascending order; `None` is the weight of a missing suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Suffix {
    Alpha,
    Beta,
    Pre,
    Rc,
    None,
    Cvs,
    Svn,
    Git,
    Hg,
    P,
}

/// The suffix names in the order osv-scanner's regular expression tries them (`pre` before `p`).
const SUFFIXES: [(&[u8], Suffix); 9] = [
    (b"alpha", Suffix::Alpha),
    (b"beta", Suffix::Beta),
    (b"pre", Suffix::Pre),
    (b"rc", Suffix::Rc),
    (b"cvs", Suffix::Cvs),
    (b"svn", Suffix::Svn),
    (b"git", Suffix::Git),
    (b"hg", Suffix::Hg),
    (b"p", Suffix::P),
];

/// A version split into its parts, the way osv-scanner's `parseAlpineVersion` reads it.
struct Version<'a> {
    /// Runs of ASCII digits.
    numbers: Vec<&'a [u8]>,
    letter: Option<u8>,
    /// Each suffix with its number (ASCII digits, empty for 0).
    suffixes: Vec<(Suffix, &'a [u8])>,
    /// The number after `-r` (ASCII digits, empty for 0).
    build: &'a [u8],
    /// What is left after the build number (or, for an invalid version, after the hash).
    rest: &'a [u8],
    /// Whether something other than `-r` followed the hash.
    invalid: bool,
}

impl<'a> Version<'a> {
    fn parse(text: &'a str) -> Self {
        let mut s = text.as_bytes();
        let mut numbers = Vec::new();
        if s.first().is_some_and(u8::is_ascii_digit) {
            loop {
                let (digits, rest) = split_digits(s);
                numbers.push(digits);
                s = rest;
                match s {
                    [b'.', next, ..] if next.is_ascii_digit() => s = s.get(1..).unwrap_or_default(),
                    _ => break,
                }
            }
        }
        let letter = match s.first() {
            Some(&c) if c.is_ascii_lowercase() => {
                s = s.get(1..).unwrap_or_default();
                Some(c)
            }
            _ => None,
        };
        let (suffixes, rest) = parse_suffixes(s);
        s = rest;
        if let [b'~', hex @ ..] = s {
            let len = hex.iter().position(|c| !matches!(c, b'0'..=b'9' | b'a'..=b'f')).unwrap_or(hex.len());
            if len > 0 {
                s = hex.get(len..).unwrap_or_default();
            }
        }
        let (build, rest, invalid) = match s {
            [] => (&b""[..], s, false),
            [b'-', b'r', tail @ ..] => {
                let (digits, rest) = split_digits(tail);
                (digits, rest, false)
            }
            _ => (&b""[..], s, true),
        };
        Version { numbers, letter, suffixes, build, rest, invalid }
    }

    fn compare(&self, other: &Self) -> Ordering {
        let count = self.numbers.len().max(other.numbers.len());
        (0..count)
            .map(|i| number_key(i, self.numbers.get(i)).compare(&number_key(i, other.numbers.get(i))))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
            .then_with(|| self.letter.cmp(&other.letter))
            .then_with(|| {
                let count = self.suffixes.len().max(other.suffixes.len());
                let missing = (Suffix::None, &b""[..]);
                (0..count)
                    .map(|i| {
                        let (x, nx) = self.suffixes.get(i).copied().unwrap_or(missing);
                        let (y, ny) = other.suffixes.get(i).copied().unwrap_or(missing);
                        x.cmp(&y).then_with(|| cmp_decimal(nx, ny))
                    })
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            })
            .then_with(|| cmp_decimal(self.build, other.build))
            .then_with(|| self.rest.is_empty().cmp(&other.rest.is_empty()))
            .then_with(|| self.tiebreak().cmp(other.tiebreak()))
    }

    /// The text that orders versions whose parts are all equal: empty for valid versions and
    /// for a malformed build (`1--r1`), otherwise the invalid text.
    fn tiebreak(&self) -> &'a [u8] {
        if self.invalid && !self.rest.starts_with(b"-") { self.rest } else { b"" }
    }
}

/// osv-scanner's `_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)` applied with `FindAllStringSubmatch`:
/// every non-overlapping match counts, but only the matches at the very start are consumed.
fn parse_suffixes(s: &[u8]) -> (Vec<(Suffix, &[u8])>, &[u8]) {
    let mut suffixes = Vec::new();
    let (mut pos, mut consumed) = (0, 0);
    while let Some(tail) = s.get(pos..).filter(|t| !t.is_empty()) {
        let Some((suffix, digits, len)) = match_suffix(tail) else {
            pos += 1;
            continue;
        };
        suffixes.push((suffix, digits));
        if pos == consumed {
            consumed += len;
        }
        pos += len;
    }
    (suffixes, s.get(consumed..).unwrap_or_default())
}

/// Matches `_<suffix><digits>` at the start of `s`: the suffix, its digits and the match length.
fn match_suffix(s: &[u8]) -> Option<(Suffix, &[u8], usize)> {
    let name = s.strip_prefix(b"_")?;
    let (word, suffix) = SUFFIXES.iter().find(|(word, _)| name.starts_with(word))?;
    let (digits, _) = split_digits(name.get(word.len()..).unwrap_or_default());
    Some((*suffix, digits, 1 + word.len() + digits.len()))
}

/// The leading run of ASCII digits and the rest.
fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    s.split_at(s.iter().position(|c| !c.is_ascii_digit()).unwrap_or(s.len()))
}

/// How one number compares: after the first, numbers with a leading zero compare as strings and
/// before all others (a string starting with `0` is below one starting with `1`–`9`).
enum NumberKey<'a> {
    Fraction(&'a [u8]),
    Integer(&'a [u8]),
}

fn number_key<'a>(index: usize, digits: Option<&&'a [u8]>) -> NumberKey<'a> {
    match digits.copied() {
        None if index == 0 => NumberKey::Integer(b""),
        Some(d) if index == 0 || d.first() != Some(&b'0') => NumberKey::Integer(d),
        Some(d) if d.iter().any(|&c| c != b'0') => NumberKey::Fraction(d),
        // Missing, or only zeros: 0.
        _ => NumberKey::Fraction(b"0"),
    }
}

impl NumberKey<'_> {
    fn compare(&self, other: &Self) -> Ordering {
        match (self, other) {
            (NumberKey::Fraction(a), NumberKey::Fraction(b)) => a.cmp(b),
            (NumberKey::Integer(a), NumberKey::Integer(b)) => cmp_decimal(a, b),
            (NumberKey::Fraction(_), NumberKey::Integer(_)) => Ordering::Less,
            (NumberKey::Integer(_), NumberKey::Fraction(_)) => Ordering::Greater,
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
    fn numbers_then_letter_then_suffixes_then_build() {
        assert_order("1.2.3", Ordering::Less, "1.2.10");
        assert_order("1.2", Ordering::Less, "1.2.1");
        assert_order("1.2.9", Ordering::Greater, "1.2a");
        assert_order("1.2a", Ordering::Less, "1.2b");
        assert_order("1.2b", Ordering::Less, "1.3");
        assert_order("1.2_p1", Ordering::Less, "1.2a");
        assert_order("1.2_rc9-r9", Ordering::Less, "1.2-r0");
        assert_order("1.2-r9", Ordering::Less, "1.2_p0");
        assert_order("1.2-r1", Ordering::Equal, "1.2-r01");
        assert_order("1.2-r", Ordering::Equal, "1.2");
        assert_order("1.2~abc123-r1", Ordering::Equal, "1.2~def-r1");
        assert_order("1.2~abc-r2", Ordering::Greater, "1.2~def-r1");
    }

    #[test]
    fn suffix_order() {
        let chain =
            ["1_alpha", "1_alpha1", "1_beta", "1_pre", "1_rc", "1", "1_cvs", "1_svn", "1_git", "1_hg", "1_p", "1_p2"];
        for pair in chain.windows(2) {
            if let [a, b] = pair {
                assert_order(a, Ordering::Less, b);
            }
        }
        assert_order("0.1.0_alpha_pre2", Ordering::Less, "0.1.0_alpha");
        assert_order("1_p", Ordering::Equal, "1_p0");
        assert_order("1_pre1", Ordering::Greater, "1_pre");
    }

    #[test]
    fn leading_zeros_compare_as_strings_after_the_first_number() {
        assert_order("1.010", Ordering::Less, "1.09");
        assert_order("1.05", Ordering::Less, "1.1");
        assert_order("1.05", Ordering::Greater, "1");
        assert_order("01.5", Ordering::Equal, "1.5");
        assert_order("1.0", Ordering::Equal, "1");
        assert_order("1.00", Ordering::Equal, "1.0");
        assert_order("1.0.0", Ordering::Equal, "1");
    }

    #[test]
    fn huge_numbers_compare_by_value() {
        let huge = "123456789012345678901234567890123456789012345678901234567890";
        assert_order(&format!("{huge}.1"), Ordering::Greater, &format!("{}.9", &huge[1..]));
        assert_order(&format!("1.{huge}"), Ordering::Greater, "1.99999999999999999999");
        assert_order(&format!("1_p{huge}"), Ordering::Greater, &format!("1_p{}", &huge[1..]));
        assert_order(&format!("1-r{huge}"), Ordering::Greater, "1-r18446744073709551616");
    }

    #[test]
    fn left_overs_and_invalid_versions() {
        assert_order("1", Ordering::Greater, "1-ruff");
        assert_order("1-ruff1", Ordering::Equal, "1-ruff2");
        assert_order("1-ruff2", Ordering::Equal, "1--ruff1");
        assert_order("1-r-0", Ordering::Less, "1-r0");
        assert_order("1.0", Ordering::Less, "1.0bc");
        assert_order("1.0bc", Ordering::Less, "1.0c");
        assert_order("6.6.2p1", Ordering::Greater, "6.6.2_p2");
        assert_order("6.6.2p1", Ordering::Less, "6.6.2p2");
        assert_order("1.2.0D", Ordering::Less, "1.2.0d");
        assert_order("23_foo", Ordering::Greater, "4_beta");
        assert_order("1.2_blah", Ordering::Less, "1.2");
        assert_order(".1", Ordering::Less, "1");
        assert_order(".1", Ordering::Less, ".2");
        assert_order("1.", Ordering::Less, "1");
        assert_order("1.", Ordering::Greater, "0.9");
        assert_order("1..2", Ordering::Less, "1.1");
        // A suffix after the invalid text still counts.
        assert_order("1cd_p1", Ordering::Greater, "1cd");
    }

    #[test]
    fn empty_strings() {
        assert_order("", Ordering::Equal, "");
        assert_order("", Ordering::Equal, "0");
        assert_order("", Ordering::Less, "0.1");
        assert_order("", Ordering::Less, "a");
        assert_order("", Ordering::Greater, "_rc");
        assert_order("", Ordering::Greater, "-");
    }

    const VERSION_LIKE: &str =
        "[0-9]{0,2}(\\.0?[0-9]{1,2}){0,2}\\.?[a-c]?(_(rc|p|x)[0-9]?){0,2}(~[a-f0-9]{0,2})?(-r?[0-9a-c]{0,2})?";

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
