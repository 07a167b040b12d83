//! Decisions as decision-log entries ([`vigil_log::Draft`]), the same for `vigil serve` and
//! `vigil policy test --log`, and the digest that names a policy set.

use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};
use vigil_log::{Draft, Kind};

use crate::eval::Decision;
use crate::policy::Policy;
use crate::subject::{ContainerImage, Workload};

/// `sha256:<hex>` over the policy files as loaded: for each file in load order, its path,
/// a NUL, its length as 8 big-endian bytes and its bytes. Two replicas with the same mounted
/// files log the same digest; any edit changes it.
#[must_use]
pub fn set_digest(files: &[(String, Vec<u8>)]) -> String {
    let mut h = Sha256::new();
    for (name, bytes) in files {
        h.update(name.as_bytes());
        h.update([0u8]);
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    }
    let digest = h.finalize();
    let mut out = String::from("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Every reason of a decision, one line each: denials, undecided checks, warnings, audits.
#[must_use]
pub fn reasons(decision: &Decision) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(decision.denials.iter().map(|v| format!("deny: {v}")));
    for e in &decision.errors {
        let what = if decision.allowed { "warn" } else { "deny" };
        out.push(format!(
            "{what}: policy {} ({}): container \"{}\": could not be verified: {}",
            e.policy,
            e.mode.as_str(),
            e.container,
            e.message
        ));
    }
    out.extend(decision.warnings.iter().map(|v| format!("warn: {v}")));
    out.extend(decision.audits.iter().map(|v| format!("audit: {v}")));
    out
}

/// The digest a container's image was admitted at: the one a policy verified
/// (`image@sha256:… by authority` in [`Decision::verified`]), else the image's own pin.
#[must_use]
pub fn digest_of<'d>(container: &'d ContainerImage, decision: &'d Decision) -> Option<&'d str> {
    let verified = decision.verified.get(&container.container);
    let pinned = verified.and_then(|v| v.split_whitespace().next()).unwrap_or(&container.image);
    pinned.rsplit_once('@').map(|(_, d)| d).filter(|d| d.starts_with("sha256:"))
}

/// The subject of a workload: kind, namespace, name and every container's image, with the
/// digest it was verified at when a policy verified it.
#[must_use]
pub fn subject(
    kind: &str,
    namespace: &str,
    name: &str,
    images: &[ContainerImage],
    decision: &Decision,
) -> Map<String, Value> {
    let mut subject = Map::new();
    subject.insert("kind".into(), Value::String(kind.to_owned()));
    subject.insert("namespace".into(), Value::String(namespace.to_owned()));
    subject.insert("name".into(), Value::String(name.to_owned()));
    let images: Vec<Value> = images
        .iter()
        .map(|c| {
            let mut image = json!({"container": c.container, "image": c.image});
            let verified = decision.verified.get(&c.container);
            if let Some(digest) = digest_of(c, decision) {
                image["digest"] = Value::String(digest.to_owned());
            }
            if let Some(verified) = verified {
                image["verified"] = Value::String(verified.clone());
            }
            image
        })
        .collect();
    subject.insert("images".into(), Value::Array(images));
    subject
}

/// The log entry of a decision on a workload (kind, namespace, name, images): `allow`/`deny`,
/// every reason, the verified images, the policies that applied and the policy set digest.
#[must_use]
#[allow(clippy::too_many_arguments)]
pub fn draft(
    kind: Kind,
    object_kind: &str,
    namespace: &str,
    name: &str,
    images: &[ContainerImage],
    decision: &Decision,
    policies: &[Policy],
    digest: &str,
) -> Draft {
    let mut draft = Draft::new(kind, if decision.allowed { "allow" } else { "deny" });
    draft.subject = Value::Object(subject(object_kind, namespace, name, images, decision));
    draft.reasons = reasons(decision);
    draft.details.insert("allowed".into(), Value::Bool(decision.allowed));
    draft.details.insert("applied".into(), json!(decision.policies));
    draft.policy = Some(json!({
        "digest": digest,
        "names": policies.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
    }));
    draft
}

/// The `policy-test` entry of a decision on `workload` read from `file` at `line`.
#[must_use]
pub fn policy_test_draft(
    workload: &Workload,
    file: &str,
    line: u32,
    decision: &Decision,
    policies: &[Policy],
    digest: &str,
) -> Draft {
    let mut draft = draft(
        Kind::PolicyTest,
        &workload.kind,
        &workload.namespace,
        &workload.name,
        &workload.images,
        decision,
        policies,
        digest,
    );
    draft.actor = vigil_log::entry::local_actor();
    if let Value::Object(subject) = &mut draft.subject {
        subject.insert("file".into(), Value::String(file.to_owned()));
        subject.insert("line".into(), Value::from(line));
    }
    draft
}

/// [`set_digest`] of the policy files `paths` name (directories expanded as for loading).
///
/// # Errors
/// When a file cannot be read.
pub fn set_digest_of(paths: &[std::path::PathBuf]) -> Result<String, crate::PolicyError> {
    let mut files = Vec::new();
    for path in crate::expand(paths)? {
        let bytes = std::fs::read(&path).map_err(|e| crate::PolicyError {
            file: path.display().to_string(),
            line: 0,
            column: 0,
            message: e.to_string(),
        })?;
        files.push((path.display().to_string(), bytes));
    }
    Ok(set_digest(&files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_digest_changes_with_any_byte_and_name() {
        let a = set_digest(&[("p.yaml".into(), b"x".to_vec())]);
        assert!(a.starts_with("sha256:") && a.len() == 71, "{a}");
        assert_ne!(a, set_digest(&[("p.yaml".into(), b"y".to_vec())]));
        assert_ne!(a, set_digest(&[("q.yaml".into(), b"x".to_vec())]));
        // The length prefix keeps file boundaries apart.
        assert_ne!(
            set_digest(&[("a".into(), b"bc".to_vec())]),
            set_digest(&[("a".into(), b"b".to_vec()), ("c".into(), Vec::new())])
        );
    }
}
