//! pnpm's `pnpm-lock.yaml`, lockfile versions 5.x to 9.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use super::decode::{self, Entries};
use super::{PackageSet, git_ref, is_inside_node_modules};
use crate::cataloger::file_name;
use crate::{CatalogError, CatalogInput, Cataloger, Package};

/// Lists the packages under `packages`.
///
/// A package's key is its dependency path, which encodes its name and version:
/// `/name/1.0.0` and `/@scope/name/1.0.0_peer@2.0.0` in lockfile 5.x (optionally after a
/// registry host), `/name@1.0.0(peer@2.0.0)` in 6.x, `name@1.0.0` in 9. Peer suffixes are
/// dropped. A `name` or `version` field wins over the key (git, tarball and `file:`
/// dependencies, whose keys are URLs or paths); entries whose name or version stays unknown are
/// skipped, as in osv-scanner. A key with no `/` before lockfile 9 is an error (osv-scanner's
/// `invalid package path`).
///
/// A git dependency carries `resolution.commit`, or the commit of its
/// `codeload.github.com` tarball. Dependency groups: lockfiles before 9 mark packages
/// `dev: true` and `optional: true`; lockfile 9 marks `optional` in `snapshots`, and a package
/// only the importers' `devDependencies` lead to (through the snapshots' dependencies) is in
/// the `dev` group.
pub(crate) struct PnpmLock;

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default, rename = "lockfileVersion")]
    lockfile_version: Option<Spanned<String>>,
    #[serde(default)]
    packages: Option<Entries<Option<LockedPackage>, Spanned<String>>>,
    #[serde(default)]
    snapshots: Option<Entries<Option<Snapshot>>>,
    #[serde(default)]
    importers: Option<Entries<Option<Importer>>>,
}

#[derive(Deserialize)]
struct LockedPackage {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    resolution: Option<Resolution>,
    #[serde(default)]
    dev: Option<bool>,
    #[serde(default)]
    optional: Option<bool>,
}

#[derive(Deserialize)]
struct Resolution {
    #[serde(default)]
    commit: Option<String>,
    #[serde(default)]
    tarball: Option<String>,
}

/// A package in one peer-dependency context (lockfile 9).
#[derive(Deserialize)]
struct Snapshot {
    #[serde(default)]
    dependencies: Option<Entries<String>>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: Option<Entries<String>>,
    #[serde(default)]
    optional: Option<bool>,
}

/// A project of the workspace (lockfile 9; earlier versions are read for their `dev` flags).
#[derive(Deserialize)]
struct Importer {
    #[serde(default)]
    dependencies: Option<Entries<ImporterDependency>>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: Option<Entries<ImporterDependency>>,
    #[serde(default, rename = "devDependencies")]
    dev_dependencies: Option<Entries<ImporterDependency>>,
}

/// A project's dependency: `{specifier, version}` since lockfile 6, a bare version before
/// (not needed: those lockfiles mark `dev` on the packages themselves).
struct ImporterDependency {
    version: Option<String>,
}

impl<'de> Deserialize<'de> for ImporterDependency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DependencyVisitor;

        impl<'de> Visitor<'de> for DependencyVisitor {
            type Value = ImporterDependency;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a version or a map with `specifier` and `version`")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut version = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "version" {
                        version = map.next_value::<Option<String>>()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(ImporterDependency { version })
            }

            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(ImporterDependency { version: None })
            }

            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(ImporterDependency { version: None })
            }

            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(ImporterDependency { version: None })
            }

            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(ImporterDependency { version: None })
            }

            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(ImporterDependency { version: None })
            }

            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(ImporterDependency { version: None })
            }

            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(ImporterDependency { version: None })
            }
        }

        deserializer.deserialize_any(DependencyVisitor)
    }
}

