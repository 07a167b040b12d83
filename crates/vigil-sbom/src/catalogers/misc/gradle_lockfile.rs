//! Gradle dependency lockfiles (`gradle.lockfile`, `buildscript-gradle.lockfile`, and the
//! per-configuration files under `gradle/dependency-locks/` that Gradle 6 wrote).

use std::collections::HashSet;

use super::decode;
use crate::cataloger::file_name;
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, ecosystem};

/// Lists each `group:artifact:version=configuration,…` line. Comments (`#`), the `empty=`
/// line and lines that are not coordinates are skipped, as Gradle and osv-scanner do.
pub(crate) struct GradleLockfile;

impl Cataloger for GradleLockfile {
    fn id(&self) -> &'static str {
        "gradle-lockfile"
    }

    fn matches(&self, path: &str) -> bool {
        let name = file_name(path);
        name == "gradle.lockfile"
            || name == "buildscript-gradle.lockfile"
            || (path.contains("gradle/dependency-locks/") && name.ends_with(".lockfile"))
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = decode::text(input)?;
        let mut found: Vec<Package> = Vec::new();
        let mut seen = HashSet::new();
        for line in text.lines().map(str::trim) {
            if line.starts_with('#') || line.starts_with("empty=") {
                continue;
            }
            let coordinates = line.split_once('=').map_or(line, |(c, _)| c);
            let mut parts = coordinates.splitn(3, ':');
            let (Some(group), Some(artifact), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
                continue;
            };
            if group.is_empty() || artifact.is_empty() || version.is_empty() {
                continue;
            }
            let name = format!("{group}:{artifact}");
            if !seen.insert((name.clone(), version)) {
                continue;
            }
            let purl = Purl::new("maven", artifact).namespace(group).version(version).to_string();
            found.push(Package::new(name, version, ecosystem::MAVEN, purl, input.path));
        }
        Ok(found)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<(String, String, String)> {
        let found = GradleLockfile.parse(&CatalogInput::new("gradle.lockfile", text.as_bytes())).unwrap();
        found.into_iter().map(|p| (p.name, p.version, p.purl)).collect()
    }

    #[test]
    fn coordinates_lines() {
        let found = parse(
            "# comment\norg.springframework.security:spring-security-crypto:5.7.3=compileClasspath,runtimeClasspath\n\
             com.example:lib:1.0\nempty=\n",
        );
        assert_eq!(
            found,
            [
                (
                    "org.springframework.security:spring-security-crypto".to_string(),
                    "5.7.3".to_string(),
                    "pkg:maven/org.springframework.security/spring-security-crypto@5.7.3".to_string()
                ),
                ("com.example:lib".to_string(), "1.0".to_string(), "pkg:maven/com.example/lib@1.0".to_string()),
            ]
        );
    }

    #[test]
    fn bad_lines_are_skipped() {
        let found = parse(">>>\n////\nempty=======\n      a\n  b\n:x:1\ng::1\ng:a:\n  g:a:2=x  \n");
        assert_eq!(found, [("g:a".to_string(), "2".to_string(), "pkg:maven/g/a@2".to_string())]);
        assert!(parse("").is_empty());
        assert!(parse("\r\n\r\n").is_empty());
    }

    #[test]
    fn matches_lockfile_names() {
        assert!(GradleLockfile.matches("app/gradle.lockfile"));
        assert!(GradleLockfile.matches("app/buildscript-gradle.lockfile"));
        assert!(GradleLockfile.matches("app/gradle/dependency-locks/compileClasspath.lockfile"));
        assert!(!GradleLockfile.matches("app/build.gradle"));
    }
}
