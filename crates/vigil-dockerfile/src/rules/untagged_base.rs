//! `dockerfile/untagged-base`: FROM without a tag (DL3006) or with `latest` (DL3007).

use vigil_core::{Finding, RuleMeta, Severity};

use crate::rule::{Ctx, Rule};
use crate::{Dockerfile, Keyword};

pub(crate) struct UntaggedBase;

static META: RuleMeta = RuleMeta {
    id: "dockerfile/untagged-base",
    severity: Severity::Medium,
    summary: "base image has no tag",
    help: "A FROM image with no tag builds on whatever `latest` is at build time: builds are not reproducible \
           and a compromised push reaches you. A stage name, `scratch` or a digest is not flagged, nor is a \
           reference made of variables. hadolint DL3006 (warning).",
    peers: &["DL3006"],
};

impl Rule for UntaggedBase {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn check(&self, df: &Dockerfile, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for stage in &df.stages {
            let base = stage.base.as_str();
            if base.eq_ignore_ascii_case("scratch") || base.contains('$') || base.contains('@') {
                continue;
            }
            // A stage defined earlier used as base.
            let lower = base.to_ascii_lowercase();
            if df.stages.iter().take(stage.index).any(|s| s.name.as_deref() == Some(lower.as_str())) {
                continue;
            }
            let last = base.rsplit('/').next().unwrap_or(base);
            if last.contains(':') {
                continue;
            }
            let Some(ins) = df.instructions.get(stage.instruction).filter(|i| i.keyword == Keyword::From) else {
                continue;
            };
            let pos = ins.words().first().map_or(ins.pos, |(_, t)| t.start());
            out.push(ctx.finding(&META, pos, format!("base image `{base}` has no tag")));
        }
    }
}
