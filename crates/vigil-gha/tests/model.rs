//! The workflow model and expression positions over real YAML.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use vigil_gha::expr::expressions_in;
use vigil_gha::model::{Job, UsesKind, Workflow};
use vigil_k8s::{Limits, Source, parse_documents};

const TEXT: &str = "on: [push, pull_request_target]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: |\n          echo hi\n          echo \"${{ github.event.issue.title }}\"\n      - run: 'x ${{ inputs.foo }}'\n  b:\n    uses: org/repo/.github/workflows/w.yml@main\n";

#[test]
fn jobs_steps_and_expression_positions() {
    let docs = parse_documents(TEXT, &Limits::default());
    let source = Source::new("ci.yml", TEXT.to_string());
    let w = Workflow::new(&source, &docs.documents[0]).unwrap();
    assert!(w.on.has("pull_request_target"));
    assert_eq!(w.jobs.len(), 2);
    assert!(matches!(w.jobs[1], Job::Reusable(_)));
    let steps: Vec<_> = w.steps().collect();
    assert_eq!(steps.len(), 3);
    let uses = steps[0].1.uses.as_ref().unwrap();
    assert!(
        matches!(&uses.kind, UsesKind::Repository { owner, git_ref: Some(r), .. } if owner == "actions" && r == "v4")
    );
    let run = steps[1].1.run.unwrap();
    let sites = expressions_in(run, &source);
    assert_eq!(sites.len(), 1);
    let before = &TEXT[..sites[0].start];
    assert_eq!(before.lines().count(), 9, "line of `${{{{`");
    assert_eq!(&TEXT[sites[0].start..sites[0].end], "${{ github.event.issue.title }}");
    assert!(sites[0].parsed.as_ref().unwrap().contexts()[0].matches("github.event.issue.title"));
    let sites = expressions_in(steps[2].1.run.unwrap(), &source);
    assert_eq!(&TEXT[sites[0].start..sites[0].end], "${{ inputs.foo }}");
}
