//! Bundler lockfiles (`Gemfile.lock`, `gems.locked`).
//!
//! The file is a list of unindented section headers, each followed by indented lines. Gems
//! are the 4-space-indented `name (version)` lines under `specs:` in the source sections
//! (`GEM`, `GIT`, `PATH`, `PLUGIN SOURCE`); 6-space lines below them are their dependencies.
//! As in osv-scanner, a platform suffix (`1.13.3-x86_64-linux`) is not part of the version
//! (RubyGems versions contain no `-`), and gems from a `GIT` source carry its `revision` as the
//! commit. A gem locked for several platforms is recorded once.

use std::collections::HashSet;

use crate::cataloger::file_name;
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, ecosystem};

/// Reads Bundler lockfiles.
pub(crate) struct GemfileLock;

/// Section headers that list gems.
const SOURCE_SECTIONS: &[&str] = &["GEM", "GIT", "PATH", "PLUGIN SOURCE"];

/// Other section headers Bundler writes.
const OTHER_SECTIONS: &[&str] = &["PLATFORMS", "DEPENDENCIES", "RUBY VERSION", "BUNDLED WITH", "CHECKSUMS"];

impl Cataloger for GemfileLock {
    fn id(&self) -> &'static str {
        "gemfile-lock"
    }

    fn matches(&self, path: &str) -> bool {
        matches!(file_name(path), "Gemfile.lock" | "gems.locked")
    }

    /// Fails on text with no Bundler section header at all (it is not a lockfile).
    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = input.text()?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut packages = Vec::new();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        let mut in_source = false;
        let mut has_section = false;
        let mut commit: Option<String> = None;
        for raw in text.split('\n') {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.trim().is_empty() {
                continue;
            }
            if !line.starts_with(' ') {
                let header = line.trim_end();
                in_source = SOURCE_SECTIONS.contains(&header);
                has_section |= in_source || OTHER_SECTIONS.contains(&header);
                commit = None;
                continue;
            }
            if !in_source {
                continue;
            }
            let indent = line.len() - line.trim_start_matches(' ').len();
            let content = line.trim();
            match indent {
                2 => {
                    if let Some(revision) = content.strip_prefix("revision:") {
                        commit = Some(revision.trim().to_string()).filter(|r| !r.is_empty());
                    }
                }
                4 => {
                    let Some((name, version)) = parse_spec(content) else { continue };
                    if !seen.insert((name.to_string(), version.to_string())) {
                        continue;
                    }
                    let purl = Purl::new("gem", name).version(version).to_string();
                    let mut package = Package::new(name, version, ecosystem::RUBYGEMS, purl, input.path);
                    package.commit.clone_from(&commit);
                    packages.push(package);
                }
                _ => {}
            }
        }
        if !has_section && !text.trim().is_empty() {
            return Err(CatalogError::new(
                input.path,
                "no Bundler section (`GEM`, `GIT`, `PATH`, `DEPENDENCIES`, …) found, expected a Gemfile.lock",
            ));
        }
        Ok(packages)
    }
}

/// `name (version[-platform])` (optionally ending in `!`) → name and version; a spec with no
/// parenthesised version has an empty one.
fn parse_spec(spec: &str) -> Option<(&str, &str)> {
    let spec = spec.strip_suffix('!').unwrap_or(spec);
    let (name, version) = match spec.strip_suffix(')').and_then(|s| s.split_once(" (")) {
        Some((name, version)) => (name, version.split('-').next().unwrap_or_default().trim()),
        None => (spec, ""),
    };
    (!name.is_empty() && !name.contains(char::is_whitespace)).then_some((name, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        GemfileLock.parse(&CatalogInput::new("Gemfile.lock", text.as_bytes()))
    }

    const LOCKFILE: &str = "GIT\n  remote: https://github.com/hanami/controller.git\n  \
        revision: 027dbe2e56397b534e859fc283990cad1b6addd6\n  branch: main\n  specs:\n    \
        hanami-controller (2.0.0.alpha1)\n      rack (~> 2.0)\n\n\
        PATH\n  remote: vendor/gem/local\n  specs:\n    local-gem (1.2.0.0)\n      eco\n\n\
        GEM\r\n  remote: https://rubygems.org/\r\n  specs:\r\n    nokogiri (1.13.3-x86_64-linux)\r\n      racc (~> 1.4)\r\n    \
        nokogiri (1.13.3-arm64-darwin)\r\n    racc (1.6.0)\r\n    eco-source (1.1.0.rc.1)\r\n\r\n\
        PLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  hanami-controller!\n  racc (1.6.0)\n\n\
        RUBY VERSION\n   ruby 3.0.2p107\n\nBUNDLED WITH\n   2.2.28\n";

    #[test]
    fn gems_commits_and_platforms() {
        let packages = parse(LOCKFILE).unwrap_or_default();
        let got: Vec<_> = packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.commit.as_deref().unwrap_or_default()))
            .collect();
        assert_eq!(
            got,
            [
                ("hanami-controller", "2.0.0.alpha1", "027dbe2e56397b534e859fc283990cad1b6addd6"),
                ("local-gem", "1.2.0.0", ""),
                ("nokogiri", "1.13.3", ""),
                ("racc", "1.6.0", ""),
                ("eco-source", "1.1.0.rc.1", ""),
            ]
        );
        assert_eq!(packages[2].purl, "pkg:gem/nokogiri@1.13.3");
        assert_eq!(packages[2].ecosystem, "RubyGems");
    }

    #[test]
    fn empty_sections() {
        assert_eq!(
            parse("GEM\n  remote: https://rubygems.org/\n  specs:\n\nPLATFORMS\n  ruby\n").map(|p| p.len()),
            Ok(0)
        );
        assert_eq!(parse("PLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n").map(|p| p.len()), Ok(0));
        assert_eq!(parse("").map(|p| p.len()), Ok(0));
    }

    #[test]
    fn byte_order_mark() {
        let packages = parse("\u{feff}GEM\n  specs:\n    ast (2.4.2)\n").unwrap_or_default();
        assert_eq!(packages.first().map(|p| p.name.as_str()), Some("ast"));
    }

    #[test]
    fn not_a_lockfile() {
        let err = parse("hello\n    world (1.0)\n").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("Gemfile.lock: no Bundler section"), "{err}");
    }

    #[test]
    fn specs() {
        assert_eq!(parse_spec("rack (2.2.3)"), Some(("rack", "2.2.3")));
        assert_eq!(parse_spec("hanami-utils!"), Some(("hanami-utils", "")));
        assert_eq!(parse_spec("x (1.0-java)!"), Some(("x", "1.0")));
        assert_eq!(parse_spec("a b"), None);
        assert_eq!(parse_spec("("), Some(("(", "")));
        assert_eq!(parse_spec(" (1)"), None);
    }
}
