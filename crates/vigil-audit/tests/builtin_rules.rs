//! vigil's built-in rules file (`rules/vigil_k8s_audit_rules.yaml`): it loads and compiles,
//! every rule fires on an audit event crafted for it and stays silent on a benign look-alike,
//! and it stacks with Falco's own k8saudit rules file loaded after it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use serde_json::{Value, json};
use vigil_audit::engine::{Alert, Engine, Matching};
use vigil_audit::rules::{Priority, RuleSet, RulesFile, load};

const BUILTIN: &str = include_str!("../rules/vigil_k8s_audit_rules.yaml");
const BUILTIN_NAME: &str = "vigil_k8s_audit_rules.yaml";

fn builtin() -> RulesFile {
    RulesFile { name: BUILTIN_NAME.to_string(), text: BUILTIN.to_string() }
}

fn set(files: &[RulesFile]) -> RuleSet {
    load(files).unwrap_or_else(|e| panic!("{e}"))
}

fn engine() -> Engine {
    Engine::compile(&set(&[builtin()]), Matching::All).unwrap_or_else(|e| panic!("{e}"))
}

fn alerts(engine: &Engine, event: &Value) -> Vec<Alert> {
    let event = &vigil_audit::json::Json::from(event);
    let mut out = Vec::new();
    engine.evaluate(event, &mut out);
    // The verb/resource index must not change any answer.
    let mut all = Vec::new();
    engine.evaluate_unindexed(event, &mut all);
    assert_eq!(out, all, "the rule index changed the alerts");
    out
}

fn fired(engine: &Engine, event: &Value) -> Vec<String> {
    alerts(engine, event).into_iter().map(|a| a.rule).collect()
}

/// An `audit.k8s.io/v1` event at stage ResponseComplete, by the ordinary user `alice`, allowed,
/// with the response code a successful `verb` gets.
fn event(verb: &str, resource: &str, namespace: Option<&str>, name: Option<&str>) -> Value {
    let mut object_ref = json!({ "resource": resource, "apiVersion": "v1" });
    if let Some(ns) = namespace {
        object_ref["namespace"] = json!(ns);
    }
    if let Some(n) = name {
        object_ref["name"] = json!(n);
    }
    let code = if verb == "create" { 201 } else { 200 };
    let uri = match (namespace, name) {
        (Some(ns), Some(n)) => format!("/api/v1/namespaces/{ns}/{resource}/{n}"),
        (Some(ns), None) => format!("/api/v1/namespaces/{ns}/{resource}"),
        (None, Some(n)) => format!("/apis/x/v1/{resource}/{n}"),
        (None, None) => format!("/apis/x/v1/{resource}"),
    };
    json!({
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "RequestResponse",
        "auditID": "0b8d6f4e-2c1a-4f5e-9d3b-7a6c5e4d3c2b",
        "stage": "ResponseComplete",
        "requestURI": uri,
        "verb": verb,
        "user": { "username": "alice", "groups": ["developers", "system:authenticated"] },
        "sourceIPs": ["10.0.0.7"],
        "userAgent": "kubectl/v1.31.0 (linux/amd64) kubernetes/abcdef0",
        "objectRef": object_ref,
        "responseStatus": { "metadata": {}, "code": code },
        "requestReceivedTimestamp": "2026-12-02T06:00:00.000000Z",
        "stageTimestamp": "2026-12-02T06:00:00.012345Z",
        "annotations": {
            "authorization.k8s.io/decision": "allow",
            "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding \"x\""
        }
    })
}

fn user(mut e: Value, name: &str, groups: &[&str]) -> Value {
    e["user"] = json!({ "username": name, "groups": groups });
    e
}

fn with(mut e: Value, key: &str, value: Value) -> Value {
    e[key] = value;
    e
}

fn subresource(mut e: Value, sub: &str) -> Value {
    e["objectRef"]["subresource"] = json!(sub);
    e
}

