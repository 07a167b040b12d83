//! The package model every cataloger produces.

use serde::Serialize;

/// OSV ecosystem names (<https://ossf.github.io/osv-schema/#affectedpackage-field>).
pub mod ecosystem {
    /// npm.
    pub const NPM: &str = "npm";
    /// Python Package Index.
    pub const PYPI: &str = "PyPI";
    /// Go modules.
    pub const GO: &str = "Go";
    /// Rust crates.
    pub const CRATES_IO: &str = "crates.io";
    /// Maven (and Gradle) artifacts.
    pub const MAVEN: &str = "Maven";
    /// Ruby gems.
    pub const RUBYGEMS: &str = "RubyGems";
    /// PHP Composer packages.
    pub const PACKAGIST: &str = "Packagist";
    /// .NET packages.
    pub const NUGET: &str = "NuGet";
    /// Dart/Flutter packages.
    pub const PUB: &str = "Pub";
    /// Erlang/Elixir packages.
    pub const HEX: &str = "Hex";
    /// C/C++ Conan packages.
    pub const CONAN: &str = "ConanCenter";
    /// R packages.
    pub const CRAN: &str = "CRAN";
    /// Debian (suffixed with the release, `Debian:12`).
    pub const DEBIAN: &str = "Debian";
    /// Ubuntu (suffixed with the release, `Ubuntu:22.04`).
    pub const UBUNTU: &str = "Ubuntu";
    /// Alpine (suffixed with the release, `Alpine:v3.19`).
    pub const ALPINE: &str = "Alpine";
}

/// Where a package was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PackageLocation {
    /// Path of the file (inside the image or directory), `/`-separated.
    pub path: String,
    /// Digest of the image layer the file came from, when read from an image.
    pub layer: Option<String>,
}

/// The source package an OS package was built from (Debian advisories are keyed by it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
pub struct SourcePackage {
    /// Source package name.
    pub name: String,
    /// Source package version.
    pub version: String,
}

/// One package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// Name as the ecosystem spells it (`@scope/name` for npm, `group:artifact` for Maven).
    pub name: String,
    /// Version as recorded (may be empty when the file records none).
    pub version: String,
    /// OSV ecosystem name, e.g. `npm`, `PyPI`, `Debian:12`.
    pub ecosystem: String,
    /// Package URL (<https://github.com/package-url/purl-spec>).
    pub purl: String,
    /// For OS packages, the source package.
    pub source: Option<SourcePackage>,
    /// Where it was found.
    pub locations: Vec<PackageLocation>,
    /// Dependency groups from lockfiles (`dev`, `optional`, …); empty for production/unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dep_groups: Vec<String>,
    /// Commit, for packages pinned to a VCS revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

impl Package {
    /// A package with no source, no groups and one location at `path`.
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        ecosystem: impl Into<String>,
        purl: impl Into<String>,
        path: &str,
    ) -> Self {
        Package {
            name: name.into(),
            version: version.into(),
            ecosystem: ecosystem.into(),
            purl: purl.into(),
            source: None,
            locations: vec![PackageLocation { path: path.to_string(), layer: None }],
            dep_groups: Vec::new(),
            commit: None,
        }
    }
}
