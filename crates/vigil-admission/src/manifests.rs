//! `vigil webhook manifests`: everything a cluster needs to run `vigil serve`, ready to apply.
//! The Deployment passes Pod Security `restricted`; the webhook configurations exempt
//! `kube-system` and vigil's own namespace so a broken webhook can always be repaired.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

/// What to generate.
#[derive(Debug, Clone)]
pub struct ManifestOptions {
    /// Service name (also the name of most objects).
    pub service: String,
    /// Namespace vigil runs in.
    pub namespace: String,
    /// The vigil container image.
    pub image: String,
    /// Replicas of the Deployment.
    pub replicas: u32,
    /// Policy files to ship in a ConfigMap: (file name, contents).
    pub policies: Vec<(String, String)>,
    /// TLS material to ship in a Secret: (CA PEM, certificate PEM, key PEM).
    pub tls: Option<(String, String, String)>,
    /// CA bundle (PEM) for the webhook configurations when `tls` is not given.
    pub ca_bundle: Option<String>,
    /// `Fail` or `Ignore` when the webhook cannot be reached.
    pub failure_policy: String,
    /// vigil's own failure mode for undecidable checks (`closed` or `open`).
    pub failure_mode: String,
    /// Webhook `timeoutSeconds` (1-30).
    pub timeout_seconds: u32,
    /// Extra namespaces the webhooks never see (besides `kube-system` and vigil's own).
    pub exempt_namespaces: Vec<String>,
}

/// Resources the webhooks intercept: every Pod-bearing kind.
const RULES: &[(&str, &[&str])] = &[
    ("", &["pods", "pods/ephemeralcontainers", "podtemplates", "replicationcontrollers"]),
    ("apps", &["deployments", "replicasets", "daemonsets", "statefulsets"]),
    ("batch", &["jobs", "cronjobs"]),
];

