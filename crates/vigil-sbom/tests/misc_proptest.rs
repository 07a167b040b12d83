//! Robustness of the misc family's catalogers (Cargo, Go, Maven, Gradle, NuGet, Pub, Mix,
//! Conan, renv): arbitrary bytes, format-shaped noise and mutated valid files never panic, and
//! the output stays bounded by the input (each package needs at least one byte of it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use vigil_sbom::{CatalogInput, Package};

/// Each cataloger with a small valid file to mutate and an alphabet of its syntax.
const CASES: &[(&str, &str, &str)] = &[
    (
        "cargo-lock",
        "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"0.1.0\"\nsource = \"git+https://x/y?rev=1#abc\"\n\n[[package]]\nname = \"b\"\nversion = \"1.0.0+x\"\n",
        "[\\[\\]=\"a-z0-9 .#+\\n{},]{0,300}",
    ),
    (
        "go-mod",
        "module m\n\ngo 1.21\n\nrequire (\n\tgithub.com/a/b v1.0.0 // indirect\n\tgolang.org/x/net v0.5.6\n)\n\nreplace golang.org/x/net => ./fork\nreplace github.com/a/b v1.0.0 => example.com/c v1.2.3\n",
        "(module|go|require|replace|exclude|retract|toolchain|\\(|\\)|=>|//|/\\*|\"|`|\\\\|v1\\.0\\.0|1\\.2|a/b|\\./x| |\\t|\\n)*",
    ),
    (
        "maven-pom",
        "<project><groupId>g</groupId><version>1</version><properties><v>${project.version}</v><w>${v}-${v}</w></properties><dependencies><dependency><groupId>a</groupId><artifactId>b</artifactId><version>[${w},2)</version><scope>test</scope></dependency></dependencies><dependencyManagement><dependencies><dependency><groupId>a</groupId><artifactId>c</artifactId><version>3</version></dependency></dependencies></dependencyManagement></project>",
        "(<project>|</project>|<properties>|</properties>|<dependencies>|</dependencies>|<dependency>|</dependency>|<groupId>|</groupId>|<artifactId>|</artifactId>|<version>|</version>|<p>|</p>|\\$\\{p\\}|\\$\\{|\\}|\\[|\\(|,|a|1)*",
    ),
    (
        "gradle-lockfile",
        "# comment\ng:a:1.0=compileClasspath\nempty=\ng:b:2=runtimeClasspath,testCompileClasspath\n",
        "[a-z0-9:=,#\\n .]{0,300}",
    ),
    (
        "gradle-verification-metadata",
        "<verification-metadata><components><component group=\"g\" name=\"a\" version=\"1\"><artifact name=\"a.jar\"><sha256 value=\"00\"/></artifact></component></components></verification-metadata>",
        "(<verification-metadata>|</verification-metadata>|<components>|</components>|<component |/>|>|</component>|group=\"g\" |name=\"a\" |version=\"1\" |<!--|-->|a)*",
    ),
    (
        "nuget-packages-lock",
        "{\"version\": 1, \"dependencies\": {\"net6.0\": {\"A\": {\"type\": \"Direct\", \"resolved\": \"1.0.0\"}, \"P\": {\"type\": \"Project\"}}}}",
        "[{}\\[\\]\":, a-z0-9.\\n]{0,300}",
    ),
    (
        "pubspec-lock",
        "packages:\n  a:\n    dependency: \"direct dev\"\n    description:\n      resolved-ref: abc\n      url: x\n    source: git\n    version: \"1.0.0\"\n  b:\n    description: flutter\n    version: 0.0.0\n",
        "[a-z0-9:\\-\"'&*!\\[\\]{}|>#, \\n]{0,300}",
    ),
    (
        "mix-lock",
        "%{\n  \"a\": {:hex, :a, \"1.0.0\", \"00\", [:mix], [{:b, \"~> 1.0\", [hex: :b, repo: \"hexpm\", optional: false]}], \"hexpm:org\", \"11\"},\n  \"g\": {:git, \"https://x/g.git\", \"abc\", [branch: \"main\"]},\n}\n",
        "[%{}\\[\\]\"':,#=> a-z0-9.\\\\\\n-]{0,300}",
    ),
    (
        "conan-lock",
        "{\"graph_lock\": {\"nodes\": {\"0\": {\"ref\": \"app/1.0\", \"path\": \"conanfile.py\"}, \"1\": {\"pref\": \"zlib/1.2.11@u/c#r:p#q\"}}}, \"requires\": [\"bzip2/1.0.8#r%1\"]}",
        "[{}\\[\\]\":, a-z0-9./@#%_\\n]{0,300}",
    ),
    (
        "renv-lock",
        "{\"Packages\": {\"a\": {\"Package\": \"a\", \"Version\": \"1.0\", \"Repository\": \"CRAN\"}, \"b\": {\"Source\": \"GitHub\"}}}",
        "[{}\\[\\]\":, A-Za-z0-9.\\n]{0,300}",
    ),
];

