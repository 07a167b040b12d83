//! The gate itself, end to end: each test runs itself again as a child process (the same test
//! binary, `--exact` its own name, `VIGIL_TESTKIT_PROBE=1`), where it calls a helper for
//! something that cannot exist, under a chosen environment; the parent checks the child's
//! exit status, output and skip log. Environment variables are set only on the child, never
//! in this process.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

const PROBE: &str = "VIGIL_TESTKIT_PROBE";
const NO_SUCH_TOOL: &str = "vigil-testkit-no-such-tool";

fn is_probe() -> bool {
    std::env::var_os(PROBE).is_some()
}

/// Runs test `name` of this binary as a child with `env` set (`None` removes the variable);
/// `CI`, the skip and report logs and the switches are removed unless given.
fn child(name: &str, env: &[(&str, Option<&str>)], extra: &[&str]) -> Output {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([name, "--exact", "--nocapture"]).args(extra).env(PROBE, "1");
    for var in ["CI", "VIGIL_SKIP_LOG", "VIGIL_REPORT_LOG", "VIGIL_REQUIRE_REGISTRY", "VIGIL_COSIGN", "VIGIL_CORPORA"] {
        cmd.env_remove(var);
    }
    for (key, value) in env {
        match value {
            Some(value) => cmd.env(key, value),
            None => cmd.env_remove(key),
        };
    }
    cmd.output().unwrap()
}

/// The child's stdout and stderr, each line indented so that a failure message quoting it has no
/// line starting with `test result:` (scripts/test counts those).
fn text(out: &Output) -> String {
    let both = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    both.lines().map(|l| format!("  | {l}\n")).collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn under_ci_true_a_missing_tool_fails_naming_it() {
    if is_probe() {
        let found = vigil_testkit::require_tool(NO_SUCH_TOOL);
        assert!(found.is_none(), "found {found:?}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("skips.log");
    let out = child(
        "under_ci_true_a_missing_tool_fails_naming_it",
        &[("CI", Some("true")), ("VIGIL_SKIP_LOG", log.to_str())],
        &[],
    );
    let text = text(&out);
    assert!(!out.status.success(), "the child passed:\n{text}");
    assert!(text.contains(&format!("CI=true but `{NO_SUCH_TOOL}` is missing: not found on PATH")), "{text}");
    assert!(text.contains("test result: FAILED. 0 passed; 1 failed"), "{text}");
    assert!(!text.contains("SKIPPED"), "{text}");
    assert_eq!(read(&log), "", "a failure is not a skip");
}

#[test]
fn under_ci_1_an_unset_variable_fails_naming_it() {
    if is_probe() {
        let found = vigil_testkit::cosign();
        assert!(found.is_none(), "found {found:?}");
        return;
    }
    let out = child("under_ci_1_an_unset_variable_fails_naming_it", &[("CI", Some("1"))], &[]);
    let text = text(&out);
    assert!(!out.status.success(), "the child passed:\n{text}");
    assert!(text.contains("CI=1 but cosign is missing: VIGIL_COSIGN is unset"), "{text}");
}

#[test]
fn outside_ci_a_missing_tool_is_reported_as_skipped() {
    if is_probe() {
        let Some(_) = vigil_testkit::require_tool(NO_SUCH_TOOL) else { return };
        panic!("{NO_SUCH_TOOL} was found");
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("skips.log");
    for (ci, threads) in [(None, "--test-threads=4"), (Some("false"), "--test-threads=1")] {
        std::fs::remove_file(&log).ok();
        let out = child(
            "outside_ci_a_missing_tool_is_reported_as_skipped",
            &[("CI", ci), ("VIGIL_SKIP_LOG", log.to_str())],
            &[threads],
        );
        let text = text(&out);
        assert!(out.status.success(), "{text}");
        let reason = format!("needs `{NO_SUCH_TOOL}`: not found on PATH (scripts/test installs it)");
        let test = "gating outside_ci_a_missing_tool_is_reported_as_skipped";
        // Shown even though libtest captures the test's output and the test "passes".
        assert!(text.contains(&format!("SKIPPED {test}: {reason} (crates/vigil-testkit/tests/gating.rs:")), "{text}");
        // Recorded once, for scripts/test to count as not run.
        assert_eq!(read(&log), format!("{test}\t{reason}\n"), "{threads}");
    }
}

#[test]
fn the_registry_switch_requires_outside_ci() {
    if is_probe() {
        let found: Option<()> = vigil_testkit::missing_with_switch(
            Some("VIGIL_REQUIRE_REGISTRY"),
            "the registry",
            "`docker-registry` is not installed",
        );
        assert!(found.is_none());
        return;
    }
    let on = child("the_registry_switch_requires_outside_ci", &[("VIGIL_REQUIRE_REGISTRY", Some("1"))], &[]);
    let text = text(&on);
    assert!(!on.status.success(), "{text}");
    assert!(
        text.contains("VIGIL_REQUIRE_REGISTRY=1 but the registry is missing: `docker-registry` is not installed"),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("skips.log");
    let off = child("the_registry_switch_requires_outside_ci", &[("VIGIL_SKIP_LOG", log.to_str())], &[]);
    assert!(off.status.success(), "{}", self::text(&off));
    assert!(read(&log).contains("needs the registry: `docker-registry` is not installed"), "{}", read(&log));
}

#[test]
fn a_vanished_corpus_fails_even_outside_ci() {
    if is_probe() {
        let _ = vigil_testkit::require_corpus("psa/test/testdata");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = child("a_vanished_corpus_fails_even_outside_ci", &[("VIGIL_CORPORA", dir.path().to_str())], &[]);
    let text = text(&out);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("VIGIL_CORPORA is set but") && text.contains("psa/test/testdata is missing or empty"),
        "{text}"
    );
    // Unset, outside CI: a skip naming the corpus and the variable.
    let log = dir.path().join("skips.log");
    let unset = child("a_vanished_corpus_fails_even_outside_ci", &[("VIGIL_SKIP_LOG", log.to_str())], &[]);
    assert!(unset.status.success(), "{}", self::text(&unset));
    assert!(read(&log).contains("needs the corpus `psa/test/testdata`: VIGIL_CORPORA is unset"), "{}", read(&log));
}

#[test]
fn not_applicable_is_a_skip_in_ci_too() {
    if is_probe() {
        let _: Option<()> = vigil_testkit::not_applicable("root can read a mode-000 file");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("skips.log");
    let out =
        child("not_applicable_is_a_skip_in_ci_too", &[("CI", Some("true")), ("VIGIL_SKIP_LOG", log.to_str())], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        read(&log),
        "gating not_applicable_is_a_skip_in_ci_too\tnot applicable here: root can read a mode-000 file\n"
    );
}

#[test]
fn report_lines_are_shown_and_logged() {
    if is_probe() {
        vigil_testkit::report("psa: 1/1 (100.0%)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("report.log");
    let out = child("report_lines_are_shown_and_logged", &[("VIGIL_REPORT_LOG", log.to_str())], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).lines().any(|l| l == "psa: 1/1 (100.0%)"), "{}", text(&out));
    assert_eq!(read(&log), "psa: 1/1 (100.0%)\n");
}
