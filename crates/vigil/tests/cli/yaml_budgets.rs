//! YAML amplification: aliases and merge keys are charged by what they copy, in nodes and in
//! bytes, so each hostile shape below is refused as one error naming the file (exit 2) after
//! little work, while the other inputs of the run are still checked. The elapsed times are
//! printed, not asserted.

use std::time::Instant;

use crate::bad_input::assert_one_error;
use crate::common::{Vigil, copy_fixture, temp_dir, write};

/// One 1 MiB anchored scalar and `aliases` aliases to it.
fn scalar_bomb(aliases: usize) -> String {
    format!("a: &a {}\nb: [{}]\n", "x".repeat(1024 * 1024), vec!["*a"; aliases].join(", "))
}

/// A policy whose one registry pattern is a 1 MiB anchored scalar, aliased 3,000 times.
fn policy_bomb() -> String {
    format!(
        "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {{name: &a {}}}\nspec:\n  registries:\n    allow: [{}]\n",
        "x".repeat(1024 * 1024),
        vec!["*a"; 3_000].join(", ")
    )
}

/// A 20,000-key mapping merged into 2,000 mappings (312 KB).
fn merge_bomb() -> String {
    let keys: Vec<String> = (0..20_000).map(|i| format!("k{i}: v")).collect();
    let mut text = format!("base: &a {{{}}}\n", keys.join(", "));
    for i in 0..2_000 {
        text.push_str(&format!("m{i}:\n  <<: *a\n"));
    }
    text
}

#[test]
fn one_large_scalar_aliased_3000_times() {
    let dir = temp_dir();
    write(dir.path(), "bomb.yaml", scalar_bomb(3_000));
    let started = Instant::now();
    assert_one_error(dir.path(), "bomb.yaml", "expanded scalar bytes exceed the limit of 67108864");
    eprintln!("scalar bomb (3,000 aliases), two runs: {:?}", started.elapsed());
}

#[test]
fn one_large_scalar_aliased_30000_times() {
    let dir = temp_dir();
    write(dir.path(), "bomb.yaml", scalar_bomb(30_000));
    assert_one_error(dir.path(), "bomb.yaml", "expanded scalar bytes exceed the limit of 67108864");
}

#[test]
fn merge_keys_of_a_large_mapping() {
    let dir = temp_dir();
    let text = merge_bomb();
    assert!(text.len() < 400_000, "{}", text.len());
    write(dir.path(), "merge.yaml", text);
    let started = Instant::now();
    assert_one_error(dir.path(), "merge.yaml", "limit of 1000000 nodes");
    eprintln!("merge bomb, two runs: {:?}", started.elapsed());
}

#[test]
fn copies_are_bounded_across_documents() {
    // Every document stays below the per-document budget; together they would copy 1.2 GB.
    let document = format!("a: &a {}\nb: [{}]\n", "x".repeat(64 * 1024), vec!["*a"; 900].join(", "));
    let dir = temp_dir();
    write(dir.path(), "many.yaml", vec![document; 20].join("---\n"));
    assert_one_error(dir.path(), "many.yaml", "copies in this input exceed");
}

#[test]
fn hostile_policy_and_resource_in_policy_test() {
    let dir = temp_dir();
    copy_fixture(dir.path(), "deployment-violations.yaml", "good.yaml");
    write(
        dir.path(),
        "policy.yaml",
        "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: p}\nspec: {podSecurity: {level: baseline}}\n",
    );
    write(dir.path(), "bomb-policy.yaml", policy_bomb());
    let out = Vigil::in_dir(dir.path()).args(["policy", "test", "--policy", "bomb-policy.yaml", "good.yaml"]).run();
    out.assert_code(2);
    assert!(out.stderr.contains("bomb-policy.yaml:6:"), "{out}");
    assert!(out.stderr.contains("expanded scalar bytes exceed the limit of 16777216"), "{out}");

    write(dir.path(), "merge-policy.yaml", merge_bomb());
    let out = Vigil::in_dir(dir.path()).args(["policy", "test", "--policy", "merge-policy.yaml", "good.yaml"]).run();
    out.assert_code(2);
    assert!(out.stderr.contains("merge-policy.yaml:"), "{out}");

    write(dir.path(), "bomb.yaml", scalar_bomb(3_000));
    let out = Vigil::in_dir(dir.path())
        .args(["policy", "test", "--policy", "policy.yaml", "bomb.yaml", "good.yaml", "--format", "json"])
        .run();
    out.assert_code(2);
    assert!(out.stderr.contains("bomb.yaml:2:") || out.stdout.contains("bomb.yaml"), "{out}");
    assert!(
        out.stdout.contains("good.yaml") || out.stdout.contains("\"name\""),
        "the good file was not decided\n{out}"
    );
}

#[test]
fn hostile_config_file() {
    let dir = temp_dir();
    copy_fixture(dir.path(), "deployment-violations.yaml", "good.yaml");
    // Config files are capped at 1 MiB; a 100 KiB scalar aliased 3,000 times is 300 MB.
    let bomb =
        format!("lint:\n  allowedRegistries: [&a {}, {}]\n", "x".repeat(100 * 1024), vec!["*a"; 3_000].join(", "));
    write(dir.path(), ".vigil.yaml", bomb);
    let out = Vigil::in_dir(dir.path()).args(["lint", "good.yaml"]).run();
    out.assert_code(2);
    assert!(out.stderr.contains(".vigil.yaml:2:"), "{out}");
    assert!(out.stderr.contains("expanded scalar bytes exceed the limit of 16777216"), "{out}");
}
