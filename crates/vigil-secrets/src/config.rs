//! gitleaks v8 TOML configuration, unchanged.
//!
//! Read as gitleaks reads it (`config/config.go`): `title`, `[[rules]]` (`id`, `description`,
//! `regex`, `secretGroup`, `entropy`, `path`, `keywords`, `tags`, `skipReport`, the old
//! `[rules.allowlist]` or the new `[[rules.allowlists]]`), the global `[allowlist]` or
//! `[[allowlists]]` (with `targetRules`), and `[extend]` (`useDefault`, `path`,
//! `disabledRules`). Extending works as in gitleaks: a rule of the extending file with the id of
//! a base rule overrides the base's description, regex, path, secret group and entropy when it
//! sets them and adds its keywords, tags and allowlists; other rules are added; extension goes
//! two levels deep. `useDefault` extends vigil's built-in rules ([`crate::builtin`]).
//!
//! Patterns are Go RE2, compiled with Rust's `regex` on bytes with Unicode classes off (RE2's
//! `\d`, `\w`, `\s`, `\b` are ASCII) after one translation: a `{` that does not start a
//! repetition is a literal in Go and is escaped.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::rule::{Allowlist, Condition, RegexTarget, Rule};

/// The largest configuration file read (16 MiB).
pub const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// How many `[extend] path` levels are followed (gitleaks: 2).
pub const MAX_EXTEND_DEPTH: usize = 2;

/// A loaded configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `title`.
    pub title: Option<String>,
    /// The rules, in file order (base rules first when extending).
    pub rules: Vec<Rule>,
    /// The global allowlists.
    pub allowlists: Vec<GlobalAllowlist>,
}

/// A global allowlist and the rules it is limited to (`targetRules`; empty: every rule).
#[derive(Debug, Clone, Default)]
pub struct GlobalAllowlist {
    /// The allowlist.
    pub allowlist: Allowlist,
    /// Rule ids (gitleaks ids) it applies to; empty: all.
    pub target_rules: Vec<String>,
}

