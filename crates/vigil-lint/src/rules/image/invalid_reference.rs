//! `image/invalid-reference`: an image field that is not a valid image reference.

use vigil_core::reference::ImageReference;
use vigil_core::{Finding, RuleMeta, Severity};
use vigil_k8s::{Container, PodTemplate};

use super::raw_image;
use crate::rule::{Ctx, Rule};

/// Flags `image` values that the Docker reference grammar rejects.
pub(crate) struct InvalidReference;

static META: RuleMeta = RuleMeta {
    peers: &[],
    id: "image/invalid-reference",
    severity: Severity::Medium,
    summary: "image is not a valid image reference",
    help: "The kubelet cannot pull an image whose reference does not parse (uppercase repository names, a bad \
           tag or digest, stray characters). Other image rules cannot judge such a reference either.\n\n\
           Fix: write `[registry[:port]/]repository[:tag][@algorithm:digest]`, repository in lowercase.",
};

impl Rule for InvalidReference {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn container(&self, c: &Container<'_>, pod: &PodTemplate<'_>, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some((text, site)) = raw_image(pod, c) else { return };
        if let Err(e) = ImageReference::parse(text) {
            out.extend(ctx.finding(&META, e.to_string(), &[site]));
        }
    }
}