/// Runs a cataloger; never panics, and bounded output when it succeeds.
fn check(id: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let cataloger = vigil_sbom::catalogers::by_id(id).ok_or_else(|| TestCaseError::fail(format!("no `{id}`")))?;
    let path = "dir/input";
    if let Ok(found) = cataloger.parse(&CatalogInput::new(path, bytes)) {
        prop_assert!(found.len() <= bytes.len(), "{id}: {} packages from {} bytes", found.len(), bytes.len());
        for package in &found {
            check_package(id, package, path)?;
        }
    }
    Ok(())
}

fn check_package(id: &str, package: &Package, path: &str) -> Result<(), TestCaseError> {
    prop_assert!(package.purl.starts_with("pkg:"), "{id}: purl `{}`", package.purl);
    prop_assert_eq!(package.locations.len(), 1);
    prop_assert_eq!(package.locations[0].path.as_str(), path);
    Ok(())
}

/// A random edit: insert, delete or overwrite a few bytes at a position.
fn mutate(seed: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for &(at, kind, byte) in edits {
        let at = if bytes.is_empty() { 0 } else { at % (bytes.len() + 1) };
        match kind % 3 {
            0 => bytes.insert(at, byte),
            1 if at < bytes.len() => {
                bytes.remove(at);
            }
            _ if at < bytes.len() => bytes[at] = byte,
            _ => bytes.push(byte),
        }
    }
    bytes
}

#[test]
fn seeds_parse() {
    for (id, seed, _) in CASES {
        let cataloger = vigil_sbom::catalogers::by_id(id).unwrap();
        let found = cataloger.parse(&CatalogInput::new("dir/input", seed.as_bytes())).unwrap();
        assert!(!found.is_empty(), "{id}: seed yields no packages");
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for (id, _, _) in CASES {
            check(id, &bytes)?;
        }
    }

    #[test]
    fn mutated_seeds(case in 0..CASES.len(), edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)) {
        let (id, seed, _) = CASES[case];
        check(id, &mutate(seed.as_bytes(), &edits))?;
    }

    #[test]
    fn mutated_seeds_with_syntax_bytes(
        case in 0..CASES.len(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), prop::sample::select(b"{}[]()<>\"'`:,=#%$@/\\\n ".to_vec())), 1..8),
    ) {
        let (id, seed, _) = CASES[case];
        check(id, &mutate(seed.as_bytes(), &edits))?;
    }

    #[test]
    fn syntax_shaped_noise((case, text) in syntax_noise()) {
        check(CASES[case].0, text.as_bytes())?;
    }
}

/// Text drawn from one cataloger's syntax alphabet.
fn syntax_noise() -> impl Strategy<Value = (usize, String)> {
    (0..CASES.len())
        .prop_flat_map(|case| proptest::string::string_regex(CASES[case].2).unwrap().prop_map(move |text| (case, text)))
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = |open: &str, close: &str, n: usize| format!("{}{}", open.repeat(n), close.repeat(n));
    let inputs = [
        ("cargo-lock", format!("a = {}", deep("[", "]", 100_000))),
        ("nuget-packages-lock", deep("[", "]", 100_000)),
        ("conan-lock", deep("{\"a\":", "}", 100_000)),
        ("renv-lock", deep("[", "]", 100_000)),
        ("pubspec-lock", deep("[", "]", 100_000)),
        ("mix-lock", deep("[", "]", 100_000)),
        ("maven-pom", deep("<a>", "</a>", 100_000)),
        ("gradle-verification-metadata", deep("<a>", "</a>", 100_000)),
        ("go-mod", deep("(", ")", 100_000)),
    ];
    for (id, text) in inputs {
        let cataloger = vigil_sbom::catalogers::by_id(id).unwrap();
        // Either an error or a (small) result; the point is that the stack survives.
        let _ = cataloger.parse(&CatalogInput::new("dir/input", text.as_bytes()));
    }
}
