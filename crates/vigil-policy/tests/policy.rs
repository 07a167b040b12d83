//! Policy files: validation errors with positions, and decisions that need no registry.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use vigil_k8s::{Limits, load};
use vigil_oci::RegistryOptions;
use vigil_policy::{CacheOptions, Decision, FailureMode, Mode, Subject, Verifier, evaluate, parse};

const HEAD: &str = "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: p}\nspec:\n";

fn error(spec: &str) -> String {
    parse("p.yaml", &format!("{HEAD}{spec}"), Path::new(".")).unwrap_err().to_string()
}

#[test]
fn every_bad_value_is_named_with_its_position() {
    assert_eq!(error("  mode: loud\n"), "p.yaml:5:9: spec.mode is `loud`, expected `enforce`, `warn` or `audit`");
    assert!(error("  podSecurity: {level: strict}\n").starts_with("p.yaml:5:24: spec.podSecurity: "));
    assert!(error("  podSecurity: {level: baseline, version: v2}\n").contains("v1.N"));
    assert!(error("  registries: {allow: [\"a/[\"]}\n").starts_with("p.yaml:5:24: invalid pattern `a/[`"));
    assert!(error("  registries: {allow: []}\n").contains("would deny every image"));
    assert!(error("  images:\n    - match: []\n").contains("images[0].match is empty"));
    assert!(
        error("  images:\n    - match: [\"r/**\"]\n      attestations: [{type: vuln}]\n").contains("need an authority")
    );
    assert!(
        error("  images:\n    - match: [\"r/**\"]\n      signatures: [{keyless: {issuer: x, subjectRegExp: \"(\"}}]\n")
            .contains("invalid subjectRegExp")
    );
    assert!(
        error("  images:\n    - match: [\"r/**\"]\n      signatures: [{keyless: {issuer: x}}]\n")
            .contains("exactly one of `subject` or `subjectRegExp`")
    );
    assert!(
        error("  images:\n    - match: [\"r/**\"]\n      signatures: [{}]\n")
            .contains("exactly one of `key` or `keyless`")
    );
    assert!(error("  images:\n    - match: [\"r/**\"]\n      require: most\n").contains("expected `any` or `all`"));
    assert!(
        error("  images:\n    - match: [\"r/**\"]\n      signatures: [{key: {pem: nonsense}}]\n")
            .contains("key (inline PEM)")
    );
    assert!(
        error("  images:\n    - match: [\"r/**\"]\n      signatures: [{key: {path: k.pub}}]\n      attestations: [{type: vuln, maxSeverity: severe}]\n")
            .contains("cannot read key")
    );
    assert!(error("  unknown: 1\n").contains("unknown field `unknown`"));
    let wrong_version =
        parse("p.yaml", "apiVersion: v1\nkind: Policy\nmetadata: {name: p}\nspec: {}\n", Path::new("."));
    assert_eq!(
        wrong_version.unwrap_err().to_string(),
        "p.yaml:1:13: apiVersion is `v1`, expected `vigil.dev/v1alpha1`"
    );
    let bad_name = parse(
        "p.yaml",
        "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: Prod_1}\nspec: {}\n",
        Path::new("."),
    );
    assert!(bad_name.unwrap_err().to_string().contains("metadata.name `Prod_1`"));
    assert!(parse("p.yaml", "", Path::new(".")).is_err());
}

#[test]
fn several_documents_and_defaults() {
    let text = format!(
        "{HEAD}  registries: {{allow: [\"ghcr.io/org/**\"]}}\n---\n{}",
        HEAD.replace("name: p", "name: q") + "  mode: audit\n"
    );
    let policies = parse("p.yaml", &text, Path::new(".")).unwrap();
    assert_eq!(policies.len(), 2);
    assert_eq!((policies[0].mode, policies[1].mode), (Mode::Enforce, Mode::Audit));
    assert!(policies[0].applies_to("anything"));
}

