//! `vigil audit` and `vigil serve --audit` end to end, on Falco's own k8s audit rules and trace
//! files (`$VIGIL_CORPORA/k8s-audit`): the alerts in Falco's JSON, the summary and malformed
//! lines, gzip and standard input, `--min-priority`, `--rule-matching`, rules files layered with
//! `override`/`append`, rules errors (exit 2), SARIF validated against the schema, the built-in
//! rules, `--log` alert entries, `--follow` across rotation, and the `/audit` webhook backend.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Outcome, Vigil, temp_dir, write};
use crate::served::metric;

/// The number of trace files in `falco-tests/test/trace_files/k8s_audit`.
const TRACES: usize = 47;

/// The keys of a Falco JSON alert, sorted.
const ALERT_KEYS: [&str; 8] = ["hostname", "output", "output_fields", "priority", "rule", "source", "tags", "time"];

/// Falco's k8s audit rules and trace files.
struct Corpus {
    root: PathBuf,
}

impl Corpus {
    fn get() -> Option<Corpus> {
        vigil_testkit::require_corpus("k8s-audit").map(|root| Corpus { root })
    }

    /// The current k8saudit plugin rules.
    fn rules(&self) -> PathBuf {
        self.root.join("falco-plugins-k8saudit/plugins/k8saudit/rules/k8s_audit_rules.yaml")
    }

    fn trace(&self, name: &str) -> PathBuf {
        let path = self.root.join("falco-tests/test/trace_files/k8s_audit").join(name);
        assert!(path.is_file(), "{} is missing", path.display());
        path
    }

    /// The first line of a trace file (with its newline).
    fn trace_line(&self, name: &str) -> String {
        let text = std::fs::read_to_string(self.trace(name)).unwrap();
        let line = text.lines().next().unwrap_or_else(|| panic!("{name} is empty"));
        format!("{line}\n")
    }

    /// Every trace file, sorted; exactly [`TRACES`] of them.
    fn traces(&self) -> Vec<PathBuf> {
        let dir = self.root.join("falco-tests/test/trace_files/k8s_audit");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        assert_eq!(files.len(), TRACES, "trace files in {}", dir.display());
        files
    }
}

/// `vigil audit --no-builtin-rules --rules <Falco's rules>` in `dir`, then `args`.
fn audit(corpus: &Corpus, dir: &Path, args: &[&str], inputs: &[PathBuf]) -> Outcome {
    Vigil::in_dir(dir)
        .args(["audit", "--no-builtin-rules", "--rules"])
        .args([corpus.rules()])
        .args(args)
        .args(inputs)
        .run()
}

/// The alerts of a `--format json` run, one per stdout line, each checked for Falco's keys.
#[track_caller]
fn alerts(out: &Outcome) -> Vec<Value> {
    out.stdout
        .lines()
        .map(|line| {
            let alert: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("an alert line is not JSON: {e}: {line}\n{out}"));
            let keys: Vec<&str> = alert.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys, ALERT_KEYS, "keys of {line}");
            assert_eq!(alert["source"], "k8s_audit", "{line}");
            alert
        })
        .collect()
}

fn rule_of(alert: &Value) -> &str {
    alert["rule"].as_str().unwrap()
}

/// Falco priorities, most severe first.
const PRIORITIES: [&str; 8] =
    ["Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"];

fn rank(priority: &Value) -> usize {
    PRIORITIES.iter().position(|p| priority == p).unwrap_or_else(|| panic!("not a Falco priority: {priority}"))
}

