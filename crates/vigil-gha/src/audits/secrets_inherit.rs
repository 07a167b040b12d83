//! `gha/secrets-inherit`: `secrets: inherit` on a reusable-workflow call (zizmor `secrets-inherit`).

use vigil_core::{Confidence, RuleMeta, Severity};

use crate::Persona;
use crate::audit::{Audit, Cx, Report};
use crate::model::{Job, Workflow};

static META: RuleMeta = RuleMeta {
    id: "gha/secrets-inherit",
    severity: Severity::Medium,
    summary: "reusable workflow inherits all secrets",
    help: "`secrets: inherit` passes every secret of the caller to the called workflow, whether it needs \
them or not.\n\n**Fix:** pass only the secrets the called workflow declares, e.g. \
`secrets: { token: ${{ secrets.TOKEN }} }`.",
    peers: &["secrets-inherit"],
};

/// Flags reusable-workflow calls that pass every secret.
pub(crate) struct SecretsInherit;

impl Audit for SecretsInherit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn workflow(&self, w: &Workflow<'_>, cx: &mut Cx<'_>) {
        for job in &w.jobs {
            let Job::Reusable(job) = job else { continue };
            let (Some(uses), Some((sk, sv))) = (job.node.get("uses"), job.node.get_entry("secrets")) else { continue };
            if sv.as_str() != Some("inherit") {
                continue;
            }
            let raw = uses.as_str().unwrap_or("");
            let primary = cx.subfeature(uses, raw);
            let related = cx.entry(sk, sv);
            cx.report(
                Report::new(self.meta(), Severity::Medium, Confidence::High, Persona::Regular)
                    .primary(primary, "this reusable workflow")
                    .related(related, "inherits all parent secrets")
                    .message(format!("reusable workflow `{raw}` inherits all secrets")),
            );
        }
    }
}