impl Cataloger for PnpmLock {
    fn id(&self) -> &'static str {
        "pnpm-lock"
    }

    fn matches(&self, path: &str) -> bool {
        file_name(path) == "pnpm-lock.yaml" && !is_inside_node_modules(path)
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = decode::text(input)?;
        let Some(lockfile) = decode::yaml::<Lockfile>(input.path, text)? else { return Ok(Vec::new()) };
        let Some(packages) = &lockfile.packages else { return Ok(Vec::new()) };
        let Some(version) = &lockfile.lockfile_version else {
            return Err(CatalogError::new(
                input.path,
                "no `lockfileVersion`, expected one such as `lockfileVersion: '9.0'`",
            ));
        };
        let Some(major) = major_version(&version.value) else {
            let (line, column) = position(&version.referenced);
            return Err(decode::error_at(
                input.path,
                line,
                column,
                format!("`lockfileVersion` is `{}`, expected a number such as `9.0`", version.value),
            ));
        };
        let v9_groups = (major >= 9).then(|| V9Groups::new(&lockfile));
        let mut set = PackageSet::new(input.path);
        for (key, package) in &packages.0 {
            let (key_name, key_version) = if major >= 9 {
                name_version_v9(&key.value)
            } else {
                name_version_path(&key.value).ok_or_else(|| {
                    let (line, column) = position(&key.referenced);
                    decode::error_at(
                        input.path,
                        line,
                        column,
                        format!(
                            "invalid package path `{}`, expected `/<name>/<version>` or `/<name>@<version>`",
                            key.value
                        ),
                    )
                })?
            };
            let name = non_empty(package.as_ref().and_then(|p| p.name.as_deref())).or(key_name);
            let version = non_empty(package.as_ref().and_then(|p| p.version.as_deref())).or(key_version);
            let (Some(name), Some(version)) = (name, version) else { continue };
            let resolution = package.as_ref().and_then(|p| p.resolution.as_ref());
            let tarball_commit =
                resolution.and_then(|r| r.tarball.as_deref()).and_then(git_ref::codeload_commit).map(str::to_string);
            let commit = tarball_commit.or_else(|| resolution.and_then(|r| r.commit.clone()));
            let groups = match &v9_groups {
                Some(groups) => groups.of(strip_peers(&key.value)),
                None => {
                    let flag = |f: fn(&LockedPackage) -> Option<bool>| package.as_ref().and_then(f) == Some(true);
                    match (flag(|p| p.dev), flag(|p| p.optional)) {
                        (true, true) => &["dev", "optional"][..],
                        (true, false) => &["dev"][..],
                        (false, true) => &["optional"][..],
                        (false, false) => &[][..],
                    }
                }
            };
            set.add(name, version, commit, groups);
        }
        Ok(set.into_packages())
    }
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

/// 1-based line and column of a YAML node.
fn position(at: &serde_saphyr::Location) -> (usize, usize) {
    (usize::try_from(at.line()).unwrap_or(usize::MAX), usize::try_from(at.column()).unwrap_or(usize::MAX))
}

/// The major version of `lockfileVersion` (`5.3`, `'6.0'`, `5.4-inlineSpecifiers`, `'9.0'`).
fn major_version(version: &str) -> Option<u32> {
    let digits = version.trim().split(['.', '-']).next()?;
    digits.parse().ok()
}

/// Drops the peer-dependency suffix of a lockfile 6+ key or reference: `a@1.0.0(b@2.0.0)`.
fn strip_peers(key: &str) -> &str {
    key.split_once('(').map_or(key, |(head, _)| head)
}

/// Name and version from a lockfile 9 key: `name@version` or `@scope/name@version`. A version
/// that does not start with a digit (a tarball URL, a `file:` path) is not one; the entry's
/// `version` field gives it.
fn name_version_v9(key: &str) -> (Option<&str>, Option<&str>) {
    let key = strip_peers(key);
    let Some(at) = key.get(1..).and_then(|rest| rest.find('@')).map(|i| i + 1) else {
        return (Some(key).filter(|k| !k.is_empty()), None);
    };
    let name = key.get(..at).filter(|n| !n.is_empty());
    let version = key.get(at + 1..).filter(|v| starts_with_digit(v));
    (name, version)
}

