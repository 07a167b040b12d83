#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The files, Kubernetes and image-layer targets, end to end with the detector. Every secret
//! here is fake.

#[path = "../../vigil-oci/tests/layout_builder.rs"]
mod layout_builder;

use std::path::{Path, PathBuf};

use layout_builder::{Item, TAR_LAYER, gzip, tar, write_layout};
use vigil_secrets::engine::Detector;
use vigil_secrets::files::{self, FileOptions, display_path};
use vigil_secrets::finding::Finding;
use vigil_secrets::{k8s, layers};

// --- detector ---
fn detector() -> Detector {
    Detector::new(vigil_secrets::builtin::config().unwrap(), Default::default())
}

/// vigil's rules plus a global allowlist excluding paths that contain `vendor/`.
fn detector_skipping_vendor() -> Detector {
    let config = vigil_secrets::config::Config::from_toml(
        "test.toml",
        "[extend]\nuseDefault = true\n[allowlist]\npaths = ['''vendor/''']\n",
    )
    .unwrap();
    Detector::new(config, Default::default())
}
// --- end detector ---

/// A fake AWS access key ID (not AWS's documented example, which the rule allows).
const KEY: &str = "AKIAQYLPMN5HHHFPZAM2";
const AWS: &str = "aws-access-token";

fn write(root: &Path, rel: &str, content: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn aws(findings: &[Finding]) -> Vec<(String, usize)> {
    findings.iter().filter(|f| f.gitleaks_id == AWS).map(|f| (f.file.clone(), f.start_line)).collect()
}

/// Nothing a person or tool would see shows the whole secret.
fn assert_redacted(findings: &[Finding]) {
    for f in findings {
        let shown = [
            vigil_secrets::report::table_line(f, vigil_secrets::report::Reveal::Redacted),
            vigil_secrets::report::finding_json(f, vigil_secrets::report::Reveal::Redacted).to_string(),
            f.redacted_match(),
        ];
        for s in shown {
            assert!(!s.contains(&f.secret), "secret shown in full: {}", f.redacted_secret());
        }
    }
}

#[test]
fn directories_are_walked_ignore_aware_with_binary_large_empty_and_git_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let line = format!("aws_access_key_id = {KEY}\n");
    write(root, ".gitignore", b"ignored.env\n");
    write(root, "a.env", format!("# config\n{line}").as_bytes());
    write(root, "ignored.env", line.as_bytes());
    write(root, ".hidden.env", line.as_bytes());
    write(root, "sub/.gitignore", b"*.log\n");
    write(root, "sub/x.log", line.as_bytes());
    write(root, "sub/y.txt", format!("\n\n{line}").as_bytes());
    write(root, ".git/config", line.as_bytes());
    let mut binary = b"\x7fELF\0\0\0".to_vec();
    binary.extend_from_slice(line.as_bytes());
    write(root, "bin.dat", &binary);
    write(root, "big.txt", format!("{line}{}", "x".repeat(2000)).as_bytes());
    write(root, "empty", b"");
    let options = FileOptions { max_file_bytes: 1024, ..FileOptions::default() };
    let scan = files::scan(&[root.to_path_buf()], &options, &detector()).unwrap();
    let r = display_path(root);
    assert_eq!(
        aws(&scan.findings),
        [(format!("{r}/.hidden.env"), 1), (format!("{r}/a.env"), 2), (format!("{r}/sub/y.txt"), 3)]
    );
    assert_eq!(scan.stats.skipped_binary, 1);
    assert_eq!(scan.stats.skipped_large, 1);
    // .gitignore ×2, a.env, .hidden.env, sub/y.txt (the empty file is not counted).
    assert_eq!(scan.stats.files, 5);
    assert!(scan.stats.errors.is_empty(), "{:?}", scan.stats.errors);
    assert_redacted(&scan.findings);

    // Without ignore files, the ignored ones are scanned too.
    let all =
        files::scan(&[root.to_path_buf()], &FileOptions { respect_ignore: false, ..options }, &detector()).unwrap();
    assert_eq!(aws(&all.findings).len(), 5);
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_only_when_asked_and_reported_as_gitleaks_does() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "real/id.env", format!("key={KEY}\n").as_bytes());
    write(root, "links/.keep", b"x\n");
    std::os::unix::fs::symlink(root.join("real/id.env"), root.join("links/id.env")).unwrap();
    std::os::unix::fs::symlink(root.join("real"), root.join("links/dir")).unwrap();
    let links = root.join("links");
    let none = files::scan(std::slice::from_ref(&links), &FileOptions::default(), &detector()).unwrap();
    assert!(none.findings.is_empty());
    let opts = FileOptions { follow_symlinks: true, ..FileOptions::default() };
    let followed = files::scan(std::slice::from_ref(&links), &opts, &detector()).unwrap();
    // Reported under the file's real path, the link in symlink_file; the directory link is not followed.
    let real = display_path(&std::fs::canonicalize(root.join("real/id.env")).unwrap());
    let got: Vec<(String, Option<String>)> =
        followed.findings.iter().map(|f| (f.file.clone(), f.symlink_file.clone())).collect();
    assert_eq!(got, [(real, Some(display_path(&links.join("id.env"))))]);
}

