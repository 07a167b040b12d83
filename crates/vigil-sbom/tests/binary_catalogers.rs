//! The binary catalogers (`go-binary`, `rust-audit-binary`, `java-archive`) on executables and
//! archives built by the tests (see `binary_fixtures.rs`), plus the Go executables and Java
//! archives of the host when it has some.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary_fixtures;

use binary_fixtures::*;
use vigil_sbom::{CatalogError, CatalogInput, Package};

fn parse(id: &str, path: &str, bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
    vigil_sbom::catalogers::by_id(id).expect("registered").parse(&CatalogInput::new(path, bytes))
}

fn triples(found: &[Package]) -> Vec<(&str, &str, &str)> {
    found.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str())).collect()
}

fn locations(found: &[Package]) -> Vec<&str> {
    found.iter().flat_map(|p| p.locations.iter().map(|l| l.path.as_str())).collect()
}

const MOD_INFO: &str = "path\tgithub.com/acme/tool/cmd/tool\n\
    mod\tgithub.com/acme/tool\tv1.4.0\th1:aaa=\n\
    dep\tgithub.com/spf13/cobra\tv1.8.0\th1:bbb=\n\
    dep\tgolang.org/x/crypto\tv0.17.0\th1:ccc=\n\
    =>\tgolang.org/x/crypto\tv0.18.0\th1:ddd=\n\
    dep\tgopkg.in/yaml.v3\tv3.0.1\th1:eee=\n\
    build\t-compiler=gc\n\
    build\tGOOS=linux\n";

const EXPECTED_GO: [(&str, &str, &str); 5] = [
    ("github.com/acme/tool", "1.4.0", "pkg:golang/github.com/acme/tool@v1.4.0"),
    ("github.com/spf13/cobra", "1.8.0", "pkg:golang/github.com/spf13/cobra@v1.8.0"),
    ("golang.org/x/crypto", "0.18.0", "pkg:golang/golang.org/x/crypto@v0.18.0"),
    ("gopkg.in/yaml.v3", "3.0.1", "pkg:golang/gopkg.in/yaml.v3@v3.0.1"),
    ("stdlib", "1.22.3", "pkg:golang/stdlib@v1.22.3"),
];

#[test]
fn go_elf_with_buildinfo_section() {
    let blob = go_inline_blob("go1.22.3", &framed(MOD_INFO));
    let found = parse("go-binary", "/usr/local/bin/tool", &elf_with_section(".go.buildinfo", &blob)).unwrap();
    assert_eq!(triples(&found), EXPECTED_GO);
    assert!(found.iter().all(|p| p.ecosystem == "Go"));
    assert!(locations(&found).iter().all(|l| *l == "/usr/local/bin/tool"));
}

#[test]
fn go_elf_without_section_headers() {
    // Stripped of section headers: the header is found at the start of the writable segment.
    let mut payload = vec![0u8; 48];
    payload.extend(go_inline_blob("go1.22.3", &framed(MOD_INFO)));
    let layout = ElfLayout { section_headers: false, ..ElfLayout::X86_64 };
    let found = parse("go-binary", "/app/tool", &elf(layout, &payload, &[])).unwrap();
    assert_eq!(triples(&found), EXPECTED_GO);
}

#[test]
fn go_pointer_format_before_1_18() {
    for (is_64, big_endian) in [(true, false), (false, true), (false, false), (true, true)] {
        let payload = go_pointer_payload(is_64, big_endian, "go1.16.15", &framed(MOD_INFO));
        for section_headers in [true, false] {
            let layout = ElfLayout { is_64, big_endian, section_headers };
            let binary = elf(layout, &payload, &[(".go.buildinfo", 0..32), (".data", 32..payload.len())]);
            let found = parse("go-binary", "/bin/tool", &binary).unwrap_or_else(|e| panic!("{layout:?}: {e}"));
            let mut expected = EXPECTED_GO.to_vec();
            expected[4] = ("stdlib", "1.16.15", "pkg:golang/stdlib@v1.16.15");
            assert_eq!(triples(&found), expected, "{layout:?}");
        }
    }
}

