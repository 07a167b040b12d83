//! PEP 440 ordering (PyPI), with the normalisation of PEP 440's "Normalization" section and
//! osv-scanner's ordering (`version-pypi.go`) for strings PEP 440 rejects.
//!
//! Valid versions are matched case-insensitively against the pattern of PEP 440, appendix B:
//! optional surrounding whitespace and leading `v`, epoch `N!`, release `N(.N)*`, pre-release
//! (`a`/`alpha`, `b`/`beta`, `rc`/`c`/`pre`/`preview`, optional separators `.-_` and implicit
//! number 0), post-release (`.postN`, `-N`, `rev`, `r`), development release (`.devN`) and local
//! version `+label`. They order by epoch, release (trailing zeros insignificant), then:
//! `X.devN < XaN < XbN < XrcN < X < X.postN`, where a `.devN` suffix sorts just before the same
//! version without it, then local versions: none first, then segment by segment (numbers by value
//! after words, words byte-wise), a longer local version after its prefix.
//!
//! Strings PEP 440 rejects are "legacy" versions and sort before every valid one, as in
//! osv-scanner and setuptools' old `parse_version`: runs of digits, of letters, `.` and `-` are
//! read as parts (`pre`, `preview` and `rc` as `c`, `dev` as `@`, `-` as `final-`), numbers are
//! zero-filled to eight digits and words prefixed with `*`, zero parts and `final-` parts that
//! precede a pre-release word are dropped, and the joined parts compare byte-wise.

use std::cmp::Ordering;

use super::semver::cmp_decimal;

/// Compares two versions; legacy (non-PEP 440) versions sort before all valid ones.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    match (Version::parse(a.as_bytes()), Version::parse(b.as_bytes())) {
        (Some(x), Some(y)) => x.compare(&y),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => legacy_key(a.as_bytes()).cmp(&legacy_key(b.as_bytes())),
    }
}

/// A valid version of a lower-cased string; numbers are runs of ASCII digits (empty means 0).
#[derive(Clone, Copy, Debug, Default)]
struct Version<'a> {
    epoch: &'a [u8],
    /// The release segment, `N(.N)*`.
    release: &'a [u8],
    /// The phase (`a`, `b` or `r` for rc) and number.
    pre: Option<(u8, &'a [u8])>,
    post: Option<&'a [u8]>,
    dev: Option<&'a [u8]>,
    /// The label after `+`, `[a-z0-9]+([-_.][a-z0-9]+)*`.
    local: Option<&'a [u8]>,
}

/// Pre-release spellings in the order the PEP 440 pattern tries them, with their phase.
const PRE_SPELLINGS: [(&[u8], u8); 8] = [
    (b"a", b'a'),
    (b"b", b'b'),
    (b"c", b'r'),
    (b"rc", b'r'),
    (b"alpha", b'a'),
    (b"beta", b'b'),
    (b"pre", b'r'),
    (b"preview", b'r'),
];

/// Post-release spellings in the order the PEP 440 pattern tries them.
const POST_SPELLINGS: [&[u8]; 3] = [b"post", b"rev", b"r"];

/// A backtracking matcher for the pattern of PEP 440, appendix B. Each stage tries its choices in
/// the pattern's order (optional parts present before absent) and hands over to the next stage, so
/// the first complete match is the one a regex engine would report. The pattern has a fixed number
/// of stages with at most a few dozen choices each, so the work is linear in the input.
struct Matcher<'a> {
    text: &'a [u8],
}