/// A pod create request in `ns` with `spec`; the response names the pod `web-1`.
fn pod(ns: &str, spec: Value) -> Value {
    let e = event("create", "pods", Some(ns), None);
    let e = with(
        e,
        "requestObject",
        json!({ "kind": "Pod", "apiVersion": "v1", "metadata": { "generateName": "web-" }, "spec": spec }),
    );
    with(
        e,
        "responseObject",
        json!({ "kind": "Pod", "apiVersion": "v1", "metadata": { "name": "web-1", "namespace": ns } }),
    )
}

fn nginx() -> Value {
    json!({ "containers": [{ "name": "nginx", "image": "nginx:1.27" }] })
}

fn privileged(list: &str) -> Value {
    let mut spec = nginx();
    spec[list] = json!([{ "name": "x", "image": "busybox:1.36", "securityContext": { "privileged": true } }]);
    spec
}

fn host_path(path: &str) -> Value {
    let mut spec = nginx();
    spec["volumes"] = json!([
        { "name": "cache", "emptyDir": {} },
        { "name": "host", "hostPath": { "path": path, "type": "" } }
    ]);
    spec
}

fn configmap(verb: &str, data: Value) -> Value {
    let e = event(verb, "configmaps", Some("default"), Some("app-config"));
    with(
        e,
        "requestObject",
        json!({ "kind": "ConfigMap", "apiVersion": "v1", "metadata": { "name": "app-config" }, "data": data }),
    )
}

fn binding(resource: &str, role: &str) -> Value {
    let ns = if resource == "rolebindings" { Some("default") } else { None };
    let e = event("create", resource, ns, Some("grant"));
    with(
        e,
        "requestObject",
        json!({
            "kind": "ClusterRoleBinding",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": { "name": "grant" },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role },
            "subjects": [{ "kind": "User", "name": "mallory", "apiGroup": "rbac.authorization.k8s.io" }]
        }),
    )
}

fn role(resource: &str, verbs: &[&str], resources: &[&str]) -> Value {
    let ns = if resource == "roles" { Some("default") } else { None };
    let e = event("create", resource, ns, Some("reader"));
    with(
        e,
        "requestObject",
        json!({
            "kind": "ClusterRole",
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": { "name": "reader" },
            "rules": [{ "apiGroups": [""], "resources": resources, "verbs": verbs }]
        }),
    )
}

fn webhook(resource: &str, verb: &str, name: &str, request: Option<Value>) -> Value {
    let e = event(verb, resource, None, Some(name).filter(|n| !n.is_empty()));
    match request {
        Some(r) => with(e, "requestObject", r),
        None => e,
    }
}

fn webhook_object(failure_policy: &str, namespace_selector: Option<Value>) -> Value {
    let mut hook = json!({
        "name": "verify.vigil.dev",
        "clientConfig": { "service": { "namespace": "vigil-system", "name": "vigil", "path": "/admission" } },
        "rules": [{ "operations": ["CREATE", "UPDATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"] }],
        "failurePolicy": failure_policy,
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"]
    });
    if let Some(sel) = namespace_selector {
        hook["namespaceSelector"] = sel;
    }
    json!({
        "kind": "ValidatingWebhookConfiguration",
        "apiVersion": "admissionregistration.k8s.io/v1",
        "metadata": { "name": "vigil" },
        "webhooks": [
            { "name": "first.vigil.dev", "failurePolicy": "Fail", "sideEffects": "None", "admissionReviewVersions": ["v1"],
              "clientConfig": { "service": { "namespace": "vigil-system", "name": "vigil" } } },
            hook
        ]
    })
}

fn exec(sub: &str, stage: &str) -> Value {
    let e = subresource(event("create", "pods", Some("default"), Some("web-1")), sub);
    let e = with(e, "stage", json!(stage));
    let e = with(e, "responseStatus", json!({ "metadata": {}, "code": 101 }));
    with(
        e,
        "requestURI",
        json!(format!("/api/v1/namespaces/default/pods/web-1/{sub}?command=sh&container=nginx&stdin=true&tty=true")),
    )
}

