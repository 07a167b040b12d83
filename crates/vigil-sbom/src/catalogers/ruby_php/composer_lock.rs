//! Composer lockfiles (`composer.lock`, JSON): `packages` and `packages-dev` (group `dev`).
//!
//! Versions are kept as recorded (a `v` prefix stays, as in osv-scanner); the commit is the
//! `dist` reference, else the `source` reference.

use serde::Deserialize;

use crate::cataloger::file_name;
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, ecosystem};

/// Reads `composer.lock`.
pub(crate) struct ComposerLock;

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    packages: Option<Vec<LockedPackage>>,
    #[serde(default, rename = "packages-dev")]
    packages_dev: Option<Vec<LockedPackage>>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    dist: Option<Reference>,
    #[serde(default)]
    source: Option<Reference>,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(default)]
    reference: Option<String>,
}

impl Cataloger for ComposerLock {
    fn id(&self) -> &'static str {
        "composer-lock"
    }

    fn matches(&self, path: &str) -> bool {
        file_name(path) == "composer.lock"
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let lockfile: Lockfile = serde_json::from_slice(input.contents)
            .map_err(|e| CatalogError::new(input.path, format!("invalid JSON: {e}")))?;
        let sections = [(lockfile.packages, None), (lockfile.packages_dev, Some("dev"))];
        let mut packages = Vec::new();
        for (section, group) in sections {
            for locked in section.into_iter().flatten() {
                let version = locked.version.unwrap_or_default();
                let purl = match locked.name.split_once('/') {
                    Some((vendor, name)) => Purl::new("composer", name).namespace(vendor),
                    None => Purl::new("composer", &locked.name),
                };
                let purl = purl.version(&version).to_string();
                let mut package = Package::new(locked.name, version, ecosystem::PACKAGIST, purl, input.path);
                package.dep_groups.extend(group.map(str::to_string));
                package.commit = [locked.dist, locked.source]
                    .into_iter()
                    .flatten()
                    .find_map(|r| r.reference.filter(|r| !r.is_empty()));
                packages.push(package);
            }
        }
        Ok(packages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        ComposerLock.parse(&CatalogInput::new("composer.lock", text.as_bytes()))
    }

    #[test]
    fn packages_and_dev_packages() {
        let text = r#"{
  "packages": [
    {"name": "sentry/sdk", "version": "2.0.4",
     "source": {"type": "git", "reference": "aaaa"},
     "dist": {"type": "zip", "reference": "4c115873c86ad5bd0ac6d962db70ca53bf8fb874"}},
    {"name": "local/pkg", "version": "v1.0.0", "dist": null, "source": {"reference": "bbbb"}},
    {"name": "path/pkg", "version": "dev-main", "dist": {"reference": null}}
  ],
  "packages-dev": [
    {"name": "theseer/tokenizer", "version": "1.1.3"}
  ],
  "platform-dev": []
}"#;
        let packages = parse(text).unwrap_or_default();
        let got: Vec<_> = packages
            .iter()
            .map(|p| {
                (p.name.as_str(), p.version.as_str(), p.dep_groups.join(","), p.commit.as_deref().unwrap_or_default())
            })
            .collect();
        assert_eq!(
            got,
            [
                ("sentry/sdk", "2.0.4", String::new(), "4c115873c86ad5bd0ac6d962db70ca53bf8fb874"),
                ("local/pkg", "v1.0.0", String::new(), "bbbb"),
                ("path/pkg", "dev-main", String::new(), ""),
                ("theseer/tokenizer", "1.1.3", "dev".to_string(), ""),
            ]
        );
        assert_eq!(packages[0].purl, "pkg:composer/sentry/sdk@2.0.4");
        assert_eq!(packages[0].ecosystem, "Packagist");
    }

    #[test]
    fn empty_and_invalid() {
        assert_eq!(parse(r#"{"packages": [], "packages-dev": null}"#).map(|p| p.len()), Ok(0));
        let err = parse("<html>").err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(err, "composer.lock: invalid JSON: expected value at line 1 column 1");
        let err = parse("{\"packages\": [{\"version\": \"1\"}]}").err().map(|e| e.message).unwrap_or_default();
        assert_eq!(err, "invalid JSON: missing field `name` at line 1 column 30");
    }
}
