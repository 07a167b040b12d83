#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Fixture and snapshot tests for every rule in the registry (STYLE.md sections 2 and 6).
//!
//! Each rule `<family>/<name>` has `tests/fixtures/k8s/<name>.yaml`: YAML documents separated by
//! `---` lines, each preceded by comment lines that say what it must do:
//!
//! - `# expect: <rule ID>`: linting the document produces at least one finding of the rule;
//! - `# clean`: linting the document produces no finding of the rule;
//! - `# pss: LEVEL:VERSION` (optional): the Pod Security Standards profile, default
//!   [`DEFAULT_PROFILE`].
//!
//! Every document is linted on its own, with only its rule selected and [`ALLOWED_REGISTRIES`]
//! configured, and its findings keep the line and column they have in the fixture file. All
//! findings of a fixture are snapshotted as `line:column rule message [path]`, one per line, in
//! `tests/snapshots/rules__<family>__<name>.snap`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use vigil_core::{Finding, RuleMeta};
use vigil_k8s::{Limits, PodTemplate, load};
use vigil_lint::{LintConfig, lint_file, rules};

/// The profile of a document without a `# pss:` line.
const DEFAULT_PROFILE: &str = "restricted:latest";

/// What `image/untrusted-registry` allows in every fixture.
const ALLOWED_REGISTRIES: [&str; 2] = ["ghcr.io", "*.corp.example"];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/k8s")
}

/// `pss/hostPorts` -> `hostPorts.yaml`.
fn fixture_name(rule: &RuleMeta) -> String {
    let name = rule.id.split_once('/').map_or(rule.id, |(_, name)| name);
    format!("{name}.yaml")
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    Fires(String),
    Clean,
}

/// A comment line that says something about the document after it.
enum Directive {
    Expect(Expect),
    Profile(String),
}

impl Directive {
    fn parse(line: &str) -> Option<Self> {
        if let Some(rule) = line.strip_prefix("# expect:") {
            Some(Directive::Expect(Expect::Fires(rule.trim().to_string())))
        } else if line == "# clean" {
            Some(Directive::Expect(Expect::Clean))
        } else {
            line.strip_prefix("# pss:").map(|profile| Directive::Profile(profile.trim().to_string()))
        }
    }
}

/// One document of a fixture.
struct Document {
    /// 1-based position among the fixture's documents.
    index: usize,
    /// 1-based line of the document's first line (its directives) in the fixture.
    line: usize,
    /// The fixture's text with every other document blanked out, so that positions in this
    /// text are positions in the fixture.
    text: String,
    expect: Option<Expect>,
    profile: Option<String>,
    /// Malformed or misplaced directives.
    problems: Vec<String>,
}

impl Document {
    fn at(&self, file: &str) -> String {
        format!("{file} document {} (line {})", self.index, self.line)
    }
}

/// Splits a fixture at `---` lines and reads each document's directives. Segments with no
/// YAML (a header comment, say) are skipped unless they carry directives.
fn documents(text: &str) -> (Vec<Document>, Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut segments: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for (i, line) in lines.iter().enumerate() {
        if line.trim_end() == "---" {
            segments.push((start, i));
            start = i + 1;
        }
    }
    segments.push((start, lines.len()));

    let mut docs = Vec::new();
    let mut orphans = Vec::new();
    for (start, end) in segments {
        let body = lines.get(start..end).unwrap_or_default();
        let mut expect = None;
        let mut profile = None;
        let mut problems = Vec::new();
        let mut has_yaml = false;
        for (offset, line) in body.iter().enumerate() {
            let trimmed = line.trim();
            let Some(directive) = Directive::parse(trimmed) else {
                has_yaml |= !trimmed.is_empty() && !trimmed.starts_with('#');
                continue;
            };
            let line_no = start + offset + 1;
            if has_yaml {
                problems.push(format!("`{trimmed}` on line {line_no} is inside the document, expected it before"));
                continue;
            }
            match directive {
                Directive::Expect(_) if expect.is_some() => {
                    problems.push(format!("second `# expect:`/`# clean` on line {line_no}"));
                }
                Directive::Expect(e) => expect = Some(e),
                Directive::Profile(_) if profile.is_some() => {
                    problems.push(format!("second `# pss:` on line {line_no}"));
                }
                Directive::Profile(p) => profile = Some(p),
            }
        }
        if !has_yaml {
            if expect.is_some() || profile.is_some() {
                orphans.push(format!("directives on lines {}-{} are followed by no document", start + 1, end));
            }
            continue;
        }
        let mut text = "\n".repeat(start);
        for line in body {
            text.push_str(line);
            text.push('\n');
        }
        docs.push(Document { index: docs.len() + 1, line: start + 1, text, expect, profile, problems });
    }
    (docs, orphans)
}

/// `line:column rule message [path]`.
fn render(finding: &Finding) -> String {
    format!(
        "{}:{} {} {} [{}]",
        finding.location.line,
        finding.location.column,
        finding.rule,
        finding.message,
        finding.path.as_deref().unwrap_or("-")
    )
}

/// The outcome of running one rule's fixture.
#[derive(Default)]
struct FixtureRun {
    /// Every finding, in document order, rendered.
    rendered: Vec<String>,
    /// Every way the fixture failed its expectations, with file and document.
    mismatches: Vec<String>,
    documents: usize,
    firing: usize,
    clean: usize,
}

