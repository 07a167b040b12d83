//! Loading Falco rules files: the real k8saudit rules files, the override files of Falco's
//! own tests, and the append/override/exceptions/enabled semantics on small inline files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use vigil_audit::rules::{ENGINE_VERSION, LoadError, PLUGINS, Priority, RuleSet, RulesFile, load};

fn file(name: &str, text: &str) -> RulesFile {
    RulesFile { name: name.to_string(), text: text.to_string() }
}

fn read(root: &Path, relative: &str) -> RulesFile {
    let path = root.join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    RulesFile { name: relative.to_string(), text }
}

fn ok(files: &[RulesFile]) -> RuleSet {
    load(files).unwrap_or_else(|e| panic!("{e}"))
}

fn one(text: &str) -> RuleSet {
    ok(&[file("a.yaml", text)])
}

fn fails(files: &[RulesFile]) -> LoadError {
    match load(files) {
        Ok(_) => panic!("loaded, expected an error"),
        Err(e) => e,
    }
}

fn rule<'a>(set: &'a RuleSet, name: &str) -> &'a vigil_audit::rules::RuleDef {
    set.rules.iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no rule {name}"))
}

const V060: &str = "falco-plugins-k8saudit/k8s_audit_rules.v0.6.0.yaml";
const CURRENT: &str = "falco-plugins-k8saudit/plugins/k8saudit/rules/k8s_audit_rules.yaml";
const ENGINE_V4: &str = "falco-tests/test/rules/k8s_audit/engine_v4_k8s_audit_rules.yaml";
const TESTS: &str = "falco-tests/test/rules/k8s_audit";

#[test]
fn rules_real_files_load() {
    let Some(root) = vigil_testkit::require_corpus("k8s-audit") else { return };
    for (path, rules, macros, lists) in [(V060, 43, 42, 16), (CURRENT, 48, 45, 18), (ENGINE_V4, 32, 28, 3)] {
        let set = ok(&[read(&root, path)]);
        assert_eq!((set.rules.len(), set.macros.len(), set.lists.len()), (rules, macros, lists), "{path}");
        assert!(set.rules.iter().all(|r| r.source == "k8s_audit"), "{path}");
        assert!(!set.notes.iter().any(|n| n.starts_with("skipped")), "{path}: {:?}", set.notes);
        assert!(!set.notes.iter().any(|n| n.contains("Unknown")), "{path}: {:?}", set.notes);
    }
    let set = ok(&[read(&root, CURRENT)]);
    assert_eq!(set.required_engine_version.as_deref(), Some("15"));
    assert!(set.required_plugin_versions.contains(&("k8saudit".to_string(), "0.18.0".to_string())));
    assert!(set.required_plugin_versions.contains(&("json".to_string(), "0.7.0".to_string())));
    assert_eq!(set.required_plugin_versions.len(), 6);
    let first = &set.rules[0];
    assert_eq!(first.name, "Disallowed K8s User");
    assert_eq!(first.file, CURRENT);
    assert_eq!(ok(&[read(&root, ENGINE_V4)]).required_engine_version.as_deref(), Some("2"));

    let v060 = ok(&[read(&root, V060)]);
    let r = rule(&v060, "Create Disallowed Pod");
    assert_eq!(r.line, 156);
    assert_eq!(r.priority, Priority::Warning);
    assert!(r.enabled);
    // Every list item is a plain value once references are expanded.
    for items in v060.lists.values() {
        assert!(items.iter().all(|i| !v060.lists.contains_key(i)));
    }
}

