//! The condition language: every operator with libsinsp's semantics (absent values, list
//! fields, numbers), macros and lists, errors, and hostile conditions that must not panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use proptest::prelude::*;
use serde_json::{Value, json};
use vigil_audit::condition::{EventValues, Fields, Scope, compile, eval};

fn event() -> Value {
    json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "a1", "stage": "ResponseComplete",
        "verb": "create", "requestURI": "/api/v1/namespaces/shop/pods?dryRun=All",
        "user": {"username": "alice", "groups": ["dev", "system:authenticated"]},
        "objectRef": {"resource": "pods", "namespace": "shop", "name": "web"},
        "responseStatus": {"code": 201},
        "stageTimestamp": "2026-12-02T10:00:00.000001Z",
        "annotations": {"authorization.k8s.io/decision": "allow", "a/b": "x"},
        "requestObject": {"kind": "Pod", "spec": {
            "containers": [
                {"name": "app", "image": "ghcr.io/org/app:1.0", "securityContext": {"privileged": true}},
                {"name": "side", "image": "busybox"}
            ],
            "volumes": [{"name": "etc", "hostPath": {"path": "/etc/ssl"}}]
        }}
    })
}

fn check(condition: &str) -> bool {
    check_with(condition, &HashMap::new(), &HashMap::new())
}

fn check_with(condition: &str, macros: &HashMap<String, String>, lists: &HashMap<String, Vec<String>>) -> bool {
    let scope = Scope { macros, lists };
    let mut fields = Fields::default();
    let expr = compile(condition, &scope, &mut fields).unwrap_or_else(|e| panic!("{condition}: {e}"));
    let ev = event();
    let ev = vigil_audit::json::Json::from(&ev);
    let mut values = EventValues::new(&ev, &fields);
    eval(&expr, &fields, &mut values)
}

#[test]
fn scalar_operators() {
    for (cond, want) in [
        ("ka.verb = create", true),
        ("ka.verb == create", true),
        ("ka.verb=create", true),
        ("ka.verb != create", false),
        ("ka.verb = \"create\"", true),
        ("ka.verb = 'create'", true),
        ("ka.verb in (get, create)", true),
        ("ka.verb in (get, list)", false),
        ("ka.verb intersects (create)", true),
        ("ka.user.name contains lic", true),
        ("ka.user.name icontains LIC", true),
        ("ka.user.name startswith al", true),
        ("ka.user.name endswith ice", true),
        ("ka.user.name glob 'a*e'", true),
        ("ka.user.name glob 'b*'", false),
        ("ka.user.name iglob 'A?ICE'", true),
        ("ka.user.name regex 'a.*'", true),
        ("ka.user.name regex 'lic'", false),
        ("ka.response.code = 201", true),
        ("ka.response.code startswith 2", true),
        ("ka.response.code > 200", true),
        ("ka.response.code < 300", true),
        ("ka.response.code >= 202", false),
        ("ka.response.code <= 201", true),
        ("ka.user.name bcontains 6c6963", true),
        ("ka.user.name bstartswith 616c", true),
        ("ka.target.name = val(ka.target.name)", true),
        ("ka.target.name = val(ka.verb)", false),
        ("tolower(ka.user.name) = alice", true),
        ("toupper(ka.user.name) = ALICE", true),
        ("jevt.value[/annotations/a~1b] = x", true),
        ("jevt.value[/annotations/authorization.k8s.io~1decision] = allow", true),
        ("ka.uri.param[dryRun] = All", true),
    ] {
        assert_eq!(check(cond), want, "{cond}");
    }
}

#[test]
fn absent_values_make_every_comparison_false() {
    // ka.impuser.name is absent in the event.
    assert!(!check("ka.impuser.name = x"));
    assert!(!check("ka.impuser.name != x"), "`!=` of an absent value is false too");
    assert!(!check("ka.impuser.name exists"));
    assert!(check("not ka.impuser.name exists"));
    assert!(check("not ka.impuser.name = x"));
    assert!(!check("ka.impuser.name in (x, y)"));
}

#[test]
fn list_fields_in_is_every_value_intersects_is_any() {
    assert!(check("ka.req.pod.containers.image.repository in (ghcr.io/org/app, busybox)"));
    assert!(!check("ka.req.pod.containers.image.repository in (busybox)"), "not every value is in the set");
    assert!(check("ka.req.pod.containers.image.repository intersects (busybox)"));
    assert!(!check("ka.req.pod.containers.image.repository intersects (nginx)"));
    assert!(check("ka.req.pod.containers.privileged intersects (true)"));
    assert!(check("ka.user.groups intersects (dev)"));
    assert!(check("ka.req.pod.containers.image exists"));
    // Another operator on a list field loads, and never matches (libsinsp refuses it).
    assert!(!check("ka.req.pod.containers.image contains busybox"));
    assert!(check("ka.req.pod.volumes.hostpath intersects (/etc/ssl)"));
    // `pmatch` is not one of the list operators either.
    assert!(!check("ka.req.pod.volumes.hostpath pmatch (/etc)"));
    assert!(check("ka.target.namespace pmatch (shop)"));
}

