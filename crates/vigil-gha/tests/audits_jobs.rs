//! Job- and permission-level `gha/*` audits on small inline workflows: one firing and one
//! clean case per audit, with zizmor's exact positions (audits ported so far).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use vigil_core::RuleMeta;
use vigil_gha::{Config, Kind, Options, Persona, lint};

fn run(kind: Kind, text: &str, persona: Persona, config: &str) -> Vec<(String, u32, u32)> {
    let config = Config::from_yaml("zizmor.yml", config).expect("config");
    let enabled = |_: &RuleMeta| true;
    let options = Options { enabled: &enabled, persona, config: &config, trusted_registry: None };
    let outcome = lint("test.yml", text, kind, &options);
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    let mut found: Vec<(String, u32, u32)> = outcome
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .map(|f| (f.rule.to_string(), f.location.line as u32, f.location.column as u32))
        .collect();
    found.sort();
    found
}

/// Positions of `rule` findings in a workflow.
fn hits(rule: &str, text: &str, persona: Persona) -> Vec<(u32, u32)> {
    hits_with(rule, Kind::Workflow, text, persona, "rules: {}\n")
}

fn hits_with(rule: &str, kind: Kind, text: &str, persona: Persona, config: &str) -> Vec<(u32, u32)> {
    run(kind, text, persona, config).into_iter().filter(|(r, _, _)| r == rule).map(|(_, l, c)| (l, c)).collect()
}

const HEAD: &str = "name: t\non: push\npermissions: {}\nconcurrency:\n  group: g\n  cancel-in-progress: true\n";

#[test]
fn anonymous_definition() {
    let text = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
    assert_eq!(hits("gha/anonymous-definition", text, Persona::Pedantic), vec![(1, 1), (4, 3)]);
    assert_eq!(hits("gha/anonymous-definition", text, Persona::Regular), vec![]);
    let named =
        "name: w\non: push\njobs:\n  a:\n    name: a\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
    assert_eq!(hits("gha/anonymous-definition", named, Persona::Pedantic), vec![]);
}

#[test]
fn dangerous_triggers() {
    let fires = "name: t\npermissions: {}\non:\n  workflow_run:\n    workflows: [ci]\njobs:\n  a:\n    name: a\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n";
    assert_eq!(hits("gha/dangerous-triggers", fires, Persona::Regular), vec![(3, 1)]);
    let labeler = "name: t\non: pull_request_target\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/labeler@v5\n";
    assert_eq!(hits("gha/dangerous-triggers", labeler, Persona::Auditor), vec![]);
}

#[test]
fn hardcoded_container_credentials() {
    let fires = format!(
        "{HEAD}jobs:\n  a:\n    name: a\n    runs-on: ubuntu-latest\n    container:\n      image: ghcr.io/o/i:1\n      credentials:\n        username: u\n        password: hunter2\n    services:\n      db:\n        image: postgres:16\n        credentials:\n          username: u\n          password: hunter2\n    steps:\n      - run: echo\n"
    );
    assert_eq!(hits("gha/hardcoded-container-credentials", &fires, Persona::Regular), vec![(13, 7), (19, 9)]);
    let clean = fires.replace("password: hunter2", "password: ${{ secrets.PW }}");
    assert_eq!(hits("gha/hardcoded-container-credentials", &clean, Persona::Auditor), vec![]);
}

#[test]
fn secrets_inherit() {
    let fires =
        format!("{HEAD}jobs:\n  a:\n    name: a\n    uses: o/r/.github/workflows/w.yml@main\n    secrets: inherit\n");
    assert_eq!(hits("gha/secrets-inherit", &fires, Persona::Regular), vec![(10, 11)]);
    let clean = fires.replace("secrets: inherit", "secrets:\n      token: ${{ secrets.TOKEN }}");
    assert_eq!(hits("gha/secrets-inherit", &clean, Persona::Auditor), vec![]);
}