#[test]
fn global_allowlist_paths_are_skipped_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "vendor/lib/k.env", format!("key={KEY}\n").as_bytes());
    write(root, "app/k.env", format!("key={KEY}\n").as_bytes());
    let scan = files::scan(&[root.to_path_buf()], &FileOptions::default(), &detector_skipping_vendor()).unwrap();
    assert_eq!(aws(&scan.findings), [(format!("{}/app/k.env", display_path(root)), 1)]);
}

#[test]
fn paths_are_reported_as_gitleaks_joins_them() {
    assert_eq!(display_path(Path::new("./a/b.env")), "a/b.env");
    assert_eq!(display_path(Path::new("src/./x")), "src/x");
    assert_eq!(display_path(Path::new(".")), ".");
    assert_eq!(display_path(Path::new("/tmp/x")), "/tmp/x");
    let err = files::scan(&[PathBuf::from("/nonexistent/vigil-secrets")], &FileOptions::default(), &detector());
    assert!(err.unwrap_err().to_string().starts_with("/nonexistent/vigil-secrets: "));
}

#[test]
fn stdin_is_scanned_and_bounded() {
    let text = format!("x\nAWS_ACCESS_KEY_ID={KEY}\n");
    let scan = files::scan_reader("-", text.as_bytes(), &FileOptions::default(), &detector()).unwrap();
    assert_eq!(aws(&scan.findings), [("-".to_owned(), 2)]);
    let small = FileOptions { max_file_bytes: 8, ..FileOptions::default() };
    let err = files::scan_reader("-", text.as_bytes(), &small, &detector()).unwrap_err();
    assert_eq!(err.to_string(), "-: input is larger than the limit of 8 bytes");
}

/// `kubectl create secret generic db -n prod --from-literal=AWS_ACCESS_KEY_ID=… --from-literal=user=admin
/// --dry-run=client -o yaml` (kubectl 1.x output).
const SECRET_YAML: &str = "apiVersion: v1
data:
  AWS_ACCESS_KEY_ID: QUtJQVFZTFBNTjVISEhGUFpBTTI=
  user: YWRtaW4=
kind: Secret
metadata:
  creationTimestamp: null
  name: db
  namespace: prod
";

#[test]
fn secret_data_is_decoded_and_points_at_the_encoded_value() {
    let found = k8s::scan_document("s.yaml", SECRET_YAML, &detector());
    let f: Vec<&Finding> = found.iter().filter(|f| f.gitleaks_id == AWS).collect();
    assert_eq!(f.len(), 1, "{found:?}");
    assert_eq!(f[0].secret, KEY);
    assert_eq!((f[0].start_line, f[0].start_column), (3, 22));
    assert_eq!(f[0].object.as_deref(), Some("Secret/prod/db data.AWS_ACCESS_KEY_ID"));
    assert_eq!(f[0].decoded.first().map(String::as_str), Some("base64"));
    assert_eq!(f[0].fingerprint, format!("s.yaml:{AWS}:3"));
    assert_redacted(&found);

    // Through the files target: the same one finding (the text scan and the object scan merged).
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy/secret.yaml", SECRET_YAML.as_bytes());
    let scan = files::scan(&[dir.path().to_path_buf()], &FileOptions::default(), &detector()).unwrap();
    let f: Vec<&Finding> = scan.findings.iter().filter(|f| f.gitleaks_id == AWS).collect();
    assert_eq!(f.len(), 1, "{:?}", scan.findings);
    assert_eq!(f[0].start_line, 3);
    assert_eq!(f[0].object.as_deref(), Some("Secret/prod/db data.AWS_ACCESS_KEY_ID"));
}

#[test]
fn string_data_config_maps_and_env_values_are_scanned_with_their_object() {
    let text = format!(
        "apiVersion: v1
kind: Secret
metadata: {{name: s}}
stringData:
  creds: |
    [default]
    aws_access_key_id = {KEY}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: cm, namespace: n}}
data:
  key: \"{KEY}\"
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: n}}
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx
        env:
        - name: AWS_ACCESS_KEY_ID
          value: {KEY}
"
    );
    let found = k8s::scan_document("m.yaml", &text, &detector());
    let got: Vec<(usize, &str)> = found
        .iter()
        .filter(|f| f.gitleaks_id == AWS)
        .map(|f| (f.start_line, f.object.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        got,
        [
            (7, "Secret/s stringData.creds"),
            (13, "ConfigMap/n/cm data.key"),
            (26, "Deployment/n/web spec.template.spec.containers[0].env[0]"),
        ]
    );
}

