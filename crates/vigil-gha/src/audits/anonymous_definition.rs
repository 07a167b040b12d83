//! `gha/anonymous-definition`: workflows and jobs without `name:` (zizmor `anonymous-definition`).

use vigil_core::{Confidence, RuleMeta, Severity};
use vigil_k8s::Node;

use crate::Persona;
use crate::audit::{Audit, Cx, Report};
use crate::model::{Job, Workflow};

static META: RuleMeta = RuleMeta {
    id: "gha/anonymous-definition",
    severity: Severity::Low,
    summary: "workflow or job without a name",
    help: "Workflows and jobs without `name:` show up in the GitHub UI under their file name or job ID, which \
makes runs hard to find and review.\n\n**Fix:** give the workflow and each job a `name:`.",
    peers: &["anonymous-definition"],
};

/// Flags a workflow, and its normal jobs, without a name.
pub(crate) struct AnonymousDefinition;

impl Audit for AnonymousDefinition {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn workflow(&self, w: &Workflow<'_>, cx: &mut Cx<'_>) {
        if w.root.get("name").is_none_or(Node::is_null) {
            let loc = cx.node(w.root);
            cx.report(
                Report::new(self.meta(), Severity::Low, Confidence::High, Persona::Pedantic)
                    .primary(loc, "this workflow")
                    .message("workflow has no `name:`"),
            );
        }
        for job in &w.jobs {
            let Job::Normal(job) = job else { continue };
            if job.node.get("name").is_none_or(Node::is_null) {
                let loc = cx.node(job.key);
                cx.report(
                    Report::new(self.meta(), Severity::Info, Confidence::High, Persona::Pedantic)
                        .primary(loc, "this job")
                        .message(format!("job `{}` has no `name:`", job.id)),
                );
            }
        }
    }
}
