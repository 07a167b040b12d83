//! Java archives: JAR, WAR, EAR and Jenkins plugin (`.jpi`, `.hpi`) files, which are zip files.
//!
//! Maven writes `META-INF/maven/<groupId>/<artifactId>/pom.properties` (`groupId`, `artifactId`,
//! `version`) into every artifact it builds, and shading or assembly plugins keep those of the
//! bundled artifacts. Archives without one (Gradle, Ant, OSGi bundles) are described by their
//! manifest, `META-INF/MANIFEST.MF` (JAR File Specification: `Name: value` lines, continuation
//! lines starting with a space, the main section ending at the first blank line), and their file
//! name.

use std::collections::HashSet;
use std::io::{Cursor, Read};

use zip::ZipArchive;

use crate::cataloger::file_name;
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, ecosystem};

/// Lists the Maven artifacts inside a Java archive: one package per `pom.properties` (name
/// `groupId:artifactId`, purl `pkg:maven/<groupId>/<artifactId>@<version>`). An archive with
/// none is described by its manifest and file name as Syft does: the artifact name and version
/// come from a `<name>-<version>.jar` file name, else from the manifest (`Name`, `Bundle-Name`,
/// `Short-Name`, `Extension-Name`, `Implementation-Title`; `Implementation-Version`,
/// `Specification-Version`, `Plugin-Version`, `Bundle-Version`); the group from
/// `Implementation-Vendor-Id`, `Bundle-SymbolicName` or `Automatic-Module-Name` when one looks
/// like a group (dotted, without spaces). Without a group the package name is the artifact name
/// alone and, as in Syft, the purl repeats it as the namespace.
///
/// Archives nested in the archive (any entry with one of the extensions above, e.g.
/// `WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`, an EAR's modules) are read the same way, up to
/// [`MAX_DEPTH`] levels down, and their packages are located at `<outer path>:<entry name>`.
/// Unlike Syft, an archive with `pom.properties` gets no extra package from its manifest.
///
/// Limits (zip bombs, quines): each archive may have [`MAX_ENTRIES`] entries; an entry read may
/// inflate to [`MAX_METADATA_BYTES`] (`pom.properties`, manifests) or [`MAX_NESTED_BYTES`]
/// (nested archives); all entries read from one file together to [`MAX_TOTAL_BYTES`]. Entries
/// that are neither metadata nor archives are never inflated. Hitting a limit, or a nested
/// archive that cannot be read, fails the whole file with an error naming the entry.
pub(crate) struct JavaArchive;

/// File extensions of Java archives, compared case-insensitively.
const EXTENSIONS: [&str; 5] = ["jar", "war", "ear", "jpi", "hpi"];

/// Deepest nesting read: a nested archive is at depth 1 (an EAR's WAR's JAR is at depth 2).
pub(crate) const MAX_DEPTH: usize = 4;

/// Most entries in one archive. Large real archives (Jenkins' WAR, fat JARs) hold tens of
/// thousands; the zip reader keeps a few hundred bytes per entry, so this bounds its memory.
pub(crate) const MAX_ENTRIES: usize = 200_000;

/// Largest `pom.properties` or manifest read, uncompressed. Real ones are under a few kilobytes.
pub(crate) const MAX_METADATA_BYTES: u64 = 1024 * 1024;

/// Largest nested archive read, uncompressed (the image walker's limit for a whole file).
pub(crate) const MAX_NESTED_BYTES: u64 = 64 * 1024 * 1024;

/// Most bytes inflated from one file, over all the entries read at every depth.
pub(crate) const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;

/// Every central directory header takes at least this many bytes (signature and fixed fields).
const CENTRAL_HEADER_BYTES: usize = 46;

const MANIFEST: &str = "META-INF/MANIFEST.MF";