fn decide(policy: &str, object: &str) -> Decision {
    let policies = parse("p.yaml", policy, Path::new(".")).unwrap();
    let file = load("o.yaml", object.as_bytes().to_vec(), &Limits::default());
    let object = &file.objects[0];
    let namespace = object.reference.namespace.clone().unwrap_or_else(|| "default".into());
    let verifier = Verifier::new(RegistryOptions::default(), &CacheOptions::default());
    let mut decision = evaluate(&policies, &Subject { object, namespace: &namespace }, &verifier);
    decision.settle(FailureMode::Closed);
    decision
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers:\n  - name: app\n    image: IMAGE\n";

#[test]
fn registries_match_normalised_names() {
    let policy = format!("{HEAD}  registries: {{allow: [\"ghcr.io/org/**\", \"docker.io/library/*\"]}}\n");
    assert!(decide(&policy, &POD.replace("IMAGE", "ghcr.io/org/team/app:1")).allowed);
    assert!(decide(&policy, &POD.replace("IMAGE", "nginx:1.27")).allowed, "docker.io/library/nginx");
    let denied = decide(&policy, &POD.replace("IMAGE", "ghcr.io/other/app:1"));
    assert!(!denied.allowed);
    assert_eq!(denied.denials[0].check, "registries");
    assert_eq!(denied.denials[0].container.as_deref(), Some("app"));
    assert!(denied.denials[0].message.contains("`ghcr.io/org/**`"));
    // `*` stays inside one path segment.
    assert!(!decide(&policy, &POD.replace("IMAGE", "docker.io/library/a/b:1")).allowed);
}

#[test]
fn pod_security_digest_namespaces_and_modes() {
    let policy = format!(
        "{HEAD}  namespaces: {{include: [\"shop\", \"team-*\"], exclude: [team-sandbox]}}\n  podSecurity: {{level: restricted}}\n  images:\n    - match: [\"**\"]\n      requireDigest: true\n"
    );
    let decision = decide(&policy, &POD.replace("IMAGE", "nginx:1.27"));
    assert!(!decision.allowed);
    let checks: Vec<&str> = decision.denials.iter().map(|d| d.check).collect();
    assert_eq!(checks, ["podSecurity", "requireDigest"]);
    assert!(
        decision.denials[0]
            .message
            .starts_with("violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false")
    );
    // Excluded and not-included namespaces are not judged.
    assert!(decide(&policy, &POD.replace("IMAGE", "nginx").replace("shop", "team-sandbox")).allowed);
    assert!(decide(&policy, &POD.replace("IMAGE", "nginx").replace("shop", "other")).allowed);
    assert!(decision.policies == ["p"]);
    // warn: allowed, reported as warnings.
    let warn = decide(&policy.replace("spec:\n", "spec:\n  mode: warn\n"), &POD.replace("IMAGE", "nginx"));
    assert!(warn.allowed && warn.warnings.len() == 2 && warn.denials.is_empty());
    // Objects without a pod template are allowed without checks.
    assert!(decide(&policy, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n").allowed);
}

#[test]
fn every_matching_policy_must_allow() {
    let text = format!(
        "{HEAD}  registries: {{allow: [\"**\"]}}\n---\n{}",
        HEAD.replace("name: p", "name: q") + "  podSecurity: {level: baseline}\n"
    );
    let object = POD
        .replace("IMAGE", "nginx")
        .replace("    image: nginx\n", "    image: nginx\n    securityContext: {privileged: true}\n");
    let decision = decide(&text, &object);
    assert!(!decision.allowed);
    assert_eq!(decision.denials.len(), 1);
    assert_eq!(decision.denials[0].policy, "q");
    assert_eq!(decision.policies, ["p", "q"]);
}

#[test]
fn an_unreachable_registry_is_undecided_and_the_failure_mode_decides() {
    let key = vigil_sign::keys::generate_key_pair(b"x").unwrap().public_pem;
    let indented: String = key.lines().map(|l| format!("              {l}\n")).collect();
    let policy = format!(
        "{HEAD}  images:\n    - match: [\"127.0.0.1:1/**\"]\n      signatures:\n        - key:\n            pem: |\n{indented}"
    );
    let policies = parse("p.yaml", &policy, Path::new(".")).unwrap();
    let file = load("o.yaml", POD.replace("IMAGE", "127.0.0.1:1/app:1").into_bytes(), &Limits::default());
    let verifier = Verifier::new(
        RegistryOptions {
            plain_http: true,
            timeout: Some(std::time::Duration::from_secs(2)),
            ..RegistryOptions::default()
        },
        &CacheOptions::default(),
    );
    let decision = evaluate(&policies, &Subject { object: &file.objects[0], namespace: "shop" }, &verifier);
    assert!(decision.denials.is_empty());
    assert_eq!(decision.errors.len(), 1, "{:?}", decision.errors);
    let mut closed = decision.clone();
    closed.settle(FailureMode::Closed);
    assert!(!closed.allowed);
    assert!(closed.denial_message().contains("could not be verified"));
    let mut open = decision;
    open.settle(FailureMode::Open);
    assert!(open.allowed);
}

proptest::proptest! {
    /// Hostile policy text never panics: it parses or is refused with a position.
    #[test]
    fn arbitrary_policy_text_never_panics(text in ".{0,400}") {
        let _ = parse("p.yaml", &text, Path::new("."));
        let _ = parse("p.yaml", &format!("{HEAD}{text}"), Path::new("."));
    }
}

#[test]
fn a_directory_of_policies_loads_every_yaml_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.yaml"), format!("{HEAD}  mode: warn\n").replace("name: p", "name: b")).unwrap();
    std::fs::write(dir.path().join("a.yml"), format!("{HEAD}  mode: audit\n").replace("name: p", "name: a")).unwrap();
    std::fs::write(dir.path().join("README.md"), "not a policy").unwrap();
    std::fs::create_dir(dir.path().join("..data")).unwrap();
    let policies = vigil_policy::load_files(&[dir.path().to_path_buf()]).unwrap();
    let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    let empty = tempfile::tempdir().unwrap();
    assert!(vigil_policy::load_files(&[empty.path().to_path_buf()]).unwrap_err().to_string().contains("no *.yaml"));
    // The same name twice is refused.
    std::fs::write(dir.path().join("c.yaml"), format!("{HEAD}  mode: enforce\n").replace("name: p", "name: a"))
        .unwrap();
    assert!(
        vigil_policy::load_files(&[dir.path().to_path_buf()])
            .unwrap_err()
            .to_string()
            .contains("policy name `a` is used twice")
    );
}