#[test]
fn falcos_rules_on_every_trace_give_falco_json_alerts() {
    let Some(corpus) = Corpus::get() else { return };
    let dir = temp_dir();
    let traces = corpus.traces();
    let out = audit(&corpus, dir.path(), &["--format", "json"], &traces);
    out.assert_code(1);
    let alerts = alerts(&out);
    assert!(!alerts.is_empty(), "{out}");
    let summary =
        format!("vigil audit: 51 event(s), {} alert(s) at or above Debug, 1 malformed line(s) skipped;", alerts.len());
    assert!(out.stderr.contains(&summary), "no `{summary}` in\n{}", out.stderr);
    // The one malformed line: fal_01_003.json, named with its line.
    let bad = corpus.trace("fal_01_003.json");
    let warnings: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{}", out.stderr);
    assert!(
        warnings[0].starts_with(&format!("warning: {}:1: data not recognized as a k8s audit event", bad.display())),
        "{}",
        warnings[0]
    );

    // Every alert is Falco's: its output starts with the event's time and priority.
    for alert in &alerts {
        let time = alert["time"].as_str().unwrap();
        assert!(time.len() == 30 && time.ends_with('Z'), "time {time}");
        let clock = &time[11..29];
        let priority = alert["priority"].as_str().unwrap();
        rank(&alert["priority"]);
        assert!(alert["output"].as_str().unwrap().starts_with(&format!("{clock}: {priority} ")), "{alert}");
        assert!(alert["tags"].is_array() && alert["output_fields"].is_object(), "{alert}");
    }
    // Three pods with a privileged container (the 1st, the 2nd, the 2nd without a
    // securityContext on the 1st); not the unprivileged one.
    let privileged: Vec<&Value> = alerts.iter().filter(|a| rule_of(a) == "Create Privileged Pod").collect();
    assert_eq!(privileged.len(), 3, "{privileged:#?}");
    let nginx = privileged
        .iter()
        .find(|a| a["time"] == "2018-10-25T14:09:12.581541000Z")
        .unwrap_or_else(|| panic!("no alert for create_nginx_pod_privileged.json in {privileged:#?}"));
    assert_eq!(nginx["priority"], "Warning");
    assert_eq!(nginx["output_fields"]["ka.req.pod.containers.image"], json!(["nginx"]));
    let output = nginx["output"].as_str().unwrap();
    assert!(output.starts_with("14:09:12.581541000: Warning "), "{output}");
    assert!(output.contains("user=system:serviceaccount:kube-system:replicaset-controller"), "{output}");
    // An absent field: `<NA>` in the output, null in the fields.
    assert!(output.contains("init_images=<NA>"), "{output}");
    assert_eq!(nginx["output_fields"]["ka.req.pod.initContainers.image"], Value::Null, "{nginx}");
    assert!(
        nginx["output_fields"].as_object().unwrap().contains_key("ka.req.pod.initContainers.image"),
        "an absent field is still listed: {nginx}"
    );
    // The table format says the same alerts, one line each, with the file and line.
    let table = audit(&corpus, dir.path(), &[], &traces);
    table.assert_code(1);
    assert_eq!(table.stdout.lines().count(), alerts.len(), "{table}");
    let privileged_file = corpus.trace("create_nginx_pod_privileged.json");
    assert!(
        table.stdout.lines().any(|l| l.starts_with("14:09:12.581541000: Warning ")
            && l.ends_with(&format!("[Create Privileged Pod] ({}:1)", privileged_file.display()))),
        "{table}"
    );
}

#[test]
fn one_trace_gives_its_alert_alone() {
    let Some(corpus) = Corpus::get() else { return };
    let dir = temp_dir();
    let out = audit(&corpus, dir.path(), &["--format", "json"], &[corpus.trace("create_nginx_pod_privileged.json")]);
    out.assert_code(1);
    let alerts = alerts(&out);
    assert_eq!(alerts.len(), 1, "{out}");
    assert_eq!(alerts[0]["rule"], "Create Privileged Pod");
    assert_eq!(alerts[0]["time"], "2018-10-25T14:09:12.581541000Z");
    assert!(out.stderr.contains("vigil audit: 1 event(s), 1 alert(s) at or above Debug, 0 malformed line(s)"), "{out}");
}

#[test]
fn gzip_and_standard_input_give_the_same_alerts() {
    let Some(corpus) = Corpus::get() else { return };
    let Some(gzip) = vigil_testkit::require_tool("gzip") else { return };
    let dir = temp_dir();
    let names = ["create_nginx_pod_privileged.json", "create_configmap.json", "create_deployment.json"];
    let text: String = names.iter().map(|n| corpus.trace_line(n)).collect();
    let plain = write(dir.path(), "audit.log", &text);
    let status = Command::new(gzip).args(["-k", "-n"]).arg(&plain).status().unwrap();
    assert!(status.success());
    let gz = dir.path().join("audit.log.gz");
    assert!(gz.is_file());
    assert_ne!(std::fs::read(&gz).unwrap(), text.as_bytes(), "gzip did not compress");

    let expected = audit(&corpus, dir.path(), &["--format", "json"], &[plain]);
    expected.assert_code(1);
    assert_eq!(alerts(&expected).len(), 3, "{expected}");
    let from_gz = audit(&corpus, dir.path(), &["--format", "json"], &[gz]);
    from_gz.assert_code(1);
    assert_eq!(from_gz.stdout, expected.stdout);
    let from_stdin = Vigil::in_dir(dir.path())
        .args(["audit", "--no-builtin-rules", "--format", "json", "--rules"])
        .args([corpus.rules()])
        .args(["-"])
        .stdin(text.clone())
        .run();
    from_stdin.assert_code(1);
    assert_eq!(from_stdin.stdout, expected.stdout);
    // No file at all reads standard input too.
    let default = Vigil::in_dir(dir.path())
        .args(["audit", "--no-builtin-rules", "--format", "json", "--rules"])
        .args([corpus.rules()])
        .stdin(text)
        .run();
    default.assert_code(1);
    assert_eq!(default.stdout, expected.stdout);
}