impl Cataloger for JavaArchive {
    fn id(&self) -> &'static str {
        "java-archive"
    }

    fn matches(&self, path: &str) -> bool {
        is_java_archive(file_name(path))
    }

    fn is_standalone(&self) -> bool {
        true
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        if input.contents.is_empty() {
            return Ok(Vec::new());
        }
        let mut budget = MAX_TOTAL_BYTES;
        let mut out = Vec::new();
        catalog_archive(input.contents, input.path, file_name(input.path), 0, &mut budget, &mut out)
            .map_err(|message| CatalogError::new(input.path, message))?;
        Ok(out)
    }

    fn parse_file(&self, path: &str, file: &std::fs::File) -> Option<Result<Vec<Package>, CatalogError>> {
        let mut budget = MAX_TOTAL_BYTES;
        let mut out = Vec::new();
        Some(
            catalog_zip(file, path, file_name(path), 0, &mut budget, &mut out)
                .map(|()| out)
                .map_err(|message| CatalogError::new(path, message)),
        )
    }
}

fn is_java_archive(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext)))
}

/// Adds the packages of the archive `bytes` (located at `location`, named `name`) and of the
/// archives nested in it to `out`, spending the uncompressed byte `budget`.
fn catalog_archive(
    bytes: &[u8],
    location: &str,
    name: &str,
    depth: usize,
    budget: &mut u64,
    out: &mut Vec<Package>,
) -> Result<(), String> {
    // The zip reader sizes its table from the central directory before reading it; a count of
    // the header signatures bounds the entries it can find. Small files cannot exceed the limit.
    if bytes.len() / CENTRAL_HEADER_BYTES > MAX_ENTRIES && count_central_headers(bytes) > MAX_ENTRIES {
        return Err(format!("archive has more than {MAX_ENTRIES} entries"));
    }
    catalog_zip(Cursor::new(bytes), location, name, depth, budget, out)
}

/// The part of [`catalog_archive`] that needs only a seekable reader (a large outer archive is
/// read from disk this way, entry by entry).
fn catalog_zip<Z: std::io::Read + std::io::Seek>(
    reader: Z,
    location: &str,
    name: &str,
    depth: usize,
    budget: &mut u64,
    out: &mut Vec<Package>,
) -> Result<(), String> {
    let mut archive = ZipArchive::new(reader).map_err(|e| format!("not a readable zip archive: {e}"))?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!("archive has more than {MAX_ENTRIES} entries"));
    }
    let mut poms = Vec::new();
    let mut manifest = None;
    let mut nested = Vec::new();
    for index in 0..archive.len() {
        let Some(Ok(entry)) = archive.name_for_index(index) else {
            continue;
        };
        if entry.ends_with('/') {
            continue;
        }
        if let Some((group, artifact)) = pom_properties_dirs(&entry) {
            poms.push((index, entry.to_string(), group.to_string(), artifact.to_string()));
        } else if entry.eq_ignore_ascii_case(MANIFEST) {
            manifest = Some(index);
        } else if is_java_archive(file_name(&entry)) {
            nested.push((index, entry.into_owned()));
        }
    }

    let before = out.len();
    // An archive may repeat a `pom.properties` (shading the same artifact twice).
    let mut seen = HashSet::new();
    for (index, entry, group, artifact) in poms {
        let data = read_entry(&mut archive, index, &entry, MAX_METADATA_BYTES, budget)?;
        let properties = properties(&String::from_utf8_lossy(&data));
        let value = |key: &str| properties.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        let group = value("groupId").filter(|g| !g.is_empty()).unwrap_or(&group);
        let artifact = value("artifactId").filter(|a| !a.is_empty()).unwrap_or(&artifact);
        let version = value("version").unwrap_or_default();
        if seen.insert((group.to_string(), artifact.to_string(), version.to_string())) {
            out.push(maven_package(Some(group), artifact, version, location));
        }
    }
    if out.len() == before
        && let Some(index) = manifest
    {
        let data = read_entry(&mut archive, index, MANIFEST, MAX_METADATA_BYTES, budget)?;
        let fields = manifest_main_section(&String::from_utf8_lossy(&data));
        if let Some(package) = manifest_package(&fields, name, location) {
            out.push(package);
        }
    }

    for (index, entry) in nested {
        if depth >= MAX_DEPTH {
            return Err(format!("`{entry}` is nested more than {MAX_DEPTH} archives deep"));
        }
        let data = read_entry(&mut archive, index, &entry, MAX_NESTED_BYTES, budget)?;
        if data.is_empty() {
            continue;
        }
        let inner = format!("{location}:{entry}");
        catalog_archive(&data, &inner, file_name(&entry), depth + 1, budget, out)
            .map_err(|e| format!("`{entry}`: {e}"))?;
    }
    Ok(())
}