/// Name and version from a dependency path of lockfile 5.x or 6.x; `None` when the key has
/// no `/` (and is not a `file:` or `link:` path). Name and version are both unknown when the
/// version is not one (a git or tarball key, whose entry carries `name` and `version`).
fn name_version_path(key: &str) -> Option<(Option<&str>, Option<&str>)> {
    if key.starts_with("file:") || key.starts_with("link:") {
        return Some((None, None));
    }
    let key = strip_peers(key);
    // The first segment is empty (`/a/1.0.0`) or a registry host (`registry.npmjs.org/a/1.0.0`).
    let (_, path) = key.split_once('/')?;
    let mut segments = path.splitn(3, '/');
    let first = segments.next().unwrap_or_default();
    let (name, rest) = match (first.starts_with('@'), segments.next()) {
        (true, Some(scoped)) => {
            // `@scope/name[/version]`: the name spans two segments.
            let end = first.len() + 1 + scoped.len();
            (path.get(..end).unwrap_or(first), segments.next())
        }
        (_, second) => (first, second),
    };
    let found = match rest {
        // 5.x: `/name/version_peers`.
        Some(rest) => {
            let version = rest.split('/').next().unwrap_or_default();
            let version = version.split_once('_').map_or(version, |(head, _)| head);
            starts_with_digit(version).then_some((name, version))
        }
        // 6.x: `/name@version`.
        None => split_name_at_version(name),
    };
    Some(found.map_or((None, None), |(name, version)| (Some(name), Some(version))))
}

/// `name@version` split at the `@` after the name (which may itself start with `@`), when the
/// version starts with a digit.
fn split_name_at_version(s: &str) -> Option<(&str, &str)> {
    let at = s.get(1..)?.rfind('@')? + 1;
    let (name, version) = (s.get(..at)?, s.get(at + 1..)?);
    (!name.is_empty() && starts_with_digit(version)).then_some((name, version))
}

fn starts_with_digit(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_digit())
}

/// Dependency groups of lockfile 9, worked out from the importers and snapshots.
struct V9Groups {
    /// Package keys (snapshot keys without peers) reached from a production dependency.
    production: HashSet<String>,
    /// Package keys reached from a development dependency.
    development: HashSet<String>,
    /// Package keys every snapshot of which is marked `optional: true`.
    optional: HashSet<String>,
    /// Whether any importer lists a dependency (else nothing is known to be dev-only).
    has_roots: bool,
}

impl V9Groups {
    fn new(lockfile: &Lockfile) -> Self {
        let snapshots: HashMap<&str, &Snapshot> = lockfile
            .snapshots
            .iter()
            .flat_map(|s| &s.0)
            .filter_map(|(key, snapshot)| Some((key.as_str(), snapshot.as_ref()?)))
            .collect();
        let mut production_roots = Vec::new();
        let mut development_roots = Vec::new();
        for importer in lockfile.importers.iter().flat_map(|i| &i.0).filter_map(|(_, i)| i.as_ref()) {
            let listed = |deps: &Option<Entries<ImporterDependency>>| -> Vec<(String, String)> {
                deps.iter()
                    .flat_map(|d| &d.0)
                    .filter_map(|(name, dep)| Some((name.clone(), dep.version.clone()?)))
                    .collect()
            };
            production_roots.extend(listed(&importer.dependencies));
            production_roots.extend(listed(&importer.optional_dependencies));
            development_roots.extend(listed(&importer.dev_dependencies));
        }
        let has_roots = !production_roots.is_empty() || !development_roots.is_empty();
        let production = reachable(&snapshots, &production_roots);
        let development = reachable(&snapshots, &development_roots);
        let mut optional: HashMap<&str, bool> = HashMap::new();
        for (key, snapshot) in &snapshots {
            let all_optional = optional.entry(strip_peers(key)).or_insert(true);
            *all_optional &= snapshot.optional == Some(true);
        }
        V9Groups {
            production: production.into_iter().map(|k| strip_peers(k).to_string()).collect(),
            development: development.into_iter().map(|k| strip_peers(k).to_string()).collect(),
            optional: optional.into_iter().filter(|(_, all)| *all).map(|(k, _)| k.to_string()).collect(),
            has_roots,
        }
    }

