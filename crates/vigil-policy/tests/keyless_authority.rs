//! `allowRequestFormRekor` in a keyless authority: the policy-file side of the request-form
//! opt-in (vigil-sign refuses request-form Rekor entries without it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use vigil_policy::{AuthoritySpec, parse};

fn policy(keyless: &str) -> String {
    format!(
        "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {{name: p}}\nspec:\n  images:\n    - match: [\"r/**\"]\n      signatures:\n        - keyless: {keyless}\n"
    )
}

/// The Sigstore mock's trusted root that vigil-sign's request-form fixture was made with.
fn base() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../vigil-sign/tests/fixtures/request_form"))
}

fn allows(keyless: &str) -> bool {
    let policies = parse("p.yaml", &policy(keyless), base()).unwrap();
    match &policies[0].images[0].signatures[0] {
        AuthoritySpec::Keyless { keyless, .. } => keyless.root.allows_request_form_rekor(),
        other => panic!("expected a keyless authority, got {other:?}"),
    }
}

#[test]
fn the_opt_in_is_off_unless_the_policy_says_so() {
    let root = "{issuer: i, subject: s, trustedRoot: trusted_root.json";
    assert!(!allows(&format!("{root}}}")));
    assert!(!allows(&format!("{root}, allowRequestFormRekor: false}}")));
    assert!(allows(&format!("{root}, allowRequestFormRekor: true}}")));
}

#[test]
fn the_opt_in_needs_a_trusted_root_file() {
    let err = parse("p.yaml", &policy("{issuer: i, subject: s, allowRequestFormRekor: true}"), base())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("p.yaml:8:"), "{err}");
    assert!(err.contains("`allowRequestFormRekor` needs `trustedRoot`"), "{err}");
    let err = parse("p.yaml", &policy("{issuer: i, subject: s, allowRequestFormRekor: yes-please}"), base())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("p.yaml:8:"), "{err}");
}