impl<'a> Version<'a> {
    fn parse(text: &'a [u8]) -> Option<Self> {
        let matcher = Matcher { text };
        let mut pos = matcher.skip_whitespace(0);
        if matcher.at(pos) == Some(b'v') {
            pos += 1;
        }
        let mut version = Version::default();
        let epoch_end = matcher.digits_end(pos);
        if epoch_end > pos && matcher.at(epoch_end) == Some(b'!') {
            version.epoch = matcher.slice(pos, epoch_end);
            pos = epoch_end + 1;
        }
        let release_start = pos;
        pos = matcher.digits_end(pos);
        if pos == release_start {
            return None;
        }
        while matcher.at(pos) == Some(b'.') && matcher.digits_end(pos + 1) > pos + 1 {
            pos = matcher.digits_end(pos + 1);
        }
        version.release = matcher.slice(release_start, pos);
        matcher.pre(pos, version)
    }

    fn compare(&self, other: &Self) -> Ordering {
        cmp_decimal(self.epoch, other.epoch)
            .then_with(|| compare_release(self.release, other.release))
            .then_with(|| self.pre_key().cmp(&other.pre_key()))
            .then_with(|| compare_optional_number(self.post, other.post))
            // A development release sorts before the same version without one.
            .then_with(|| match (self.dev, other.dev) {
                (Some(x), Some(y)) => cmp_decimal(x, y),
                (x, y) => y.is_some().cmp(&x.is_some()),
            })
            .then_with(|| compare_local(self.local.unwrap_or_default(), other.local.unwrap_or_default()))
    }

    /// Orders the pre-release part: a development release of a final release (`1.0.dev0`) before
    /// any pre-release, pre-releases by phase and number, then no pre-release.
    fn pre_key(&self) -> (u8, u8, PreNumber<'a>) {
        match self.pre {
            None if self.post.is_none() && self.dev.is_some() => (0, 0, PreNumber(b"")),
            Some((phase, number)) => (1, phase, PreNumber(number)),
            None => (2, 0, PreNumber(b"")),
        }
    }
}

/// A pre-release number, ordered by value.
#[derive(PartialEq, Eq)]
struct PreNumber<'a>(&'a [u8]);

impl PartialOrd for PreNumber<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PreNumber<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_decimal(self.0, other.0)
    }
}

impl<'a> Matcher<'a> {
    fn at(&self, pos: usize) -> Option<u8> {
        self.text.get(pos).copied()
    }

