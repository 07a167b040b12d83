#![allow(clippy::unwrap_used)]

//! Cataloguing the real test image (scripts/make-test-images.sh): every Debian package of its
//! dpkg database and the lockfiles of its app layer are found, the same whichever way the
//! image is stored; CycloneDX and SPDX output validate against the official schemas, are
//! deterministic, and read back to the same packages.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use vigil_oci::Target;
use vigil_sbom::format::{Format, read_sbom, render};
use vigil_sbom::{Sbom, ScanLimits, catalog};

fn images() -> Option<PathBuf> {
    vigil_testkit::test_images()
}

fn sbom_of(target: &str) -> Sbom {
    let image =
        Target::parse(target).and_then(|t| t.open(&Default::default())).unwrap_or_else(|e| panic!("{target}: {e}"));
    catalog(&image, ScanLimits::default()).unwrap_or_else(|e| panic!("{target}: {e}"))
}

type Key = (String, String, String, Vec<(String, Option<String>)>);

fn keys(sbom: &Sbom) -> Vec<Key> {
    sbom.packages
        .iter()
        .map(|p| {
            let locations = p.locations.iter().map(|l| (l.path.clone(), l.layer.clone())).collect();
            (p.name.clone(), p.version.clone(), p.ecosystem.clone(), locations)
        })
        .collect()
}

#[test]
fn four_ways_same_packages() {
    let Some(dir) = images() else { return };
    let d = dir.display();
    let layout = sbom_of(&format!("oci-dir:{d}/oci"));
    let archive = sbom_of(&format!("oci-archive:{d}/oci-archive.tar"));
    let docker = sbom_of(&format!("docker-archive:{d}/docker-archive.tar"));
    assert_eq!(keys(&layout), keys(&archive));
    assert_eq!(keys(&layout), keys(&docker));
    assert_eq!(layout.distro.as_ref().and_then(|d| d.ecosystem.clone()).as_deref(), Some("Debian:12"));

    // Every package in the image's dpkg database, with its version, from the base layer.
    let expected = std::fs::read_to_string(dir.join("expected-dpkg.txt")).unwrap_or_else(|e| panic!("{e}"));
    let want: BTreeSet<(String, String)> =
        expected.lines().filter_map(|l| l.split_once(' ')).map(|(n, v)| (n.to_string(), v.to_string())).collect();
    let debian: Vec<_> = layout.packages.iter().filter(|p| p.ecosystem == "Debian:12").collect();
    let got: BTreeSet<(String, String)> = debian.iter().map(|p| (p.name.clone(), p.version.clone())).collect();
    assert_eq!(got, want);
    let base = &layout.source.layers[0];
    assert!(
        debian
            .iter()
            .all(|p| p.locations.iter().all(|l| l.path == "/var/lib/dpkg/status" && l.layer.as_ref() == Some(base)))
    );
    assert!(debian.iter().all(|p| p.purl.starts_with("pkg:deb/debian/") && p.purl.contains("distro=debian-12")));
    let zlib = debian.iter().find(|p| p.name == "zlib1g").unwrap_or_else(|| panic!("zlib1g"));
    assert_eq!(zlib.source.as_ref().map(|s| s.name.as_str()), Some("zlib"));

    // The app layer's lockfiles.
    let names = |eco: &str| -> BTreeSet<String> {
        layout.packages.iter().filter(|p| p.ecosystem == eco).map(|p| p.name.clone()).collect()
    };
    assert_eq!(names("npm"), BTreeSet::from(["wrappy".to_string()]));
    assert_eq!(names("PyPI"), BTreeSet::from(["flask".to_string(), "requests".to_string()]));
    assert_eq!(names("crates.io").len(), 2);
    let app_layer = &layout.source.layers[1];
    let wrappy = layout.packages.iter().find(|p| p.name == "wrappy").unwrap_or_else(|| panic!("wrappy"));
    assert_eq!(wrappy.locations[0].path, "/app/package-lock.json");
    assert_eq!(wrappy.locations[0].layer.as_ref(), Some(app_layer));
}

fn validate(schemas: &Path, schema: &str, document: &str) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("doc.json");
    std::fs::write(&path, document).unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new("python3")
        .arg(schemas.join("validate.py"))
        .arg(schemas.join(schema))
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{schema}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn cyclonedx_and_spdx_are_deterministic_and_read_back() {
    let Some(dir) = images() else { return };
    let sbom = sbom_of(&format!("docker-archive:{}/docker-archive.tar", dir.display()));
    let packages: BTreeSet<(String, String, String)> =
        sbom.packages.iter().map(|p| (p.name.clone(), p.version.clone(), p.ecosystem.clone())).collect();
    for format in [Format::CycloneDx, Format::Spdx] {
        let first = render(&sbom, format, 1_700_000_000);
        let again =
            render(&sbom_of(&format!("docker-archive:{}/docker-archive.tar", dir.display())), format, 1_700_000_000);
        assert_eq!(first, again, "{format:?} output is not deterministic");
        let back = read_sbom("doc.json", first.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let read: BTreeSet<(String, String, String)> =
            back.packages.iter().map(|p| (p.name.clone(), p.version.clone(), p.ecosystem.clone())).collect();
        assert_eq!(read, packages, "{format:?} does not read back to the same packages");
    }
    let json = render(&sbom, Format::Json, 0);
    let back = read_sbom("vigil.json", json.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.packages.len(), sbom.packages.len());
}

/// Needs the official schemas (`$VIGIL_CORPORA/../schemas`) and python3's `jsonschema`.
#[test]
fn cyclonedx_and_spdx_validate_against_the_official_schemas() {
    let Some(dir) = images() else { return };
    let files = ["bom-1.6.schema.json", "spdx-schema.json"];
    let Some(schemas) = vigil_testkit::require_schemas(&files) else { return };
    let sbom = sbom_of(&format!("docker-archive:{}/docker-archive.tar", dir.display()));
    for (format, schema) in [(Format::CycloneDx, files[0]), (Format::Spdx, files[1])] {
        validate(&schemas, schema, &render(&sbom, format, 1_700_000_000));
    }
}

#[test]
fn unknown_documents_are_refused() {
    assert!(read_sbom("x.json", b"{\"hello\": 1}").unwrap_err().to_string().contains("not an SBOM"));
    assert!(read_sbom("x.json", b"{nope").unwrap_err().to_string().contains("invalid JSON"));
}

#[test]
fn registry_gives_the_same_packages() {
    let Some(dir) = images() else { return };
    let Some((registry, _)) = vigil_oci::testing::start(false) else { return };
    let layout = sbom_of(&format!("oci-dir:{}/oci", dir.display()));
    let options = vigil_oci::OpenOptions {
        registry: vigil_oci::RegistryOptions { plain_http: true, ..Default::default() },
        ..Default::default()
    };
    let image = Target::parse(&format!("registry:{}/vigil/debian:1.0", registry.addr))
        .and_then(|t| t.open(&options))
        .unwrap_or_else(|e| panic!("{e}"));
    let pulled = catalog(&image, ScanLimits::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(keys(&pulled), keys(&layout));
    assert_eq!(pulled.source.manifest_digest, layout.source.manifest_digest);
    assert_eq!(pulled.source.kind, "registry");
}
