//! `vigil secrets` end to end: a directory, standard input, a Kubernetes Secret, Git history made
//! with `git` itself, a gitleaks configuration, `.gitleaksignore`, a baseline, the three formats
//! (SARIF validated against the schema), exit codes, and that no output ever holds a test
//! secret in full.

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use serde_json::Value;

use crate::common::{Outcome, Vigil, temp_dir, write};

/// Obviously fake credentials in the providers' formats (built at run time so that this file
/// does not trip scanners itself).
fn aws_key() -> String {
    format!("AKIA{}", "QYLPMN5HHHFPZAM2")
}

fn github_token() -> String {
    format!("ghp_{}", "Xk8dLq2Vn7Rt5Wz9Bc4Hm6Jp3Ys1Fg0AeDuQ")
}

/// Asserts that no stream of `outcome` contains any of `secrets` in full.
#[track_caller]
fn assert_redacted(outcome: &Outcome, secrets: &[&str]) {
    for secret in secrets {
        assert!(!outcome.stdout.contains(secret), "stdout holds a full secret\n{outcome}");
        assert!(!outcome.stderr.contains(secret), "stderr holds a full secret\n{outcome}");
    }
}

fn findings(outcome: &Outcome) -> Vec<Value> {
    outcome.json()["findings"].as_array().cloned().unwrap_or_default()
}

fn tree(dir: &Path) {
    write(dir, "app/config.env", format!("# settings\nREGION=eu-west-1\nAWS_ACCESS_KEY_ID={}\n", aws_key()));
    write(dir, "app/deploy.sh", format!("#!/bin/sh\nexport GITHUB_TOKEN={}\n", github_token()));
    write(dir, "app/readme.md", "nothing to see here\n");
}

#[test]
fn a_directory_gives_redacted_findings_in_every_format_and_exit_1() {
    let dir = temp_dir();
    tree(dir.path());
    let (aws, gh) = (aws_key(), github_token());
    let json = Vigil::in_dir(dir.path()).args(["secrets", ".", "--format", "json"]).run();
    json.assert_code(1);
    assert_redacted(&json, &[&aws, &gh]);
    let found = findings(&json);
    let mut got: Vec<(String, String, u64)> = found
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap().to_owned(),
                f["start_line"].as_u64().unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("secret/aws-access-token".to_owned(), "app/config.env".to_owned(), 3),
            ("secret/github-pat".to_owned(), "app/deploy.sh".to_owned(), 2),
        ],
        "{json}"
    );
    let aws_finding = found.iter().find(|f| f["file"] == "app/config.env").unwrap();
    assert_eq!(aws_finding["secret"], "AKIA…");
    assert_eq!(aws_finding["fingerprint"], "app/config.env:aws-access-token:3");
    assert_eq!(aws_finding["redacted"], true);

    let table = Vigil::in_dir(dir.path()).args(["secrets", "."]).run();
    table.assert_code(1);
    assert_redacted(&table, &[&aws, &gh]);
    assert!(table.stdout.contains("app/config.env:3"), "{table}");
    assert!(table.stderr.contains("2 finding(s)"), "{table}");

    let sarif = Vigil::in_dir(dir.path()).args(["secrets", ".", "--format", "sarif"]).run();
    sarif.assert_code(1);
    assert_redacted(&sarif, &[&aws, &gh]);
    let log = sarif.json();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 2, "{sarif}");
    if let Some(schemas) = crate::sarif_schema::schemas() {
        crate::sarif_schema::assert_valid(&schemas, "secrets", &sarif.stdout);
    }

    // --no-redact shows the secret, only when asked.
    let full = Vigil::in_dir(dir.path()).args(["secrets", "app/config.env", "--format", "json", "--no-redact"]).run();
    full.assert_code(1);
    assert_eq!(findings(&full)[0]["secret"], aws.as_str());
}

#[test]
fn a_clean_tree_exits_0_and_a_missing_target_exits_2() {
    let dir = temp_dir();
    write(dir.path(), "a.txt", "hello\n");
    Vigil::in_dir(dir.path()).args(["secrets", "."]).run().assert_code(0);
    let missing = Vigil::in_dir(dir.path()).args(["secrets", "no-such-dir"]).run();
    missing.assert_code(2);
    assert!(missing.stderr.contains("no-such-dir"), "{missing}");
}