    fn slice(&self, start: usize, end: usize) -> &'a [u8] {
        self.text.get(start..end).unwrap_or_default()
    }

    fn rest(&self, pos: usize) -> &'a [u8] {
        self.text.get(pos..).unwrap_or_default()
    }

    fn digits_end(&self, pos: usize) -> usize {
        pos + self.rest(pos).iter().take_while(|c| c.is_ascii_digit()).count()
    }

    fn skip_whitespace(&self, pos: usize) -> usize {
        // RE2's `\s` is `[\t\n\f\r ]`, the same set as `is_ascii_whitespace`.
        pos + self.rest(pos).iter().take_while(|c| c.is_ascii_whitespace()).count()
    }

    /// `[-_\.]?`: positions after taking a separator (when there is one), then after not.
    fn optional_separator(&self, pos: usize) -> impl Iterator<Item = usize> {
        let taken = matches!(self.at(pos), Some(b'-' | b'_' | b'.')).then_some(pos + 1);
        taken.into_iter().chain(std::iter::once(pos))
    }

    /// `(?P<n>[0-9]+)?`: the number and the position after it, then no number.
    fn optional_number(&self, pos: usize) -> impl Iterator<Item = (Option<&'a [u8]>, usize)> {
        let end = self.digits_end(pos);
        let taken = (end > pos).then(|| (Some(self.slice(pos, end)), end));
        taken.into_iter().chain(std::iter::once((None, pos)))
    }

    /// `(?P<pre>[-_\.]?(?P<pre_l>…)[-_\.]?(?P<pre_n>[0-9]+)?)?`
    fn pre(&self, pos: usize, version: Version<'a>) -> Option<Version<'a>> {
        for start in self.optional_separator(pos) {
            for (spelling, phase) in PRE_SPELLINGS {
                if !self.rest(start).starts_with(spelling) {
                    continue;
                }
                for number_start in self.optional_separator(start + spelling.len()) {
                    for (number, next) in self.optional_number(number_start) {
                        let pre = Some((phase, number.unwrap_or_default()));
                        if let Some(found) = self.post(next, Version { pre, ..version }) {
                            return Some(found);
                        }
                    }
                }
            }
        }
        self.post(pos, version)
    }

    /// `(?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_\.]?(?P<post_l>post|rev|r)[-_\.]?(?P<post_n2>[0-9]+)?))?`
    fn post(&self, pos: usize, version: Version<'a>) -> Option<Version<'a>> {
        if self.at(pos) == Some(b'-') {
            let end = self.digits_end(pos + 1);
            if end > pos + 1 {
                let post = Some(self.slice(pos + 1, end));
                if let Some(found) = self.dev(end, Version { post, ..version }) {
                    return Some(found);
                }
            }
        }
        for start in self.optional_separator(pos) {
            for spelling in POST_SPELLINGS {
                if !self.rest(start).starts_with(spelling) {
                    continue;
                }
                for number_start in self.optional_separator(start + spelling.len()) {
                    for (number, next) in self.optional_number(number_start) {
                        let post = Some(number.unwrap_or_default());
                        if let Some(found) = self.dev(next, Version { post, ..version }) {
                            return Some(found);
                        }
                    }
                }
            }
        }
        self.dev(pos, version)
    }

    /// `(?P<dev>[-_\.]?(?P<dev_l>dev)[-_\.]?(?P<dev_n>[0-9]+)?)?`
    fn dev(&self, pos: usize, version: Version<'a>) -> Option<Version<'a>> {
        for start in self.optional_separator(pos) {
            if !self.rest(start).starts_with(b"dev") {
                continue;
            }
            for number_start in self.optional_separator(start + 3) {
                for (number, next) in self.optional_number(number_start) {
                    let dev = Some(number.unwrap_or_default());
                    if let Some(found) = self.local(next, Version { dev, ..version }) {
                        return Some(found);
                    }
                }
            }
        }
        self.local(pos, version)
    }

    /// `(?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?\s*$`. Only whitespace may follow a local
    /// label, so its longest match is the only one that can succeed.
    fn local(&self, pos: usize, version: Version<'a>) -> Option<Version<'a>> {
        let is_label_char = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if self.at(pos) == Some(b'+') && is_label_char(self.at(pos + 1)) {
            let mut end = pos + 1;
            loop {
                while is_label_char(self.at(end)) {
                    end += 1;
                }
                if matches!(self.at(end), Some(b'-' | b'_' | b'.')) && is_label_char(self.at(end + 1)) {
                    end += 1;
                } else {
                    break;
                }
            }
            let local = Some(self.slice(pos + 1, end));
            if self.is_end(end) {
                return Some(Version { local, ..version });
            }
        }
        self.is_end(pos).then_some(version)
    }

    fn is_end(&self, pos: usize) -> bool {
        self.skip_whitespace(pos) == self.text.len()
    }
}

/// Release segments compare component by component, the shorter padded with zeros.
fn compare_release(a: &[u8], b: &[u8]) -> Ordering {
    let mut a = a.split(|&c| c == b'.');
    let mut b = b.split(|&c| c == b'.');
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (x, y) => match cmp_decimal(x.unwrap_or_default(), y.unwrap_or_default()) {
                Ordering::Equal => {}
                unequal => return unequal,
            },
        }
    }
}

/// Absent sorts before present; present numbers by value.
fn compare_optional_number(a: Option<&[u8]>, b: Option<&[u8]>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => cmp_decimal(x, y),
    }
}