fn run_fixture(rule: &RuleMeta) -> FixtureRun {
    let name = fixture_name(rule);
    let path = fixtures_dir().join(&name);
    let mut run = FixtureRun::default();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            run.mismatches.push(format!("{name}: cannot read {}: {e}", path.display()));
            return run;
        }
    };
    let (docs, orphans) = documents(&text);
    run.mismatches.extend(orphans.into_iter().map(|o| format!("{name}: {o}")));
    for doc in &docs {
        run.documents += 1;
        let at = doc.at(&name);
        run.mismatches.extend(doc.problems.iter().map(|p| format!("{at}: {p}")));
        let Some(expect) = &doc.expect else {
            run.mismatches.push(format!("{at}: no `# expect: {}` or `# clean` line before the document", rule.id));
            continue;
        };
        match expect {
            Expect::Fires(id) if id != rule.id => {
                run.mismatches.push(format!("{at}: expects `{id}`, but the fixture is `{}`'s", rule.id));
                continue;
            }
            Expect::Fires(_) => run.firing += 1,
            Expect::Clean => run.clean += 1,
        }
        let profile = doc.profile.as_deref().unwrap_or(DEFAULT_PROFILE);
        let config = LintConfig::default()
            .with_pss(profile)
            .and_then(|c| c.with_allowed_registries(&ALLOWED_REGISTRIES))
            .and_then(|c| c.with_select(&[rule.id]));
        let config = match config {
            Ok(config) => config,
            Err(e) => {
                run.mismatches.push(format!("{at}: {e}"));
                continue;
            }
        };
        let file = load(&name, doc.text.clone().into_bytes(), &Limits::default());
        if let Some(error) = &file.error {
            run.mismatches.push(format!("{at}: does not load: {error}"));
            continue;
        }
        // A document that is not a pod-bearing object would pass `# clean` for any rule.
        if !file.objects.iter().any(|o| PodTemplate::of(o).is_some()) {
            run.mismatches.push(format!("{at}: holds no pod template (check apiVersion, kind and spec)"));
            continue;
        }
        let findings = lint_file(&file, &config);
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.rule == rule.id).collect();
        if mine.len() != findings.len() {
            run.mismatches.push(format!("{at}: findings of unselected rules: {findings:?}"));
        }
        match expect {
            Expect::Fires(_) if mine.is_empty() => {
                run.mismatches.push(format!("{at}: expected a `{}` finding at {profile}, got none", rule.id));
            }
            Expect::Clean if !mine.is_empty() => {
                let lines: Vec<String> = mine.iter().map(|f| render(f)).collect();
                run.mismatches.push(format!(
                    "{at}: expected no `{}` finding at {profile}, got:\n    {}",
                    rule.id,
                    lines.join("\n    ")
                ));
            }
            _ => {}
        }
        run.rendered.extend(mine.into_iter().map(render));
    }
    if run.firing == 0 {
        run.mismatches.push(format!("{name}: no `# expect: {}` document", rule.id));
    }
    if run.clean == 0 {
        run.mismatches.push(format!("{name}: no `# clean` document"));
    }
    run
}

#[test]
fn every_rule_has_a_fixture() {
    let dir = fixtures_dir();
    let expected: Vec<String> = rules().into_iter().map(fixture_name).collect();
    let missing: Vec<&String> = expected.iter().filter(|name| !dir.join(name).is_file()).collect();
    let mut present: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().and_then(|e| e.file_name().into_string().ok()))
        .filter(|name| name.ends_with(".yaml"))
        .collect();
    present.sort();
    let stray: Vec<&String> = present.iter().filter(|name| !expected.contains(name)).collect();
    assert!(
        missing.is_empty() && stray.is_empty(),
        "every rule needs tests/fixtures/k8s/<name>.yaml and every fixture a rule\n  \
         missing: {missing:?}\n  without a rule: {stray:?}"
    );
}

#[test]
fn fixtures_match_expectations() {
    let (mut documents, mut firing, mut clean) = (0, 0, 0);
    let mut mismatches = Vec::new();
    let all = rules();
    for rule in &all {
        let run = run_fixture(rule);
        documents += run.documents;
        firing += run.firing;
        clean += run.clean;
        mismatches.extend(run.mismatches);
    }
    println!("rules: {} fixtures, {documents} documents ({firing} expect, {clean} clean)", all.len());
    assert!(mismatches.is_empty(), "{} fixture mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn findings_snapshots() {
    let mut failed = Vec::new();
    for rule in rules() {
        let run = run_fixture(rule);
        let snapshot = rule.id.replace('/', "__");
        let description =
            format!("`{}` on tests/fixtures/k8s/{}: line:column rule message [path]", rule.id, fixture_name(rule));
        let mut settings = insta::Settings::clone_current();
        settings.set_description(description);
        settings.set_omit_expression(true);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(snapshot.as_str(), run.rendered.join("\n")));
        }));
        if outcome.is_err() {
            failed.push(rule.id);
        }
    }
    assert!(
        failed.is_empty(),
        "snapshots differ for {} rules (review each with `cargo insta review`): {failed:?}",
        failed.len()
    );
}
