//! The one trait every rule implements, and the context it sees.

use vigil_core::{Finding, Related, RuleMeta};
use vigil_k8s::{Container, Node, Object, PodTemplate, Source};

use crate::config::LintConfig;

/// What a rule sees besides the node it is called for.
pub(crate) struct Ctx<'a> {
    pub(crate) object: &'a Object,
    pub(crate) source: &'a Source,
    pub(crate) config: &'a LintConfig,
}

/// A place in the document a finding points at: a node and its dotted document path.
pub(crate) struct Site<'a> {
    pub(crate) node: &'a Node,
    pub(crate) path: String,
}

impl<'a> Site<'a> {
    pub(crate) fn new(node: &'a Node, path: String) -> Self {
        Site { node, path }
    }
}

impl Ctx<'_> {
    /// A finding of `meta` at the first site, with the other sites as related locations.
    pub(crate) fn finding(&self, meta: &RuleMeta, message: String, sites: &[Site<'_>]) -> Option<Finding> {
        let (first, rest) = sites.split_first()?;
        let mut finding =
            Finding::new(meta.id, self.config.severity_of(meta), message, self.source.location(first.node.span));
        finding.object = Some(self.object.reference.clone());
        finding.path = Some(first.path.clone());
        finding.related = rest
            .iter()
            .map(|s| Related { location: self.source.location(s.node.span), message: format!("also `{}`", s.path) })
            .collect();
        Some(finding)
    }
}

/// A lint rule. Implement the narrowest hook that sees what the rule needs; the default
/// `pod` hook walks down to `container`.
pub(crate) trait Rule: Send + Sync {
    /// ID, severity and docs.
    fn meta(&self) -> &RuleMeta;

    /// Called once for the pod template of every Pod-bearing object.
    fn pod(&self, pod: &PodTemplate<'_>, ctx: &Ctx<'_>, out: &mut Vec<Finding>) {
        for container in pod.containers() {
            self.container(&container, pod, ctx, out);
        }
    }

    /// This rule as a Pod Security Standards check, if it is one.
    fn as_pss(&self) -> Option<&crate::pss::PssRule> {
        None
    }

    /// Called for every container (init, regular, ephemeral) of a pod template.
    fn container(&self, _container: &Container<'_>, _pod: &PodTemplate<'_>, _ctx: &Ctx<'_>, _out: &mut Vec<Finding>) {}
}
