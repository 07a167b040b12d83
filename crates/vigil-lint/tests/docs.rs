#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `docs/rules.md` is generated from the rule registry; this test fails when it is stale.

#[test]
fn rules_md_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let expected = vigil_lint::rules_markdown();
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{} is stale: regenerate it with `cargo run -p vigil -- rules --format md > docs/rules.md`",
        path.display()
    );
}
