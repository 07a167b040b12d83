//! Per rule a firing and a clean case.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use vigil_dockerfile::{Options, lint};

fn ids(text: &str) -> Vec<(String, usize, Option<String>)> {
    let enabled = |_: &vigil_core::RuleMeta| true;
    let options = Options { enabled: &enabled, trusted_registry: None };
    lint("Dockerfile", text, &options).findings.into_iter().map(|f| (f.rule, f.location.line, f.suppressed)).collect()
}

fn fires(text: &str, rule: &str) -> bool {
    ids(text).iter().any(|(r, _, s)| r == rule && s.is_none())
}

#[test]
fn sudo() {
    assert!(fires("FROM a:1\nRUN sudo apt-get update\n", "dockerfile/sudo"));
    assert!(fires("FROM a:1\nONBUILD RUN sudo ls\n", "dockerfile/sudo"));
    assert!(fires("FROM a:1\nRUN <<EOF\nsudo ls\nEOF\n", "dockerfile/sudo"));
    assert!(!fires("FROM a:1\nRUN echo sudo\n", "dockerfile/sudo"));
}

#[test]
fn sudo_position_is_exact() {
    let f = ids("FROM a:1\nRUN ls && \\\n  sudo rm x\n");
    assert!(f.contains(&("dockerfile/sudo".into(), 3, None)), "{f:?}");
}

#[test]
fn maintainer() {
    assert!(fires("FROM a:1\nMAINTAINER me\n", "dockerfile/maintainer-deprecated"));
    assert!(!fires("FROM a:1\nLABEL maintainer=me\n", "dockerfile/maintainer-deprecated"));
}

#[test]
fn last_user_root() {
    assert!(fires("FROM a:1\nUSER app\nUSER root\n", "dockerfile/last-user-root"));
    assert!(!fires("FROM a:1\nUSER root\nUSER app\n", "dockerfile/last-user-root"));
    assert!(!fires("FROM a:1\nUSER root\nFROM b:1\nUSER app\n", "dockerfile/last-user-root"));
}

#[test]
fn untagged_base() {
    assert!(fires("FROM debian\n", "dockerfile/untagged-base"));
    assert!(!fires("FROM debian:12\n", "dockerfile/untagged-base"));
    assert!(!fires("FROM scratch\n", "dockerfile/untagged-base"));
    assert!(!fires("FROM debian:12 AS build\nFROM build\n", "dockerfile/untagged-base"));
    assert!(!fires("FROM localhost:5000/debian@sha256:abc\n", "dockerfile/untagged-base"));
    assert!(fires("# escape=`\nFROM debian\nRUN sudo ls `\n  -la\n", "dockerfile/sudo"));
}

#[test]
fn pragmas_mark_not_drop() {
    let f = ids("FROM a:1\n# hadolint ignore=DL3004\nRUN sudo ls\nRUN sudo ls\n");
    let sudo: Vec<_> = f.iter().filter(|(r, _, _)| r == "dockerfile/sudo").collect();
    assert_eq!(sudo.len(), 2, "{f:?}");
    assert_eq!(sudo[0].2.as_deref(), Some("hadolint ignore=DL3004"));
    assert_eq!(sudo[1].2, None);
    let g = ids("# hadolint global ignore=dockerfile/untagged-base\nFROM debian\n");
    assert!(g.iter().all(|(_, _, s)| s.is_some()) && !g.is_empty(), "{g:?}");
}
