//! vigil's lint rules for Kubernetes manifests.
//!
//! Two families today: `pss/*`, the Pod Security Standards exactly as Kubernetes' Pod Security
//! Admission evaluates them (every level, every policy version from `v1.0` to `latest`, upstream
//! check IDs and messages), and `image/*`, rules on how containers reference images. Every rule
//! is one file under `rules/`, implements one trait and is listed once in the registry.
//!
//! Loading manifests (files, YAML, positions, workload kinds) is `vigil-k8s`'s job; this crate
//! turns loaded objects into [`Finding`]s and a [`LintReport`].
//!
//! ```
//! use vigil_k8s::{load, Limits};
//! use vigil_lint::{LintConfig, lint_file};
//! let file = load("pod.yaml", b"apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: app\n    image: nginx:1.27\n    ports: [{containerPort: 80, hostPort: 8080}]\n".to_vec(), &Limits::default());
//! let config = LintConfig::default().with_pss("baseline").unwrap();
//! let findings = lint_file(&file, &config);
//! let host_port = findings.iter().find(|f| f.rule == "pss/hostPorts").unwrap();
//! assert_eq!(host_port.message, "hostPort (container \"app\" uses hostPort 8080)");
//! assert_eq!((host_port.location.line, host_port.location.column), (8, 33));
//! ```
#![warn(missing_docs)]

mod config;
mod pss;
mod rule;
mod rules;

use std::collections::BTreeMap;

use rayon::prelude::*;
use vigil_core::{Finding, InputError, LintReport, RuleMeta};
use vigil_k8s::{Input, Limits, LoadError, LoadedFile, PodTemplate, Source, load, read_input};

pub use config::{ConfigError, LintConfig};
pub use pss::{LATEST_MINOR, Level, Profile, Version};

use crate::rule::Ctx;

/// Every rule's metadata, sorted by ID.
pub fn rules() -> Vec<&'static RuleMeta> {
    rules::RULES.iter().map(|r| r.meta()).collect()
}

/// The metadata of rule `id`, if it exists.
pub fn rule(id: &str) -> Option<&'static RuleMeta> {
    rules().into_iter().find(|r| r.id == id)
}

/// Runs every enabled rule on the objects of one loaded file. Findings are sorted by
/// line, column and rule ID. The file's load error, if any, is not reported here.
pub fn lint_file(file: &LoadedFile, config: &LintConfig) -> Vec<Finding> {
    let enabled: Vec<_> = rules::RULES.iter().filter(|r| config.is_enabled(r.meta())).collect();
    let mut out = Vec::new();
    for object in &file.objects {
        let Some(pod) = PodTemplate::of(object) else { continue };
        let ctx = Ctx { object, source: &file.source, config };
        for rule in &enabled {
            rule.pod(&pod, &ctx, &mut out);
        }
    }
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

/// Reads, parses and lints every input in parallel, and collects one report. An input that
/// cannot be read or parsed adds one error naming the file and position; its objects before
/// the error are still linted and the other inputs are unaffected.
pub fn lint(inputs: &[Input], config: &LintConfig, limits: &Limits) -> LintReport {
    run(inputs, config, limits, false).0
}

/// Like [`lint`], and also returns the text of every input that has findings, keyed by the
/// input's name, for renderers that show code frames.
pub fn lint_keeping_sources(
    inputs: &[Input],
    config: &LintConfig,
    limits: &Limits,
) -> (LintReport, BTreeMap<String, Source>) {
    run(inputs, config, limits, true)
}

type FileResult = (usize, Vec<Finding>, Option<InputError>, Option<Source>);

fn run(inputs: &[Input], config: &LintConfig, limits: &Limits, keep_sources: bool) -> (LintReport, BTreeMap<String, Source>) {
    let per_file: Vec<FileResult> = inputs
        .par_iter()
        .map(|input| {
            let name = input.name();
            let file = match read_input(input, limits.max_file_size) {
                Ok(bytes) => load(&name, bytes, limits),
                Err(e) => return (0, Vec::new(), Some(input_error(name, &e)), None),
            };
            let findings = lint_file(&file, config);
            let error = file.error.as_ref().map(|e| input_error(name.clone(), e));
            let source = (keep_sources && !findings.is_empty()).then(|| file.source.clone());
            (file.objects.len(), findings, error, source)
        })
        .collect();
    let mut report = LintReport::default();
    let mut sources = BTreeMap::new();
    report.summary.files = inputs.len();
    for (objects, findings, error, source) in per_file {
        report.summary.objects += objects;
        report.findings.extend(findings);
        report.errors.extend(error);
        if let Some(source) = source {
            sources.insert(source.name().to_string(), source);
        }
    }
    report.finish();
    (report, sources)
}

fn input_error(file: String, error: &LoadError) -> InputError {
    match error.position() {
        Some((line, column)) => InputError::at(file, line, column, error.detail()),
        None => InputError::new(file, error.detail()),
    }
}

/// Evaluates only the Pod Security Standards of `profile` on one pod template, returning
/// upstream's `(check ID, "reason (detail)")` pairs in registry order. This is the
/// admission-style answer: empty means the pod is allowed.
pub fn evaluate_pss(pod: &PodTemplate<'_>, profile: Profile) -> Vec<(&'static str, String)> {
    rules::RULES
        .iter()
        .filter_map(|r| r.as_pss())
        .filter_map(|r| r.evaluate(pod, profile).map(|v| (r.meta.id.trim_start_matches("pss/"), v.message())))
        .collect()
}