/// PEP 440, "Local version identifiers": segments split on `.`, `-` and `_`; all-digit segments by
/// value and after words, words byte-wise; a longer label after its prefix.
fn compare_local(a: &[u8], b: &[u8]) -> Ordering {
    fn segments(label: &[u8]) -> Vec<&[u8]> {
        if label.is_empty() { Vec::new() } else { label.split(|c| matches!(c, b'.' | b'-' | b'_')).collect() }
    }
    let (a, b) = (segments(a), segments(b));
    let is_number = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    a.iter()
        .zip(&b)
        .map(|(x, y)| match (is_number(x), is_number(y)) {
            (true, true) => cmp_decimal(x, y),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => x.cmp(y),
        })
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.len().cmp(&b.len()))
}

/// The sort key of a legacy version (osv-scanner's `parsePyPIVersionParts`, after setuptools'
/// pre-PEP 440 `parse_version`), from the lower-cased string.
fn legacy_key(text: &[u8]) -> Vec<u8> {
    const ZERO: &[u8] = b"00000000";
    const FINAL_DASH: &[u8] = b"*final-";
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for token in legacy_tokens(text).chain(std::iter::once(&b"final"[..])) {
        if token == b"." {
            continue;
        }
        let part = legacy_part(token);
        if part.first() == Some(&b'*') {
            if part.as_slice() < b"*final".as_slice() {
                while parts.last().is_some_and(|last| last == FINAL_DASH) {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|last| last == ZERO) {
                parts.pop();
            }
        }
        parts.push(part);
    }
    parts.concat()
}

/// The matches of `\d+|[a-z]+|\.|-`, left to right; other characters are skipped.
fn legacy_tokens(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            let (&first, tail) = rest.split_first()?;
            let len = if first.is_ascii_digit() {
                rest.iter().take_while(|c| c.is_ascii_digit()).count()
            } else if first.is_ascii_lowercase() {
                rest.iter().take_while(|c| c.is_ascii_lowercase()).count()
            } else if first == b'.' || first == b'-' {
                1
            } else {
                rest = tail;
                continue;
            };
            let (token, tail) = rest.split_at(len);
            rest = tail;
            return Some(token);
        }
    })
}

