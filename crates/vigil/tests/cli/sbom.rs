//! `vigil sbom`: targets, formats, output file, reading SBOMs back, and errors.

use crate::common::{Vigil, temp_dir, write};

const NPM_LOCK: &str = r#"{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0"},"node_modules/wrappy":{"version":"1.0.2"},"node_modules/@types/node":{"version":"20.1.0","dev":true}}}"#;
const CARGO_LOCK: &str = "version = 3\n\n[[package]]\nname = \"itoa\"\nversion = \"1.0.11\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";

#[test]
fn directory_to_json() {
    let dir = temp_dir();
    write(dir.path(), "web/package-lock.json", NPM_LOCK);
    write(dir.path(), "Cargo.lock", CARGO_LOCK);
    let out = Vigil::in_dir(dir.path()).args(["sbom", "dir:."]).run();
    out.assert_code(0);
    let json = out.json();
    assert_eq!(json["version"], 1);
    assert_eq!(json["source"]["kind"], "dir");
    let purls: Vec<&str> = json["packages"].as_array().unwrap().iter().map(|p| p["purl"].as_str().unwrap()).collect();
    for expected in ["pkg:npm/%40types/node@20.1.0", "pkg:npm/wrappy@1.0.2", "pkg:cargo/itoa@1.0.11"] {
        assert!(purls.contains(&expected), "{expected} missing from {purls:?}");
    }
    assert_eq!(purls.len(), 3);
    let wrappy = json["packages"].as_array().unwrap().iter().find(|p| p["name"] == "wrappy").unwrap();
    assert_eq!(wrappy["ecosystem"], "npm");
    assert_eq!(wrappy["locations"][0]["path"], "/web/package-lock.json");
    assert!(wrappy["source"].is_null());
    assert!(out.stderr.contains("3 packages"), "{}", out.stderr);
}

#[test]
fn formats_output_file_and_round_trip() {
    let dir = temp_dir();
    write(dir.path(), "app/package-lock.json", NPM_LOCK);
    let run = |format: &str, out: &str| {
        Vigil::in_dir(dir.path())
            .args(["sbom", "app", "--format", format, "-o", out, "--quiet"])
            .run()
            .assert_code(0)
            .stdout
            .clone()
    };
    assert_eq!(run("cyclonedx", "a.cdx.json"), "");
    run("spdx", "a.spdx.json");
    let cdx: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("a.cdx.json")).unwrap()).unwrap();
    assert_eq!(cdx["bomFormat"], "CycloneDX");
    assert_eq!(cdx["specVersion"], "1.6");
    let spdx: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("a.spdx.json")).unwrap()).unwrap();
    assert_eq!(spdx["spdxVersion"], "SPDX-2.3");
    for file in ["a.cdx.json", "a.spdx.json"] {
        let back = Vigil::in_dir(dir.path()).args(["sbom", &format!("sbom:{file}"), "--quiet"]).run();
        back.assert_code(0);
        let names: Vec<String> = back.json()["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["@types/node", "wrappy"], "{file}");
    }
}

#[test]
fn deterministic_with_source_date_epoch() {
    let dir = temp_dir();
    write(dir.path(), "package-lock.json", NPM_LOCK);
    let run = || {
        let mut v = Vigil::in_dir(dir.path()).args(["sbom", "dir:.", "--format", "cyclonedx", "--quiet"]);
        v = v.env("SOURCE_DATE_EPOCH", "1700000000");
        v.run().assert_code(0).stdout.clone()
    };
    let first = run();
    assert_eq!(first, run());
    assert!(first.contains("2023-11-14T22:13:20Z"));
}

#[test]
fn errors_exit_2_with_a_clear_message() {
    let dir = temp_dir();
    let out = Vigil::in_dir(dir.path()).args(["sbom", "NOT A TARGET"]).run();
    out.assert_code(2);
    assert!(out.stderr.contains("invalid target `NOT A TARGET`"), "{}", out.stderr);
    let out = Vigil::in_dir(dir.path()).args(["sbom", "oci-dir:missing"]).run();
    out.assert_code(2);
    assert!(out.stderr.contains("missing"), "{}", out.stderr);
    write(dir.path(), "junk.json", "{\"hello\": 1}");
    let out = Vigil::in_dir(dir.path()).args(["sbom", "sbom:junk.json"]).run();
    out.assert_code(2);
    assert!(out.stderr.contains("not an SBOM"), "{}", out.stderr);
    let out = Vigil::in_dir(dir.path()).args(["sbom", "dir:.", "--platform", "linux"]).run();
    out.assert_code(2);
}

#[test]
fn real_image_archive() {
    let Some(debian) = vigil_testkit::test_images() else { return };
    let expected = std::fs::read_to_string(debian.join("expected-dpkg.txt")).unwrap();
    let out = Vigil::in_dir(&debian).args(["sbom", "docker-archive:docker-archive.tar"]).run();
    out.assert_code(0);
    let json = out.json();
    let debs = json["packages"].as_array().unwrap().iter().filter(|p| p["ecosystem"] == "Debian:12").count();
    assert_eq!(debs, expected.lines().count());
    assert_eq!(json["distro"]["id"], "debian");
}
