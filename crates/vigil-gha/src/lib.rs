//! GitHub Actions audits for vigil: zizmor's offline audits re-implemented over a positioned
//! YAML tree, with zizmor's semantics, positions, personas, confidences, ignore comments and
//! configuration file, so that `gha/<id>` findings line up with zizmor's `<id>` findings.
//!
//! ```
//! use vigil_gha::{Config, Kind, Options, Persona, lint};
//! let config = Config::default();
//! let options = Options { enabled: &|_| true, persona: Persona::Regular, config: &config, trusted_registry: None };
//! let out = lint("ci.yml", "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n", Kind::Workflow, &options);
//! assert!(out.errors.is_empty());
//! ```
#![warn(missing_docs)]

// Some `Cx` helpers serve audits not yet ported (template-injection and the expression audits).
#[allow(dead_code)]
mod audit;
mod audits;
mod config;
pub mod context;
pub mod expr;
mod ignore;
pub mod model;

use std::path::Path;

use vigil_core::reference::ImageReference;
use vigil_core::{Finding, InputError, RuleMeta};
use vigil_k8s::{Limits, Node, Source, parse_documents};

pub use config::{Config, IgnoreRule, RuleConfig};
pub use ignore::line_ignores;

use audit::{Cx, LineMap};
use model::{Action, Dependabot, Workflow};

/// What kind of GitHub file an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `.github/workflows/*.yml`.
    Workflow,
    /// `action.yml` (composite, Docker or JavaScript action).
    Action,
    /// `.github/dependabot.yml`.
    Dependabot,
}

/// zizmor's `--persona`: who reads the findings. Ordered Regular < Pedantic < Auditor; a finding
/// is shown when its persona is at most the chosen one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Persona {
    /// Minimal false positives (default).
    #[default]
    Regular,
    /// Code smells too.
    Pedantic,
    /// Everything, false positives included.
    Auditor,
}

/// How to lint.
pub struct Options<'a> {
    /// Which rules run.
    pub enabled: &'a (dyn Fn(&RuleMeta) -> bool + Sync),
    /// zizmor's persona.
    pub persona: Persona,
    /// zizmor's configuration file, parsed.
    pub config: &'a Config,
    /// Registries whose images count as trusted (for image-pinning audits).
    pub trusted_registry: Option<&'a (dyn Fn(&ImageReference) -> bool + Sync)>,
}

/// Findings and errors of one input.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings (suppressed ones included, marked).
    pub findings: Vec<Finding>,
    /// Why the input could not be checked.
    pub errors: Vec<InputError>,
}

/// The kind of a file from its path, as zizmor collects inputs.
pub fn kind_of_path(path: &Path) -> Option<Kind> {
    let name = path.file_name()?.to_str()?;
    let is_yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    if !is_yaml {
        return None;
    }
    let parent = path.parent().and_then(Path::file_name).and_then(|n| n.to_str());
    let grandparent = path.parent().and_then(Path::parent).and_then(Path::file_name).and_then(|n| n.to_str());
    if parent == Some("workflows") && grandparent == Some(".github") {
        return Some(Kind::Workflow);
    }
    if name == "action.yml" || name == "action.yaml" {
        return Some(Kind::Action);
    }
    if (name == "dependabot.yml" || name == "dependabot.yaml") && parent == Some(".github") {
        return Some(Kind::Dependabot);
    }
    None
}

/// The kind of a YAML text from its top-level keys.
pub fn sniff(text: &str) -> Option<Kind> {
    let docs = parse_documents(text, &Limits::default());
    let root = docs.documents.first()?;
    let has = |k: &str| root.get(k).is_some();
    if has("on") && has("jobs") {
        Some(Kind::Workflow)
    } else if has("runs") {
        Some(Kind::Action)
    } else if has("version") && has("updates") {
        Some(Kind::Dependabot)
    } else {
        None
    }
}

/// Every rule, sorted by ID.
pub fn rules() -> Vec<&'static RuleMeta> {
    audits::AUDITS.iter().map(|a| a.meta()).collect()
}

/// Lints one input of a known kind.
pub fn lint(file: &str, text: &str, kind: Kind, options: &Options<'_>) -> Outcome {
    let mut outcome = Outcome::default();
    let docs = parse_documents(text, &Limits::default());
    if let Some(e) = docs.error {
        outcome.errors.push(InputError::at(file, e.line, e.column, e.message));
        return outcome;
    }
    let source = Source::new(file, text.to_string());
    let Some(root) = docs.documents.first() else {
        outcome.errors.push(InputError::at(file, 1, 1, "empty input"));
        return outcome;
    };
    let lines = LineMap::new(source.text());
    let not_kind = |msg: String, root: &Node| {
        let loc = source.location(root.span);
        InputError::at(file, loc.line, loc.column, msg)
    };
    let enabled: Vec<_> = audits::AUDITS
        .iter()
        .filter(|a| (options.enabled)(a.meta()))
        .filter(|a| {
            let id = a.meta().peers.first().copied().unwrap_or("");
            !options.config.rule(id).is_some_and(|r| r.disable)
        })
        .collect();
    let mut run = |f: &dyn Fn(&dyn audit::Audit, &mut Cx<'_>)| {
        for a in &enabled {
            let mut cx = Cx { file, source: &source, lines: &lines, options, meta: a.meta(), findings: Vec::new() };
            f(**a, &mut cx);
            outcome.findings.append(&mut cx.findings);
        }
    };
    let error = match kind {
        Kind::Workflow => match Workflow::new(&source, root) {
            Ok(w) => {
                run(&|a, cx| a.workflow(&w, cx));
                None
            }
            Err(m) => Some(m),
        },
        Kind::Action => match Action::new(&source, root) {
            Ok(act) => {
                run(&|a, cx| a.action(&act, cx));
                None
            }
            Err(m) => Some(m),
        },
        Kind::Dependabot => match Dependabot::new(&source, root) {
            Ok(d) => {
                run(&|a, cx| a.dependabot(&d, cx));
                None
            }
            Err(m) => Some(m),
        },
    };
    if let Some(m) = error {
        outcome.errors.push(not_kind(m, root));
    }
    outcome.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_sorted_and_unique() {
        let ids: Vec<&str> = rules().iter().map(|m| m.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted);
        for m in rules() {
            assert!(m.id.starts_with("gha/"), "{}", m.id);
            assert_eq!(m.peers.first().map(|p| format!("gha/{p}")).as_deref(), Some(m.id));
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(kind_of_path(Path::new("x/.github/workflows/ci.yml")), Some(Kind::Workflow));
        assert_eq!(kind_of_path(Path::new("action.yaml")), Some(Kind::Action));
        assert_eq!(kind_of_path(Path::new(".github/dependabot.yml")), Some(Kind::Dependabot));
        assert_eq!(kind_of_path(Path::new("ci.yml")), None);
        assert_eq!(sniff("on: push\njobs: {}\n"), Some(Kind::Workflow));
        assert_eq!(sniff("runs: {using: composite}\n"), Some(Kind::Action));
    }
}
