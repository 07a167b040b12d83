//! Robustness of the binary catalogers (`go-binary`, `rust-audit-binary`, `java-archive`):
//! arbitrary bytes, and valid executables and archives with bytes overwritten or cut off, never
//! panic, and the output stays bounded by the input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary_fixtures;

use binary_fixtures::*;
use proptest::prelude::*;
use vigil_sbom::CatalogInput;

const IDS: [&str; 3] = ["go-binary", "rust-audit-binary", "java-archive"];

/// Runs a cataloger; never panics, and bounded output when it succeeds.
fn check(id: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let cataloger = vigil_sbom::catalogers::by_id(id).ok_or_else(|| TestCaseError::fail(format!("no `{id}`")))?;
    let path = "/usr/bin/input.jar";
    match cataloger.parse(&CatalogInput::new(path, bytes)) {
        Ok(found) => {
            prop_assert!(found.len() <= bytes.len(), "{id}: {} packages from {} bytes", found.len(), bytes.len());
            for package in &found {
                prop_assert!(package.purl.starts_with("pkg:"), "{id}: purl `{}`", package.purl);
                prop_assert_eq!(package.locations.len(), 1);
                prop_assert!(package.locations[0].path.starts_with(path));
            }
        }
        Err(e) => {
            prop_assert_eq!(e.path.as_str(), path);
            prop_assert!(!e.message.is_empty());
        }
    }
    Ok(())
}

/// Valid inputs of each cataloger, to damage.
fn valid_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let mod_info = framed(
        "path\ta/cmd\nmod\ta\tv1.0.0\t\ndep\tb/c\tv0.1.0\th1:x=\n=>\tb/d\tv0.2.0\th1:y=\nbuild\tvcs.revision=abcdef\n",
    );
    let blob = go_inline_blob("go1.22.3", &mod_info);
    let pointers = go_pointer_payload(false, true, "go1.16", &mod_info);
    let audit = zlib(br#"{"packages":[{"name":"a","version":"1.0.0","source":"local","root":true,"dependencies":[1]},{"name":"b","version":"0.1.0","source":"crates.io","kind":"build"}]}"#);
    let inner = zip(&[("META-INF/maven/g/b/pom.properties", &pom_properties("g", "b", "2"))]);
    let jar = zip_stored(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\nImplementation-Title: x\n"),
        ("META-INF/maven/g/a/pom.properties", &pom_properties("g", "a", "1")),
        ("WEB-INF/lib/b-2.jar", &inner),
    ]);
    vec![
        ("go-binary", elf_with_section(".go.buildinfo", &blob)),
        (
            "go-binary",
            elf(
                ElfLayout { is_64: false, big_endian: true, section_headers: true },
                &pointers,
                &[(".go.buildinfo", 0..32)],
            ),
        ),
        ("go-binary", macho(&[("__DATA", "__go_buildinfo", &blob)])),
        ("go-binary", pe(&blob, &[])),
        ("rust-audit-binary", elf_with_section(".dep-v0", &audit)),
        ("rust-audit-binary", macho(&[("__DATA", ".dep-v0", &audit)])),
        ("java-archive", jar.clone()),
        ("java-archive", zip(&[("x.war", &jar)])),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for id in IDS {
            check(id, &bytes)?;
        }
    }

    #[test]
    fn magic_then_noise(magic in 0usize..5, bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let prefixes: [&[u8]; 5] = [b"\x7fELF\x02\x01\x01", b"\x7fELF\x01\x02\x01", b"\xcf\xfa\xed\xfe", b"MZ", b"PK\x03\x04"];
        let input = [prefixes[magic], bytes.as_slice()].concat();
        for id in IDS {
            check(id, &input)?;
        }
    }

    #[test]
    fn damaged_valid_inputs(
        which in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let inputs = valid_inputs();
        let (id, bytes) = &inputs[which.index(inputs.len())];
        let mut bytes = bytes.clone();
        for (at, value) in edits {
            let at = at.index(bytes.len());
            bytes[at] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        check(id, &bytes)?;
    }
}

#[test]
fn valid_inputs_give_packages() {
    for (id, bytes) in valid_inputs() {
        let found = vigil_sbom::catalogers::by_id(id).unwrap().parse(&CatalogInput::new("/usr/bin/x.jar", &bytes));
        assert!(!found.unwrap().is_empty(), "{id}");
    }
}
