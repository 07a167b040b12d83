#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Robustness of the Python, Ruby and PHP catalogers: arbitrary bytes and format-shaped noise
//! never panic and give bounded output; `-r` include graphs (cycles, self-includes, endless
//! chains) always terminate.

use std::collections::HashMap;

use proptest::prelude::*;
use vigil_sbom::{CatalogInput, Cataloger, Package};

const IDS: &[&str] = &[
    "requirements-txt",
    "poetry-lock",
    "pipfile-lock",
    "pdm-lock",
    "python-dist-info",
    "gemfile-lock",
    "composer-lock",
];

fn cataloger(id: &str) -> &'static dyn Cataloger {
    vigil_sbom::catalogers::by_id(id).unwrap_or_else(|| panic!("cataloger `{id}` is not registered"))
}

/// Parses `contents` as `path` with `cataloger`, siblings read from `files`.
fn parse(id: &str, path: &str, contents: &[u8], files: &HashMap<String, Vec<u8>>) -> Result<Vec<Package>, String> {
    let read = |p: &str| files.get(p).cloned();
    let input = CatalogInput { path, contents, distro: None, read: Some(&read) };
    cataloger(id).parse(&input).map_err(|e| e.to_string())
}

/// Every package came from at least one byte of input, has a name and a purl for its location.
fn check_output(packages: &[Package], input_bytes: usize, path: &str) {
    assert!(packages.len() <= input_bytes.max(1), "{} packages from {input_bytes} bytes", packages.len());
    for p in packages {
        assert!(p.purl.starts_with("pkg:"), "{p:?}");
        assert_eq!(p.locations.len(), 1);
        assert_eq!(p.locations[0].path, path);
    }
}

fn path_for(id: &str) -> &'static str {
    match id {
        "requirements-txt" => "app/requirements.txt",
        "poetry-lock" => "app/poetry.lock",
        "pipfile-lock" => "app/Pipfile.lock",
        "pdm-lock" => "app/pdm.lock",
        "python-dist-info" => "site-packages/x-1.0.dist-info/METADATA",
        "gemfile-lock" => "app/Gemfile.lock",
        _ => "app/composer.lock",
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes(id in proptest::sample::select(IDS), bytes in proptest::collection::vec(any::<u8>(), 0..2048),
                       sibling in proptest::collection::vec(any::<u8>(), 0..256)) {
        let files = HashMap::from([("a.txt".to_string(), sibling)]);
        let path = path_for(id);
        if let Ok(packages) = parse(id, path, &bytes, &files) {
            check_output(&packages, bytes.len() + 256, path);
        }
    }

    #[test]
    fn requirements_shaped(text in "((-r |--requirement=|-e |# |)[A-Za-z0-9_.\\-\\[\\]]{0,8}( ?(==|===|>=|~=|!=|<|@) ?[0-9.*a-z\\\\]{0,6})?( ?;[a-z_ <='\"0-9.]{0,10})?( --hash=sha256:[a-f0-9]{0,4})?\\\\?\r?\n){0,30}") {
        let files = HashMap::from([("a.txt".to_string(), text.clone().into_bytes())]);
        if let Ok(packages) = parse("requirements-txt", "app/requirements.txt", text.as_bytes(), &files) {
            check_output(&packages, text.len() * 2, "app/requirements.txt");
            for p in &packages {
                prop_assert!(!p.name.is_empty());
                prop_assert!(!p.version.is_empty());
            }
        }
    }

    #[test]
    fn gemfile_shaped(text in "((GEM|GIT|PATH|PLUGIN SOURCE|PLATFORMS|DEPENDENCIES|BUNDLED WITH|  specs:|  remote: x|  revision: [a-f0-9]{0,6}|    [a-z_\\-]{0,6}( \\([0-9.a-z\\-]{0,8}\\))?!?|      [a-z]{1,4} \\(>= 1\\)| *)\r?\n){0,40}") {
        if let Ok(packages) = parse("gemfile-lock", "Gemfile.lock", text.as_bytes(), &HashMap::new()) {
            check_output(&packages, text.len(), "Gemfile.lock");
            for p in &packages {
                prop_assert!(!p.version.contains('-'), "{p:?}");
            }
        }
    }

    #[test]
    fn toml_shaped(id in proptest::sample::select(&["poetry-lock", "pdm-lock"][..]),
                   text in "((\\[\\[package\\]\\]|\\[package.source\\]|name = \"[a-z]{0,4}\"|version = \"[0-9.]{0,4}\"|groups = \\[(\"(dev|default|main|x)\",?){0,3}\\]|optional = (true|false)|category = \"(dev|main)\"|revision = \"[a-f0-9]{0,4}\"|resolved_reference = \"[a-f]{0,3}\"|[a-z =\\[\\]\"{}]{0,12})\n){0,30}") {
        let path = path_for(id);
        if let Ok(packages) = parse(id, path, text.as_bytes(), &HashMap::new()) {
            check_output(&packages, text.len(), path);
        }
    }

    /// Include graphs over a handful of files, spelled several ways (relative, `./`, `../`,
    /// self-includes): parsing always ends, and every file's packages are found at most once.
    #[test]
    fn include_graphs_terminate(edges in proptest::collection::vec((0usize..6, 0usize..6, 0usize..4), 0..30)) {
        let mut bodies: Vec<String> = (0..6).map(|i| format!("pkg{i}=={i}.0\n")).collect();
        for (from, to, spelling) in edges {
            let target = match spelling {
                0 => format!("f{to}.txt"),
                1 => format!("./f{to}.txt"),
                2 => format!("../d/f{to}.txt"),
                _ => format!("sub/../f{to}.txt"),
            };
            bodies[from].push_str(&format!("-r {target}\n"));
        }
        let files: HashMap<String, Vec<u8>> =
            bodies.iter().enumerate().map(|(i, b)| (format!("f{i}.txt"), b.clone().into_bytes())).collect();
        let packages = parse("requirements-txt", "d/f0.txt", bodies[0].as_bytes(), &files);
        let packages = packages.map_err(TestCaseError::fail)?;
        prop_assert!(packages.len() <= 6);
        prop_assert!(packages.iter().any(|p| p.name == "pkg0"));
    }
}