fn ephemeral(privileged: bool) -> Value {
    let e = subresource(event("patch", "pods", Some("default"), Some("web-1")), "ephemeralcontainers");
    let mut debugger = json!({ "name": "debugger-x7k2", "image": "busybox:1.36", "targetContainerName": "nginx" });
    if privileged {
        debugger["securityContext"] = json!({ "privileged": true });
    }
    with(
        e,
        "requestObject",
        json!({ "kind": "Pod", "apiVersion": "v1", "spec": { "ephemeralContainers": [debugger] } }),
    )
}

fn service(kind: &str) -> Value {
    let e = event("create", "services", Some("default"), Some("web"));
    with(
        e,
        "requestObject",
        json!({ "kind": "Service", "apiVersion": "v1", "metadata": { "name": "web" },
                "spec": { "type": kind, "ports": [{ "port": 80, "targetPort": 8080, "protocol": "TCP" }] } }),
    )
}

fn service_account(ns: &str, name: &str) -> Value {
    event("create", "serviceaccounts", Some(ns), Some(name))
}

fn anonymous(uri: &str, decision: &str) -> Value {
    let e = user(event("get", "namespaces", None, None), "system:anonymous", &["system:unauthenticated"]);
    let e = with(e, "requestURI", json!(uri));
    let e =
        with(e, "annotations", json!({ "authorization.k8s.io/decision": decision, "authorization.k8s.io/reason": "" }));
    if decision == "allow" { e } else { with(e, "responseStatus", json!({ "metadata": {}, "code": 403 })) }
}

