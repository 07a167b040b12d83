//! `dockerfile/sudo`: `sudo` in a RUN.

use vigil_core::{Finding, RuleMeta, Severity};

use super::{runs, scripts};
use crate::Dockerfile;
use crate::rule::{Ctx, Rule};

pub(crate) struct Sudo;

static META: RuleMeta = RuleMeta {
    id: "dockerfile/sudo",
    severity: Severity::High,
    summary: "RUN uses sudo",
    help: "`sudo` in a build has unpredictable TTY and signal behaviour and suggests the image keeps sudo \
           installed, an easy privilege escalation at run time. Switch with `USER root` for the step instead \
           (or use gosu). hadolint DL3004 (error).",
    peers: &["DL3004"],
};

impl Rule for Sudo {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn check(&self, df: &Dockerfile, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for ins in runs(df) {
            for (text, cmds) in scripts(ins) {
                for c in cmds.iter().filter(|c| c.program() == Some("sudo")) {
                    let start = c.words.first().map_or(0, |w| w.start);
                    out.push(ctx.finding(&META, text.pos(start), "RUN calls `sudo`".to_string()));
                }
            }
        }
    }
}
