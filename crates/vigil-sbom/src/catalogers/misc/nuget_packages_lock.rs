//! NuGet `packages.lock.json` (lockfile versions 1 and 2).

use std::collections::HashSet;

use serde::Deserialize;

use super::decode::{self, OrderedMap};
use crate::cataloger::file_name;
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, ecosystem};

/// Lists the resolved packages of every target framework, each `name@version` once. Project
/// references (`"type": "Project"`) are other projects of the same solution, not NuGet packages,
/// and are skipped.
pub(crate) struct NugetPackagesLock;

/// NuGet.Client, `PackagesLockFileFormat.cs`.
#[derive(Deserialize)]
struct Lockfile {
    version: Option<i64>,
    #[serde(default)]
    dependencies: Option<OrderedMap<Option<OrderedMap<LockedPackage>>>>,
}

#[derive(Deserialize)]
struct LockedPackage {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    resolved: Option<String>,
}

impl Cataloger for NugetPackagesLock {
    fn id(&self) -> &'static str {
        "nuget-packages-lock"
    }

    fn matches(&self, path: &str) -> bool {
        file_name(path) == "packages.lock.json"
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = decode::text(input)?;
        let lockfile: Lockfile = decode::json(input.path, text)?;
        match lockfile.version {
            Some(1 | 2) => {}
            Some(other) => {
                return Err(CatalogError::new(
                    input.path,
                    format!("unsupported lock file version {other}, expected `1` or `2`"),
                ));
            }
            None => return Err(CatalogError::new(input.path, "no lock file `version`, expected `1` or `2`")),
        }
        let mut found = Vec::new();
        let mut seen = HashSet::new();
        let frameworks = lockfile.dependencies.unwrap_or_default().0;
        for (_, packages) in frameworks {
            for (name, locked) in packages.unwrap_or_default().0 {
                if locked.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("project")) {
                    continue;
                }
                let version = locked.resolved.unwrap_or_default();
                if !seen.insert((name.clone(), version.clone())) {
                    continue;
                }
                let purl = Purl::new("nuget", &name).version(&version).to_string();
                found.push(Package::new(name, version, ecosystem::NUGET, purl, input.path));
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        NugetPackagesLock.parse(&CatalogInput::new("packages.lock.json", text.as_bytes()))
    }

    #[test]
    fn frameworks_deduplicated() {
        let found = parse(
            r#"{"version": 1, "dependencies": {
                "net6.0": {
                    "Test.Core": {"type": "Direct", "requested": "[6.0.5, )", "resolved": "6.0.5"},
                    "Test.System": {"type": "Transitive", "resolved": "0.13.0-beta4", "dependencies": {"Test.Core": "6.0.0"}},
                    "MyLib": {"type": "Project", "dependencies": {"Test.Core": "[6.0.5, )"}}
                },
                "net7.0": {
                    "Test.Core": {"type": "Direct", "resolved": "6.0.5"},
                    "Test.System": {"type": "Direct", "resolved": "2.15.0"}
                }
            }}"#,
        )
        .unwrap();
        let found: Vec<_> = found.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str())).collect();
        assert_eq!(
            found,
            [
                ("Test.Core", "6.0.5", "pkg:nuget/Test.Core@6.0.5"),
                ("Test.System", "0.13.0-beta4", "pkg:nuget/Test.System@0.13.0-beta4"),
                ("Test.System", "2.15.0", "pkg:nuget/Test.System@2.15.0"),
            ]
        );
    }

    #[test]
    fn empty_and_bom() {
        assert!(parse("\u{feff}{\"version\": 2, \"dependencies\": {}}").unwrap().is_empty());
        assert!(parse("{\"version\": 1}").unwrap().is_empty());
        assert!(parse("{\"version\": 1, \"dependencies\": {\"net6.0\": null}}").unwrap().is_empty());
    }

    #[test]
    fn errors() {
        let e = parse("{\"version\": 0, \"dependencies\": {}}").unwrap_err();
        assert_eq!(e.to_string(), "packages.lock.json: unsupported lock file version 0, expected `1` or `2`");
        let e = parse("{}").unwrap_err();
        assert!(e.to_string().contains("no lock file `version`"), "{e}");
        let e = parse("this is not json!").unwrap_err();
        assert_eq!(e.to_string(), "packages.lock.json: 1:2: invalid JSON, expected ident");
        let e = parse("{\"version\": 1, \"dependencies\": []}").unwrap_err();
        assert!(e.to_string().starts_with("packages.lock.json: 1:31: invalid JSON, invalid type: sequence"), "{e}");
    }
}
