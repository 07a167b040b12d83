//! npm's `package-lock.json` and `npm-shrinkwrap.json`, lockfile versions 1 to 3.

use serde::Deserialize;

use super::decode::{self, Entries};
use super::{PackageSet, git_ref, is_inside_node_modules};
use crate::cataloger::file_name;
use crate::{CatalogError, CatalogInput, Cataloger, Package};

/// Lists the packages an npm lockfile installs.
///
/// Versions 2 and 3 list them under `packages`, keyed by install path (`node_modules/a`,
/// `node_modules/a/node_modules/@s/b`, or a workspace folder); the root project (key `""`) and
/// links to workspace folders (`"link": true`, the folder is listed under its own key) are
/// skipped. Version 1 nests them under `dependencies`; there an alias (`npm:<name>@<version>`)
/// names the real package, and a `file:` or git reference leaves the version unknown (empty).
/// As in osv-scanner, `packages` wins when a file has both.
///
/// Dependency groups: `dev`, `optional`, or both (`devOptional` in version 2+). A git
/// dependency carries the commit its `resolved` (version 2+) or `version` (version 1) URL pins.
pub(crate) struct NpmPackageLock;

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    packages: Option<Entries<Option<InstalledPackage>>>,
    #[serde(default)]
    dependencies: Option<Entries<Option<Dependency>>>,
}

/// An entry of `packages` (lockfile version 2+).
#[derive(Deserialize)]
struct InstalledPackage {
    /// Set when the install path does not name the package (an alias, a workspace folder).
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    resolved: Option<String>,
    #[serde(default)]
    link: Option<bool>,
    #[serde(default)]
    dev: Option<bool>,
    #[serde(default)]
    optional: Option<bool>,
    #[serde(default, rename = "devOptional")]
    dev_optional: Option<bool>,
}

/// An entry of `dependencies` (lockfile version 1).
#[derive(Deserialize)]
struct Dependency {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    dev: Option<bool>,
    #[serde(default)]
    optional: Option<bool>,
    #[serde(default)]
    dependencies: Option<Entries<Option<Dependency>>>,
}

impl Cataloger for NpmPackageLock {
    fn id(&self) -> &'static str {
        "npm-package-lock"
    }

    fn matches(&self, path: &str) -> bool {
        matches!(file_name(path), "package-lock.json" | "npm-shrinkwrap.json") && !is_inside_node_modules(path)
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = decode::text(input)?;
        let lockfile: Lockfile = decode::json(input.path, text)?;
        let mut set = PackageSet::new(input.path);
        match (lockfile.packages, lockfile.dependencies) {
            (Some(packages), _) => add_installed(&mut set, packages),
            (None, Some(dependencies)) => add_dependencies(&mut set, dependencies),
            (None, None) => {}
        }
        Ok(set.into_packages())
    }
}

fn add_installed(set: &mut PackageSet, packages: Entries<Option<InstalledPackage>>) {
    for (install_path, package) in packages.0 {
        let Some(package) = package else { continue };
        if install_path.is_empty() || package.link == Some(true) {
            continue;
        }
        let name = match package.name {
            Some(name) if !name.is_empty() => name,
            _ => name_from_install_path(&install_path).to_string(),
        };
        let version = package.version.unwrap_or_default();
        let commit = package.resolved.as_deref().and_then(git_ref::commit);
        let flag = |f: Option<bool>| f == Some(true);
        let groups: &[&str] = match (flag(package.dev), flag(package.optional), flag(package.dev_optional)) {
            (true, true, _) | (false, false, true) => &["dev", "optional"],
            (true, false, _) => &["dev"],
            (false, true, _) => &["optional"],
            (false, false, false) => &[],
        };
        set.add(&name, &version, commit, groups);
    }
}

/// The package an install path holds: its last segment, with the scope before it if any
/// (`node_modules/a/node_modules/@s/b` holds `@s/b`, a workspace folder `packages/c` holds `c`).
fn name_from_install_path(install_path: &str) -> &str {
    let trimmed = install_path.trim_end_matches('/');
    let Some((parent, last)) = trimmed.rsplit_once('/') else { return trimmed };
    let scope_start = parent.rfind('/').map_or(0, |i| i + 1);
    match parent.get(scope_start..) {
        Some(scope) if scope.starts_with('@') => trimmed.get(scope_start..).unwrap_or(last),
        _ => last,
    }
}

