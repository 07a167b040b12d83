#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The VEX fixtures are valid against the official schemas (OpenVEX 0.2.0, CycloneDX 1.6), so
//! the parser is tested on documents real tools accept. Needs `$VIGIL_CORPORA/../schemas` and
//! python3 with `jsonschema` (`vigil_testkit::require_schemas`: a failure with `CI=true`,
//! reported as skipped otherwise).

use std::path::{Path, PathBuf};
use std::process::Command;

fn schemas() -> Option<PathBuf> {
    vigil_testkit::require_schemas(&["openvex_json_schema.json", "bom-1.6.schema.json"])
}

fn validate(schemas: &Path, schema: &str, fixture: &str) {
    let document = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vex").join(fixture);
    let out = Command::new("python3")
        .arg(schemas.join("validate.py"))
        .arg(schemas.join(schema))
        .arg(&document)
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(
        out.status.success(),
        "{fixture} is not valid against {schema}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn fixtures_are_valid_against_the_official_schemas() {
    let Some(schemas) = schemas() else { return };
    validate(&schemas, "openvex_json_schema.json", "openvex-v0.2.0.json");
    // The 1.5 fixture uses nothing that changed in 1.6, so the 1.6 schema checks it too.
    validate(&schemas, "bom-1.6.schema.json", "cyclonedx-1.6.json");
    validate(&schemas, "bom-1.6.schema.json", "cyclonedx-1.5.json");
}
