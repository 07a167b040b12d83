//! Installed npm packages: the `package.json` of each folder under `node_modules`.

use serde::Deserialize;

use super::decode;
use super::npm_package;
use crate::{CatalogError, CatalogInput, Cataloger, Package};

/// Reads the `package.json` at the root of an installed package:
/// `…/node_modules/<name>/package.json` or `…/node_modules/@scope/<name>/package.json`, at any
/// depth of nesting (`node_modules/a/node_modules/b/package.json`, pnpm's
/// `node_modules/.pnpm/a@1.0.0/node_modules/a/package.json`, a global
/// `/usr/lib/node_modules/npm/package.json`).
///
/// A project's own `package.json` lists ranges, not installed versions, so it is never read;
/// nor are the `package.json` files deeper inside a package (test fixtures, or the
/// `{"type": "module"}` stubs of dual packages), which do not describe an installed package.
/// The package is the file's `name` and `version`; a file missing either yields nothing.
pub(crate) struct NodePackageJson;

#[derive(Deserialize)]
struct Manifest {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
}

impl Cataloger for NodePackageJson {
    fn id(&self) -> &'static str {
        "node-package-json"
    }

    fn matches(&self, path: &str) -> bool {
        let segments: Vec<&str> = path.split('/').collect();
        let Some(last_node_modules) = segments.iter().rposition(|s| *s == "node_modules") else { return false };
        let is_name = |s: &str| !s.is_empty() && !s.starts_with('.') && s != "node_modules";
        match segments.get(last_node_modules + 1..) {
            Some([name, "package.json"]) => is_name(name) && !name.starts_with('@'),
            Some([scope, name, "package.json"]) => scope.len() > 1 && scope.starts_with('@') && is_name(name),
            _ => false,
        }
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = decode::text(input)?;
        let manifest: Manifest = decode::json(input.path, text)?;
        let (Some(name), Some(version)) = (manifest.name, manifest.version) else { return Ok(Vec::new()) };
        let (name, version) = (name.trim(), version.trim());
        if name.is_empty() || version.is_empty() {
            return Ok(Vec::new());
        }
        Ok(vec![npm_package(name, version, input.path)])
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Vec<Package>, CatalogError> {
        NodePackageJson.parse(&CatalogInput::new("app/node_modules/@babel/core/package.json", json.as_bytes()))
    }

    #[test]
    fn matches_installed_package_roots_only() {
        for path in [
            "node_modules/a/package.json",
            "app/node_modules/a/package.json",
            "app/node_modules/@s/a/package.json",
            "/usr/lib/node_modules/npm/package.json",
            "app/node_modules/a/node_modules/b/package.json",
            "app/node_modules/.pnpm/a@1.0.0/node_modules/a/package.json",
            "app/node_modules/.pnpm/@s+a@1.0.0/node_modules/@s/a/package.json",
        ] {
            assert!(NodePackageJson.matches(path), "{path}");
        }
        for path in [
            "package.json",
            "app/package.json",
            "app/node_modules/package.json",
            "app/node_modules/a/lib/package.json",
            "app/node_modules/a/test/fixtures/package.json",
            "app/node_modules/@s/package.json",
            "app/node_modules/@/a/package.json",
            "app/node_modules/.bin/package.json",
            "app/node_modules/.pnpm/package.json",
            "app/node_modules/a/package.json.bak",
            "app/node_modules/node_modules/package.json",
            "app/my_node_modules/a/package.json",
        ] {
            assert!(!NodePackageJson.matches(path), "{path}");
        }
    }

    #[test]
    fn reads_name_and_version() {
        let p = parse(r#"{"name": "@babel/core", "version": "7.24.0", "dependencies": {"x": "^1"}}"#).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].name.as_str(), p[0].version.as_str()), ("@babel/core", "7.24.0"));
        assert_eq!(p[0].purl, "pkg:npm/%40babel/core@7.24.0");
        assert_eq!(p[0].ecosystem, "npm");
        assert_eq!(p[0].locations[0].path, "app/node_modules/@babel/core/package.json");
    }

    #[test]
    fn incomplete_manifests_yield_nothing() {
        for json in
            [r#"{"type": "module"}"#, r#"{"name": "a"}"#, r#"{"version": "1.0.0"}"#, r#"{"name": " ", "version": "1"}"#]
        {
            assert_eq!(parse(json).unwrap(), vec![], "{json}");
        }
    }

    #[test]
    fn errors_name_the_position() {
        let e = parse("{\"name\": \"a\", \"version\": 1}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "app/node_modules/@babel/core/package.json: 1:26: invalid JSON, invalid type: integer `1`, expected a string"
        );
        assert!(parse("").is_err());
        assert!(parse("[]").is_err());
        let bom = "\u{feff}{\"name\": \"a\", \"version\": \"1\"}";
        assert_eq!(parse(bom).unwrap().len(), 1);
    }
}
