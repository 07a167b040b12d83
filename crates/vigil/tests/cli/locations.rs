//! Findings point at the offending key: line and column as an editor counts them (1-based).

use crate::common::{Vigil, findings, fixture, str_of};

/// 1-based line and column of the first occurrence of `needle` in `text`.
fn position_of(text: &str, needle: &str) -> (u64, u64) {
    for (i, line) in text.lines().enumerate() {
        if let Some(col) = line.find(needle) {
            return ((i + 1) as u64, (line[..col].chars().count() + 1) as u64);
        }
    }
    panic!("`{needle}` not found");
}

/// `(line, column)` of the only finding of `rule` on `file` (read from the fixtures, or stdin).
fn finding_position(file: &str, rule: &str, stdin: Option<String>) -> (u64, u64) {
    let mut vigil = Vigil::in_fixtures().args(["lint", file, "--select", rule, "--format", "json"]);
    if let Some(text) = stdin {
        vigil = vigil.stdin(text);
    }
    let out = vigil.run();
    out.assert_code(1);
    let report = out.json();
    let all = findings(&report);
    assert_eq!(all.len(), 1, "{out}");
    (all[0]["line"].as_u64().unwrap(), all[0]["column"].as_u64().unwrap())
}

#[test]
fn host_port_points_at_the_host_port_key() {
    let text = fixture("deployment-violations.yaml");
    let expected = position_of(&text, "hostPort:");
    assert_eq!(expected, (21, 11), "the fixture changed");
    assert_eq!(finding_position("deployment-violations.yaml", "pss/hostPorts", None), expected);
}

#[test]
fn keys_in_yaml_json_and_stdin() {
    let deploy = fixture("deployment-violations.yaml");
    for (rule, needle) in [
        ("pss/hostNamespaces", "hostNetwork:"),
        ("pss/privileged", "privileged:"),
        ("pss/hostProbesAndHostLifecycle", "host:"),
        ("image/latest-tag", "nginx:latest"),
    ] {
        assert_eq!(finding_position("deployment-violations.yaml", rule, None), position_of(&deploy, needle), "{rule}");
    }
    let json = fixture("pod.json");
    assert_eq!(finding_position("pod.json", "pss/hostNamespaces", None), position_of(&json, "\"hostIPC\""));
    assert_eq!(finding_position("-", "pss/hostNamespaces", Some(json.clone())), position_of(&json, "\"hostIPC\""));
    let multi = fixture("multi-doc.yaml");
    assert_eq!(finding_position("multi-doc.yaml", "pss/runAsUser", None), position_of(&multi, "runAsUser:"));
}

#[test]
fn object_and_path_of_a_finding() {
    let out = Vigil::in_fixtures()
        .args(["lint", "deployment-violations.yaml", "--select", "pss/hostPorts", "--format", "json"])
        .run();
    let report = out.json();
    let finding = &findings(&report)[0];
    assert_eq!(
        finding["object"],
        serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "web"})
    );
    assert_eq!(str_of(finding, "path"), "spec.template.spec.containers[0].ports[0].hostPort");
}

#[test]
fn columns_count_characters_and_crlf_is_handled() {
    let dir = crate::common::temp_dir();
    let text = "apiVersion: v1\r\nkind: Pod\r\nmetadata: {name: \"é😀\"}\r\nspec: {containers: [{name: \"ü😀\", image: \"nginx:1\", ports: [{containerPort: 1, hostPort: 2}]}]}\r\n";
    crate::common::write(dir.path(), "pod.yaml", text);
    let out =
        Vigil::in_dir(dir.path()).args(["lint", "pod.yaml", "--select", "pss/hostPorts", "--format", "json"]).run();
    out.assert_code(1);
    let report = out.json();
    let finding = &findings(&report)[0];
    assert_eq!(
        (finding["line"].as_u64().unwrap(), finding["column"].as_u64().unwrap()),
        position_of(text, "hostPort:")
    );
}

#[test]
fn crlf_line_endings_in_table_frames() {
    let dir = crate::common::temp_dir();
    let text = fixture("deployment-violations.yaml").replace('\n', "\r\n");
    crate::common::write(dir.path(), "crlf.yaml", text);
    let out =
        Vigil::in_dir(dir.path()).args(["lint", "crlf.yaml", "--select", "pss/hostPorts", "--color", "never"]).run();
    out.assert_code(1);
    // No `\r`, and no `␍` (annotate-snippets' picture of a carriage return) in the frame.
    assert!(!out.stdout.contains(['\r', '\u{240d}']), "{:?}", out.stdout);
    insta::assert_snapshot!(out.stdout, @r#"
    high[pss/hostPorts]: hostPort (container "app" uses hostPort 8080)
      --> crlf.yaml:21:11
       |
    21 |           hostPort: 8080
       |           ^^^^^^^^ `spec.template.spec.containers[0].ports[0].hostPort`

    Found 1 finding (1 high) in 1 of 1 file; 1 object checked (restricted:latest).
    "#);
}
