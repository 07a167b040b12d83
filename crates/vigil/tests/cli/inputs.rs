//! Where manifests come from: standard input, explicit files and walked directories.

use crate::common::{Vigil, copy_fixture, files_of, findings, fixture, str_of, temp_dir, write};

#[test]
fn stdin_is_read_with_dash() {
    let out = Vigil::in_fixtures().args(["lint", "-", "--format", "json"]).stdin(fixture("pod.json")).run();
    out.assert_code(1);
    let report = out.json();
    assert_eq!(files_of(&report), ["-".to_string()].into());
    let from_file = Vigil::in_fixtures().args(["lint", "pod.json", "--format", "json"]).run().json();
    let strip = |r: &serde_json::Value| -> Vec<(String, u64, u64)> {
        findings(r)
            .iter()
            .map(|f| (str_of(f, "rule"), f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap()))
            .collect()
    };
    assert_eq!(strip(&report), strip(&from_file), "stdin and the file disagree");
    assert_eq!(report["summary"], serde_json::json!({"files": 1, "objects": 1, "findings": 6, "suppressed": 0}));
}

#[test]
fn stdin_table_names_it_dash() {
    let out = Vigil::in_fixtures()
        .args(["lint", "-", "--color", "never", "--select", "pss/hostNamespaces"])
        .stdin(fixture("pod.json"))
        .run();
    out.assert_code(1);
    insta::assert_snapshot!(out.stdout, @r#"
    high[pss/hostNamespaces]: host namespaces (hostIPC=true)
     --> -:6:5
      |
    6 |     "hostIPC": true,
      |     ^^^^^^^^^ `spec.hostIPC`

    Found 1 finding (1 high) in 1 of 1 file; 1 object checked (restricted:latest).
    "#);
}

#[test]
fn stdin_and_files_together() {
    let out = Vigil::in_fixtures()
        .args(["lint", "pod-restricted.yaml", "-", "--format", "json"])
        .stdin(fixture("multi-doc.yaml"))
        .run();
    out.assert_code(1);
    let report = out.json();
    assert_eq!(files_of(&report), ["-".to_string()].into());
    assert_eq!(report["summary"]["files"], 2);
    assert_eq!(report["summary"]["objects"], 3);
}

#[test]
fn empty_stdin_is_clean() {
    let out = Vigil::in_fixtures().args(["lint", "-", "--format", "json"]).stdin("").run();
    out.assert_code(0);
    assert_eq!(out.json()["summary"], serde_json::json!({"files": 1, "objects": 0, "findings": 0, "suppressed": 0}));
}

#[test]
fn multi_doc_list_cronjob_and_non_kubernetes() {
    let out = Vigil::in_fixtures().args(["lint", "multi-doc.yaml", "--format", "json"]).run();
    out.assert_code(1);
    let report = out.json();
    // The List's Pod and the CronJob; the third document is not a Kubernetes object.
    assert_eq!(report["summary"]["objects"], 2);
    let objects: std::collections::BTreeSet<(String, String)> = findings(&report)
        .iter()
        .map(|f| (str_of(&f["object"], "kind"), str_of(f, "path")))
        .filter(|(_, p)| p.ends_with("image"))
        .collect();
    assert_eq!(
        objects,
        [
            ("CronJob".to_string(), "spec.jobTemplate.spec.template.spec.containers[0].image".to_string()),
            ("Pod".to_string(), "items[0].spec.containers[0].image".to_string()),
        ]
        .into()
    );
    // `hostNetwork: true` in the non-Kubernetes document is not a finding.
    assert!(findings(&report).iter().all(|f| f["line"].as_u64().unwrap() < 31), "{out}");
}

#[test]
fn directory_walk_honours_gitignore_and_extensions() {
    let dir = temp_dir();
    let root = dir.path();
    for name in [
        "a.yaml",
        "b.yml",
        "c.json",
        "sub/deeper/d.YAML",
        "ignored.yaml",
        "build/e.yaml",
        "notes.txt",
        "README.md",
        "f.yaml.bak",
        ".hidden.yaml",
        ".config/g.yaml",
    ] {
        copy_fixture(root, "pod.json", name);
    }
    write(root, ".gitignore", "ignored.yaml\nbuild/\n");
    // Not a git repository: `.gitignore` still applies, as for ripgrep with `--no-require-git`.
    let out = Vigil::in_dir(root).args(["lint", ".", "--format", "json"]).run();
    out.assert_code(1);
    let report = out.json();
    assert_eq!(
        files_of(&report),
        ["./a.yaml", "./b.yml", "./c.json", "./sub/deeper/d.YAML"].map(String::from).into(),
        "{out}"
    );
    assert_eq!(report["summary"]["files"], 4);

    // The default path is `.`.
    let default = Vigil::in_dir(root).args(["lint", "--format", "json"]).run().json();
    assert_eq!(files_of(&default), files_of(&report));

    // A walk from an absolute path names files by that path, shown here as `[TMP]`.
    let out = Vigil::in_dir(root).args(["lint", "--format", "json"]).args([root]).run();
    assert!(files_of(&out.json()).iter().all(|f| f.starts_with("[TMP]/")), "{out}");
}

#[test]
fn explicit_files_are_read_whatever_their_extension() {
    let dir = temp_dir();
    copy_fixture(dir.path(), "pod.json", "notes.txt");
    copy_fixture(dir.path(), "pod.json", "ignored.yaml");
    write(dir.path(), ".gitignore", "ignored.yaml\n");
    let out = Vigil::in_dir(dir.path()).args(["lint", "notes.txt", "ignored.yaml", "--format", "json"]).run();
    out.assert_code(1);
    assert_eq!(files_of(&out.json()), ["ignored.yaml", "notes.txt"].map(String::from).into());
}

#[test]
fn empty_directory_is_clean() {
    let dir = temp_dir();
    let out = Vigil::in_dir(dir.path()).args(["lint", ".", "--color", "never"]).run();
    out.assert_code(0);
    insta::assert_snapshot!(out.stdout, @"No findings: 0 objects in 0 files checked (restricted:latest).");
}