/// The objects, in apply order.
#[must_use]
pub fn objects(o: &ManifestOptions) -> Vec<Value> {
    let name = &o.service;
    let ns = &o.namespace;
    let labels = json!({"app.kubernetes.io/name": "vigil", "app.kubernetes.io/component": "admission-webhook", "app.kubernetes.io/instance": name});
    let selector = json!({"app.kubernetes.io/name": "vigil", "app.kubernetes.io/instance": name});
    let mut out = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
        }}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns, "labels": labels},
            "automountServiceAccountToken": false}),
    ];
    let policy_files: Vec<&str> = o.policies.iter().map(|(file, _)| file.as_str()).collect();
    if !o.policies.is_empty() {
        let data: BTreeMap<&str, &str> = o.policies.iter().map(|(f, c)| (f.as_str(), c.as_str())).collect();
        out.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("{name}-policy"), "namespace": ns, "labels": labels}, "data": data}));
    }
    if let Some((ca, cert, key)) = &o.tls {
        out.push(json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": format!("{name}-tls"), "namespace": ns, "labels": labels},
            "stringData": {"ca.crt": ca, "tls.crt": cert, "tls.key": key}}));
    }
    let mut args = vec![
        "serve".to_string(),
        "--listen=0.0.0.0:8443".into(),
        "--tls-cert=/etc/vigil/tls/tls.crt".into(),
        "--tls-key=/etc/vigil/tls/tls.key".into(),
        format!("--failure-mode={}", o.failure_mode),
        format!("--timeout={}", o.timeout_seconds.saturating_sub(1).max(1)),
    ];
    if policy_files.is_empty() {
        args.push("--policy=/etc/vigil/policy/policy.yaml".into());
    }
    args.extend(policy_files.iter().map(|f| format!("--policy=/etc/vigil/policy/{f}")));
    let probe = |path: &str, period: u32| json!({"httpGet": {"path": path, "port": "https", "scheme": "HTTPS"}, "periodSeconds": period, "timeoutSeconds": 2, "failureThreshold": 3});
    out.push(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {
            "replicas": o.replicas,
            "selector": {"matchLabels": selector},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": name,
                    "automountServiceAccountToken": false,
                    "securityContext": {"runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532, "fsGroup": 65532,
                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                        {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": selector}}}
                    ]}},
                    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": selector}}],
                    "terminationGracePeriodSeconds": 30,
                    "containers": [{
                        "name": "vigil",
                        "image": o.image,
                        "imagePullPolicy": "IfNotPresent",
                        "args": args,
                        "ports": [{"name": "https", "containerPort": 8443, "protocol": "TCP"}],
                        "readinessProbe": probe("/readyz", 5),
                        "livenessProbe": probe("/healthz", 10),
                        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}},
                        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true,
                            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
                        "volumeMounts": [
                            {"name": "tls", "mountPath": "/etc/vigil/tls", "readOnly": true},
                            {"name": "policy", "mountPath": "/etc/vigil/policy", "readOnly": true},
                            {"name": "tmp", "mountPath": "/tmp"},
                        ],
                    }],
                    "volumes": [
                        {"name": "tls", "secret": {"secretName": format!("{name}-tls")}},
                        {"name": "policy", "configMap": {"name": format!("{name}-policy")}},
                        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
                    ],
                },
            },
        },
    }));
    out.push(json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector}}}));
    out.push(json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {"selector": selector, "ports": [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}]}}));

    let ca_bundle = o.tls.as_ref().map(|(ca, _, _)| ca.clone()).or_else(|| o.ca_bundle.clone());
    let mut exempt = vec!["kube-system".to_string(), ns.clone()];
    exempt.extend(o.exempt_namespaces.iter().cloned());
    exempt.sort();
    exempt.dedup();
    let webhook = |kind: &str, path: &str| {
        let mut client = json!({"service": {"name": name, "namespace": ns, "path": path, "port": 443}});
        if let Some(ca) = &ca_bundle {
            client["caBundle"] = BASE64.encode(ca).into();
        }
        let rules: Vec<Value> = RULES
            .iter()
            .map(|(group, resources)| {
                json!({"apiGroups": [group], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": resources, "scope": "Namespaced"})
            })
            .collect();
        let mut hook = json!({
            "name": format!("{}.{name}.{ns}.vigil.dev", if kind == "validate" { "validate" } else { "mutate" }),
            "clientConfig": client,
            "rules": rules,
            "failurePolicy": o.failure_policy,
            "matchPolicy": "Equivalent",
            "sideEffects": "None",
            "admissionReviewVersions": ["v1"],
            "timeoutSeconds": o.timeout_seconds,
            "namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": exempt}]},
        });
        if kind == "mutate" {
            hook["reinvocationPolicy"] = "IfNeeded".into();
        }
        hook
    };
    out.push(json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": name, "labels": labels}, "webhooks": [webhook("mutate", "/mutate")]}));
    out.push(json!({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": name, "labels": labels}, "webhooks": [webhook("validate", "/validate")]}));
    out
}

/// The objects as one multi-document YAML stream.
///
/// # Errors
/// Serialization failure (does not happen for these values).
pub fn render_yaml(objects: &[Value]) -> Result<String, String> {
    let mut out = String::from("# Generated by `vigil webhook manifests`; apply with `kubectl apply -f`.\n");
    for object in objects {
        out.push_str("---\n");
        out.push_str(&serde_saphyr::to_string(object).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ManifestOptions {
        ManifestOptions {
            service: "vigil".into(),
            namespace: "vigil-system".into(),
            image: "ghcr.io/example/vigil:0.1.0".into(),
            replicas: 3,
            policies: vec![("policy.yaml".into(), "apiVersion: vigil.dev/v1alpha1\n".into())],
            tls: None,
            ca_bundle: Some("-----BEGIN CERTIFICATE-----\n".into()),
            failure_policy: "Fail".into(),
            failure_mode: "closed".into(),
            timeout_seconds: 10,
            exempt_namespaces: vec![],
        }
    }

    #[test]
    fn webhooks_exempt_kube_system_and_vigil() {
        let objects = objects(&options());
        let kinds: Vec<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
        assert_eq!(
            kinds,
            [
                "Namespace",
                "ServiceAccount",
                "ConfigMap",
                "Deployment",
                "PodDisruptionBudget",
                "Service",
                "MutatingWebhookConfiguration",
                "ValidatingWebhookConfiguration"
            ]
        );
        let validating = objects.last().unwrap();
        let hook = &validating["webhooks"][0];
        assert_eq!(hook["sideEffects"], "None");
        assert_eq!(hook["namespaceSelector"]["matchExpressions"][0]["values"], json!(["kube-system", "vigil-system"]));
        assert!(render_yaml(&objects).unwrap().contains("kind: ValidatingWebhookConfiguration"));
    }
}