#[test]
fn json_lists_from_kubectl_get_are_read() {
    let text = r#"{
    "apiVersion": "v1",
    "kind": "List",
    "items": [
        {
            "kind": "Secret",
            "apiVersion": "v1",
            "metadata": {"name": "db", "namespace": "prod"},
            "data": {
                "AWS_ACCESS_KEY_ID": "QUtJQVFZTFBNTjVISEhGUFpBTTI="
            }
        }
    ]
}"#;
    let found = k8s::scan_document("dump.json", text, &detector());
    let got: Vec<(usize, Option<&str>)> =
        found.iter().filter(|f| f.gitleaks_id == AWS).map(|f| (f.start_line, f.object.as_deref())).collect();
    assert_eq!(got, [(10, Some("Secret/prod/db data.AWS_ACCESS_KEY_ID"))]);
}

/// `kubectl create secret docker-registry regcred -n prod --docker-server=registry.example.com
/// --docker-username=robot --docker-password=… --dry-run=client -o yaml`.
const DOCKER_SECRET: &str = "apiVersion: v1
data:
  .dockerconfigjson: eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxlLmNvbSI6eyJ1c2VybmFtZSI6InJvYm90IiwicGFzc3dvcmQiOiJzM2NyM3QtUGE1NXcwcmQtWHlaIiwiYXV0aCI6ImNtOWliM1E2Y3pOamNqTjBMVkJoTlRWM01ISmtMVmg1V2c9PSJ9fX0=
kind: Secret
metadata:
  creationTimestamp: null
  name: regcred
  namespace: prod
type: kubernetes.io/dockerconfigjson
";