#[test]
fn min_priority_drops_lower_alerts_and_their_exit_code() {
    let Some(corpus) = Corpus::get() else { return };
    let dir = temp_dir();
    let traces = corpus.traces();
    let all = alerts(audit(&corpus, dir.path(), &["--format", "json"], &traces).assert_code(1));
    let out = audit(&corpus, dir.path(), &["--format", "json", "--min-priority", "warning"], &traces);
    out.assert_code(1);
    let warning = alerts(&out);
    let expected: Vec<&Value> = all.iter().filter(|a| rank(&a["priority"]) <= rank(&json!("Warning"))).collect();
    assert!(expected.len() < all.len(), "the traces give Notice/Informational alerts too");
    assert_eq!(warning.iter().collect::<Vec<_>>(), expected);
    assert!(out.stderr.contains(&format!("{} alert(s) at or above Warning", warning.len())), "{out}");

    // A ConfigMap creation gives only an Informational alert.
    let configmap = [corpus.trace("create_configmap.json")];
    let plain = audit(&corpus, dir.path(), &["--format", "json"], &configmap);
    plain.assert_code(1);
    let plain_alerts = alerts(&plain);
    assert_eq!(plain_alerts.len(), 1, "{plain}");
    assert_eq!(plain_alerts[0]["rule"], "K8s ConfigMap Created");
    assert_eq!(plain_alerts[0]["priority"], "Informational");
    let filtered = audit(&corpus, dir.path(), &["--format", "json", "--min-priority", "warning"], &configmap);
    filtered.assert_code(0);
    assert_eq!(filtered.stdout, "", "{filtered}");
    // Case-insensitive, and a wrong one is a usage error.
    audit(&corpus, dir.path(), &["--min-priority", "INFORMATIONAL"], &configmap).assert_code(1);
    let bad = audit(&corpus, dir.path(), &["--min-priority", "loud"], &configmap);
    bad.assert_code(2);
    assert!(bad.stderr.contains("--min-priority `loud`"), "{bad}");
}

#[test]
fn rule_matching_all_gives_every_matching_rule() {
    let Some(corpus) = Corpus::get() else { return };
    let dir = temp_dir();
    let traces = corpus.traces();
    let first = audit(&corpus, dir.path(), &["--format", "json"], &traces);
    first.assert_code(1);
    let all = audit(&corpus, dir.path(), &["--format", "json", "--rule-matching", "all"], &traces);
    all.assert_code(1);
    let (first, all) = (alerts(&first), alerts(&all));
    assert!(all.len() >= first.len(), "all: {}, first: {}", all.len(), first.len());
    // Every event's first alert is among its alerts with `all`.
    for alert in &first {
        assert!(all.contains(alert), "{alert} is missing with --rule-matching all");
    }
    // The privileged pod also is a Pod created (K8s audit rules have several matching it).
    assert!(all.len() > first.len(), "no event matches two rules of Falco's set?");
}

#[test]
fn a_later_rules_file_overrides_and_appends() {
    let Some(corpus) = Corpus::get() else { return };
    let dir = temp_dir();
    let privileged = [corpus.trace("create_nginx_pod_privileged.json")];
    let disable = write(
        dir.path(),
        "disable.yaml",
        "- rule: Create Privileged Pod\n  enabled: false\n  override:\n    enabled: replace\n",
    );
    let out = audit(&corpus, dir.path(), &["--format", "json", "--rules", "disable.yaml"], &privileged);
    out.assert_code(0);
    assert_eq!(out.stdout, "", "{out}");
    assert!(out.stderr.contains("note: 1 rule(s) skipped (disabled)"), "{out}");
    // Given twice, the file's override applies once, and still disables.
    let twice = audit(
        &corpus,
        dir.path(),
        &["--format", "json", "--rules", "disable.yaml", "--rules", disable.to_str().unwrap()],
        &privileged,
    );
    twice.assert_code(0);
    assert_eq!(twice.stdout, "");

    // An appended condition narrows a rule.
    let configmap = [corpus.trace("create_configmap.json")];
    write(
        dir.path(),
        "narrow.yaml",
        "- rule: K8s ConfigMap Created\n  condition: and ka.target.name != \"my-config\"\n  override:\n    condition: append\n",
    );
    let narrowed = audit(&corpus, dir.path(), &["--format", "json", "--rules", "narrow.yaml"], &configmap);
    narrowed.assert_code(0);
    assert_eq!(narrowed.stdout, "", "{narrowed}");
    // The same append for another name leaves the alert.
    write(
        dir.path(),
        "other.yaml",
        "- rule: K8s ConfigMap Created\n  condition: and ka.target.name != \"other\"\n  override:\n    condition: append\n",
    );
    let kept = audit(&corpus, dir.path(), &["--format", "json", "--rules", "other.yaml"], &configmap);
    kept.assert_code(1);
    assert_eq!(alerts(&kept).len(), 1, "{kept}");
    // A redefined macro changes every rule using it: `kcreate` matching nothing silences
    // the creation rules.
    write(dir.path(), "macro.yaml", "- macro: kcreate\n  condition: ka.verb=no-such-verb\n");
    let silenced = audit(&corpus, dir.path(), &["--format", "json", "--rules", "macro.yaml"], &configmap);
    silenced.assert_code(0);
    assert_eq!(silenced.stdout, "", "{silenced}");
}

