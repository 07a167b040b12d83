//! Maven version ordering: `ComparableVersion` (Maven 3.x) as osv-scanner implements it
//! (`internal/semantic/version-maven.go`), which is what OSV's Maven ranges are evaluated with.
//!
//! A version is cut into tokens at `.`, `-` and every switch between an ASCII digit and any
//! other character; each token remembers the separator before it (a digit/letter switch counts
//! as `-`). Qualifiers are case-insensitive, `cr` is `rc`, `ga`/`final`/`release` are the empty
//! qualifier, and `a`/`b`/`m` directly followed by digits are `alpha`/`beta`/`milestone`. Null
//! tokens (`0`, the empty qualifier) are trimmed from the end and before each remaining `-`.
//! Two versions are compared token by token, the shorter padded with null tokens: numbers by
//! value (any length), qualifiers `alpha < beta < milestone < rc < snapshot < "" < sp < others`
//! (others lexically), numbers after qualifiers, and across separators
//! `.qualifier < -qualifier < -number < .number`.
//!
//! Deviation: digit/letter switches are found per character; osv-scanner finds them per byte and
//! splits a multi-byte character that directly precedes a digit. Versions with non-ASCII
//! letters are ordered by the same rules applied to whole characters instead.

use std::borrow::Cow;
use std::cmp::Ordering;

/// The separator in front of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    /// The first token of a version.
    Start,
    Dot,
    Dash,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    /// ASCII digits without leading zeros (`0` for zero).
    Number(String),
    /// A lower-cased, normalised qualifier (never all digits; `""` is the release qualifier).
    Qualifier(String),
}

