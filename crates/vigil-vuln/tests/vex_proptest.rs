#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Robustness of VEX parsing and matching: arbitrary bytes, VEX-shaped noise and mutated valid
//! documents never panic, and the statements returned are bounded by the input.

use proptest::prelude::*;
use vigil_vuln::vex::{ProductMatcher, parse_vex};

const OPENVEX: &str = include_str!("fixtures/vex/openvex-v0.2.0.json");
const CYCLONEDX: &str = include_str!("fixtures/vex/cyclonedx-1.6.json");

/// Parses, and when that succeeds, runs a few matches over the result.
fn exercise(bytes: &[u8]) {
    if let Ok(doc) = parse_vex("fuzz.json", bytes) {
        // Each statement needs at least `{}` and a separator.
        assert!(
            doc.statements.len() <= bytes.len() / 2,
            "{} statements from {} bytes",
            doc.statements.len(),
            bytes.len()
        );
        for statement in doc.statements.iter().take(20) {
            assert!(!statement.vulnerability.is_empty());
            let aliases = statement.aliases.clone();
            for product in statement.products.iter().take(5) {
                let _ = doc.matches(&statement.vulnerability, &aliases, product.as_str());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes);
    }

    #[test]
    fn vex_shaped_noise(text in "(\\{|\\}|\\[|\\]|,|:|\"@context\"|\"https://openvex.dev/ns\"|\"bomFormat\"|\"CycloneDX\"|\"statements\"|\"vulnerabilities\"|\"vulnerability\"|\"name\"|\"aliases\"|\"products\"|\"subcomponents\"|\"@id\"|\"identifiers\"|\"purl\"|\"status\"|\"fixed\"|\"not_affected\"|\"justification\"|\"impact_statement\"|\"timestamp\"|\"2024-01-01T00:00:00Z\"|\"analysis\"|\"state\"|\"resolved\"|\"affects\"|\"ref\"|\"bom-ref\"|\"components\"|\"references\"|\"id\"|\"pkg:npm/a@1\"|\"urn:cdx:x/1#a\"|\"a\"|1|null|true| )*") {
        exercise(text.as_bytes());
    }

    #[test]
    fn mutated_documents(which in 0..2usize, edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = [OPENVEX, CYCLONEDX][which].as_bytes().to_vec();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        exercise(&bytes);
    }

    #[test]
    fn purl_matching_never_panics(matcher in "pkg:[a-z%@/?=&#:.A-Z0-9_~+-]{0,40}", purl in "pkg:[a-z%@/?=&#:.A-Z0-9_~+-]{0,40}") {
        let _ = ProductMatcher::Purl(matcher).matches_purl(&purl);
    }

    #[test]
    fn purl_matching_properties(
        ty in "(npm|deb|maven|pypi|golang|generic)",
        namespace in "([a-zA-Z0-9.@_-]{1,12})?",
        name in "[a-zA-Z0-9._-]{1,12}",
        version in "[a-zA-Z0-9.+~:_-]{1,10}",
        arch in "[a-z0-9_]{1,8}",
    ) {
        let path = if namespace.is_empty() { name.clone() } else { format!("{namespace}/{name}") };
        // Percent-encode everything outside the unreserved set, as a purl writer would.
        let encode = |s: &str| s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect::<String>();
        let encoded_path = path.split('/').map(encode).collect::<Vec<_>>().join("/");
        let exact = format!("pkg:{ty}/{encoded_path}@{}?arch={arch}", encode(&version));
        let raw = format!("pkg:{ty}/{path}@{version}?arch={arch}&distro=x");
        let any_version = ProductMatcher::Purl(format!("pkg:{ty}/{encoded_path}"));
        let matcher = ProductMatcher::Purl(exact.clone());
        prop_assert!(matcher.matches_purl(&exact), "{exact} does not match itself");
        // Unencoded characters and an extra qualifier on the package still match.
        prop_assert!(matcher.matches_purl(&raw), "{exact} vs {raw}");
        prop_assert!(any_version.matches_purl(&exact));
        prop_assert!(!matcher.matches_purl(&format!("pkg:{ty}/{encoded_path}?arch={arch}")), "versionless package");
        prop_assert!(!matcher.matches_purl(&format!("pkg:{ty}/{encoded_path}@{}", encode(&version))), "qualifier missing");
    }
}
