//! R `renv.lock` (JSON).

use serde::Deserialize;

use super::decode::{self, OrderedMap};
use crate::cataloger::file_name;
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, ecosystem};

/// Lists the packages installed from CRAN (`"Repository": "CRAN"`), the only R ecosystem OSV
/// covers; Bioconductor, GitHub and other sources are skipped, as osv-scanner does.
pub(crate) struct RenvLock;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Lockfile {
    #[serde(default)]
    packages: Option<OrderedMap<LockedPackage>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LockedPackage {
    #[serde(default)]
    package: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    repository: Option<String>,
}

impl Cataloger for RenvLock {
    fn id(&self) -> &'static str {
        "renv-lock"
    }

    fn matches(&self, path: &str) -> bool {
        file_name(path) == "renv.lock"
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = decode::text(input)?;
        let lockfile: Lockfile = decode::json(input.path, text)?;
        let mut found = Vec::new();
        for (key, locked) in lockfile.packages.unwrap_or_default().0 {
            if locked.repository.as_deref() != Some("CRAN") {
                continue;
            }
            let name = locked.package.filter(|p| !p.is_empty()).unwrap_or(key);
            let version = locked.version.unwrap_or_default();
            let purl = Purl::new("cran", &name).version(&version).to_string();
            found.push(Package::new(name, version, ecosystem::CRAN, purl, input.path));
        }
        Ok(found)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        RenvLock.parse(&CatalogInput::new("renv.lock", text.as_bytes()))
    }

    #[test]
    fn only_cran_packages() {
        let found = parse(
            r#"{
  "R": {"Version": "4.3.1", "Repositories": [{"Name": "CRAN", "URL": "https://cloud.r-project.org"}]},
  "Packages": {
    "markdown": {"Package": "markdown", "Version": "1.0", "Source": "Repository", "Repository": "CRAN"},
    "BH": {"Version": "1.75.0-0", "Repository": "CRAN"},
    "mime": {"Package": "mime", "Version": "0.12.1", "Source": "GitHub", "RemoteSha": "1763e0d"},
    "BSgenome": {"Package": "BSgenome", "Version": "1.60.0", "Source": "Bioconductor"}
  }
}"#,
        )
        .unwrap();
        let summary: Vec<_> = found.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str())).collect();
        assert_eq!(summary, [("markdown", "1.0", "pkg:cran/markdown@1.0"), ("BH", "1.75.0-0", "pkg:cran/BH@1.75.0-0")]);
        assert!(found.iter().all(|p| p.ecosystem == "CRAN"));
    }

    #[test]
    fn empty_and_errors() {
        assert!(parse("{}").unwrap().is_empty());
        assert!(parse("{\"Packages\": null}").unwrap().is_empty());
        let e = parse("this is not json!").unwrap_err();
        assert_eq!(e.to_string(), "renv.lock: 1:2: invalid JSON, expected ident");
        let e = parse("{\"Packages\": {\"a\": {\"Version\": 1}}}").unwrap_err();
        assert!(e.to_string().starts_with("renv.lock: 1:32: invalid JSON, invalid type: integer `1`"), "{e}");
    }
}
