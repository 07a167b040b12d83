//! Stable IDs of the checks a policy makes, for SARIF and other reports (`policy/<check>`).

use vigil_core::{RuleMeta, Severity};

/// Every check, sorted by ID.
pub const RULES: &[RuleMeta] = &[
    RuleMeta {
        peers: &[],
        id: "policy/attestations",
        severity: Severity::High,
        summary: "image lacks a required verified attestation",
        help: "An `images[].attestations` entry requires an in-toto attestation of this predicate type, signed by one of the rule's authorities, whose subject is the image digest. Attach one with `vigil attest` or `cosign attest`.",
    },
    RuleMeta {
        peers: &[],
        id: "policy/image",
        severity: Severity::High,
        summary: "image reference is invalid or does not exist",
        help: "The container image could not be parsed, or the registry does not have it.",
    },
    RuleMeta {
        peers: &[],
        id: "policy/podSecurity",
        severity: Severity::High,
        summary: "pod violates the policy's Pod Security Standards level",
        help: "`spec.podSecurity` applies the Pod Security Standards exactly as Pod Security Admission does; the message lists every failed check in upstream's words. See `vigil rules` for each `pss/*` check.",
    },
    RuleMeta {
        peers: &[],
        id: "policy/registries",
        severity: Severity::High,
        summary: "image comes from a registry the policy does not allow",
        help: "`spec.registries.allow` lists globs over `registry/repository`; any other image is denied.",
    },
    RuleMeta {
        peers: &[],
        id: "policy/requireDigest",
        severity: Severity::Medium,
        summary: "image is not pinned by digest",
        help: "An `images[]` rule with `requireDigest: true` matched a tag reference; reference the image as `name@sha256:…`.",
    },
    RuleMeta {
        peers: &[],
        id: "policy/secrets",
        severity: Severity::High,
        summary: "image holds secrets, or its attestation does not show a secret scan",
        help: "An attestation with `secrets: none` denies images whose newest verified scan attestation reports a secret in any layer (`vigil attest --predicate-from scan --secrets`), and images whose attestation has no secret scan at all.",
    },
    RuleMeta {
        peers: &[],
        id: "policy/signatures",
        severity: Severity::Critical,
        summary: "image is not signed by a required authority",
        help: "An `images[].signatures` entry requires a cosign signature of the image digest by a key or a keyless identity; the message gives the reason for every authority (no signature, wrong key, digest mismatch, identity mismatch).",
    },
    RuleMeta {
        peers: &[],
        id: "policy/undecided",
        severity: Severity::High,
        summary: "a check could not be made (registry unreachable, deadline)",
        help: "With `--failure-mode closed` (the default) an undecidable check of an `enforce` policy denies; with `open` it allows with a warning.",
    },
    RuleMeta {
        peers: &[],
        id: "policy/vulnerabilities",
        severity: Severity::High,
        summary: "image has vulnerabilities above the policy's limit",
        help: "An attestation with `maxSeverity` denies images whose newest verified vulnerability attestation reports a finding above that severity (VEX-suppressed findings do not count).",
    },
];

/// The rule ID of a violation's check.
#[must_use]
pub fn rule_id(check: &str) -> String {
    format!("policy/{check}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn sorted_and_unique() {
        let ids: Vec<&str> = super::RULES.iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
    }
}
