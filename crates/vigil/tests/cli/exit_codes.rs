//! Exit status: 0 no findings, 1 findings, 2 usage error or an input that could not be checked.

use crate::common::{Vigil, errors, files_of, str_of, temp_dir, write};

#[test]
fn clean_file_exits_0() {
    let out = Vigil::in_fixtures().args(["lint", "pod-restricted.yaml", "--color", "never"]).run();
    out.assert_code(0);
    assert_eq!(out.stderr, "");
    insta::assert_snapshot!(out.stdout, @"No findings: 1 object in 1 file checked (restricted:latest).");
}

#[test]
fn findings_exit_1() {
    for fixture in ["deployment-violations.yaml", "multi-doc.yaml", "pod.json"] {
        let out = Vigil::in_fixtures().args(["lint", fixture, "--format", "json"]).run();
        out.assert_code(1);
        assert!(errors(&out.json()).is_empty(), "{out}");
    }
}

#[test]
fn missing_file_exits_2() {
    let out = Vigil::in_fixtures().args(["lint", "no-such-file.yaml"]).run();
    out.assert_code(2);
    assert_eq!(out.error_lines(), ["error: no-such-file.yaml: cannot read: no such file or directory (os error 2)"]);
}

#[test]
fn malformed_yaml_exits_2_with_position() {
    let dir = temp_dir();
    write(dir.path(), "bad.yaml", "apiVersion: v1\nkind: Pod\nspec: [1, 2\nmetadata: 3\n");
    let out = Vigil::in_dir(dir.path()).args(["lint", "bad.yaml", "--format", "json"]).run();
    out.assert_code(2);
    let report = out.json();
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{out}");
    assert_eq!(str_of(&errs[0], "file"), "bad.yaml");
    assert!(errs[0]["line"].as_u64().is_some() && errs[0]["column"].as_u64().is_some(), "no position: {out}");
}

#[test]
fn bad_pss_exits_2() {
    for value in
        ["bogus", "baseline:v9", "baseline:v2.0", "restricted:v1.99999", "restricted:", "baseline:V1.30", ":v1.30", ""]
    {
        let out = Vigil::in_fixtures().args(["lint", "pod.json", "--pss", value]).run();
        out.assert_code(2);
        assert_eq!(out.stdout, "", "a usage error must not print a report");
        assert!(out.stderr.starts_with("error: `--pss`"), "{out}");
    }
    let out = Vigil::in_fixtures().args(["lint", "pod.json", "--pss", "bogus"]).run();
    insta::assert_snapshot!(out.stderr, @"error: `--pss`: invalid Pod Security Standards profile `bogus`: expected level `privileged`, `baseline` or `restricted`");
}

#[test]
fn unknown_rule_in_select_or_ignore_exits_2() {
    let out = Vigil::in_fixtures().args(["lint", "pod.json", "--select", "pss/hostPorts,pss/nope"]).run();
    out.assert_code(2);
    assert_eq!(out.stdout, "");
    insta::assert_snapshot!(out.stderr, @"error: `--select`: unknown rule or rule family `pss/nope`, see `vigil rules`");

    let out = Vigil::in_fixtures().args(["lint", "pod.json", "--ignore", "nope"]).run();
    out.assert_code(2);
    assert!(out.stderr.contains("`nope`"), "{out}");
}

#[test]
fn clap_usage_errors_exit_2() {
    for args in
        [&["lint", "--format", "xml"][..], &["lint", "--no-such-flag"], &["lint", "--config", "a", "--no-config"]]
    {
        Vigil::in_fixtures().args(args).run().assert_code(2);
    }
}

#[test]
fn one_bad_and_one_good_file_exit_2_and_report_both() {
    let out = Vigil::in_fixtures()
        .args(["lint", "no-such-file.yaml", "deployment-violations.yaml", "--format", "json"])
        .run();
    out.assert_code(2);
    let report = out.json();
    assert_eq!(files_of(&report), ["deployment-violations.yaml".to_string()].into());
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{out}");
    assert_eq!(str_of(&errs[0], "file"), "no-such-file.yaml");
    assert_eq!(report["summary"]["findings"], crate::common::findings(&report).len());
}

#[test]
fn findings_and_an_error_in_table_format() {
    let out = Vigil::in_fixtures().args(["lint", "no-such-file.yaml", "pod.json", "--color", "never"]).run();
    out.assert_code(2);
    assert!(out.stdout.contains("--> pod.json:"), "the good file's findings are missing:\n{out}");
    assert!(out.stdout.ends_with("1 input could not be checked (see errors above or on stderr).\n"), "{out}");
    assert_eq!(out.error_lines(), ["error: no-such-file.yaml: cannot read: no such file or directory (os error 2)"]);
}

#[test]
fn rules_subcommand() {
    let out = Vigil::in_fixtures().args(["rules", "--format", "json"]).run();
    out.assert_code(0);
    let list = out.json();
    assert!(list["rules"].as_array().is_some_and(|r| r.iter().any(|r| r["id"] == "pss/hostPorts")), "{out}");

    Vigil::in_fixtures().args(["rules", "explain", "pss/hostPorts"]).run().assert_code(0);
    let out = Vigil::in_fixtures().args(["rules", "explain", "pss/nope"]).run();
    out.assert_code(2);
    assert!(out.stderr.contains("unknown rule `pss/nope`"), "{out}");
}
