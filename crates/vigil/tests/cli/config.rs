//! The configuration file: discovered as `.vigil.yaml` in the current directory, validated.

use crate::common::{Vigil, copy_fixture, rules_of, temp_dir, write};

const CONFIG: &str = "lint: {pss: baseline, allowedRegistries: [ghcr.io], ignore: [image/no-digest]}\n";

fn set(ids: &[&str]) -> std::collections::BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn dot_vigil_yaml_in_the_current_directory_is_used() {
    let dir = temp_dir();
    copy_fixture(dir.path(), "deployment-violations.yaml", "deploy.yaml");
    write(dir.path(), ".vigil.yaml", CONFIG);
    let out = Vigil::in_dir(dir.path()).args(["lint", "deploy.yaml", "--format", "json"]).run();
    out.assert_code(1);
    let report = out.json();
    // baseline only, `nginx` (docker.io) is not from ghcr.io, and no `image/no-digest`.
    assert_eq!(
        rules_of(&report),
        set(&[
            "image/latest-tag",
            "image/untrusted-registry",
            "pss/hostNamespaces",
            "pss/hostPorts",
            "pss/hostProbesAndHostLifecycle",
            "pss/privileged",
        ])
    );
    let untrusted: Vec<_> =
        crate::common::findings(&report).iter().filter(|f| f["rule"] == "image/untrusted-registry").collect();
    assert_eq!(untrusted.len(), 1, "only `nginx:latest` is outside ghcr.io: {out}");
}

#[test]
fn flags_win_over_the_config_file() {
    let dir = temp_dir();
    copy_fixture(dir.path(), "deployment-violations.yaml", "deploy.yaml");
    write(dir.path(), ".vigil.yaml", CONFIG);
    let out = Vigil::in_dir(dir.path())
        .args(["lint", "deploy.yaml", "--format", "json", "--pss", "privileged", "--ignore", "pss"])
        .run();
    out.assert_code(1);
    // `--ignore pss` replaces the file's `ignore`, so `image/no-digest` is back.
    assert_eq!(rules_of(&out.json()), set(&["image/latest-tag", "image/no-digest", "image/untrusted-registry"]));
}

#[test]
fn no_config_ignores_the_file() {
    let dir = temp_dir();
    copy_fixture(dir.path(), "deployment-violations.yaml", "deploy.yaml");
    write(dir.path(), ".vigil.yaml", CONFIG);
    let with = Vigil::in_dir(dir.path()).args(["lint", "deploy.yaml", "--format", "json", "--no-config"]).run().json();
    let reference = Vigil::in_fixtures().args(["lint", "deployment-violations.yaml", "--format", "json"]).run().json();
    assert_eq!(rules_of(&with), rules_of(&reference));
}

#[test]
fn vigil_yaml_without_dot_is_discovered_too() {
    let dir = temp_dir();
    copy_fixture(dir.path(), "deployment-violations.yaml", "deploy.yaml");
    write(dir.path(), "vigil.yaml", "lint:\n  select: [pss/hostPorts]\n");
    let out = Vigil::in_dir(dir.path()).args(["lint", "deploy.yaml", "--format", "json"]).run();
    assert_eq!(rules_of(&out.json()), set(&["pss/hostPorts"]));
}

#[test]
fn config_is_looked_for_in_the_current_directory_only() {
    let dir = temp_dir();
    copy_fixture(dir.path(), "deployment-violations.yaml", "manifests/deploy.yaml");
    write(dir.path(), "manifests/.vigil.yaml", "lint:\n  select: [pss/hostPorts]\n");
    let out = Vigil::in_dir(dir.path()).args(["lint", "manifests", "--format", "json"]).run();
    assert!(rules_of(&out.json()).len() > 1, "a config next to the manifests was used: {out}");
}

#[test]
fn explicit_config_path() {
    let dir = temp_dir();
    copy_fixture(dir.path(), "deployment-violations.yaml", "deploy.yaml");
    write(dir.path(), "conf/strict.yaml", "lint:\n  select: [pss/privileged]\n");
    let out = Vigil::in_dir(dir.path())
        .args(["lint", "deploy.yaml", "--format", "json", "--config", "conf/strict.yaml"])
        .run();
    assert_eq!(rules_of(&out.json()), set(&["pss/privileged"]));

    let out = Vigil::in_dir(dir.path()).args(["lint", "deploy.yaml", "--config", "conf/missing.yaml"]).run();
    out.assert_code(2);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("conf/missing.yaml"), "{out}");
}

#[test]
fn unknown_key_exits_2_naming_the_file() {
    let dir = temp_dir();
    copy_fixture(dir.path(), "deployment-violations.yaml", "deploy.yaml");
    write(dir.path(), ".vigil.yaml", "lint:\n  pss: baseline\n  allowedRegistry: [ghcr.io]\n");
    let out = Vigil::in_dir(dir.path()).args(["lint", "deploy.yaml"]).run();
    out.assert_code(2);
    assert_eq!(out.stdout, "", "no report when the configuration is invalid");
    assert!(out.stderr.starts_with("error: .vigil.yaml"), "{out}");
    assert!(out.stderr.contains("unknown field `allowedRegistry`"), "{out}");
    assert!(out.stderr.contains("allowedRegistries"), "the message should list the allowed keys: {out}");
}

#[test]
fn unknown_top_level_key_and_bad_values_exit_2() {
    let dir = temp_dir();
    copy_fixture(dir.path(), "deployment-violations.yaml", "deploy.yaml");
    for (config, expected) in [
        ("lint: {}\nextra: 1\n", "unknown field `extra`"),
        ("lint:\n  pss: nope\n", "(from .vigil.yaml)"),
        ("lint:\n  select: [pss/nope]\n", "(from .vigil.yaml)"),
        ("lint:\n  severity: {pss/hostPorts: huge}\n", "(from .vigil.yaml)"),
        ("lint: [1, 2\n", ".vigil.yaml"),
    ] {
        write(dir.path(), ".vigil.yaml", config);
        let out = Vigil::in_dir(dir.path()).args(["lint", "deploy.yaml"]).run();
        out.assert_code(2);
        assert!(out.stderr.contains(expected), "config {config:?}: expected {expected:?} in\n{out}");
    }
}

#[test]
fn empty_config_is_the_default() {
    let dir = temp_dir();
    copy_fixture(dir.path(), "pod-restricted.yaml", "pod.yaml");
    write(dir.path(), ".vigil.yaml", "");
    Vigil::in_dir(dir.path()).args(["lint", "pod.yaml"]).run().assert_code(0);
}

#[test]
fn severity_override_from_config() {
    let dir = temp_dir();
    copy_fixture(dir.path(), "deployment-violations.yaml", "deploy.yaml");
    write(dir.path(), ".vigil.yaml", "lint:\n  select: [pss/hostPorts]\n  severity: {pss/hostPorts: info}\n");
    let out = Vigil::in_dir(dir.path()).args(["lint", "deploy.yaml", "--format", "json"]).run();
    assert_eq!(out.json()["findings"][0]["severity"], "info", "{out}");
}
