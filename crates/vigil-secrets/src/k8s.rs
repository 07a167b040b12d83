//! Secrets in Kubernetes manifests: what a plain text scan cannot see, and where each value
//! belongs.
//!
//! [`scan_document`] reads every YAML document (or JSON, a `List`, a `kubectl get -o json` dump)
//! of a manifest with `vigil-k8s` (positions kept, aliases and sizes bounded by its
//! [`vigil_k8s::Limits`]) and scans, with the object and field named in
//! [`Finding::object`] (`Secret/prod/db data.password`):
//!
//! - `Secret` `data` (base64-decoded) and `stringData`; `.dockerconfigjson` / `.dockercfg`
//!   registry credentials are decoded (`auth` is base64 of `user:password`) and reported as
//!   `secret/docker-config-auth` unless a rule already matched the password;
//! - `ConfigMap` `data` and `binaryData` (decoded);
//! - `env` values of every container of every workload kind (scanned as `NAME=value`, so rules
//!   that need a keyword such as `password` see the variable's name);
//! - kubeconfigs (`kind: Config`): `client-key-data` (decoded), `token`, `password` and
//!   auth-provider tokens, reported as `secret/kubeconfig-credential` unless a rule matched;
//! - the `kubectl.kubernetes.io/last-applied-configuration` annotation (a JSON copy of the
//!   object, Secret data included).
//!
//! Findings inside a decoded value point to the line (and columns) of the encoded value in the
//! file. Plain values written as literal or folded blocks keep their own lines. Decoded values
//! larger than [`MAX_DECODED_BYTES`] and binary decoded values are not scanned; a manifest
//! that stops parsing keeps the findings of the documents before the error.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use vigil_k8s::{Node, Object, PodTemplate, ScalarStyle, Value};

use crate::engine::Detector;
use crate::finding::{Finding, fingerprint};
use crate::fragment::{Fragment, Origin};

/// The largest decoded value scanned (4 MiB; a Secret is at most 1 MiB).
pub const MAX_DECODED_BYTES: usize = 4 * 1024 * 1024;

/// How deep decoded values that are manifests themselves (a kubeconfig in a Secret) are followed.
const MAX_NESTING: usize = 2;

/// Kubernetes' base64 (standard alphabet, padding optional).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The rule reported for registry credentials in a docker config.
pub const DOCKER_CONFIG_RULE: &str = "secret/docker-config-auth";
/// The rule reported for kubeconfig user credentials.
pub const KUBECONFIG_RULE: &str = "secret/kubeconfig-credential";

/// Whether `text` may be a Kubernetes manifest (mentions both `apiVersion` and `kind`): a cheap
/// test before parsing.
#[must_use]
pub fn looks_like_manifest(text: &str) -> bool {
    text.contains("apiVersion") && text.contains("kind")
}

/// Scans the manifest `text` (read from `name`, which findings carry as their file) for
/// secrets in Kubernetes objects; see the module documentation. Never fails: what cannot be
/// parsed is left to the plain text scan.
#[must_use]
pub fn scan_document(name: &str, text: &str, detector: &Detector) -> Vec<Finding> {
    let mut scanner = Scanner { name, detector, out: Vec::new() };
    scanner.document(text, 0, None);
    scanner.out
}

/// Where a value sits in the file.
#[derive(Clone, Copy)]
struct Place {
    line: usize,
    /// 1-based first column.
    column: usize,
    /// 1-based last column (inclusive).
    end_column: usize,
}

impl Place {
    fn of(node: &Node) -> Place {
        let column = node.span.col as usize + 1;
        let chars = node.span.end.saturating_sub(node.span.start).max(1);
        Place { line: (node.span.line as usize).max(1), column, end_column: column + chars - 1 }
    }
}

/// How findings in a scanned value map back to the file.
#[derive(Clone, Copy)]
enum Mapping {
    /// The value's lines are the file's, starting at this line (a literal block).
    Lines(usize),
    /// Every finding is reported at the value's place (decoded data, folded scalars, values
    /// inside a decoded document).
    At(Place),
}

struct Scanner<'a> {
    name: &'a str,
    detector: &'a Detector,
    out: Vec<Finding>,
}

