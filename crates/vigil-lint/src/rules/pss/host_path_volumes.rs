//! `pss/hostPathVolumes`: volumes that mount a node directory (baseline, v1.0+). At the
//! restricted level `pss/restrictedVolumes` replaces it (upstream `OverrideCheckIDs`).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, join_quote, plural};
use crate::rule::Site;

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/hostPathVolumes",
        severity: Severity::High,
        summary: "pod mounts a host path",
        help: "A `hostPath` volume exposes the node's file system to the pod; a writable one lets it change the node.\n\n\
               **Restricted fields:** `spec.volumes[*].hostPath`.\n\n**Allowed values:** unset.\n\n\
               Fix: use `emptyDir`, a ConfigMap, a Secret, a PersistentVolumeClaim or a CSI volume.\n\n\
               Reference: Pod Security Standards, baseline, \"HostPath Volumes\".",
    },
    level: Level::Baseline,
    versions: &[(0, v1_0 as CheckFn)],
    replaced_at_restricted_from: Some(0),
};

fn v1_0<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut sites = Vec::new();
    for (i, volume) in pod.volumes() {
        if let Some((key, value)) = volume.get_entry("hostPath") {
            if value.is_null() {
                continue;
            }
            names.push(volume.get("name").and_then(|n| n.as_str()).unwrap_or(""));
            sites.push(Site::new(key, pod.spec_field(&format!("volumes[{i}].hostPath"))));
        }
    }
    (!names.is_empty()).then(|| {
        Violation::new(
            "hostPath volumes",
            format!("{} {}", plural("volume", "volumes", names.len()), join_quote(&names)),
            sites,
        )
    })
}
