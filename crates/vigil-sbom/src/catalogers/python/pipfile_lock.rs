//! Pipenv lockfiles (`Pipfile.lock`, JSON): the `default` and `develop` sections.
//!
//! As in osv-scanner, a package is recorded once per (name, version); one only in `develop` is
//! `dev`. Entries without an `==` pin (VCS or path installs) record no version and are skipped.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::cataloger::file_name;
use crate::{CatalogError, CatalogInput, Cataloger, Package};

use super::{json_error, pypi_package};

/// Reads `Pipfile.lock`.
pub(crate) struct PipfileLock;

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    default: Option<Map<String, Value>>,
    #[serde(default)]
    develop: Option<Map<String, Value>>,
}

impl Cataloger for PipfileLock {
    fn id(&self) -> &'static str {
        "pipfile-lock"
    }

    fn matches(&self, path: &str) -> bool {
        file_name(path) == "Pipfile.lock"
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let lockfile: Lockfile = serde_json::from_slice(input.contents).map_err(|e| json_error(input.path, &e))?;
        let mut packages: Vec<Package> = Vec::new();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        let sections = [(lockfile.default, None), (lockfile.develop, Some("dev"))];
        for (section, group) in sections {
            for (name, entry) in section.into_iter().flatten() {
                let Some(version) = entry.get("version").and_then(Value::as_str).and_then(pinned_version) else {
                    continue;
                };
                if !seen.insert((name.clone(), version.to_string())) {
                    continue;
                }
                let mut package = pypi_package(&name, version, input.path);
                package.dep_groups.extend(group.map(str::to_string));
                packages.push(package);
            }
        }
        Ok(packages)
    }
}

/// The version of an `==1.2.3` (or `===1.2.3`) pin.
fn pinned_version(spec: &str) -> Option<&str> {
    let spec = spec.trim();
    let version = spec.strip_prefix("===").or_else(|| spec.strip_prefix("=="))?.trim();
    (!version.is_empty()).then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        PipfileLock.parse(&CatalogInput::new("Pipfile.lock", text.as_bytes()))
    }

    #[test]
    fn default_and_develop() {
        let text = r#"{
  "_meta": {"pipfile-spec": 6},
  "default": {
    "itsdangerous": {"version": "==2.1.2"},
    "pluggy": {"version": "==1.0.1"},
    "MarkupSafe": {"version": "==2.1.1", "markers": "python_version >= '3.7'"},
    "editable": {"editable": true, "git": "https://github.com/pallets/markupsafe", "ref": "b360541"},
    "star": {"version": "*"},
    "short": {"version": "="},
    "odd": 5
  },
  "develop": {
    "itsdangerous": {"version": "==2.1.2"},
    "pluggy": {"version": "==1.0.0"}
  }
}"#;
        let packages = parse(text).unwrap_or_default();
        let got: Vec<_> =
            packages.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.dep_groups.join(","))).collect();
        assert_eq!(
            got,
            [
                ("itsdangerous", "2.1.2", String::new()),
                ("pluggy", "1.0.1", String::new()),
                ("MarkupSafe", "2.1.1", String::new()),
                ("pluggy", "1.0.0", "dev".to_string()),
            ]
        );
        assert_eq!(packages[2].purl, "pkg:pypi/markupsafe@2.1.1");
    }

    #[test]
    fn empty_and_invalid() {
        assert_eq!(parse(r#"{"default": {}, "develop": {}}"#).map(|p| p.len()), Ok(0));
        assert_eq!(parse(r#"{"default": null}"#).map(|p| p.len()), Ok(0));
        let err = parse("<html>").err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(err, "Pipfile.lock: invalid JSON: expected value at line 1 column 1");
        let err = parse("{\n\"default\": []}").err().map(|e| e.message).unwrap_or_default();
        assert!(err.starts_with("invalid JSON: invalid type: sequence, expected a map at line 2"), "{err}");
    }
}
