//! gitleaks' own data, unchanged: its default configuration loads and compiles; the literal
//! true positives of its rule generators are found and the literal false positives are not
//! (each checked with its rule alone, as gitleaks' `utils.Validate` does); its config-parsing
//! cases load (valid/) or are refused for the reason their name gives (invalid/).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use vigil_secrets::config::Config;
use vigil_secrets::engine::{Detector, Options};
use vigil_secrets::fragment::{Fragment, Origin};

fn corpus() -> Option<PathBuf> {
    vigil_testkit::require_corpus("secrets/gitleaks")
}

fn default_config(root: &Path) -> Config {
    Config::load(&root.join("config/gitleaks.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn found(detector: &Detector, path: &str, text: &str) -> usize {
    let origin = Origin { path: path.into(), ..Origin::default() };
    detector.detect(Fragment { bytes: text.as_bytes(), origin: &origin }).len()
}

#[test]
fn the_default_configuration_loads_every_rule() {
    let Some(root) = corpus() else { return };
    let config = default_config(&root);
    assert_eq!(config.rules.len(), 222);
    assert_eq!(config.rules.iter().filter(|r| r.regex.is_some()).count(), 221);
    assert_eq!(config.rules.iter().filter(|r| r.entropy.is_some()).count(), 130);
    assert_eq!(config.allowlists.len(), 1);
    assert_eq!(config.allowlists[0].allowlist.paths.len(), 25);
    assert_eq!(config.allowlists[0].allowlist.regexes.len(), 13);
    let generic = config.rule("generic-api-key").unwrap();
    assert_eq!(generic.allowlists.iter().map(|a| a.stopwords.len()).sum::<usize>(), 1446);
}

#[test]
fn literal_rule_vectors() {
    let Some(root) = corpus() else { return };
    let config = default_config(&root);
    let text = std::fs::read_to_string(root.join("rule-vectors-literal.json")).unwrap();
    let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (mut tps, mut tps_found, mut fps, mut fps_quiet, mut missing_rules) = (0, 0, 0, 0, 0);
    let mut missed = Vec::new();
    let mut noisy = Vec::new();
    for (id, v) in vectors.as_object().unwrap() {
        let Some(rule) = config.rule(id) else {
            missing_rules += 1;
            continue;
        };
        let alone =
            Detector::new(Config { title: None, rules: vec![rule.clone()], allowlists: vec![] }, Options::default());
        for tp in v["tps"].as_array().unwrap() {
            tps += 1;
            if found(&alone, "test.txt", tp.as_str().unwrap()) > 0 {
                tps_found += 1;
            } else {
                missed.push(format!("{id}: {}", tp.as_str().unwrap().chars().take(40).collect::<String>()));
            }
        }
        for fp in v["fps"].as_array().unwrap() {
            fps += 1;
            if found(&alone, "test.txt", fp.as_str().unwrap()) == 0 {
                fps_quiet += 1;
            } else {
                noisy.push(id.clone());
            }
        }
    }
    // 225 ids in the vectors, 3 of them (gcp-service-account, square-secret,
    // trello-access-token) not in gitleaks.toml.
    assert_eq!(missing_rules, 3);
    // 31 literal true positives and 137 false positives in all; one true positive belongs to a
    // rule that is not in gitleaks.toml.
    assert_eq!(tps, 30);
    assert_eq!(fps, 137);
    assert_eq!(tps_found, tps, "true positives missed by: {missed:?}");
    assert_eq!(fps_quiet, fps, "false positives reported by: {noisy:?}");
}

fn load_case(path: &Path) -> Result<Config, String> {
    Config::load(path).map_err(|e| e.to_string())
}

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn valid_config_cases_load() {
    let Some(root) = corpus() else { return };
    let dir = root.join("testdata/config");
    let valid = cases(&dir.join("valid"));
    assert_eq!(valid.len(), 32);
    // Loaded on their own, as gitleaks' tests load them: every case but the bases that only
    // load as the last link of a chain (gitleaks follows two levels of `[extend] path`, so the
    // third file's own extension is never read when the chain starts at `extend.toml`).
    let mut refused = Vec::new();
    for path in &valid {
        if let Err(e) = load_case(path) {
            refused.push((path.file_name().unwrap().to_str().unwrap().to_owned(), e));
        }
    }
    let names: Vec<&str> = refused.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["extend_base_1.toml", "extend_base_2.toml"], "{refused:?}");
    assert!(refused.iter().all(|(_, e)| e.contains("extend_3.toml")), "{refused:?}");
    let top = cases(&dir);
    assert_eq!(top.len(), 6);
    for path in &top {
        load_case(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    // What extension does: three levels of files give three rules; disabled rules go.
    let extended = load_case(&dir.join("valid/extend.toml")).unwrap();
    let ids: Vec<&str> = extended.rules.iter().map(|r| r.gitleaks_id.as_str()).collect();
    assert!(ids.contains(&"aws-secret-key") && ids.contains(&"aws-access-key"), "{ids:?}");
    let disabled = load_case(&dir.join("valid/extend_disabled.toml")).unwrap();
    assert!(disabled.rule("custom-rule1").is_none());
    let keywords = load_case(&dir.join("valid/extend_rule_override_keywords.toml")).unwrap();
    assert!(keywords.rule("aws-access-key").unwrap().keywords.contains(&"puppy".to_owned()));
}

#[test]
fn invalid_config_cases_are_refused_for_their_reason() {
    let Some(root) = corpus() else { return };
    let dir = root.join("testdata/config/invalid");
    let invalid = cases(&dir);
    assert_eq!(invalid.len(), 12);
    let expect = [
        ("allowlist_global_empty", "at least one check"),
        ("allowlist_global_old_and_new", "both the old [allowlist]"),
        ("allowlist_global_regextarget", "regexTarget"),
        ("allowlist_global_target_rule_id", "targetRules: no rule `github-pat`"),
        ("allowlist_rule_empty", "at least one check"),
        ("allowlist_rule_old_and_new", "both the old [rules.allowlist]"),
        ("allowlist_rule_regextarget", "regexTarget"),
        ("extend_invalid_base", "no such file"),
        ("extend_invalid_ruleid", "no `id`"),
        ("rule_bad_entropy_group", "secretGroup 5"),
        ("rule_missing_id", "no `id`"),
        ("rule_no_regex_or_path", "both `regex` and `path` are empty"),
    ];
    for path in &invalid {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let (_, reason) = expect.iter().find(|(n, _)| *n == stem).unwrap_or_else(|| panic!("unexpected case {stem}"));
        let err = load_case(path).err().unwrap_or_else(|| panic!("{stem} loaded"));
        assert!(err.contains(reason), "{stem}: {err}");
        assert!(err.contains(stem), "{stem}: the error names the file: {err}");
    }
}

#[test]
fn a_default_rule_finds_a_planted_key_and_the_global_allowlist_applies() {
    let Some(root) = corpus() else { return };
    let detector = Detector::new(default_config(&root), Options::default());
    let key = format!("AKIA{}", "QYLPMN5HHHFPZAM2");
    assert_eq!(found(&detector, "src/settings.py", &format!("aws_key = \"{key}\"\n")), 1);
    // gitleaks' global allowlist skips lock files and such.
    assert!(detector.path_allowed("web/package-lock.json"));
    assert_eq!(found(&detector, "web/package-lock.json", &format!("aws_key = \"{key}\"\n")), 0);
}

/// Detector throughput with gitleaks' default rules over the cargo registry sources on this
/// machine (one thread, files read up front): `cargo test --release -p vigil-secrets --test
/// gitleaks_corpus detector_throughput -- --ignored --nocapture`. Prints MB/s; asserts nothing
/// about time.
#[test]
#[ignore = "benchmark, run by hand (prints MB/s)"]
fn detector_throughput() {
    let root = corpus().expect("corpus");
    let detector = Detector::new(default_config(&root), Options::default());
    let home = std::env::var("HOME").unwrap();
    let mut files = Vec::new();
    let mut total = 0usize;
    let mut stack = vec![PathBuf::from(home).join(".cargo/registry/src")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p)
                && bytes.len() < 10 << 20
                && !bytes.iter().take(8000).any(|b| *b == 0)
            {
                total += bytes.len();
                files.push((p.display().to_string(), bytes));
            }
            if total > 200 << 20 {
                break;
            }
        }
    }
    let start = std::time::Instant::now();
    let mut count = 0;
    for (path, bytes) in &files {
        let origin = Origin { path: path.clone(), ..Origin::default() };
        count += detector.detect(Fragment { bytes, origin: &origin }).len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} files, {:.1} MB, {count} findings, {secs:.2} s: {:.1} MB/s on one thread",
        files.len(),
        total as f64 / 1e6,
        total as f64 / 1e6 / secs
    );
}
