//! `gha/dangerous-triggers`: `pull_request_target` and `workflow_run` (zizmor `dangerous-triggers`).

use vigil_core::{Confidence, RuleMeta, Severity};
use vigil_k8s::Node;

use crate::Persona;
use crate::audit::{Audit, Cx, Report};
use crate::model::Workflow;

static META: RuleMeta = RuleMeta {
    id: "gha/dangerous-triggers",
    severity: Severity::High,
    summary: "workflow uses a fundamentally insecure trigger",
    help: "`pull_request_target` and `workflow_run` run with the base repository's secrets and a writable \
token while being started by (possibly forked) pull requests. Checking out or running the pull request's \
code there hands it those privileges.\n\n**Fix:** use `pull_request` where possible; otherwise never check out \
or execute untrusted code in such a workflow and keep its permissions minimal.",
    peers: &["dangerous-triggers"],
};

/// Flags workflows triggered by `pull_request_target` or `workflow_run`.
pub(crate) struct DangerousTriggers;

/// zizmor's exception: one job with one step, `actions/labeler`.
fn labeler_only(root: &Node) -> bool {
    let Some([(_, job)]) = root.get("jobs").and_then(Node::as_map) else { return false };
    if job.get("uses").is_some() {
        return false;
    }
    let Some([step]) = job.get("steps").and_then(Node::as_seq) else { return false };
    let Some(uses) = step.get("uses").and_then(Node::as_str) else { return false };
    let Some((path, _)) = uses.split_once('@') else { return false };
    path.eq_ignore_ascii_case("actions/labeler")
}

impl Audit for DangerousTriggers {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn workflow(&self, w: &Workflow<'_>, cx: &mut Cx<'_>) {
        let Some((key, value)) = w.root.get_entry("on") else { return };
        let loc = cx.entry(key, value);
        if w.on.has("pull_request_target") && !labeler_only(w.root) {
            cx.report(
                Report::new(self.meta(), Severity::High, Confidence::Medium, Persona::Regular)
                    .primary(loc, "pull_request_target is almost always used insecurely")
                    .message("workflow is triggered by `pull_request_target`"),
            );
        }
        if w.on.has("workflow_run") {
            cx.report(
                Report::new(self.meta(), Severity::High, Confidence::Medium, Persona::Regular)
                    .primary(loc, "workflow_run is almost always used insecurely")
                    .message("workflow is triggered by `workflow_run`"),
            );
        }
    }
}
