//! The detector: gitleaks' detection over one fragment.
//!
//! 1. A fragment whose path (or commit) a global allowlist excludes is skipped.
//! 2. One case-insensitive Aho-Corasick pass over every rule's keywords: a rule with keywords
//!    runs only on a fragment that contains one of them; a rule without runs everywhere.
//! 3. A rule's regex runs over the whole fragment; every non-empty match is a candidate. The
//!    secret is the `secretGroup`, else the first non-empty capture group, else the match.
//!    A line holding `gitleaks:allow` is skipped, as in gitleaks.
//! 4. Entropy: with a threshold, a secret whose Shannon entropy is not above it is dropped;
//!    for rules whose id starts with `generic`, a secret without a digit is dropped too (gitleaks
//!    8.x's rule).
//! 5. Allowlists (the global ones that target the rule, then the rule's): regexes against the
//!    secret, match or line; paths; commits; stop words in the secret; `OR` or `AND`.
//! 6. Decoding: base64, hex and percent-encoded segments that decode to text are scanned again,
//!    up to [`Options::max_decode_depth`] levels and [`Options::max_decoded_bytes`] bytes; a
//!    finding in decoded text is placed at the encoded segment and lists the encodings.
//!
//! Lines are 1-based; columns are 1-based byte columns, the end column inclusive. With
//! [`crate::fragment::Origin::line_offset`] = `n`, line `l` of the fragment is reported as
//! `n + l - 1` (a value decoded out of a manifest keeps the manifest's line).

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use base64::Engine as _;
use regex::bytes::Regex;

use crate::config::{Config, GlobalAllowlist};
use crate::finding::{Finding, fingerprint};
use crate::fragment::{Fragment, Origin};
use crate::rule::{Allowlist, Condition, RegexTarget, Rule};

/// Detection bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// How many layers of encoding are peeled off (0: no decoding). Default 5.
    pub max_decode_depth: usize,
    /// Most decoded bytes scanned per fragment, over all levels. Default 4 MiB.
    pub max_decoded_bytes: usize,
    /// Most findings reported per fragment (the rest are dropped). Default 1,000.
    pub max_findings_per_fragment: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { max_decode_depth: 5, max_decoded_bytes: 4 * 1024 * 1024, max_findings_per_fragment: 1000 }
    }
}

/// A compiled rule set, shareable between threads.
#[derive(Debug)]
pub struct Detector {
    rules: Vec<Rule>,
    global: Vec<GlobalAllowlist>,
    keywords: Option<AhoCorasick>,
    /// Keyword pattern id → the rules it selects.
    keyword_rules: Vec<Vec<usize>>,
    /// Rules without keywords.
    always: Vec<usize>,
    options: Options,
}

/// A match's place in the fragment.
#[derive(Debug, Clone, Copy)]
struct Place {
    start_line: usize,
    end_line: usize,
    start_column: usize,
    end_column: usize,
    /// Byte range of the whole line(s).
    line_start: usize,
    line_end: usize,
}

/// What a rule matched: the whole match, the secret in it and the secret's entropy.
struct Candidate {
    matched: String,
    secret: String,
    entropy: f64,
}

/// Line starts of a fragment, computed on the first finding.
struct Lines<'a> {
    bytes: &'a [u8],
    newlines: Option<Vec<usize>>,
}

impl Lines<'_> {
    fn place(&mut self, start: usize, end: usize) -> Place {
        let bytes = self.bytes;
        let newlines = self.newlines.get_or_insert_with(|| memchr::memchr_iter(b'\n', bytes).collect());
        let line_of = |at: usize| newlines.partition_point(|&n| n < at);
        let start_line = line_of(start);
        let last = end.saturating_sub(1).max(start);
        let end_line = line_of(last);
        let line_start = if start_line == 0 { 0 } else { newlines.get(start_line - 1).map_or(0, |n| n + 1) };
        let end_line_start = if end_line == 0 { 0 } else { newlines.get(end_line - 1).map_or(0, |n| n + 1) };
        let line_end = newlines.get(end_line).copied().unwrap_or(bytes.len());
        Place {
            start_line: start_line + 1,
            end_line: end_line + 1,
            start_column: start - line_start + 1,
            end_column: (last - end_line_start + 1).max(1),
            line_start,
            line_end,
        }
    }
}

