//! Hostile input: `lint`, `sniff`, `Config::from_yaml` and the expression parser never panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use vigil_gha::{Config, Kind, Options, Persona, lint, sniff};

const WORKFLOW: &str = "on:\n  pull_request_target:\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo \"${{ github.event.issue.title }}\" # zizmor: ignore[x]\n      - uses: actions/github-script@v7\n        with:\n          script: console.log('${{ github.head_ref }}')\n";

fn run_all(text: &str) {
    let config = Config::default();
    for persona in [Persona::Regular, Persona::Auditor] {
        let options = Options { enabled: &|_| true, persona, config: &config, trusted_registry: None };
        for kind in [Kind::Workflow, Kind::Action, Kind::Dependabot] {
            let out = lint("f.yml", text, kind, &options);
            for e in &out.errors {
                assert!(e.line.is_some(), "error without a position: {e}");
            }
        }
    }
    let _ = sniff(text);
    let _ = Config::from_yaml("zizmor.yml", text);
    for site in vigil_gha::expr::expressions_in_text(text, 0) {
        assert!(site.start < site.end);
    }
}

proptest! {
    #[test]
    fn random_yamlish(text in "[ a-z:\\-\\[\\]{}$#'\"|>\n.*!=&()0-9]{0,200}") {
        run_all(&text);
    }

    #[test]
    fn mutated_workflow(pos in 0usize..400, cut in 0usize..40, insert in "[ \n:${}'\"#\\-]{0,6}") {
        let mut text: Vec<char> = WORKFLOW.chars().collect();
        let pos = pos.min(text.len());
        let end = (pos + cut).min(text.len());
        text.splice(pos..end, insert.chars());
        run_all(&text.into_iter().collect::<String>());
    }

    #[test]
    fn random_expressions(text in "[a-z.\\[\\]*()'!=<>&|, 0-9-]{0,80}") {
        let _ = vigil_gha::expr::parse(&text);
    }
}

#[test]
fn malformed_yaml_is_an_error_with_position() {
    let config = Config::default();
    let options = Options { enabled: &|_| true, persona: Persona::Regular, config: &config, trusted_registry: None };
    let out = lint("f.yml", "on: push\njobs: [\n", Kind::Workflow, &options);
    assert_eq!(out.errors.len(), 1);
    assert!(out.errors[0].line.is_some());
    let out = lint("f.yml", "just: a mapping\n", Kind::Workflow, &options);
    assert_eq!(out.errors.len(), 1, "not a workflow");
    let out = lint("f.yml", WORKFLOW, Kind::Workflow, &options);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    run_all(&deep);
    let expr = format!("${{{{ {}a{} }}}}", "(".repeat(5000), ")".repeat(5000));
    run_all(&expr);
}
