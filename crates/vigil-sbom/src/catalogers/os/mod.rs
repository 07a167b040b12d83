//! OS package databases: dpkg (`var/lib/dpkg/status`, distroless `status.d/`), apk
//! (`lib/apk/db/installed`) and rpm (SQLite, Berkeley DB and NDB `rpmdb`s).
//!
//! Every package carries its source package (the name OS advisories are keyed by), the OSV
//! ecosystem from [`CatalogInput::distro`](crate::CatalogInput) (or the format's default
//! distribution when the caller does not know it) and a purl written the way Syft writes it.

mod apk_installed;
mod dpkg_status;
mod rpm_bdb;
mod rpm_db;
mod rpm_header;
mod rpm_ndb;
mod rpm_sqlite;

use crate::Cataloger;
use crate::distro::Distro;

/// The catalogers of this family.
pub(crate) static CATALOGERS: &[&dyn Cataloger] =
    &[&apk_installed::ApkInstalled, &dpkg_status::DpkgStatus, &rpm_db::RpmDb];

/// Most packages one database may list. Real systems have tens of thousands at most; the
/// bound keeps hostile input from producing unbounded output.
pub(crate) const MAX_PACKAGES: usize = 200_000;

/// How an OS cataloger names the distribution its packages belong to.
pub(crate) struct OsTarget {
    /// OSV ecosystem (`Debian:12`).
    pub(crate) ecosystem: String,
    /// purl namespace (`debian`), if known.
    pub(crate) namespace: Option<String>,
    /// purl `distro` qualifier (`debian-12`), if known.
    pub(crate) distro_qualifier: Option<String>,
}

impl OsTarget {
    /// From the caller's OSV ecosystem, falling back to the format's own distribution.
    ///
    /// `CatalogInput::distro` carries only the OSV ecosystem, so the `distro` qualifier is
    /// rebuilt from it: `alpine-3.19` where Syft, which reads os-release itself, writes
    /// `alpine-3.19.1`.
    pub(crate) fn new(distro: Option<&str>, default_ecosystem: &str, default_namespace: Option<&str>) -> Self {
        let distro = distro.map(str::trim).filter(|d| !d.is_empty());
        let parsed = distro.and_then(Distro::from_osv_ecosystem);
        OsTarget {
            ecosystem: distro.unwrap_or(default_ecosystem).to_string(),
            namespace: parsed.as_ref().map(Distro::purl_namespace).or_else(|| default_namespace.map(str::to_string)),
            distro_qualifier: parsed.as_ref().map(Distro::purl_distro_qualifier),
        }
    }
}

/// Whether the `/`-separated `path` ends with `suffix` at a segment boundary
/// (`var/lib/dpkg/status` matches `lib/dpkg/status`; `xlib/dpkg/status` does not).
pub(crate) fn path_ends_with(path: &str, suffix: &str) -> bool {
    path == suffix || path.strip_suffix(suffix).is_some_and(|rest| rest.ends_with('/'))
}

/// The lines of a text database with their 1-based numbers, any `\r` removed and a leading
/// UTF-8 byte-order mark skipped (editors add one; dpkg and apk never write it).
pub(crate) fn lines(contents: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let contents = contents.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(contents);
    contents.split(|&b| b == b'\n').enumerate().map(|(i, line)| (i + 1, line.strip_suffix(b"\r").unwrap_or(line)))
}

/// Whether a line holds only spaces and tabs (a paragraph separator).
pub(crate) fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|&b| b == b' ' || b == b'\t')
}

/// A field value as text: trimmed, invalid UTF-8 replaced, `None` when empty.
pub(crate) fn field_value(bytes: &[u8]) -> Option<String> {
    let value = String::from_utf8_lossy(bytes);
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// The purl these components make, independent of how the purl module encodes them.
#[cfg(test)]
pub(crate) fn expected_purl(
    ty: &str,
    namespace: &str,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> String {
    let purl = crate::purl::Purl::new(ty, name).namespace(namespace).version(version);
    qualifiers.iter().fold(purl, |purl, (key, value)| purl.qualifier(key, value)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_from_distro() {
        let t = OsTarget::new(Some("Debian:12"), "Debian", Some("debian"));
        assert_eq!(t.ecosystem, "Debian:12");
        assert_eq!(t.namespace.as_deref(), Some("debian"));
        assert_eq!(t.distro_qualifier.as_deref(), Some("debian-12"));
        let unknown = OsTarget::new(None, "Alpine", Some("alpine"));
        assert_eq!((unknown.ecosystem.as_str(), unknown.namespace.as_deref()), ("Alpine", Some("alpine")));
        assert_eq!(unknown.distro_qualifier, None);
        let rpm = OsTarget::new(Some(""), "Red Hat", None);
        assert_eq!((rpm.ecosystem.as_str(), rpm.namespace), ("Red Hat", None));
    }

    #[test]
    fn lines_strip_cr_and_bom() {
        let got: Vec<_> = lines(b"\xEF\xBB\xBFa\r\nb\n").collect();
        assert_eq!(got, [(1, &b"a"[..]), (2, b"b"), (3, b"")]);
    }

    #[test]
    fn suffix_at_segment_boundary() {
        assert!(path_ends_with("var/lib/dpkg/status", "lib/dpkg/status"));
        assert!(path_ends_with("/usr/lib/dpkg/status", "lib/dpkg/status"));
        assert!(path_ends_with("lib/dpkg/status", "lib/dpkg/status"));
        assert!(!path_ends_with("var/xlib/dpkg/status", "lib/dpkg/status"));
        assert!(!path_ends_with("var/lib/dpkg/status-old", "lib/dpkg/status"));
    }
}
