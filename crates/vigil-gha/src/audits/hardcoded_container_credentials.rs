//! `gha/hardcoded-container-credentials`: a literal registry password for a job container or
//! service (zizmor `hardcoded-container-credentials`).

use vigil_core::{Confidence, RuleMeta, Severity};
use vigil_k8s::Node;

use crate::Persona;
use crate::audit::{Audit, Cx, Report};
use crate::model::{Job, Workflow};

static META: RuleMeta = RuleMeta {
    id: "gha/hardcoded-container-credentials",
    severity: Severity::High,
    summary: "container registry password written in the workflow",
    help: "A literal `credentials.password` for a job container or service is readable by everyone who can \
read the repository.\n\n**Fix:** store it as a secret and write `password: ${{ secrets.REGISTRY_PASSWORD }}`; \
rotate the exposed password.",
    peers: &["hardcoded-container-credentials"],
};

/// Flags `credentials.password` values that are not an expression.
pub(crate) struct HardcodedContainerCredentials;

/// The `credentials` entry of a container whose password is written out.
fn hardcoded(container: &Node) -> Option<(&Node, &Node)> {
    let (key, creds) = container.get_entry("credentials")?;
    let password = creds.get("password")?.as_str()?;
    let expression = password.starts_with("${{") && password.ends_with("}}");
    (!expression).then_some((key, creds))
}

impl Audit for HardcodedContainerCredentials {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn workflow(&self, w: &Workflow<'_>, cx: &mut Cx<'_>) {
        for job in &w.jobs {
            let Job::Normal(job) = job else { continue };
            if let Some(container) = job.node.get("container").filter(|c| c.as_map().is_some())
                && let Some((k, v)) = hardcoded(container)
            {
                let loc = cx.entry(k, v);
                cx.report(
                    Report::new(self.meta(), Severity::High, Confidence::High, Persona::Regular)
                        .primary(loc, "container registry password is hard-coded")
                        .message(format!("job `{}` container registry password is hard-coded", job.id)),
                );
            }
            for (name, service) in job.node.get("services").and_then(Node::as_map).unwrap_or(&[]) {
                if service.as_map().is_some()
                    && let Some((k, v)) = hardcoded(service)
                {
                    let name = name.as_str().unwrap_or("");
                    let loc = cx.entry(k, v);
                    cx.report(
                        Report::new(self.meta(), Severity::High, Confidence::High, Persona::Regular)
                            .primary(loc, format!("service {name}: container registry password is hard-coded"))
                            .message(format!("service `{name}` container registry password is hard-coded")),
                    );
                }
            }
        }
    }
}
