//! `vigil verify-bundle`: bundled fixtures (always run), the sigstore-conformance verification
//! suite and the other Sigstore bundle fixtures of the corpora (with `$VIGIL_CORPORA`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{Vigil, temp_dir, write};

const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ACTIONS: &str = "https://token.actions.githubusercontent.com";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sigstore")
}

fn in_fixtures() -> Vigil {
    Vigil::in_dir(&fixtures())
}

#[test]
fn a_production_v03_bundle_verifies_offline_with_the_embedded_root() {
    let out = in_fixtures()
        .args(["verify-bundle", "--bundle", "a.txt.v03.sigstore.json"])
        .args(["--certificate-identity", BEACON, "--certificate-oidc-issuer", ACTIONS, "a.txt"])
        .run();
    out.assert_code(0);
    assert!(
        out.stdout.starts_with("verified a.txt signed by https://github.com/sigstore-conformance/"),
        "{}",
        out.stdout
    );
}

#[test]
fn json_output_names_identity_issuer_and_times() {
    let out = in_fixtures()
        .args(["verify-bundle", "--bundle", "a.txt.v03.sigstore.json", "--format", "json"])
        .args(["--certificate-identity", BEACON, "--certificate-oidc-issuer", ACTIONS, "a.txt"])
        .run();
    out.assert_code(0);
    let doc = out.json();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["trustedRoot"], "embedded production root");
    assert_eq!(doc["verified"]["identity"], BEACON);
    assert_eq!(doc["verified"]["issuer"], ACTIONS);
    assert_eq!(
        doc["verified"]["mediaType"].as_str().or(doc["verified"]["media_type"].as_str()),
        Some("application/vnd.dev.sigstore.bundle.v0.3+json")
    );
    assert_eq!(doc["verified"]["tlog_verified"], true);
    assert!(!doc["verified"]["verified_times"].as_array().unwrap().is_empty());
}

#[test]
fn identity_and_issuer_regexps_match_like_cosign() {
    in_fixtures()
        .args(["verify-bundle", "--bundle", "a.txt.v03.sigstore.json"])
        .args(["--certificate-identity-regexp", "^https://github.com/sigstore-conformance/"])
        .args(["--certificate-oidc-issuer-regexp", "githubusercontent"])
        .args(["a.txt"])
        .run()
        .assert_code(0);
    let out = in_fixtures()
        .args(["verify-bundle", "--bundle", "a.txt.v03.sigstore.json"])
        .args(["--certificate-identity-regexp", "^https://github.com/evil/"])
        .args(["--certificate-oidc-issuer", ACTIONS, "a.txt"])
        .run();
    out.assert_code(1);
    assert!(out.stderr.contains("does not match /^https://github.com/evil//"), "{}", out.stderr);
}

#[test]
fn a_wrong_identity_or_issuer_fails_with_both_values_named() {
    let out = in_fixtures()
        .args(["verify-bundle", "--bundle", "a.txt.v03.sigstore.json"])
        .args(["--certificate-identity", "someone@example.com", "--certificate-oidc-issuer", ACTIONS, "a.txt"])
        .run();
    out.assert_code(1);
    assert!(
        out.stderr.contains(&format!("certificate identity `{BEACON}` does not match `someone@example.com`")),
        "{}",
        out.stderr
    );
    let out = in_fixtures()
        .args(["verify-bundle", "--bundle", "a.txt.v03.sigstore.json"])
        .args(["--certificate-identity", BEACON, "--certificate-oidc-issuer", "https://accounts.google.com", "a.txt"])
        .run();
    out.assert_code(1);
    assert!(out.stderr.contains("certificate OIDC issuer"), "{}", out.stderr);
}