/// How many central directory header signatures (`PK\x01\x02`) `bytes` holds.
fn count_central_headers(bytes: &[u8]) -> usize {
    bytes.windows(4).filter(|w| *w == b"PK\x01\x02").count()
}

/// `(group, artifact)` of `META-INF/maven/<group>/<artifact>/pom.properties`.
fn pom_properties_dirs(entry: &str) -> Option<(&str, &str)> {
    let rest = entry.strip_prefix("META-INF/maven/")?.strip_suffix("/pom.properties")?;
    let (group, artifact) = rest.split_once('/')?;
    (!group.is_empty() && !artifact.is_empty() && !artifact.contains('/')).then_some((group, artifact))
}

/// Inflates entry `index`, at most `limit` bytes and at most what is left of `budget`.
fn read_entry<Z: std::io::Read + std::io::Seek>(
    archive: &mut ZipArchive<Z>,
    index: usize,
    entry: &str,
    limit: u64,
    budget: &mut u64,
) -> Result<Vec<u8>, String> {
    let mut file = archive.by_index(index).map_err(|e| format!("cannot read `{entry}`: {e}"))?;
    let allowed = limit.min(*budget);
    // The declared size is not trusted for more than a small initial allocation.
    let capacity = file.size().min(allowed).min(MAX_METADATA_BYTES);
    let mut data = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    (&mut file).take(allowed + 1).read_to_end(&mut data).map_err(|e| format!("cannot read `{entry}`: {e}"))?;
    let size = data.len() as u64;
    if size > allowed {
        return Err(if allowed == limit {
            format!("`{entry}` inflates to more than {limit} bytes, expected at most {limit}")
        } else {
            format!("entries inflate to more than {MAX_TOTAL_BYTES} bytes in total, expected at most {MAX_TOTAL_BYTES}")
        });
    }
    *budget = budget.saturating_sub(size);
    Ok(data)
}

/// The `key=value` (or `key: value`) pairs of a Java properties file, in order. Comments (`#`,
/// `!`) and blank lines are skipped; escapes and continuation lines, which Maven never writes
/// in `pom.properties`, are not interpreted.
fn properties(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#') && !line.starts_with('!'))
        .filter_map(|line| {
            let at = line.find(['=', ':'])?;
            let (key, value) = (line.get(..at)?, line.get(at + 1..)?);
            Some((key.trim().to_string(), value.trim().to_string()))
        })
        .collect()
}

/// The main section of a manifest: `(name, value)` in order, continuation lines joined. Lines
/// end with `\r\n`, `\n` or `\r`; the first blank line ends the main section.
fn manifest_main_section(text: &str) -> Vec<(String, String)> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.split('\n') {
        if line.is_empty() {
            break;
        }
        if let Some(more) = line.strip_prefix(' ') {
            if let Some((_, value)) = fields.last_mut() {
                value.push_str(more);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            // Values are wrapped at 72 bytes, possibly right after a space: trim once joined.
            fields.push((name.trim().to_string(), value.to_string()));
        }
    }
    fields.into_iter().map(|(name, value)| (name, value.trim().to_string())).collect()
}