    /// The groups of the package with this key (a `packages` key).
    fn of(&self, package_key: &str) -> &'static [&'static str] {
        let dev_only =
            self.has_roots && !self.production.contains(package_key) && self.development.contains(package_key);
        match (dev_only, self.optional.contains(package_key)) {
            (true, true) => &["dev", "optional"],
            (true, false) => &["dev"],
            (false, true) => &["optional"],
            (false, false) => &[],
        }
    }
}

/// The snapshot a dependency `name: reference` points to: `name@reference` (a version with
/// peers, a tarball URL, a `file:` path), or the reference itself for an alias
/// (`real@1.0.0`). `link:` references point to workspace folders, not packages.
fn snapshot_key<'a>(snapshots: &HashMap<&'a str, &Snapshot>, name: &str, reference: &str) -> Option<&'a str> {
    if reference.starts_with("link:") {
        return None;
    }
    let direct = format!("{name}@{reference}");
    snapshots.get_key_value(direct.as_str()).or_else(|| snapshots.get_key_value(reference)).map(|(key, _)| *key)
}

/// The snapshot keys reachable from `roots` through the snapshots' dependencies (each visited
/// once, so the walk is linear in the size of the lockfile).
fn reachable<'a>(snapshots: &HashMap<&'a str, &Snapshot>, roots: &[(String, String)]) -> HashSet<&'a str> {
    let mut seen = HashSet::new();
    let mut pending: Vec<&'a str> =
        roots.iter().filter_map(|(name, reference)| snapshot_key(snapshots, name, reference)).collect();
    while let Some(key) = pending.pop() {
        if !seen.insert(key) {
            continue;
        }
        let Some(snapshot) = snapshots.get(key) else { continue };
        let deps = [&snapshot.dependencies, &snapshot.optional_dependencies];
        for (name, reference) in deps.into_iter().flatten().flat_map(|d| &d.0) {
            if let Some(next) = snapshot_key(snapshots, name, reference)
                && !seen.contains(next)
            {
                pending.push(next);
            }
        }
    }
    seen
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        PnpmLock.parse(&CatalogInput::new("repo/pnpm-lock.yaml", text.as_bytes()))
    }

    fn summary(text: &str) -> Vec<(String, String, Option<String>, Vec<String>)> {
        parse(text).unwrap().into_iter().map(|p| (p.name, p.version, p.commit, p.dep_groups)).collect()
    }

    fn s(name: &str, version: &str, groups: &[&str]) -> (String, String, Option<String>, Vec<String>) {
        (name.to_string(), version.to_string(), None, groups.iter().map(|g| g.to_string()).collect())
    }

    #[test]
    fn matches_lockfiles_outside_node_modules() {
        assert!(PnpmLock.matches("pnpm-lock.yaml"));
        assert!(PnpmLock.matches("a/pnpm-lock.yaml"));
        assert!(!PnpmLock.matches("a/node_modules/.pnpm/lock.yaml"));
        assert!(!PnpmLock.matches("a/node_modules/x/pnpm-lock.yaml"));
        assert!(!PnpmLock.matches("a/pnpm-lock.yml"));
    }

    #[test]
    fn dependency_paths() {
        let p = |k| name_version_path(k).unwrap();
        assert_eq!(p("/foo/1.0.0"), (Some("foo"), Some("1.0.0")));
        assert_eq!(p("/@foo/bar/1.0.0"), (Some("@foo/bar"), Some("1.0.0")));
        assert_eq!(p("registry.npmjs.org/@foo/bar/1.1.0"), (Some("@foo/bar"), Some("1.1.0")));
        assert_eq!(p("example.com/foo/1.3.0_bar@2.0.0"), (Some("foo"), Some("1.3.0")));
        assert_eq!(p("/foo/1.4.0_@types+babel__core@7.1.14"), (Some("foo"), Some("1.4.0")));
        assert_eq!(p("/foo/bar"), (None, None));
        assert_eq!(p("github.com/kevva/is-positive"), (None, None));
        assert_eq!(p("/acorn@8.7.0"), (Some("acorn"), Some("8.7.0")));
        assert_eq!(p("/@typescript-eslint/types@5.57.1"), (Some("@typescript-eslint/types"), Some("5.57.1")));
        assert_eq!(
            p("/@typescript-eslint/eslint-plugin@5.13.0(@typescript-eslint/parser@5.13.0)(eslint@8.10.0)"),
            (Some("@typescript-eslint/eslint-plugin"), Some("5.13.0"))
        );
        assert_eq!(p("/@scope"), (None, None));
        assert_eq!(p("/"), (None, None));
        assert_eq!(p("file:../local"), (None, None));
        assert_eq!(name_version_path("axios@1.2.5"), None);
        assert_eq!(name_version_path(""), None);
    }

    #[test]
    fn v9_keys() {
        assert_eq!(name_version_v9("acorn@8.11.3"), (Some("acorn"), Some("8.11.3")));
        assert_eq!(name_version_v9("@eslint/eslintrc@2.1.4"), (Some("@eslint/eslintrc"), Some("2.1.4")));
        assert_eq!(name_version_v9("tsutils@3.21.0(typescript@4.9.5)"), (Some("tsutils"), Some("3.21.0")));
        assert_eq!(
            name_version_v9("ansi-regex@https://codeload.github.com/chalk/ansi-regex/tar.gz/02fa"),
            (Some("ansi-regex"), None)
        );
        assert_eq!(name_version_v9("a@git+ssh://git@github.com/o/a.git#0123"), (Some("a"), None));
        assert_eq!(name_version_v9("@scope"), (Some("@scope"), None));
        assert_eq!(name_version_v9("@"), (Some("@"), None));
        assert_eq!(name_version_v9(""), (None, None));
    }

    #[test]
    fn lockfile_versions() {
        assert_eq!(major_version("5.3"), Some(5));
        assert_eq!(major_version("5.4-inlineSpecifiers"), Some(5));
        assert_eq!(major_version("9.0"), Some(9));
        assert_eq!(major_version("10"), Some(10));
        assert_eq!(major_version("x"), None);
        assert_eq!(major_version(""), None);
    }

    #[test]
    fn v5_packages_with_groups_names_and_commits() {
        let text = "lockfileVersion: 5.4
packages:
  /a/1.0.0:
    dev: false
  /b/2.0.0_a@1.0.0:
    dev: true
  /c/3.0.0:
    dev: false
    optional: true
  /d/4.0.0:
    dev: true
    optional: true
  github.com/o/e/0123abc:
    resolution: {commit: 0123abc, repo: git+ssh://git@github.com/o/e.git, type: git}
    name: e
    version: 5.0.0
  github.com/o/f/4567def:
    resolution: {tarball: https://codeload.github.com/o/f/tar.gz/4567def}
    name: f
    version: 6.0.0
  file:../local:
    resolution: {directory: ../local, type: directory}
    name: local
    version: 7.0.0
  file:../nameless:
    version: 8.0.0
  /only-key:
";
        assert_eq!(
            summary(text),
            vec![
                s("a", "1.0.0", &[]),
                s("b", "2.0.0", &["dev"]),
                s("c", "3.0.0", &["optional"]),
                s("d", "4.0.0", &["dev", "optional"]),
                ("e".into(), "5.0.0".into(), Some("0123abc".into()), vec![]),
                ("f".into(), "6.0.0".into(), Some("4567def".into()), vec![]),
                s("local", "7.0.0", &[]),
            ]
        );
    }

    #[test]
    fn v9_groups_follow_the_importers() {
        let text = "lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      prod:
        specifier: ^1.0.0
        version: 1.0.0(peer@1.0.0)
      ws:
        specifier: workspace:*
        version: link:packages/ws
    devDependencies:
      tool:
        specifier: ^2.0.0
        version: 2.0.0
      aliased:
        specifier: npm:real@^3
        version: real@3.0.0
  packages/ws:
    optionalDependencies:
      opt:
        specifier: ^4
        version: 4.0.0
packages:
  prod@1.0.0:
    resolution: {integrity: sha512-x}
  peer@1.0.0: {}
  shared@1.0.0: {}
  tool@2.0.0: {}
  tool-dep@1.0.0: {}
  real@3.0.0: {}
  opt@4.0.0: {}
  orphan@5.0.0: {}
snapshots:
  prod@1.0.0(peer@1.0.0):
    dependencies:
      peer: 1.0.0
      shared: 1.0.0
  peer@1.0.0: {}
  shared@1.0.0: {}
  tool@2.0.0:
    dependencies:
      shared: 1.0.0
      tool-dep: 1.0.0
      cycle: 1.0.0
  tool-dep@1.0.0:
    dependencies:
      tool: 2.0.0
  real@3.0.0: {}
  opt@4.0.0:
    optional: true
  orphan@5.0.0: {}
";
        assert_eq!(
            summary(text),
            vec![
                s("prod", "1.0.0", &[]),
                s("peer", "1.0.0", &[]),
                s("shared", "1.0.0", &[]),
                s("tool", "2.0.0", &["dev"]),
                s("tool-dep", "1.0.0", &["dev"]),
                s("real", "3.0.0", &["dev"]),
                s("opt", "4.0.0", &["optional"]),
                s("orphan", "5.0.0", &[]),
            ]
        );
    }

    #[test]
    fn v9_git_and_tarball_packages() {
        let text = "lockfileVersion: '9.0'
packages:
  ansi-regex@https://codeload.github.com/chalk/ansi-regex/tar.gz/02fa893d:
    resolution: {tarball: https://codeload.github.com/chalk/ansi-regex/tar.gz/02fa893d}
    version: 6.0.1
  no-version@https://example.com/x.tgz:
    resolution: {tarball: https://example.com/x.tgz}
";
        assert_eq!(summary(text), vec![("ansi-regex".into(), "6.0.1".into(), Some("02fa893d".into()), vec![])]);
    }

    #[test]
    fn v5_importers_with_bare_versions_are_accepted() {
        let text = "lockfileVersion: 5.4
importers:
  .:
    specifiers:
      a: ^1.0.0
    dependencies:
      a: 1.0.0
      b: 1.10
packages:
  /a/1.0.0:
    dev: false
";
        assert_eq!(summary(text), vec![s("a", "1.0.0", &[])]);
    }

    #[test]
    fn empty_and_package_less_files() {
        assert_eq!(summary(""), vec![]);
        assert_eq!(summary("# nothing\n"), vec![]);
        assert_eq!(summary("lockfileVersion: 5.3\nspecifiers:\ndependencies:\npackages:\n"), vec![]);
        assert_eq!(summary("importers: {}\n"), vec![]);
    }

    #[test]
    fn errors_name_the_position() {
        let e = parse("lockfileVersion: 5.4\npackages:\n  /a/1.0.0: {}\n  axios@1.2.5:\n    dev: false\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "repo/pnpm-lock.yaml: 4:3: invalid package path `axios@1.2.5`, expected `/<name>/<version>` or `/<name>@<version>`"
        );
        let e = parse("lockfileVersion: banana\npackages:\n  /a/1.0.0: {}\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "repo/pnpm-lock.yaml: 1:18: `lockfileVersion` is `banana`, expected a number such as `9.0`"
        );
        let e = parse("packages:\n  /a/1.0.0: {}\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "repo/pnpm-lock.yaml: no `lockfileVersion`, expected one such as `lockfileVersion: '9.0'`"
        );
        let e = parse("this is not valid yaml!").unwrap_err();
        assert!(e.to_string().starts_with("repo/pnpm-lock.yaml: 1:1: invalid YAML, "), "{e}");
        let e = parse("lockfileVersion: 5.4\npackages:\n  /a/1.0.0:\n    dev: [1]\n").unwrap_err();
        assert!(e.to_string().starts_with("repo/pnpm-lock.yaml: 4:"), "{e}");
    }
}