#[test]
fn a_changed_artifact_or_digest_fails() {
    let dir = temp_dir();
    let mut bytes = std::fs::read(fixtures().join("a.txt")).unwrap();
    bytes[0] ^= 1;
    let changed = write(dir.path(), "a.txt", bytes);
    let bundle = fixtures().join("a.txt.v03.sigstore.json");
    let out = Vigil::in_dir(dir.path())
        .args(["verify-bundle", "--bundle", bundle.to_str().unwrap()])
        .args(["--certificate-identity", BEACON, "--certificate-oidc-issuer", ACTIONS, changed.to_str().unwrap()])
        .run();
    out.assert_code(1);
    assert!(out.stderr.contains("verification failed"), "{}", out.stderr);
    let out = in_fixtures()
        .args(["verify-bundle", "--bundle", "a.txt.v03.sigstore.json"])
        .args(["--certificate-identity", BEACON, "--certificate-oidc-issuer", ACTIONS])
        .args([format!("sha256:{}", "0".repeat(64))])
        .run();
    out.assert_code(1);
}

#[test]
fn the_artifact_may_be_given_as_its_digest() {
    use std::fmt::Write as _;
    let digest =
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &std::fs::read(fixtures().join("a.txt")).unwrap());
    let hex = digest.as_ref().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    in_fixtures()
        .args(["verify-bundle", "--bundle", "a.txt.v03.sigstore.json"])
        .args(["--certificate-identity", BEACON, "--certificate-oidc-issuer", ACTIONS])
        .args([format!("sha256:{hex}")])
        .run()
        .assert_code(0);
}

#[test]
fn a_managed_key_bundle_verifies_with_its_key_and_not_as_keyless() {
    in_fixtures()
        .args(["verify-bundle", "--bundle", "managed-key.sigstore.json", "--key", "managed-key.pub", "a.txt"])
        .run()
        .assert_code(0);
    let out = in_fixtures()
        .args(["verify-bundle", "--bundle", "managed-key.sigstore.json"])
        .args(["--certificate-identity", BEACON, "--certificate-oidc-issuer", ACTIONS, "a.txt"])
        .run();
    out.assert_code(1);
    // A keyless bundle does not verify with a key either.
    let out = in_fixtures()
        .args(["verify-bundle", "--bundle", "a.txt.v03.sigstore.json", "--key", "managed-key.pub", "a.txt"])
        .run();
    out.assert_code(1);
}

#[test]
fn the_staging_root_does_not_verify_production_bundles() {
    let out = in_fixtures()
        .args(["verify-bundle", "--staging", "--bundle", "a.txt.v03.sigstore.json"])
        .args(["--certificate-identity", BEACON, "--certificate-oidc-issuer", ACTIONS, "a.txt"])
        .run();
    out.assert_code(1);
}

#[test]
fn bad_inputs_give_clear_errors() {
    let dir = temp_dir();
    let a = fixtures().join("a.txt");
    let a = a.to_str().unwrap();
    let broken = write(dir.path(), "broken.json", "{\"mediaType\": ");
    let out = Vigil::in_dir(dir.path())
        .args([
            "verify-bundle",
            "--bundle",
            "broken.json",
            "--certificate-identity",
            "x",
            "--certificate-oidc-issuer",
            "y",
            a,
        ])
        .run();
    out.assert_code(1);
    assert!(out.stderr.contains("broken.json: not a valid Sigstore bundle"), "{}", out.stderr);
    let _ = broken;
    let out = Vigil::in_dir(dir.path())
        .args([
            "verify-bundle",
            "--bundle",
            "missing.json",
            "--certificate-identity",
            "x",
            "--certificate-oidc-issuer",
            "y",
            a,
        ])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("missing.json"), "{}", out.stderr);
    write(dir.path(), "root.json", "[]");
    let out = Vigil::in_dir(dir.path())
        .args(["verify-bundle", "--bundle", "missing.json", "--trusted-root", "root.json"])
        .args(["--certificate-identity", "x", "--certificate-oidc-issuer", "y", a])
        .run();
    // A trusted root whose content cannot be used verifies nothing: not verified (exit 1),
    // as sigstore-conformance's must-fail cases expect; an unreadable file stays exit 2.
    out.assert_code(1);
    assert!(out.stderr.contains("error: not verified: trusted root root.json"), "{}", out.stderr);
    let out = Vigil::in_dir(dir.path())
        .args(["verify-bundle", "--bundle", "missing.json", "--trusted-root", "no-such-root.json"])
        .args(["--certificate-identity", "x", "--certificate-oidc-issuer", "y", a])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("no-such-root.json"), "{}", out.stderr);
    let out = in_fixtures()
        .args([
            "verify-bundle",
            "--bundle",
            "a.txt.v03.sigstore.json",
            "--certificate-identity-regexp",
            "(",
            "--certificate-oidc-issuer",
            ACTIONS,
            "a.txt",
        ])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("invalid --certificate-identity-regexp"), "{}", out.stderr);
    let out = in_fixtures().args(["verify-bundle", "--bundle", "a.txt.v03.sigstore.json", "a.txt"]).run();
    out.assert_code(2);
    assert!(out.stderr.contains("needs --certificate-identity"), "{}", out.stderr);
}

