//! JavaScript catalogers: the npm (`package-lock.json`, `npm-shrinkwrap.json`), Yarn
//! (`yarn.lock`, classic and Berry) and pnpm (`pnpm-lock.yaml`) lockfiles, and installed
//! packages (`node_modules/<name>/package.json`).
//!
//! Every package is in the `npm` ecosystem, named as npm spells it (`@scope/name`), with the
//! purl `pkg:npm/%40scope/name@version`. Lockfiles found inside a `node_modules` folder are
//! left alone: they describe how a dependency was developed, not what was installed (the
//! installed packages are found through their `package.json` instead).

mod decode;
mod git_ref;
mod node_package_json;
mod npm_package_lock;
mod pnpm_lock;
mod yarn_lock;

use std::collections::HashMap;

use crate::purl::Purl;
use crate::{Cataloger, Package, ecosystem};

/// The catalogers of this family.
pub(crate) static CATALOGERS: &[&dyn Cataloger] = &[
    &npm_package_lock::NpmPackageLock,
    &yarn_lock::YarnLock,
    &pnpm_lock::PnpmLock,
    &node_package_json::NodePackageJson,
];

/// `pkg:npm/<scope>/<name>@<version>`: an `@scope/name` is split into namespace and name (the
/// scope keeps its `@`, which the purl encodes as `%40`); the version is left out when empty.
pub(crate) fn npm_purl(name: &str, version: &str) -> String {
    let purl = match name.split_once('/') {
        Some((scope, base)) if scope.starts_with('@') && !base.is_empty() => Purl::new("npm", base).namespace(scope),
        _ => Purl::new("npm", name),
    };
    purl.version(version).to_string()
}

/// An npm package found at `path`, with its purl.
pub(crate) fn npm_package(name: &str, version: &str, path: &str) -> Package {
    Package::new(name, version, ecosystem::NPM, npm_purl(name, version), path)
}

/// Whether a `/`-separated path goes through a `node_modules` folder.
pub(crate) fn is_inside_node_modules(path: &str) -> bool {
    let mut segments: Vec<&str> = path.split('/').collect();
    segments.pop();
    segments.contains(&"node_modules")
}

/// Packages in the order first found, one per (name, version, commit).
///
/// A package listed twice (an npm lockfile nests the same version under several parents, a
/// Berry lockfile lists a patched copy) is kept once. Its dependency groups merge as npm
/// counts them: a package any production dependency needs is a production package (no group);
/// otherwise it belongs to every group it was found in.
pub(crate) struct PackageSet {
    path: String,
    packages: Vec<Package>,
    index: HashMap<(String, String, Option<String>), usize>,
}

impl PackageSet {
    /// An empty set whose packages are located at `path`.
    pub(crate) fn new(path: &str) -> Self {
        PackageSet { path: path.to_string(), packages: Vec::new(), index: HashMap::new() }
    }

    /// Adds a package; `groups` are its dependency groups (empty for production or unknown).
    /// Packages without a name are dropped: nothing could match them.
    pub(crate) fn add(&mut self, name: &str, version: &str, commit: Option<String>, groups: &[&str]) {
        if name.is_empty() {
            return;
        }
        let commit = commit.filter(|c| !c.is_empty());
        let key = (name.to_string(), version.to_string(), commit.clone());
        if let Some(&i) = self.index.get(&key) {
            if let Some(existing) = self.packages.get_mut(i) {
                merge_groups(&mut existing.dep_groups, groups);
            }
            return;
        }
        let mut package = npm_package(name, version, &self.path);
        package.commit = commit;
        package.dep_groups = groups.iter().map(|g| (*g).to_string()).collect();
        package.dep_groups.sort();
        package.dep_groups.dedup();
        self.index.insert(key, self.packages.len());
        self.packages.push(package);
    }

    /// The packages, in the order first added.
    pub(crate) fn into_packages(self) -> Vec<Package> {
        self.packages
    }
}

/// Merges `other` into `groups` (both sorted): empty (production) wins, else the union.
fn merge_groups(groups: &mut Vec<String>, other: &[&str]) {
    if groups.is_empty() {
        return;
    }
    if other.is_empty() {
        groups.clear();
        return;
    }
    groups.extend(other.iter().map(|g| (*g).to_string()));
    groups.sort();
    groups.dedup();
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn purls_split_the_scope() {
        assert_eq!(npm_purl("@angular/core", "16.0.0"), "pkg:npm/%40angular/core@16.0.0");
        assert_eq!(npm_purl("wrappy", "1.0.2"), "pkg:npm/wrappy@1.0.2");
        assert_eq!(npm_purl("wrappy", ""), "pkg:npm/wrappy");
        // Not a scope: kept whole (and encoded).
        assert_eq!(npm_purl("@angular", "1.0.0"), "pkg:npm/%40angular@1.0.0");
        assert_eq!(npm_purl("@angular/", "1.0.0"), "pkg:npm/%40angular%2F@1.0.0");
        assert_eq!(npm_purl("a/b", "1"), "pkg:npm/a%2Fb@1");
        assert_eq!(npm_purl("x", "1.0.0+build"), "pkg:npm/x@1.0.0%2Bbuild");
    }

    #[test]
    fn node_modules_detection() {
        assert!(is_inside_node_modules("app/node_modules/x/package-lock.json"));
        assert!(is_inside_node_modules("node_modules/x/yarn.lock"));
        assert!(!is_inside_node_modules("app/package-lock.json"));
        assert!(!is_inside_node_modules("package-lock.json"));
        assert!(!is_inside_node_modules("app/node_modules"));
        assert!(!is_inside_node_modules("my_node_modules/yarn.lock"));
    }

    #[test]
    fn sets_deduplicate_and_merge_groups() {
        let mut set = PackageSet::new("p");
        set.add("a", "1", None, &["dev"]);
        set.add("a", "1", None, &["optional"]);
        set.add("b", "1", None, &["dev"]);
        set.add("b", "1", None, &[]);
        set.add("b", "1", None, &["dev"]);
        set.add("c", "1", Some("abc".into()), &[]);
        set.add("c", "1", Some(String::new()), &[]);
        set.add("", "1", None, &[]);
        let got: Vec<_> = set
            .into_packages()
            .into_iter()
            .map(|p| (p.name, p.version, p.commit, p.dep_groups, p.locations[0].path.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a".into(), "1".into(), None, vec!["dev".to_string(), "optional".to_string()], "p".into()),
                ("b".into(), "1".into(), None, vec![], "p".into()),
                ("c".into(), "1".into(), Some("abc".into()), vec![], "p".into()),
                ("c".into(), "1".into(), None, vec![], "p".into()),
            ]
        );
    }
}