/// A configuration that does not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {}{message}", line.map(|l| format!(":{l}")).unwrap_or_default(), rule.as_ref().map(|r| format!("rule `{r}`: ")).unwrap_or_default())]
pub struct ConfigError {
    /// The configuration file (or `built-in rules`).
    pub file: String,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// The rule concerned, when one is.
    pub rule: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    fn new(file: &str, rule: Option<&str>, message: impl Into<String>) -> Self {
        ConfigError { file: file.to_owned(), line: None, rule: rule.map(str::to_owned), message: message.into() }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    title: Option<String>,
    #[serde(default)]
    min_version: Option<String>,
    #[serde(default)]
    description: Option<String>,
    extend: Option<RawExtend>,
    #[serde(default)]
    rules: Vec<RawRule>,
    allowlist: Option<RawAllowlist>,
    #[serde(default)]
    allowlists: Vec<RawAllowlist>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawExtend {
    path: Option<String>,
    #[serde(default)]
    use_default: bool,
    #[serde(default)]
    disabled_rules: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    id: Option<String>,
    description: Option<String>,
    regex: Option<String>,
    secret_group: Option<i64>,
    entropy: Option<f64>,
    path: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    skip_report: bool,
    allowlist: Option<RawAllowlist>,
    #[serde(default)]
    allowlists: Vec<RawAllowlist>,
    /// Composite rules (gitleaks 8.28 `[[rules.required]]`): accepted, not evaluated.
    #[serde(default)]
    required: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAllowlist {
    description: Option<String>,
    condition: Option<String>,
    regex_target: Option<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    target_rules: Vec<String>,
}

/// Go RE2 → Rust `regex`: escapes every `{` that does not start a repetition (`{n}`, `{n,}`,
/// `{n,m}`), which Go reads as a literal.
#[must_use]
pub fn translate_re2(pattern: &str) -> String {
    let bytes = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    while i < bytes.len() {
        let c = bytes.get(i).copied().unwrap_or(0);
        if c == b'\\' {
            // Copy the escape and the escaped character whole (it may be multi-byte).
            let end = pattern.get(i + 1..).and_then(|r| r.chars().next()).map_or(i + 1, |ch| i + 1 + ch.len_utf8());
            out.push_str(pattern.get(i..end).unwrap_or(""));
            i = end;
            continue;
        }
        if in_class {
            if c == b']' {
                in_class = false;
            }
        } else if c == b'[' {
            in_class = true;
            // `[]…]` and `[^]…]`: a leading `]` is a literal.
            let mut j = i + 1;
            if bytes.get(j) == Some(&b'^') {
                j += 1;
            }
            if bytes.get(j) == Some(&b']') {
                out.push_str(pattern.get(i..=j).unwrap_or(""));
                i = j + 1;
                continue;
            }
        } else if c == b'{' && !is_repetition(bytes.get(i..).unwrap_or_default()) {
            out.push_str("\\{");
            i += 1;
            continue;
        }
        let ch = pattern.get(i..).and_then(|r| r.chars().next()).unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

fn is_repetition(rest: &[u8]) -> bool {
    // rest starts with `{`
    let mut i = 1;
    let digits = |i: &mut usize| {
        let start = *i;
        while rest.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if rest.get(i) == Some(&b',') {
        i += 1;
        digits(&mut i);
    }
    rest.get(i) == Some(&b'}')
}

/// Compiles a Go RE2 pattern as gitleaks' rules need it (bytes, ASCII classes, generous size
/// limits for the counted repetitions of real rules).
///
/// # Errors
/// The pattern does not compile even after translation.
pub fn compile_re2(pattern: &str) -> Result<Regex, String> {
    let translated = translate_re2(pattern);
    RegexBuilder::new(&translated)
        .unicode(false)
        .size_limit(64 * 1024 * 1024)
        .dfa_size_limit(16 * 1024 * 1024)
        .build()
        .map_err(|e| format!("pattern {pattern:?} does not compile: {e}"))
}

impl Config {
    /// Reads a configuration file (bounded by [`MAX_CONFIG_BYTES`]).
    ///
    /// # Errors
    /// The file cannot be read, is not valid TOML, or is not a valid configuration.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        load_at(path, 0, &mut Vec::new())
    }

    /// Parses configuration text named `name`; an `[extend] path` is resolved against the
    /// current directory (as gitleaks does).
    ///
    /// # Errors
    /// Not valid TOML, or not a valid configuration.
    pub fn from_toml(name: &str, text: &str) -> Result<Config, ConfigError> {
        parse(name, text, None, 0, &mut Vec::new())
    }

    /// The rule with this gitleaks id.
    #[must_use]
    pub fn rule(&self, gitleaks_id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.gitleaks_id == gitleaks_id)
    }
}

fn load_at(path: &Path, depth: usize, chain: &mut Vec<PathBuf>) -> Result<Config, ConfigError> {
    let name = path.display().to_string();
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if chain.contains(&canonical) {
        return Err(ConfigError::new(&name, None, "[extend] path refers back to a file being extended (a cycle)"));
    }
    let meta = std::fs::metadata(path).map_err(|e| ConfigError::new(&name, None, format!("cannot read: {e}")))?;
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::new(&name, None, format!("larger than the limit of {MAX_CONFIG_BYTES} bytes")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::new(&name, None, format!("cannot read: {e}")))?;
    chain.push(canonical);
    let result = parse(&name, &text, Some(path), depth, chain);
    chain.pop();
    result
}

/// Where an `[extend] path` points: relative to the current directory as gitleaks resolves it,
/// else to the extending file's directory or one of its parents.
fn resolve_extend(path: &str, from: Option<&Path>) -> PathBuf {
    let given = PathBuf::from(path);
    if given.is_absolute() || given.exists() {
        return given;
    }
    if let Some(dir) = from.and_then(Path::parent) {
        for ancestor in dir.ancestors() {
            let candidate = ancestor.join(&given);
            if candidate.exists() {
                return candidate;
            }
        }
    }
    given
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len())).map_or(1, |t| t.bytes().filter(|b| *b == b'\n').count() + 1)
}

fn parse(
    name: &str,
    text: &str,
    from: Option<&Path>,
    depth: usize,
    chain: &mut Vec<PathBuf>,
) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError {
        file: name.to_owned(),
        line: e.span().map(|s| line_of(text, s.start)),
        rule: None,
        message: e.message().to_owned(),
    })?;
    let _ = (&raw.min_version, &raw.description);
    // The base: what this file extends.
    let mut base = Config::default();
    let mut disabled: Vec<String> = Vec::new();
    if let Some(extend) = &raw.extend {
        disabled.clone_from(&extend.disabled_rules);
        if depth < MAX_EXTEND_DEPTH {
            if extend.use_default {
                base = crate::builtin::config()?;
            } else if let Some(path) = &extend.path {
                let target = resolve_extend(path, from);
                base = load_at(&target, depth + 1, chain).map_err(|mut e| {
                    if !target.exists() {
                        e = ConfigError::new(name, None, format!("[extend] path {path:?}: no such file"));
                    }
                    e
                })?;
            }
        }
    }
    base.rules.retain(|r| !disabled.contains(&r.gitleaks_id));
    let base_ids: HashSet<String> = base.rules.iter().map(|r| r.gitleaks_id.clone()).collect();
    let mut rules = base.rules;
    let mut own_ids = HashSet::new();
    for raw_rule in raw.rules {
        let Some(id) = raw_rule.id.clone().filter(|i| !i.trim().is_empty()) else {
            return Err(ConfigError::new(
                name,
                None,
                format!(
                    "a rule has no `id`{}",
                    raw_rule.description.as_deref().map(|d| format!(" (description {d:?})")).unwrap_or_default()
                ),
            ));
        };
        // gitleaks keeps rules in a map: a later definition of an id replaces an earlier one.
        let redefined = !own_ids.insert(id.clone());
        let rule_allowlists = allowlists_of(name, Some(&id), raw_rule.allowlist.as_ref(), &raw_rule.allowlists)?;
        let regex = raw_rule
            .regex
            .as_deref()
            .map(|p| compile_re2(p).map_err(|m| ConfigError::new(name, Some(&id), m)))
            .transpose()?;
        let path = raw_rule
            .path
            .as_deref()
            .map(|p| compile_re2(p).map_err(|m| ConfigError::new(name, Some(&id), format!("path: {m}"))))
            .transpose()?;
        let secret_group = match raw_rule.secret_group {
            None | Some(0) => None,
            Some(n) if n < 0 => return Err(ConfigError::new(name, Some(&id), "secretGroup must not be negative")),
            Some(n) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
        };
        let keywords: Vec<String> = raw_rule.keywords.iter().map(|k| k.to_lowercase()).collect();
        if base_ids.contains(&id) {
            // An extension of a base rule: override what it sets, add the rest.
            if let Some(existing) = rules.iter_mut().find(|r| r.gitleaks_id == id) {
                if let Some(d) = raw_rule.description.filter(|d| !d.is_empty()) {
                    existing.description = d;
                }
                if let Some(r) = regex {
                    existing.regex = Some(r);
                    existing.regex_source = raw_rule.regex.clone();
                }
                if path.is_some() {
                    existing.path = path;
                }
                if secret_group.is_some() {
                    existing.secret_group = secret_group;
                }
                if let Some(e) = raw_rule.entropy.filter(|e| *e != 0.0) {
                    existing.entropy = Some(e);
                }
                existing.keywords.extend(keywords);
                existing.tags.extend(raw_rule.tags);
                existing.allowlists.extend(rule_allowlists);
                existing.skip_report |= raw_rule.skip_report;
            }
            continue;
        }
        let rule = Rule {
            id: id.clone(),
            gitleaks_id: id.clone(),
            description: raw_rule.description.unwrap_or_default(),
            regex,
            regex_source: raw_rule.regex,
            secret_group,
            entropy: raw_rule.entropy.filter(|e| *e != 0.0),
            path,
            keywords,
            tags: raw_rule.tags,
            allowlists: rule_allowlists,
            skip_report: raw_rule.skip_report,
        };
        let _ = &raw_rule.required;
        // In a file that extends another, a rule may be only an allowlist or keywords for a rule
        // the chain defines elsewhere; gitleaks accepts it (it finds nothing by itself).
        if raw.extend.is_none() {
            check_rule(name, &rule)?;
        }
        match rules.iter_mut().find(|r| redefined && r.gitleaks_id == id) {
            Some(earlier) => *earlier = rule,
            None => rules.push(rule),
        }
    }
    let mut allowlists = base.allowlists;
    if raw.allowlist.is_some() && !raw.allowlists.is_empty() {
        return Err(ConfigError::new(
            name,
            None,
            "both the old [allowlist] and the new [[allowlists]] are given; use one of them",
        ));
    }
    let global: Vec<&RawAllowlist> = raw.allowlist.iter().chain(raw.allowlists.iter()).collect();
    for raw_list in global {
        for target in &raw_list.target_rules {
            if !rules.iter().any(|r| &r.gitleaks_id == target) {
                return Err(ConfigError::new(name, None, format!("[[allowlists]] targetRules: no rule `{target}`")));
            }
        }
        allowlists.push(GlobalAllowlist {
            allowlist: allowlist_of(name, None, raw_list)?,
            target_rules: raw_list.target_rules.clone(),
        });
    }
    Ok(Config { title: raw.title.or(base.title), rules, allowlists })
}

