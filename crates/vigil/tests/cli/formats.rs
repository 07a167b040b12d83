//! The three report formats on the same fixture.

use crate::common::{Vigil, snapshot_settings};

const FIXTURE: &str = "deployment-violations.yaml";

#[test]
fn table() {
    let out = Vigil::in_fixtures().args(["lint", FIXTURE, "--format", "table", "--color", "never"]).run();
    out.assert_code(1);
    assert_eq!(out.stderr, "", "findings are not errors");
    assert!(!out.stdout.contains('\u{1b}'), "`--color never` wrote ANSI escapes:\n{}", out.stdout);
    snapshot_settings().bind(|| insta::assert_snapshot!(out.stdout));
}

#[test]
fn table_color_always_styles_the_output() {
    let out = Vigil::in_fixtures().args(["lint", FIXTURE, "--color", "always"]).run();
    out.assert_code(1);
    assert!(out.stdout.contains('\u{1b}'), "`--color always` wrote no ANSI escapes:\n{}", out.stdout);
}

#[test]
fn json() {
    let out = Vigil::in_fixtures().args(["lint", FIXTURE, "--format", "json"]).run();
    out.assert_code(1);
    assert_eq!(out.stderr, "");
    let report = out.json();
    assert_eq!(report["version"], 1);
    snapshot_settings().bind(|| insta::assert_json_snapshot!(report));
}

#[test]
fn sarif() {
    let out = Vigil::in_fixtures().args(["lint", FIXTURE, "--format", "sarif"]).run();
    out.assert_code(1);
    assert_eq!(out.stderr, "");
    let log = out.json();
    let driver = &log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    snapshot_settings().bind(|| {
        insta::assert_json_snapshot!(log, {
            ".runs[].tool.driver.version" => "[VERSION]",
            ".runs[].tool.driver.semanticVersion" => "[VERSION]",
        });
    });
}

#[test]
fn formats_agree_on_the_findings() {
    let json = Vigil::in_fixtures().args(["lint", FIXTURE, "--format", "json"]).run().json();
    let sarif = Vigil::in_fixtures().args(["lint", FIXTURE, "--format", "sarif"]).run().json();
    let table = Vigil::in_fixtures().args(["lint", FIXTURE, "--color", "never"]).run().stdout;
    let from_json: Vec<(String, u64, u64)> = crate::common::findings(&json)
        .iter()
        .map(|f| (crate::common::str_of(f, "rule"), f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap()))
        .collect();
    let from_sarif: Vec<(String, u64, u64)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let region = &r["locations"][0]["physicalLocation"]["region"];
            (
                crate::common::str_of(r, "ruleId"),
                region["startLine"].as_u64().unwrap(),
                region["startColumn"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(from_json, from_sarif);
    for (rule, line, column) in &from_json {
        let header = format!("[{rule}]");
        let arrow = format!("--> {FIXTURE}:{line}:{column}");
        assert!(table.contains(&header) && table.contains(&arrow), "table lacks {header} at {arrow}:\n{table}");
    }
}
