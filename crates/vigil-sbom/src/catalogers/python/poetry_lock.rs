//! Poetry lockfiles (`poetry.lock`, TOML): every `[[package]]` with its name and version.
//!
//! Groups: `optional = true` gives `optional`; a 1.x `category = "dev"` gives `dev`; a 2.x
//! `groups = [...]` without `main` gives those groups. Git sources carry their
//! `resolved_reference` as the commit.

use serde::Deserialize;

use crate::cataloger::file_name;
use crate::{CatalogError, CatalogInput, Cataloger, Package};

use super::{pypi_package, toml_error};

/// Reads `poetry.lock`.
pub(crate) struct PoetryLock;

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    source: Option<Source>,
}

#[derive(Deserialize)]
struct Source {
    #[serde(default)]
    resolved_reference: Option<String>,
}

impl Cataloger for PoetryLock {
    fn id(&self) -> &'static str {
        "poetry-lock"
    }

    fn matches(&self, path: &str) -> bool {
        file_name(path) == "poetry.lock"
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = input.text()?;
        let lockfile: Lockfile = toml::from_str(text).map_err(|e| toml_error(input.path, text, &e))?;
        Ok(lockfile
            .package
            .into_iter()
            .map(|locked| {
                let mut package = pypi_package(&locked.name, &locked.version, input.path);
                if !locked.groups.is_empty() && !locked.groups.iter().any(|g| g == "main") {
                    package.dep_groups.extend(locked.groups);
                }
                if locked.category.as_deref() == Some("dev") && !package.dep_groups.iter().any(|g| g == "dev") {
                    package.dep_groups.push("dev".to_string());
                }
                if locked.optional {
                    package.dep_groups.push("optional".to_string());
                }
                package.commit = locked.source.and_then(|s| s.resolved_reference).filter(|c| !c.is_empty());
                package
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        PoetryLock.parse(&CatalogInput::new("app/poetry.lock", text.as_bytes()))
    }

    #[test]
    fn packages_groups_and_commits() {
        let text = r#"
[[package]]
name = "Proto_Plus"
version = "1.22.0"
category = "main"
optional = false

[[package]]
name = "pytest"
version = "7.0.0"
category = "dev"

[[package]]
name = "numpy"
version = "1.23.3"
optional = true
groups = ["main"]

[[package]]
name = "ruff"
version = "0.5.0"
groups = ["lint", "dev"]

[[package]]
name = "ike"
version = "0.2.0"

[package.source]
type = "git"
url = "https://github.com/dzshn/ike"
reference = "main"
resolved_reference = "cd66602cd29f61a2d2e7fb995fef1e61708c034d"

[metadata]
lock-version = "2.1"
"#;
        let packages = parse(text).unwrap_or_default();
        let got: Vec<_> =
            packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.dep_groups.join(","))).collect();
        assert_eq!(
            got,
            [
                ("Proto_Plus", "1.22.0", String::new()),
                ("pytest", "7.0.0", "dev".to_string()),
                ("numpy", "1.23.3", "optional".to_string()),
                ("ruff", "0.5.0", "lint,dev".to_string()),
                ("ike", "0.2.0", String::new()),
            ]
        );
        assert_eq!(packages[0].purl, "pkg:pypi/proto-plus@1.22.0");
        assert_eq!(packages[0].ecosystem, "PyPI");
        assert_eq!(packages[4].commit.as_deref(), Some("cd66602cd29f61a2d2e7fb995fef1e61708c034d"));
    }

    #[test]
    fn empty_and_invalid() {
        assert_eq!(parse("package = []\n[metadata]\n").map(|p| p.len()), Ok(0));
        assert_eq!(parse("").map(|p| p.len()), Ok(0));
        let err = parse("this is not valid toml! (I think)").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("app/poetry.lock: invalid TOML at line 1 column 6: "), "{err}");
        let err = parse("[[package]]\nversion = \"1\"\n").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("app/poetry.lock: invalid TOML at line 1 column 1: missing field `name`"), "{err}");
        let err = parse("[[package]]\nname = 1\n").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("line 2 column 8"), "{err}");
    }
}
