//! Version ordering per ecosystem, each its own module.
//!
//! [`compare`] picks the ordering from the OSV ecosystem name (the part before `:` for
//! distribution ecosystems such as `Debian:12`). Every comparison is antisymmetric
//! (`compare(a, b) == compare(b, a).reverse()`), linear in the input and never panics; versions
//! an ecosystem's grammar rejects are ordered the way its reference tooling (or osv-scanner)
//! orders them. Maven and Packagist keep upstream's intransitive corners (see those modules),
//! so nothing sorts with [`compare_with`]: [`total_cmp`] is the total order every sort uses.
//! Unknown ecosystems have no ordering (`None`): callers fall back to exact-version matching.

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

impl Scheme {
    /// Every scheme.
    pub const ALL: [Scheme; 10] = [
        Scheme::SemVer,
        Scheme::Pep440,
        Scheme::Debian,
        Scheme::Rpm,
        Scheme::Alpine,
        Scheme::Maven,
        Scheme::RubyGems,
        Scheme::NuGet,
        Scheme::Packagist,
        Scheme::Cran,
    ];
}

/// The OSV ecosystems vigil orders (the part before `:` for distribution ecosystems), with
/// their scheme.
pub const ECOSYSTEMS: [(&str, Scheme); 27] = [
    ("crates.io", Scheme::SemVer),
    ("npm", Scheme::SemVer),
    ("Go", Scheme::SemVer),
    ("Hex", Scheme::SemVer),
    ("Pub", Scheme::SemVer),
    ("ConanCenter", Scheme::SemVer),
    ("SwiftURL", Scheme::SemVer),
    ("Bitnami", Scheme::SemVer),
    ("PyPI", Scheme::Pep440),
    ("Debian", Scheme::Debian),
    ("Ubuntu", Scheme::Debian),
    ("Red Hat", Scheme::Rpm),
    ("Rocky Linux", Scheme::Rpm),
    ("AlmaLinux", Scheme::Rpm),
    ("SUSE", Scheme::Rpm),
    ("openSUSE", Scheme::Rpm),
    ("Mageia", Scheme::Rpm),
    ("Photon OS", Scheme::Rpm),
    ("openEuler", Scheme::Rpm),
    ("Alpine", Scheme::Alpine),
    ("Wolfi", Scheme::Alpine),
    ("Chainguard", Scheme::Alpine),
    ("Maven", Scheme::Maven),
    ("RubyGems", Scheme::RubyGems),
    ("NuGet", Scheme::NuGet),
    ("Packagist", Scheme::Packagist),
    ("CRAN", Scheme::Cran),
];

/// The ordering for an OSV ecosystem (`npm`, `PyPI`, `Debian:12`, …), if vigil knows one.
pub fn scheme(ecosystem: &str) -> Option<Scheme> {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    ECOSYSTEMS.iter().find(|(name, _)| *name == base).map(|(_, scheme)| *scheme)
}

/// Compares two versions of `ecosystem`; `None` when vigil has no ordering for it.
pub fn compare(ecosystem: &str, a: &str, b: &str) -> Option<Ordering> {
    scheme(ecosystem).map(|s| compare_with(s, a, b))
}

/// A total order for sorting versions of `scheme`: transitive and antisymmetric on any
/// strings, `Equal` only for identical strings, never panics, so it is safe for `sort_by`.
///
/// Where [`compare_with`] says `Less` or `Greater`, this says the same, except on the cycles
/// of Maven's and Packagist's orderings, which are not transitive: those two sort by a key of
/// their canonical form that decides the cycles (see those modules; 3 of osv-scanner's 71,685
/// vectors, all Maven, lie on one). Versions an ordering finds equal (`1.0` and `1.0.0` in
/// SemVer) are ordered by their bytes. Every other scheme is [`compare_with`] then bytes.
pub fn total_cmp(scheme: Scheme, a: &str, b: &str) -> Ordering {
    match scheme {
        Scheme::Maven => maven::total_cmp(a, b),
        Scheme::Packagist => packagist::total_cmp(a, b),
        other => compare_with(other, a, b).then_with(|| a.cmp(b)),
    }
}

/// Sorts versions ascending with [`total_cmp`], or by their bytes without a scheme.
pub fn sort_versions<S: AsRef<str>>(scheme: Option<Scheme>, versions: &mut [S]) {
    match scheme {
        Some(scheme) => versions.sort_by(|a, b| total_cmp(scheme, a.as_ref(), b.as_ref())),
        None => versions.sort_by(|a, b| a.as_ref().cmp(b.as_ref())),
    }
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
