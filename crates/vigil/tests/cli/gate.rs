//! The gate end to end: `vigil policy test` and a running `vigil serve` (real HTTPS, real
//! AdmissionReview JSON sent with curl) decide the same objects against images in a real
//! registry, signed and attested by vigil (cosign's format). Needs the registry harness.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vigil_core::reference::ImageReference;
use vigil_oci::testing::{Registry, start};
use vigil_oci::{RegistryClient, RegistryOptions};
use vigil_sign::keys::{SigningKey, generate_key_pair, load_private_key};

use crate::common::{Vigil, temp_dir};
use crate::served::Served;

struct Gate {
    registry: Option<Registry>,
    addr: String,
    client: RegistryClient,
    key: SigningKey,
    dir: tempfile::TempDir,
}

impl Gate {
    fn start() -> Option<Self> {
        vigil_testkit::require_tool("curl")?;
        let (registry, _) = start(false)?;
        let dir = temp_dir();
        let pair = generate_key_pair(b"pw").unwrap();
        std::fs::create_dir_all(dir.path().join("keys")).unwrap();
        std::fs::write(dir.path().join("keys/team.pub"), &pair.public_pem).unwrap();
        let other = generate_key_pair(b"pw").unwrap();
        std::fs::write(dir.path().join("keys/other.pub"), &other.public_pem).unwrap();
        let key = load_private_key(pair.private_pem.as_bytes(), b"pw").unwrap();
        let client = RegistryClient::new(&RegistryOptions { plain_http: true, ..RegistryOptions::default() }).unwrap();
        let addr = registry.addr.clone();
        Some(Gate { registry: Some(registry), addr, client, key, dir })
    }

    /// Pushes a variant of the test image (a distinct digest) as `vigil/debian:TAG`.
    fn image(&self, tag: &str) -> String {
        let base = ImageReference::parse(&format!("{}/vigil/debian:1.0", self.addr)).unwrap();
        let original = self.client.resolve(&base).unwrap();
        let mut manifest: Value = serde_json::from_slice(&original.bytes).unwrap();
        manifest["annotations"] = json!({"org.example.variant": tag});
        let target = ImageReference::parse(&format!("{}/vigil/debian:{tag}", self.addr)).unwrap();
        self.client.push_manifest(&target, &serde_json::to_vec(&manifest).unwrap(), &original.media_type).unwrap();
        target.to_string()
    }

    fn sign(&self, image: &str) {
        let image = ImageReference::parse(image).unwrap();
        vigil_sign::cosign::sign(&self.client, &image, &self.key, &Default::default()).unwrap();
    }

    fn attest(&self, image: &str, kind: &str, predicate: Value) {
        let image = ImageReference::parse(image).unwrap();
        vigil_sign::attest::attest(&self.client, &image, &self.key, kind, &predicate).unwrap();
    }

    fn policy(&self, file: &str, body: &str) -> PathBuf {
        let path = self.dir.path().join(file);
        std::fs::write(&path, body.replace("REG", &self.addr)).unwrap();
        path
    }

    fn write(&self, file: &str, value: &Value) -> PathBuf {
        let path = self.dir.path().join(file);
        std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
        path
    }

    fn policy_test(&self, policy: &str, object: &str, extra: &[&str]) -> crate::common::Outcome {
        Vigil::in_dir(self.dir.path())
            .args(["policy", "test", "--policy", policy, "--plain-http", "--format", "json"])
            .args(extra)
            .args([object])
            .run()
    }
}

const POLICY: &str = r#"apiVersion: vigil.dev/v1alpha1
kind: Policy
metadata: {name: production}
spec:
  mode: enforce
  namespaces: {include: ["*"], exclude: [kube-system]}
  registries: {allow: ["REG/**"]}
  podSecurity: {level: baseline, version: latest}
  images:
    - match: ["REG/vigil/**"]
      mutateToDigest: true
      signatures:
        - key: {path: keys/team.pub}
"#;

fn deployment(name: &str, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "apps"},
        "spec": {"selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}},
        "spec": {"containers": [{"name": "app", "image": image}]}}}})
}

fn review(uid: &str, object: &Value, dry_run: bool) -> Value {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": uid, "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
        "namespace": object["metadata"]["namespace"], "name": object["metadata"]["name"],
        "operation": "CREATE", "userInfo": {"username": "test"}, "object": object, "dryRun": dry_run}})
}