#[test]
fn go_pointer_outside_the_file() {
    let mut payload = go_pointer_payload(true, false, "go1.16", &framed(MOD_INFO));
    // The module information's string header now points far beyond the segment.
    payload[16 + 8..16 + 16].copy_from_slice(&0xdead_0000u64.to_le_bytes());
    let err = parse("go-binary", "/bin/tool", &elf_with_section(".go.buildinfo", &payload)).unwrap_err();
    assert_eq!(err.path, "/bin/tool");
    assert_eq!(
        err.message,
        "Go build info at 0x400000: module information string header address 0xdead0000 is outside the file's segments"
    );
}

#[test]
fn go_macho_and_pe() {
    let blob = go_inline_blob("go1.22.3", &framed(MOD_INFO));
    let found = parse("go-binary", "/opt/tool", &macho(&[("__DATA", "__go_buildinfo", &blob)])).unwrap();
    assert_eq!(triples(&found), EXPECTED_GO);
    // Go puts it at the start of `.data` in PE files, without a section of its own.
    let found = parse("go-binary", "/app/tool.exe", &pe(&blob, &[])).unwrap();
    assert_eq!(triples(&found), EXPECTED_GO);
}

#[test]
fn go_without_modules_and_not_go() {
    // GOPATH builds record a path and no framed module information.
    let blob = go_inline_blob("go1.15.2", b"path\tgithub.com/acme/x\n");
    let found = parse("go-binary", "/bin/x", &elf_with_section(".go.buildinfo", &blob)).unwrap();
    assert_eq!(triples(&found), [("stdlib", "1.15.2", "pkg:golang/stdlib@v1.15.2")]);
    // An ELF file of another language, a script and garbage: nothing, no error.
    assert!(parse("go-binary", "/bin/c", &elf_with_section(".data", &[1; 64])).unwrap().is_empty());
    assert!(parse("go-binary", "/bin/s", b"#!/bin/sh\nexec true\n").unwrap().is_empty());
    assert!(parse("go-binary", "/bin/e", b"").unwrap().is_empty());
}

#[test]
fn go_broken_build_info() {
    let mut blob = go_inline_blob("go1.22.3", &framed(MOD_INFO));
    blob.truncate(64);
    let err = parse("go-binary", "/bin/x", &elf_with_section(".go.buildinfo", &blob)).unwrap_err();
    assert_eq!(
        err.message,
        "Go build info at 0x400000: module information is 300 bytes long, past the end of its section"
    );
    let blob = go_inline_blob("go1.22.3", &framed("path\tx\ndep\tonly-a-path\n"));
    let err = parse("go-binary", "/bin/x", &elf_with_section(".go.buildinfo", &blob)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "/bin/x: Go module information line 2: expected 2 or 3 tab-separated columns after `dep`, found 1"
    );
    let err = parse("go-binary", "/bin/x", b"\x7fELF\x02\x01\x01").unwrap_err();
    assert!(err.message.starts_with("invalid ELF file: "), "{}", err.message);
}

const AUDIT_JSON: &str = r#"{"packages":[
    {"name":"tool","version":"0.3.0","source":"local","dependencies":[1,2,3],"root":true},
    {"name":"serde","version":"1.0.195","source":"crates.io","dependencies":[3]},
    {"name":"mine","version":"0.1.0","source":"git"},
    {"name":"serde_derive","version":"1.0.195","source":"crates.io","kind":"build"},
    {"name":"cc","version":"1.0.83","source":"registry","kind":"runtime"}
],"format":1}"#;

#[test]
fn rust_audit_data_in_elf_macho_and_pe() {
    let section = zlib(AUDIT_JSON.as_bytes());
    let expected = [
        ("tool", "0.3.0", "pkg:cargo/tool@0.3.0"),
        ("serde", "1.0.195", "pkg:cargo/serde@1.0.195"),
        ("mine", "0.1.0", "pkg:cargo/mine@0.1.0"),
        ("cc", "1.0.83", "pkg:cargo/cc@1.0.83"),
    ];
    for (path, binary) in [
        ("/usr/bin/tool", elf_with_section(".dep-v0", &section)),
        ("/usr/bin/tool", macho(&[("__DATA", ".dep-v0", &section)])),
        ("/app/tool.exe", pe(&[0; 16], &[(*b".dep-v0\0", &section)])),
    ] {
        let found = parse("rust-audit-binary", path, &binary).unwrap();
        assert_eq!(triples(&found), expected);
        assert!(found.iter().all(|p| p.ecosystem == "crates.io" && p.locations[0].path == path));
    }
}

