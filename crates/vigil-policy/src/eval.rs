//! Evaluating policies on one object. The same function answers `vigil policy test` and the
//! webhook, so CI and the cluster decide alike.

use std::collections::BTreeMap;

use serde::Serialize;
use vigil_core::reference::ImageReference;
use vigil_k8s::{Object, PodTemplate};

use crate::policy::{ImageRule, Mode, Policy};
use crate::verifier::{Checks, Outcome};
use vigil_vuln::predicate::reported;

/// One violated check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The policy (`metadata.name`).
    pub policy: String,
    /// The policy's mode.
    pub mode: Mode,
    /// Which check: `registries`, `podSecurity`, `requireDigest`, `signatures`,
    /// `attestations`, `vulnerabilities`, `secrets`, `image`.
    pub check: &'static str,
    /// The container concerned, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The precise reason.
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.container {
            Some(c) => write!(f, "policy {} ({}): container \"{c}\": {}", self.policy, self.check, self.message),
            None => write!(f, "policy {} ({}): {}", self.policy, self.check, self.message),
        }
    }
}

/// A check that could not be decided (registry unreachable, timeout): the failure mode decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvalError {
    /// The policy.
    pub policy: String,
    /// The policy's mode.
    pub mode: Mode,
    /// The container concerned.
    pub container: String,
    /// What failed.
    pub message: String,
}

/// A JSON Patch operation pinning a container image to its verified digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Patch {
    /// Always `replace`.
    pub op: &'static str,
    /// JSON pointer of the `image` field.
    pub path: String,
    /// `registry/repository:tag@sha256:…`.
    pub value: String,
}

/// The decision on one object.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Decision {
    /// `false` when an `enforce` policy is violated.
    pub allowed: bool,
    /// Violations of `enforce` policies (the denial reasons).
    pub denials: Vec<Violation>,
    /// Violations of `warn` policies (returned as warnings).
    pub warnings: Vec<Violation>,
    /// Violations of `audit` policies (recorded in audit annotations).
    pub audits: Vec<Violation>,
    /// Checks that could not be decided; with `--failure-mode closed` they deny.
    pub errors: Vec<EvalError>,
    /// Which authority verified which image: `container → "image@digest by authority"`.
    pub verified: BTreeMap<String, String>,
    /// Image pins for the mutating webhook.
    pub patches: Vec<Patch>,
    /// The policies that applied.
    pub policies: Vec<String>,
}

/// What to do with checks that could not be decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureMode {
    /// Deny (the safe default).
    #[default]
    Closed,
    /// Allow, with a warning.
    Open,
}

impl Decision {
    /// Applies the failure mode: with `Closed`, an undecided check of an `enforce` policy
    /// denies; with `Open` it becomes a warning.
    pub fn settle(&mut self, failure: FailureMode) {
        let undecided_enforce = self.errors.iter().any(|e| e.mode == Mode::Enforce);
        self.allowed = self.denials.is_empty() && !(failure == FailureMode::Closed && undecided_enforce);
        if !self.allowed {
            self.patches.clear();
        }
    }

    /// The messages a client sees: denials (or undecided checks that denied).
    #[must_use]
    pub fn denial_message(&self) -> String {
        let mut reasons: Vec<String> = self.denials.iter().map(ToString::to_string).collect();
        for e in self.errors.iter().filter(|e| e.mode == Mode::Enforce) {
            reasons.push(format!(
                "policy {}: container \"{}\": could not be verified: {}",
                e.policy, e.container, e.message
            ));
        }
        reasons.join("; ")
    }
}

/// The object being decided: what the webhook receives or `policy test` loads.
#[derive(Debug)]
pub struct Subject<'a> {
    /// The object.
    pub object: &'a Object,
    /// Its namespace (the request's, or `metadata.namespace`, or `default`).
    pub namespace: &'a str,
}