static BASE64: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/_\-]{16,}={0,2}").ok());
static HEX: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"[0-9A-Fa-f]{32,}").ok());
static PERCENT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9._~\-]*(?:%[0-9A-Fa-f]{2}[A-Za-z0-9._~\-]*){3,}").ok());

/// An encoding: its name, the segments that may hold it, and how to decode one.
type Decoder = (&'static str, &'static LazyLock<Option<Regex>>, fn(&[u8]) -> Option<Vec<u8>>);

/// Shannon entropy (bits per character) of `s`, over its characters as gitleaks counts runes.
#[must_use]
pub fn shannon_entropy(s: &str) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts: std::collections::HashMap<char, usize> = std::collections::HashMap::new();
    let mut total = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
        total += 1;
    }
    let n = total as f64;
    counts.values().map(|&c| c as f64 / n).map(|p| -p * p.log2()).sum()
}

impl Detector {
    /// Compiles `config` (its patterns are already compiled; this builds the keyword index).
    #[must_use]
    pub fn new(config: Config, options: Options) -> Detector {
        let mut words: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (i, rule) in config.rules.iter().enumerate() {
            if rule.keywords.is_empty() {
                always.push(i);
                continue;
            }
            for k in &rule.keywords {
                match words.iter().position(|w| w == k) {
                    Some(at) => {
                        if let Some(list) = keyword_rules.get_mut(at)
                            && !list.contains(&i)
                        {
                            list.push(i);
                        }
                    }
                    None => {
                        words.push(k.clone());
                        keyword_rules.push(vec![i]);
                    }
                }
            }
        }
        let keywords = if words.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new().ascii_case_insensitive(true).match_kind(MatchKind::Standard).build(&words).ok()
        };
        Detector { rules: config.rules, global: config.allowlists, keywords, keyword_rules, always, options }
    }

    /// The rules, in configuration order.
    #[must_use]
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The options.
    #[must_use]
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Whether a global allowlist excludes this path outright (targets skip such files
    /// without reading them).
    #[must_use]
    pub fn path_allowed(&self, path: &str) -> bool {
        self.global.iter().any(|g| {
            g.target_rules.is_empty()
                && !g.allowlist.paths.is_empty()
                && g.allowlist.paths.iter().any(|p| p.is_match(path.as_bytes()))
                && (g.allowlist.condition == Condition::Or
                    || (g.allowlist.regexes.is_empty()
                        && g.allowlist.stopwords.is_empty()
                        && g.allowlist.commits.is_empty()))
        })
    }

    fn commit_allowed(&self, commit: Option<&str>) -> bool {
        let Some(commit) = commit else { return false };
        self.global.iter().any(|g| {
            g.target_rules.is_empty()
                && g.allowlist.condition == Condition::Or
                && g.allowlist.commits.iter().any(|c| c == commit)
        })
    }

    /// The findings of one fragment, in order of position then rule.
    #[must_use]
    pub fn detect(&self, fragment: Fragment<'_>) -> Vec<Finding> {
        let origin = fragment.origin;
        if self.path_allowed(&origin.path) || self.commit_allowed(origin.commit.as_ref().map(|c| c.id.as_str())) {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut budget = self.options.max_decoded_bytes;
        self.detect_level(fragment.bytes, origin, 0, &mut budget, &mut out, None, &[]);
        out.sort_by(|a, b| {
            (a.start_line, a.start_column, &a.rule, a.decoded.len()).cmp(&(
                b.start_line,
                b.start_column,
                &b.rule,
                b.decoded.len(),
            ))
        });
        // A secret found both as written and decoded at the same place is reported once.
        out.dedup_by(|b, a| a.start_line == b.start_line && a.rule == b.rule && a.secret == b.secret);
        // As gitleaks' `filter`: a `generic*` finding gives way to a specific rule's finding on
        // the same line whose secret contains it.
        let generic = |f: &Finding| f.gitleaks_id.to_lowercase().contains("generic");
        let keep: Vec<bool> = out
            .iter()
            .map(|f| {
                !generic(f)
                    || !out.iter().any(|o| {
                        o.start_line == f.start_line
                            && o.gitleaks_id != f.gitleaks_id
                            && !generic(o)
                            && o.secret.contains(f.secret.as_str())
                    })
            })
            .collect();
        let mut flags = keep.into_iter();
        out.retain(|_| flags.next().unwrap_or(true));
        out.truncate(self.options.max_findings_per_fragment);
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn detect_level(
        &self,
        bytes: &[u8],
        origin: &Origin,
        depth: usize,
        budget: &mut usize,
        out: &mut Vec<Finding>,
        at: Option<Place>,
        encodings: &[String],
    ) {
        if out.len() >= self.options.max_findings_per_fragment {
            return;
        }
        let mut selected = vec![false; self.rules.len()];
        for &i in &self.always {
            if let Some(s) = selected.get_mut(i) {
                *s = true;
            }
        }
        if let Some(ac) = &self.keywords {
            let mut seen = vec![false; self.keyword_rules.len()];
            let mut left = seen.len();
            for m in ac.find_overlapping_iter(bytes) {
                let id = m.pattern().as_usize();
                if let Some(s) = seen.get_mut(id)
                    && !*s
                {
                    *s = true;
                    left -= 1;
                    for &r in self.keyword_rules.get(id).map(Vec::as_slice).unwrap_or_default() {
                        if let Some(s) = selected.get_mut(r) {
                            *s = true;
                        }
                    }
                    if left == 0 {
                        break;
                    }
                }
            }
        }
        let mut lines = Lines { bytes, newlines: None };
        for (index, rule) in self.rules.iter().enumerate() {
            if !selected.get(index).copied().unwrap_or(false) {
                continue;
            }
            self.detect_rule(rule, bytes, origin, depth, &mut lines, out, at, encodings);
        }
        if depth < self.options.max_decode_depth && *budget > 0 {
            self.decode_and_scan(bytes, origin, depth, budget, out, at, encodings, &mut lines);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn detect_rule(
        &self,
        rule: &Rule,
        bytes: &[u8],
        origin: &Origin,
        depth: usize,
        lines: &mut Lines<'_>,
        out: &mut Vec<Finding>,
        at: Option<Place>,
        encodings: &[String],
    ) {
        if let Some(path) = &rule.path {
            if !path.is_match(origin.path.as_bytes()) {
                return;
            }
            if rule.regex.is_none() {
                if depth == 0 && !rule.skip_report {
                    let matched = format!("file detected: {}", origin.path);
                    let place = Place {
                        start_line: 0,
                        end_line: 0,
                        start_column: 0,
                        end_column: 0,
                        line_start: 0,
                        line_end: 0,
                    };
                    if !self.allowed(rule, "", &matched, b"", origin) {
                        let found = Candidate { matched, secret: String::new(), entropy: 0.0 };
                        out.push(self.finding(rule, origin, place, found, encodings));
                    }
                }
                return;
            }
        }
        let Some(regex) = &rule.regex else { return };
        let groups = regex.captures_len() > 1;
        let mut emit = |start: usize, end: usize, secret_range: (usize, usize), out: &mut Vec<Finding>| {
            if end <= start || out.len() >= self.options.max_findings_per_fragment {
                return;
            }
            let place = lines.place(start, end);
            let line = bytes.get(place.line_start..place.line_end).unwrap_or_default();
            if memchr::memmem::find(line, b"gitleaks:allow").is_some() {
                return;
            }
            let matched = String::from_utf8_lossy(bytes.get(start..end).unwrap_or_default()).into_owned();
            let secret =
                String::from_utf8_lossy(bytes.get(secret_range.0..secret_range.1).unwrap_or_default()).into_owned();
            let entropy = shannon_entropy(&secret);
            if let Some(threshold) = rule.entropy {
                if entropy <= threshold {
                    return;
                }
                if rule.gitleaks_id.starts_with("generic") && !secret.bytes().any(|b| b.is_ascii_digit()) {
                    return;
                }
            }
            if self.allowed(rule, &secret, &matched, line, origin) || rule.skip_report {
                return;
            }
            let place = at.unwrap_or(place);
            out.push(self.finding(rule, origin, place, Candidate { matched, secret, entropy }, encodings));
        };
        if groups {
            for caps in regex.captures_iter(bytes) {
                let Some(whole) = caps.get(0) else { continue };
                let secret = match rule.secret_group {
                    Some(g) => caps.get(g).map(|m| (m.start(), m.end())),
                    None => (1..caps.len())
                        .find_map(|g| caps.get(g).filter(|m| !m.is_empty()))
                        .map(|m| (m.start(), m.end())),
                }
                .unwrap_or((whole.start(), whole.end()));
                emit(whole.start(), whole.end(), secret, out);
            }
        } else {
            for m in regex.find_iter(bytes) {
                emit(m.start(), m.end(), (m.start(), m.end()), out);
            }
        }
    }

    fn finding(&self, rule: &Rule, origin: &Origin, place: Place, found: Candidate, encodings: &[String]) -> Finding {
        let Candidate { matched, secret, entropy } = found;
        let shift = |line: usize| match origin.line_offset {
            Some(n) if line > 0 => n + line - 1,
            _ => line,
        };
        let start_line = shift(place.start_line);
        let commit = origin.commit.as_ref().map(|c| c.id.as_str());
        Finding {
            rule: rule.id.clone(),
            gitleaks_id: rule.gitleaks_id.clone(),
            description: rule.description.clone(),
            start_line,
            end_line: shift(place.end_line),
            start_column: place.start_column,
            end_column: place.end_column,
            entropy,
            matched,
            secret,
            file: origin.path.clone(),
            symlink_file: origin.symlink.clone(),
            commit: origin.commit.clone(),
            layer: origin.layer.clone(),
            object: origin.object.clone(),
            tags: rule.tags.clone(),
            decoded: encodings.to_vec(),
            fingerprint: fingerprint(commit, &origin.path, &rule.gitleaks_id, start_line),
        }
    }

    /// Whether an allowlist (global ones targeting the rule, then the rule's) allows a
    /// candidate.
    fn allowed(&self, rule: &Rule, secret: &str, matched: &str, line: &[u8], origin: &Origin) -> bool {
        let commit = origin.commit.as_ref().map(|c| c.id.as_str());
        let globals = self
            .global
            .iter()
            .filter(|g| g.target_rules.is_empty() || g.target_rules.contains(&rule.gitleaks_id))
            .map(|g| &g.allowlist);
        globals.chain(rule.allowlists.iter()).any(|a| allowlist_matches(a, secret, matched, line, &origin.path, commit))
    }

    #[allow(clippy::too_many_arguments)]
    fn decode_and_scan(
        &self,
        bytes: &[u8],
        origin: &Origin,
        depth: usize,
        budget: &mut usize,
        out: &mut Vec<Finding>,
        at: Option<Place>,
        encodings: &[String],
        lines: &mut Lines<'_>,
    ) {
        let decoders: [Decoder; 3] =
            [("percent", &PERCENT, decode_percent), ("hex", &HEX, decode_hex), ("base64", &BASE64, decode_base64)];
        for (name, pattern, decode) in decoders {
            let Some(pattern) = pattern.as_ref() else { continue };
            for m in pattern.find_iter(bytes) {
                if *budget == 0 {
                    return;
                }
                let Some(decoded) = decode(m.as_bytes()) else { continue };
                if decoded.len() < 4 || !is_text(&decoded) || decoded.as_slice() == m.as_bytes() {
                    continue;
                }
                let take = decoded.len().min(*budget);
                *budget -= take;
                let decoded = decoded.get(..take).unwrap_or_default();
                let place = at.unwrap_or_else(|| lines.place(m.start(), m.end()));
                let mut chain = encodings.to_vec();
                chain.push(name.to_owned());
                self.detect_level(decoded, origin, depth + 1, budget, out, Some(place), &chain);
            }
        }
    }
}

fn allowlist_matches(
    a: &Allowlist,
    secret: &str,
    matched: &str,
    line: &[u8],
    path: &str,
    commit: Option<&str>,
) -> bool {
    let target: &[u8] = match a.regex_target {
        RegexTarget::Secret => secret.as_bytes(),
        RegexTarget::Match => matched.as_bytes(),
        RegexTarget::Line => line,
    };
    let checks = [
        (!a.commits.is_empty()).then(|| commit.is_some_and(|c| a.commits.iter().any(|x| x == c))),
        (!a.paths.is_empty()).then(|| a.paths.iter().any(|p| p.is_match(path.as_bytes()))),
        (!a.regexes.is_empty()).then(|| a.regexes.iter().any(|r| r.is_match(target))),
        (!a.stopwords.is_empty()).then(|| {
            let lower = secret.to_lowercase();
            a.stopwords.iter().any(|w| lower.contains(w.as_str()))
        }),
    ];
    let mut given = checks.iter().flatten().peekable();
    if given.peek().is_none() {
        return false;
    }
    match a.condition {
        Condition::Or => given.any(|c| *c),
        Condition::And => given.all(|c| *c),
    }
}

/// Decoded bytes count as text when they are printable ASCII or whitespace, or valid UTF-8
/// without control characters.
fn is_text(bytes: &[u8]) -> bool {
    if bytes.iter().all(|b| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7e)) {
        return true;
    }
    std::str::from_utf8(bytes).is_ok_and(|s| s.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r')))
}

fn decode_base64(segment: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let config = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let url = segment.iter().any(|b| matches!(b, b'-' | b'_'));
    let standard = segment.iter().any(|b| matches!(b, b'+' | b'/'));
    if url && standard {
        return None;
    }
    let engine = if url {
        GeneralPurpose::new(&base64::alphabet::URL_SAFE, config)
    } else {
        GeneralPurpose::new(&base64::alphabet::STANDARD, config)
    };
    let trimmed: &[u8] = {
        let end = segment.iter().rposition(|b| *b != b'=').map_or(0, |p| p + 1);
        segment.get(..end).unwrap_or_default()
    };
    // A length that cannot be base64 (4n+1): drop the last character, as a partial segment.
    let usable = if trimmed.len() % 4 == 1 { trimmed.get(..trimmed.len() - 1).unwrap_or_default() } else { trimmed };
    engine.decode(usable).ok()
}

fn decode_hex(segment: &[u8]) -> Option<Vec<u8>> {
    let even = segment.get(..segment.len() & !1).unwrap_or_default();
    even.chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

fn decode_percent(segment: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(segment.len());
    let mut i = 0;
    while let Some(&b) = segment.get(i) {
        if b == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector(toml: &str) -> Detector {
        Detector::new(Config::from_toml("t.toml", toml).unwrap_or_else(|e| panic!("{e}")), Options::default())
    }

    fn scan(d: &Detector, path: &str, text: &str) -> Vec<Finding> {
        let origin = Origin { path: path.into(), ..Origin::default() };
        d.detect(Fragment { bytes: text.as_bytes(), origin: &origin })
    }

    const RULE: &str = "[[rules]]\nid = \"tok\"\nregex = '''tok_([A-Z0-9]{12})'''\nkeywords = [\"TOK_\"]\n";

    #[test]
    fn positions_secret_group_and_fingerprint() {
        let d = detector(RULE);
        let f = scan(&d, "a/b.txt", "first\nx = tok_ABCDEFGH1234\n");
        assert_eq!(f.len(), 1);
        let f = &f[0];
        assert_eq!((f.start_line, f.end_line, f.start_column, f.end_column), (2, 2, 5, 20));
        assert_eq!(f.secret, "ABCDEFGH1234");
        assert_eq!(f.matched, "tok_ABCDEFGH1234");
        assert_eq!(f.fingerprint, "a/b.txt:tok:2");
    }

    #[test]
    fn keywords_gate_rules_and_inline_allow_skips() {
        let d = detector("[[rules]]\nid = \"x\"\nregex = '''[A-Z]{12}'''\nkeywords = [\"needle\"]\n");
        assert!(scan(&d, "f", "ABCDEFGHIJKL\n").is_empty());
        assert_eq!(scan(&d, "f", "NEEDLE ABCDEFGHIJKL\n").len(), 1);
        assert!(scan(&d, "f", "needle ABCDEFGHIJKL # gitleaks:allow\n").is_empty());
    }

    #[test]
    fn entropy_and_allowlists() {
        let d = detector(
            "[[rules]]\nid = \"generic-x\"\nregex = '''key=(\\w+)'''\nentropy = 2.0\n[[rules.allowlists]]\nstopwords = [\"example\"]\n[[rules.allowlists]]\nregexTarget = \"line\"\nregexes = ['''ignore-me''']\n",
        );
        assert!(scan(&d, "f", "key=aaaaaaaa1\n").is_empty(), "low entropy");
        assert!(scan(&d, "f", "key=abcdefghij\n").is_empty(), "generic without a digit");
        assert_eq!(scan(&d, "f", "key=abcdefgh12\n").len(), 1);
        assert!(scan(&d, "f", "key=Example123xyz\n").is_empty(), "stop word");
        assert!(scan(&d, "f", "key=abcdefgh12 ignore-me\n").is_empty(), "line allowlist");
    }

    #[test]
    fn and_condition_needs_every_check() {
        let d = detector(&format!(
            "{RULE}[[rules.allowlists]]\ncondition = \"AND\"\npaths = ['''test''']\nregexes = ['''^A''']\n"
        ));
        assert!(scan(&d, "test/x", "tok_ABCDEFGH1234").is_empty());
        assert_eq!(scan(&d, "src/x", "tok_ABCDEFGH1234").len(), 1);
        assert_eq!(scan(&d, "test/x", "tok_BBCDEFGH1234").len(), 1);
    }

    #[test]
    fn global_paths_and_path_only_rules() {
        let d = detector(&format!(
            "{RULE}[[rules]]\nid = \"p12\"\npath = '''\\.p12$'''\n[allowlist]\npaths = ['''vendor/''']\n"
        ));
        assert!(d.path_allowed("vendor/x.txt"));
        assert!(scan(&d, "vendor/x.txt", "tok_ABCDEFGH1234").is_empty());
        let f = scan(&d, "keys/a.p12", "binary");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].matched, "file detected: keys/a.p12");
    }

    #[test]
    fn encoded_secrets_are_found_at_the_encoded_place() {
        let d = detector(RULE);
        let encoded = base64::engine::general_purpose::STANDARD.encode("token: tok_ABCDEFGH1234 end");
        let f = scan(&d, "f", &format!("one\nvalue: {encoded}\n"));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].start_line, 2);
        assert_eq!(f[0].start_column, 8);
        assert_eq!(f[0].decoded, ["base64"]);
        let hex: String = "tok_ABCDEFGH1234".bytes().map(|b| format!("{b:02x}")).collect();
        let f = scan(&d, "f", &hex);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].decoded, ["hex"]);
        let none = Detector::new(
            Config::from_toml("t", RULE).unwrap_or_else(|e| panic!("{e}")),
            Options { max_decode_depth: 0, ..Options::default() },
        );
        assert!(scan(&none, "f", &encoded).is_empty());
    }

    #[test]
    fn entropy_is_shannon() {
        assert!((shannon_entropy("aabb") - 1.0).abs() < 1e-9);
        assert_eq!(shannon_entropy(""), 0.0);
    }
}