#[test]
fn precedence_macros_and_lists() {
    // and binds tighter than or; not tighter than and.
    assert!(check("ka.verb = get and ka.verb = list or ka.verb = create"));
    assert!(!check("not ka.verb = create and ka.verb = create"));
    assert!(check("not (ka.verb = get or ka.verb = list)"));
    let macros: HashMap<String, String> = [
        ("kcreate".to_owned(), "ka.verb = create".to_owned()),
        ("pod".to_owned(), "ka.target.resource = pods".to_owned()),
        ("both".to_owned(), "kcreate and pod".to_owned()),
    ]
    .into();
    let lists: HashMap<String, Vec<String>> =
        [("verbs".to_owned(), vec!["create".to_owned(), "update".to_owned()])].into();
    assert!(check_with("both and ka.verb in (verbs)", &macros, &lists));
    assert!(check_with("ka.verb in (get, verbs)", &macros, &lists));
    assert!(!check_with("not both", &macros, &lists));
    // An unknown list name in a list is a literal value.
    assert!(!check_with("ka.verb in (unknown_list)", &macros, &lists));
}

#[test]
fn errors_name_what_is_wrong() {
    let empty = HashMap::new();
    let lists = HashMap::new();
    let err = |cond: &str, macros: &HashMap<String, String>| {
        let scope = Scope { macros, lists: &lists };
        compile(cond, &scope, &mut Fields::default()).unwrap_err().to_string()
    };
    assert!(err("ka.nope = 1", &empty).contains("unknown field `ka.nope`"));
    assert!(err("undefined_macro", &empty).contains("undefined macro `undefined_macro`"));
    assert!(err("ka.verb = ", &empty).contains("expected a value"));
    assert!(err("(ka.verb = x", &empty).contains("missing `)`"));
    assert!(err("ka.verb = 'x", &empty).contains("unterminated string"));
    assert!(err("ka.verb", &empty).contains("not followed by an operator"));
    assert!(err("ka.verb = x y", &empty).contains("unexpected token"));
    let looped: HashMap<String, String> =
        [("a".to_owned(), "b".to_owned()), ("b".to_owned(), "ka.verb = x and a".to_owned())].into();
    let e = err("a", &looped);
    assert!(e.contains("refers to itself"), "{e}");
    assert!(err("ka.user.name regex '('", &empty).contains("bad regex"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]
    /// Hostile conditions: compile refuses or evaluates, never panics, never hangs.
    #[test]
    fn hostile_conditions_never_panic(cond in "[a-z. ()=!<>,'\"\\[\\]/*?0-9-]{0,80}") {
        let macros = HashMap::new();
        let lists = HashMap::new();
        let scope = Scope { macros: &macros, lists: &lists };
        let mut fields = Fields::default();
        if let Ok(expr) = compile(&cond, &scope, &mut fields) {
            let ev = event();
            let ev = vigil_audit::json::Json::from(&ev);
    let mut values = EventValues::new(&ev, &fields);
            let _ = eval(&expr, &fields, &mut values);
        }
    }

    /// Long `not` chains are refused, not a stack overflow.
    #[test]
    fn deep_not_chains_are_refused(depth in 190usize..5000) {
        let cond = format!("{}ka.verb = x", "not ".repeat(depth));
        let macros = HashMap::new();
        let lists = HashMap::new();
        let scope = Scope { macros: &macros, lists: &lists };
        let result = compile(&cond, &scope, &mut Fields::default());
        prop_assert_eq!(result.is_ok(), depth <= 200);
    }

    /// Deep nesting is refused, not a stack overflow.
    #[test]
    fn deep_nesting_is_refused(depth in 190usize..400) {
        let cond = format!("{}ka.verb = x{}", "(".repeat(depth), ")".repeat(depth));
        let macros = HashMap::new();
        let lists = HashMap::new();
        let scope = Scope { macros: &macros, lists: &lists };
        let result = compile(&cond, &scope, &mut Fields::default());
        prop_assert_eq!(result.is_ok(), depth <= 200);
    }

    /// Glob patterns with many stars on long texts finish (no exponential backtracking).
    #[test]
    fn globs_are_linear(stars in 1usize..30) {
        let pattern = format!("'{}b'", "a*".repeat(stars));
        let cond = format!("ka.user.name glob {pattern}");
        let _ = check(&cond);
    }
}
