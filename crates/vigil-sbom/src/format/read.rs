//! Reading SBOMs from other tools (CycloneDX and SPDX JSON), so `vigil scan sbom:FILE` can
//! work from them: every component or package with a purl becomes a [`Package`] with the
//! OSV ecosystem its purl implies.

use serde_json::Value;

use crate::purl::{ParsedPurl, parse};
use crate::sbom::{Sbom, SourceInfo};
use crate::{Package, PackageLocation};

/// Why an SBOM could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// Not JSON.
    #[error("{path}: invalid JSON: {source}")]
    Json {
        /// The file.
        path: String,
        /// The cause, with position.
        #[source]
        source: serde_json::Error,
    },
    /// JSON, but neither CycloneDX nor SPDX (nor vigil's own format).
    #[error(
        "{path}: not an SBOM, expected CycloneDX JSON (`bomFormat`), SPDX 2.x JSON (`spdxVersion`) or vigil's JSON"
    )]
    UnknownFormat {
        /// The file.
        path: String,
    },
}

/// Most components read from one SBOM (nested components included).
const MAX_COMPONENTS: usize = 1_000_000;

/// Reads a CycloneDX (1.x JSON), SPDX (2.x JSON) or vigil SBOM from `bytes`.
pub fn read_sbom(path: &str, bytes: &[u8]) -> Result<Sbom, ReadError> {
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|source| ReadError::Json { path: path.to_string(), source })?;
    let source = SourceInfo { kind: "sbom".into(), target: path.to_string(), ..SourceInfo::default() };
    let mut packages = Vec::new();
    if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        // Components nest; walk them without recursion.
        let mut stack: Vec<&Value> =
            doc.get("components").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default();
        while let Some(component) = stack.pop() {
            if packages.len() >= MAX_COMPONENTS {
                break;
            }
            if let Some(children) = component.get("components").and_then(Value::as_array) {
                stack.extend(children.iter());
            }
            let Some(purl) = component.get("purl").and_then(Value::as_str) else { continue };
            let locations = component
                .pointer("/evidence/occurrences")
                .and_then(Value::as_array)
                .map(|o| {
                    o.iter()
                        .filter_map(|l| l.get("location").and_then(Value::as_str))
                        .map(|p| PackageLocation { path: p.to_string(), layer: None })
                        .collect()
                })
                .unwrap_or_default();
            packages.extend(from_purl(
                purl,
                component.get("name").and_then(Value::as_str),
                component.get("version").and_then(Value::as_str),
                locations,
            ));
        }
    } else if doc.get("spdxVersion").is_some() {
        for package in doc.get("packages").and_then(Value::as_array).into_iter().flatten().take(MAX_COMPONENTS) {
            let refs = package.get("externalRefs").and_then(Value::as_array);
            let purl =
                refs.into_iter().flatten().find(|r| r.get("referenceType").and_then(Value::as_str) == Some("purl"));
            let Some(purl) = purl.and_then(|r| r.get("referenceLocator")).and_then(Value::as_str) else { continue };
            packages.extend(from_purl(
                purl,
                package.get("name").and_then(Value::as_str),
                package.get("versionInfo").and_then(Value::as_str),
                Vec::new(),
            ));
        }
    } else if doc.get("version").and_then(Value::as_u64) == Some(1) && doc.get("packages").is_some() {
        for package in doc.get("packages").and_then(Value::as_array).into_iter().flatten().take(MAX_COMPONENTS) {
            if let Ok(p) = serde_json::from_value::<PackageIn>(package.clone()) {
                packages.push(p.into());
            }
        }
    } else {
        return Err(ReadError::UnknownFormat { path: path.to_string() });
    }
    packages.sort_by(|a, b| (&a.ecosystem, &a.name, &a.version).cmp(&(&b.ecosystem, &b.name, &b.version)));
    Ok(Sbom { version: 1, source, distro: None, packages, errors: Vec::new() })
}