#[test]
fn docker_config_credentials_are_decoded() {
    // A rule (generic-api-key) or the docker-config rule reports the password, once, at the
    // encoded value's line.
    let found = k8s::scan_document("regcred.yaml", DOCKER_SECRET, &detector());
    let pw: Vec<&Finding> = found.iter().filter(|f| f.secret == "s3cr3t-Pa55w0rd-XyZ").collect();
    assert_eq!(pw.len(), 1, "{found:?}");
    assert_eq!(pw[0].start_line, 3);
    assert!(pw[0].object.as_deref().unwrap_or("").starts_with("Secret/prod/regcred data..dockerconfigjson"));
    assert_redacted(&found);

    // A password no rule matches: the docker-config rule, decoded twice (data, then auth).
    let config = base64_encode(
        format!(r#"{{"auths":{{"registry.example.com":{{"auth":"{}"}}}}}}"#, base64_encode(b"robot:hunter22hunter22"))
            .as_bytes(),
    );
    let text = format!(
        "apiVersion: v1\nkind: Secret\nmetadata: {{name: regcred, namespace: prod}}\ndata:\n  .dockerconfigjson: {config}\n"
    );
    let found = k8s::scan_document("regcred.yaml", &text, &detector());
    let docker: Vec<&Finding> = found.iter().filter(|f| f.rule == k8s::DOCKER_CONFIG_RULE).collect();
    assert_eq!(docker.len(), 1, "{found:?}");
    assert_eq!(docker[0].secret, "hunter22hunter22");
    assert_eq!(docker[0].start_line, 5);
    assert_eq!(
        docker[0].object.as_deref(),
        Some("Secret/prod/regcred data..dockerconfigjson auths.registry.example.com")
    );
    assert_eq!(docker[0].decoded, ["base64", "base64"]);
    assert_eq!(docker[0].fingerprint, "regcred.yaml:docker-config-auth:5");
    assert_redacted(&found);
}

#[test]
fn kubeconfig_credentials_are_found() {
    let key_data = base64_encode(format!("not a real key {KEY}\n").as_bytes());
    let text = format!(
        "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {{server: https://example.com}}
users:
- name: admin
  user:
    client-key-data: {key_data}
- name: ci
  user:
    token: kq9Zr3VxTt5mWQe2pLd8HsYb
"
    );
    let found = k8s::scan_document("kubeconfig", &text, &detector());
    let got: Vec<(&str, usize, Option<&str>)> =
        found.iter().map(|f| (f.gitleaks_id.as_str(), f.start_line, f.object.as_deref())).collect();
    assert!(got.contains(&(AWS, 9, Some("Config/- users[admin].user.client-key-data"))), "{got:?}");
    let token: Vec<&Finding> = found.iter().filter(|f| f.start_line == 12).collect();
    assert_eq!(token.len(), 1, "{got:?}");
    assert_eq!(token[0].secret, "kq9Zr3VxTt5mWQe2pLd8HsYb");
    assert_eq!(token[0].object.as_deref(), Some("Config/- users[ci].user.token"));
    assert_redacted(&found);
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn hostile_manifests_do_not_hang_or_panic() {
    let mut bomb =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = format!("*a{}", i - 1);
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
    }
    bomb.push_str("data:\n  k: *a11\n");
    let start = std::time::Instant::now();
    let found = k8s::scan_document("bomb.yaml", &bomb, &detector());
    assert!(found.is_empty());
    assert!(start.elapsed() < std::time::Duration::from_secs(10));
    // Deep nesting, invalid base64, a binary decoded value, a truncated document.
    let deep = format!("apiVersion: v1\nkind: Secret\ndata: {}{}\n", "[".repeat(5000), "]".repeat(5000));
    assert!(k8s::scan_document("deep.yaml", &deep, &detector()).is_empty());
    let odd =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ndata:\n  a: '%%%'\n  b: AAEC\n  c: [1, 2]\n---\nkind: [\n";
    assert!(k8s::scan_document("odd.yaml", odd, &detector()).is_empty());
}

#[test]
fn image_layers_include_deleted_files() {
    let dir = tempfile::tempdir().unwrap();
    let secret = format!("AWS_ACCESS_KEY_ID={KEY}\n");
    let base = tar(&[
        Item::Dir("app"),
        Item::File("app/.env", secret.as_bytes()),
        Item::File("etc/keep.conf", format!("# kept\n{secret}").as_bytes()),
        Item::File("bin/tool", b"\x7fELF\0\0\0AKIAQYLPMN5HHHFPZAM2"),
    ]);
    let top = tar(&[Item::File("app/.wh..env", b""), Item::File("etc/other", b"nothing here\n")]);
    write_layout(dir.path(), &[(gzip(&base), base.clone(), layout_builder::GZIP_LAYER), (top.clone(), top, TAR_LAYER)]);
    let image =
        vigil_oci::Image::open_oci_dir(dir.path(), None, &vigil_oci::Platform::linux_amd64(), Default::default())
            .unwrap();
    let scan = layers::scan_image(&image, &detector(), &layers::LayerLimits::default()).unwrap();
    let got: Vec<(String, usize, usize, Option<usize>)> = scan
        .findings
        .iter()
        .map(|f| {
            let l = f.layer.as_ref().unwrap();
            (f.file.clone(), f.start_line, l.index, l.removed_in)
        })
        .collect();
    assert_eq!(got, [("/app/.env".to_owned(), 1, 0, Some(1)), ("/etc/keep.conf".to_owned(), 2, 0, None)]);
    assert_eq!(scan.findings[0].layer.as_ref().unwrap().digest, layout_builder::sha256(&base));
    assert_eq!(scan.stats.skipped_binary, 1);
    assert_eq!(scan.stats.files, 3);
    assert_redacted(&scan.findings);
}

#[test]
fn overwritten_files_and_opaque_directories_count_as_removed() {
    let dir = tempfile::tempdir().unwrap();
    let secret = format!("AWS_ACCESS_KEY_ID={KEY}\n");
    let l0 = tar(&[Item::File("a/x.env", secret.as_bytes()), Item::File("b/y.env", secret.as_bytes())]);
    let l1 = tar(&[Item::File("a/x.env", b"clean\n")]);
    let l2 = tar(&[Item::File("b/.wh..wh..opq", b""), Item::File("b/z.env", secret.as_bytes())]);
    write_layout(dir.path(), &[(l0.clone(), l0, TAR_LAYER), (l1.clone(), l1, TAR_LAYER), (l2.clone(), l2, TAR_LAYER)]);
    let image =
        vigil_oci::Image::open_oci_dir(dir.path(), None, &vigil_oci::Platform::linux_amd64(), Default::default())
            .unwrap();
    let scan = layers::scan_image(&image, &detector(), &layers::LayerLimits::default()).unwrap();
    let got: Vec<(&str, usize, Option<usize>)> = scan
        .findings
        .iter()
        .map(|f| (f.file.as_str(), f.layer.as_ref().unwrap().index, f.layer.as_ref().unwrap().removed_in))
        .collect();
    assert_eq!(got, [("/a/x.env", 0, Some(1)), ("/b/y.env", 0, Some(2)), ("/b/z.env", 2, None)]);
}

#[test]
fn path_rules_apply_to_binary_files_whose_content_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "certs/client.p12", b"\x30\x82\x00\x00binary");
    write(dir.path(), "certs/blob.dat", format!("\0\0{KEY}").as_bytes());
    let root = dir.path().to_path_buf();
    let scan = files::scan(&[root], &FileOptions::default(), &detector()).unwrap();
    let rules: Vec<&str> = scan.findings.iter().map(|f| f.gitleaks_id.as_str()).collect();
    assert_eq!(rules, ["pkcs12-file"], "{:?}", scan.findings);
    assert_eq!(scan.stats.skipped_binary, 2);
}