/// A reader that invents a new, deeper file for every path: the include chain never cycles,
/// so only the file limit stops it.
#[test]
fn endless_include_chain_is_cut_off() {
    let read = |_: &str| Some(b"-r a/requirements.txt\nx==1\n".to_vec());
    let input = CatalogInput {
        path: "requirements.txt",
        contents: b"-r a/requirements.txt\n",
        distro: None,
        read: Some(&read),
    };
    let err = cataloger("requirements-txt").parse(&input).err().map(|e| e.message).unwrap_or_default();
    assert!(err.contains("too many files included through `-r`"), "{err}");
}

/// Deeply nested JSON and TOML are rejected by the parsers' recursion limits, not the stack.
#[test]
fn deep_nesting() {
    let json = "[".repeat(100_000);
    let toml = format!("a = {}", "[".repeat(100_000));
    let dotted = format!("{} = 1", vec!["a"; 100_000].join("."));
    for (id, text) in [
        ("pipfile-lock", &json),
        ("composer-lock", &json),
        ("pipfile-lock", &format!("{{\"default\": {{\"a\": {json}")),
        ("poetry-lock", &toml),
        ("pdm-lock", &toml),
        ("poetry-lock", &dotted),
    ] {
        assert!(parse(id, path_for(id), text.as_bytes(), &HashMap::new()).is_err(), "{id}");
    }
}

/// A long line continuation chain and a file of only backslashes stay linear.
#[test]
fn long_continuations() {
    let text = format!("foo==\\\n{}1.0\n", "\\\n".repeat(200_000));
    let packages = parse("requirements-txt", "requirements.txt", text.as_bytes(), &HashMap::new()).unwrap_or_default();
    assert_eq!(packages.first().map(|p| p.version.as_str()), Some("1.0"));
    // Each joined line grows the trailing run of backslashes by two.
    let text = format!("a==1 {}", "\\\\\\\n".repeat(300_000));
    let packages = parse("requirements-txt", "requirements.txt", text.as_bytes(), &HashMap::new()).unwrap_or_default();
    assert_eq!(packages.len(), 1);
    let text = "\\".repeat(100_001);
    assert_eq!(parse("requirements-txt", "requirements.txt", text.as_bytes(), &HashMap::new()).map(|p| p.len()), Ok(0));
}
