//! `secrets: none` on an attestation entry: the policy-file side (the only value, errors with
//! their position) and the decision against images attested in a real registry (the registry
//! harness of vigil-oci; skipped, or failing in CI, without it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use vigil_core::reference::ImageReference;
use vigil_k8s::{Limits, load};
use vigil_oci::{RegistryClient, RegistryOptions};
use vigil_policy::{CacheOptions, Decision, FailureMode, Subject, Verifier, evaluate, parse};

const HEAD: &str = "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: p}\nspec:\n";

fn spec(attestation: &str) -> String {
    format!(
        "{HEAD}  images:\n    - match: [\"REG/**\"]\n      signatures: [{{key: {{path: team.pub}}}}]\n      attestations:\n        - {attestation}\n"
    )
}

/// A directory with `team.pub`, so the policy's key loads.
fn keys() -> (tempfile::TempDir, vigil_sign::keys::SigningKey) {
    let dir = tempfile::tempdir().unwrap();
    let pair = vigil_sign::keys::generate_key_pair(b"pw").unwrap();
    std::fs::write(dir.path().join("team.pub"), &pair.public_pem).unwrap();
    let key = vigil_sign::keys::load_private_key(pair.private_pem.as_bytes(), b"pw").unwrap();
    (dir, key)
}

#[test]
fn secrets_takes_only_none_and_errors_name_the_position() {
    let (dir, _) = keys();
    let parsed = parse("p.yaml", &spec("{type: vuln, secrets: none}"), dir.path()).unwrap();
    let rule = &parsed[0].images[0].attestations[0];
    assert!(rule.no_secrets);
    assert_eq!(rule.max_severity, None);
    let both = parse("p.yaml", &spec("{type: vuln, maxSeverity: high, secrets: none}"), dir.path()).unwrap();
    assert!(both[0].images[0].attestations[0].no_secrets);
    assert!(both[0].images[0].attestations[0].max_severity.is_some());
    let without = parse("p.yaml", &spec("{type: vuln}"), dir.path()).unwrap();
    assert!(!without[0].images[0].attestations[0].no_secrets);

    let error = |value: &str| {
        parse("p.yaml", &spec(&format!("{{type: vuln, secrets: {value}}}")), dir.path()).unwrap_err().to_string()
    };
    // Line 9, column 33: the value after `secrets: `.
    assert_eq!(error("some"), "p.yaml:9:33: secrets `some`: the only value is `none`");
    assert_eq!(error("low"), "p.yaml:9:33: secrets `low`: the only value is `none`");
    assert!(error("\"\"").starts_with("p.yaml:9:33: secrets ``"), "{}", error("\"\""));
    assert!(error("[none]").starts_with("p.yaml:9:"), "{}", error("[none]"));
    // A misspelt key is refused, not ignored.
    let misspelt = parse("p.yaml", &spec("{type: vuln, secret: none}"), dir.path()).unwrap_err().to_string();
    assert!(misspelt.contains("unknown field `secret`"), "{misspelt}");
}

/// The registry, a key and a policy requiring `secrets: none` on the `vuln` attestation.
struct Harness {
    _registry: vigil_oci::testing::Registry,
    addr: String,
    client: RegistryClient,
    key: vigil_sign::keys::SigningKey,
    dir: tempfile::TempDir,
}

impl Harness {
    fn start() -> Option<Self> {
        let (registry, _) = vigil_oci::testing::start(false)?;
        let (dir, key) = keys();
        let client = RegistryClient::new(&RegistryOptions { plain_http: true, ..RegistryOptions::default() }).unwrap();
        let addr = registry.addr.clone();
        Some(Self { _registry: registry, addr, client, key, dir })
    }

    /// A signed variant (its own digest) of the test image, attested with `predicate`.
    fn image(&self, tag: &str, predicate: Option<Value>) -> String {
        let base = ImageReference::parse(&format!("{}/vigil/debian:1.0", self.addr)).unwrap();
        let original = self.client.resolve(&base).unwrap();
        let mut manifest: Value = serde_json::from_slice(&original.bytes).unwrap();
        manifest["annotations"] = json!({"org.example.variant": tag});
        let target = ImageReference::parse(&format!("{}/vigil/debian:{tag}", self.addr)).unwrap();
        self.client.push_manifest(&target, &serde_json::to_vec(&manifest).unwrap(), &original.media_type).unwrap();
        vigil_sign::cosign::sign(&self.client, &target, &self.key, &Default::default()).unwrap();
        if let Some(predicate) = predicate {
            vigil_sign::attest::attest(&self.client, &target, &self.key, "vuln", &predicate).unwrap();
        }
        target.to_string()
    }

    fn decide(&self, attestation: &str, image: &str) -> Decision {
        let policies = parse("p.yaml", &spec(attestation).replace("REG", &self.addr), self.dir.path()).unwrap();
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: web, namespace: shop}}\nspec:\n  containers:\n  - name: app\n    image: {image}\n"
        );
        let file = load("o.yaml", pod.into_bytes(), &Limits::default());
        let verifier =
            Verifier::new(RegistryOptions { plain_http: true, ..RegistryOptions::default() }, &CacheOptions::default());
        let mut decision = evaluate(&policies, &Subject { object: &file.objects[0], namespace: "shop" }, &verifier);
        decision.settle(FailureMode::Closed);
        decision
    }
}

