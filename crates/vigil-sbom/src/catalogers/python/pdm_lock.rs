//! PDM lockfiles (`pdm.lock`, TOML): every `[[package]]` with its name and version.
//!
//! Groups as osv-scanner reads them: a package in the `dev` group is `dev`; one in neither
//! `default` nor `dev` is `optional`. Lockfiles too old to record groups give none. A VCS
//! package carries its `revision` as the commit.

use serde::Deserialize;

use crate::cataloger::file_name;
use crate::{CatalogError, CatalogInput, Cataloger, Package};

use super::{pypi_package, toml_error};

/// Reads `pdm.lock`.
pub(crate) struct PdmLock;

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
    groups: Option<Vec<String>>,
    #[serde(default)]
    revision: Option<String>,
}

impl Cataloger for PdmLock {
    fn id(&self) -> &'static str {
        "pdm-lock"
    }

    fn matches(&self, path: &str) -> bool {
        file_name(path) == "pdm.lock"
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = input.text()?;
        let lockfile: Lockfile = toml::from_str(text).map_err(|e| toml_error(input.path, text, &e))?;
        Ok(lockfile
            .package
            .into_iter()
            .map(|locked| {
                let mut package = pypi_package(&locked.name, &locked.version, input.path);
                if let Some(groups) = locked.groups {
                    if groups.iter().any(|g| g == "dev") {
                        package.dep_groups.push("dev".to_string());
                    } else if !groups.iter().any(|g| g == "default") {
                        package.dep_groups.push("optional".to_string());
                    }
                }
                package.commit = locked.revision.filter(|r| !r.is_empty());
                package
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        PdmLock.parse(&CatalogInput::new("pdm.lock", text.as_bytes()))
    }

    #[test]
    fn packages_groups_and_commits() {
        let text = r#"
[metadata]
groups = ["default", "dev", "tmp"]
lock_version = "4.4.1"

[[package]]
name = "toml"
version = "0.10.2"
groups = ["default"]
git = "https://github.com/uiri/toml.git"
revision = "65bab7582ce14c55cdeec2244c65ea23039c9e6f"

[[package]]
name = "pyroute2"
version = "0.7.11"
groups = ["dev"]

[[package]]
name = "win_inet_pton"
version = "1.1.0"
groups = ["tmp"]

[[package]]
name = "both"
version = "1"
groups = ["default", "dev"]

[[package]]
name = "old"
version = "2"
"#;
        let packages = parse(text).unwrap_or_default();
        let got: Vec<_> =
            packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.dep_groups.join(","))).collect();
        assert_eq!(
            got,
            [
                ("toml", "0.10.2", String::new()),
                ("pyroute2", "0.7.11", "dev".to_string()),
                ("win_inet_pton", "1.1.0", "optional".to_string()),
                ("both", "1", "dev".to_string()),
                ("old", "2", String::new()),
            ]
        );
        assert_eq!(packages[0].commit.as_deref(), Some("65bab7582ce14c55cdeec2244c65ea23039c9e6f"));
        assert_eq!(packages[2].purl, "pkg:pypi/win-inet-pton@1.1.0");
    }

    #[test]
    fn empty_and_invalid() {
        assert_eq!(parse("[metadata]\ngroups = [\"default\"]\n").map(|p| p.len()), Ok(0));
        let err = parse("this is not valid toml! (I think)").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("pdm.lock: invalid TOML at line 1"), "{err}");
        let err = parse("[[package]]\nname = \"a\"\ngroups = \"dev\"\n").err().map(|e| e.message).unwrap_or_default();
        assert!(err.starts_with("invalid TOML at line 3 column 10: "), "{err}");
    }
}
