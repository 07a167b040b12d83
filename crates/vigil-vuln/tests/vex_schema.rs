#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The VEX fixtures are valid against the official schemas (OpenVEX 0.2.0, CycloneDX 1.6), so
//! the parser is tested on documents real tools accept. Needs `$VIGIL_CORPORA/../schemas` and
//! python3 with `jsonschema`; skipped loudly otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;

fn schemas() -> Option<PathBuf> {
    let Some(corpora) = std::env::var_os("VIGIL_CORPORA") else {
        eprintln!("\n*** SKIPPED vex_schema: VIGIL_CORPORA is not set (the schemas live in shared/schemas) ***\n");
        return None;
    };
    let schemas = Path::new(&corpora).join("../schemas");
    assert!(
        schemas.join("validate.py").is_file(),
        "VIGIL_CORPORA is set but {} is missing",
        schemas.join("validate.py").display()
    );
    let probe = Command::new("python3").args(["-c", "import jsonschema, referencing"]).output();
    if !probe.map(|o| o.status.success()).unwrap_or(false) {
        eprintln!("\n*** SKIPPED vex_schema: python3 lacks `jsonschema` (scripts/test installs it) ***\n");
        return None;
    }
    Some(schemas)
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