#[track_caller]
fn corpora() -> Option<PathBuf> {
    vigil_testkit::require_corpus("sigstore")
}

/// The conformance suite's cases (SOURCES.md: 70, 49 of them must fail).
const CONFORMANCE_CASES: usize = 70;
const CONFORMANCE_MUST_FAIL: usize = 49;

/// The conformance suite's verification cases, run through the CLI exactly as its protocol
/// does (`verify-bundle [--staging] --bundle F (--certificate-identity I
/// --certificate-oidc-issuer U | --key K) [--trusted-root R] FILE_OR_DIGEST`).
#[test]
fn sigstore_conformance_verification_cases() {
    let Some(root) = corpora() else { return };
    let suite = root.join("sigstore-conformance");
    let cases: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(suite.join("cases.json")).unwrap()).unwrap();
    let must_fail = cases.values().filter(|c| c["expect"] == "fail").count();
    assert_eq!((cases.len(), must_fail), (CONFORMANCE_CASES, CONFORMANCE_MUST_FAIL), "cases.json");
    let base = suite.join("test/assets/bundle-verify");
    let mut mismatches = Vec::new();
    for (name, case) in &cases {
        let text = |key: &str| case[key].as_str().map(str::to_string);
        let mut args = vec!["verify-bundle".to_string(), "--bundle".into(), text("bundle").unwrap()];
        match text("key") {
            Some(key) => args.extend(["--key".into(), key]),
            None => args.extend([
                "--certificate-identity".into(),
                text("identity").unwrap(),
                "--certificate-oidc-issuer".into(),
                text("issuer").unwrap(),
            ]),
        }
        if let Some(root) = text("trusted_root").filter(|r| !r.starts_with("PRODUCTION")) {
            args.extend(["--trusted-root".into(), root]);
        }
        args.push(text("artifact").unwrap());
        let out = Vigil::in_dir(&base).args(&args).run();
        let expected = text("expect").unwrap();
        if let Some(wrong) = conformance_mismatch(&expected, &out) {
            mismatches.push((name.as_str(), wrong));
        }
    }
    let matched = cases.len() - mismatches.len();
    vigil_testkit::report(format!(
        "sigstore-conformance verify-bundle: {matched}/{} cases ({:.1}%) decided as expected",
        cases.len(),
        100.0 * matched as f64 / cases.len() as f64
    ));
    for (name, wrong) in &mismatches {
        let known = if KNOWN_CONFORMANCE_MISMATCHES.contains(name) { " (known)" } else { "" };
        vigil_testkit::report(format!("  MISMATCH{known} {name}: {wrong}"));
    }
    // Only the known mismatches, and never fewer matches than the baseline.
    let new: Vec<_> = mismatches.iter().filter(|(name, _)| !KNOWN_CONFORMANCE_MISMATCHES.contains(name)).collect();
    assert!(new.is_empty(), "new mismatches: {new:#?}");
    assert!(matched >= CONFORMANCE_BASELINE, "{matched} matched, below the baseline {CONFORMANCE_BASELINE}");
}

/// Cases decided as expected today (raise it when a known mismatch is fixed; never lower it).
const CONFORMANCE_BASELINE: usize = 70;

/// "Must fail" cases that vigil does not yet decide as expected (none).
const KNOWN_CONFORMANCE_MISMATCHES: [&str; 0] = [];