/// Evaluates every policy that applies to the subject's namespace. Registry-backed checks go
/// through `verifier` (cached). Call [`Decision::settle`] to apply the failure mode.
#[must_use]
pub fn evaluate(policies: &[Policy], subject: &Subject<'_>, verifier: &impl Checks) -> Decision {
    let mut decision = Decision { allowed: true, ..Decision::default() };
    let Some(pod) = PodTemplate::of(subject.object) else {
        return decision;
    };
    let spec_pointer = pointer(&subject.object.field_path(&pod.spec_path));
    let containers: Vec<(String, String, String)> = pod
        .containers()
        .map(|c| {
            let image = c.node.get("image").and_then(vigil_k8s::Node::as_str).unwrap_or("").to_string();
            (c.name().to_string(), image, format!("{spec_pointer}/{}/{}/image", c.kind.field(), c.index))
        })
        .collect();
    for policy in policies.iter().filter(|p| p.applies_to(subject.namespace)) {
        decision.policies.push(policy.name.clone());
        let mut found = Vec::new();
        if let Some(profile) = policy.pod_security {
            let failures = vigil_lint::evaluate_pss(&pod, profile);
            if !failures.is_empty() {
                let reasons: Vec<String> = failures.into_iter().map(|(_, message)| message).collect();
                found.push(violation(
                    policy,
                    "podSecurity",
                    None,
                    format!("violates PodSecurity \"{profile}\": {}", reasons.join(", ")),
                ));
            }
        }
        for (name, image, path) in &containers {
            check_image(policy, name, image, path, verifier, &mut found, &mut decision);
        }
        match policy.mode {
            Mode::Enforce => decision.denials.extend(found),
            Mode::Warn => decision.warnings.extend(found),
            Mode::Audit => decision.audits.extend(found),
        }
    }
    decision.allowed = decision.denials.is_empty();
    decision
}

fn violation(policy: &Policy, check: &'static str, container: Option<&str>, message: String) -> Violation {
    Violation {
        policy: policy.name.clone(),
        mode: policy.mode,
        check,
        container: container.map(str::to_string),
        message,
    }
}

/// `spec.template.spec` → `/spec/template/spec`; `items[2].spec` → `/items/2/spec`.
fn pointer(dotted: &str) -> String {
    let mut out = String::new();
    for part in dotted.split('.').filter(|p| !p.is_empty()) {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.strip_suffix(']')),
            None => (part, None),
        };
        out.push('/');
        out.push_str(&name.replace('~', "~0").replace('/', "~1"));
        if let Some(index) = index {
            out.push('/');
            out.push_str(index);
        }
    }
    out
}

fn check_image(
    policy: &Policy,
    container: &str,
    text: &str,
    path: &str,
    verifier: &impl Checks,
    found: &mut Vec<Violation>,
    decision: &mut Decision,
) {
    let reference = match ImageReference::parse(text) {
        Ok(r) => r,
        Err(e) => {
            found.push(violation(policy, "image", Some(container), format!("invalid image reference `{text}`: {e}")));
            return;
        }
    };
    let name = reference.name();
    if let Some(registries) = &policy.registries
        && !registries.is_match(&name)
    {
        found.push(violation(
            policy,
            "registries",
            Some(container),
            format!("image `{text}` is not from an allowed registry (allowed: {})", registries.describe()),
        ));
        return;
    }
    for rule in policy.images.iter().filter(|rule| rule.patterns.is_match(&name)) {
        check_rule(policy, rule, container, text, &reference, path, verifier, found, decision);
    }
}

