//! `vigil sign` / `vigil verify` against the real registry harness: exit codes, the JSON
//! contract and the error reasons.

use crate::common::{Vigil, temp_dir};

#[test]
fn sign_then_verify_through_the_cli() {
    let Some((registry, _)) = vigil_oci::testing::start(false) else { return };
    let dir = temp_dir();
    for name in ["k", "other"] {
        let pair = vigil_sign::keys::generate_key_pair(b"pw").unwrap();
        std::fs::write(dir.path().join(format!("{name}.key")), &pair.private_pem).unwrap();
        std::fs::write(dir.path().join(format!("{name}.pub")), &pair.public_pem).unwrap();
    }
    let image = format!("{}/vigil/debian:1.0", registry.addr);

    // Unsigned: nothing verifies.
    let out = Vigil::in_dir(dir.path()).args(["verify", &image, "--key", "k.pub", "--plain-http"]).run();
    out.assert_code(1);
    assert!(out.stderr.contains("no signatures found"), "{}", out.stderr);

    let out = Vigil::in_dir(dir.path())
        .args(["sign", &image, "--key", "k.key", "-a", "build=42", "--plain-http"])
        .env("VIGIL_PASSWORD", "pw")
        .run();
    out.assert_code(0);

    let out =
        Vigil::in_dir(dir.path()).args(["verify", &image, "--key", "k.pub", "--format", "json", "--plain-http"]).run();
    out.assert_code(0);
    let report = out.json();
    assert_eq!(report["version"], 1);
    assert_eq!(report["image"], image.as_str());
    let digest = report["digest"].as_str().unwrap();
    assert!(digest.starts_with("sha256:"));
    let signature = &report["signatures"][0];
    assert_eq!(signature["payload"]["critical"]["image"]["docker-manifest-digest"], digest);
    assert_eq!(signature["payload"]["optional"]["build"], "42");
    assert!(signature["annotations"]["dev.cosignproject.cosign/signature"].is_string());

    let out = Vigil::in_dir(dir.path()).args(["verify", &image, "--key", "other.pub", "--plain-http"]).run();
    out.assert_code(1);
    assert!(out.stderr.contains("does not verify with the given key"), "{}", out.stderr);

    // Usage and runtime errors exit 2.
    let out = Vigil::in_dir(dir.path())
        .args(["sign", &image, "--key", "k.key", "-a", "novalue", "--plain-http"])
        .env("VIGIL_PASSWORD", "pw")
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("`novalue` is not `key=value`"), "{}", out.stderr);
    let out = Vigil::in_dir(dir.path()).args(["verify", &image, "--key", "missing.pub", "--plain-http"]).run();
    out.assert_code(2);
    let out = Vigil::in_dir(dir.path())
        .args(["sign", &image, "--key", "k.key", "--plain-http"])
        .env("VIGIL_PASSWORD", "wrong")
        .run();
    out.assert_code(2);
}

#[test]
fn attest_then_verify_attestation_through_the_cli() {
    let Some((registry, _)) = vigil_oci::testing::start(false) else { return };
    let dir = temp_dir();
    let pair = vigil_sign::keys::generate_key_pair(b"pw").unwrap();
    std::fs::write(dir.path().join("k.key"), &pair.private_pem).unwrap();
    std::fs::write(dir.path().join("k.pub"), &pair.public_pem).unwrap();
    std::fs::write(dir.path().join("prov.json"), br#"{"buildDefinition":{"buildType":"https://example.com/b"}}"#)
        .unwrap();
    std::fs::write(dir.path().join("bad.json"), b"{not json").unwrap();
    let image = format!("{}/vigil/debian:1.0", registry.addr);

    let out = Vigil::in_dir(dir.path()).args(["verify-attestation", &image, "--key", "k.pub", "--plain-http"]).run();
    out.assert_code(1);
    assert!(out.stderr.contains("no attestations found"), "{}", out.stderr);

    let attest = |args: &[&str]| {
        let mut all = vec!["attest", image.as_str(), "--key", "k.key", "--plain-http"];
        all.extend_from_slice(args);
        Vigil::in_dir(dir.path()).args(all).env("VIGIL_PASSWORD", "pw").run()
    };
    attest(&["--predicate", "prov.json", "--type", "slsaprovenance1"]).assert_code(0);
    // vigil's own SBOM of the image as a CycloneDX predicate.
    attest(&["--predicate-from", "sbom"]).assert_code(0);

    let out = Vigil::in_dir(dir.path())
        .args([
            "verify-attestation",
            &image,
            "--key",
            "k.pub",
            "--type",
            "cyclonedx",
            "--format",
            "json",
            "--plain-http",
        ])
        .run();
    out.assert_code(0);
    let report = out.json();
    let [attestation] = report["attestations"].as_array().unwrap().as_slice() else {
        panic!("one cyclonedx attestation")
    };
    assert_eq!(attestation["predicate_type"], "https://cyclonedx.org/bom");
    let statement = &attestation["statement"];
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        statement["subject"][0]["digest"]["sha256"],
        report["digest"].as_str().unwrap().trim_start_matches("sha256:")
    );
    assert_eq!(statement["predicate"]["bomFormat"], "CycloneDX");
    assert!(!statement["predicate"]["components"].as_array().unwrap().is_empty());

    let out = Vigil::in_dir(dir.path())
        .args(["verify-attestation", &image, "--key", "k.pub", "--type", "slsaprovenance1", "--plain-http"])
        .run();
    out.assert_code(0);
    assert!(out.stdout.contains("https://example.com/b"), "{}", out.stdout);
    let out = Vigil::in_dir(dir.path())
        .args(["verify-attestation", &image, "--key", "k.pub", "--type", "spdxjson", "--plain-http"])
        .run();
    out.assert_code(1);
    assert!(out.stderr.contains("predicate type is"), "{}", out.stderr);

    // Usage and input errors exit 2.
    let out = attest(&["--predicate", "bad.json"]);
    out.assert_code(2);
    assert!(out.stderr.contains("bad.json: predicate is not JSON"), "{}", out.stderr);
    attest(&[]).assert_code(2);
}

