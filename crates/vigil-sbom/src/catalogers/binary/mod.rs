//! binary catalogers: packages recorded inside built artifacts rather than in lockfiles: the
//! build information of Go executables, the dependency list `cargo auditable` embeds in Rust
//! executables, and the Maven metadata of Java archives.

mod executable;
mod go_binary;
mod java_archive;
mod rust_audit_binary;

use crate::Cataloger;

/// The catalogers of this family, sorted by ID.
pub(crate) static CATALOGERS: &[&dyn Cataloger] =
    &[&go_binary::GoBinary, &java_archive::JavaArchive, &rust_audit_binary::RustAuditBinary];

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
    fn executables_and_archives_have_their_catalogers() {
        let matching =
            |path: &str| -> Vec<&str> { CATALOGERS.iter().filter(|c| c.matches(path)).map(|c| c.id()).collect() };
        assert_eq!(matching("usr/local/bin/app"), ["go-binary", "rust-audit-binary"]);
        assert_eq!(matching("app/lib/app-1.0.jar"), ["java-archive"]);
        assert!(matching("usr/share/doc/a/copyright").is_empty());
        // No other family claims these files.
        for path in ["usr/local/bin/app", "app/lib/app-1.0.jar"] {
            let others: Vec<&str> = crate::catalogers()
                .into_iter()
                .filter(|c| c.matches(path) && !CATALOGERS.iter().any(|own| own.id() == c.id()))
                .map(|c| c.id())
                .collect();
            assert!(others.is_empty(), "{path}: {others:?}");
        }
    }
}