#[test]
fn rules_falco_override_files() {
    let Some(root) = vigil_testkit::require_corpus("k8s-audit") else { return };
    let base = ok(&[read(&root, V060)]);
    let with = |name: &str| ok(&[read(&root, V060), read(&root, &format!("{TESTS}/{name}"))]);

    let set = with("allow_nginx_container.yaml");
    let m = &set.macros["allowed_k8s_containers"];
    assert_eq!(m.condition, "(ka.req.pod.containers.image.repository in (nginx))");
    assert_eq!(m.file, format!("{TESTS}/allow_nginx_container.yaml"));
    assert_eq!(base.macros["allowed_k8s_containers"].condition, "(k8s_audit_always_true)");
    assert_eq!(set.rules, base.rules);

    let set = with("allow_only_apache_container.yaml");
    assert_eq!(set.macros["allowed_k8s_containers"].condition, "(ka.req.pod.containers.image.repository in (apache))");

    let set = with("allow_user_some-user.yaml");
    let mut expected = base.lists["allowed_k8s_users"].clone();
    assert!(!expected.contains(&"some-user".to_string()));
    expected.push("some-user".to_string());
    assert_eq!(set.lists["allowed_k8s_users"], expected);
    assert!(set.notes.iter().any(|n| n.contains("'append' key is deprecated")));

    let set = with("allow_namespace_foo.yaml");
    assert_eq!(set.lists["allowed_namespaces"], ["kube-system", "kube-public", "default", "foo"]);

    let set = with("disallow_kactivity.yaml");
    assert_eq!(set.macros["consider_activity_events"].condition, "(not jevt.rawtime exists)");

    let set = with("single_rule_with_json_pointer.yaml");
    assert_eq!(set.rules.len(), 44);
    let r = set.rules.last().unwrap();
    assert_eq!(
        (r.name.as_str(), r.priority, r.source.as_str()),
        ("json_pointer_example", Priority::Warning, "k8s_audit")
    );
    assert_eq!(r.output, "JSON Pointer Test Alert");

    // Appends to lists defined only in Falco's syscall rules: no previous list.
    let e = fails(&[read(&root, V060), read(&root, &format!("{TESTS}/trust_nginx_container.yaml"))]);
    assert_eq!((e.file.as_str(), e.line), ("falco-tests/test/rules/k8s_audit/trust_nginx_container.yaml", 1));
    assert!(e.message.contains("no list by that name already exists"), "{e}");
    assert!(e.message.contains("falco_sensitive_mount_images"), "{e}");
}

const BASE: &str = r#"
- list: shells
  items: [bash, sh]
- list: all_shells
  items: [shells, zsh]
- macro: spawned
  condition: evt.type = execve
- rule: First
  desc: first rule
  condition: spawned and proc.name in (all_shells)
  output: "shell %proc.name  "
  priority: WARNING
  tags: [b, a, b]
- rule: Second
  desc: second rule
  condition: ka.verb = create
  output: created
  priority: info
  source: k8s_audit
"#;

#[test]
fn rules_defaults_lists_and_priorities() {
    let set = one(BASE);
    assert_eq!(set.lists["all_shells"], ["bash", "sh", "zsh"]);
    let r = rule(&set, "First");
    assert_eq!(r.source, "syscall");
    assert_eq!(r.output, "shell %proc.name");
    assert_eq!(r.tags, ["a", "b"]);
    assert_eq!(r.condition, "spawned and proc.name in (all_shells)");
    assert_eq!((r.file.as_str(), r.line), ("a.yaml", 8));
    assert_eq!(rule(&set, "Second").priority, Priority::Informational);
    assert!(set.notes.contains(&"skipped 1 rules for source syscall".to_string()), "{:?}", set.notes);

    assert_eq!(Priority::parse("INFORMATIONAL"), Some(Priority::Informational));
    assert_eq!(Priority::parse("Info"), Some(Priority::Informational));
    assert_eq!(Priority::parse("emergency"), Some(Priority::Emergency));
    assert_eq!(Priority::parse("warn"), None);
    assert!(Priority::Error <= Priority::Warning && Priority::Notice > Priority::Warning);
    assert_eq!(Priority::Emergency.severity_rank(), 0);
    assert_eq!(Priority::Debug.as_str(), "Debug");
}

#[test]
fn rules_redefinition_append_and_override() {
    let later = r#"
- rule: First
  desc: replaced
  condition: evt.type = open
  output: opened
  priority: error
- macro: spawned
  condition: or evt.type = execveat
  append: true
- list: shells
  items: [ash]
  override:
    items: append
- rule: Second
  condition: and ka.user.name = bob
  append: true
- rule: Second
  output: "by %ka.user.name"
  desc: more
  priority: critical
  enabled: false
  override:
    output: append
    desc: replace
    priority: replace
    enabled: replace
"#;
    let set = ok(&[file("a.yaml", BASE), file("b.yaml", later)]);
    // A redefined rule keeps its position and takes the new definition's place.
    assert_eq!(set.rules.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["First", "Second"]);
    let first = rule(&set, "First");
    assert_eq!(
        (first.desc.as_str(), first.priority, first.file.as_str(), first.line),
        ("replaced", Priority::Error, "b.yaml", 2)
    );
    assert!(first.tags.is_empty());
    assert_eq!(set.macros["spawned"].condition, "evt.type = execve or evt.type = execveat");
    assert_eq!(set.lists["all_shells"], ["bash", "sh", "ash", "zsh"]);
    let second = rule(&set, "Second");
    assert_eq!(second.condition, "ka.verb = create and ka.user.name = bob");
    assert_eq!(second.output, "created by %ka.user.name");
    assert_eq!((second.desc.as_str(), second.priority, second.enabled), ("more", Priority::Critical, false));
    assert_eq!(second.file, "a.yaml");

    // Standalone `enabled` toggles an existing rule; override condition replace.
    let toggle = "- rule: First\n  enabled: false\n- rule: Second\n  condition: ka.verb = delete\n  override: {condition: replace}\n";
    let set = ok(&[file("a.yaml", BASE), file("c.yaml", toggle)]);
    assert!(!rule(&set, "First").enabled);
    assert_eq!(rule(&set, "Second").condition, "ka.verb = delete");
    assert!(set.notes.iter().any(|n| n.starts_with("c.yaml:1:3: The standalone 'enabled' key")), "{:?}", set.notes);

    // Unknown keys and items warn, they do not fail.
    let set =
        one("- rule: R\n  desc: d\n  condition: a = b\n  output: o\n  priority: debug\n  colour: red\n- bogus: 1\n");
    assert!(
        set.notes.iter().any(|n| n == "a.yaml:6:3: Unknown key 'colour'. The key will be ignored."),
        "{:?}",
        set.notes
    );
    assert!(set.notes.iter().any(|n| n == "a.yaml:7:3: Unknown top level item"), "{:?}", set.notes);
}

