//! misc catalogers: lockfiles and manifests of the ecosystems outside the JavaScript, Python and
//! OS families (Rust, Go, Java, .NET, Dart, Elixir, C/C++, R).

mod cargo_lock;
mod conan_lock;
mod decode;
mod go_mod;
mod gradle_lockfile;
mod gradle_verification_metadata;
mod maven_pom;
mod mix_lock;
mod nuget_packages_lock;
mod pubspec_lock;
mod renv_lock;

use crate::Cataloger;

/// The catalogers of this family, sorted by ID.
pub(crate) static CATALOGERS: &[&dyn Cataloger] = &[
    &cargo_lock::CargoLock,
    &conan_lock::ConanLock,
    &go_mod::GoMod,
    &gradle_lockfile::GradleLockfile,
    &gradle_verification_metadata::GradleVerificationMetadata,
    &maven_pom::MavenPom,
    &mix_lock::MixLock,
    &nuget_packages_lock::NugetPackagesLock,
    &pubspec_lock::PubspecLock,
    &renv_lock::RenvLock,
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sorted_and_unique() {
        let ids: Vec<&str> = CATALOGERS.iter().map(|c| c.id()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
    }

    #[test]
    fn each_file_name_has_one_cataloger() {
        for path in [
            "a/Cargo.lock",
            "a/conan.lock",
            "a/go.mod",
            "a/gradle.lockfile",
            "a/gradle/verification-metadata.xml",
            "a/pom.xml",
            "a/mix.lock",
            "a/packages.lock.json",
            "a/pubspec.lock",
            "a/renv.lock",
        ] {
            let matching: Vec<&str> = CATALOGERS.iter().filter(|c| c.matches(path)).map(|c| c.id()).collect();
            assert_eq!(matching.len(), 1, "{path}: {matching:?}");
        }
    }
}