#[test]
fn bad_rules_files_exit_2_naming_the_place() {
    let Some(corpus) = Corpus::get() else { return };
    let dir = temp_dir();
    let trace = [corpus.trace("create_configmap.json")];
    let run = |name: &str, text: &str| {
        write(dir.path(), name, text);
        let out = Vigil::in_dir(dir.path()).args(["audit", "--no-builtin-rules", "--rules", name]).args(&trace).run();
        out.assert_code(2);
        assert_eq!(out.stdout, "", "{out}");
        let errors = out.error_lines().iter().map(|l| (*l).to_owned()).collect::<Vec<_>>();
        assert_eq!(errors.len(), 1, "{out}");
        errors[0].clone()
    };
    let syntax = run("syntax.yaml", "- rule: x\n  desc: y\n  condition: [unclosed\n  output: z\n  priority: WARNING\n");
    assert!(syntax.starts_with("error: syntax.yaml:4:"), "{syntax}");

    let field = run(
        "field.yaml",
        "- rule: Bad Field Rule\n  desc: y\n  condition: ka.no.such.field = \"a\"\n  output: z\n  priority: WARNING\n  source: k8s_audit\n",
    );
    assert!(field.starts_with("error: field.yaml:1:"), "{field}");
    assert!(field.contains("rule `Bad Field Rule`") && field.contains("unknown field `ka.no.such.field`"), "{field}");

    let recursive = run(
        "recursive.yaml",
        "- macro: loop_a\n  condition: loop_b\n- macro: loop_b\n  condition: loop_a and ka.verb=create\n\
         - rule: Loop Rule\n  desc: y\n  condition: loop_a\n  output: z\n  priority: WARNING\n  source: k8s_audit\n",
    );
    assert!(recursive.starts_with("error: recursive.yaml:5:"), "{recursive}");
    assert!(
        recursive.contains("rule `Loop Rule`") && recursive.contains("macro `loop_a` refers to itself"),
        "{recursive}"
    );

    // A missing rules file, and no rules at all.
    let missing = Vigil::in_dir(dir.path()).args(["audit", "--rules", "nope.yaml"]).args(&trace).run();
    missing.assert_code(2);
    assert!(missing.stderr.contains("nope.yaml"), "{missing}");
    let none = Vigil::in_dir(dir.path()).args(["audit", "--no-builtin-rules"]).args(&trace).run();
    none.assert_code(2);
    assert!(none.stderr.contains("no rules"), "{none}");
}

#[test]
fn sarif_results_are_the_falco_rules_at_the_event_lines() {
    let Some(corpus) = Corpus::get() else { return };
    let Some(schemas) = crate::sarif_schema::schemas() else { return };
    let dir = temp_dir();
    let text = corpus.trace_line("create_configmap.json") + &corpus.trace_line("create_nginx_pod_privileged.json");
    write(dir.path(), "two.json", text);
    let out = Vigil::in_dir(dir.path())
        .args(["audit", "--no-builtin-rules", "--format", "sarif", "--rules"])
        .args([corpus.rules()])
        .args(["two.json"])
        .run();
    out.assert_code(1);
    let sarif = out.json();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap_or_else(|| panic!("no results in {sarif:#}"));
    let found: Vec<(String, String, u64)> = results
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                location["artifactLocation"]["uri"].as_str().unwrap().to_owned(),
                location["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("K8s ConfigMap Created".to_owned(), "two.json".to_owned(), 1),
            ("Create Privileged Pod".to_owned(), "two.json".to_owned(), 2)
        ]
    );
    assert_eq!(results[1]["level"], "warning");
    assert!(results[1]["message"]["text"].as_str().unwrap().starts_with("14:09:12.581541000: Warning "));
    // The driver lists the rules that fired, and only those.
    let mut rules: Vec<&str> =
        run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    rules.sort_unstable();
    assert_eq!(rules, ["Create Privileged Pod", "K8s ConfigMap Created"]);
    crate::sarif_schema::assert_valid(&schemas, "audit", &out.stdout);
    // No alert: an empty but valid log.
    let clean = Vigil::in_dir(dir.path())
        .args(["audit", "--no-builtin-rules", "--format", "sarif", "--min-priority", "warning", "--rules"])
        .args([corpus.rules()])
        .args([corpus.trace("create_configmap.json")])
        .run();
    clean.assert_code(0);
    assert_eq!(clean.json()["runs"][0]["results"], json!([]));
    crate::sarif_schema::assert_valid(&schemas, "audit-clean", &clean.stdout);
}