impl Value {
    fn as_str(&self) -> &str {
        match self {
            Value::Number(s) | Value::Qualifier(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    prefix: Prefix,
    value: Value,
    /// Padding added during a comparison; only changes how a number compares to a qualifier.
    is_null: bool,
}

impl Token {
    /// Equality ignores `is_null`, as upstream does.
    fn same(&self, other: &Token) -> bool {
        self.prefix == other.prefix && self.value == other.value
    }

    fn is_trimmable(&self) -> bool {
        // `ga` and `final` were already normalised to "" while tokenising.
        matches!(self.value.as_str(), "0" | "")
    }

    /// The padding that stands in for a missing token opposite `other`.
    fn null_for(other: &Token) -> Token {
        let value = match (other.prefix, &other.value) {
            // `sp` is the one qualifier ordered after the release qualifier, so a missing
            // `.sp` has to pad as "" rather than `0` (upstream's own workaround).
            (Prefix::Dot, Value::Qualifier(q)) if q == "sp" => Value::Qualifier(String::new()),
            (Prefix::Dot, _) => Value::Number("0".to_owned()),
            // Index 0 always exists in both versions, so `Start` is never padded; treat it as `-`.
            (Prefix::Dash | Prefix::Start, _) => Value::Qualifier(String::new()),
        };
        Token { prefix: other.prefix, value, is_null: true }
    }

    /// `.qualifier < -qualifier < -number < .number`, for tokens with different separators.
    fn separator_rank(&self) -> u8 {
        match (self.prefix, &self.value) {
            // Both versions start with a `Start` token, so this arm only keeps the order total.
            (Prefix::Start, _) => 0,
            (Prefix::Dot, Value::Qualifier(_)) => 1,
            (Prefix::Dash, Value::Qualifier(_)) => 2,
            (Prefix::Dash, Value::Number(_)) => 3,
            (Prefix::Dot, Value::Number(_)) => 4,
        }
    }

    /// Upstream's `lessThan` for two tokens that are not [`Token::same`].
    fn is_less_than(&self, other: &Token) -> bool {
        if self.prefix != other.prefix {
            return self.separator_rank() < other.separator_rank();
        }
        match (&self.value, &other.value) {
            (Value::Number(a), Value::Number(b)) => return cmp_decimal(a, b) == Ordering::Less,
            // Maven orders numbers after qualifiers, except padding, which compares as the
            // string `0` below (ComparableVersion.IntItem vs StringItem).
            (Value::Number(_), _) if !self.is_null => return false,
            (_, Value::Number(_)) if !other.is_null => return true,
            _ => {}
        }
        let (a, b) = (self.value.as_str(), other.value.as_str());
        match (keyword_rank(a), keyword_rank(b)) {
            (None, None) => a < b,
            (ra, rb) => ra.unwrap_or(KEYWORDS.len()) < rb.unwrap_or(KEYWORDS.len()),
        }
    }
}

/// Known qualifiers in ascending order; unknown ones come after all of them.
const KEYWORDS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

fn keyword_rank(value: &str) -> Option<usize> {
    KEYWORDS.iter().position(|k| *k == value)
}

/// Compares two runs of ASCII digits without leading zeros by numeric value.
fn cmp_decimal(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Lower-cases like Go's `strings.ToLower`: rune by rune with the simple (one-to-one) mapping,
/// which differs from Rust's full mapping only for `İ` (U+0130).
fn lower(s: &str) -> String {
    s.chars().flat_map(|c| if c == '\u{130}' { 'i'.to_lowercase() } else { c.to_lowercase() }).collect()
}

/// Turns one segment (all ASCII digits or none) into a token value.
fn segment_value(segment: &str, followed_by_digits: bool) -> Value {
    let lowered = lower(segment);
    let value = match lowered.as_str() {
        "" => return Value::Number("0".to_owned()),
        "cr" => "rc",
        "ga" | "final" | "release" => "",
        "a" if followed_by_digits => "alpha",
        "b" if followed_by_digits => "beta",
        "m" if followed_by_digits => "milestone",
        other => other,
    };
    if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() {
        let trimmed = value.trim_start_matches('0');
        Value::Number(if trimmed.is_empty() { "0" } else { trimmed }.to_owned())
    } else {
        Value::Qualifier(value.to_owned())
    }
}

fn tokenize(version: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut prefix = Prefix::Start;
    let mut rest = version;
    loop {
        let (part, separator) = match rest.find(['.', '-']) {
            Some(at) => (rest.get(..at).unwrap_or(""), rest.get(at..at + 1)),
            None => (rest, None),
        };
        push_part(&mut tokens, prefix, part);
        match separator {
            Some(".") => prefix = Prefix::Dot,
            Some(_) => prefix = Prefix::Dash,
            None => break,
        }
        rest = rest.get(part.len() + 1..).unwrap_or("");
    }
    trim_nulls(&mut tokens);
    tokens
}

/// Splits one `.`/`-`-free part at digit/non-digit switches; the pieces after the first are
/// `-` tokens.
fn push_part(tokens: &mut Vec<Token>, mut prefix: Prefix, part: &str) {
    let mut start = 0;
    let mut previous_digit = None;
    for (at, c) in part.char_indices() {
        let digit = c.is_ascii_digit();
        if previous_digit.is_some_and(|p| p != digit) {
            let value = segment_value(part.get(start..at).unwrap_or(""), true);
            tokens.push(Token { prefix, value, is_null: false });
            prefix = Prefix::Dash;
            start = at;
        }
        previous_digit = Some(digit);
    }
    let value = segment_value(part.get(start..).unwrap_or(""), false);
    tokens.push(Token { prefix, value, is_null: false });
}

/// Removes trailing null tokens, then repeats before each remaining `-` from the end, never
/// touching the first token (upstream's trimming, which also drops nulls directly before a `-`
/// list such as the `ga` in `1-ga-1`).
fn trim_nulls(tokens: &mut Vec<Token>) {
    // Removing index `i` never moves an index below `i`, so a keep-mask is equivalent to
    // upstream's in-place removal and stays linear.
    let mut keep = vec![true; tokens.len()];
    let mut i = tokens.len().saturating_sub(1);
    while i > 0 {
        let Some(token) = tokens.get(i) else { break };
        if token.is_trimmable() {
            if let Some(k) = keep.get_mut(i) {
                *k = false;
            }
            i -= 1;
            continue;
        }
        // Walk back to the `-` that opened this list, then continue before it.
        let mut j = Some(i);
        while let Some(at) = j {
            if tokens.get(at).is_some_and(|t| t.prefix == Prefix::Dash) {
                break;
            }
            j = at.checked_sub(1);
        }
        match j.and_then(|at| at.checked_sub(1)) {
            Some(next) => i = next,
            None => break,
        }
    }
    let mut flags = keep.into_iter();
    tokens.retain(|_| flags.next().unwrap_or(true));
}

/// Compares two Maven versions: antisymmetric, never panics, linear in the input length. Like
/// upstream's, the order is not transitive on some malformed inputs
/// (`"" < ".0-x" < "..milestone" < ""`).
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (left, right) = (tokenize(a), tokenize(b));
    if left.len() == right.len() && left.iter().zip(&right).all(|(l, r)| l.same(r)) {
        return Ordering::Equal;
    }
    for i in 0..left.len().max(right.len()) {
        let (l, r) = match (left.get(i), right.get(i)) {
            (Some(l), Some(r)) => (Cow::Borrowed(l), Cow::Borrowed(r)),
            (None, Some(r)) => (Cow::Owned(Token::null_for(r)), Cow::Borrowed(r)),
            (Some(l), None) => (Cow::Borrowed(l), Cow::Owned(Token::null_for(l))),
            (None, None) => break,
        };
        if l.same(&r) {
            continue;
        }
        return if l.is_less_than(&r) { Ordering::Less } else { Ordering::Greater };
    }
    // Unreachable: after trimming, the last token past index 0 is never a null token, so two
    // versions that differ always differ at some position. Keep the result antisymmetric anyway.
    left.len().cmp(&right.len())
}

/// How a token compares with the padding that stands in for it when the other version is
/// shorter ([`compare`]'s view of "is this part below or above the release").
fn against_padding(token: &Token) -> Ordering {
    let null = Token::null_for(token);
    if token.same(&null) {
        Ordering::Equal
    } else if token.is_less_than(&null) {
        Ordering::Less
    } else {
        Ordering::Greater
    }
}

/// [`compare`]'s order of two tokens that are not padding: separator rank, then qualifiers
/// before numbers, qualifiers by keyword rank then text, numbers by value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct TokenKey {
    rank: u8,
    value: ValueKey,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum ValueKey {
    /// Keyword rank (unknown qualifiers after every keyword), then the text.
    Qualifier(usize, String),
    /// Digit count, then digits (no leading zeros, so this is numeric order).
    Number(usize, String),
}

impl TokenKey {
    fn of(token: &Token) -> TokenKey {
        let value = match &token.value {
            Value::Number(n) => ValueKey::Number(n.len(), n.clone()),
            Value::Qualifier(q) => ValueKey::Qualifier(keyword_rank(q).unwrap_or(KEYWORDS.len()), q.clone()),
        };
        TokenKey { rank: token.separator_rank(), value }
    }
}

/// One element of the total sort key. A run of `.0` tokens is folded into the token after it
/// (`zeros`), because [`compare`] skips such a run against padding but not against a token.
/// Variants are in ascending order; `End` is the padding of the shorter key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortAtom {
    /// A token below the release (`-alpha`, `.rc`, `.ga`…).
    Below { zeros: usize, token: TokenKey },
    /// Padding.
    End,
    /// A token equal to its padding that is not a `.0` (`-ga` kept before a `.` list).
    Null { zeros: usize, token: TokenKey },
    /// A token above the release that is not a `.` number (`-1`, `-sp`, `.xyz`).
    Above { zeros: usize, token: TokenKey },
    /// A `.` number above zero; fewer zeros before it is greater.
    High { zeros: std::cmp::Reverse<usize>, number: (usize, String) },
}

/// The total sort key of a version: its first token, then [`SortAtom`]s.
fn sort_key(version: &str) -> (Option<TokenKey>, Vec<SortAtom>) {
    let tokens = tokenize(version);
    let mut iter = tokens.iter();
    let first = iter.next().map(TokenKey::of);
    let mut atoms = Vec::new();
    let mut zeros = 0usize;
    for token in iter {
        let is_zero = token.prefix == Prefix::Dot && matches!(&token.value, Value::Number(n) if n == "0");
        if is_zero {
            zeros += 1;
            continue;
        }
        let key = TokenKey::of(token);
        atoms.push(match (against_padding(token), &token.value) {
            (Ordering::Less, _) => SortAtom::Below { zeros, token: key },
            (Ordering::Equal, _) => SortAtom::Null { zeros, token: key },
            (Ordering::Greater, Value::Number(n)) if token.prefix == Prefix::Dot => {
                SortAtom::High { zeros: std::cmp::Reverse(zeros), number: (n.len(), n.clone()) }
            }
            (Ordering::Greater, _) => SortAtom::Above { zeros, token: key },
        });
        zeros = 0;
    }
    // A trailing run of zeros equals the padding (trimming leaves none; kept for safety).
    (first, atoms)
}

/// A total order for sorting Maven versions (transitive, antisymmetric, `Equal` only for
/// identical strings).
///
/// [`compare`] is not transitive even on real versions (Maven's own ComparableVersion has
/// `2.9.0.RC1 < 2.9.0 < 2.9.0-1 < 2.9.0.RC1`), so no total order agrees with it everywhere.
/// This one decides such cycles by the release: a part below the release (`-alpha`, `.RC1`,
/// `.M1`) sorts below one above it (`-1`, `-jre`, `.sp`) whatever their separators, so it
/// keeps `2.9.0.RC1 < 2.9.0 < 2.9.0-1`. Of osv-scanner's 14,854 Maven vectors it differs on
/// the 3 that lie on such a cycle (`2.9.0-1 < 2.9.0.RC1`). Ties fall back to byte order.
pub(crate) fn total_cmp(a: &str, b: &str) -> Ordering {
    let (left, right) = (sort_key(a), sort_key(b));
    left.0.cmp(&right.0).then_with(|| cmp_padded(&left.1, &right.1)).then_with(|| a.cmp(b))
}

/// Lexicographic order of two atom lists, the shorter padded with [`SortAtom::End`].
fn cmp_padded(a: &[SortAtom], b: &[SortAtom]) -> Ordering {
    let end = SortAtom::End;
    for i in 0..a.len().max(b.len()) {
        let order = a.get(i).unwrap_or(&end).cmp(b.get(i).unwrap_or(&end));
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ord(a: &str, b: &str) -> Ordering {
        compare(a, b)
    }

    #[test]
    fn qualifier_order() {
        let ascending =
            ["1-alpha1", "1-beta1", "1-milestone1", "1-rc1", "1-snapshot", "1", "1-sp", "1-abc", "1-xyz", "1-1"];
        for pair in ascending.windows(2) {
            if let [a, b] = pair {
                assert_eq!(ord(a, b), Ordering::Less, "{a} < {b}");
                assert_eq!(ord(b, a), Ordering::Greater, "{b} > {a}");
            }
        }
    }

    #[test]
    fn aliases_and_case() {
        assert_eq!(ord("1a1", "1-alpha-1"), Ordering::Equal);
        assert_eq!(ord("1B2", "1-beta-2"), Ordering::Equal);
        assert_eq!(ord("1m3", "1MILESTONE3"), Ordering::Equal);
        assert_eq!(ord("1cR", "1rC"), Ordering::Equal);
        assert_eq!(ord("1.RELEASE", "1"), Ordering::Equal);
        assert_eq!(ord("1.Final", "1-ga"), Ordering::Equal);
        // `a` not followed by digits is just the unknown qualifier `a`.
        assert_eq!(ord("1-a", "1a"), Ordering::Equal);
        assert_eq!(ord("1-a", "1-alpha"), Ordering::Greater);
    }

    #[test]
    fn trimming() {
        assert_eq!(ord("1.0.0-0.0.0", "1"), Ordering::Equal);
        assert_eq!(ord("1-ga-1", "1-1"), Ordering::Equal);
        assert_eq!(ord("1.0-1", "1-1"), Ordering::Equal);
        assert_eq!(ord("1.", "1-"), Ordering::Equal);
        assert_eq!(ord("", "0"), Ordering::Equal);
        assert_eq!(ord("0-final-ga", "0.0.0"), Ordering::Equal);
    }

    #[test]
    fn separators_and_padding() {
        assert_eq!(ord("1.0.0", "1.0-1"), Ordering::Less);
        assert_eq!(ord("2.0-1", "2.0.1"), Ordering::Less);
        assert_eq!(ord("2.0.1-xyz", "2.0.1-123"), Ordering::Less);
        assert_eq!(ord("1.sp", "1"), Ordering::Greater);
        assert_eq!(ord("1.alpha", "1"), Ordering::Less);
        // Padding compares as the string `0` against unknown qualifiers.
        assert_eq!(ord("1.xyz", "1"), Ordering::Greater);
        assert_eq!(ord("1.!", "1"), Ordering::Less);
    }

    #[test]
    fn long_numbers() {
        assert_eq!(ord("123456789012345678901234567890", "123456789012345678901234567891"), Ordering::Less);
        assert_eq!(ord("0000000000000000000000000000001", "1"), Ordering::Equal);
        assert_eq!(ord("20190126.230843", "1234567890.12345"), Ordering::Less);
    }

    #[test]
    fn odd_input() {
        for v in ["", "-", ".", "--..--", "é1é", "1é2", "İ", "\u{0}", "-1", ".1"] {
            assert_eq!(ord(v, v), Ordering::Equal, "{v:?}");
        }
        assert_eq!(ord("-1", "0-1"), Ordering::Equal);
    }

    proptest! {
        #[test]
        fn antisymmetric_on_arbitrary_strings(a in ".{0,40}", b in ".{0,40}") {
            prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
            prop_assert_eq!(compare(&a, &a), Ordering::Equal);
        }

        #[test]
        fn antisymmetric_on_version_like_strings(
            a in "[0-9abcmprsgtlfinAG.-]{0,24}",
            b in "[0-9abcmprsgtlfinAG.-]{0,24}",
        ) {
            prop_assert_eq!(compare(&a, &b), compare(&b, &a).reverse());
        }
    }
}