#[test]
fn rules_exceptions_fold_as_falco() {
    let text = r#"
- list: admins
  items: [root, "super user"]
- rule: R
  desc: d
  condition: ka.verb = create
  output: o
  priority: notice
  source: k8s_audit
  exceptions:
    - name: by_user_ns
      fields: [ka.user.name, ka.target.namespace]
      comps: [=, in]
      values:
        - [alice, kube-system]
        - ["bob smith", [ns1, "ns two"]]
    - name: by_user
      fields: ka.user.name
      values: [admins, carol]
    - name: by_prefix
      fields: [ka.target.name, ka.user.name]
      comps: [startswith, in]
      values:
        - [sys, admins]
    - name: empty
      fields: [ka.verb]
"#;
    let set = one(text);
    assert_eq!(
        rule(&set, "R").condition,
        // Falco's own spacing: " and " then " <field>", so two spaces after `and`.
        "(ka.verb = create) and not (( ka.user.name = alice and  ka.target.namespace in (kube-system)) or \
         ( ka.user.name = \"bob smith\" and  ka.target.namespace in (ns1, \"ns two\"))) \
         and not (ka.user.name in (admins, carol)) \
         and not (( ka.target.name startswith sys and  ka.user.name in (admins)))"
    );
    assert_eq!(set.lists["admins"], ["root", "super user"]);

    // Appending values to an existing exception, and a new exception, through `append`
    // and through `override: {exceptions: append}`.
    let more = r#"
- rule: R
  exceptions:
    - name: by_user
      values: [dave]
  append: true
- rule: R
  exceptions:
    - name: new
      fields: ka.verb
      comps: pmatch
      values: [get]
  override:
    exceptions: append
"#;
    let set = ok(&[file("a.yaml", text), file("b.yaml", more)]);
    let c = &rule(&set, "R").condition;
    assert!(c.contains("and not (ka.user.name in (admins, carol, dave))"), "{c}");
    assert!(c.ends_with(" and not (ka.verb pmatch (get))"), "{c}");

    // An exception without values adds nothing but the parentheses Falco adds.
    let set = one(
        "- rule: R\n  desc: d\n  condition: a = b\n  output: o\n  priority: debug\n  exceptions:\n    - name: e\n      fields: [x]\n",
    );
    assert_eq!(rule(&set, "R").condition, "(a = b)");
}

