//! `image/untrusted-registry`: an image from a registry outside the allowed list.

use vigil_core::{Finding, RuleMeta, Severity};
use vigil_k8s::{Container, PodTemplate};

use super::image_of;
use crate::rule::{Ctx, Rule};

/// Flags images whose registry matches none of the allowed patterns (only when a list is configured).
pub(crate) struct UntrustedRegistry;

static META: RuleMeta = RuleMeta {
    peers: &[],
    id: "image/untrusted-registry",
    severity: Severity::High,
    summary: "image comes from a registry that is not allowed",
    help: "Pulling from arbitrary registries lets typosquatted or attacker-controlled images into the cluster.\n\n\
           Configure the allowed registries with `--allowed-registry PATTERN` (repeatable) or `lint.allowedRegistries` \
           in the config file. Patterns are globs over the normalised registry host (`docker.io` for Docker Hub, \
           `registry.local:5000` with a port), e.g. `ghcr.io` or `*.corp.example`; a pattern containing `/` matches \
           `registry/repository`, e.g. `docker.io/library/*`. Without a list this rule reports nothing.",
};

impl Rule for UntrustedRegistry {
    fn meta(&self) -> &RuleMeta {
        &META
    }

    fn container(&self, c: &Container<'_>, pod: &PodTemplate<'_>, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        let Some((patterns, set)) = &ctx.config.allowed_registries else { return };
        let Some((reference, text, site)) = image_of(pod, c) else { return };
        let registry = reference.registry();
        if set.is_match(registry) || set.is_match(reference.name()) {
            return;
        }
        let allowed = patterns.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
        let message =
            format!("image `{text}` comes from registry `{registry}`, which is not allowed (allowed: {allowed})");
        out.extend(ctx.finding(&META, message, &[site]));
    }
}
