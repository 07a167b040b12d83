//! `pss/restrictedVolumes`: volume types other than the core ephemeral and claim-based ones
//! (restricted, v1.0+).

use vigil_core::{RuleMeta, Severity};
use vigil_k8s::PodTemplate;

use crate::pss::{CheckFn, Level, PssRule, Violation, join_quote, plural, sorted_set};
use crate::rule::Site;

pub(crate) static RULE: PssRule = PssRule {
    meta: RuleMeta {
        peers: &[],
        id: "pss/restrictedVolumes",
        severity: Severity::Medium,
        summary: "pod uses a restricted volume type",
        help: "Restricted pods may only use volume types that do not reach node or external storage directly.\n\n\
               **Restricted fields:** `spec.volumes[*]`.\n\n\
               **Allowed values:** `configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`, \
               `image`, `persistentVolumeClaim`, `projected`, `secret` (a volume with no source is defaulted to `emptyDir`).\n\n\
               Reference: Pod Security Standards, restricted, \"Volume Types\".",
    },
    level: Level::Restricted,
    versions: &[(0, v1_0 as CheckFn)],
    replaced_at_restricted_from: None,
};

/// `image` volumes (read-only OCI artifacts) were added to the allowed sources of the check's
/// only version by kubernetes/kubernetes#130394 (Kubernetes 1.33).
const ALLOWED: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Every other volume source of the core API, in the order upstream names them.
const RESTRICTED: &[&str] = &[
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "portworxVolume",
    "photonPersistentDisk",
    "scaleIO",
    "storageos",
];

fn v1_0<'a>(pod: &PodTemplate<'a>) -> Option<Violation<'a>> {
    let mut names = Vec::new();
    let mut types = Vec::new();
    let mut sites = Vec::new();
    for (i, volume) in pod.volumes() {
        let set = |source: &str| volume.get(source).is_some_and(|n| !n.is_null());
        // Go decodes into typed fields, so unknown keys vanish; a volume without a source is
        // defaulted to emptyDir by the API server before admission.
        if ALLOWED.iter().any(|s| set(s)) {
            continue;
        }
        let Some(source) = RESTRICTED.iter().find(|s| set(s)) else { continue };
        names.push(volume.get("name").and_then(|n| n.as_str()).unwrap_or(""));
        types.push(source.to_string());
        let key = volume.get_entry(source).map_or(volume, |(k, _)| k);
        sites.push(Site::new(key, pod.spec_field(&format!("volumes[{i}].{source}"))));
    }
    let types = sorted_set(types);
    (!names.is_empty()).then(|| {
        Violation::new(
            "restricted volume types",
            format!(
                "{} {} {} {} {}",
                plural("volume", "volumes", names.len()),
                join_quote(&names),
                plural("uses", "use", names.len()),
                plural("restricted volume type", "restricted volume types", types.len()),
                join_quote(&types)
            ),
            sites,
        )
    })
}