/// Walks version 1's nested `dependencies` (iteratively: the nesting is the input's).
fn add_dependencies(set: &mut PackageSet, dependencies: Entries<Option<Dependency>>) {
    let mut pending = vec![dependencies.0.into_iter()];
    while let Some(level) = pending.last_mut() {
        let Some((key, dependency)) = level.next() else {
            pending.pop();
            continue;
        };
        let Some(dependency) = dependency else { continue };
        let groups: &[&str] = match (dependency.dev == Some(true), dependency.optional == Some(true)) {
            (true, true) => &["dev", "optional"],
            (true, false) => &["dev"],
            (false, true) => &["optional"],
            (false, false) => &[],
        };
        let (name, version, commit) = resolve_v1(&key, dependency.version.as_deref().unwrap_or_default());
        set.add(name, version, commit, groups);
        if let Some(nested) = dependency.dependencies {
            pending.push(nested.0.into_iter());
        }
    }
}

/// Name, version and commit of a version 1 entry from its key and `version` field, which is a
/// version, `npm:<name>@<version>` for an alias, a git URL pinning a commit, or another
/// reference (`file:`, a tarball URL) that leaves the version unknown.
fn resolve_v1<'a>(key: &'a str, version: &'a str) -> (&'a str, &'a str, Option<String>) {
    if let Some(aliased) = version.strip_prefix("npm:") {
        // The real name may be scoped, so the version follows the last `@`.
        return match aliased.rsplit_once('@') {
            Some((name, version)) if !name.is_empty() => (name, version, None),
            _ => (key, "", None),
        };
    }
    if version.starts_with("file:") {
        return (key, "", None);
    }
    if let Some(commit) = git_ref::commit(version) {
        return (key, "", Some(commit));
    }
    if version.contains(':') {
        // A tarball URL or another protocol: not a version.
        return (key, "", None);
    }
    (key, version, None)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Vec<Package>, CatalogError> {
        NpmPackageLock.parse(&CatalogInput::new("app/package-lock.json", json.as_bytes()))
    }

    fn summary(json: &str) -> Vec<(String, String, Option<String>, Vec<String>)> {
        parse(json).unwrap().into_iter().map(|p| (p.name, p.version, p.commit, p.dep_groups)).collect()
    }

    fn s(name: &str, version: &str) -> (String, String, Option<String>, Vec<String>) {
        (name.to_string(), version.to_string(), None, vec![])
    }

    #[test]
    fn matches_lockfiles_outside_node_modules() {
        assert!(NpmPackageLock.matches("package-lock.json"));
        assert!(NpmPackageLock.matches("srv/app/npm-shrinkwrap.json"));
        assert!(!NpmPackageLock.matches("srv/app/node_modules/x/npm-shrinkwrap.json"));
        assert!(!NpmPackageLock.matches("srv/app/node_modules/.package-lock.json"));
        assert!(!NpmPackageLock.matches("srv/app/package.json"));
        assert!(!NpmPackageLock.matches("srv/app/package-lock.json.bak"));
    }

    #[test]
    fn v2_names_come_from_the_install_path_or_the_name_field() {
        let json = r#"{"lockfileVersion": 3, "packages": {
            "": {"name": "root", "version": "1.0.0"},
            "node_modules/a": {"version": "1.0.0"},
            "node_modules/a/node_modules/@s/b": {"version": "2.0.0"},
            "node_modules/alias": {"name": "@real/thing", "version": "3.0.0"},
            "packages/ws": {"name": "ws-name", "version": "0.1.0"},
            "packages/unnamed": {"version": "0.2.0"},
            "node_modules/ws-name": {"resolved": "packages/ws", "link": true}
        }}"#;
        assert_eq!(
            summary(json),
            vec![
                s("a", "1.0.0"),
                s("@s/b", "2.0.0"),
                s("@real/thing", "3.0.0"),
                s("ws-name", "0.1.0"),
                s("unnamed", "0.2.0")
            ]
        );
    }

    #[test]
    fn install_path_names() {
        assert_eq!(name_from_install_path("node_modules/a"), "a");
        assert_eq!(name_from_install_path("node_modules/@s/b"), "@s/b");
        assert_eq!(name_from_install_path("node_modules/@s/b/node_modules/c"), "c");
        assert_eq!(name_from_install_path("@s/b"), "@s/b");
        assert_eq!(name_from_install_path("deps/etag"), "etag");
        assert_eq!(name_from_install_path("etag"), "etag");
        assert_eq!(name_from_install_path("node_modules/a/"), "a");
        assert_eq!(name_from_install_path("/"), "");
        assert_eq!(name_from_install_path("@/"), "@");
    }

    #[test]
    fn v2_groups_and_duplicates() {
        let json = r#"{"packages": {
            "node_modules/a": {"version": "1.0.0", "dev": true},
            "node_modules/b": {"version": "1.0.0", "optional": true},
            "node_modules/c": {"version": "1.0.0", "devOptional": true},
            "node_modules/d": {"version": "1.0.0", "dev": true, "optional": true},
            "node_modules/x/node_modules/a": {"version": "1.0.0", "optional": true},
            "node_modules/y/node_modules/b": {"version": "1.0.0"}
        }}"#;
        let groups = |g: &[&str]| g.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            summary(json),
            vec![
                ("a".into(), "1.0.0".into(), None, groups(&["dev", "optional"])),
                ("b".into(), "1.0.0".into(), None, vec![]),
                ("c".into(), "1.0.0".into(), None, groups(&["dev", "optional"])),
                ("d".into(), "1.0.0".into(), None, groups(&["dev", "optional"])),
            ]
        );
    }

    #[test]
    fn v2_git_dependencies_carry_their_commit() {
        let json = r#"{"packages": {
            "node_modules/g": {"version": "1.0.0", "resolved": "git+ssh://git@github.com/o/g.git#0123abc"},
            "node_modules/h": {"resolved": "git+ssh://git@github.com/o/h.git#4567def"},
            "node_modules/r": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/r/-/r-1.0.0.tgz"}
        }}"#;
        assert_eq!(
            summary(json),
            vec![
                ("g".into(), "1.0.0".into(), Some("0123abc".into()), vec![]),
                ("h".into(), String::new(), Some("4567def".into()), vec![]),
                s("r", "1.0.0"),
            ]
        );
    }

    #[test]
    fn v1_nested_aliases_files_and_git() {
        let json = r#"{"lockfileVersion": 1, "dependencies": {
            "a": {"version": "1.0.0", "dev": true, "dependencies": {
                "b": {"version": "2.0.0", "dependencies": {"c": {"version": "3.0.0", "optional": true}}}
            }},
            "alias": {"version": "npm:@scope/real@4.0.0"},
            "local": {"version": "file:../local"},
            "git": {"version": "github:o/git#89abcdef"},
            "tarball": {"version": "https://example.com/t.tgz"},
            "broken-alias": {"version": "npm:nothing"},
            "nothing": null,
            "no-version": {}
        }}"#;
        assert_eq!(
            summary(json),
            vec![
                ("a".into(), "1.0.0".into(), None, vec!["dev".to_string()]),
                s("b", "2.0.0"),
                ("c".into(), "3.0.0".into(), None, vec!["optional".to_string()]),
                s("@scope/real", "4.0.0"),
                s("local", ""),
                ("git".into(), String::new(), Some("89abcdef".into()), vec![]),
                s("tarball", ""),
                s("broken-alias", ""),
                s("no-version", ""),
            ]
        );
    }

    #[test]
    fn packages_win_over_dependencies() {
        let json = r#"{"lockfileVersion": 2,
            "packages": {"": {}, "node_modules/a": {"version": "1.0.0"}},
            "dependencies": {"b": {"version": "1.0.0"}}}"#;
        assert_eq!(summary(json), vec![s("a", "1.0.0")]);
        assert_eq!(
            summary(r#"{"lockfileVersion": 2, "packages": {}, "dependencies": {"b": {"version": "1"}}}"#),
            vec![]
        );
        assert_eq!(summary("{}"), vec![]);
    }

    #[test]
    fn packages_have_npm_purls_and_the_file_as_location() {
        let p = parse(r#"{"packages": {"node_modules/@babel/core": {"version": "7.0.0"}}}"#).unwrap();
        assert_eq!(p[0].purl, "pkg:npm/%40babel/core@7.0.0");
        assert_eq!(p[0].ecosystem, "npm");
        assert_eq!(p[0].locations[0].path, "app/package-lock.json");
    }

    #[test]
    fn deep_v1_nesting_is_an_error_not_a_crash() {
        let depth = 10_000;
        let mut json = String::from(r#"{"dependencies": "#);
        for _ in 0..depth {
            json.push_str(r#"{"a": {"version": "1", "dependencies": "#);
        }
        json.push_str("{}");
        for _ in 0..depth {
            json.push_str("}}");
        }
        json.push('}');
        let e = parse(&json).unwrap_err();
        assert!(e.to_string().contains("recursion limit exceeded"), "{e}");
    }

    #[test]
    fn errors_name_the_file_and_position() {
        let e = parse("this is not json!").unwrap_err();
        assert_eq!(e.to_string(), "app/package-lock.json: 1:2: invalid JSON, expected ident");
        let e = parse("{\n  \"packages\": {\n    \"node_modules/a\": {\"version\": 1}\n  }\n}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "app/package-lock.json: 3:35: invalid JSON, invalid type: integer `1`, expected a string"
        );
        let e = parse(r#"{"packages": []}"#).unwrap_err();
        assert_eq!(e.to_string(), "app/package-lock.json: 1:13: invalid JSON, invalid type: sequence, expected a map");
        assert!(parse("null").is_err());
        assert!(parse("[]").is_err());
    }
}
