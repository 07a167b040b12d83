//! Installed Python distributions: the core metadata of `*.dist-info/METADATA` (wheels) and
//! `*.egg-info/PKG-INFO` or a bare `*.egg-info` file (setuptools, distutils).
//!
//! Core metadata (<https://packaging.python.org/en/latest/specifications/core-metadata/>) is
//! RFC 822 headers up to the first blank line; vigil reads `Name` and `Version` (header names are
//! case-insensitive; indented lines continue the previous header).

use crate::{CatalogError, CatalogInput, Cataloger, Package};

use super::pypi_package;

/// Reads the metadata of installed Python distributions.
pub(crate) struct PythonDistInfo;

impl Cataloger for PythonDistInfo {
    fn id(&self) -> &'static str {
        "python-dist-info"
    }

    fn matches(&self, path: &str) -> bool {
        path.ends_with(".dist-info/METADATA") || path.ends_with(".egg-info/PKG-INFO") || path.ends_with(".egg-info")
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        // Old distutils metadata may be Latin-1; the headers vigil reads are ASCII either way.
        let text = String::from_utf8_lossy(input.contents);
        let mut name: Option<String> = None;
        let mut version: Option<String> = None;
        // The header the previous line set, which an indented line continues.
        let mut current: Option<Header> = None;
        for (index, raw) in text.split('\n').enumerate() {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.trim().is_empty() {
                break;
            }
            if line.starts_with([' ', '\t']) {
                let slot = match current {
                    Some(Header::Name) => name.as_mut(),
                    Some(Header::Version) => version.as_mut(),
                    None => None,
                };
                if let Some(value) = slot {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                return Err(CatalogError::new(
                    input.path,
                    format!("line {}: `{}` is not a header, expected `Name: value`", index + 1, excerpt(line)),
                ));
            };
            let key = key.trim();
            current = None;
            let (header, slot) = if key.eq_ignore_ascii_case("name") {
                (Header::Name, &mut name)
            } else if key.eq_ignore_ascii_case("version") {
                (Header::Version, &mut version)
            } else {
                continue;
            };
            // The first occurrence wins.
            if slot.is_none() {
                *slot = Some(value.trim().to_string());
                current = Some(header);
            }
        }
        let name = name.filter(|n| !n.is_empty()).ok_or_else(|| {
            CatalogError::new(input.path, "no `Name` header, expected Python core metadata with `Name` and `Version`")
        })?;
        Ok(vec![pypi_package(&name, version.as_deref().unwrap_or_default(), input.path)])
    }
}

/// The headers vigil reads.
#[derive(Clone, Copy)]
enum Header {
    Name,
    Version,
}

/// At most 40 characters of `line`, for messages.
fn excerpt(line: &str) -> String {
    let mut out: String = line.chars().take(40).collect();
    if out.len() < line.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &[u8]) -> Result<Vec<Package>, CatalogError> {
        PythonDistInfo.parse(&CatalogInput::new("site-packages/Flask_Cors-4.0.0.dist-info/METADATA", text))
    }

    #[test]
    fn matches_metadata_files() {
        let c = PythonDistInfo;
        assert!(c.matches("usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA"));
        assert!(c.matches("usr/lib/python3/site-packages/foo.egg-info/PKG-INFO"));
        assert!(c.matches("usr/lib/python3/dist-packages/foo-1.0.egg-info"));
        assert!(!c.matches("usr/lib/python3/site-packages/requests-2.31.0.dist-info/RECORD"));
        assert!(!c.matches("METADATA"));
    }

    #[test]
    fn reads_name_and_version() {
        let text =
            b"Metadata-Version: 2.1\r\nName: Flask-Cors\r\nVersion: 4.0.0\r\nSummary: A Flask\r\n  extension\r\n\
                     Name: ignored\r\n\r\nVersion: 9.9 (body)\r\n";
        let packages = parse(text).unwrap_or_default();
        assert_eq!(packages.len(), 1);
        assert_eq!((packages[0].name.as_str(), packages[0].version.as_str()), ("Flask-Cors", "4.0.0"));
        assert_eq!(packages[0].purl, "pkg:pypi/flask-cors@4.0.0");
        assert_eq!(packages[0].ecosystem, "PyPI");
    }

    #[test]
    fn case_insensitive_and_latin1() {
        let packages = parse(b"name: caf\xe9\nversion: 1.0\n").unwrap_or_default();
        assert_eq!(packages.first().map(|p| p.version.as_str()), Some("1.0"));
        let packages = parse(b"Name: nover\n").unwrap_or_default();
        assert_eq!(packages.first().map(|p| (p.version.as_str(), p.purl.as_str())), Some(("", "pkg:pypi/nover")));
    }

    #[test]
    fn errors() {
        let err = parse(b"").err().map(|e| e.message).unwrap_or_default();
        assert_eq!(err, "no `Name` header, expected Python core metadata with `Name` and `Version`");
        let err = parse(b"Name: x\nnot a header\n").err().map(|e| e.message).unwrap_or_default();
        assert_eq!(err, "line 2: `not a header` is not a header, expected `Name: value`");
        assert!(parse(b"Name:\nVersion: 1\n").is_err());
    }
}