/// Why a run does not decide a case as expected, if it does not. A "pass" case passes only on
/// exit 0; a "fail" case only on exit 1 with a verification error (`error: …` on stderr and
/// nothing on stdout), never on exit 2 (bad flags, unreadable input: vigil could not check).
fn conformance_mismatch(expected: &str, out: &crate::common::Outcome) -> Option<String> {
    let stderr = out.stderr.trim();
    let verdict = match (expected, out.code) {
        ("pass", Some(0)) => return None,
        ("fail", Some(1)) if stderr.starts_with("error: ") && out.stdout.trim().is_empty() => return None,
        ("fail", Some(1)) => "exit 1 without a verification error",
        ("fail", Some(2)) => "exit 2 (a usage or runtime error, not a failed verification)",
        _ => "a different outcome",
    };
    Some(format!("expected {expected}, got {verdict}: exit {:?} {stderr}", out.code))
}

#[test]
fn conformance_must_fail_cases_need_exit_1_with_a_verification_error() {
    let outcome = |code, stdout: &str, stderr: &str| crate::common::Outcome {
        code,
        stdout: stdout.to_string(),
        stderr: stderr.to_string(),
    };
    assert_eq!(conformance_mismatch("fail", &outcome(Some(1), "", "error: signature does not verify\n")), None);
    assert_eq!(conformance_mismatch("pass", &outcome(Some(0), "verified a.txt\n", "")), None);
    for (code, stderr) in [(Some(2), "error: unexpected argument '--bogus'"), (Some(1), ""), (Some(0), ""), (None, "")]
    {
        assert!(conformance_mismatch("fail", &outcome(code, "", stderr)).is_some(), "{code:?} {stderr}");
    }
    assert!(conformance_mismatch("pass", &outcome(Some(1), "", "error: no")).is_some());
}

/// One bundle fixture from the corpora that is not a conformance case.
struct Fixture {
    bundle: &'static str,
    /// `PROD`, `STAGING` or a trusted-root path under `sigstore/`.
    root: &'static str,
    /// `key:PATH`, or `IDENTITY|ISSUER`.
    signer: &'static str,
    /// The artifact (path under `sigstore/`) or its digest.
    artifact: &'static str,
    pass: bool,
}

const GO_ROOT: &str = "sigstore-go/examples/trusted-root-public-good.json";
const GO_TEST_ROOT: &str = "sigstore-go/pkg/testing/data/trusted-roots/public-good.json";