#[test]
fn standard_input_and_a_kubernetes_secret_with_base64_data() {
    let aws = aws_key();
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("aws_access_key_id = {aws}\n"));
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: cloud\n  namespace: prod\ntype: Opaque\ndata:\n  credentials: {encoded}\n"
    );
    let dir = temp_dir();
    let out = Vigil::in_dir(dir.path()).args(["secrets", "-", "--format", "json"]).stdin(secret.clone()).run();
    out.assert_code(1);
    assert_redacted(&out, &[&aws]);
    let found = findings(&out);
    assert!(
        found.iter().any(|f| f["rule"] == "secret/aws-access-token" && f["start_line"] == 8),
        "the decoded key is reported at the line of the encoded value\n{out}"
    );
    assert!(
        found.iter().any(|f| f["object"].as_str().is_some_and(|o| o.contains("Secret/prod/cloud"))),
        "the finding names the object\n{out}"
    );
}

#[test]
fn gitleaksignore_and_baseline_leave_known_findings_out() {
    let dir = temp_dir();
    tree(dir.path());
    write(dir.path(), ".gitleaksignore", "# accepted\napp/config.env:aws-access-token:3\n");
    let out = Vigil::in_dir(dir.path()).args(["secrets", ".", "--format", "json"]).run();
    out.assert_code(1);
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{out}");
    assert_eq!(found[0]["file"], "app/deploy.sh");
    assert!(out.stderr.contains("1 ignored by .gitleaksignore"), "{out}");

    // The report of this run as a baseline: nothing new.
    let baseline = write(dir.path(), "baseline.json", &out.stdout);
    let again = Vigil::in_dir(dir.path())
        .args(["secrets", ".", "--format", "json", "--baseline"])
        .args([baseline.to_str().unwrap()])
        .run();
    again.assert_code(0);
    assert!(findings(&again).is_empty(), "{again}");
}

#[test]
fn a_gitleaks_configuration_is_used_unchanged() {
    let dir = temp_dir();
    write(dir.path(), "src/main.txt", "token = tok_ABCDEFGHIJKLMNOP\nother = tok_short\n");
    let config = write(
        dir.path(),
        "gitleaks.toml",
        "title = \"team rules\"\n\n[[rules]]\nid = \"team-token\"\ndescription = \"Team token\"\nregex = '''tok_[A-Z]{16}'''\nkeywords = [\"tok_\"]\n",
    );
    let out = Vigil::in_dir(dir.path())
        .args(["secrets", "src", "--format", "json", "--config"])
        .args([config.to_str().unwrap()])
        .run();
    out.assert_code(1);
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{out}");
    assert_eq!(found[0]["rule"], "team-token");
    assert_eq!(found[0]["fingerprint"], "src/main.txt:team-token:1");
    assert!(out.stderr.contains("gitleaks.toml"), "{out}");

    let bad = write(dir.path(), "bad.toml", "[[rules]]\nid = \"broken\"\nregex = '''(unclosed'''\n");
    let err = Vigil::in_dir(dir.path()).args(["secrets", "src", "--config"]).args([bad.to_str().unwrap()]).run();
    err.assert_code(2);
    assert!(err.stderr.contains("broken"), "the error names the rule\n{err}");
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Ada")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", "2024-05-01T12:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-05-01T12:00:00Z")
        .output()
        .unwrap_or_else(|e| panic!("git {args:?}: {e}"));
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn git_history_finds_a_secret_deleted_in_a_later_commit() {
    let Some(_) = vigil_testkit::require_tool("git") else { return };
    let dir = temp_dir();
    let repo = dir.path();
    let aws = aws_key();
    git(repo, &["init", "-q", "-b", "main"]);
    write(repo, "ci/env.sh", format!("echo start\nexport AWS_ACCESS_KEY_ID={aws}\n"));
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "add ci"]);
    write(repo, "ci/env.sh", "echo start\n");
    git(repo, &["commit", "-q", "-am", "remove the key"]);
    // The working tree is clean...
    Vigil::in_dir(repo).args(["secrets", "ci"]).run().assert_code(0);
    // ...the history is not.
    let out = Vigil::in_dir(repo).args(["secrets", "git:.", "--format", "json"]).run();
    out.assert_code(1);
    assert_redacted(&out, &[&aws]);
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{out}");
    let f = &found[0];
    assert_eq!(f["file"], "ci/env.sh");
    assert_eq!(f["start_line"], 2);
    assert_eq!(f["commit"]["author"], "Ada");
    assert_eq!(f["commit"]["message"].as_str().map(str::trim), Some("add ci"));
    let id = f["commit"]["id"].as_str().unwrap();
    assert_eq!(f["fingerprint"], format!("{id}:ci/env.sh:aws-access-token:2"));
}
