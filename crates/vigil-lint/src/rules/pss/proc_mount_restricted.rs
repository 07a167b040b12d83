//! `pss/procMount_restricted`: unmasked `/proc`, even in a user namespace (restricted, v1.35+).

use vigil_core::{RuleMeta, Severity};

use crate::pss::{CheckFn, Level, PssRule};

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/procMount_restricted",
        severity: Severity::Medium,
        summary: "container unmasks /proc",
        help: "At the restricted level `/proc` must keep its default masks whether or not the pod runs in a user namespace.\n\n\
               **Restricted fields:** `securityContext.procMount` of every container.\n\n\
               **Allowed values:** unset, `Default`.\n\n\
               Reference: Pod Security Standards, restricted, \"/proc Mount Type\" (policy v1.35+).",
    },
    level: Level::Restricted,
    versions: &[(35, super::proc_mount::v1_0 as CheckFn)],
    replaced_at_restricted_from: None,
};