#[test]
fn attest_scan_predicate_carries_the_findings() {
    let Some((registry, _)) = vigil_oci::testing::start(false) else { return };
    let dir = temp_dir();
    let pair = vigil_sign::keys::generate_key_pair(b"pw").unwrap();
    std::fs::write(dir.path().join("k.key"), &pair.private_pem).unwrap();
    std::fs::write(dir.path().join("k.pub"), &pair.public_pem).unwrap();
    std::fs::create_dir(dir.path().join("osv")).unwrap();
    std::fs::write(
        dir.path().join("osv/zlib.json"),
        r#"{"id": "DSA-9999-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"},
           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:9.9.9"}]}]}]}"#,
    )
    .unwrap();
    Vigil::in_dir(dir.path()).args(["db", "import", "--db", "vuln.db", "osv"]).run().assert_code(0);
    let image = format!("{}/vigil/debian:1.0", registry.addr);
    Vigil::in_dir(dir.path())
        .args(["attest", &image, "--key", "k.key", "--plain-http", "--predicate-from", "scan", "--db", "vuln.db"])
        .env("VIGIL_PASSWORD", "pw")
        .run()
        .assert_code(0);
    let out = Vigil::in_dir(dir.path())
        .args(["verify-attestation", &image, "--key", "k.pub", "--type", "vuln", "--format", "json", "--plain-http"])
        .run();
    out.assert_code(0);
    let report = out.json();
    let statement = &report["attestations"][0]["statement"];
    assert_eq!(statement["predicateType"], "https://cosign.sigstore.dev/attestation/vuln/v1");
    let findings = statement["predicate"]["scanner"]["result"]["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["id"] == "DSA-9999-1"), "{findings:?}");
    assert!(statement["predicate"]["metadata"]["scanFinishedOn"].is_string());
}

/// Keyless through the CLI: real cosign signs and attests with the local Sigstore mock, `vigil
/// verify` / `verify-attestation` check identity, issuer and the mock's trusted root.
#[test]
fn keyless_verify_through_the_cli() {
    let Some(cosign) = vigil_testkit::cosign() else { return };
    let Some(mock) = vigil_testkit::sigstore_mock() else { return };
    let Some((registry, _)) = vigil_oci::testing::start(false) else { return };
    let dir = temp_dir();
    let image = format!("{}/vigil/debian:1.0", registry.addr);
    let token = std::fs::read_to_string(mock.join("fake-oidc.jwt")).unwrap();
    std::fs::write(dir.path().join("predicate.json"), r#"{"cli":"keyless"}"#).unwrap();
    for args in [&["sign"][..], &["attest", "--type", "custom", "--predicate", "predicate.json"][..]] {
        let output = std::process::Command::new(&cosign)
            .args(args)
            .args(["--fulcio-url", "http://127.0.0.1:8555", "--rekor-url", "http://127.0.0.1:8555"])
            .args([
                "--identity-token",
                token.trim(),
                "--allow-insecure-registry",
                "--allow-http-registry",
                "-y",
                &image,
            ])
            .current_dir(dir.path())
            .env("HOME", dir.path())
            .env("SIGSTORE_ROOT_FILE", mock.join("fulcio-root.pem"))
            .env("SIGSTORE_CT_LOG_PUBLIC_KEY_FILE", mock.join("ctlog.pub"))
            .env("SIGSTORE_REKOR_PUBLIC_KEY", mock.join("rekor.pub"))
            .output()
            .unwrap();
        assert!(output.status.success(), "cosign {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let root = mock.join("trusted_root.json");
    let root = root.to_str().unwrap();
    let keyless =
        ["--certificate-identity", "dev@example.com", "--certificate-oidc-issuer", "https://fake.oidcissuer.com"];

    let out = Vigil::in_dir(dir.path())
        .args(["verify", &image, "--plain-http", "--trusted-root", root, "--format", "json"])
        .args(keyless)
        .run();
    out.assert_code(0);
    let report = out.json();
    assert_eq!(report["signatures"][0]["certificate"]["identity"], "dev@example.com");
    assert_eq!(report["signatures"][0]["certificate"]["issuer"], "https://fake.oidcissuer.com");

    // The mock logs the attestation as a request-form `dsse` entry: verified with the opt-in,
    // refused without it.
    let attestation = ["verify-attestation", &image, "--plain-http", "--trusted-root", root, "--type", "custom"];
    let out = Vigil::in_dir(dir.path())
        .args(attestation)
        .args(["--allow-request-form-rekor", "--certificate-identity-regexp", "^dev@"])
        .args(["--certificate-oidc-issuer-regexp", "fake"])
        .run();
    out.assert_code(0);
    assert!(out.stdout.contains("keyless"), "{}", out.stdout);
    let out = Vigil::in_dir(dir.path()).args(attestation).args(keyless).run();
    out.assert_code(1);
    assert!(out.stderr.contains("--allow-request-form-rekor"), "{}", out.stderr);

    let out = Vigil::in_dir(dir.path())
        .args(["verify", &image, "--plain-http", "--trusted-root", root])
        .args([
            "--certificate-identity",
            "mallory@example.com",
            "--certificate-oidc-issuer",
            "https://fake.oidcissuer.com",
        ])
        .run();
    out.assert_code(1);
    assert!(out.stderr.contains("does not match `mallory@example.com`"), "{}", out.stderr);

    // The embedded production root does not trust the mock's Fulcio.
    let out = Vigil::in_dir(dir.path()).args(["verify", &image, "--plain-http"]).args(keyless).run();
    out.assert_code(1);

    // Usage errors: a key and keyless flags together, neither, an identity without an issuer.
    let out = Vigil::in_dir(dir.path()).args(["verify", &image, "--key", "k.pub"]).args(keyless).run();
    out.assert_code(2);
    let out = Vigil::in_dir(dir.path()).args(["verify", &image]).run();
    out.assert_code(2);
    let out = Vigil::in_dir(dir.path()).args(["verify", &image, "--certificate-identity", "dev@example.com"]).run();
    out.assert_code(2);
    assert!(out.stderr.contains("--certificate-oidc-issuer"), "{}", out.stderr);
}

/// `cosign sign-blob --bundle` (cosign's own bundle) and `--new-bundle-format` (Sigstore bundle
/// v0.3), keyless against the Sigstore mock and with a key, verified by `vigil verify-bundle`.
#[test]
fn cosign_blob_bundles_verify() {
    let Some(cosign) = vigil_testkit::cosign() else { return };
    let Some(mock) = vigil_testkit::sigstore_mock() else { return };
    let dir = temp_dir();
    std::fs::write(dir.path().join("blob.txt"), "hello vigil\n").unwrap();
    std::fs::write(dir.path().join("other.txt"), "something else\n").unwrap();
    std::fs::copy(mock.join("trusted_root.json"), dir.path().join("root.json")).unwrap();
    let token = std::fs::read_to_string(mock.join("fake-oidc.jwt")).unwrap();
    let run = |args: &[&str]| {
        let output = std::process::Command::new(&cosign)
            .args(args)
            .current_dir(dir.path())
            .env("HOME", dir.path())
            .env("COSIGN_PASSWORD", "pw")
            .env("COSIGN_YES", "true")
            .env("SIGSTORE_ROOT_FILE", mock.join("fulcio-root.pem"))
            .env("SIGSTORE_CT_LOG_PUBLIC_KEY_FILE", mock.join("ctlog.pub"))
            .env("SIGSTORE_REKOR_PUBLIC_KEY", mock.join("rekor.pub"))
            .output()
            .unwrap();
        assert!(output.status.success(), "cosign {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    };
    let url = "http://127.0.0.1:8555";
    run(&[
        "sign-blob",
        "--fulcio-url",
        url,
        "--rekor-url",
        url,
        "--identity-token",
        token.trim(),
        "--bundle",
        "legacy.json",
        "blob.txt",
    ]);
    run(&[
        "sign-blob",
        "--fulcio-url",
        url,
        "--rekor-url",
        url,
        "--identity-token",
        token.trim(),
        "--new-bundle-format",
        "--bundle",
        "v03.json",
        "blob.txt",
    ]);
    std::fs::write(dir.path().join("predicate.json"), r#"{"built":"by test"}"#).unwrap();
    run(&[
        "attest-blob",
        "--fulcio-url",
        url,
        "--rekor-url",
        url,
        "--identity-token",
        token.trim(),
        "--new-bundle-format",
        "--type",
        "custom",
        "--predicate",
        "predicate.json",
        "--bundle",
        "attestation.json",
        "blob.txt",
    ]);
    run(&["generate-key-pair"]);
    run(&["sign-blob", "--key", "cosign.key", "--rekor-url", url, "--bundle", "key.json", "blob.txt"]);
    run(&["sign-blob", "--key", "cosign.key", "--tlog-upload=false", "--bundle", "key-notlog.json", "blob.txt"]);

    let keyless =
        ["--certificate-identity", "dev@example.com", "--certificate-oidc-issuer", "https://fake.oidcissuer.com"];
    // The mock logs `attest-blob` as a request-form `dsse` entry: refused without the opt-in.
    let out = Vigil::in_dir(dir.path())
        .args(["verify-bundle", "--trusted-root", "root.json", "--bundle", "attestation.json"])
        .args(keyless)
        .args(["blob.txt"])
        .run();
    out.assert_code(1);
    assert!(out.stderr.contains("request form") && out.stderr.contains("--allow-request-form-rekor"), "{}", out.stderr);
    // The opt-in needs a trusted-root file (the public-good roots never carry such entries).
    Vigil::in_dir(dir.path())
        .args(["verify-bundle", "--allow-request-form-rekor", "--bundle", "attestation.json"])
        .args(keyless)
        .args(["blob.txt"])
        .run()
        .assert_code(2);
    for bundle in ["legacy.json", "v03.json", "attestation.json"] {
        let out = Vigil::in_dir(dir.path())
            .args(["verify-bundle", "--trusted-root", "root.json", "--allow-request-form-rekor", "--bundle", bundle])
            .args(keyless)
            .args(["blob.txt"])
            .run();
        out.assert_code(0);
        assert!(out.stdout.contains("signed by dev@example.com"), "{bundle}: {}", out.stdout);
        // Another file, or another identity, does not verify.
        let out = Vigil::in_dir(dir.path())
            .args(["verify-bundle", "--trusted-root", "root.json", "--allow-request-form-rekor", "--bundle", bundle])
            .args(keyless)
            .args(["other.txt"])
            .run();
        out.assert_code(1);
        let out = Vigil::in_dir(dir.path())
            .args(["verify-bundle", "--trusted-root", "root.json", "--allow-request-form-rekor", "--bundle", bundle])
            .args([
                "--certificate-identity",
                "mallory@example.com",
                "--certificate-oidc-issuer",
                "https://fake.oidcissuer.com",
                "blob.txt",
            ])
            .run();
        out.assert_code(1);
        assert!(out.stderr.contains("does not match `mallory@example.com`"), "{bundle}: {}", out.stderr);
    }
    for bundle in ["key.json", "key-notlog.json"] {
        let out = Vigil::in_dir(dir.path())
            .args([
                "verify-bundle",
                "--trusted-root",
                "root.json",
                "--bundle",
                bundle,
                "--key",
                "cosign.pub",
                "blob.txt",
            ])
            .run();
        out.assert_code(0);
        let out = Vigil::in_dir(dir.path())
            .args([
                "verify-bundle",
                "--trusted-root",
                "root.json",
                "--bundle",
                bundle,
                "--key",
                "cosign.pub",
                "other.txt",
            ])
            .run();
        out.assert_code(1);
    }
    // A key bundle without a log entry cannot vouch for a keyless identity.
    let out = Vigil::in_dir(dir.path())
        .args(["verify-bundle", "--trusted-root", "root.json", "--bundle", "key-notlog.json"])
        .args(keyless)
        .args(["blob.txt"])
        .run();
    out.assert_code(1);
}
