//! Yarn's `yarn.lock`: classic (Yarn 1, its own indented format) and Berry (Yarn 2+, YAML
//! with a `__metadata` entry).

use serde::Deserialize;

use super::decode::{self, Entries};
use super::{PackageSet, git_ref, is_inside_node_modules};
use crate::cataloger::file_name;
use crate::{CatalogError, CatalogInput, Cataloger, Package};

/// Lists the packages a `yarn.lock` resolves, one per entry.
///
/// An entry's key lists every specifier (`name@range`, comma-separated) resolved to it. The
/// package name is the specifier's, or the real package's for an alias
/// (`alias@npm:real@range`); in Berry it is taken from the `resolution` locator, which always
/// names the real package. The version is the entry's `version`. Git and GitHub-tarball
/// resolutions carry the commit they pin (classic `resolved`, Berry `resolution`).
///
/// As in osv-scanner, entries resolved through the `file:`, `link:` and `workspace:` protocols
/// are listed too (Berry gives workspaces the version `0.0.0-use.local`). A Berry patch entry
/// (`patch:` protocol) has the same name and version as the package it patches and is listed
/// once with it. Yarn lockfiles do not record dependency groups.
pub(crate) struct YarnLock;

impl Cataloger for YarnLock {
    fn id(&self) -> &'static str {
        "yarn-lock"
    }

    fn matches(&self, path: &str) -> bool {
        file_name(path) == "yarn.lock" && !is_inside_node_modules(path)
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = decode::text(input)?;
        let mut set = PackageSet::new(input.path);
        if is_berry(text) {
            parse_berry(input.path, text, &mut set)?;
        } else {
            parse_classic(input.path, text, &mut set)?;
        }
        Ok(set.into_packages())
    }
}

/// Berry lockfiles start with a `__metadata:` entry; classic ones never have one.
fn is_berry(text: &str) -> bool {
    text.lines().any(|line| line.trim_end() == "__metadata:")
}

/// The package a specifier (`name@range`, `@scope/name@range`, `alias@npm:real@range`) names.
fn specifier_name(specifier: &str) -> &str {
    let mut specifier = specifier;
    // An alias of an alias is not something Yarn writes; the bound keeps hostile input cheap.
    for _ in 0..8 {
        let Some(at) = specifier.get(1..).and_then(|rest| rest.find('@')).map(|i| i + 1) else {
            return specifier;
        };
        let name = specifier.get(..at).unwrap_or(specifier);
        let range = specifier.get(at + 1..).unwrap_or_default();
        match range.strip_prefix("npm:") {
            // `npm:<name>@<range>` names the real package; `npm:<range>` only a range.
            Some(aliased) if aliased.get(1..).is_some_and(|rest| rest.contains('@')) => specifier = aliased,
            _ => return name,
        }
    }
    specifier
}

// --- Berry ---------------------------------------------------------------------------------

#[derive(Deserialize)]
struct BerryEntry {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    resolution: Option<String>,
}

fn parse_berry(path: &str, text: &str, set: &mut PackageSet) -> Result<(), CatalogError> {
    let Some(entries) = decode::yaml::<Entries<Option<BerryEntry>>>(path, text)? else { return Ok(()) };
    for (key, entry) in entries.0 {
        let Some(entry) = entry else { continue };
        if key == "__metadata" {
            continue;
        }
        // The locator in `resolution` names the real package; the key's first descriptor is
        // the fallback.
        let name = match &entry.resolution {
            Some(resolution) => specifier_name(resolution),
            None => specifier_name(key.split(',').next().unwrap_or_default().trim()),
        };
        let commit = entry.resolution.as_deref().and_then(git_ref::commit);
        set.add(name, entry.version.as_deref().unwrap_or_default(), commit, &[]);
    }
    Ok(())
}

// --- Classic -------------------------------------------------------------------------------

/// One classic entry while it is being read.
struct ClassicEntry {
    specifiers: Vec<String>,
    version: Option<String>,
    resolved: Option<String>,
}

impl ClassicEntry {
    fn add_to(self, set: &mut PackageSet) {
        let name = self.specifiers.first().map_or("", |s| specifier_name(s));
        let commit = self.resolved.as_deref().and_then(git_ref::commit);
        set.add(name, self.version.as_deref().unwrap_or_default(), commit, &[]);
    }
}

