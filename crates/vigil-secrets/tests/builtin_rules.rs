//! vigil's built-in rules: they load, ids are unique and gitleaks-compatible where gitleaks has
//! the rule, every rule has keywords (the prefilter), and every rule has a true positive it
//! finds and a false positive it does not (`tests/fixtures/builtin-vectors.json`, made of
//! obviously fake values in each provider's format). Redacted output never holds a fixture
//! secret in full.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use vigil_secrets::engine::{Detector, Options};
use vigil_secrets::fragment::{Fragment, Origin};
use vigil_secrets::report::{self, Reveal};

/// The number of built-in rules.
const RULES: usize = 215;

fn vectors() -> Vec<serde_json::Value> {
    let text = include_str!("fixtures/builtin-vectors.json");
    serde_json::from_str::<Vec<serde_json::Value>>(text).unwrap()
}

fn rules_of(detector: &Detector, path: &str, text: &str) -> Vec<vigil_secrets::finding::Finding> {
    let origin = Origin { path: path.into(), ..Origin::default() };
    detector.detect(Fragment { bytes: text.as_bytes(), origin: &origin })
}

#[test]
fn the_rules_load_with_unique_ids_and_keywords() {
    let config = vigil_secrets::builtin::config().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.rules.len(), RULES);
    let mut ids = HashSet::new();
    for rule in &config.rules {
        assert!(ids.insert(rule.id.clone()), "{} twice", rule.id);
        assert_eq!(rule.id, format!("secret/{}", rule.gitleaks_id));
        assert!(!rule.description.is_empty(), "{}", rule.id);
        assert!(rule.regex.is_none() || !rule.keywords.is_empty(), "{} has no keywords", rule.id);
    }
    assert!(!config.allowlists.is_empty());
}

#[test]
fn every_rule_has_a_true_and_a_false_positive() {
    let detector = Detector::new(vigil_secrets::builtin::config().unwrap(), Options::default());
    let vectors = vectors();
    assert_eq!(vectors.len(), RULES);
    let mut missed = Vec::new();
    let mut noisy = Vec::new();
    let mut leaked = Vec::new();
    for v in &vectors {
        let rule = format!("secret/{}", v["rule"].as_str().unwrap());
        let path = v["path"].as_str().unwrap_or("config/settings.txt");
        let tp = v["tp"].as_str().unwrap();
        let found = rules_of(&detector, path, tp);
        match found.iter().find(|f| f.rule == rule) {
            None => missed.push(rule.clone()),
            Some(f) => {
                let shown =
                    report::finding_json(f, Reveal::Redacted).to_string() + &report::table_line(f, Reveal::Redacted);
                if f.secret.chars().count() > 4 && shown.contains(&f.secret) {
                    leaked.push(rule.clone());
                }
            }
        }
        if let Some(fp) = v["fp"].as_str()
            && rules_of(&detector, path, fp).iter().any(|f| f.rule == rule)
        {
            noisy.push(rule.clone());
        }
    }
    assert!(missed.is_empty(), "true positives not found: {missed:?}");
    assert!(noisy.is_empty(), "false positives found: {noisy:?}");
    assert!(leaked.is_empty(), "a redacted finding shows its secret: {leaked:?}");
}

#[test]
fn placeholders_and_lock_files_are_allowed() {
    let detector = Detector::new(vigil_secrets::builtin::config().unwrap(), Options::default());
    assert!(rules_of(&detector, "app.env", "DB_PASSWORD=${DB_PASSWORD}\n").is_empty());
    assert!(rules_of(&detector, "app.env", "api_key = \"<your-api-key-here>\"\n").is_empty());
    assert!(rules_of(&detector, "app.env", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n").is_empty());
    assert!(detector.path_allowed("web/package-lock.json"));
    assert!(detector.path_allowed("vendor/github.com/x/y.go"));
}
