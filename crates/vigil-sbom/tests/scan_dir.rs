#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Cataloguing a directory: lockfiles anywhere, binaries parsed on the fly (never kept, so a
//! large executable is not an error), and oversized lockfiles reported rather than read.

use vigil_oci::Target;
use vigil_sbom::{ScanLimits, catalog};

#[test]
fn binaries_are_streamed_and_big_lockfiles_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("usr/bin")).unwrap();
    // 3 MiB of non-ELF bytes where binaries live: read, recognised as not a binary, dropped.
    std::fs::write(dir.path().join("usr/bin/tool"), vec![b'x'; 3 * 1024 * 1024]).unwrap();
    std::fs::write(
        dir.path().join("package-lock.json"),
        br#"{"lockfileVersion":3,"packages":{"node_modules/wrappy":{"version":"1.0.2"}}}"#,
    )
    .unwrap();
    // Example files in documentation trees describe nothing installed.
    std::fs::create_dir_all(dir.path().join("usr/share/doc/python3-pip")).unwrap();
    std::fs::write(dir.path().join("usr/share/doc/python3-pip/requirements.txt"), "sphinx==7.0.0\n").unwrap();
    let big = format!("# {}\n", "padding ".repeat(200_000));
    std::fs::create_dir_all(dir.path().join("svc")).unwrap();
    std::fs::write(dir.path().join("svc/requirements.txt"), big).unwrap();
    let image = Target::parse(&format!("dir:{}", dir.path().display())).unwrap().open(&Default::default()).unwrap();
    let limits = ScanLimits { max_file_bytes: 1024 * 1024, ..ScanLimits::default() };
    let sbom = catalog(&image, limits).unwrap();
    let names: Vec<&str> = sbom.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["wrappy"]);
    assert_eq!(sbom.errors.len(), 1, "{:?}", sbom.errors);
    assert_eq!(sbom.errors[0].path, "/svc/requirements.txt");
    assert!(sbom.errors[0].message.contains("larger than"), "{:?}", sbom.errors);
}