fn manifest_package(fields: &[(String, String)], archive_name: &str, location: &str) -> Option<Package> {
    let field = |name: &str| fields.iter().find(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| v.as_str());
    let (file_artifact, file_version) = name_and_version(archive_name);
    let artifact = Some(file_artifact).filter(|a| !a.is_empty()).or_else(|| {
        ["Name", "Bundle-Name", "Short-Name", "Extension-Name", "Implementation-Title"].into_iter().find_map(field)
    })?;
    let version = Some(file_version).filter(|v| !v.is_empty()).or_else(|| {
        ["Implementation-Version", "Specification-Version", "Plugin-Version", "Bundle-Version"]
            .into_iter()
            .find_map(field)
    });
    let group = ["Implementation-Vendor-Id", "Bundle-SymbolicName", "Automatic-Module-Name"]
        .into_iter()
        .filter_map(field)
        .find_map(|value| group_of(value, artifact));
    Some(maven_package(group.as_deref(), artifact, version.unwrap_or_default(), location))
}

/// A Maven group from a manifest value: OSGi directives (`;singleton:=true`) dropped, and a
/// trailing `.<artifact>` (bundle symbolic names are often `<group>.<artifact>`); only dotted
/// names of letters, digits, `.`, `_` and `-` count.
fn group_of(value: &str, artifact: &str) -> Option<String> {
    let value = value.split(';').next().unwrap_or_default().trim();
    let looks_like_group = value.contains('.')
        && !value.starts_with('.')
        && !value.ends_with('.')
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !looks_like_group {
        return None;
    }
    let group =
        value.strip_suffix(artifact).and_then(|g| g.strip_suffix('.')).filter(|g| !g.is_empty()).unwrap_or(value);
    Some(group.to_string())
}

/// The artifact name and version of a file name as Syft's `archiveFilename` splits it: the name
/// runs up to the first `-` followed by a digit (or `build<digit>`, `r<digit>`, `rc<digit>`);
/// failing that, up to the first `_` or `.` followed by a digit. A name must start with a letter.
fn name_and_version(file_name: &str) -> (&str, &str) {
    let stem = file_name.rsplit_once('.').map_or(file_name, |(stem, _)| stem);
    if !stem.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return ("", "");
    }
    let starts_version = |rest: &str| {
        let digit_after =
            |prefix: &str| rest.strip_prefix(prefix).is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
        digit_after("") || digit_after("build") || digit_after("r") || digit_after("rc")
    };
    let split_at = |separators: &[char], test: &dyn Fn(&str) -> bool| {
        stem.char_indices()
            .find(|&(at, c)| separators.contains(&c) && stem.get(at + 1..).is_some_and(test))
            .map(|(at, _)| at)
    };
    let at = split_at(&['-'], &starts_version)
        .or_else(|| split_at(&['_', '.', '-'], &|rest: &str| rest.starts_with(|c: char| c.is_ascii_digit())));
    match at {
        Some(at) => (stem.get(..at).unwrap_or_default(), stem.get(at + 1..).unwrap_or_default()),
        None => (stem, ""),
    }
}

