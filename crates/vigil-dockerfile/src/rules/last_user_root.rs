//! `dockerfile/last-user-root`: the final stage's last USER is root.

use vigil_core::{Finding, RuleMeta, Severity};

use crate::rule::{Ctx, Rule};
use crate::{Dockerfile, Keyword};

pub(crate) struct LastUserRoot;

static META: RuleMeta = RuleMeta {
    id: "dockerfile/last-user-root",
    severity: Severity::Medium,
    summary: "last USER is root",
    help: "The container runs as root when the final stage's last USER is `root` (or UID 0). Switch to an \
           unprivileged user at the end. hadolint DL3002 (warning).",
    peers: &["DL3002"],
};

impl Rule for LastUserRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn check(&self, df: &Dockerfile, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some(last_stage) = df.stages.len().checked_sub(1) else { return };
        let last_user = df.instructions.iter().rfind(|i| i.keyword == Keyword::User && i.stage == Some(last_stage));
        let Some(ins) = last_user else { return };
        let Some(text) = ins.args.shell() else { return };
        let user = text.value.trim().split(':').next().unwrap_or("");
        if user == "root" || user == "0" {
            out.push(ctx.finding(&META, text.start(), format!("last USER is `{}`", text.value.trim())));
        }
    }
}