/// The rule names of vigil's built-in rules file.
fn builtin_rule_names() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vigil-audit/rules/vigil_k8s_audit_rules.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().filter_map(|l| l.strip_prefix("- rule: ")).map(|n| n.trim().to_owned()).collect()
}

#[test]
fn builtin_rules_apply_by_default() {
    let Some(corpus) = Corpus::get() else { return };
    let names = builtin_rule_names();
    assert!(names.len() >= 5, "the built-in rules file has only {} rule(s): {names:?}", names.len());
    let dir = temp_dir();
    let out = Vigil::in_dir(dir.path())
        .args(["audit", "--format", "json"])
        .args([corpus.trace("create_nginx_pod_privileged.json")])
        .run();
    out.assert_code(1);
    let alerts = alerts(&out);
    assert!(!alerts.is_empty(), "{out}");
    for alert in &alerts {
        assert!(names.iter().any(|n| n == rule_of(alert)), "{} is not a built-in rule ({names:?})", alert["rule"]);
    }
    assert!(alerts.iter().any(|a| a["rule"] == "Privileged Container Started"), "{out}");
    // An unprivileged pod does not trip the privileged rule.
    let calm = Vigil::in_dir(dir.path())
        .args(["audit", "--format", "json"])
        .args([corpus.trace("create_nginx_pod_unprivileged.json")])
        .run();
    assert!(matches!(calm.code, Some(0 | 1)), "{calm}");
    assert!(!alerts_of_rule(&calm, "Privileged Container Started"), "{calm}");
}

fn alerts_of_rule(out: &Outcome, rule: &str) -> bool {
    alerts(out).iter().any(|a| a["rule"] == rule)
}

/// A temporary directory with a log key pair (`k.key`, `k.pub`) and a state directory.
fn log_setup() -> tempfile::TempDir {
    let dir = temp_dir();
    std::fs::create_dir_all(dir.path().join("state")).unwrap();
    in_state(&dir)
        .args(["log", "key", "generate", "--name", "test/log", "--output-key-prefix", "k"])
        .run()
        .assert_code(0);
    assert!(dir.path().join("k.key").is_file() && dir.path().join("k.pub").is_file());
    dir
}

fn in_state(dir: &tempfile::TempDir) -> Vigil {
    Vigil::in_dir(dir.path()).env("XDG_STATE_HOME", dir.path().join("state").to_str().unwrap())
}

/// `vigil log tail --log LOG --format json`, one entry per line.
fn tail(dir: &tempfile::TempDir, log: &str) -> Vec<Value> {
    let out = in_state(dir).args(["log", "tail", "--log", log, "--format", "json"]).run();
    out.assert_code(0);
    out.stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

#[test]
fn log_records_one_alert_entry_per_alert() {
    let Some(corpus) = Corpus::get() else { return };
    let dir = log_setup();
    let traces = corpus.traces();
    let out = in_state(&dir)
        .args(["audit", "--no-builtin-rules", "--format", "json", "--log=audit.db", "--log-key", "k.key", "--rules"])
        .args([corpus.rules()])
        .args(&traces)
        .run();
    out.assert_code(1);
    let alerts = alerts(&out);
    assert!(out.stderr.contains(&format!("logged {} alert(s) in audit.db", alerts.len())), "{out}");
    let entries = tail(&dir, "audit.db");
    let logged: Vec<(&Value, &Value)> =
        entries.iter().map(|e| (&e["decision"]["result"], &e["decision"]["priority"])).collect();
    let alerted: Vec<(&Value, &Value)> = alerts.iter().map(|a| (&a["rule"], &a["priority"])).collect();
    assert_eq!(logged, alerted, "the log holds {} entries for {} alerts", entries.len(), alerts.len());
    for entry in &entries {
        assert_eq!(entry["kind"], "alert", "{entry}");
    }
    let privileged = entries
        .iter()
        .find(|e| e["decision"]["event_time"] == "2018-10-25T14:09:12.581541000Z")
        .unwrap_or_else(|| panic!("no entry for the privileged pod"));
    assert_eq!(privileged["decision"]["result"], "Create Privileged Pod");
    assert_eq!(privileged["decision"]["priority"], "Warning");
    assert_eq!(privileged["actor"]["username"], "system:serviceaccount:kube-system:replicaset-controller");
    assert_eq!(privileged["subject"]["line"], 1);
    let verify = in_state(&dir).args(["log", "verify", "--log", "audit.db", "--key", "k.pub"]).run();
    verify.assert_code(0);
    assert!(verify.stdout.contains(&format!("OK: {} entries", alerts.len())), "{verify}");
}

/// A child process killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `vigil` with the environment [`Vigil`] would clear removed.
fn vigil_command(dir: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("vigil"));
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("VIGIL_") || k == "RUST_LOG" || k == "NO_COLOR") {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(dir);
    cmd
}