/// A vigil scan predicate with a secrets section of `findings` (and `count`, default their number).
fn scanned(findings: &[Value], count: Option<usize>) -> Value {
    json!({"scanner": {"uri": "https://example.invalid/vigil", "result": {"version": 1, "findings": [],
        "secrets": {"scanned": true, "count": count.unwrap_or(findings.len()), "findings": findings}}}})
}

fn secret(n: usize) -> Value {
    json!({"rule": "secret/aws-access-token", "gitleaks_rule": "aws-access-token", "file": format!("/app/{n}.env"),
        "line": 1, "layer": n, "removed_in": null, "fingerprint": format!("/app/{n}.env:aws-access-token:1"),
        "secret": "AKIA…"})
}

#[test]
fn secrets_none_allows_a_clean_scan_and_denies_findings_or_no_scan() {
    let Some(h) = Harness::start() else { return };
    let rule = "{type: vuln, secrets: none}";

    let clean = h.image("clean", Some(scanned(&[], None)));
    let decision = h.decide(rule, &clean);
    assert!(decision.allowed, "{:?}", decision.denials);
    assert!(decision.errors.is_empty(), "{:?}", decision.errors);

    let leaky = h.image("leaky", Some(scanned(&[secret(0)], None)));
    let decision = h.decide(rule, &leaky);
    assert!(!decision.allowed);
    assert_eq!(decision.denials.len(), 1, "{:?}", decision.denials);
    let denial = &decision.denials[0];
    assert_eq!(denial.check, "secrets");
    assert_eq!(vigil_policy::rules::rule_id(denial.check), "policy/secrets");
    assert!(vigil_policy::rules::RULES.iter().any(|r| r.id == "policy/secrets"));
    assert_eq!(denial.container.as_deref(), Some("app"));
    assert!(denial.message.contains("holds 1 secret in its layers"), "{}", denial.message);
    assert!(denial.message.contains("secret/aws-access-token in /app/0.env (layer 0)"), "{}", denial.message);
    assert!(denial.message.contains("@sha256:") || denial.message.contains("(sha256:"), "{}", denial.message);

    // Without a secrets section: the scan did not look for secrets.
    let unscanned = h.image("unscanned", Some(json!({"scanner": {"result": {"version": 1, "findings": []}}})));
    let decision = h.decide(rule, &unscanned);
    assert!(!decision.allowed);
    assert_eq!(decision.denials[0].check, "secrets");
    assert!(decision.denials[0].message.contains("reports no secret scan"), "{}", decision.denials[0].message);
    assert!(
        decision.denials[0].message.contains("vigil attest --predicate-from scan --secrets"),
        "{}",
        decision.denials[0].message
    );
    // A policy without `secrets: none` does not look.
    assert!(h.decide("{type: vuln}", &unscanned).allowed);
    assert!(h.decide("{type: vuln}", &leaky).allowed);

    // Without any attestation: the attestations check denies, not the secrets check.
    let bare = h.image("bare", None);
    let decision = h.decide(rule, &bare);
    assert!(!decision.allowed);
    assert_eq!(decision.denials.iter().map(|d| d.check).collect::<Vec<_>>(), ["attestations"]);
}

#[test]
fn the_newest_statement_decides_and_at_most_five_findings_are_named() {
    let Some(h) = Harness::start() else { return };
    let rule = "{type: vuln, secrets: none, maxSeverity: critical}";

    // Seven findings listed, 150 counted (a summary lists at most 100): five named, the count exact.
    let many: Vec<Value> = (0..7).map(secret).collect();
    let image = h.image("many", Some(scanned(&many, Some(150))));
    let decision = h.decide(rule, &image);
    assert!(!decision.allowed);
    let message = &decision.denials[0].message;
    assert!(message.contains("holds 150 secrets"), "{message}");
    assert!(message.contains("/app/4.env (layer 4)") && !message.contains("/app/5.env"), "{message}");
    assert!(message.ends_with(", …"), "{message}");

    // Attested again after the secrets were removed: the newest statement allows it.
    let target = ImageReference::parse(&image).unwrap();
    vigil_sign::attest::attest(&h.client, &target, &h.key, "vuln", &scanned(&[], None)).unwrap();
    let decision = h.decide(rule, &image);
    assert!(decision.allowed, "{:?}", decision.denials);

    // And attested once more with a finding: denied again.
    vigil_sign::attest::attest(&h.client, &target, &h.key, "vuln", &scanned(&[secret(3)], None)).unwrap();
    let decision = h.decide(rule, &image);
    assert!(!decision.allowed);
    assert!(decision.denials[0].message.contains("/app/3.env (layer 3)"), "{}", decision.denials[0].message);
}

#[test]
fn secrets_and_max_severity_are_separate_violations() {
    let Some(h) = Harness::start() else { return };
    let predicate = json!({"scanner": {"result": {"version": 1,
        "findings": [{"id": "CVE-1", "package": {"name": "openssl"}, "severity": "critical", "status": "affected"}],
        "secrets": {"scanned": true, "count": 1, "findings": [secret(1)]}}}});
    let image = h.image("both", Some(predicate));
    let decision = h.decide("{type: vuln, secrets: none, maxSeverity: high}", &image);
    let mut checks: Vec<&str> = decision.denials.iter().map(|d| d.check).collect();
    checks.sort_unstable();
    assert_eq!(checks, ["secrets", "vulnerabilities"], "{:?}", decision.denials);
}
