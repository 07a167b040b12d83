//! `dockerfile/maintainer-deprecated`: the deprecated MAINTAINER instruction.

use vigil_core::{Finding, RuleMeta, Severity};

use crate::rule::{Ctx, Rule};
use crate::{Dockerfile, Keyword};

pub(crate) struct MaintainerDeprecated;

static META: RuleMeta = RuleMeta {
    id: "dockerfile/maintainer-deprecated",
    severity: Severity::Info,
    summary: "MAINTAINER is deprecated",
    help: "MAINTAINER is deprecated; use `LABEL org.opencontainers.image.authors=...`. hadolint DL4000 (error, \
           mapped to info: no security hazard).",
    peers: &["DL4000"],
};

impl Rule for MaintainerDeprecated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn check(&self, df: &Dockerfile, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for ins in df.instructions.iter().filter(|i| i.keyword == Keyword::Maintainer) {
            out.push(ctx.finding(&META, ins.pos, "`MAINTAINER` is deprecated".to_string()));
        }
    }
}
