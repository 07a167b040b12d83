//! `Cargo.lock` (lockfile versions 1 to 4).

use serde::Deserialize;

use super::decode;
use crate::cataloger::file_name;
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, ecosystem};

/// Lists every `[[package]]` of a `Cargo.lock`, workspace members included (as osv-scanner
/// does), plus the `[root]` table of version 1 lockfiles. Packages from a git source carry the
/// locked commit.
pub(crate) struct CargoLock;

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    root: Option<LockedPackage>,
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
}

impl Cataloger for CargoLock {
    fn id(&self) -> &'static str {
        "cargo-lock"
    }

    fn matches(&self, path: &str) -> bool {
        file_name(path) == "Cargo.lock"
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = decode::text(input)?;
        let lockfile: Lockfile = decode::toml(input.path, text)?;
        Ok(lockfile.root.iter().chain(&lockfile.package).map(|p| package(p, input.path)).collect())
    }
}

fn package(locked: &LockedPackage, path: &str) -> Package {
    let purl = Purl::new("cargo", &locked.name).version(&locked.version).to_string();
    let mut package = Package::new(&locked.name, &locked.version, ecosystem::CRATES_IO, purl, path);
    package.commit = locked.source.as_deref().and_then(git_commit);
    package
}

/// The commit of a git source: Cargo records `git+<url>[?rev=…]#<full commit>`.
fn git_commit(source: &str) -> Option<String> {
    let rest = source.strip_prefix("git+")?;
    let (_, commit) = rest.rsplit_once('#')?;
    Some(commit.to_string()).filter(|c| !c.is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        CargoLock.parse(&CatalogInput::new("Cargo.lock", text.as_bytes()))
    }

    #[test]
    fn v3_packages_with_local_and_git() {
        let found = parse(
            r#"
version = 3

[[package]]
name = "addr2line"
version = "0.15.2"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "local"
version = "0.1.0"

[[package]]
name = "gitdep"
version = "0.2.0"
source = "git+https://github.com/o/r?rev=abc#abcdef0123"
"#,
        )
        .unwrap();
        let names: Vec<_> = found.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str())).collect();
        assert_eq!(
            names,
            [
                ("addr2line", "0.15.2", "pkg:cargo/addr2line@0.15.2"),
                ("local", "0.1.0", "pkg:cargo/local@0.1.0"),
                ("gitdep", "0.2.0", "pkg:cargo/gitdep@0.2.0")
            ]
        );
        assert_eq!(found[2].commit.as_deref(), Some("abcdef0123"));
        assert_eq!(found[0].commit, None);
        assert_eq!(found[0].ecosystem, "crates.io");
        assert_eq!(found[0].locations[0].path, "Cargo.lock");
    }

    #[test]
    fn v1_root_table_and_metadata() {
        let found = parse(
            "[root]\nname = \"app\"\nversion = \"1.0.0\"\n\n[[package]]\nname = \"libc\"\nversion = \"0.2.0\"\n\n[metadata]\n\"checksum libc 0.2.0 (registry+https://github.com/rust-lang/crates.io-index)\" = \"00\"\n",
        )
        .unwrap();
        assert_eq!(found.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["app", "libc"]);
    }

    #[test]
    fn build_metadata_is_kept_and_encoded_in_the_purl() {
        let found = parse("[[package]]\nname = \"wasi\"\nversion = \"0.10.2+wasi-snapshot-preview1\"\n").unwrap();
        assert_eq!(found[0].version, "0.10.2+wasi-snapshot-preview1");
        assert_eq!(found[0].purl, "pkg:cargo/wasi@0.10.2%2Bwasi-snapshot-preview1");
    }

    #[test]
    fn empty_and_version_only_files_have_no_packages() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("version = 4\n").unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_file_and_position() {
        let e = parse("this is not valid toml! (I think)").unwrap_err();
        assert_eq!(e.to_string(), "Cargo.lock: 1:6: invalid TOML, key with no value, expected `=`");
        let e = parse("[[package]]\nversion = \"1\"\n").unwrap_err();
        assert!(e.to_string().starts_with("Cargo.lock: 1:1: invalid TOML, missing field `name`"), "{e}");
        let e = parse("package = 3").unwrap_err();
        assert!(e.to_string().contains("invalid TOML"), "{e}");
    }

    #[test]
    fn matches_only_cargo_lock() {
        assert!(CargoLock.matches("app/Cargo.lock"));
        assert!(!CargoLock.matches("app/Cargo.toml"));
        assert!(!CargoLock.matches("app/cargo.lock"));
    }
}