/// Reads Yarn 1's format: an unindented header line per entry listing its specifiers and
/// ending in `:`, then its fields indented by two spaces (`version "1.0.0"`), with nested
/// maps (`dependencies:`) indented further. Keys and values may be double-quoted, with JSON
/// escapes. Blank lines and `#` comments are skipped.
fn parse_classic(path: &str, text: &str, set: &mut PackageSet) -> Result<(), CatalogError> {
    let mut current: Option<ClassicEntry> = None;
    for (index, raw) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let indent = line.len() - line.trim_start_matches(' ').len();
        let content = line.get(indent..).unwrap_or_default();
        if content.trim().is_empty() || content.starts_with('#') {
            continue;
        }
        if content.starts_with('\t') {
            return Err(decode::error_at(path, line_no, indent + 1, "tab in indentation, expected spaces"));
        }
        match indent {
            0 => {
                let specifiers =
                    parse_header(content).map_err(|(col, what)| decode::error_at(path, line_no, col, what))?;
                if let Some(done) = current.replace(ClassicEntry { specifiers, version: None, resolved: None }) {
                    done.add_to(set);
                }
            }
            2 => {
                let Some(entry) = current.as_mut() else {
                    return Err(decode::error_at(
                        path,
                        line_no,
                        3,
                        "field outside an entry, expected an entry header first",
                    ));
                };
                let (key, value) =
                    parse_field(content).map_err(|(col, what)| decode::error_at(path, line_no, indent + col, what))?;
                let slot = match key.as_str() {
                    "version" => &mut entry.version,
                    "resolved" => &mut entry.resolved,
                    _ => continue,
                };
                if slot.is_none() {
                    *slot = value;
                }
            }
            // Nested maps (`dependencies:` and the like) hold nothing listed here.
            n if n >= 4 => {
                if current.is_none() {
                    return Err(decode::error_at(
                        path,
                        line_no,
                        n + 1,
                        "field outside an entry, expected an entry header first",
                    ));
                }
            }
            n => {
                return Err(decode::error_at(
                    path,
                    line_no,
                    n + 1,
                    format!("indentation of {n} space(s), expected 0, 2 or a nested level of 4 or more"),
                ));
            }
        }
    }
    if let Some(done) = current {
        done.add_to(set);
    }
    Ok(())
}

/// A header's specifiers: `a@^1, "b@npm:c@^2":` gives `a@^1` and `b@npm:c@^2`. Errors carry
/// the 1-based column.
fn parse_header(content: &str) -> Result<Vec<String>, (usize, String)> {
    let body = content.trim_end();
    let Some(body) = body.strip_suffix(':') else {
        return Err((body.chars().count() + 1, "entry header does not end in `:`, expected `<name>@<range>:`".into()));
    };
    let mut specifiers = Vec::new();
    let mut rest = body;
    loop {
        let trimmed = rest.trim_start_matches(' ');
        let (specifier, after) = if trimmed.starts_with('"') {
            quoted(trimmed).map_err(|what| (column(content, trimmed), what))?
        } else {
            let end = trimmed.find(',').unwrap_or(trimmed.len());
            let (bare, after) = trimmed.split_at(end);
            (bare.trim_end().to_string(), after)
        };
        if specifier.is_empty() {
            return Err((
                column(content, trimmed),
                "empty specifier in entry header, expected `<name>@<range>`".into(),
            ));
        }
        specifiers.push(specifier);
        let after = after.trim_start_matches(' ');
        if after.is_empty() {
            return Ok(specifiers);
        }
        match after.strip_prefix(',') {
            Some(next) => rest = next,
            None => return Err((column(content, after), "text after a quoted specifier, expected `,` or `:`".into())),
        }
    }
}

/// A field line (without its indentation): `key value`, `"key" "value"`, or `key:` opening a
/// nested map (value `None`). Errors carry the 1-based column within `content`.
fn parse_field(content: &str) -> Result<(String, Option<String>), (usize, String)> {
    let (key, after) = if content.starts_with('"') {
        quoted(content).map_err(|what| (1, what))?
    } else {
        let end = content.find([' ', ':']).unwrap_or(content.len());
        let (key, after) = content.split_at(end);
        (key.to_string(), after)
    };
    let after = after.strip_prefix(':').unwrap_or(after).trim_start_matches(' ');
    let value = after.trim_end();
    if value.is_empty() {
        return Ok((key, None));
    }
    if value.starts_with('"') {
        let (unquoted, rest) = quoted(value).map_err(|what| (column(content, value), what))?;
        if !rest.trim().is_empty() {
            return Err((
                column(content, rest.trim_start()),
                "text after a quoted value, expected the end of the line".into(),
            ));
        }
        return Ok((key, Some(unquoted)));
    }
    Ok((key, Some(value.to_string())))
}