#[test]
fn rules_errors_have_positions() {
    let cases: &[(&str, (usize, usize), &str)] = &[
        ("- rule: R\n  desc: d\n  condition: [a]\n  output: o\n  priority: debug\n", (3, 14), "not a scalar"),
        ("- rule: R\n  desc: d\n  condition: a\n  output: o\n", (1, 3), "no mapping for key 'priority'"),
        ("- rule: R\n  desc: d\n  condition: a\n  output: o\n  priority: loud\n", (5, 13), "Invalid priority 'loud'"),
        (
            "- list: l\n  items: [a]\n- list: m\n  items: [b]\n  append: true\n",
            (3, 3),
            "no list by that name already exists",
        ),
        ("- macro: m\n  condition: a\n  append: true\n", (1, 3), "no macro by that name already exists"),
        ("- rule: R\n  condition: a\n  append: true\n", (1, 3), "no rule by that name already exists"),
        ("- rule: R\n  enabled: false\n", (1, 3), "no rule by that name already exists"),
        (
            "- rule: R\n  condition: a\n  override: {condition: replace}\n",
            (1, 3),
            "no rule by that name already exists",
        ),
        (
            "- macro: m\n  condition: a\n- macro: m\n  condition: b\n  append: true\n  override: {condition: append}\n",
            (3, 3),
            "cannot be used together",
        ),
        (
            "- list: a\n  items: [b]\n- list: b\n  items: [c, a]\n",
            (1, 3),
            "list 'a' refers to itself through a -> b -> a",
        ),
        ("- required_engine_version: 99\n", (1, 28), "Rules require engine version 0.99.0, but engine version is"),
        ("- required_engine_version: 1.0.0\n", (1, 28), "Rules require engine version 1.0.0"),
        ("- required_engine_version: banana\n", (1, 28), "Unable to parse engine version 'banana'"),
        (
            "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.99.0\n",
            (2, 5),
            "Plugin requirement not satisfied",
        ),
        ("- required_plugin_versions:\n  - name: cloudtrail\n    version: 0.1.0\n", (2, 5), "cloudtrail 0.1.0"),
        ("rule: R\n", (1, 1), "not yaml array of objects"),
        ("- [a]\n", (1, 3), "Each element should be a yaml associative array"),
        (
            "- rule: R\n  desc: d\n  condition: a\n  output: o\n  priority: debug\n  exceptions:\n    - name: e\n      fields: [a, b]\n      comps: [=]\n",
            (7, 7),
            "equal length",
        ),
        (
            "- rule: R\n  desc: d\n  condition: a\n  output: o\n  priority: debug\n  exceptions:\n    - name: e\n      fields: [a, b]\n      values: [[x]]\n",
            (7, 7),
            "Fields and values lists must have equal length",
        ),
        (
            "- rule: R\n  desc: d\n  condition: a\n  output: o\n  priority: debug\n  exceptions:\n    - name: e\n      fields: a\n      comps: =\n",
            (7, 7),
            "When fields is a single value",
        ),
        (
            "- rule: R\n  desc: d\n  condition: a\n  output: o\n  priority: debug\n  enabled: maybe\n",
            (6, 12),
            "enabled",
        ),
        (
            "- rule: R\n  desc: d\n  condition: a\n  output: o\n  priority: debug\n  source: s\n- rule: R\n  desc: d\n  condition: a\n  output: o\n  priority: debug\n",
            (7, 3),
            "different source",
        ),
        ("- a: [\n", (2, 1), ""),
    ];
    for (text, (line, column), needle) in cases {
        let e = fails(&[file("ok.yaml", "- list: x\n  items: []\n"), file("bad.yaml", text)]);
        assert_eq!((e.file.as_str(), e.line, e.column), ("bad.yaml", *line, *column), "{text}: {e}");
        assert!(e.message.contains(needle), "{text}: {e}");
        assert!(e.to_string().starts_with(&format!("bad.yaml:{line}:{column}: ")), "{e}");
    }
}

#[test]
fn rules_versions_and_limits() {
    assert!(ENGINE_VERSION.split('.').count() == 3);
    assert!(PLUGINS.iter().any(|(n, v)| *n == "k8saudit" && *v == "0.18.0"));
    // Semver and old integer requirements both pass when not newer than ours; the highest is kept.
    let set = one("- required_engine_version: 2\n- required_engine_version: 0.31.0\n- required_engine_version: 15\n");
    assert_eq!(set.required_engine_version.as_deref(), Some("0.31.0"));
    // An alternative we stand in for satisfies a requirement whose first choice we do not.
    let set = one(
        "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.99.0\n    alternatives:\n      - name: k8saudit-eks\n        version: 0.2.0\n",
    );
    assert_eq!(set.required_plugin_versions.len(), 2);

    let deep = format!("- {}{}\n", "[".repeat(100), "]".repeat(100));
    let e = fails(&[file("deep.yaml", &deep)]);
    assert!(e.message.contains("nesting"), "{e}");
    let big = "#".repeat(8 * 1024 * 1024 + 1);
    assert!(fails(&[file("big.yaml", &big)]).message.contains("bytes"));
    let many = "- {}\n".repeat(100_001);
    assert!(fails(&[file("many.yaml", &many)]).message.contains("items"));
    let bomb = "- a: &a [x, x, x, x, x, x, x, x, x, x]\n- b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n- c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n- d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n- e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n- f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n- g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
    assert!(fails(&[file("bomb.yaml", bomb)]).message.contains("nodes"));
    // Empty files and empty documents are fine.
    assert!(one("").rules.is_empty());
    assert!(one("# nothing\n---\n").rules.is_empty());
}

proptest::proptest! {
    #[test]
    fn rules_never_panic(text in "(- |rule|list|macro|items|condition|append|: |\\[|\\]|\\{|\\}|\n|  |true|a|\\*a|&a|, ){0,60}") {
        let _ = load(&[file("p.yaml", &text)]);
    }

    #[test]
    fn rules_never_panic_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
        let _ = load(&[file("p.yaml", &String::from_utf8_lossy(&bytes))]);
    }
}
