//! The trait every Dockerfile rule implements, and the context it sees.

use vigil_core::{Finding, Location, RuleMeta};

use crate::{Dockerfile, Options, Pos};

/// What a rule sees besides the Dockerfile.
pub(crate) struct Ctx<'a> {
    pub(crate) file: &'a str,
    #[allow(dead_code, reason = "read by the registry rules (trusted_registry), not yet landed")]
    pub(crate) options: &'a Options<'a>,
}

impl Ctx<'_> {
    /// A finding of `meta` at `pos`, `peer` filled from the first peer ID.
    pub(crate) fn finding(&self, meta: &'static RuleMeta, pos: Pos, message: String) -> Finding {
        let location = Location::new(self.file, pos.line as usize, pos.col as usize).with_span(pos.offset, 0);
        let mut f = Finding::new(meta.id, meta.severity, message, location);
        f.peer = meta.peers.first().map(|p| (*p).to_string());
        f
    }
}

/// A Dockerfile rule.
pub(crate) trait Rule: Sync {
    /// ID, severity, docs, peers.
    fn meta(&self) -> &'static RuleMeta;
    /// Pushes the findings of this rule for `df`.
    fn check(&self, df: &Dockerfile, ctx: &Ctx<'_>, out: &mut Vec<Finding>);
}
