//! Version ordering per ecosystem, each its own module.
//!
//! [`compare`] picks the ordering from the OSV ecosystem name (the part before `:` for
//! distribution ecosystems such as `Debian:12`). Every comparison is antisymmetric
//! (`compare(a, b) == compare(b, a).reverse()`), linear in the input and never panics; versions
//! an ecosystem's grammar rejects are ordered the way its reference tooling (or osv-scanner)
//! orders them. Maven and Packagist keep upstream's intransitive corners on malformed inputs
//! (see those modules). Unknown ecosystems have no ordering (`None`): callers fall back to
//! exact-version matching.

use std::cmp::Ordering;

/// The orderings vigil knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Semantic Versioning 2.0 (crates.io, npm, Go with `v` and pseudo-versions, Hex, Pub, …).
    SemVer,
    /// PEP 440 (PyPI).
    Pep440,
    /// Debian policy (Debian, Ubuntu).
    Debian,
    /// rpmvercmp (Red Hat, Rocky Linux, AlmaLinux, SUSE, openSUSE, Mageia, Photon OS).
    Rpm,
    /// apk-tools (Alpine, Wolfi, Chainguard).
    Alpine,
    /// Maven ComparableVersion.
    Maven,
    /// RubyGems `Gem::Version`.
    RubyGems,
    /// NuGet (SemVer 2.0 with four parts, case-insensitive prerelease).
    NuGet,
    /// Composer (Packagist).
    Packagist,
    /// R package versions (CRAN).
    Cran,
}

/// The ordering for an OSV ecosystem (`npm`, `PyPI`, `Debian:12`, …), if vigil knows one.
pub fn scheme(ecosystem: &str) -> Option<Scheme> {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    Some(match base {
        "crates.io" | "npm" | "Go" | "Hex" | "Pub" | "ConanCenter" | "SwiftURL" | "Bitnami" => Scheme::SemVer,
        "PyPI" => Scheme::Pep440,
        "Debian" | "Ubuntu" => Scheme::Debian,
        "Red Hat" | "Rocky Linux" | "AlmaLinux" | "SUSE" | "openSUSE" | "Mageia" | "Photon OS" | "openEuler" => {
            Scheme::Rpm
        }
        "Alpine" | "Wolfi" | "Chainguard" => Scheme::Alpine,
        "Maven" => Scheme::Maven,
        "RubyGems" => Scheme::RubyGems,
        "NuGet" => Scheme::NuGet,
        "Packagist" => Scheme::Packagist,
        "CRAN" => Scheme::Cran,
        _ => return None,
    })
}

/// Compares two versions of `ecosystem`; `None` when vigil has no ordering for it.
pub fn compare(ecosystem: &str, a: &str, b: &str) -> Option<Ordering> {
    scheme(ecosystem).map(|s| compare_with(s, a, b))
}

/// Compares two versions with a known scheme.
pub fn compare_with(scheme: Scheme, a: &str, b: &str) -> Ordering {
    match scheme {
        Scheme::SemVer => semver::compare(a, b),
        Scheme::Pep440 => pep440::compare(a, b),
        Scheme::Debian => debian::compare(a, b),
        Scheme::Rpm => rpm::compare(a, b),
        Scheme::Alpine => alpine::compare(a, b),
        Scheme::Maven => maven::compare(a, b),
        Scheme::RubyGems => rubygems::compare(a, b),
        Scheme::NuGet => nuget::compare(a, b),
        Scheme::Packagist => packagist::compare(a, b),
        Scheme::Cran => cran::compare(a, b),
    }
}

mod alpine;
mod cran;
mod debian;
mod maven;
mod nuget;
mod packagist;
mod pep440;
mod rpm;
mod rubygems;
mod semver;
