//! Conan `conan.lock`: Conan 1 graph lockfiles (format 0.1 to 0.4, `graph_lock.nodes`) and
//! Conan 2 lockfiles (format 0.5+, `requires`, `build_requires`, `python_requires`).

use std::collections::HashSet;

use serde::Deserialize;

use super::decode::{self, OrderedMap};
use crate::cataloger::file_name;
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, ecosystem};

/// Lists the locked references. Graph nodes with a `path` are the consumer's own conanfile and
/// references without a name (`1.2.3`) are not packages; both are skipped, as osv-scanner does.
/// Conan 2 packages carry their section as a group (`requires`, `build-requires`,
/// `python-requires`).
pub(crate) struct ConanLock;

#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    graph_lock: Option<GraphLock>,
    #[serde(default)]
    requires: Option<Vec<String>>,
    #[serde(default)]
    build_requires: Option<Vec<String>>,
    #[serde(default)]
    python_requires: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct GraphLock {
    #[serde(default)]
    nodes: Option<OrderedMap<GraphNode>>,
}

#[derive(Deserialize)]
struct GraphNode {
    /// Format 0.3 and older (Conan up to 1.27) lock a package reference.
    #[serde(default)]
    pref: Option<String>,
    #[serde(default, rename = "ref")]
    reference: Option<String>,
    #[serde(default)]
    path: Option<String>,
}

/// `name/version[@user[/channel]][#rrev][:package_id[#prev]][%timestamp]`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Reference<'a> {
    name: &'a str,
    version: &'a str,
    user: &'a str,
    channel: &'a str,
    revision: &'a str,
}

fn parse_reference(reference: &str) -> Reference<'_> {
    let reference = reference.split_once('%').map_or(reference, |(r, _)| r);
    let reference = reference.split_once(':').map_or(reference, |(r, _)| r);
    let (reference, revision) = reference.split_once('#').unwrap_or((reference, ""));
    let (reference, user_channel) = reference.split_once('@').unwrap_or((reference, ""));
    let (user, channel) = user_channel.split_once('/').unwrap_or((user_channel, ""));
    // A consumer conanfile may have no name: the whole reference is then its version.
    let (name, version) = reference.split_once('/').unwrap_or(("", reference));
    Reference { name: name.trim(), version: version.trim(), user, channel, revision }
}