fn check_rule(file: &str, rule: &Rule) -> Result<(), ConfigError> {
    if rule.regex.is_none() && rule.path.is_none() {
        return Err(ConfigError::new(
            file,
            Some(&rule.gitleaks_id),
            "both `regex` and `path` are empty: the rule would find nothing",
        ));
    }
    if let (Some(group), Some(regex)) = (rule.secret_group, &rule.regex) {
        let groups = regex.captures_len().saturating_sub(1);
        if group > groups {
            return Err(ConfigError::new(
                file,
                Some(&rule.gitleaks_id),
                format!("secretGroup {group} is larger than the regex's {groups} capture group(s)"),
            ));
        }
    }
    Ok(())
}

fn allowlists_of(
    file: &str,
    rule: Option<&str>,
    old: Option<&RawAllowlist>,
    new: &[RawAllowlist],
) -> Result<Vec<Allowlist>, ConfigError> {
    if old.is_some() && !new.is_empty() {
        return Err(ConfigError::new(
            file,
            rule,
            "both the old [rules.allowlist] and the new [[rules.allowlists]] are given; use one of them",
        ));
    }
    old.into_iter().chain(new.iter()).map(|raw| allowlist_of(file, rule, raw)).collect()
}

fn allowlist_of(file: &str, rule: Option<&str>, raw: &RawAllowlist) -> Result<Allowlist, ConfigError> {
    let err = |m: String| ConfigError::new(file, rule, m);
    if raw.regexes.is_empty() && raw.paths.is_empty() && raw.commits.is_empty() && raw.stopwords.is_empty() {
        return Err(err("an allowlist must contain at least one check (regexes, paths, commits or stopwords)".into()));
    }
    if rule.is_some() && !raw.target_rules.is_empty() {
        return Err(err("`targetRules` belongs in a global [[allowlists]], not in a rule's".into()));
    }
    let condition = match raw.condition.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("" | "OR") => Condition::Or,
        Some("AND" | "&&") => Condition::And,
        Some(other) => return Err(err(format!("allowlist condition {other:?}: use \"OR\" or \"AND\""))),
    };
    let regex_target = match raw.regex_target.as_deref() {
        None | Some("" | "secret") => RegexTarget::Secret,
        Some("match") => RegexTarget::Match,
        Some("line") => RegexTarget::Line,
        Some(other) => {
            return Err(err(format!("allowlist regexTarget {other:?}: use \"secret\", \"match\" or \"line\"")));
        }
    };
    let regexes = raw
        .regexes
        .iter()
        .map(|p| compile_re2(p).map_err(|m| err(format!("allowlist: {m}"))))
        .collect::<Result<_, _>>()?;
    let paths = raw
        .paths
        .iter()
        .map(|p| compile_re2(p).map_err(|m| err(format!("allowlist path: {m}"))))
        .collect::<Result<_, _>>()?;
    Ok(Allowlist {
        description: raw.description.clone().unwrap_or_default(),
        condition,
        regex_target,
        regexes,
        paths,
        commits: raw.commits.iter().filter(|c| !c.is_empty()).cloned().collect(),
        stopwords: raw.stopwords.iter().map(|s| s.to_lowercase()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_literal_braces_are_escaped_and_repetitions_kept() {
        assert_eq!(translate_re2(r"^\$(?:\d+|{\d+})$"), r"^\$(?:\d+|\{\d+})$");
        assert_eq!(translate_re2(r"a{2,3}b{4}c{5,}"), r"a{2,3}b{4}c{5,}");
        assert_eq!(translate_re2(r"[{]x\{"), r"[{]x\{");
        assert_eq!(translate_re2(r"import[ \t]+{[ \t\w,]+}"), r"import[ \t]+\{[ \t\w,]+}");
        assert!(compile_re2(r"'\$?{{[^}]+}}").is_ok());
    }

    #[test]
    fn classes_are_ascii_as_in_re2() {
        let re = compile_re2(r"^\w+$").unwrap_or_else(|e| panic!("{e}"));
        assert!(re.is_match(b"abc_1"));
        assert!(!re.is_match("é".as_bytes()));
    }

    #[test]
    fn errors_name_the_file_line_and_rule() {
        let e = Config::from_toml("c.toml", "[[rules]]\nid = \"x\"\nregex = '''(a'''\n").unwrap_err();
        assert_eq!(e.rule.as_deref(), Some("x"));
        assert!(e.to_string().starts_with("c.toml: rule `x`: pattern"), "{e}");
        let e = Config::from_toml("c.toml", "title = 1\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
    }
}
