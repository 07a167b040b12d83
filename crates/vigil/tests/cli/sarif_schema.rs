//! The SARIF output validates against the OASIS SARIF 2.1.0 JSON schema.
//!
//! Needs `$VIGIL_CORPORA` (the schemas live next to the corpora, in `$VIGIL_CORPORA/../schemas/`,
//! with `validate.py`) and Python's `jsonschema` (pip package `jsonschema[format-nongpl]`).
//! Without either the test fails with `CI=true` and is reported as skipped otherwise
//! (`vigil_testkit::require_schemas`).

use std::path::PathBuf;
use std::process::Command;

use crate::common::{Vigil, temp_dir, write};

/// The schema folder, or `None` (the test recorded as skipped) when the test cannot run here.
#[track_caller]
pub(crate) fn schemas() -> Option<PathBuf> {
    vigil_testkit::require_schemas(&["sarif-schema-2.1.0.json", "bom-1.6.schema.json"])
}

/// Validates one SARIF log with `validate.py`, failing the test with its report.
pub(crate) fn assert_valid(schemas: &std::path::Path, name: &str, sarif: &str) {
    assert_valid_with(schemas, "sarif-schema-2.1.0.json", name, sarif);
}

/// Validates a JSON document against one of the official schemas next to `validate.py`.
pub(crate) fn assert_valid_with(schemas: &std::path::Path, schema: &str, name: &str, sarif: &str) {
    let dir = temp_dir();
    let file = write(dir.path(), &format!("{name}.json"), sarif);
    let out = Command::new("python3")
        .arg(schemas.join("validate.py"))
        .arg(schemas.join(schema))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("running validate.py: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim() == "valid",
        "SARIF for {name} does not validate:\n{stdout}{}\n--- the log\n{sarif}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sarif_output_validates_against_the_schema() {
    let Some(schemas) = schemas() else { return };
    let cases: [(&str, &[&str]); 4] = [
        ("findings", &["deployment-violations.yaml", "multi-doc.yaml", "pod.json"]),
        ("clean", &["pod-restricted.yaml"]),
        // Input errors become tool execution notifications, with and without a position.
        ("errors", &["no-such-file.yaml", "pod.json"]),
        ("stdin", &["-"]),
    ];
    for (name, paths) in cases {
        let mut vigil = Vigil::in_fixtures().args(["lint", "--format", "sarif"]).args(paths);
        if paths.contains(&"-") {
            vigil = vigil.stdin("apiVersion: v1\nkind: Pod\nspec: [unclosed\n");
        }
        let out = vigil.run();
        assert!(matches!(out.code, Some(0..=2)), "{out}");
        assert_valid(&schemas, name, &out.stdout);
    }
}