/// The 1-based column (in characters) at which `part`, a slice of `line`, starts.
fn column(line: &str, part: &str) -> usize {
    let offset = (part.as_ptr() as usize).saturating_sub(line.as_ptr() as usize).min(line.len());
    line.get(..offset).map_or(offset, |before| before.chars().count()) + 1
}

/// Reads the double-quoted string `s` starts with (JSON escapes, as Yarn writes them);
/// returns it and what follows the closing quote.
fn quoted(s: &str) -> Result<(String, &str), String> {
    let mut escaped = false;
    let end = s.char_indices().skip(1).find_map(|(i, c)| {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            return Some(i);
        }
        None
    });
    let Some(end) = end else { return Err("unterminated string, expected a closing `\"`".into()) };
    let literal = s.get(..=end).unwrap_or_default();
    let value: String = serde_json::from_str(literal).map_err(|e| {
        let shown = e.to_string();
        let what = shown.rsplit_once(" at line ").map_or(shown.as_str(), |(head, _)| head).to_string();
        format!("invalid quoted string, {what}")
    })?;
    Ok((value, s.get(end + 1..).unwrap_or_default()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        YarnLock.parse(&CatalogInput::new("web/yarn.lock", text.as_bytes()))
    }

    fn summary(text: &str) -> Vec<(String, String, Option<String>)> {
        parse(text).unwrap().into_iter().map(|p| (p.name, p.version, p.commit)).collect()
    }

    fn s(name: &str, version: &str) -> (String, String, Option<String>) {
        (name.to_string(), version.to_string(), None)
    }

    #[test]
    fn matches_lockfiles_outside_node_modules() {
        assert!(YarnLock.matches("yarn.lock"));
        assert!(YarnLock.matches("a/b/yarn.lock"));
        assert!(!YarnLock.matches("a/node_modules/b/yarn.lock"));
        assert!(!YarnLock.matches("a/yarn.lock.bak"));
    }

    #[test]
    fn specifier_names() {
        assert_eq!(specifier_name("lodash@^4.17.0"), "lodash");
        assert_eq!(specifier_name("@babel/core@^7.0.0"), "@babel/core");
        assert_eq!(specifier_name("alias@npm:real@^1"), "real");
        assert_eq!(specifier_name("alias@npm:@scope/real@^1"), "@scope/real");
        assert_eq!(specifier_name("@a/alias@npm:@scope/real@^1"), "@scope/real");
        assert_eq!(specifier_name("debug@npm:4.3.3"), "debug");
        assert_eq!(specifier_name("@nicolo-ribaudo/chokidar-2@npm:2.1.8-no-fsevents.3"), "@nicolo-ribaudo/chokidar-2");
        assert_eq!(specifier_name("resolve@patch:resolve@npm%3A1.20.0#~builtin<compat/resolve>"), "resolve");
        assert_eq!(specifier_name("bare"), "bare");
        assert_eq!(specifier_name("@scope"), "@scope");
        assert_eq!(specifier_name(""), "");
        assert_eq!(specifier_name("@"), "@");
        assert_eq!(specifier_name("a@npm:"), "a");
        assert_eq!(specifier_name("a@npm:@"), "a");
        let chain = "a@npm:".repeat(50) + "z@1";
        assert!(!specifier_name(&chain).is_empty());
    }

    #[test]
    fn classic_entries() {
        let text = r#"# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.12.13":
  version "7.12.13"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.13.tgz#dcfc826b"
  dependencies:
    "@babel/highlight" "^7.12.13"

domelementtype@1, domelementtype@^1.3.1:
  version "1.3.1"

"string-width-cjs@npm:string-width@^4.2.0", string-width@^4.1.0:
  version "4.2.3"

concat-map@0.0.1:
  "version" "0.0.1"
  "resolved" "git+ssh://git@github.com/o/concat-map.git#d8a96bd"

"with\"quote@1":
  version 1.0.0
"#;
        assert_eq!(
            summary(text),
            vec![
                s("@babel/code-frame", "7.12.13"),
                s("domelementtype", "1.3.1"),
                s("string-width", "4.2.3"),
                ("concat-map".into(), "0.0.1".into(), Some("d8a96bd".into())),
                s("with\"quote", "1.0.0"),
            ]
        );
    }

    #[test]
    fn classic_windows_line_endings_and_missing_versions() {
        assert_eq!(summary("a@^1:\r\n  version \"1.0.0\"\r\n\r\nb@^2:\r\n"), vec![s("a", "1.0.0"), s("b", "")]);
    }

    #[test]
    fn classic_duplicates_are_listed_once() {
        assert_eq!(summary("a@^1:\n  version \"1.0.0\"\na@1.0.0:\n  version \"1.0.0\"\n"), vec![s("a", "1.0.0")]);
    }

    #[test]
    fn classic_errors_name_line_and_column() {
        let e = parse("a@^1:\n  version \"1.0.0\nb@1:\n").unwrap_err();
        assert_eq!(e.to_string(), "web/yarn.lock: 2:11: unterminated string, expected a closing `\"`");
        let e = parse("  version \"1.0.0\"\n").unwrap_err();
        assert_eq!(e.to_string(), "web/yarn.lock: 1:3: field outside an entry, expected an entry header first");
        let e = parse("a@^1\n").unwrap_err();
        assert_eq!(e.to_string(), "web/yarn.lock: 1:5: entry header does not end in `:`, expected `<name>@<range>:`");
        let e = parse("a@^1, :\n").unwrap_err();
        assert_eq!(e.to_string(), "web/yarn.lock: 1:7: empty specifier in entry header, expected `<name>@<range>`");
        let e = parse("\"a@1\" b:\n").unwrap_err();
        assert_eq!(e.to_string(), "web/yarn.lock: 1:7: text after a quoted specifier, expected `,` or `:`");
        let e = parse("a@1:\n version \"1\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "web/yarn.lock: 2:2: indentation of 1 space(s), expected 0, 2 or a nested level of 4 or more"
        );
        let e = parse("a@1:\n\tversion \"1\"\n").unwrap_err();
        assert_eq!(e.to_string(), "web/yarn.lock: 2:1: tab in indentation, expected spaces");
        let e = parse("a@1:\n  version \"1\" x\n").unwrap_err();
        assert_eq!(e.to_string(), "web/yarn.lock: 2:15: text after a quoted value, expected the end of the line");
        let e = parse("a@1:\n  version \"\\q\"\n").unwrap_err();
        assert!(e.to_string().starts_with("web/yarn.lock: 2:11: invalid quoted string, invalid escape"), "{e}");
        let e = parse("this is not a lockfile").unwrap_err();
        assert!(e.to_string().starts_with("web/yarn.lock: 1:"), "{e}");
    }

    #[test]
    fn berry_entries() {
        let text = r#"# This file is generated by running "yarn install" inside your project.

__metadata:
  version: 8
  cacheKey: 10c0

"ansi-regex-cjs@npm:ansi-regex@^5.0.0":
  version: 5.0.1
  resolution: "ansi-regex@npm:5.0.1"

"debug@npm:2.6.9, debug@npm:^2.2.0":
  version: 2.6.9
  resolution: "debug@npm:2.6.9"

"resolve@npm:^1.20.0":
  version: 1.20.0
  resolution: "resolve@npm:1.20.0"

"resolve@patch:resolve@npm%3A^1.20.0#~builtin<compat/resolve>":
  version: 1.20.0
  resolution: "resolve@patch:resolve@npm%3A1.20.0#~builtin<compat/resolve>::version=1.20.0&hash=07638b"

"domino@https://github.com/angular/domino.git#f2435fe":
  version: 2.1.6+git
  resolution: "domino@https://github.com/angular/domino.git#commit=f2435fe1f9f7c91ade0bd472c4723e5eacd7d19a"

"no-resolution@npm:^1":
  version: 1.0

"mine@workspace:.":
  version: 0.0.0-use.local
  resolution: "mine@workspace:."
  dependencies:
    debug: "npm:^2.2.0"
  languageName: unknown
  linkType: soft
"#;
        assert_eq!(
            summary(text),
            vec![
                s("ansi-regex", "5.0.1"),
                s("debug", "2.6.9"),
                s("resolve", "1.20.0"),
                ("domino".into(), "2.1.6+git".into(), Some("f2435fe1f9f7c91ade0bd472c4723e5eacd7d19a".into())),
                s("no-resolution", "1.0"),
                s("mine", "0.0.0-use.local"),
            ]
        );
    }

    #[test]
    fn berry_errors_name_line_and_column() {
        let e = parse("__metadata:\n  version: 8\n\"a@npm:1\":\n  version: [1\n").unwrap_err();
        let shown = e.to_string();
        assert!(shown.starts_with("web/yarn.lock: "), "{shown}");
        assert!(shown.contains("invalid YAML"), "{shown}");
        let e = parse("__metadata:\n  version: 8\n\"a@npm:1\":\n  version:\n    - 1\n").unwrap_err();
        assert!(e.to_string().starts_with("web/yarn.lock: 5:"), "{e}");
        assert_eq!(summary("__metadata:\n  version: 8\n"), vec![]);
    }

    #[test]
    fn empty_files() {
        assert_eq!(summary(""), vec![]);
        assert_eq!(summary("# yarn lockfile v1\n\n"), vec![]);
    }
}