/// Lines of a child's output, sent as they come.
fn lines_of(reader: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The next line within 20 s (a bound against hanging, not a timing assertion).
#[track_caller]
fn next_line(rx: &mpsc::Receiver<String>, what: &str) -> String {
    rx.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|e| panic!("no {what} within 20 s: {e}"))
}

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file.flush().unwrap();
}

#[test]
fn follow_reads_appends_and_survives_rotation() {
    let Some(corpus) = Corpus::get() else { return };
    let dir = temp_dir();
    let log = write(dir.path(), "audit.log", "");
    let mut cmd = vigil_command(dir.path());
    cmd.args(["audit", "--follow", "--format", "json", "--no-builtin-rules", "--rules"])
        .arg(corpus.rules())
        .arg("audit.log")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = Killed(cmd.spawn().unwrap());
    let stdout = lines_of(child.0.stdout.take().unwrap());

    append(&log, &corpus.trace_line("create_nginx_pod_privileged.json"));
    let first: Value = serde_json::from_str(&next_line(&stdout, "alert for the appended line")).unwrap();
    assert_eq!(first["rule"], "Create Privileged Pod", "{first}");

    // Rotation: the file is renamed and a new one created.
    std::fs::rename(&log, dir.path().join("audit.log.1")).unwrap();
    write(dir.path(), "audit.log", corpus.trace_line("create_configmap.json"));
    let second: Value = serde_json::from_str(&next_line(&stdout, "alert after rotation")).unwrap();
    assert_eq!(second["rule"], "K8s ConfigMap Created", "{second}");

    // And appends to the new file keep coming.
    append(&log, &corpus.trace_line("create_deployment.json"));
    let third: Value = serde_json::from_str(&next_line(&stdout, "alert after an append to the new file")).unwrap();
    assert_eq!(third["rule"], "K8s Deployment Created", "{third}");
    assert!(child.0.try_wait().unwrap().is_none(), "vigil audit --follow exited");
}