/// One legacy part: spellings normalised, numbers zero-filled to eight digits (as Go's `%08s`
/// and Python's `zfill(8)` do), words prefixed with `*` so that they sort before numbers.
fn legacy_part(token: &[u8]) -> Vec<u8> {
    let word: &[u8] = match token {
        b"pre" | b"preview" | b"rc" => b"c",
        b"-" => b"final-",
        b"dev" => b"@",
        other => other,
    };
    if word.first().is_some_and(u8::is_ascii_digit) {
        let mut part = vec![b'0'; 8usize.saturating_sub(word.len())];
        part.extend_from_slice(word);
        part
    } else {
        let mut part = Vec::with_capacity(word.len() + 1);
        part.push(b'*');
        part.extend_from_slice(word);
        part
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

    fn assert_ascending(chain: &[&str]) {
        for pair in chain.windows(2) {
            if let [a, b] = pair {
                assert_order(a, Ordering::Less, b);
            }
        }
    }

    #[test]
    fn pep440_summary_ordering() {
        // PEP 440, "Summary of permitted suffixes and relative ordering".
        assert_ascending(&[
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ]);
    }

    #[test]
    fn normalisation_of_spellings_separators_and_case() {
        assert_order("1.0alpha1", Ordering::Equal, "1.0a1");
        assert_order("1.0-BETA.2", Ordering::Equal, "1.0b2");
        assert_order("1.0c1", Ordering::Equal, "1.0rc1");
        assert_order("1.0_pre_1", Ordering::Equal, "1.0rc1");
        assert_order("1.0preview1", Ordering::Equal, "1.0rc1");
        assert_order("1.0a", Ordering::Equal, "1.0a0");
        assert_order("1.0-1", Ordering::Equal, "1.0.post1");
        assert_order("1.0rev1", Ordering::Equal, "1.0.post1");
        assert_order("1.0-r", Ordering::Equal, "1.0.post0");
        assert_order("1.0.DEV", Ordering::Equal, "1.0.dev0");
        assert_order(" v1.0 \n", Ordering::Equal, "1.0");
        assert_order("V1.0+Ubuntu-1", Ordering::Equal, "1.0+ubuntu.1");
        assert_order("1.0.0", Ordering::Equal, "1");
        assert_order("0!1.0", Ordering::Equal, "1.0");
        assert_order("01.002", Ordering::Equal, "1.2");
    }

    #[test]
    fn epochs_dominate() {
        assert_order("1!0.1", Ordering::Greater, "2024.1");
        assert_order("1!1.0", Ordering::Less, "2!1.0");
    }

    #[test]
    fn ambiguous_suffixes_resolve_like_the_pep_440_pattern() {
        // `-1` after a pre-release spelling is its number, not a post-release.
        assert_order("1.0a-1", Ordering::Equal, "1.0a1");
        assert_order("1.0a1-1", Ordering::Equal, "1.0a1.post1");
        // `r` alone is a post-release, `rc` a pre-release.
        assert_order("1.0r1", Ordering::Greater, "1.0");
        assert_order("1.0rc1", Ordering::Less, "1.0");
        // A trailing separator after a spelling is allowed.
        assert_order("1.0a-", Ordering::Equal, "1.0a0");
    }

    #[test]
    fn local_versions() {
        assert_order("1.0.0+local", Ordering::Greater, "1.0.0");
        assert_order("1.0.0+local.0", Ordering::Less, "1.0.0+local.0.1");
        assert_order("1.0.0+local.a", Ordering::Less, "1.0.0+local.1");
        assert_order("1.0+10", Ordering::Greater, "1.0+9");
        assert_order("1.0+010", Ordering::Equal, "1.0+10");
    }

    #[test]
    fn huge_numbers_compare_by_value() {
        let big = "999999999999999999999999999999";
        assert_order("999999999999999999999999999991", Ordering::Less, big);
        assert_order(&format!("{big}!1"), Ordering::Greater, "99!1");
        assert_order(&format!("1.0.dev{big}"), Ordering::Greater, "1.0.dev1");
        assert_order(&format!("1.0+{big}0"), Ordering::Greater, &format!("1.0+{big}"));
    }

    #[test]
    fn legacy_versions_sort_before_valid_ones() {
        assert_order("-class.-jw.util.version.version-dev", Ordering::Less, "0");
        assert_order("0.3m1", Ordering::Less, "0.0.0.dev0");
        assert_order("", Ordering::Less, "0");
        assert_order("1.0 final", Ordering::Less, "1.0");
        assert_ascending(&["0.1-bulbasaur", "0.1-charmander", "0.9-doduo", "0.9-eevee"]);
    }

    #[test]
    fn legacy_versions_follow_setuptools_parts() {
        // Numbers by value (zero-filled), words before numbers, trailing zeros dropped.
        assert_order("0.3m2", Ordering::Less, "0.3m10");
        assert_order("0.3m1", Ordering::Greater, "0.3a1x");
        assert_order("1.0.0m", Ordering::Equal, "1m");
        // `pre`, `preview` and `rc` are `c`; `dev` sorts before every word.
        assert_order("1pre1x", Ordering::Equal, "1c1x");
        assert_order("1.0.dev.x", Ordering::Less, "1.0.a.x");
        // A `-` is `final-`, dropped before a pre-release word.
        assert_order("1-dev-x", Ordering::Equal, "1dev-x");
        assert_order("1-foo", Ordering::Less, "1foo");
        assert_order("1-foo", Ordering::Greater, "1 final");
    }

    /// Strings shaped like versions, valid and not, so that the interesting branches are reached.
    const VERSION_LIKE: &str = "[ v]?([0-9]!)?[0-9]{1,2}(\\.[0-9]{1,2}){0,3}([-_.]?(a|b|c|rc|alpha|pre|post|r|rev|dev|x)[-_.]?[0-9]?){0,3}(\\+[a-z0-9]{1,3}([-_.][a-z0-9]{1,2}){0,2})?[ -]?";

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
