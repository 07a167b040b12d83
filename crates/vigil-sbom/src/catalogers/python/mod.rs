//! Python catalogers: pip requirements files, the Poetry, Pipenv and PDM lockfiles, and
//! installed distributions (`*.dist-info/METADATA`, `*.egg-info/PKG-INFO`).
//!
//! Every package is in the `PyPI` ecosystem. The purl name is PEP 503-normalised
//! (<https://peps.python.org/pep-0503/#normalized-names>); the package name is what the file
//! records, except for requirements files, where osv-scanner normalises it too.

mod dist_info;
mod pdm_lock;
mod pipfile_lock;
mod poetry_lock;
mod requirements_txt;

use crate::purl::Purl;
use crate::{CatalogError, Cataloger, Package, ecosystem};

/// The catalogers of this family.
pub(crate) static CATALOGERS: &[&dyn Cataloger] = &[
    &requirements_txt::RequirementsTxt,
    &poetry_lock::PoetryLock,
    &pipfile_lock::PipfileLock,
    &pdm_lock::PdmLock,
    &dist_info::PythonDistInfo,
];

/// PEP 503 normalised name: lowercase, each run of `-`, `_` and `.` replaced by one `-`.
pub(crate) fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator_run {
                out.push('-');
            }
            in_separator_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_separator_run = false;
        }
    }
    out
}

/// `pkg:pypi/<normalised name>@<version>`; the version is left out when `None` or empty.
pub(crate) fn pypi_purl(name: &str, version: Option<&str>) -> String {
    Purl::new("pypi", &normalize_name(name)).version(version.unwrap_or_default()).to_string()
}

/// A `PyPI` package found at `path`, with its purl.
pub(crate) fn pypi_package(name: &str, version: &str, path: &str) -> Package {
    Package::new(name, version, ecosystem::PYPI, pypi_purl(name, Some(version)), path)
}

/// A TOML parse or shape error, located by line and column.
pub(crate) fn toml_error(path: &str, text: &str, err: &toml::de::Error) -> CatalogError {
    let message = err.message().trim_end();
    match err.span() {
        Some(span) => {
            let (line, column) = line_column(text, span.start);
            CatalogError::new(path, format!("invalid TOML at line {line} column {column}: {message}"))
        }
        None => CatalogError::new(path, format!("invalid TOML: {message}")),
    }
}

/// A JSON parse or shape error; serde_json already names the line and column.
pub(crate) fn json_error(path: &str, err: &serde_json::Error) -> CatalogError {
    CatalogError::new(path, format!("invalid JSON: {err}"))
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = text.get(..end).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep_503_normalisation() {
        assert_eq!(normalize_name("Friendly-Bard"), "friendly-bard");
        assert_eq!(normalize_name("FRIENDLY-BARD"), "friendly-bard");
        assert_eq!(normalize_name("friendly.bard"), "friendly-bard");
        assert_eq!(normalize_name("friendly_bard"), "friendly-bard");
        assert_eq!(normalize_name("friendly--bard"), "friendly-bard");
        assert_eq!(normalize_name("FrIeNdLy-._.-bArD"), "friendly-bard");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
    }

    #[test]
    fn purls() {
        assert_eq!(pypi_purl("Zope.Interface", Some("5.4.0")), "pkg:pypi/zope-interface@5.4.0");
        assert_eq!(pypi_purl("flask", None), "pkg:pypi/flask");
        assert_eq!(pypi_purl("flask", Some("")), "pkg:pypi/flask");
        assert_eq!(pypi_package("Flask_Cors", "1.0", "a/b").purl, "pkg:pypi/flask-cors@1.0");
    }

    #[test]
    fn line_columns() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("é\nx", 1), (1, 1));
        assert_eq!(line_column("ab", 99), (1, 3));
    }
}