/// A running `vigil serve --audit` with its stdout and stderr collected.
struct AuditServer {
    _child: Killed,
    port: u16,
    ca: PathBuf,
    stdout: mpsc::Receiver<String>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl AuditServer {
    fn start(dir: &tempfile::TempDir, extra: &[&str]) -> AuditServer {
        let mut cmd = vigil_command(dir.path());
        cmd.env("XDG_STATE_HOME", dir.path().join("state"))
            .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert", "certs/tls.crt", "--tls-key", "certs/tls.key"])
            .args(["--policy", "policy.yaml"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = Killed(cmd.spawn().unwrap());
        let stdout = lines_of(child.0.stdout.take().unwrap());
        let stderr_rx = lines_of(child.0.stderr.take().unwrap());
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            while let Ok(line) = stderr_rx.recv() {
                sink.lock().unwrap().push(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let port = loop {
            let found = stderr.lock().unwrap().iter().find_map(|line| {
                let v: Value = serde_json::from_str(line).ok()?;
                (v["msg"] == "listening").then(|| v["address"].as_str()?.rsplit(':').next()?.parse::<u16>().ok())?
            });
            if let Some(port) = found {
                break port;
            }
            if let Some(exit) = child.0.try_wait().unwrap() {
                panic!("vigil serve exited with {exit:?}: {:?}", stderr.lock().unwrap());
            }
            assert!(Instant::now() < deadline, "vigil serve did not start: {:?}", stderr.lock().unwrap());
            std::thread::sleep(Duration::from_millis(20));
        };
        AuditServer { _child: child, port, ca: dir.path().join("certs/ca.crt"), stdout, stderr }
    }

    /// (HTTP status, body) of a request with curl over verified TLS, with extra headers (or
    /// curl options, those starting with `--`).
    fn call(&self, method: &str, path: &str, headers: &[&str], body: Option<&[u8]>) -> (u16, String) {
        let mut cmd = Command::new("curl");
        cmd.args(["-s", "--max-time", "20", "--cacert"]).arg(&self.ca).args(["-X", method, "-w", "\n%{http_code}"]);
        for header in headers {
            if header.starts_with("--") {
                cmd.arg(header);
            } else {
                cmd.args(["-H", header]);
            }
        }
        if body.is_some() {
            cmd.args(["-H", "Content-Type: application/json", "--data-binary", "@-"]);
        }
        cmd.arg(format!("https://localhost:{}{path}", self.port));
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        if let Some(body) = body {
            stdin.write_all(body).unwrap();
        }
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", text.as_str()));
        (code.trim().parse().unwrap_or(0), body.to_owned())
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }
}

const POLICY: &str = "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: production}\nspec:\n  mode: enforce\n  \
                      namespaces: {include: [\"*\"], exclude: [kube-system]}\n  podSecurity: {level: restricted, version: latest}\n";

/// The alerts of the privileged pod, ConfigMap and Deployment events with a decision log.
const FIRED: [&str; 4] =
    ["Create Privileged Pod", "Pod Image Not Admitted by vigil", "K8s ConfigMap Created", "K8s Deployment Created"];

const TOKEN: &str = "s3cret-audit-token-0123456789";

/// Certificates, a policy, a log key, a state directory and the audit token in `token`.
fn serve_setup() -> Option<tempfile::TempDir> {
    vigil_testkit::require_tool("curl")?;
    let dir = log_setup();
    in_state(&dir)
        .args(["webhook", "certs", "--out", "certs", "--extra-name", "127.0.0.1", "--extra-name", "localhost"])
        .run()
        .assert_code(0);
    write(dir.path(), "policy.yaml", POLICY);
    write(dir.path(), "token", format!("{TOKEN}\n"));
    Some(dir)
}

#[test]
fn serve_audit_takes_event_lists_from_the_token_holder() {
    let Some(corpus) = Corpus::get() else { return };
    let Some(dir) = serve_setup() else { return };
    let rules = corpus.rules();
    let server = AuditServer::start(
        &dir,
        &[
            "--audit",
            "--audit-token-file",
            "token",
            "--no-builtin-audit-rules",
            "--audit-rules",
            rules.to_str().unwrap(),
            "--log=serve.db",
            "--log-key",
            "k.key",
        ],
    );
    let items: Vec<Value> = ["create_nginx_pod_privileged.json", "create_configmap.json", "create_deployment.json"]
        .iter()
        .map(|n| serde_json::from_str(&corpus.trace_line(n)).unwrap())
        .collect();
    let list = json!({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": items});
    let body = serde_json::to_vec(&list).unwrap();
    let bearer = format!("Authorization: Bearer {TOKEN}");

    // Without the token, with a wrong one, or with it not as a bearer token: 401.
    for headers in [
        vec![],
        vec!["Authorization: Bearer s3cret-audit-token-012345678X".to_owned()],
        vec![format!("Authorization: Basic {TOKEN}")],
    ] {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        // Over HTTP/1.1: the 401 is sent before the body is read, and curl 7.88 over HTTP/2
        // then sometimes reports a stream error (exit 92) instead of the response; the same
        // happens to a 404 on any path, so it is not /audit's doing.
        let mut headers = headers;
        headers.push("--http1.1");
        let (code, reply) = server.call("POST", "/audit", &headers, Some(&body));
        assert_eq!(code, 401, "{headers:?}: {reply}\n{}", server.stderr());
    }

    let (code, reply) = server.call("POST", "/audit", &[&bearer], Some(&body));
    assert_eq!(code, 200, "{reply}\n{}", server.stderr());
    let reply: Value = serde_json::from_str(&reply).unwrap();
    // With a decision log, the Pod's image (admitted by no `admission` entry) is also
    // `Pod Image Not Admitted by vigil` (docs/audit.md).
    assert_eq!(reply, json!({"events": 3, "alerts": 4}));

    // The alerts on standard output, as Falco JSON lines, in order.
    let printed: Vec<Value> = (0..4)
        .map(|_| {
            let line = next_line(&server.stdout, "alert line on the server's stdout");
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
        })
        .collect();
    let rules_fired: Vec<&str> = printed.iter().map(rule_of).collect();
    assert_eq!(rules_fired, FIRED);
    for alert in &printed {
        let keys: Vec<&str> = alert.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ALERT_KEYS, "{alert}");
    }
    assert_eq!(printed[0]["output_fields"]["ka.req.pod.containers.image"], json!(["nginx"]));

    // A malformed body: 400.
    let (code, reply) = server.call("POST", "/audit", &[&bearer], Some(b"{\"kind\":\"EventList\",\"items\":[1"));
    assert_eq!(code, 400, "{reply}");
    let (code, reply) = server.call("POST", "/audit", &[&bearer], Some(br#"{"kind":"Pod","apiVersion":"v1"}"#));
    assert_eq!(code, 400, "{reply}");

    let (code, metrics) = server.call("GET", "/metrics", &[], None);
    assert_eq!(code, 200);
    assert_eq!(metric(&metrics, "vigil_audit_events_total"), 3);
    assert_eq!(metric(&metrics, "vigil_audit_alerts_total{rule=\"Create Privileged Pod\",priority=\"Warning\"}"), 1);
    assert_eq!(
        metric(&metrics, "vigil_audit_alerts_total{rule=\"K8s ConfigMap Created\",priority=\"Informational\"}"),
        1
    );
    assert_eq!(metric(&metrics, "vigil_audit_unauthorized_total"), 3);
    assert_eq!(metric(&metrics, "vigil_audit_malformed_total"), 2);

    // The alerts in the decision log (entries queued without waiting: poll for them).
    let deadline = Instant::now() + Duration::from_secs(20);
    let alerts = loop {
        let entries = tail(&dir, "serve.db");
        let alerts: Vec<Value> = entries.into_iter().filter(|e| e["kind"] == "alert").collect();
        if alerts.len() >= FIRED.len() || Instant::now() > deadline {
            break alerts;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let logged: Vec<&Value> = alerts.iter().map(|e| &e["decision"]["result"]).collect();
    assert_eq!(logged, FIRED);
    assert_eq!(alerts[0]["decision"]["priority"], "Warning");
    assert_eq!(alerts[0]["subject"]["input"], "webhook");
    drop(server);
    in_state(&dir).args(["log", "verify", "--log", "serve.db", "--key", "k.pub"]).run().assert_code(0);
}

#[test]
fn serve_audit_min_priority_and_a_single_event() {
    let Some(corpus) = Corpus::get() else { return };
    let Some(dir) = serve_setup() else { return };
    let rules = corpus.rules();
    let server = AuditServer::start(
        &dir,
        &[
            "--audit",
            "--audit-token-file",
            "token",
            "--no-builtin-audit-rules",
            "--audit-rules",
            rules.to_str().unwrap(),
            "--audit-min-priority",
            "warning",
        ],
    );
    let bearer = format!("Authorization: Bearer {TOKEN}");
    // One Event (not a list), whose only alert is Informational: dropped.
    let configmap = corpus.trace_line("create_configmap.json");
    let (code, reply) = server.call("POST", "/audit", &[&bearer], Some(configmap.as_bytes()));
    assert_eq!(code, 200, "{reply}");
    assert_eq!(serde_json::from_str::<Value>(&reply).unwrap(), json!({"events": 1, "alerts": 0}));
    let privileged = corpus.trace_line("create_nginx_pod_privileged.json");
    let (code, reply) = server.call("POST", "/audit", &[&bearer], Some(privileged.as_bytes()));
    assert_eq!(code, 200, "{reply}");
    assert_eq!(serde_json::from_str::<Value>(&reply).unwrap(), json!({"events": 1, "alerts": 1}));
    let line = next_line(&server.stdout, "alert line");
    assert_eq!(serde_json::from_str::<Value>(&line).unwrap()["rule"], "Create Privileged Pod", "{line}");
    let (_, metrics) = server.call("GET", "/metrics", &[], None);
    assert_eq!(metric(&metrics, "vigil_audit_events_total"), 2);
    assert!(!metrics.contains("K8s ConfigMap Created"), "{metrics}");
}

#[test]
fn serve_audit_refuses_a_short_token_and_no_token_file() {
    let Some(dir) = serve_setup() else { return };
    write(dir.path(), "short", "too-short\n");
    let base = ["serve", "--listen", "127.0.0.1:0", "--tls-cert", "certs/tls.crt", "--tls-key", "certs/tls.key"];
    let out =
        in_state(&dir).args(base).args(["--policy", "policy.yaml", "--audit", "--audit-token-file", "short"]).run();
    out.assert_code(2);
    assert!(out.stderr.contains("short: the audit token must be at least 16 characters"), "{out}");
    let out = in_state(&dir).args(base).args(["--policy", "policy.yaml", "--audit"]).run();
    out.assert_code(2);
    assert!(out.stderr.contains("--audit-token-file"), "{out}");
    // Bad audit rules stop the server before it listens.
    write(dir.path(), "bad.yaml", "- rule: x\n  condition: [\n");
    let out = in_state(&dir)
        .args(base)
        .args(["--policy", "policy.yaml", "--audit", "--audit-token-file", "token", "--audit-rules", "bad.yaml"])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("bad.yaml:"), "{out}");
}