struct Case {
    rule: &'static str,
    priority: Priority,
    fires: Vec<(&'static str, Value)>,
    silent: Vec<(&'static str, Value)>,
}

const SA_RS: &str = "system:serviceaccount:kube-system:replicaset-controller";

fn cases() -> Vec<Case> {
    let vigil_vwc = "validatingwebhookconfigurations";
    let vigil_mwc = "mutatingwebhookconfigurations";
    vec![
        Case {
            rule: "Vigil Webhook Configuration Deleted",
            priority: Priority::Critical,
            fires: vec![
                ("validating deleted", webhook(vigil_vwc, "delete", "vigil", None)),
                ("mutating deleted", webhook(vigil_mwc, "delete", "vigil-mutating", None)),
                ("all deleted at once", webhook(vigil_vwc, "deletecollection", "", None)),
            ],
            silent: vec![
                ("another webhook deleted", webhook(vigil_vwc, "delete", "istio-validator", None)),
                ("vigil's webhook read", webhook(vigil_vwc, "get", "vigil", None)),
                (
                    "delete forbidden",
                    with(webhook(vigil_vwc, "delete", "vigil", None), "responseStatus", json!({ "code": 403 })),
                ),
                (
                    "delete not yet complete",
                    with(webhook(vigil_vwc, "delete", "vigil", None), "stage", json!("ResponseStarted")),
                ),
            ],
        },
        Case {
            rule: "Vigil Webhook Failure Policy Set To Ignore",
            priority: Priority::Error,
            fires: vec![
                ("update, second webhook", webhook(vigil_vwc, "update", "vigil", Some(webhook_object("Ignore", None)))),
                (
                    "merge patch",
                    webhook(
                        vigil_vwc,
                        "patch",
                        "vigil-webhook",
                        Some(json!({ "webhooks": [{ "name": "verify.vigil.dev", "failurePolicy": "Ignore" }] })),
                    ),
                ),
                (
                    "json patch",
                    webhook(
                        vigil_mwc,
                        "patch",
                        "vigil-mutating",
                        Some(json!([
                            { "op": "test", "path": "/webhooks/0/name", "value": "verify.vigil.dev" },
                            { "op": "replace", "path": "/webhooks/0/failurePolicy", "value": "Ignore" }
                        ])),
                    ),
                ),
            ],
            silent: vec![
                ("update keeps Fail", webhook(vigil_vwc, "update", "vigil", Some(webhook_object("Fail", None)))),
                (
                    "other webhook set to Ignore",
                    webhook(vigil_vwc, "update", "other", Some(webhook_object("Ignore", None))),
                ),
            ],
        },
        Case {
            rule: "Vigil Webhook Selector Changed",
            priority: Priority::Warning,
            fires: vec![
                (
                    "update with a namespaceSelector",
                    webhook(
                        vigil_vwc,
                        "update",
                        "vigil",
                        Some(webhook_object(
                            "Fail",
                            Some(
                                json!({ "matchExpressions": [{ "key": "team", "operator": "NotIn", "values": ["red"] }] }),
                            ),
                        )),
                    ),
                ),
                (
                    "json patch of the selector",
                    webhook(
                        vigil_vwc,
                        "patch",
                        "vigil",
                        Some(json!([{ "op": "replace", "path": "/webhooks/0/namespaceSelector", "value": {} }])),
                    ),
                ),
            ],
            silent: vec![
                ("update without selectors", webhook(vigil_vwc, "update", "vigil", Some(webhook_object("Fail", None)))),
                (
                    "create with a selector",
                    webhook(vigil_vwc, "create", "vigil", Some(webhook_object("Fail", Some(json!({}))))),
                ),
            ],
        },
        Case {
            rule: "Vigil Webhook Configuration Modified",
            priority: Priority::Notice,
            fires: vec![
                ("update", webhook(vigil_vwc, "update", "vigil", Some(webhook_object("Fail", None)))),
                (
                    "caBundle patch",
                    webhook(
                        vigil_mwc,
                        "patch",
                        "vigil-mutating",
                        Some(
                            json!({ "webhooks": [{ "name": "m.vigil.dev", "clientConfig": { "caBundle": "LS0t" } }] }),
                        ),
                    ),
                ),
            ],
            silent: vec![
                (
                    "another configuration",
                    webhook(vigil_vwc, "update", "gatekeeper", Some(webhook_object("Fail", None))),
                ),
                ("create", webhook(vigil_vwc, "create", "vigil", Some(webhook_object("Fail", None)))),
            ],
        },
        Case {
            rule: "Pod Created in Admission-Exempt Namespace",
            priority: Priority::Warning,
            fires: vec![
                ("kube-system", pod("kube-system", nginx())),
                ("vigil-system", pod("vigil-system", nginx())),
                ("kube-node-lease", pod("kube-node-lease", nginx())),
            ],
            silent: vec![
                ("default namespace", pod("default", nginx())),
                ("by the replicaset controller", user(pod("kube-system", nginx()), SA_RS, &["system:serviceaccounts"])),
                ("mirror pod by a kubelet", user(pod("kube-system", nginx()), "system:node:node-1", &["system:nodes"])),
            ],
        },
        Case {
            rule: "Workload Created in Admission-Exempt Namespace",
            priority: Priority::Notice,
            fires: vec![
                ("deployment", event("create", "deployments", Some("kube-system"), Some("miner"))),
                ("daemonset patched", event("patch", "daemonsets", Some("kube-public"), Some("agent"))),
            ],
            silent: vec![
                ("default namespace", event("create", "deployments", Some("default"), Some("web"))),
                (
                    "scale subresource",
                    subresource(event("patch", "deployments", Some("kube-system"), Some("coredns")), "scale"),
                ),
                (
                    "by a controller",
                    user(
                        event("update", "replicasets", Some("kube-system"), Some("coredns-1")),
                        "system:serviceaccount:kube-system:deployment-controller",
                        &["system:serviceaccounts"],
                    ),
                ),
            ],
        },
        Case {
            rule: "Pod Created by Admission-Bypassing User",
            priority: Priority::Warning,
            fires: vec![(
                "system:masters member",
                user(pod("default", nginx()), "kubernetes-admin", &["system:masters", "system:authenticated"]),
            )],
            silent: vec![
                ("ordinary user", pod("default", nginx())),
                (
                    "system:masters member reads a pod",
                    user(event("get", "pods", Some("default"), Some("web-1")), "kubernetes-admin", &["system:masters"]),
                ),
            ],
        },
        Case {
            rule: "Privileged Container Started",
            priority: Priority::Warning,
            fires: vec![
                ("container", pod("default", privileged("containers"))),
                ("init container", pod("default", privileged("initContainers"))),
                ("ephemeral container in the pod spec", pod("default", privileged("ephemeralContainers"))),
                ("privileged ephemeral container added", ephemeral(true)),
            ],
            silent: vec![
                ("unprivileged", pod("default", nginx())),
                (
                    "privileged false",
                    pod(
                        "default",
                        json!({ "containers": [{ "name": "n", "image": "nginx", "securityContext": { "privileged": false } }] }),
                    ),
                ),
                (
                    "create rejected",
                    with(pod("default", privileged("containers")), "responseStatus", json!({ "code": 403 })),
                ),
            ],
        },
        Case {
            rule: "Pod Uses Host Network",
            priority: Priority::Warning,
            fires: vec![(
                "hostNetwork",
                pod("default", json!({ "hostNetwork": true, "containers": nginx()["containers"] })),
            )],
            silent: vec![(
                "hostNetwork false",
                pod("default", json!({ "hostNetwork": false, "containers": nginx()["containers"] })),
            )],
        },
        Case {
            rule: "Pod Uses Host PID Namespace",
            priority: Priority::Warning,
            fires: vec![("hostPID", pod("default", json!({ "hostPID": true, "containers": nginx()["containers"] })))],
            silent: vec![(
                "hostNetwork only",
                pod("default", json!({ "hostNetwork": true, "containers": nginx()["containers"] })),
            )],
        },
        Case {
            rule: "Pod Uses Host IPC Namespace",
            priority: Priority::Warning,
            fires: vec![("hostIPC", pod("default", json!({ "hostIPC": true, "containers": nginx()["containers"] })))],
            silent: vec![(
                "hostIPC false",
                pod("default", json!({ "hostIPC": false, "containers": nginx()["containers"] })),
            )],
        },
        Case {
            rule: "Pod Mounts Sensitive Host Path",
            priority: Priority::Warning,
            fires: vec![
                ("root", pod("default", host_path("/"))),
                ("etc", pod("default", host_path("/etc"))),
                ("under etc", pod("default", host_path("/etc/kubernetes/pki"))),
                ("proc", pod("default", host_path("/proc"))),
                ("root's home", pod("default", host_path("/root/.ssh"))),
                ("docker socket", pod("default", host_path("/var/run/docker.sock"))),
                ("containerd", pod("default", host_path("/var/run/containerd"))),
                ("containerd socket", pod("default", host_path("/run/containerd/containerd.sock"))),
                ("trailing slash", pod("default", host_path("/etc/"))),
            ],
            silent: vec![
                ("data directory", pod("default", host_path("/data/app"))),
                ("log directory", pod("default", host_path("/var/log/pods"))),
                ("etc look-alike", pod("default", host_path("/etcd-backup"))),
                ("no volumes", pod("default", nginx())),
            ],
        },
        Case {
            rule: "Exec or Attach Into Pod",
            priority: Priority::Notice,
            fires: vec![("exec", exec("exec", "ResponseStarted")), ("attach", exec("attach", "ResponseStarted"))],
            silent: vec![
                ("exec session ends", exec("exec", "ResponseComplete")),
                ("logs", exec("log", "ResponseStarted")),
            ],
        },
        Case {
            rule: "Ephemeral Container Added",
            priority: Priority::Notice,
            fires: vec![("kubectl debug", ephemeral(false))],
            silent: vec![
                (
                    "read of the subresource",
                    subresource(event("get", "pods", Some("default"), Some("web-1")), "ephemeralcontainers"),
                ),
                ("ordinary pod", pod("default", nginx())),
            ],
        },
        Case {
            rule: "Secret Read by Non-System User",
            priority: Priority::Warning,
            fires: vec![
                ("get", event("get", "secrets", Some("default"), Some("db"))),
                ("list", event("list", "secrets", Some("prod"), None)),
            ],
            silent: vec![
                (
                    "service account reads",
                    user(
                        event("get", "secrets", Some("default"), Some("db")),
                        "system:serviceaccount:argocd:argocd-server",
                        &["system:serviceaccounts"],
                    ),
                ),
                (
                    "forbidden",
                    with(
                        event("get", "secrets", Some("default"), Some("db")),
                        "responseStatus",
                        json!({ "code": 403 }),
                    ),
                ),
                ("create", event("create", "secrets", Some("default"), Some("db"))),
            ],
        },
        Case {
            rule: "ConfigMap With Credentials",
            priority: Priority::Warning,
            fires: vec![
                ("password key", configmap("create", json!({ "DB_PASSWORD": "hunter2" }))),
                (
                    "aws key",
                    configmap("update", json!({ "credentials": "[default]\naws_access_key_id = AKIAEXAMPLE" })),
                ),
                ("passwd key", configmap("patch", json!({ "passwd": "x" }))),
                ("token key", configmap("create", json!({ "github_token": "ghp_x" }))),
                ("private key", configmap("create", json!({ "key.pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIE" }))),
            ],
            silent: vec![
                (
                    "plain settings",
                    configmap("create", json!({ "LOG_LEVEL": "debug", "password_file": "/run/secrets/db" })),
                ),
                ("ca certificate", configmap("create", json!({ "ca.crt": "-----BEGIN CERTIFICATE-----\nMIIB" }))),
                ("deleted", configmap("delete", json!({ "password": "x" }))),
            ],
        },
        Case {
            rule: "Unauthenticated Request Allowed",
            priority: Priority::Warning,
            fires: vec![
                ("anonymous list", anonymous("/api/v1/namespaces", "allow")),
                (
                    "unauthenticated group",
                    user(anonymous("/api/v1/secrets", "allow"), "guest", &["system:unauthenticated"]),
                ),
            ],
            silent: vec![
                ("denied", anonymous("/api/v1/namespaces", "forbid")),
                ("healthz", anonymous("/healthz", "allow")),
                ("readyz verbose", anonymous("/readyz?verbose", "allow")),
                ("livez check", anonymous("/livez/ping", "allow")),
                ("version", anonymous("/version", "allow")),
            ],
        },
        Case {
            rule: "Binding to cluster-admin",
            priority: Priority::Error,
            fires: vec![
                ("cluster role binding", binding("clusterrolebindings", "cluster-admin")),
                ("role binding", binding("rolebindings", "cluster-admin")),
            ],
            silent: vec![
                ("view", binding("clusterrolebindings", "view")),
                (
                    "bootstrap by the apiserver",
                    user(binding("clusterrolebindings", "cluster-admin"), "system:apiserver", &["system:masters"]),
                ),
            ],
        },
        Case {
            rule: "Role With Wildcard Permissions",
            priority: Priority::Warning,
            fires: vec![
                ("wildcard verbs", role("clusterroles", &["*"], &["pods"])),
                ("wildcard resources", role("roles", &["get"], &["*"])),
            ],
            silent: vec![("explicit", role("clusterroles", &["get", "list"], &["pods", "services"]))],
        },
        Case {
            rule: "Service Account Created in System Namespace",
            priority: Priority::Warning,
            fires: vec![
                ("kube-system", service_account("kube-system", "backup")),
                ("kube-public", service_account("kube-public", "reader")),
            ],
            silent: vec![
                ("default namespace", service_account("default", "backup")),
                ("known account", service_account("kube-system", "coredns")),
                (
                    "by the controller manager",
                    user(service_account("kube-system", "job-controller"), "system:kube-controller-manager", &[]),
                ),
            ],
        },
        Case {
            rule: "NodePort Service Created",
            priority: Priority::Notice,
            fires: vec![("NodePort", service("NodePort"))],
            silent: vec![("ClusterIP", service("ClusterIP"))],
        },
        Case {
            rule: "Namespace Created or Deleted",
            priority: Priority::Informational,
            fires: vec![
                ("created", event("create", "namespaces", None, Some("team-a"))),
                ("deleted", event("delete", "namespaces", None, Some("team-a"))),
            ],
            silent: vec![
                (
                    "by the namespace controller",
                    user(
                        event("delete", "namespaces", None, Some("team-a")),
                        "system:serviceaccount:kube-system:namespace-controller",
                        &["system:serviceaccounts"],
                    ),
                ),
                ("finalize", subresource(event("update", "namespaces", None, Some("team-a")), "finalize")),
                ("read", event("get", "namespaces", None, Some("team-a"))),
            ],
        },
    ]
}

#[test]
fn loads_and_compiles_every_rule() {
    let set = set(&[builtin()]);
    assert!(set.rules.iter().all(|r| r.source == "k8s_audit"), "every rule is for source k8s_audit");
    let engine = Engine::compile(&set, Matching::All).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(engine.len(), set.rules.len(), "every rule is enabled and compiles");
    assert_eq!(engine.len(), cases().len(), "one case per rule (a new rule needs a case)");
    for rule in &set.rules {
        assert!(rule.tags.iter().any(|t| t == "k8s") && rule.tags.iter().any(|t| t == "vigil"), "{}: tags", rule.name);
        assert!(rule.desc.len() > 60, "{}: desc says what and why", rule.name);
        assert!(rule.output.contains("%ka.user.name"), "{}: output names the user", rule.name);
    }
    for (name, items) in &set.lists {
        if name.starts_with("vigil_") {
            continue;
        }
        panic!("list `{name}` ({items:?}) is not prefixed vigil_ and may clash with other rules files");
    }
    for name in set.macros.keys() {
        assert!(name.starts_with("vigil_"), "macro `{name}` is not prefixed vigil_");
    }
}

#[test]
fn each_rule_fires_on_its_event_and_not_on_a_benign_one() {
    let engine = engine();
    let names: BTreeSet<String> = engine.rules().into_iter().map(|r| r.name).collect();
    let mut checked = 0;
    for case in cases() {
        assert!(names.contains(case.rule), "no rule named `{}` in the file", case.rule);
        assert!(!case.fires.is_empty() && !case.silent.is_empty(), "{}: needs both kinds of events", case.rule);
        for (what, event) in &case.fires {
            let got = alerts(&engine, event);
            let alert = got.iter().find(|a| a.rule == case.rule);
            let alert = alert.unwrap_or_else(|| {
                panic!(
                    "{}: did not fire on `{what}` (fired: {:?})",
                    case.rule,
                    got.iter().map(|a| &a.rule).collect::<Vec<_>>()
                )
            });
            assert_eq!(alert.priority, case.priority, "{}: priority", case.rule);
            assert_eq!(alert.source, "k8s_audit");
            assert!(alert.tags.iter().any(|t| t == "vigil"), "{}: tags", case.rule);
            assert!(!alert.output.contains("%ka."), "{}: output left a field unformatted: {}", case.rule, alert.output);
            checked += 1;
        }
        for (what, event) in &case.silent {
            let got = fired(&engine, event);
            assert!(!got.iter().any(|r| r == case.rule), "{}: fired on the benign `{what}`", case.rule);
            checked += 1;
        }
    }
    assert_eq!(checked, 106, "events checked");
}

#[test]
fn ordinary_activity_raises_nothing() {
    let engine = engine();
    let ordinary = [
        ("pod by the replicaset controller", user(pod("default", nginx()), SA_RS, &["system:serviceaccounts"])),
        ("pod by a user", pod("apps", nginx())),
        ("deployment", event("create", "deployments", Some("apps"), Some("web"))),
        ("configmap", configmap("create", json!({ "LOG_LEVEL": "info" }))),
        ("service", service("ClusterIP")),
        ("list pods", event("list", "pods", Some("apps"), None)),
        ("role binding to view", binding("rolebindings", "view")),
        ("read vigil's webhook", webhook("validatingwebhookconfigurations", "get", "vigil", None)),
        ("healthz", anonymous("/healthz", "allow")),
    ];
    for (what, event) in &ordinary {
        assert_eq!(fired(&engine, event), Vec::<String>::new(), "{what}");
    }
}

#[test]
fn alert_output_carries_the_request() {
    let engine = engine();
    let got = alerts(&engine, &webhook("validatingwebhookconfigurations", "delete", "vigil", None));
    assert_eq!(got.len(), 1, "{got:?}");
    let alert = &got[0];
    assert_eq!(alert.rule, "Vigil Webhook Configuration Deleted");
    assert!(alert.output.contains("user=alice"), "{}", alert.output);
    assert!(alert.output.contains("name=vigil"), "{}", alert.output);
    assert!(alert.output.contains("verb=delete"), "{}", alert.output);
    assert_eq!(alert.output_fields.get("ka.target.name"), Some(&json!("vigil")));
    assert_eq!(alert.output_fields.get("ka.user.groups"), Some(&json!(["developers", "system:authenticated"])));
}

#[test]
fn user_lists_can_be_overridden() {
    let overrides = RulesFile {
        name: "local.yaml".into(),
        text: r"
- list: vigil_webhook_configurations
  items: [admission-guard]
  override:
    items: replace
- list: vigil_exempt_namespaces
  items: [monitoring]
  override:
    items: append
- list: vigil_webhook_managers
  items: [vigil-installer]
  override:
    items: append
"
        .into(),
    };
    let engine = Engine::compile(&set(&[builtin(), overrides]), Matching::All).unwrap_or_else(|e| panic!("{e}"));
    let deleted = "Vigil Webhook Configuration Deleted";
    let vwc = "validatingwebhookconfigurations";
    assert!(fired(&engine, &webhook(vwc, "delete", "admission-guard", None)).iter().any(|r| r == deleted));
    assert!(!fired(&engine, &webhook(vwc, "delete", "vigil", None)).iter().any(|r| r == deleted));
    let by_installer = user(webhook(vwc, "delete", "admission-guard", None), "vigil-installer", &[]);
    assert!(!fired(&engine, &by_installer).iter().any(|r| r == deleted));
    let exempt = "Pod Created in Admission-Exempt Namespace";
    assert!(fired(&engine, &pod("monitoring", nginx())).iter().any(|r| r == exempt));
    assert!(fired(&engine, &pod("kube-system", nginx())).iter().any(|r| r == exempt));
}

#[test]
fn first_match_reports_the_most_specific_webhook_rule() {
    let engine = Engine::compile(&set(&[builtin()]), Matching::First).unwrap_or_else(|e| panic!("{e}"));
    let ignore = webhook("validatingwebhookconfigurations", "update", "vigil", Some(webhook_object("Ignore", None)));
    assert_eq!(fired(&engine, &ignore), ["Vigil Webhook Failure Policy Set To Ignore"]);
    let engine = self::engine();
    assert_eq!(
        fired(&engine, &ignore),
        ["Vigil Webhook Failure Policy Set To Ignore", "Vigil Webhook Configuration Modified"]
    );
}

#[test]
fn stacks_with_falcos_k8s_audit_rules() {
    let Some(root) = vigil_testkit::require_corpus("k8s-audit") else { return };
    let path = root.join("falco-plugins-k8saudit/plugins/k8saudit/rules/k8s_audit_rules.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let falco = RulesFile { name: "k8s_audit_rules.yaml".into(), text };
    let ours = set(&[builtin()]);
    let theirs = set(std::slice::from_ref(&falco));
    let our_names: BTreeSet<&str> = ours.rules.iter().map(|r| r.name.as_str()).collect();
    for rule in &theirs.rules {
        assert!(!our_names.contains(rule.name.as_str()), "rule name `{}` is also Falco's", rule.name);
    }
    for name in theirs.macros.keys() {
        assert!(!ours.macros.contains_key(name), "macro `{name}` is also Falco's");
    }
    for name in theirs.lists.keys() {
        assert!(!ours.lists.contains_key(name), "list `{name}` is also Falco's");
    }

    let both = set(&[builtin(), falco]);
    assert_eq!(both.rules.len(), ours.rules.len() + theirs.rules.len());
    let engine = Engine::compile(&both, Matching::All).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        engine.len(),
        Engine::compile(&ours, Matching::All).unwrap().len() + Engine::compile(&theirs, Matching::All).unwrap().len()
    );
    // Our rules keep working next to Falco's, and Falco's fire too.
    let got = fired(&engine, &pod("default", privileged("containers")));
    assert!(got.iter().any(|r| r == "Privileged Container Started"), "{got:?}");
    assert!(got.iter().any(|r| r == "Create Privileged Pod"), "{got:?}");
    let got = fired(&engine, &webhook("validatingwebhookconfigurations", "delete", "vigil", None));
    assert!(got.iter().any(|r| r == "Vigil Webhook Configuration Deleted"), "{got:?}");
}
