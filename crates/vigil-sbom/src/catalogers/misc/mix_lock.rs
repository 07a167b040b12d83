//! Elixir `mix.lock`: an Elixir map literal, one entry per dependency:
//! `"plug": {:hex, :plug, "1.11.1", "<checksum>", [:mix], [deps…], "hexpm", "<checksum>"}` or
//! `"foo": {:git, "https://…/foo.git", "<commit>", [branch: "main"]}`.

mod term;

use super::decode;
use crate::cataloger::file_name;
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, ecosystem};
use term::{Node, Term};

/// Lists Hex packages (by their Hex name, which may differ from the dependency's app name) and
/// git dependencies (by app name, with no version and the locked commit). Other SCMs are
/// skipped. The file is parsed as Elixir terms, not scanned line by line, so formatting does
/// not matter.
pub(crate) struct MixLock;

impl Cataloger for MixLock {
    fn id(&self) -> &'static str {
        "mix-lock"
    }

    fn matches(&self, path: &str) -> bool {
        file_name(path) == "mix.lock"
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = decode::text(input)?;
        let at = |offset: usize, message: String| {
            let (line, column) = decode::line_col(text, offset);
            decode::error_at(input.path, line, column, message)
        };
        let Some(root) = term::parse(text).map_err(|e| at(e.at, e.message))? else {
            return Ok(Vec::new());
        };
        let Term::Map(entries) = root.term else {
            return Err(at(root.at, "the lock is not a map, expected `%{…}`".to_string()));
        };
        let mut found = Vec::new();
        for (key, value) in &entries {
            let Some(app) = key.term.as_text() else {
                return Err(at(key.at, "dependency name is not a string or an atom".to_string()));
            };
            if let Some(package) = package(app, value, input.path).map_err(|(offset, message)| at(offset, message))? {
                found.push(package);
            }
        }
        Ok(found)
    }
}

/// The package an entry locks, `None` for SCMs other than Hex and git; an error (offset,
/// message) for an entry of the wrong shape.
fn package(app: &str, value: &Node, path: &str) -> Result<Option<Package>, (usize, String)> {
    let Term::Tuple(items) = &value.term else {
        return Err((value.at, format!("`{app}` is not a tuple, expected `{{:hex, …}}` or `{{:git, …}}`")));
    };
    let text = |index: usize, what: &str| -> Result<&str, (usize, String)> {
        match items.get(index) {
            Some(node) => node.term.as_text().ok_or_else(|| (node.at, format!("`{app}`: {what} is not a string"))),
            None => Err((value.at, format!("`{app}` has no {what}"))),
        }
    };
    let scm = match items.first().map(|n| &n.term) {
        Some(Term::Atom(scm)) => scm.as_str(),
        _ => return Err((value.at, format!("`{app}` does not start with an SCM atom such as `:hex`"))),
    };
    match scm {
        "hex" => {
            let name = text(1, "package name")?;
            let version = text(2, "version")?;
            // Element 7 is the repository: `hexpm`, or `hexpm:<organization>` for a private
            // organization's package, which the purl spec puts in the namespace.
            let organization = items
                .get(6)
                .and_then(|n| n.term.as_text())
                .and_then(|repo| repo.strip_prefix("hexpm:"))
                .unwrap_or_default();
            let purl = Purl::new("hex", name).namespace(organization).version(version).to_string();
            Ok(Some(Package::new(name, version, ecosystem::HEX, purl, path)))
        }
        "git" => {
            let url = text(1, "repository URL")?;
            let commit = text(2, "commit")?;
            let purl = Purl::new("hex", app).qualifier("vcs_url", &format!("git+{url}@{commit}")).to_string();
            let mut package = Package::new(app, "", ecosystem::HEX, purl, path);
            package.commit = Some(commit.to_string()).filter(|c| !c.is_empty());
            Ok(Some(package))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        MixLock.parse(&CatalogInput::new("mix.lock", text.as_bytes()))
    }

    #[test]
    fn hex_and_git_packages() {
        let found = parse(
            r#"%{
  "plug": {:hex, :plug, "1.11.1", "f2992bac66fdae679453c9e86134a4201f6f43a687d8ff1cd1b2862d53c80259", [:mix], [{:mime, "~> 1.0", [hex: :mime, repo: "hexpm", optional: false]}], "hexpm", "23524e4fefbb587c11f0833b3910bfb414bf2e2534d61928e920f54e3a1b881f"},
  "my_app": {:hex, :real_name, "0.1.0", "00", [:mix], [], "hexpm:acme", "11"},
  "foo": {:git, "https://github.com/my-org/foo.git", "fc94cce7830fa4dc455024bc2a83720afe244531", [branch: "feat/my-improvement"]},
  "local": {:path, "../local", []},
}
"#,
        )
        .unwrap();
        let summary: Vec<_> = found.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str())).collect();
        assert_eq!(
            summary,
            [
                ("plug", "1.11.1", "pkg:hex/plug@1.11.1"),
                ("real_name", "0.1.0", "pkg:hex/acme/real_name@0.1.0"),
                (
                    "foo",
                    "",
                    "pkg:hex/foo?vcs_url=git%2Bhttps://github.com/my-org/foo.git%40fc94cce7830fa4dc455024bc2a83720afe244531"
                ),
            ]
        );
        assert_eq!(found[2].commit.as_deref(), Some("fc94cce7830fa4dc455024bc2a83720afe244531"));
        assert_eq!(found[0].commit, None);
        assert!(found.iter().all(|p| p.ecosystem == "Hex"));
    }

    #[test]
    fn old_and_arrow_syntax() {
        // Mix before 1.5 wrote `"name" => {...}` entries and shorter tuples.
        let found = parse("%{\"cowboy\" => {:hex, :cowboy, \"1.0.4\", \"ab\", [:rebar, :make], []}}").unwrap();
        assert_eq!(found[0].name, "cowboy");
        assert_eq!(found[0].version, "1.0.4");
    }

    #[test]
    fn empty_files() {
        assert!(parse("%{}\n").unwrap().is_empty());
        assert!(parse("").unwrap().is_empty());
        assert!(parse("\n  \n").unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_position_and_what_was_expected() {
        let e = parse("this is not a mix.lock").unwrap_err();
        assert_eq!(e.to_string(), "mix.lock: 1:6: unexpected `i` after the term, expected the end of the file");
        let e = parse("[1]").unwrap_err();
        assert_eq!(e.to_string(), "mix.lock: 1:1: the lock is not a map, expected `%{…}`");
        let e = parse("%{\n  \"a\": \"b\"\n}").unwrap_err();
        assert!(e.to_string().starts_with("mix.lock: 2:8: `a` is not a tuple"), "{e}");
        let e = parse("%{\n  \"a\": {:hex, :a}\n}").unwrap_err();
        assert_eq!(e.to_string(), "mix.lock: 2:8: `a` has no version");
        let e = parse("%{\n  \"a\": {:hex, :a, 1.0}\n}").unwrap_err();
        assert_eq!(e.to_string(), "mix.lock: 2:19: `a`: version is not a string");
        let e = parse("%{\n  \"a\": {\"hex\"}\n}").unwrap_err();
        assert!(e.to_string().contains("does not start with an SCM atom"), "{e}");
        let e = parse("%{\n  \"plug\": {:hex, :plug, \"1.0\"\n}").unwrap_err();
        assert_eq!(e.to_string(), "mix.lock: 3:2: unexpected end of file, expected `,` or `}`");
    }
}