#[allow(clippy::too_many_arguments)]
fn check_rule(
    policy: &Policy,
    rule: &ImageRule,
    container: &str,
    text: &str,
    reference: &ImageReference,
    path: &str,
    verifier: &impl Checks,
    found: &mut Vec<Violation>,
    decision: &mut Decision,
) {
    let error = |decision: &mut Decision, message: String| {
        decision.errors.push(EvalError {
            policy: policy.name.clone(),
            mode: policy.mode,
            container: container.to_string(),
            message,
        });
    };
    if rule.require_digest && reference.digest().is_none() {
        found.push(violation(
            policy,
            "requireDigest",
            Some(container),
            format!("image `{text}` must be pinned by digest (images[{}] requires it)", rule.index),
        ));
    }
    if !rule.needs_registry() {
        return;
    }
    let digest = match verifier.resolve(reference) {
        Outcome::Verified(digest) => digest,
        Outcome::Rejected(reason) => {
            found.push(violation(policy, "image", Some(container), reason));
            return;
        }
        Outcome::Error(reason) => return error(decision, reason),
    };
    let Ok(pinned) = ImageReference::parse(&format!("{}@{digest}", reference.name())) else {
        return error(decision, format!("registry returned an invalid digest `{digest}`"));
    };
    let mut signed_by = Vec::new();
    if !rule.signatures.is_empty() {
        let mut rejected = Vec::new();
        for authority in &rule.signatures {
            match verifier.signature(&pinned, authority) {
                Outcome::Verified(by) => signed_by.push((authority, by)),
                Outcome::Rejected(reason) => rejected.push(format!("{}: {reason}", authority.name())),
                Outcome::Error(reason) => return error(decision, reason),
            }
        }
        let satisfied = if rule.require_all { rejected.is_empty() } else { !signed_by.is_empty() };
        if !satisfied {
            let need = if rule.require_all { "every listed authority" } else { "one of the listed authorities" };
            found.push(violation(
                policy,
                "signatures",
                Some(container),
                format!("image `{text}` ({digest}) is not signed by {need}: {}", rejected.join("; ")),
            ));
            return;
        }
        let by: Vec<&str> = signed_by.iter().map(|(_, by)| by.as_str()).collect();
        decision.verified.insert(container.to_string(), format!("{pinned} signed by {}", by.join(", ")));
    }
    for attestation in &rule.attestations {
        let mut statements = None;
        let mut reasons = Vec::new();
        for authority in &rule.signatures {
            match verifier.attestations(&pinned, authority, &attestation.predicate_type) {
                Outcome::Verified(found) => {
                    statements = Some(found);
                    break;
                }
                Outcome::Rejected(reason) => reasons.push(format!("{}: {reason}", authority.name())),
                Outcome::Error(reason) => return error(decision, reason),
            }
        }
        let Some(statements) = statements else {
            found.push(violation(
                policy,
                "attestations",
                Some(container),
                format!(
                    "image `{text}` ({digest}) has no verified `{}` attestation: {}",
                    attestation.predicate_type,
                    reasons.join("; ")
                ),
            ));
            continue;
        };
        if attestation.no_secrets {
            let newest = statements.as_array().and_then(|s| s.last()).cloned().unwrap_or_default();
            match vigil_vuln::predicate::reported_secrets(&newest["predicate"]) {
                None => found.push(violation(
                    policy,
                    "secrets",
                    Some(container),
                    format!(
                        "image `{text}` ({digest}): its `{}` attestation reports no secret scan; the policy requires \
                         `secrets: none` (attest with `vigil attest --predicate-from scan --secrets`)",
                        attestation.predicate_type
                    ),
                )),
                Some(secrets) if !secrets.is_empty() => {
                    // The summary lists at most 100 findings; its `count` is the exact number.
                    let listed = newest["predicate"]["scanner"]["result"]["secrets"]["count"].as_u64();
                    let count = listed.and_then(|n| usize::try_from(n).ok()).unwrap_or(0).max(secrets.len());
                    let shown: Vec<String> = secrets.iter().take(5).map(ToString::to_string).collect();
                    found.push(violation(
                        policy,
                        "secrets",
                        Some(container),
                        format!(
                            "image `{text}` ({digest}) holds {count} secret{} in its layers: {}{}",
                            if count == 1 { "" } else { "s" },
                            shown.join(", "),
                            if count > shown.len() { ", …" } else { "" }
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        if let Some(max) = attestation.max_severity {
            // The newest verified statement decides (attestations are appended).
            let newest = statements.as_array().and_then(|s| s.last()).cloned().unwrap_or_default();
            let mut above: Vec<String> = reported(&newest["predicate"])
                .into_iter()
                .filter(|v| v.severity > max)
                .map(|v| format!("{} ({}, {})", v.id, v.package, v.severity.as_str()))
                .collect();
            if !above.is_empty() {
                let count = above.len();
                above.truncate(5);
                found.push(violation(
                    policy,
                    "vulnerabilities",
                    Some(container),
                    format!(
                        "image `{text}` has {count} vulnerabilit{} above `{}`: {}{}",
                        if count == 1 { "y" } else { "ies" },
                        max.as_str(),
                        above.join(", "),
                        if count > 5 { ", …" } else { "" }
                    ),
                ));
            }
        }
    }
    if rule.mutate_to_digest && reference.digest().is_none() {
        let value = match reference.tag() {
            Some(tag) => format!("{}:{tag}@{digest}", reference.name()),
            None => format!("{}@{digest}", reference.name()),
        };
        if !decision.patches.iter().any(|p| p.path == path) {
            decision.patches.push(Patch { op: "replace", path: path.to_string(), value });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_follow_json_pointer_escaping() {
        assert_eq!(pointer("spec.template.spec"), "/spec/template/spec");
        assert_eq!(pointer("items[2].spec"), "/items/2/spec");
        assert_eq!(pointer("spec"), "/spec");
    }
}
