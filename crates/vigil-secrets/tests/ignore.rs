#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `.gitleaksignore` and baselines, against gitleaks' own test data and vigil's JSON report.

use std::sync::Arc;

use vigil_secrets::finding::{Finding, fingerprint};
use vigil_secrets::fragment::CommitInfo;
use vigil_secrets::ignore::{Baseline, IgnoreError, IgnoreSet};
use vigil_secrets::report::{Reveal, to_json};
use vigil_secrets::scan::Stats;

fn finding(commit: Option<&str>, file: &str, gitleaks_id: &str, line: usize, secret: &str) -> Finding {
    Finding {
        rule: format!("secret/{gitleaks_id}"),
        gitleaks_id: gitleaks_id.to_owned(),
        description: "test".to_owned(),
        start_line: line,
        end_line: line,
        start_column: 5,
        end_column: 24,
        matched: format!("key={secret}"),
        secret: secret.to_owned(),
        file: file.to_owned(),
        symlink_file: None,
        commit: commit.map(|id| Arc::new(CommitInfo { id: id.to_owned(), ..CommitInfo::default() })),
        layer: None,
        object: None,
        entropy: 3.5,
        tags: Vec::new(),
        decoded: Vec::new(),
        fingerprint: fingerprint(commit, file, gitleaks_id, line),
    }
}

const KEY: &str = "AKIAQYLPMN5HHHFPZAM2";

#[test]
fn gitleaksignore_windows_paths_and_commit_less_fingerprints() {
    let Some(corpus) = vigil_testkit::require_corpus("secrets/gitleaks") else { return };
    let set = IgnoreSet::load(&corpus.join("testdata/gitleaksignore/.windowspaths")).unwrap();
    assert_eq!(set.len(), 3);
    assert!(set.invalid().is_empty());
    let yaml = "foo/bar/gitleaks-false-positive.yaml";
    // `foo\bar\…:4` and `foo/bar/…:5` both read as `foo/bar/…`.
    assert!(set.contains(&finding(None, yaml, "aws-access-token", 4, KEY)));
    assert!(set.contains(&finding(None, yaml, "aws-access-token", 5, KEY)));
    assert!(!set.contains(&finding(None, yaml, "aws-access-token", 6, KEY)));
    assert!(!set.contains(&finding(None, yaml, "github-pat", 4, KEY)));
    // A commit-less fingerprint ignores the finding in every commit too (gitleaks' AddFinding).
    assert!(set.contains(&finding(Some("0123abcd"), yaml, "aws-access-token", 4, KEY)));
    // A commit fingerprint only in that commit.
    let json = "test_data/test_local_repo_three_leaks.json";
    let commit = "b55d88dc151f7022901cda41a03d43e0e508f2b7";
    assert!(set.contains(&finding(Some(commit), json, "aws-access-token", 73, KEY)));
    assert!(!set.contains(&finding(Some("0123abcd"), json, "aws-access-token", 73, KEY)));
    assert!(!set.contains(&finding(None, json, "aws-access-token", 73, KEY)));
}

#[test]
fn gitleaksignore_comments_blank_lines_and_vigil_rule_ids() {
    let Some(corpus) = vigil_testkit::require_corpus("secrets/gitleaks") else { return };
    let set = IgnoreSet::load(&corpus.join("testdata/repos/nogit/.gitleaksignore")).unwrap();
    assert_eq!(set.len(), 1);
    assert!(set.contains(&finding(None, "../testdata/repos/nogit/api.go", "aws-access-key", 20, KEY)));
    let set = IgnoreSet::parse("# c\n\n  a.env:secret/aws-access-token:2  \nbad-line\n");
    assert!(set.contains(&finding(None, "a.env", "aws-access-token", 2, KEY)));
    assert_eq!(set.invalid(), &[(4, "bad-line".to_owned())]);
}

#[test]
fn gitleaks_json_baseline() {
    let Some(corpus) = vigil_testkit::require_corpus("secrets/gitleaks") else { return };
    let dir = corpus.join("testdata/baseline");
    let baseline = Baseline::load(&dir.join("baseline.json")).unwrap();
    assert_eq!(baseline.len(), 2);
    let commit = "9326f35380636bcbe61e94b0584d1618c4b5c2c2";
    let file = "detect/detect_test.go";
    // The report's secrets are redacted (`****`), so they are not compared.
    assert!(baseline.contains(&finding(Some(commit), file, "pypi-upload-token", 32, "pypi-AgEIcHlwaS5vcmc")));
    assert!(baseline.contains(&finding(Some(commit), file, "pypi-upload-token", 33, "pypi-AgEIcHlwaS5vcmc")));
    assert!(!baseline.contains(&finding(Some(commit), file, "pypi-upload-token", 34, "x")));
    assert!(!baseline.contains(&finding(None, file, "pypi-upload-token", 32, "x")));
    assert!(!baseline.contains(&finding(Some(commit), file, "github-pat", 32, "x")));
    // CSV and SARIF reports are refused, naming the file.
    for name in ["baseline.csv", "baseline.sarif"] {
        let err = Baseline::load(&dir.join(name)).unwrap_err();
        assert!(matches!(err, IgnoreError::Format { .. }), "{err}");
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn vigil_json_report_as_baseline() {
    let old = vec![
        finding(None, "a.env", "aws-access-token", 2, KEY),
        finding(Some("abc123"), "b.env", "aws-access-token", 7, KEY),
    ];
    let redacted = to_json(&old, &Stats::default(), Reveal::Redacted).to_string();
    assert!(!redacted.contains(KEY));
    let baseline = Baseline::parse("old.json", &redacted).unwrap();
    assert_eq!(baseline.len(), 2);
    for f in &old {
        assert!(baseline.contains(f));
    }
    assert!(!baseline.contains(&finding(Some("def456"), "b.env", "aws-access-token", 7, KEY)));
    assert!(!baseline.contains(&finding(None, "a.env", "aws-access-token", 3, KEY)));
    // An unredacted report compares secrets: another secret at the same place is new.
    let full = to_json(&old, &Stats::default(), Reveal::Full).to_string();
    let baseline = Baseline::parse("old.json", &full).unwrap();
    assert!(baseline.contains(&old[0]));
    assert!(!baseline.contains(&finding(None, "a.env", "aws-access-token", 2, "AKIAQYLPMN5HHHFPZZZZ")));
    // Errors name the file and the position.
    let err = Baseline::parse("old.json", "{\n  \"findings\": [\n").unwrap_err();
    assert!(err.to_string().starts_with("old.json: 3:"), "{err}");
    let err = Baseline::parse("old.json", r#"{"findings": [{"rule": "r"}]}"#).unwrap_err();
    assert_eq!(err.to_string(), "old.json: finding 0: no file");
}
