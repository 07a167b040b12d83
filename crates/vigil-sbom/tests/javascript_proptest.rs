#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The JavaScript catalogers never panic, and their output stays bounded, whatever they are
//! given: arbitrary bytes, arbitrary text, and text assembled from the pieces of real
//! lockfiles (so that the generated input gets past the first syntax check).

use proptest::prelude::*;
use vigil_sbom::{CatalogInput, Cataloger};

const IDS: [(&str, &str); 4] = [
    ("npm-package-lock", "app/package-lock.json"),
    ("yarn-lock", "app/yarn.lock"),
    ("pnpm-lock", "app/pnpm-lock.yaml"),
    ("node-package-json", "app/node_modules/@s/a/package.json"),
];

fn cataloger(id: &str) -> &'static dyn Cataloger {
    vigil_sbom::catalogers::by_id(id).unwrap_or_else(|| panic!("no cataloger `{id}`"))
}

/// Parses `bytes` with every JavaScript cataloger and checks what comes back.
fn check_all(bytes: &[u8]) {
    for (id, path) in IDS {
        check(id, path, bytes);
    }
}

fn check(id: &str, path: &str, bytes: &[u8]) {
    let Ok(packages) = cataloger(id).parse(&CatalogInput::new(path, bytes)) else { return };
    // Every package needs a few bytes of input to name it.
    assert!(packages.len() <= bytes.len(), "{id}: {} packages from {} bytes", packages.len(), bytes.len());
    for p in &packages {
        assert!(!p.name.is_empty(), "{id}: a package without a name");
        assert_eq!(p.ecosystem, "npm");
        assert!(p.purl.starts_with("pkg:npm/"), "{id}: purl {}", p.purl);
        assert_eq!(p.locations.len(), 1);
        assert_eq!(p.locations[0].path, path);
        assert!(p.commit.as_deref() != Some(""), "{id}: empty commit");
    }
}

/// Pieces of npm lockfiles and `package.json` files.
fn json_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("\"packages\"".to_string()),
        Just("\"dependencies\"".to_string()),
        Just("\"\"".to_string()),
        Just("\"node_modules/a\"".to_string()),
        Just("\"node_modules/@s/b/node_modules/c\"".to_string()),
        Just("\"version\"".to_string()),
        Just("\"name\"".to_string()),
        Just("\"resolved\"".to_string()),
        Just("\"link\"".to_string()),
        Just("\"dev\"".to_string()),
        Just("\"devOptional\"".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("1".to_string()),
        Just("[]".to_string()),
        Just("\"1.0.0\"".to_string()),
        Just("\"npm:@x/y@2.0.0\"".to_string()),
        Just("\"npm:\"".to_string()),
        Just("\"file:../x\"".to_string()),
        Just("\"git+ssh://git@github.com/o/r.git#abc123\"".to_string()),
        Just("\"https://github.com/o/r?ref=%zz#x\"".to_string()),
        "\"[a-z@/:#.%]{0,12}\"",
    ]
}

/// Pieces of `yarn.lock` lines (classic and Berry).
fn yarn_line() -> impl Strategy<Value = String> {
    let indent = prop_oneof![Just(""), Just(" "), Just("  "), Just("    "), Just("\t")];
    let body = prop_oneof![
        Just("__metadata:".to_string()),
        Just("\"a@npm:b@^1\", c@^2:".to_string()),
        Just("@s/a@^1:".to_string()),
        Just("a@1".to_string()),
        Just("version \"1.0.0\"".to_string()),
        Just("version: 1.0.0".to_string()),
        Just("\"version\" \"1.0.0\"".to_string()),
        Just("resolved \"git+ssh://git@github.com/o/r.git#abc\"".to_string()),
        Just("resolution: \"a@npm:1.0.0\"".to_string()),
        Just("resolution: \"a@https://github.com/o/r.git#commit=abc\"".to_string()),
        Just("dependencies:".to_string()),
        Just("\"unterminated".to_string()),
        Just("\"\\u12\"".to_string()),
        Just("# comment".to_string()),
        Just("[1, {a: *x}]".to_string()),
        Just("&x a".to_string()),
        "[ -~]{0,16}",
    ];
    (indent, body).prop_map(|(i, b)| format!("{i}{b}"))
}