fn label(object: &Object) -> String {
    let r = &object.reference;
    let name = r.name.as_deref().unwrap_or("-");
    match &r.namespace {
        Some(ns) => format!("{}/{ns}/{name}", r.kind),
        None => format!("{}/{name}", r.kind),
    }
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.len() / 4 * 3 > MAX_DECODED_BYTES {
        return None;
    }
    BASE64.decode(compact.as_bytes()).ok()
}

fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, bytes.get(..8192).unwrap_or(bytes)).is_some()
}

/// Shannon entropy of `s` over its characters, as gitleaks computes it.
fn entropy(s: &str) -> f64 {
    let mut counts: std::collections::HashMap<char, usize> = std::collections::HashMap::new();
    let mut total = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let total = total as f64;
    counts.values().map(|&n| n as f64 / total).map(|p| -p * p.log2()).sum()
}

/// Whether a credential value is a placeholder rather than a credential.
fn placeholder(value: &str) -> bool {
    let v = value.trim();
    v.len() < 8 || v.contains("${") || v.contains("{{") || v.starts_with('<') || v.chars().all(|c| c == '*' || c == 'x')
}

impl Scanner<'_> {
    /// Parses `text` and scans each object. `outer`: the place and object of the encoded value
    /// that `text` was decoded from (nested documents report there).
    fn document(&mut self, text: &str, depth: usize, outer: Option<(Place, &str)>) {
        let limits = vigil_k8s::Limits::default();
        let _ = vigil_k8s::load_each(self.name, text.as_bytes().to_vec(), &limits, |_, object| {
            self.object(&object, depth, outer);
        });
    }

    fn object(&mut self, object: &Object, depth: usize, outer: Option<(Place, &str)>) {
        let mut name = label(object);
        if let Some((_, outer_label)) = outer {
            name = format!("{outer_label} → {name}");
        }
        let root = &object.root;
        match (object.group(), object.reference.kind.as_str()) {
            ("", "Secret") => {
                for (key, value) in entries(root.get("data")) {
                    self.encoded(&name, &format!("data.{key}"), value, depth, outer, true);
                }
                for (key, value) in entries(root.get("stringData")) {
                    self.plain(&name, &format!("stringData.{key}"), value, None, depth, outer, true);
                }
            }
            ("", "ConfigMap") => {
                for (key, value) in entries(root.get("data")) {
                    self.plain(&name, &format!("data.{key}"), value, None, depth, outer, false);
                }
                for (key, value) in entries(root.get("binaryData")) {
                    self.encoded(&name, &format!("binaryData.{key}"), value, depth, outer, false);
                }
            }
            ("", "Config") => self.kubeconfig(&name, root, outer),
            _ => {}
        }
        if let Some(pod) = PodTemplate::of(object) {
            for container in pod.containers() {
                let env = container.node.get("env").and_then(Node::as_seq).unwrap_or(&[]);
                for (i, var) in env.iter().enumerate() {
                    let (Some(var_name), Some(value)) = (var.get("name").and_then(Node::as_str), var.get("value"))
                    else {
                        continue;
                    };
                    let field = format!("{}.{}.env[{i}]", pod.spec_path, container.path());
                    self.plain(&name, &field, value, Some(var_name), depth, outer, false);
                }
            }
        }
        let annotation = root
            .get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get("kubectl.kubernetes.io/last-applied-configuration"));
        if let Some(node) = annotation
            && let Some(json) = node.as_str()
            && depth < MAX_NESTING
            && json.len() <= MAX_DECODED_BYTES
            && let Ok(value) = serde_json::from_str::<serde_json::Value>(json)
        {
            let place = outer.map_or_else(|| Place::of(node), |(p, _)| p);
            let field = format!("{name} last-applied-configuration");
            for inner in vigil_k8s::objects_of(vigil_k8s::from_json(&value)) {
                self.object(&inner, depth + 1, Some((place, &field)));
            }
        }
    }

    /// A base64 value: decoded, then scanned (a docker config's credentials too).
    fn encoded(
        &mut self,
        object: &str,
        field: &str,
        node: &Node,
        depth: usize,
        outer: Option<(Place, &str)>,
        secret: bool,
    ) {
        let Some(text) = node.as_str() else { return };
        let Some(bytes) = decode_base64(text) else { return };
        if bytes.is_empty() || is_binary(&bytes) {
            return;
        }
        let place = outer.map_or_else(|| Place::of(node), |(p, _)| p);
        let origin = format!("{object} {field}");
        let found = self.detect(&bytes, &origin, Mapping::At(place), Some("base64"));
        let decoded = String::from_utf8_lossy(&bytes);
        if secret && (field.ends_with(".dockerconfigjson") || field.ends_with(".dockercfg")) {
            self.docker_config(&decoded, &origin, place, &found);
        }
        self.out.extend(found);
        if depth < MAX_NESTING && looks_like_manifest(&decoded) {
            self.document(&decoded, depth + 1, Some((place, &origin)));
        }
    }

    /// A plain text value (scanned as `NAME=value` when `var` names an environment variable).
    #[allow(clippy::too_many_arguments)]
    fn plain(
        &mut self,
        object: &str,
        field: &str,
        node: &Node,
        var: Option<&str>,
        depth: usize,
        outer: Option<(Place, &str)>,
        secret: bool,
    ) {
        let Some(text) = node.as_str() else { return };
        if text.is_empty() {
            return;
        }
        let mapping = match outer {
            Some((p, _)) => Mapping::At(p),
            None if var.is_none() && matches!(node.value, Value::Scalar(_, ScalarStyle::Block)) => {
                // saphyr starts a block scalar's span at its first content line.
                Mapping::Lines((node.span.line as usize).max(1))
            }
            None => Mapping::At(Place::of(node)),
        };
        let origin = format!("{object} {field}");
        let scanned = match var {
            Some(v) => format!("{v}={text}"),
            None => text.to_owned(),
        };
        let found = self.detect(scanned.as_bytes(), &origin, mapping, None);
        if secret && (field.ends_with(".dockerconfigjson") || field.ends_with(".dockercfg")) {
            let place = match mapping {
                Mapping::At(p) => p,
                Mapping::Lines(_) => Place::of(node),
            };
            self.docker_config(text, &origin, place, &found);
        }
        self.out.extend(found);
        if depth < MAX_NESTING && var.is_none() && looks_like_manifest(text) {
            let place = match mapping {
                Mapping::At(p) => p,
                Mapping::Lines(_) => Place::of(node),
            };
            self.document(text, depth + 1, Some((place, &origin)));
        }
    }

    /// Runs the detector on `bytes` and maps the findings back to the file.
    fn detect(&self, bytes: &[u8], object: &str, mapping: Mapping, encoding: Option<&str>) -> Vec<Finding> {
        let origin = Origin {
            path: self.name.to_owned(),
            object: Some(object.to_owned()),
            line_offset: Some(match mapping {
                Mapping::Lines(l) => l,
                Mapping::At(p) => p.line,
            }),
            ..Origin::default()
        };
        let mut found = self.detector.detect(Fragment { bytes, origin: &origin });
        for f in &mut found {
            if let Mapping::At(p) = mapping {
                f.start_line = p.line;
                f.end_line = p.line;
                f.start_column = p.column;
                f.end_column = p.end_column;
            }
            if let Some(e) = encoding {
                f.decoded.insert(0, e.to_owned());
            }
            f.file = self.name.to_owned();
            f.object = Some(object.to_owned());
            f.fingerprint = fingerprint(None, &f.file, &f.gitleaks_id, f.start_line);
        }
        found
    }

    /// A finding of one of this module's own rules.
    #[allow(clippy::too_many_arguments)]
    fn own(
        &mut self,
        rule: &str,
        description: String,
        place: Place,
        object: &str,
        matched: String,
        secret: String,
        decoded: Vec<String>,
    ) {
        let gitleaks_id = rule.strip_prefix("secret/").unwrap_or(rule).to_owned();
        self.out.push(Finding {
            rule: rule.to_owned(),
            fingerprint: fingerprint(None, self.name, &gitleaks_id, place.line),
            gitleaks_id,
            description,
            start_line: place.line,
            end_line: place.line,
            start_column: place.column,
            end_column: place.end_column,
            entropy: entropy(&secret),
            matched,
            secret,
            file: self.name.to_owned(),
            symlink_file: None,
            commit: None,
            layer: None,
            object: Some(object.to_owned()),
            tags: vec!["kubernetes".to_owned()],
            decoded,
        });
    }

    /// Registry credentials of a docker config (`{"auths": {...}}` or the older `.dockercfg`
    /// map), unless the detector already reported the password.
    fn docker_config(&mut self, json: &str, object: &str, place: Place, found: &[Finding]) {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else { return };
        let auths = value.get("auths").unwrap_or(&value);
        let Some(auths) = auths.as_object() else { return };
        for (registry, entry) in auths {
            let from_auth = entry
                .get("auth")
                .and_then(serde_json::Value::as_str)
                .and_then(decode_base64)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .and_then(|s| s.split_once(':').map(|(u, p)| (u.to_owned(), p.to_owned())));
            let (user, password, via_auth) = match from_auth {
                Some((u, p)) => (u, p, true),
                None => {
                    let field = |k: &str| entry.get(k).and_then(serde_json::Value::as_str).unwrap_or("").to_owned();
                    (field("username"), field("password"), false)
                }
            };
            if password.is_empty() || found.iter().any(|f| password.contains(&f.secret) || f.secret.contains(&password))
            {
                continue;
            }
            let mut decoded = vec!["base64".to_owned()];
            if via_auth {
                decoded.push("base64".to_owned());
            }
            self.own(
                DOCKER_CONFIG_RULE,
                format!("Container registry credentials for {registry} in a docker config"),
                place,
                &format!("{object} auths.{registry}"),
                format!("{user}:{password}"),
                password,
                decoded,
            );
        }
    }

    /// A kubeconfig's user credentials.
    fn kubeconfig(&mut self, object: &str, root: &Node, outer: Option<(Place, &str)>) {
        let users = root.get("users").and_then(Node::as_seq).unwrap_or(&[]);
        for user in users {
            let user_name = user.get("name").and_then(Node::as_str).unwrap_or("-");
            let Some(fields) = user.get("user") else { continue };
            let provider = fields.get("auth-provider").and_then(|p| p.get("config"));
            let candidates = [
                ("client-key-data", fields.get("client-key-data"), true),
                ("token", fields.get("token"), false),
                ("password", fields.get("password"), false),
                ("auth-provider.config.id-token", provider.and_then(|c| c.get("id-token")), false),
                ("auth-provider.config.refresh-token", provider.and_then(|c| c.get("refresh-token")), false),
                ("auth-provider.config.access-token", provider.and_then(|c| c.get("access-token")), false),
                ("auth-provider.config.client-secret", provider.and_then(|c| c.get("client-secret")), false),
            ];
            for (field, node, encoded) in candidates {
                let Some(node) = node else { continue };
                let Some(value) = node.as_str() else { continue };
                if placeholder(value) {
                    continue;
                }
                let place = outer.map_or_else(|| Place::of(node), |(p, _)| p);
                let origin = format!("{object} users[{user_name}].user.{field}");
                let found = if encoded {
                    match decode_base64(value) {
                        Some(bytes) if !is_binary(&bytes) => {
                            self.detect(&bytes, &origin, Mapping::At(place), Some("base64"))
                        }
                        _ => Vec::new(),
                    }
                } else {
                    let text = format!("{field}: {value}");
                    self.detect(text.as_bytes(), &origin, Mapping::At(place), None)
                };
                if found.is_empty() {
                    self.own(
                        KUBECONFIG_RULE,
                        format!("Kubernetes credential in a kubeconfig ({field})"),
                        place,
                        &origin,
                        format!("{field}: {value}"),
                        value.to_owned(),
                        Vec::new(),
                    );
                } else {
                    self.out.extend(found);
                }
            }
        }
    }
}

/// The string-keyed entries of a mapping node.
fn entries(node: Option<&Node>) -> impl Iterator<Item = (&str, &Node)> {
    node.and_then(Node::as_map).unwrap_or(&[]).iter().filter_map(|(k, v)| Some((k.as_str()?, v)))
}