/// A running `vigil serve`; killed when dropped.
type Server = Served;

fn start_server(gate: &Gate, policies: &[&Path], extra: &[&str]) -> Server {
    let certs = gate.dir.path().join("certs");
    if !certs.join("tls.crt").is_file() {
        Vigil::in_dir(gate.dir.path())
            .args(["webhook", "certs", "--out", "certs", "--extra-name", "127.0.0.1", "--extra-name", "localhost"])
            .run()
            .assert_code(0);
    }
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("vigil"));
    cmd.current_dir(gate.dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert", "certs/tls.crt", "--tls-key", "certs/tls.key"])
        .args(["--plain-http", "--reload-interval", "0.2", "--timeout", "5"])
        .args(extra);
    for policy in policies {
        cmd.arg("--policy").arg(policy);
    }
    Served::spawn(cmd, certs.join("ca.crt"), Duration::from_secs(20))
}

fn patch_of(response: &Value) -> Value {
    use base64::Engine as _;
    let patch = response["patch"].as_str().unwrap_or_default();
    serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(patch).unwrap_or_default())
        .unwrap_or(Value::Null)
}

#[test]
fn policy_test_and_serve_decide_alike() {
    let Some(gate) = Gate::start() else { return };
    let signed = gate.image("signed");
    gate.sign(&signed);
    let unsigned = gate.image("unsigned");
    let policy = gate.policy("policy.yaml", POLICY);
    let objects = [
        ("signed", deployment("signed", &signed)),
        ("unsigned", deployment("unsigned", &unsigned)),
        ("elsewhere", deployment("elsewhere", "docker.io/library/nginx:1.27")),
        ("privileged", {
            let mut d = deployment("privileged", &signed);
            d["spec"]["template"]["spec"]["containers"][0]["securityContext"] = json!({"privileged": true});
            d
        }),
    ];

    // vigil policy test, per object and all together.
    let mut cli = std::collections::BTreeMap::new();
    for (name, object) in &objects {
        let file = gate.write(&format!("{name}.json"), object);
        let out = gate.policy_test("policy.yaml", file.to_str().unwrap(), &[]);
        let report = out.json();
        let decision = report["decisions"][0].clone();
        out.assert_code(if decision["allowed"] == true { 0 } else { 1 });
        cli.insert(*name, decision);
    }
    assert_eq!(cli["signed"]["allowed"], true);
    assert_eq!(cli["signed"]["patches"][0]["path"], "/spec/template/spec/containers/0/image");
    let digest = gate.client.resolve(&ImageReference::parse(&signed).unwrap()).unwrap().digest;
    assert_eq!(cli["signed"]["patches"][0]["value"], format!("{signed}@{digest}"));
    assert_eq!(cli["unsigned"]["allowed"], false);
    let reason = cli["unsigned"]["denials"][0]["message"].as_str().unwrap();
    assert!(
        reason.contains("is not signed by one of the listed authorities") && reason.contains("no signatures found"),
        "{reason}"
    );
    assert_eq!(cli["elsewhere"]["denials"][0]["check"], "registries");
    assert_eq!(cli["privileged"]["denials"][0]["check"], "podSecurity");
    assert!(
        cli["privileged"]["denials"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("violates PodSecurity \"baseline:latest\": privileged"),
        "{}",
        cli["privileged"]
    );

    // The webhook, over HTTPS: the same verdicts and reasons.
    let server = start_server(&gate, &[&policy], &[]);
    for (name, object) in &objects {
        let response = server.review("/validate", &review(name, object, false));
        assert_eq!(response["allowed"], cli[name]["allowed"], "{name}: {response}");
        if cli[name]["allowed"] == false {
            let message = response["status"]["message"].as_str().unwrap();
            for denial in cli[name]["denials"].as_array().unwrap() {
                assert!(message.contains(denial["message"].as_str().unwrap()), "{name}: {message}");
            }
            assert_eq!(response["status"]["code"], 403);
        }
    }
    let validated = server.review("/validate", &review("signed-2", &objects[0].1, false));
    assert!(
        validated["auditAnnotations"]["verified.app"].as_str().unwrap().contains("signed by key keys/team.pub"),
        "{validated}"
    );
    let mutated = server.review("/mutate", &review("signed-3", &objects[0].1, false));
    assert_eq!(mutated["patchType"], "JSONPatch");
    assert_eq!(
        patch_of(&mutated),
        json!([{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": format!("{signed}@{digest}")}])
    );
    // Unsigned images are not pinned; the mutating webhook never denies.
    let mutated = server.review("/mutate", &review("unsigned-2", &objects[1].1, false));
    assert_eq!(mutated["allowed"], true);
    assert!(mutated.get("patch").is_none(), "{mutated}");
    // Dry-run requests are decided the same way.
    let dry = server.review("/validate", &review("dry", &objects[1].1, true));
    assert_eq!(dry["allowed"], false);

    // Malformed input: HTTP 400 with a reason, and the server keeps serving.
    let (code, body) = server.call("POST", "/validate", Some(b"this is not json"));
    assert_eq!(code, 400);
    assert!(body.contains("not an AdmissionReview"), "{body}");
    let (code, body) =
        server.call("POST", "/validate", Some(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#));
    assert_eq!(code, 400);
    assert!(body.contains("no `request`"), "{body}");
    let (code, _) = server.call("GET", "/validate", None);
    assert_eq!(code, 405);
    assert_eq!(server.call("GET", "/healthz", None).0, 200);
    assert_eq!(server.call("GET", "/readyz", None).0, 200);

    // Metrics count the requests, the decisions and the cache.
    let (code, metrics) = server.call("GET", "/metrics", None);
    assert_eq!(code, 200);
    assert!(metrics.contains("vigil_admission_decisions_total{result=\"denied\"} 4"), "{metrics}");
    assert!(metrics.contains("vigil_admission_bad_requests_total 2"), "{metrics}");
    assert!(metrics.contains("vigil_admission_duration_seconds_count"), "{metrics}");
    let hits: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("vigil_verification_cache_total{result=\"hit\"} "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(hits > 0, "{metrics}");
    assert!(server.log_contains("\"msg\":\"decision\""));
}

#[test]
fn attestations_vulnerability_limits_and_modes() {
    let Some(gate) = Gate::start() else { return };
    let clean = gate.image("clean");
    gate.sign(&clean);
    gate.attest(&clean, "cyclonedx", json!({"bomFormat": "CycloneDX", "specVersion": "1.6"}));
    gate.attest(&clean, "vuln", json!({"scanner": {"result": {"findings": [{"id": "CVE-2024-1", "package": {"name": "zlib"}, "severity": "medium"}]}}}));
    let vulnerable = gate.image("vulnerable");
    gate.sign(&vulnerable);
    gate.attest(&vulnerable, "cyclonedx", json!({"bomFormat": "CycloneDX"}));
    gate.attest(&vulnerable, "vuln", json!({"scanner": {"result": {"findings": [{"id": "CVE-2024-9", "package": {"name": "openssl"}, "severity": "critical"}]}}}));
    let no_sbom = gate.image("nosbom");
    gate.sign(&no_sbom);
    gate.policy(
        "attest.yaml",
        r#"apiVersion: vigil.dev/v1alpha1
kind: Policy
metadata: {name: attested}
spec:
  images:
    - match: ["REG/vigil/**"]
      signatures: [{key: {path: keys/team.pub}}]
      attestations:
        - type: https://cyclonedx.org/bom
        - type: https://in-toto.io/attestation/vulns   # satisfied by cosign's vuln predicate too
          maxSeverity: high
"#,
    );
    let decide = |image: &str, policy: &str| {
        let file = gate.write("object.json", &deployment("x", image));
        gate.policy_test(policy, file.to_str().unwrap(), &[]).json()["decisions"][0].clone()
    };
    assert_eq!(decide(&clean, "attest.yaml")["allowed"], true);
    let vulnerable_decision = decide(&vulnerable, "attest.yaml");
    assert_eq!(vulnerable_decision["allowed"], false);
    assert_eq!(vulnerable_decision["denials"][0]["check"], "vulnerabilities");
    assert!(vulnerable_decision["denials"][0]["message"].as_str().unwrap().contains("CVE-2024-9 (openssl, critical)"));
    let missing = decide(&no_sbom, "attest.yaml");
    assert_eq!(missing["denials"][0]["check"], "attestations");
    assert!(
        missing["denials"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no verified `https://cyclonedx.org/bom` attestation")
    );

    // A wrong key is a denial with the reason.
    gate.policy("wrongkey.yaml", &POLICY.replace("production", "wrongkey").replace("team.pub", "other.pub"));
    let wrong = decide(&clean, "wrongkey.yaml");
    assert!(wrong["denials"][0]["message"].as_str().unwrap().contains("does not verify with the given key"), "{wrong}");

    // warn and audit modes allow and report.
    gate.policy("warn.yaml", &POLICY.replace("mode: enforce", "mode: warn").replace("production", "warned"));
    gate.policy("audit.yaml", &POLICY.replace("mode: enforce", "mode: audit").replace("production", "audited"));
    let unsigned = gate.image("unsigned");
    let file = gate.write("unsigned.json", &deployment("unsigned", &unsigned));
    let out = gate.policy_test("warn.yaml", file.to_str().unwrap(), &[]);
    out.assert_code(0);
    assert_eq!(out.json()["decisions"][0]["warnings"][0]["check"], "signatures");
    let out = gate.policy_test("audit.yaml", file.to_str().unwrap(), &[]);
    out.assert_code(0);
    assert_eq!(out.json()["decisions"][0]["audits"][0]["check"], "signatures");

    let warn = gate.dir.path().join("warn.yaml");
    let audit = gate.dir.path().join("audit.yaml");
    let server = start_server(&gate, &[&warn, &audit], &[]);
    let response = server.review("/validate", &review("w", &deployment("unsigned", &unsigned), false));
    assert_eq!(response["allowed"], true);
    assert!(response["warnings"][0].as_str().unwrap().contains("policy warned (signatures)"), "{response}");
    assert!(response["auditAnnotations"]["policy.audited"].as_str().unwrap().contains("not signed"), "{response}");
}

#[test]
fn secrets_none_needs_a_scan_attestation_without_secrets() {
    let Some(gate) = Gate::start() else { return };
    let scanned = |findings: Value| {
        let count = findings.as_array().map_or(0, Vec::len);
        json!({"scanner": {"result": {"version": 1, "findings": [],
            "secrets": {"scanned": true, "count": count, "findings": findings}}}})
    };
    let clean = gate.image("sclean");
    gate.sign(&clean);
    gate.attest(&clean, "vuln", scanned(json!([])));
    let leaky = gate.image("sleaky");
    gate.sign(&leaky);
    gate.attest(
        &leaky,
        "vuln",
        scanned(
            json!([{"rule": "secret/aws-access-token", "file": "/app/.env", "line": 1, "layer": 0, "secret": "AKIA…"}]),
        ),
    );
    let unscanned = gate.image("sunscanned");
    gate.sign(&unscanned);
    gate.attest(&unscanned, "vuln", json!({"scanner": {"result": {"version": 1, "findings": []}}}));
    gate.policy(
        "nosecrets.yaml",
        r#"apiVersion: vigil.dev/v1alpha1
kind: Policy
metadata: {name: nosecrets}
spec:
  images:
    - match: ["REG/vigil/**"]
      signatures: [{key: {path: keys/team.pub}}]
      attestations:
        - type: vuln
          secrets: none
"#,
    );
    let decide = |image: &str| {
        let file = gate.write("object.json", &deployment("x", image));
        gate.policy_test("nosecrets.yaml", file.to_str().unwrap(), &[]).json()["decisions"][0].clone()
    };
    assert_eq!(decide(&clean)["allowed"], true, "{}", decide(&clean));
    let denied = decide(&leaky);
    assert_eq!(denied["allowed"], false, "{denied}");
    assert_eq!(denied["denials"][0]["check"], "secrets");
    assert!(
        denied["denials"][0]["message"].as_str().unwrap().contains("secret/aws-access-token in /app/.env (layer 0)"),
        "{denied}"
    );
    let missing = decide(&unscanned);
    assert_eq!(missing["denials"][0]["check"], "secrets");
    assert!(missing["denials"][0]["message"].as_str().unwrap().contains("reports no secret scan"), "{missing}");
    // The webhook decides the same.
    let policy = gate.dir.path().join("nosecrets.yaml");
    let server = start_server(&gate, &[&policy], &[]);
    let response = server.review("/validate", &review("s", &deployment("x", &leaky), false));
    assert_eq!(response["allowed"], false, "{response}");
}

#[test]
fn registry_down_follows_the_failure_mode_and_the_cache_answers() {
    let Some(mut gate) = Gate::start() else { return };
    let signed = gate.image("signed");
    gate.sign(&signed);
    let other = gate.image("other");
    gate.sign(&other);
    let policy = gate.policy("policy.yaml", POLICY);
    let closed = start_server(&gate, &[&policy], &["--failure-mode", "closed"]);
    let open = start_server(&gate, &[&policy], &["--failure-mode", "open"]);
    // Warm the caches with `signed` only.
    assert_eq!(closed.review("/validate", &review("a", &deployment("s", &signed), false))["allowed"], true);
    assert_eq!(open.review("/validate", &review("b", &deployment("s", &signed), false))["allowed"], true);

    drop(gate.registry.take());

    // A cached verification needs no registry.
    assert_eq!(closed.review("/validate", &review("c", &deployment("s", &signed), false))["allowed"], true);
    // An uncached one cannot be decided: closed denies, open allows with a warning.
    let denied = closed.review("/validate", &review("d", &deployment("o", &other), false));
    assert_eq!(denied["allowed"], false);
    assert!(denied["status"]["message"].as_str().unwrap().contains("could not be verified"), "{denied}");
    let allowed = open.review("/validate", &review("e", &deployment("o", &other), false));
    assert_eq!(allowed["allowed"], true);
    assert!(allowed["warnings"][0].as_str().unwrap().contains("failure mode open"), "{allowed}");
    let (_, metrics) = closed.call("GET", "/metrics", None);
    assert!(metrics.contains("vigil_admission_decisions_total{result=\"failed_closed\"} 1"), "{metrics}");
}

#[test]
fn policies_reload_and_a_broken_file_keeps_the_old_ones() {
    let Some(gate) = Gate::start() else { return };
    let unsigned = gate.image("unsigned");
    let policy = gate.policy("policy.yaml", POLICY);
    let server = start_server(&gate, &[&policy], &[]);
    assert_eq!(server.review("/validate", &review("1", &deployment("u", &unsigned), false))["allowed"], false);

    // A broken file: refused, logged, the old policy stays.
    std::fs::write(
        &policy,
        "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: production}\nspec:\n  mode: sometimes\n",
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log_contains("policy reload refused") {
        assert!(Instant::now() < deadline, "no reload error logged");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(server.log_contains("spec.mode is `sometimes`"));
    assert_eq!(server.review("/validate", &review("2", &deployment("u", &unsigned), false))["allowed"], false);

    // A valid change takes effect.
    std::fs::write(&policy, POLICY.replace("REG", &gate.addr).replace("mode: enforce", "mode: warn")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log_contains("policies reloaded") {
        assert!(Instant::now() < deadline, "no reload logged");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(server.review("/validate", &review("3", &deployment("u", &unsigned), false))["allowed"], true);
}

#[test]
fn invalid_policies_are_refused_before_anything_runs() {
    let dir = temp_dir();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "bad-mode.yaml",
        "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: p}\nspec:\n  mode: sometimes\n",
    );
    write(
        "bad-field.yaml",
        "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: p}\nspec:\n  registry: {allow: [x]}\n",
    );
    write(
        "no-key.yaml",
        "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: p}\nspec:\n  images:\n    - match: [\"r/**\"]\n      signatures:\n        - key: {path: missing.pub}\n",
    );
    write(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n",
    );
    for (file, expected) in [
        ("bad-mode.yaml", "bad-mode.yaml:5:9: spec.mode is `sometimes`, expected `enforce`, `warn` or `audit`"),
        ("bad-field.yaml", "bad-field.yaml:5:3: unknown field `registry`"),
        ("no-key.yaml", "no-key.yaml:8:23: cannot read key missing.pub"),
    ] {
        let out = Vigil::in_dir(dir.path()).args(["policy", "test", "--policy", file, "pod.yaml"]).run();
        out.assert_code(2);
        assert!(out.stderr.contains(expected), "{file}: {}", out.stderr);
        // `vigil serve` refuses to start with it, with the same message.
        let out = Vigil::in_dir(dir.path())
            .args([
                "serve",
                "--policy",
                file,
                "--tls-cert",
                "none.crt",
                "--tls-key",
                "none.key",
                "--listen",
                "127.0.0.1:0",
            ])
            .run();
        out.assert_code(2);
        assert!(out.stderr.contains(expected), "serve {file}: {}", out.stderr);
    }
    // A missing or unusable TLS certificate is refused at start too.
    write("ok.yaml", "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: p}\nspec: {}\n");
    write("not-a-cert.pem", "hello\n");
    let out = Vigil::in_dir(dir.path())
        .args([
            "serve",
            "--policy",
            "ok.yaml",
            "--tls-cert",
            "not-a-cert.pem",
            "--tls-key",
            "not-a-cert.pem",
            "--listen",
            "127.0.0.1:0",
        ])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("TLS: not-a-cert.pem"), "{}", out.stderr);
}

#[test]
fn sigterm_drains_and_exits_cleanly() {
    let Some(gate) = Gate::start() else { return };
    let policy = gate.policy("policy.yaml", POLICY);
    let mut server = start_server(&gate, &[&policy], &["--shutdown-grace", "5"]);
    assert_eq!(server.call("GET", "/readyz", None).0, 200);
    let status = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "vigil serve did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    assert!(server.log_contains("shutting down"));
}

/// Objects made by kubectl itself (`kubectl create … --dry-run=client -o json`); scripts/test
/// installs kubectl.
#[test]
fn kubectl_made_objects_are_decided() {
    let Some(kubectl) = vigil_testkit::require_tool("kubectl") else { return };
    let Some(gate) = Gate::start() else { return };
    let unsigned = gate.image("unsigned");
    gate.policy("policy.yaml", POLICY);
    let mut made = Vec::new();
    for args in [
        vec!["create", "deployment", "web", "--image", unsigned.as_str()],
        vec!["create", "job", "batch", "--image", unsigned.as_str()],
        vec!["create", "cronjob", "nightly", "--image", unsigned.as_str(), "--schedule", "0 0 * * *"],
    ] {
        let out = Command::new(&kubectl).args(&args).args(["--dry-run=client", "-o", "json"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        made.push(String::from_utf8(out.stdout).unwrap());
    }
    std::fs::write(
        gate.dir.path().join("made.json"),
        format!("{{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{}]}}", made.join(",")),
    )
    .unwrap();
    let out = gate.policy_test("policy.yaml", "made.json", &[]);
    out.assert_code(1);
    let report = out.json();
    let kinds: Vec<&str> =
        report["decisions"].as_array().unwrap().iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Deployment", "Job", "CronJob"]);
    assert!(
        report["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["allowed"] == false && d["denials"][0]["check"] == "signatures")
    );
}

/// The bundled example policy decides the bundled manifests offline (README's command).
#[test]
fn the_example_policy_decides_the_example_manifests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Vigil::in_dir(&root)
        .args(["policy", "test", "--policy", "examples/policy/policy.yaml", "examples/k8s", "--format", "json"])
        .run();
    out.assert_code(1);
    let report = out.json();
    assert_eq!(report["summary"]["objects"], 3);
    assert_eq!(report["summary"]["denied"], 2);
    let allowed: Vec<&str> = report["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["allowed"] == true)
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(allowed, ["web-hardened"]);
}

#[test]
fn policy_test_speaks_sarif() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Vigil::in_dir(&root)
        .args(["policy", "test", "--policy", "examples/policy/policy.yaml", "examples/k8s", "--format", "sarif"])
        .run();
    out.assert_code(1);
    let sarif = out.json();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rules: std::collections::BTreeSet<&str> = results.iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    assert_eq!(rules.into_iter().collect::<Vec<_>>(), ["policy/podSecurity", "policy/registries"]);
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert!(location["artifactLocation"]["uri"].as_str().unwrap().ends_with(".yaml"), "{location}");
    if let Some(schemas) = crate::sarif_schema::schemas() {
        crate::sarif_schema::assert_valid(&schemas, "policy-test", &out.stdout);
    }
}

/// A rotated serving certificate (new CA, as cert-manager would write) is picked up without a
/// restart.
#[test]
fn rotated_certificates_are_reloaded() {
    let Some(gate) = Gate::start() else { return };
    let policy = gate.policy("policy.yaml", POLICY);
    let server = start_server(&gate, &[&policy], &[]);
    assert_eq!(server.call("GET", "/healthz", None).0, 200);
    Vigil::in_dir(gate.dir.path())
        .args([
            "webhook",
            "certs",
            "--out",
            "certs",
            "--force",
            "--extra-name",
            "127.0.0.1",
            "--extra-name",
            "localhost",
        ])
        .run()
        .assert_code(0);
    // curl now trusts only the new CA: it succeeds once the server serves the new certificate.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.call("GET", "/healthz", None).0 != 200 {
        assert!(Instant::now() < deadline, "the new certificate was not served: {}", server.stderr());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(server.log_contains("TLS certificate reloaded"));
}

/// Keyless authorities in a policy: real cosign signs and attests with the Sigstore mock.
#[test]
fn keyless_authorities_in_a_policy() {
    let Some(cosign) = vigil_testkit::cosign() else { return };
    let Some(mock) = vigil_testkit::sigstore_mock() else { return };
    let Some(gate) = Gate::start() else { return };
    let signed = gate.image("keyless");
    let digest = gate.client.resolve(&ImageReference::parse(&signed).unwrap()).unwrap().digest;
    let pinned = format!("{}@{digest}", signed.rsplit_once(':').unwrap().0);
    let token = std::fs::read_to_string(mock.join("fake-oidc.jwt")).unwrap();
    let provenance = r#"{"buildDefinition":{"buildType":"https://example.com/ci@v1","externalParameters":{}},"runDetails":{"builder":{"id":"https://example.com/ci"}}}"#;
    std::fs::write(gate.dir.path().join("predicate.json"), provenance).unwrap();
    for args in [&["sign"][..], &["attest", "--type", "slsaprovenance1", "--predicate", "predicate.json"][..]] {
        let output = Command::new(&cosign)
            .args(args)
            .args(["--fulcio-url", "http://127.0.0.1:8555", "--rekor-url", "http://127.0.0.1:8555"])
            .args([
                "--identity-token",
                token.trim(),
                "--allow-insecure-registry",
                "--allow-http-registry",
                "-y",
                &pinned,
            ])
            .current_dir(gate.dir.path())
            .env("HOME", gate.dir.path())
            .env("SIGSTORE_ROOT_FILE", mock.join("fulcio-root.pem"))
            .env("SIGSTORE_CT_LOG_PUBLIC_KEY_FILE", mock.join("ctlog.pub"))
            .env("SIGSTORE_REKOR_PUBLIC_KEY", mock.join("rekor.pub"))
            .output()
            .unwrap();
        assert!(output.status.success(), "cosign {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    }
    std::fs::copy(mock.join("trusted_root.json"), gate.dir.path().join("mock_root.json")).unwrap();
    // The mock logs attestations as request-form entries: the policy must opt in.
    let policy = |subject: &str, allow: bool| {
        format!(
            "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {{name: keyless}}\nspec:\n  images:\n    - match: [\"{}/vigil/**\"]\n      signatures:\n        - keyless: {{issuer: \"https://fake.oidcissuer.com\", subjectRegExp: \"{subject}\", trustedRoot: mock_root.json, allowRequestFormRekor: {allow}}}\n      attestations:\n        - type: slsaprovenance1\n",
            gate.addr
        )
    };
    std::fs::write(gate.dir.path().join("keyless.yaml"), policy("^dev@example\\\\.com$", true)).unwrap();
    std::fs::write(gate.dir.path().join("mallory.yaml"), policy("^mallory@", true)).unwrap();
    std::fs::write(gate.dir.path().join("not-opted-in.yaml"), policy("^dev@example\\\\.com$", false)).unwrap();
    let object = gate.write("keyless.json", &deployment("k", &signed));
    let out = gate.policy_test("keyless.yaml", object.to_str().unwrap(), &[]);
    out.assert_code(0);
    let decision = out.json()["decisions"][0].clone();
    assert!(
        decision["verified"]["app"].as_str().unwrap().contains("keyless dev@example.com (https://fake.oidcissuer.com)"),
        "{decision}"
    );
    let out = gate.policy_test("mallory.yaml", object.to_str().unwrap(), &[]);
    out.assert_code(1);
    let message = out.json()["decisions"][0]["denials"][0]["message"].as_str().unwrap().to_string();
    assert!(message.contains("certificate identity `dev@example.com` does not match /^mallory@/"), "{message}");
    // Without the opt-in the signature still verifies (hashedrekord takes the main path), the
    // request-form attestation is refused, naming the option.
    let out = gate.policy_test("not-opted-in.yaml", object.to_str().unwrap(), &[]);
    out.assert_code(1);
    let message = out.json()["decisions"][0]["denials"][0]["message"].as_str().unwrap().to_string();
    assert!(message.contains("allowRequestFormRekor"), "{message}");
}