/// Pieces of `pnpm-lock.yaml` lines.
fn pnpm_line() -> impl Strategy<Value = String> {
    let indent = prop_oneof![Just(""), Just("  "), Just("    "), Just("      "), Just("        ")];
    let body = prop_oneof![
        Just("lockfileVersion: 5.4".to_string()),
        Just("lockfileVersion: '9.0'".to_string()),
        Just("lockfileVersion: x".to_string()),
        Just("packages:".to_string()),
        Just("snapshots:".to_string()),
        Just("importers:".to_string()),
        Just(".:".to_string()),
        Just("dependencies:".to_string()),
        Just("devDependencies:".to_string()),
        Just("optionalDependencies:".to_string()),
        Just("/a/1.0.0_b@2.0.0:".to_string()),
        Just("/@s/a@1.0.0(b@2.0.0):".to_string()),
        Just("a@1.0.0(b@2.0.0):".to_string()),
        Just("a@1.0.0: {}".to_string()),
        Just("a: 1.0.0".to_string()),
        Just("a: link:../a".to_string()),
        Just("b: a@1.0.0".to_string()),
        Just("version: 1.0.0".to_string()),
        Just("specifier: ^1".to_string()),
        Just("name: '@s/a'".to_string()),
        Just("dev: true".to_string()),
        Just("optional: true".to_string()),
        Just("resolution: {tarball: https://codeload.github.com/o/r/tar.gz/abc}".to_string()),
        Just("resolution: {commit: abc}".to_string()),
        Just("axios@1.2.5:".to_string()),
        Just("- x".to_string()),
        "[ -~]{0,16}",
    ];
    (indent, body).prop_map(|(i, b)| format!("{i}{b}"))
}

/// A JSON string literal.
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Short strings drawn from the characters that matter to the parsers.
fn word() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9@/:#._^~ -]{0,12}", "\\PC{0,8}", Just(String::new())]
}