const FIXTURES: &[Fixture] = &[
    Fixture {
        bundle: "cosign/pkg/cosign/testdata/oci-attestation.sigstore.json",
        root: "PROD",
        signer: "cody@soyland.com|https://github.com/login/oauth",
        artifact: "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4",
        pass: true,
    },
    Fixture {
        bundle: "sigstore-go/examples/bundle-provenance.json",
        root: GO_ROOT,
        signer: "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main|https://token.actions.githubusercontent.com",
        artifact: "sha512:76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751",
        pass: true,
    },
    Fixture {
        bundle: "sigstore-go/examples/bundle-publish.json",
        root: GO_ROOT,
        signer: "key:sigstore-go/examples/publish_key.pub",
        artifact: "sha512:76176ffa33808b54602c7c35de5c6e9a4deb96066dba6533f50ac234f4f1f4c6b3527515dc17c06fbe2860030f410eee69ea20079bd3a2c6f3dcf3b329b10751",
        pass: true,
    },
    Fixture {
        bundle: "sigstore-go/pkg/testing/data/bundles/dsse.sigstore.json",
        root: GO_TEST_ROOT,
        signer: "brian@dehamer.com|https://github.com/login/oauth",
        artifact: "sha512:bbfd372fc9beeb777fe35d05bb10c0c70a9733d366a75fed7dd18866c7391de3ee7e88ba74dd47abf3e15c845e547fcf0e5c3da80854c751554224d3a6d4e55f",
        pass: true,
    },
    // The protobuf-specs bundle allows exactly one DSSE signature.
    Fixture {
        bundle: "sigstore-go/pkg/testing/data/bundles/dsse-2sigs.sigstore.json",
        root: GO_TEST_ROOT,
        signer: "brian@dehamer.com|https://github.com/login/oauth",
        artifact: "sha512:bbfd372fc9beeb777fe35d05bb10c0c70a9733d366a75fed7dd18866c7391de3ee7e88ba74dd47abf3e15c845e547fcf0e5c3da80854c751554224d3a6d4e55f",
        pass: false,
    },
    Fixture {
        bundle: "sigstore-go/pkg/testing/data/bundles/othername.sigstore.json",
        root: "sigstore-go/pkg/testing/data/trusted-roots/scaffolding.json",
        signer: "foo!oidc.local|http://oidc.local:8080",
        artifact: "sha256:bc103b4a84971ef6459b294a2b98568a2bfb72cded09d4acd1e16366a401f95b",
        pass: true,
    },
    Fixture {
        bundle: "sigstore-go/pkg/testing/data/bundles/sigstore.js@2.0.0-provenance.sigstore.json",
        root: GO_TEST_ROOT,
        signer: "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main|https://token.actions.githubusercontent.com",
        artifact: "sha512:46d4e2f74c4877316640000a6fdf8a8b59f1e0847667973e9859f774dd31b8f1e0937813b777fb66a2ac67d50540fe34640966eee9fc2ccca387082b4c85cd3c",
        pass: true,
    },
    Fixture {
        bundle: "sigstore-python/test/assets/bundle.txt.sigstore",
        root: "STAGING",
        signer: "a@tny.town|https://github.com/login/oauth",
        artifact: "sigstore-python/test/assets/bundle.txt",
        pass: true,
    },
    Fixture {
        bundle: "sigstore-python/test/assets/bundle_v3.txt.sigstore",
        root: "STAGING",
        signer: "william@yossarian.net|https://github.com/login/oauth",
        artifact: "sigstore-python/test/assets/bundle_v3.txt",
        pass: true,
    },
    Fixture {
        bundle: "sigstore-python/test/assets/bundle_v3_alt.txt.sigstore",
        root: "STAGING",
        signer: "william@yossarian.net|https://github.com/login/oauth",
        artifact: "sigstore-python/test/assets/bundle_v3_alt.txt",
        pass: true,
    },
    Fixture {
        bundle: "sigstore-python/test/assets/integration/bundle_v3.txt.sigstore",
        root: "STAGING",
        signer: "william@yossarian.net|https://github.com/login/oauth",
        artifact: "sigstore-python/test/assets/integration/bundle_v3.txt",
        pass: true,
    },
    Fixture {
        bundle: "sigstore-python/test/assets/staging-rekor-v2.txt.sigstore.json",
        root: "STAGING",
        signer: "jku@goto.fi|https://github.com/login/oauth",
        artifact: "sigstore-python/test/assets/staging-rekor-v2.txt",
        pass: true,
    },
    Fixture {
        bundle: "sigstore-python/test/assets/a.dsse.staging-rekor-v2.txt.sigstore.json",
        root: "STAGING",
        signer: "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main|https://token.actions.githubusercontent.com",
        artifact: "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf",
        pass: true,
    },
    Fixture {
        bundle: "sigstore-python/test/assets/integration/Python-3.12.5.tgz.sigstore",
        root: "PROD",
        signer: "thomas@python.org|https://accounts.google.com",
        artifact: "sha256:38dc4e2c261d49c661196066edbfb70fdb16be4a79cc8220c224dfeb5636d405",
        pass: true,
    },
    Fixture {
        bundle: "sigstore-rs/tests/data/bundle_v03.json",
        root: "PROD",
        signer: "https://github.com/kubewarden/kubewarden-controller/.github/workflows/release.yml@refs/tags/v1.34.0|https://token.actions.githubusercontent.com",
        artifact: "sha256:c811d58de79c92f03214e63aa339484e488d694ae8a6283b5f3f17a9faf50172",
        pass: true,
    },
    // Names say what is wrong with each; all must fail.
    Fixture {
        bundle: "sigstore-python/test/assets/bundle_cve_2022_36056.txt.sigstore",
        root: "STAGING",
        signer: ".*|.*",
        artifact: "sigstore-python/test/assets/bundle_cve_2022_36056.txt",
        pass: false,
    },
    Fixture {
        bundle: "sigstore-python/test/assets/bundle_invalid_version.txt.sigstore",
        root: "STAGING",
        signer: ".*|.*",
        artifact: "sigstore-python/test/assets/bundle_invalid_version.txt",
        pass: false,
    },
    Fixture {
        bundle: "sigstore-python/test/assets/bundle_no_cert_v1.txt.sigstore",
        root: "STAGING",
        signer: ".*|.*",
        artifact: "sigstore-python/test/assets/bundle_no_cert_v1.txt",
        pass: false,
    },
    Fixture {
        bundle: "sigstore-python/test/assets/bundle_no_checkpoint.txt.sigstore",
        root: "STAGING",
        signer: ".*|.*",
        artifact: "sigstore-python/test/assets/bundle_no_checkpoint.txt",
        pass: false,
    },
    Fixture {
        bundle: "sigstore-python/test/assets/bundle_no_log_entry.txt.sigstore",
        root: "STAGING",
        signer: ".*|.*",
        artifact: "sigstore-python/test/assets/bundle_no_log_entry.txt",
        pass: false,
    },
    Fixture {
        bundle: "sigstore-python/test/assets/bundle_v3_no_signed_time.txt.sigstore.json",
        root: "STAGING",
        signer: ".*|.*",
        artifact: "sigstore-python/test/assets/bundle_v3_no_signed_time.txt",
        pass: false,
    },
];