impl Cataloger for ConanLock {
    fn id(&self) -> &'static str {
        "conan-lock"
    }

    fn matches(&self, path: &str) -> bool {
        file_name(path) == "conan.lock"
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = decode::text(input)?;
        let lockfile: Lockfile = decode::json(input.path, text)?;
        let mut found = Vec::new();
        let mut seen = HashSet::new();
        let mut add = |reference: &str, group: Option<&str>| {
            let r = parse_reference(reference);
            if r.name.is_empty() || !seen.insert((r.name.to_string(), r.version.to_string(), group.map(str::to_string)))
            {
                return;
            }
            // `_` stands for "no user" / "no channel".
            let user = if r.user == "_" { "" } else { r.user };
            let channel = if r.channel == "_" { "" } else { r.channel };
            let purl = Purl::new("conan", r.name)
                .version(r.version)
                .qualifier("user", user)
                .qualifier("channel", channel)
                .qualifier("rrev", r.revision)
                .to_string();
            let mut package = Package::new(r.name, r.version, ecosystem::CONAN, purl, input.path);
            package.dep_groups.extend(group.map(str::to_string));
            found.push(package);
        };
        match lockfile.graph_lock.and_then(|g| g.nodes) {
            Some(nodes) => {
                for (_, node) in &nodes.0 {
                    if node.path.as_deref().is_some_and(|p| !p.is_empty()) {
                        continue;
                    }
                    let reference = node.pref.as_deref().filter(|p| !p.is_empty()).or(node.reference.as_deref());
                    if let Some(reference) = reference {
                        add(reference, None);
                    }
                }
            }
            None => {
                for (section, group) in [
                    (&lockfile.requires, "requires"),
                    (&lockfile.build_requires, "build-requires"),
                    (&lockfile.python_requires, "python-requires"),
                ] {
                    for reference in section.iter().flatten() {
                        add(reference, Some(group));
                    }
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        ConanLock.parse(&CatalogInput::new("conan.lock", text.as_bytes()))
    }

    fn summary(found: &[Package]) -> Vec<(&str, &str, &str, Vec<String>)> {
        found.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str(), p.dep_groups.clone())).collect()
    }

    #[test]
    fn references() {
        assert_eq!(
            parse_reference("zlib/1.2.11@bincrafters/testing#5f49:1972#5884%1667"),
            Reference { name: "zlib", version: "1.2.11", user: "bincrafters", channel: "testing", revision: "5f49" }
        );
        assert_eq!(parse_reference("1.2.3#ff"), Reference { version: "1.2.3", revision: "ff", ..Reference::default() });
        assert_eq!(parse_reference("a/b@u"), Reference { name: "a", version: "b", user: "u", ..Reference::default() });
    }

    #[test]
    fn v1_graph_nodes() {
        let found = parse(
            r#"{"graph_lock": {"nodes": {
                "0": {"ref": "test/1.0", "path": "conanfile.py", "requires": ["1", "2", "3"]},
                "1": {"ref": "zlib/1.2.11#ffa7", "package_id": "1972", "prev": "a636"},
                "2": {"ref": "1.2.3", "options": ""},
                "3": {"pref": "bzip2/1.0.8@_/_:1972#5884", "requires": {"zlib/1.2.11": "1"}},
                "4": {"pref": null}
            }, "revisions_enabled": true}, "version": "0.4"}"#,
        )
        .unwrap();
        assert_eq!(
            summary(&found),
            [
                ("zlib", "1.2.11", "pkg:conan/zlib@1.2.11?rrev=ffa7", vec![]),
                ("bzip2", "1.0.8", "pkg:conan/bzip2@1.0.8", vec![]),
            ]
        );
        assert_eq!(found[0].ecosystem, "ConanCenter");
    }

    #[test]
    fn v2_sections() {
        let found = parse(
            r#"{"version": "0.5",
                "requires": ["zlib/1.2.13#13c9%1667396813.733", "openssl/3.0.3@acme/stable", "1.2.3#ff%1"],
                "build_requires": ["ninja/1.11.1#a2f0%1667050636.338"],
                "python_requires": ["pyreq/0.1"]}"#,
        )
        .unwrap();
        assert_eq!(
            summary(&found),
            [
                ("zlib", "1.2.13", "pkg:conan/zlib@1.2.13?rrev=13c9", vec!["requires".to_string()]),
                ("openssl", "3.0.3", "pkg:conan/openssl@3.0.3?channel=stable&user=acme", vec!["requires".to_string()]),
                ("ninja", "1.11.1", "pkg:conan/ninja@1.11.1?rrev=a2f0", vec!["build-requires".to_string()]),
                ("pyreq", "0.1", "pkg:conan/pyreq@0.1", vec!["python-requires".to_string()]),
            ]
        );
    }

    #[test]
    fn empty_lockfiles() {
        assert!(parse("{}").unwrap().is_empty());
        assert!(parse(r#"{"version": "0.5", "requires": [], "build_requires": []}"#).unwrap().is_empty());
        assert!(
            parse(r#"{"graph_lock": {"nodes": {"0": {"ref": "test/1.0", "path": "conanfile.py"}}}}"#)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn errors_name_the_file_and_position() {
        let e = parse("this is not json!").unwrap_err();
        assert_eq!(e.to_string(), "conan.lock: 1:2: invalid JSON, expected ident");
        let e = parse("{\"requires\": [1]}").unwrap_err();
        assert!(e.to_string().starts_with("conan.lock: 1:15: invalid JSON, invalid type: integer `1`"), "{e}");
    }
}