#[test]
fn rust_without_audit_data_or_broken() {
    assert!(parse("rust-audit-binary", "/bin/x", &elf_with_section(".data", &[0; 32])).unwrap().is_empty());
    assert!(parse("rust-audit-binary", "/bin/x", b"plain text").unwrap().is_empty());
    let err = parse("rust-audit-binary", "/bin/x", &elf_with_section(".dep-v0", b"not zlib")).unwrap_err();
    assert!(err.message.starts_with("the `.dep-v0` section is not valid zlib data: "), "{}", err.message);
    let err =
        parse("rust-audit-binary", "/bin/x", &elf_with_section(".dep-v0", &zlib(br#"{"packages":[{"name":1}]}"#)))
            .unwrap_err();
    assert!(err.message.starts_with("invalid JSON in the `.dep-v0` section, invalid type"), "{}", err.message);
    // 16 MiB of spaces compress to about 16 KiB: refused after 8 MiB.
    let bomb = zlib(&vec![b' '; 16 * 1024 * 1024]);
    let err = parse("rust-audit-binary", "/bin/x", &elf_with_section(".dep-v0", &bomb)).unwrap_err();
    assert_eq!(err.message, "the `.dep-v0` section inflates to more than 8388608 bytes, expected a dependency list");
}

#[test]
fn java_pom_properties_and_nested_archives() {
    let inner_manifest_only = zip(&[(
        "META-INF/MANIFEST.MF",
        b"Manifest-Version: 1.0\r\nBundle-SymbolicName: org.acme.acme-util;singleton:=true\r\nImplementation-Version: 9.9\r\n\r\n",
    )]);
    let inner_with_pom = zip(&[
        ("META-INF/", b""),
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        (
            "META-INF/maven/com.google.guava/guava/pom.properties",
            &pom_properties("com.google.guava", "guava", "32.1.3-jre"),
        ),
        ("com/google/common/base/Strings.class", &[0xca, 0xfe, 0xba, 0xbe]),
    ]);
    let deepest = zip(&[("META-INF/maven/org.deep/deep/pom.properties", &pom_properties("org.deep", "deep", "1"))]);
    let middle = zip_stored(&[("lib/deep.jar", &deepest)]);
    let war = zip(&[
        ("META-INF/maven/com.acme/shop/pom.properties", &pom_properties("com.acme", "shop", "2.0.0")),
        // A shaded artifact's properties, and a duplicate of the first.
        ("META-INF/maven/org.slf4j/slf4j-api/pom.properties", &pom_properties("org.slf4j", "slf4j-api", "2.0.9")),
        ("META-INF/maven/com.acme/shop-copy/pom.properties", &pom_properties("com.acme", "shop", "2.0.0")),
        ("WEB-INF/lib/acme-util-9.9.jar", &inner_manifest_only),
        ("WEB-INF/lib/guava-32.1.3-jre.jar", &inner_with_pom),
        ("WEB-INF/lib/middle.jar", &middle),
        ("WEB-INF/lib/empty.jar", b""),
    ]);
    let found = parse("java-archive", "/srv/shop.war", &war).unwrap();
    assert_eq!(
        triples(&found),
        [
            ("com.acme:shop", "2.0.0", "pkg:maven/com.acme/shop@2.0.0"),
            ("org.slf4j:slf4j-api", "2.0.9", "pkg:maven/org.slf4j/slf4j-api@2.0.9"),
            ("org.acme:acme-util", "9.9", "pkg:maven/org.acme/acme-util@9.9"),
            ("com.google.guava:guava", "32.1.3-jre", "pkg:maven/com.google.guava/guava@32.1.3-jre"),
            ("org.deep:deep", "1", "pkg:maven/org.deep/deep@1"),
        ]
    );
    assert_eq!(
        locations(&found),
        [
            "/srv/shop.war",
            "/srv/shop.war",
            "/srv/shop.war:WEB-INF/lib/acme-util-9.9.jar",
            "/srv/shop.war:WEB-INF/lib/guava-32.1.3-jre.jar",
            "/srv/shop.war:WEB-INF/lib/middle.jar:lib/deep.jar",
        ]
    );
    assert!(found.iter().all(|p| p.ecosystem == "Maven"));
}

#[test]
fn java_manifest_fallback_uses_the_file_name() {
    let jar = zip(&[("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\nImplementation-Title: commons-io\nImplementation-Version: 2.15.1\nImplementation-Vendor-Id: commons-io\n")]);
    // The file name wins over the manifest for name and version, as in Syft.
    let found = parse("java-archive", "/opt/lib/commons-io-2.15.0.jar", &jar).unwrap();
    assert_eq!(triples(&found), [("commons-io", "2.15.0", "pkg:maven/commons-io/commons-io@2.15.0")]);
    let found = parse("java-archive", "/opt/lib/app.jar", &jar).unwrap();
    assert_eq!(triples(&found), [("app", "2.15.1", "pkg:maven/app/app@2.15.1")]);
    // No manifest and no pom.properties: nothing to say.
    assert!(parse("java-archive", "/a.jar", &zip(&[("a/B.class", b"x")])).unwrap().is_empty());
    assert!(parse("java-archive", "/a.jar", b"").unwrap().is_empty());
}

#[test]
fn java_errors_name_the_entry() {
    let err = parse("java-archive", "/a.jar", b"this is not a zip").unwrap_err();
    assert!(err.to_string().starts_with("/a.jar: not a readable zip archive: "), "{err}");
    let outer = zip(&[("WEB-INF/lib/b.jar", b"not a zip either")]);
    let err = parse("java-archive", "/a.war", &outer).unwrap_err();
    assert!(err.message.starts_with("`WEB-INF/lib/b.jar`: not a readable zip archive: "), "{}", err.message);
}

#[test]
fn java_nesting_is_bounded() {
    // Each level nests the previous one; depth 5 is refused.
    let mut archive = zip(&[("META-INF/maven/g/a/pom.properties", &pom_properties("g", "a", "1"))]);
    for level in 0..5 {
        archive = zip_stored(&[(&format!("l{level}.jar"), &archive)]);
    }
    let err = parse("java-archive", "/a.jar", &archive).unwrap_err();
    assert_eq!(err.message, "`l4.jar`: `l3.jar`: `l2.jar`: `l1.jar`: `l0.jar` is nested more than 4 archives deep");
    // Four levels are read.
    let mut archive = zip(&[("META-INF/maven/g/a/pom.properties", &pom_properties("g", "a", "1"))]);
    for level in 0..4 {
        archive = zip_stored(&[(&format!("l{level}.jar"), &archive)]);
    }
    let found = parse("java-archive", "/a.jar", &archive).unwrap();
    assert_eq!(locations(&found), ["/a.jar:l3.jar:l2.jar:l1.jar:l0.jar"]);
}

#[test]
fn java_zip_bombs() {
    // One metadata entry inflating past 1 MiB.
    let mut big = pom_properties("g", "a", "1");
    big.resize(1024 * 1024 + 1, b'#');
    let jar = zip(&[("META-INF/maven/g/a/pom.properties", &big)]);
    assert!(jar.len() < 16 * 1024);
    let err = parse("java-archive", "/a.jar", &jar).unwrap_err();
    assert_eq!(
        err.message,
        "`META-INF/maven/g/a/pom.properties` inflates to more than 1048576 bytes, expected at most 1048576"
    );
    // 257 entries of 1 MiB each: past the 256 MiB read from one file in total.
    let mut page = pom_properties("g", "a", "1");
    page.resize(1024 * 1024, b'#');
    let names: Vec<String> = (0..257).map(|i| format!("META-INF/maven/g/a{i}/pom.properties")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), page.as_slice())).collect();
    let jar = zip(&entries);
    assert!(jar.len() < 2 * 1024 * 1024);
    let err = parse("java-archive", "/a.jar", &jar).unwrap_err();
    assert_eq!(err.message, "entries inflate to more than 268435456 bytes in total, expected at most 268435456");
}

#[test]
fn java_entry_count_is_bounded() {
    // Central directory signatures beyond the entry limit are refused before the zip reader
    // sizes its tables (a forged directory would otherwise cost memory per claimed entry).
    let mut header = b"PK\x01\x02".to_vec();
    header.resize(46, 0);
    let mut bytes = header.repeat(200_001);
    bytes.extend(zip(&[("a", b"b")]));
    let err = parse("java-archive", "/a.jar", &bytes).unwrap_err();
    assert_eq!(err.message, "archive has more than 200000 entries");
}

/// Real Go executables of the host (scripts/test installs skopeo and umoci): every one yields a
/// `stdlib` package and well-formed Go packages. Not run, through the shared gate, on a host
/// with none of them.
#[test]
fn host_go_executables() {
    let candidates = ["/usr/bin/skopeo", "/usr/bin/umoci", "/usr/local/bin/docker", "/usr/local/go/bin/go"];
    let mut read = 0;
    for path in candidates {
        let Ok(bytes) = std::fs::read(path) else { continue };
        read += 1;
        let found = parse("go-binary", path, &bytes).unwrap();
        assert!(found.iter().any(|p| p.name == "stdlib"), "{path}: {:?}", triples(&found));
        for package in &found {
            assert!(package.purl.starts_with("pkg:golang/"), "{path}: {}", package.purl);
            assert!(!package.version.starts_with('v'), "{path}: {}", package.version);
        }
        eprintln!("{path}: {} Go packages", found.len());
        // Not a Rust binary built with cargo auditable.
        assert!(parse("rust-audit-binary", path, &bytes).unwrap().is_empty());
    }
    if read == 0 {
        let _: Option<()> =
            vigil_testkit::missing("a Go executable", format!("none of {candidates:?} exists on this host"));
    }
}

/// Through the image walker: a directory with a Go executable, a Rust one, a WAR, a large
/// non-executable file and a script, as an image would hold them.
#[test]
fn catalog_a_directory() {
    let root = tempfile::tempdir().unwrap();
    let write = |path: &str, bytes: &[u8]| {
        let path = root.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    write("usr/local/bin/tool", &elf_with_section(".go.buildinfo", &go_inline_blob("go1.22.3", &framed(MOD_INFO))));
    write("usr/bin/rusty", &elf_with_section(".dep-v0", &zlib(AUDIT_JSON.as_bytes())));
    write("usr/bin/hello.sh", b"#!/bin/sh\necho hello\n");
    write("opt/java/openjdk/lib/modules", &[0; 4096]);
    let war = zip(&[("META-INF/maven/com.acme/shop/pom.properties", &pom_properties("com.acme", "shop", "2.0.0"))]);
    write("srv/app/shop.war", &war);
    let image = vigil_oci::Image::open_dir(root.path(), vigil_oci::Limits::default()).unwrap();
    let in_memory = vigil_sbom::catalog(&image, vigil_sbom::ScanLimits::default()).unwrap();
    // The same with every binary and archive spilled to disk and read piecemeal, as large ones are.
    let spilled_limits = vigil_sbom::ScanLimits { max_in_memory_standalone_bytes: 0, ..Default::default() };
    let spilled = vigil_sbom::catalog(&image, spilled_limits).unwrap();
    assert_eq!(spilled.packages, in_memory.packages);
    let sbom = in_memory;
    assert!(sbom.errors.is_empty(), "{:?}", sbom.errors);
    let mut seen: Vec<(&str, &str)> =
        sbom.packages.iter().map(|p| (p.name.as_str(), p.locations[0].path.as_str())).collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        [
            ("cc", "/usr/bin/rusty"),
            ("com.acme:shop", "/srv/app/shop.war"),
            ("github.com/acme/tool", "/usr/local/bin/tool"),
            ("github.com/spf13/cobra", "/usr/local/bin/tool"),
            ("golang.org/x/crypto", "/usr/local/bin/tool"),
            ("gopkg.in/yaml.v3", "/usr/local/bin/tool"),
            ("mine", "/usr/bin/rusty"),
            ("serde", "/usr/bin/rusty"),
            ("stdlib", "/usr/local/bin/tool"),
            ("tool", "/usr/bin/rusty"),
        ]
    );
}