#[test]
fn other_sigstore_bundle_fixtures_verify_as_their_names_say() {
    let Some(root) = corpora() else { return };
    let mut mismatches = Vec::new();
    for fixture in FIXTURES {
        let mut args = vec!["verify-bundle".to_string()];
        match fixture.root {
            "PROD" => {}
            "STAGING" => args.push("--staging".into()),
            path => args.extend(["--trusted-root".into(), path.into()]),
        }
        args.extend(["--bundle".into(), fixture.bundle.into()]);
        if let Some(key) = fixture.signer.strip_prefix("key:") {
            args.extend(["--key".into(), key.into()]);
        } else {
            let (identity, issuer) = fixture.signer.split_once('|').unwrap();
            if identity == ".*" {
                args.extend(["--certificate-identity-regexp".into(), ".*".into()]);
                args.extend(["--certificate-oidc-issuer-regexp".into(), ".*".into()]);
            } else {
                args.extend(["--certificate-identity".into(), identity.into()]);
                args.extend(["--certificate-oidc-issuer".into(), issuer.into()]);
            }
        }
        args.push(fixture.artifact.into());
        // A vanished file is a failure of the corpus, never a "must fail" case that passes.
        for file in [Some(fixture.bundle), fixture.signer.strip_prefix("key:"), Some(fixture.artifact)]
            .into_iter()
            .flatten()
            .filter(|f| !f.starts_with("sha"))
        {
            assert!(root.join(file).is_file(), "{} is missing", root.join(file).display());
        }
        let out = Vigil::in_dir(&root).args(&args).run();
        let expected = if fixture.pass { "pass" } else { "fail" };
        if let Some(wrong) = conformance_mismatch(expected, &out) {
            mismatches.push(format!("{}: {wrong}", fixture.bundle));
        }
    }
    vigil_testkit::report(format!(
        "sigstore bundle fixtures: {}/{} as expected",
        FIXTURES.len() - mismatches.len(),
        FIXTURES.len()
    ));
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

#[test]
fn staging_with_a_trusted_root_uses_the_file() {
    // The conformance protocol may pass both; the file decides.
    let dir = temp_dir();
    let root = write(dir.path(), "root.json", "{\"mediaType\": \"x\"}");
    let out = in_fixtures()
        .args(["verify-bundle", "--staging", "--bundle", "a.txt.v03.sigstore.json"])
        .args(["--certificate-identity", BEACON, "--certificate-oidc-issuer", ACTIONS])
        .args(["--trusted-root", root.to_str().unwrap(), "a.txt"])
        .run();
    out.assert_code(1);
    assert!(out.stderr.contains("root.json: mediaType is `x`"), "{}", out.stderr);
}
