//! Falco's own k8s_audit test suite (falcosecurity/falco `test/falco_k8s_audit_tests.yaml`) as
//! an oracle: for every test, the same rules files in the same order, the same trace, and
//! Falco's expectations: whether anything is detected, at which priority, and the exact number
//! of alerts of the named rule. The syscall ruleset `falco_rules.yaml` each test also loads is
//! not in the corpus and has no `k8s_audit` rule, so it is left out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use vigil_audit::engine::{Engine, Matching};
use vigil_audit::event::{Input, ReadOptions, read};
use vigil_audit::rules::{Priority, RulesFile, load};

/// The number of tests in the suite.
const TESTS: usize = 66;

struct Case {
    name: String,
    detect: bool,
    level: Option<String>,
    counts: Vec<(String, u64)>,
    rules: Vec<PathBuf>,
    trace: PathBuf,
    stderr_contains: Option<String>,
}

fn cases(root: &Path) -> Vec<Case> {
    let tests = root.join("falco-tests/test");
    let text = std::fs::read_to_string(tests.join("falco_k8s_audit_tests.yaml")).unwrap();
    // `!mux` is the Avocado multiplexer's tag: a plain mapping to us.
    let text = text.replace("!mux", "");
    let doc: Value = vigil_yaml::from_str("falco_k8s_audit_tests.yaml", &text, &vigil_yaml::Limits::config()).unwrap();
    let mut out = Vec::new();
    for (name, t) in doc["trace_files"].as_object().unwrap() {
        let mut rules = Vec::new();
        for f in t["rules_file"].as_array().unwrap() {
            let f = f.as_str().unwrap();
            if f.ends_with("/falco_rules.yaml") {
                continue;
            }
            if f.starts_with("BUILD_DIR/k8saudit-rules") {
                rules.push(root.join("falco-plugins-k8saudit/k8s_audit_rules.v0.6.0.yaml"));
            } else {
                rules.push(tests.join(f.trim_start_matches("./")));
            }
        }
        let opts = t["addl_cmdline_opts"].as_str().unwrap();
        let trace = opts.rsplit_once("open_params=").unwrap().1.trim();
        let counts = t["detect_counts"]
            .as_array()
            .map(|list| {
                list.iter()
                    .flat_map(|m| m.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap())))
                    .collect()
            })
            .unwrap_or_default();
        out.push(Case {
            name: name.clone(),
            detect: t["detect"].as_bool().unwrap(),
            level: t["detect_level"].as_str().map(str::to_owned),
            counts,
            rules,
            trace: tests.join(trace),
            stderr_contains: t["stderr_contains"].as_str().map(str::to_owned),
        });
    }
    out
}

/// What the syscall ruleset `falco_rules.yaml` (loaded first by every test, not in the corpus)
/// contributes to k8s_audit rules: two image lists the k8s_audit rules use and override files
/// append to. Their upstream items are Falco's own infrastructure images (none of them nginx or
/// mysql, the only images of these traces), so empty lists stand in for them.
const SYSCALL_RULES_STAND_IN: &str = "
- list: falco_privileged_images
  items: []
- list: falco_sensitive_mount_images
  items: []
";

fn run(case: &Case) -> Result<(), String> {
    let mut files = vec![RulesFile { name: "falco_rules.yaml (stand-in)".into(), text: SYSCALL_RULES_STAND_IN.into() }];
    files.extend(
        case.rules
            .iter()
            .map(|p| RulesFile { name: p.display().to_string(), text: std::fs::read_to_string(p).unwrap() }),
    );
    let set = load(&files).map_err(|e| format!("load: {e}"))?;
    let engine = Engine::compile(&set, Matching::First).map_err(|e| format!("compile: {e}"))?;
    let mut alerts = Vec::new();
    let mut bad = Vec::new();
    let mut index_disagrees = Vec::new();
    read(
        &Input::Path(case.trace.clone()),
        &ReadOptions::default(),
        &mut |event| {
            let before = alerts.len();
            engine.evaluate(&event.value, &mut alerts);
            // The verb/resource index only skips rules that cannot match: every rule evaluated
            // must give the same alerts.
            let mut all = Vec::new();
            engine.evaluate_unindexed(&event.value, &mut all);
            if alerts.get(before..) != Some(all.as_slice()) {
                index_disagrees.push(event.line);
            }
        },
        &mut |b| bad.push(b.to_string()),
    )
    .map_err(|e| format!("read: {e}"))?;
    if !index_disagrees.is_empty() {
        return Err(format!("the rule index changed the alerts of lines {index_disagrees:?}"));
    }
    if let Some(needle) = &case.stderr_contains
        && !bad.iter().any(|b| b.contains(needle.as_str()))
    {
        return Err(format!("expected an error containing `{needle}`, got {bad:?}"));
    }
    let mut by_rule: BTreeMap<&str, u64> = BTreeMap::new();
    for a in &alerts {
        *by_rule.entry(a.rule.as_str()).or_default() += 1;
    }
    let detected = !alerts.is_empty();
    if case.detect != detected {
        return Err(format!("detect {} but alerts {by_rule:?}", case.detect));
    }
    // Falco's harness checks the level only of tests that detect.
    if let Some(level) = case.level.as_ref().filter(|_| case.detect) {
        let want = Priority::parse(level).unwrap();
        if !alerts.iter().any(|a| a.priority == want) {
            return Err(format!("no alert at {level}: {by_rule:?}"));
        }
    }
    for (rule, n) in &case.counts {
        let got = by_rule.get(rule.as_str()).copied().unwrap_or(0);
        if got != *n {
            return Err(format!("`{rule}`: {got} alerts, expected {n} (all: {by_rule:?})"));
        }
    }
    Ok(())
}

#[test]
fn falco_k8s_audit_suite_passes() {
    let Some(root) = vigil_testkit::require_corpus("k8s-audit") else { return };
    let cases = cases(&root);
    assert_eq!(cases.len(), TESTS, "the suite has {TESTS} tests");
    let mut failed = Vec::new();
    for case in &cases {
        if let Err(e) = run(case) {
            failed.push(format!("{}: {e}", case.name));
        }
    }
    let passed = cases.len() - failed.len();
    vigil_testkit::report(format!("falco k8s_audit oracle: {passed}/{} tests pass", cases.len()));
    assert!(failed.is_empty(), "{} of {TESTS} failed:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn current_plugin_rules_load_and_compile() {
    let Some(root) = vigil_testkit::require_corpus("k8s-audit") else { return };
    for file in [
        "falco-plugins-k8saudit/plugins/k8saudit/rules/k8s_audit_rules.yaml",
        "falco-plugins-k8saudit/k8s_audit_rules.v0.6.0.yaml",
    ] {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let set = load(&[RulesFile { name: file.into(), text }]).unwrap_or_else(|e| panic!("{e}"));
        let engine = Engine::compile(&set, Matching::First).unwrap_or_else(|e| panic!("{e}"));
        assert!(engine.len() >= 43, "{file}: {} rules", engine.len());
    }
}
