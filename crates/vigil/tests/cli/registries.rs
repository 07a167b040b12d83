//! `--allowed-registry` enables `image/untrusted-registry` for images from other registries.

use std::collections::BTreeSet;

use crate::common::{Vigil, findings, str_of};

/// Names of the containers whose image `image/untrusted-registry` reports under `allowed`.
fn untrusted(allowed: &[&str]) -> BTreeSet<String> {
    let mut args = vec!["lint", "registries.yaml", "--select", "image/untrusted-registry", "--format", "json"];
    for pattern in allowed {
        args.extend(["--allowed-registry", pattern]);
    }
    let out = Vigil::in_fixtures().args(args).run();
    let report = out.json();
    let found: BTreeSet<String> = findings(&report)
        .iter()
        .map(|f| {
            // `spec.containers[N].image` -> the container's name, as written in the fixture.
            let path = str_of(f, "path");
            let index: usize = path.trim_start_matches("spec.containers[").trim_end_matches("].image").parse().unwrap();
            CONTAINERS[index].to_string()
        })
        .collect();
    out.assert_code(if found.is_empty() { 0 } else { 1 });
    found
}

/// The containers of `registries.yaml`, in order.
const CONTAINERS: [&str; 7] = ["short", "library", "user", "index", "ghcr", "port", "localhost"];

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn without_allowed_registries_the_rule_is_silent() {
    assert_eq!(untrusted(&[]), set(&[]));
}

#[test]
fn docker_hub_names_normalise_to_docker_io() {
    // `nginx`, `docker.io/library/redis`, `acme/tool` and `index.docker.io/...` are all Docker Hub.
    assert_eq!(untrusted(&["docker.io"]), set(&["ghcr", "port", "localhost"]));
    assert_eq!(untrusted(&["ghcr.io"]), set(&["short", "library", "user", "index", "port", "localhost"]));
}

#[test]
fn several_patterns_globs_ports_and_case() {
    assert_eq!(untrusted(&["docker.io", "ghcr.io"]), set(&["port", "localhost"]));
    assert_eq!(untrusted(&["*.local:5000", "localhost"]), set(&["short", "library", "user", "index", "ghcr"]));
    assert_eq!(untrusted(&["GHCR.IO"]), untrusted(&["ghcr.io"]));
    assert_eq!(untrusted(&["*"]), set(&[]));
}

#[test]
fn pattern_with_a_slash_matches_the_repository() {
    // `acme/tool` is `docker.io/acme/tool`, outside `docker.io/library/*`.
    assert_eq!(untrusted(&["docker.io/library/*"]), set(&["user", "ghcr", "port", "localhost"]));
}

#[test]
fn message_names_image_registry_and_allowed_list() {
    let out = Vigil::in_fixtures()
        .args(["lint", "registries.yaml", "--select", "image/untrusted-registry", "--format", "json"])
        .args(["--allowed-registry", "ghcr.io", "--allowed-registry", "docker.io"])
        .run();
    let report = out.json();
    let messages: Vec<String> = findings(&report).iter().map(|f| str_of(f, "message")).collect();
    insta::assert_debug_snapshot!(messages, @r#"
    [
        "image `registry.local:5000/team/app:2` comes from registry `registry.local:5000`, which is not allowed (allowed: `ghcr.io`, `docker.io`)",
        "image `localhost/app:3` comes from registry `localhost`, which is not allowed (allowed: `ghcr.io`, `docker.io`)",
    ]
    "#);
}

#[test]
fn invalid_pattern_is_a_usage_error() {
    let out = Vigil::in_fixtures().args(["lint", "registries.yaml", "--allowed-registry", "ghcr.io/{a"]).run();
    out.assert_code(2);
    assert!(out.stderr.contains("--allowed-registry") && out.stderr.contains("ghcr.io/{a"), "{out}");
}
