//! `image/latest-tag`: an image that floats on `latest`.

use vigil_core::{Finding, RuleMeta, Severity};
use vigil_k8s::{Container, PodTemplate};

use super::image_of;
use crate::rule::{Ctx, Rule};

/// Flags images with no tag (which means `latest`) or the `latest` tag, unless a digest pins them.
pub(crate) struct LatestTag;

static META: RuleMeta = RuleMeta {
    peers: &[],
    id: "image/latest-tag",
    severity: Severity::Medium,
    summary: "image uses the latest tag",
    help: "An image with no tag, or the `latest` tag, changes whenever someone pushes: what runs is not what \
           was reviewed or scanned, and a rollback cannot return to the previous version.\n\n\
           An image pinned by digest (`name@sha256:…`) is not flagged, because the digest decides what runs.\n\n\
           Fix: use an immutable version tag, and better, a digest.",
};

impl Rule for LatestTag {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn container(&self, c: &Container<'_>, pod: &PodTemplate<'_>, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some((reference, text, site)) = image_of(pod, c) else { return };
        if reference.digest().is_some() {
            return;
        }
        let message = match reference.tag() {
            None => format!("image `{text}` has no tag, so it runs whatever `latest` points to"),
            Some("latest") => format!("image `{text}` uses the `latest` tag"),
            Some(_) => return,
        };
        out.extend(ctx.finding(&META, message, &[site]));
    }
}