#[derive(serde::Deserialize)]
struct PackageIn {
    name: String,
    version: String,
    ecosystem: String,
    purl: String,
    source: Option<crate::SourcePackage>,
    #[serde(default)]
    locations: Vec<LocationIn>,
}

#[derive(serde::Deserialize)]
struct LocationIn {
    path: String,
    layer: Option<String>,
}

impl From<PackageIn> for Package {
    fn from(p: PackageIn) -> Self {
        Package {
            name: p.name,
            version: p.version,
            ecosystem: p.ecosystem,
            purl: p.purl,
            source: p.source,
            locations: p.locations.into_iter().map(|l| PackageLocation { path: l.path, layer: l.layer }).collect(),
            dep_groups: Vec::new(),
            commit: None,
        }
    }
}

/// The package a purl names, with the OSV ecosystem its type (and distro qualifier) implies.
pub(crate) fn from_purl(
    purl: &str,
    name: Option<&str>,
    version: Option<&str>,
    locations: Vec<PackageLocation>,
) -> Option<Package> {
    let parsed = parse(purl)?;
    let ecosystem = ecosystem_of(&parsed)?;
    let full_name = match (parsed.ty.as_str(), parsed.namespace.as_deref()) {
        ("maven", Some(ns)) => format!("{ns}:{}", parsed.name),
        ("npm" | "golang" | "composer", Some(ns)) => format!("{ns}/{}", parsed.name),
        _ => parsed.name.clone(),
    };
    let mut version = parsed.version.clone().or(version.map(str::to_string)).unwrap_or_default();
    if let Some(epoch) = parsed.qualifier("epoch").filter(|e| !e.is_empty() && *e != "0")
        && matches!(parsed.ty.as_str(), "deb" | "rpm")
        && !version.contains(':')
    {
        version = format!("{epoch}:{version}");
    }
    if parsed.ty == "golang" {
        version = version.trim_start_matches('v').to_string();
    }
    let _ = name;
    Some(Package {
        name: full_name,
        version,
        ecosystem,
        purl: purl.to_string(),
        source: None,
        locations,
        dep_groups: Vec::new(),
        commit: None,
    })
}

fn ecosystem_of(p: &ParsedPurl) -> Option<String> {
    Some(match p.ty.as_str() {
        "npm" => "npm".into(),
        "pypi" => "PyPI".into(),
        "golang" => "Go".into(),
        "cargo" => "crates.io".into(),
        "maven" => "Maven".into(),
        "gem" => "RubyGems".into(),
        "composer" => "Packagist".into(),
        "nuget" => "NuGet".into(),
        "pub" => "Pub".into(),
        "hex" => "Hex".into(),
        "conan" => "ConanCenter".into(),
        "cran" => "CRAN".into(),
        "deb" => {
            // `distro=debian-12` / `distro=bookworm` / `distro=ubuntu-22.04`.
            let namespace = p.namespace.as_deref().unwrap_or("debian");
            let base = if namespace == "ubuntu" { "Ubuntu" } else { "Debian" };
            match p
                .qualifier("distro")
                .and_then(|d| d.rsplit_once('-').map(|(_, v)| v.to_string()).or_else(|| codename(d)))
            {
                Some(release) => format!(
                    "{base}:{}",
                    if base == "Debian" { release.split('.').next().unwrap_or(&release).to_string() } else { release }
                ),
                None => base.into(),
            }
        }
        "apk" => match p.qualifier("distro").and_then(|d| d.rsplit_once('-').map(|(_, v)| v.to_string())) {
            Some(version) => {
                let mut parts = version.split('.');
                match (parts.next(), parts.next()) {
                    (Some(major), Some(minor)) => format!("Alpine:v{major}.{minor}"),
                    _ => "Alpine".into(),
                }
            }
            None => "Alpine".into(),
        },
        _ => return None,
    })
}

fn codename(distro: &str) -> Option<String> {
    let release = match distro {
        "buster" => "10",
        "bullseye" => "11",
        "bookworm" => "12",
        "trixie" => "13",
        _ => return None,
    };
    Some(release.to_string())
}
