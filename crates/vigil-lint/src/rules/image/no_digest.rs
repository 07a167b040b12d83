//! `image/no-digest`: an image not pinned to a digest.

use vigil_core::{Finding, RuleMeta, Severity};
use vigil_k8s::{Container, PodTemplate};

use super::image_of;
use crate::rule::{Ctx, Rule};

/// Flags images referenced without `@sha256:…`.
pub(crate) struct NoDigest;

static META: RuleMeta = RuleMeta {
    peers: &[],
    id: "image/no-digest",
    severity: Severity::Low,
    summary: "image is not pinned to a digest",
    help: "Tags are mutable: whoever can push to the repository (or compromise the registry) can change what a \
           tag points to. A digest names exactly one image, so signatures and scans stay valid for what runs.\n\n\
           Fix: append the digest, e.g. `ghcr.io/org/app:1.4.2@sha256:…` (`crane digest` or `vigil sbom` print it).",
};

impl Rule for NoDigest {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn container(&self, c: &Container<'_>, pod: &PodTemplate<'_>, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some((reference, text, site)) = image_of(pod, c) else { return };
        if reference.digest().is_none() {
            out.extend(ctx.finding(&META, format!("image `{text}` is not pinned to a digest"), &[site]));
        }
    }
}