/// A Maven package; without a group, named by the artifact alone with the artifact repeated as
/// the purl namespace (Syft's `packageURL`).
fn maven_package(group: Option<&str>, artifact: &str, version: &str, location: &str) -> Package {
    let (name, namespace) = match group {
        Some(group) => (format!("{group}:{artifact}"), group),
        None => (artifact.to_string(), artifact),
    };
    let purl = Purl::new("maven", artifact).namespace(namespace).version(version).to_string();
    Package::new(name, version, ecosystem::MAVEN, purl, location)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn archive_names() {
        for name in ["a.jar", "b.WAR", "c.ear", "d.jpi", "e.hpi", "lib/x-1.0.jar"] {
            assert!(JavaArchive.matches(name), "{name}");
        }
        for name in ["a.jar.sha1", "jar", ".jar", "a.zip", "a.rar", "usr/bin/jar"] {
            assert!(!JavaArchive.matches(name), "{name}");
        }
    }

    #[test]
    fn file_names() {
        for (file, expected) in [
            ("commons-lang3-3.12.0.jar", ("commons-lang3", "3.12.0")),
            ("some-package-4.0.1.jar", ("some-package", "4.0.1")),
            ("my-http2-server-5.jar", ("my-http2-server", "5")),
            ("prefix.thing-4.jar", ("prefix.thing", "4")),
            ("jetpack-build235-rc5.jar", ("jetpack", "build235-rc5")),
            ("ironman-r4-2009.jar", ("ironman", "r4-2009")),
            ("spring-core-6.1.0-SNAPSHOT.jar", ("spring-core", "6.1.0-SNAPSHOT")),
            ("guava_31.1.jar", ("guava", "31.1")),
            ("javax.inject.1.jar", ("javax.inject", "1")),
            ("app.jar", ("app", "")),
            ("3scale-1.0.jar", ("", "")),
        ] {
            assert_eq!(name_and_version(file), expected, "{file}");
        }
    }

    #[test]
    fn pom_properties_paths() {
        assert_eq!(pom_properties_dirs("META-INF/maven/g.h/a/pom.properties"), Some(("g.h", "a")));
        assert_eq!(pom_properties_dirs("META-INF/maven/g/a/b/pom.properties"), None);
        assert_eq!(pom_properties_dirs("META-INF/maven//a/pom.properties"), None);
        assert_eq!(pom_properties_dirs("META-INF/maven/g/pom.properties"), None);
        assert_eq!(pom_properties_dirs("x/META-INF/maven/g/a/pom.properties"), None);
    }

    #[test]
    fn properties_files() {
        let parsed = properties("#Generated by Maven\n#Tue\r\nversion=1.2\ngroupId = g\n! c\nartifactId: a\nbroken\n");
        assert_eq!(
            parsed,
            [("version", "1.2"), ("groupId", "g"), ("artifactId", "a")].map(|(k, v)| (k.to_string(), v.to_string()))
        );
    }

    #[test]
    fn manifests() {
        let text = "Manifest-Version: 1.0\r\nBundle-SymbolicName: org.example.tool.tool-core;singleton:=true\r\n\
            Implementation-Title: Tool\r\nImplementation-Version: 2.\r\n 5.1\r\n\r\nName: a/b/\r\nImplementation-Version: 9\r\n";
        let fields = manifest_main_section(text);
        let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(field("Implementation-Version"), Some("2.5.1"));
        let package = manifest_package(&fields, "tool-core.jar", "/x/tool-core.jar").unwrap();
        assert_eq!(
            (package.name.as_str(), package.version.as_str(), package.purl.as_str()),
            ("org.example.tool:tool-core", "2.5.1", "pkg:maven/org.example.tool/tool-core@2.5.1")
        );
        // No group anywhere: the artifact alone, repeated as the purl namespace.
        let fields = manifest_main_section("Implementation-Title: Some Tool\nBundle-Version: 3\n");
        let package = manifest_package(&fields, "123.jar", "x").unwrap();
        assert_eq!(
            (package.name.as_str(), package.version.as_str(), package.purl.as_str()),
            ("Some Tool", "3", "pkg:maven/Some%20Tool/Some%20Tool@3")
        );
        assert!(manifest_package(&[], "123.jar", "x").is_none());
    }

    #[test]
    fn groups_from_manifest_values() {
        assert_eq!(
            group_of("com.fasterxml.jackson.core.jackson-core", "jackson-core").unwrap(),
            "com.fasterxml.jackson.core"
        );
        assert_eq!(group_of("org.slf4j", "slf4j-api").unwrap(), "org.slf4j");
        assert_eq!(group_of("org.x;uses:=\"a\"", "y").unwrap(), "org.x");
        assert_eq!(group_of("Apache Software Foundation", "y"), None);
        assert_eq!(group_of("nodots", "y"), None);
        assert_eq!(group_of(".x", "y"), None);
    }

    #[test]
    fn central_headers() {
        assert_eq!(count_central_headers(b"PK\x01\x02xxPK\x01\x02PK\x01"), 2);
    }
}