type YarnEntry = (Vec<String>, String, String);

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any well-formed classic `yarn.lock` parses, whatever its names and versions hold.
    #[test]
    fn classic_yarn_lockfiles_parse(entries in proptest::collection::vec(
        (proptest::collection::vec("\\PC{1,12}", 1..4), word(), word()), 0..16)
    ) {
        let entries: Vec<YarnEntry> = entries;
        let mut text = String::from("# yarn lockfile v1\n\n");
        for (specifiers, version, resolved) in &entries {
            let header: Vec<String> = specifiers.iter().map(|s| quote(s)).collect();
            text.push_str(&format!("{}:\n  version {}\n  resolved {}\n  dependencies:\n    a \"^1\"\n\n",
                header.join(", "), quote(version), quote(resolved)));
        }
        let packages = cataloger("yarn-lock").parse(&CatalogInput::new("app/yarn.lock", text.as_bytes()));
        let packages = packages.map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert!(packages.len() <= entries.len());
        check("yarn-lock", "app/yarn.lock", text.as_bytes());
    }

    /// Berry and pnpm lockfiles with arbitrary keys and values.
    #[test]
    fn yaml_lockfiles_with_arbitrary_strings(entries in proptest::collection::vec((word(), word(), word(), word()), 0..16)) {
        let mut berry = String::from("__metadata:\n  version: 8\n\n");
        let mut pnpm = String::from("lockfileVersion: '9.0'\nimporters:\n  .:\n    devDependencies:\n");
        for (key, version, resolution, _) in &entries {
            berry.push_str(&format!("{}:\n  version: {}\n  resolution: {}\n\n", quote(key), quote(version), quote(resolution)));
            pnpm.push_str(&format!("      {}:\n        specifier: x\n        version: {}\n", quote(key), quote(version)));
        }
        pnpm.push_str("packages:\n");
        for (key, version, _, name) in &entries {
            pnpm.push_str(&format!("  {}:\n    name: {}\n    version: {}\n", quote(key), quote(name), quote(version)));
        }
        pnpm.push_str("snapshots:\n");
        for (key, version, resolution, name) in &entries {
            pnpm.push_str(&format!("  {}:\n    dependencies:\n      {}: {}\n      {}: {}\n",
                quote(key), quote(name), quote(version), quote(resolution), quote(key)));
        }
        check("yarn-lock", "app/yarn.lock", berry.as_bytes());
        check("pnpm-lock", "app/pnpm-lock.yaml", pnpm.as_bytes());
        let v5 = pnpm.replace("lockfileVersion: '9.0'", "lockfileVersion: 5.4");
        check("pnpm-lock", "app/pnpm-lock.yaml", v5.as_bytes());
    }

    /// npm lockfiles of every version with arbitrary keys and values.
    #[test]
    fn npm_lockfiles_with_arbitrary_strings(entries in proptest::collection::vec(
        (word(), proptest::option::of(word()), proptest::option::of(word()), proptest::option::of(word()), any::<[bool; 4]>()), 0..16)
    ) {
        let mut packages = serde_json::Map::new();
        let mut dependencies = serde_json::Map::new();
        for (key, name, version, resolved, [dev, optional, dev_optional, link]) in &entries {
            let package = serde_json::json!({
                "name": name, "version": version, "resolved": resolved,
                "dev": dev, "optional": optional, "devOptional": dev_optional, "link": link,
            });
            packages.insert(key.clone(), package);
            let nested = serde_json::json!({ key.clone(): { "version": version } });
            dependencies.insert(key.clone(), serde_json::json!({ "version": version, "dev": dev, "dependencies": nested }));
        }
        let v2 = serde_json::json!({ "lockfileVersion": 3, "packages": packages }).to_string();
        let v1 = serde_json::json!({ "lockfileVersion": 1, "dependencies": dependencies }).to_string();
        for text in [v2, v1] {
            let parsed = cataloger("npm-package-lock").parse(&CatalogInput::new("app/package-lock.json", text.as_bytes()));
            let parsed = parsed.map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert!(parsed.len() <= 2 * entries.len());
            check("npm-package-lock", "app/package-lock.json", text.as_bytes());
        }
    }

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check_all(&bytes);
    }

    #[test]
    fn arbitrary_text(text in "\\PC{0,256}") {
        check_all(text.as_bytes());
    }

    #[test]
    fn json_like_text(pieces in proptest::collection::vec(json_piece(), 0..48)) {
        let text = pieces.concat();
        check("npm-package-lock", "app/package-lock.json", text.as_bytes());
        check("node-package-json", "app/node_modules/a/package.json", text.as_bytes());
        let wrapped = format!("{{\"packages\": {{\"node_modules/a\": {text}}}, \"dependencies\": {{\"a\": {text}}}}}");
        check("npm-package-lock", "app/package-lock.json", wrapped.as_bytes());
    }

    #[test]
    fn yarn_like_text(lines in proptest::collection::vec(yarn_line(), 0..32)) {
        check("yarn-lock", "app/yarn.lock", lines.join("\n").as_bytes());
    }

    #[test]
    fn pnpm_like_text(lines in proptest::collection::vec(pnpm_line(), 0..32)) {
        check("pnpm-lock", "app/pnpm-lock.yaml", lines.join("\n").as_bytes());
    }

    #[test]
    fn matches_never_panics(path in "[a-z@./_ -]{0,40}") {
        for (id, _) in IDS {
            let _ = cataloger(id).matches(&path);
        }
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let json = "[".repeat(depth) + &"]".repeat(depth);
    let yaml = "- ".repeat(depth) + "x";
    let flow = "[".repeat(depth) + &"]".repeat(depth);
    for text in [json, yaml, flow] {
        for (id, path) in IDS {
            let _ = cataloger(id).parse(&CatalogInput::new(path, text.as_bytes()));
        }
    }
}

#[test]
fn alias_bombs_are_refused() {
    let mut yaml = String::from("lockfileVersion: 5.4\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (i, prev) in ["a", "b", "c", "d", "e", "f", "g", "h"].windows(2).map(|w| (w[1], w[0])) {
        yaml.push_str(&format!(
            "{i}: &{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        ));
    }
    yaml.push_str("packages:\n  /a/1.0.0: {}\n");
    assert!(cataloger("pnpm-lock").parse(&CatalogInput::new("pnpm-lock.yaml", yaml.as_bytes())).is_err());
    let berry = format!("__metadata:\n  version: 8\n{}", yaml.replace("lockfileVersion: 5.4\n", ""));
    assert!(cataloger("yarn-lock").parse(&CatalogInput::new("yarn.lock", berry.as_bytes())).is_err());
}
