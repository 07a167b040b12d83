//! `vigil scan --secrets` on an OCI layout built here (real tar layers, real digests, a
//! whiteout), and the whole admission path: `vigil attest --predicate-from scan --secrets`
//! then `vigil policy test` with `secrets: none` (needs the registry harness). The fake AWS key
//! must never be printed in full.

use std::path::Path;

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::common::{Outcome, Vigil, temp_dir, write};

/// A fake AWS access key ID (`AKIA` + 16), built at run time so no source holds it whole.
fn key() -> String {
    format!("AKIA{}", "QYLPMN5HHHFPZAM2")
}

const CARGO_LOCK: &str = "version = 3\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
const ADVISORY: &str = r#"{"id": "RUSTSEC-2099-0001", "modified": "2024-01-01T00:00:00Z",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"}],
  "affected": [{"package": {"ecosystem": "crates.io", "name": "smallvec"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.6.1"}]}]}]}"#;

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// An uncompressed ustar archive of regular files.
fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in files {
        let mut header = [0u8; 512];
        header[..name.len()].copy_from_slice(name.as_bytes());
        header[100..107].copy_from_slice(b"0000644");
        header[108..115].copy_from_slice(b"0000000");
        header[116..123].copy_from_slice(b"0000000");
        header[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        header[136..147].copy_from_slice(b"00000000000");
        header[156] = b'0';
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        header[148..156].copy_from_slice(b"        ");
        let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
        header[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// Writes an OCI image layout of `layers` (uncompressed tars) at `root`; returns the layer digests.
fn layout(root: &Path, layers: &[Vec<u8>]) -> Vec<String> {
    let blobs = root.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let d = digest(bytes);
        std::fs::write(blobs.join(&d[7..]), bytes).unwrap();
        d
    };
    let diff_ids: Vec<String> = layers.iter().map(|l| digest(l)).collect();
    let config = serde_json::to_vec(&serde_json::json!({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids}}))
    .unwrap();
    let layer_descs: Vec<Value> = layers
        .iter()
        .map(|l| serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": put(l), "size": l.len()}))
        .collect();
    let manifest = serde_json::to_vec(&serde_json::json!({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(&config), "size": config.len()},
        "layers": layer_descs}))
    .unwrap();
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": put(&manifest), "size": manifest.len(),
        "annotations": {"org.opencontainers.image.ref.name": "latest"}}]});
    std::fs::write(root.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    std::fs::write(root.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    diff_ids
}

/// A temp dir with `vuln.db` (one smallvec advisory, medium), `leaky/` (layer 0: the key in
/// `/app/.env`, deleted by layer 1's whiteout, and on line 3 of `/etc/app.ini`, kept; a
/// Cargo.lock) and `clean/` (the same without the key).
fn setup() -> (tempfile::TempDir, Vec<String>) {
    let dir = temp_dir();
    write(dir.path(), "osv/a.json", ADVISORY);
    Vigil::in_dir(dir.path()).args(["db", "import", "--db", "vuln.db", "osv"]).run().assert_code(0);
    let env = format!("AWS_ACCESS_KEY_ID={}\n", key());
    let ini = format!("[aws]\nregion = eu-west-1\naws_access_key_id = {}\n", key());
    let base = tar(&[
        ("app/.env", env.as_bytes()),
        ("etc/app.ini", ini.as_bytes()),
        ("app/Cargo.lock", CARGO_LOCK.as_bytes()),
    ]);
    let top = tar(&[("app/.wh..env", b""), ("app/README", b"nothing to see\n")]);
    let digests = layout(&dir.path().join("leaky"), &[base, top]);
    let clean = tar(&[("app/Cargo.lock", CARGO_LOCK.as_bytes()), ("etc/app.ini", b"[aws]\nregion = eu-west-1\n")]);
    layout(&dir.path().join("clean"), &[clean]);
    (dir, digests)
}

fn scan(dir: &Path, target: &str, extra: &[&str]) -> Outcome {
    Vigil::in_dir(dir).args(["scan", target, "--db", "vuln.db", "--secrets"]).args(extra).run()
}

#[track_caller]
fn assert_not_shown(out: &Outcome) {
    let key = key();
    // The first 4 characters are the redaction; anything longer is a leak.
    assert!(!out.stdout.contains(&key[..5]) && !out.stderr.contains(&key[..5]), "the key is shown\n{out}");
}

#[test]
fn scan_secrets_reports_the_layers_findings_redacted() {
    let (dir, digests) = setup();
    let out = scan(dir.path(), "oci-dir:leaky", &["--format", "json"]);
    out.assert_code(0);
    assert_not_shown(&out);
    assert!(out.stderr.contains("vigil: 2 secret(s) in the image's layers"), "{out}");
    let json = out.json();
    // The vulnerabilities are still there.
    let vulns = json["findings"].as_array().unwrap();
    assert_eq!(vulns.len(), 1, "{json}");
    assert_eq!(vulns[0]["id"], "RUSTSEC-2099-0001");
    let mut secrets = json["secrets"].as_array().unwrap().clone();
    secrets.sort_by_key(|s| s["file"].as_str().unwrap().to_string());
    let got: Vec<(&str, &str, u64, u64, &Value)> = secrets
        .iter()
        .map(|s| {
            (
                s["file"].as_str().unwrap(),
                s["rule"].as_str().unwrap(),
                s["start_line"].as_u64().unwrap(),
                s["layer"]["index"].as_u64().unwrap(),
                &s["layer"]["removed_in"],
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("/app/.env", "secret/aws-access-token", 1, 0, &Value::from(1)),
            ("/etc/app.ini", "secret/aws-access-token", 3, 0, &Value::Null),
        ]
    );
    for s in &secrets {
        assert_eq!(s["secret"], "AKIA…");
        assert_eq!(s["redacted"], true);
        assert_eq!(s["gitleaks_rule"], "aws-access-token");
        assert_eq!(s["layer"]["digest"], digests[0].as_str());
    }
    // The summary is what an attestation carries.
    let summary = &json["secrets_summary"];
    assert_eq!(summary["scanned"], true);
    assert_eq!(summary["count"], 2);
    let listed = summary["findings"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|f| f["secret"] == "AKIA…" && f["layer"] == 0), "{summary}");
    assert!(listed.iter().any(|f| f["file"] == "/app/.env" && f["removed_in"] == 1 && f["line"] == 1), "{summary}");

    // Table: a SECRETS section after the vulnerabilities, the deleted file marked.
    let table = scan(dir.path(), "oci-dir:leaky", &[]);
    table.assert_code(0);
    assert_not_shown(&table);
    let vulns_at = table.stdout.find("RUSTSEC-2099-0001").unwrap();
    let secrets_at = table.stdout.find("SECRETS (2)").unwrap();
    assert!(vulns_at < secrets_at, "{table}");
    assert!(table.stdout.contains("layer 0 /app/.env:1"), "{table}");
    assert!(table.stdout.contains("removed in layer 1"), "{table}");

    // SARIF: the secrets as a second run.
    let sarif = scan(dir.path(), "oci-dir:leaky", &["--format", "sarif"]);
    sarif.assert_code(0);
    assert_not_shown(&sarif);
    let log = sarif.json();
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{log}");
    assert_eq!(runs[0]["results"].as_array().unwrap().len(), 1);
    assert_eq!(runs[1]["results"].as_array().unwrap().len(), 2);
    assert!(runs[1]["results"].as_array().unwrap().iter().all(|r| r["ruleId"] == "secret/aws-access-token"));
    if let Some(schemas) = crate::sarif_schema::schemas() {
        crate::sarif_schema::assert_valid(&schemas, "scan-oci-secrets", &sarif.stdout);
    }
}

#[test]
fn fail_on_counts_a_secret_as_high() {
    let (dir, _) = setup();
    let code = |target: &str, level: &str| scan(dir.path(), target, &["--quiet", "--fail-on", level]).code;
    // The only vulnerability is medium: the secrets decide for high.
    assert_eq!(code("oci-dir:leaky", "high"), Some(1));
    assert_eq!(code("oci-dir:leaky", "critical"), Some(0), "a secret is high, not critical");
    assert_eq!(code("oci-dir:clean", "high"), Some(0));
    assert_eq!(code("oci-dir:clean", "medium"), Some(1), "the medium vulnerability");
    // Without --secrets the same image passes --fail-on high.
    let plain = Vigil::in_dir(dir.path())
        .args(["scan", "oci-dir:leaky", "--db", "vuln.db", "--quiet", "--fail-on", "high"])
        .run();
    assert_eq!(plain.code, Some(0), "{plain}");
    // The decision log records where the secrets are, never a secret.
    let state = dir.path().join("state");
    let logged =
        |args: &[&str]| Vigil::in_dir(dir.path()).env("XDG_STATE_HOME", state.to_str().unwrap()).args(args).run();
    logged(&["log", "key", "generate", "--name", "t"]).assert_code(0);
    let out = logged(&["scan", "oci-dir:leaky", "--db", "vuln.db", "--secrets", "--fail-on", "high", "--log"]);
    out.assert_code(1);
    let tail = logged(&["log", "tail", "--kind", "scan", "--format", "json"]);
    tail.assert_code(0);
    assert_not_shown(&tail);
    let entry: Value = serde_json::from_str(tail.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(entry["decision"]["result"], "fail", "{entry}");
    assert_eq!(entry["decision"]["secrets"], 2, "{entry}");
    let reasons: Vec<&str> =
        entry["decision"]["reasons"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert!(reasons.contains(&"secret secret/aws-access-token in /app/.env (layer 0)"), "{entry}");
    // `--quiet` keeps the summary line off standard error.
    let quiet = scan(dir.path(), "oci-dir:leaky", &["--quiet", "--format", "json"]);
    assert_eq!(quiet.stderr, "", "{quiet}");
}

#[test]
fn a_clean_image_reports_an_empty_secret_scan() {
    let (dir, _) = setup();
    let out = scan(dir.path(), "oci-dir:clean", &["--format", "json"]);
    out.assert_code(0);
    let json = out.json();
    assert_eq!(json["secrets"], serde_json::json!([]));
    assert_eq!(json["secrets_summary"], serde_json::json!({"scanned": true, "count": 0, "findings": []}));
    assert!(out.stderr.contains("vigil: 0 secret(s)"), "{out}");
    // Without --secrets there is no secrets key at all (the scan did not look).
    let plain = Vigil::in_dir(dir.path()).args(["scan", "oci-dir:clean", "--db", "vuln.db", "--format", "json"]).run();
    plain.assert_code(0);
    let plain = plain.json();
    assert!(plain.get("secrets").is_none() && plain.get("secrets_summary").is_none(), "{plain}");
}

#[test]
fn secrets_need_an_image_target() {
    let (dir, _) = setup();
    write(dir.path(), "sbom.json", r#"{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}"#);
    let out = scan(dir.path(), "sbom:sbom.json", &[]);
    out.assert_code(2);
    assert!(out.stderr.contains("an SBOM has no layers to scan for secrets"), "{out}");
    let out = scan(dir.path(), "oci-dir:leaky", &["--format", "cyclonedx"]);
    out.assert_code(2);
    assert!(out.stderr.contains("--secrets has no place in CycloneDX output"), "{out}");
    assert_eq!(out.stdout, "", "nothing half-written");
    let help = Vigil::in_dir(dir.path()).args(["scan", "--help"]).run();
    assert!(help.stdout.contains("--secrets") && help.stdout.contains("count as high severity"), "{help}");
    let help = Vigil::in_dir(dir.path()).args(["attest", "--help"]).run();
    assert!(help.stdout.contains("Vulnerability database for --predicate-from scan"), "{help}");
}

/// The admission path end to end: the leaky image attested with `--secrets` is denied by
/// `secrets: none` (naming the finding, redacted), the clean one allowed, an attestation made
/// without `--secrets` denied for not reporting a secret scan.
#[test]
fn attest_with_secrets_then_the_policy_decides() {
    let Some((registry, _)) = vigil_oci::testing::start(false) else { return };
    let (dir, _) = setup();
    let pair = vigil_sign::keys::generate_key_pair(b"pw").unwrap();
    write(dir.path(), "k.key", &pair.private_pem);
    write(dir.path(), "k.pub", &pair.public_pem);
    let push = |layout: &str, image: &str| {
        let status = std::process::Command::new("skopeo")
            .args(["copy", "-q", "--dest-tls-verify=false"])
            .arg(format!("oci:{}:latest", dir.path().join(layout).display()))
            .arg(format!("docker://{image}"))
            .status()
            .unwrap();
        assert!(status.success(), "skopeo could not push {layout}");
    };
    let vigil = |args: &[&str]| Vigil::in_dir(dir.path()).args(args).env("VIGIL_PASSWORD", "pw").run();
    let leaky = format!("{}/vigil/leaky:1", registry.addr);
    let clean = format!("{}/vigil/clean:1", registry.addr);
    let unscanned = format!("{}/vigil/unscanned:1", registry.addr);
    push("leaky", &leaky);
    push("clean", &clean);
    push("leaky", &unscanned);
    for image in [&leaky, &clean, &unscanned] {
        vigil(&["sign", image, "--key", "k.key", "--plain-http"]).assert_code(0);
    }
    let attest = |image: &str, secrets: bool| {
        let mut args =
            vec!["attest", image, "--key", "k.key", "--plain-http", "--predicate-from", "scan", "--db", "vuln.db"];
        if secrets {
            args.push("--secrets");
        }
        let out = vigil(&args);
        out.assert_code(0);
        assert_not_shown(&out);
        out
    };
    let out = attest(&leaky, true);
    assert!(out.stderr.contains("found 2 secret(s)"), "{out}");
    let out = attest(&clean, true);
    assert!(!out.stderr.contains("secret(s)"), "{out}");
    attest(&unscanned, false);
    // `--secrets` belongs to the scan predicate.
    let out = vigil(&["attest", &leaky, "--key", "k.key", "--plain-http", "--predicate-from", "sbom", "--secrets"]);
    out.assert_code(2);
    assert!(out.stderr.contains("--secrets goes with --predicate-from scan"), "{out}");

    // The attestation carries the redacted summary.
    let verified =
        vigil(&["verify-attestation", &leaky, "--key", "k.pub", "--type", "vuln", "--format", "json", "--plain-http"]);
    verified.assert_code(0);
    assert_not_shown(&verified);
    let report = verified.json();
    let secrets = &report["attestations"][0]["statement"]["predicate"]["scanner"]["result"]["secrets"];
    assert_eq!(secrets["scanned"], true, "{report}");
    assert_eq!(secrets["count"], 2);
    assert!(secrets["findings"].as_array().unwrap().iter().all(|f| f["secret"] == "AKIA…"), "{secrets}");

    let policy = format!(
        "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {{name: nosecrets}}\nspec:\n  images:\n    - match: [\"{}/vigil/**\"]\n      signatures: [{{key: {{path: k.pub}}}}]\n      attestations:\n        - type: vuln\n          secrets: none\n",
        registry.addr
    );
    write(dir.path(), "policy.yaml", policy);
    let decide = |image: &str| {
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: web, namespace: shop}}\nspec:\n  containers:\n  - name: app\n    image: {image}\n"
        );
        write(dir.path(), "pod.yaml", pod);
        let out = vigil(&["policy", "test", "--policy", "policy.yaml", "--plain-http", "--format", "json", "pod.yaml"]);
        assert_not_shown(&out);
        out.json()["decisions"][0].clone()
    };
    let allowed = decide(&clean);
    assert_eq!(allowed["allowed"], true, "{allowed}");
    let denied = decide(&leaky);
    assert_eq!(denied["allowed"], false, "{denied}");
    assert_eq!(denied["denials"][0]["check"], "secrets");
    let message = denied["denials"][0]["message"].as_str().unwrap();
    assert!(message.contains("holds 2 secrets in its layers"), "{message}");
    assert!(message.contains("secret/aws-access-token in /app/.env (layer 0)"), "{message}");
    assert!(message.contains("secret/aws-access-token in /etc/app.ini (layer 0)"), "{message}");
    let missing = decide(&unscanned);
    assert_eq!(missing["allowed"], false, "{missing}");
    assert!(missing["denials"][0]["message"].as_str().unwrap().contains("reports no secret scan"), "{missing}");
}
