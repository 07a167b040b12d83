//! `vigil policy test`: the webhook's decisions, offline-or-with-registry, for CI.

use std::process::ExitCode;

use anyhow::{Result, bail};
use serde::Serialize;
use vigil_k8s::{Limits, discover, load_each, read_input};
use vigil_policy::{CacheOptions, Decision, FailureMode, Verifier, Workload, evaluate, load_files};

use super::sbom::registry_options;
use crate::cli::{FailureModeArg, Format, PolicyTestArgs};

#[derive(Serialize)]
struct Decided {
    source: String,
    line: u32,
    kind: String,
    namespace: String,
    name: String,
    #[serde(flatten)]
    decision: Decision,
}

pub fn test(args: PolicyTestArgs) -> Result<ExitCode> {
    let policies = load_files(&args.policies)?;
    let log = super::log::open_writer(&args.log)?;
    let digest = if log.is_some() { vigil_policy::record::set_digest_of(&args.policies)? } else { String::new() };
    let mut drafts = Vec::new();
    let verifier = Verifier::new(registry_options(&args.registry)?, &CacheOptions::default());
    let failure = match args.failure_mode {
        FailureModeArg::Closed => FailureMode::Closed,
        FailureModeArg::Open => FailureMode::Open,
    };
    let (inputs, discover_errors) = discover(&args.resources);
    let mut errors: Vec<String> = discover_errors.into_iter().map(|e| format!("{}: {}", e.path, e.message)).collect();
    let limits = Limits::default();
    let mut decided = Vec::new();
    let mut skipped = 0usize;
    for input in &inputs {
        let name = input.name();
        let bytes = match read_input(input, limits.max_file_size) {
            Ok(bytes) => bytes,
            Err(e) => {
                errors.push(format!("{name}: {}", e.detail()));
                continue;
            }
        };
        let outcome = load_each(&name, bytes, &limits, |_, object| {
            // `--namespace` plays the part of an AdmissionReview's `request.namespace`.
            let Some(workload) = Workload::of(object, args.namespace.as_deref()) else {
                skipped += 1;
                return;
            };
            let mut decision = evaluate(&policies, &workload.subject(), &verifier);
            decision.settle(failure);
            if log.is_some() {
                drafts.push(vigil_policy::record::policy_test_draft(
                    &workload,
                    &name,
                    workload.object.root.span.line,
                    &decision,
                    &policies,
                    &digest,
                ));
            }
            decided.push(Decided {
                source: name.clone(),
                line: workload.object.root.span.line,
                kind: workload.kind,
                namespace: workload.namespace,
                name: workload.name,
                decision,
            });
        });
        if let Some(error) = outcome.error {
            let at = error.position().map(|(line, col)| format!(":{line}:{col}")).unwrap_or_default();
            errors.push(format!("{name}{at}: {}", error.detail()));
        }
    }
    super::log::record(log, drafts)?;
    let denied = decided.iter().filter(|d| !d.decision.allowed).count();
    match args.format {
        Format::Sarif => {
            let report = as_report(&decided, &errors);
            let sarif = vigil_core::sarif::to_sarif(&report, vigil_policy::rules::RULES, env!("CARGO_PKG_VERSION"));
            println!("{}", serde_json::to_string_pretty(&sarif)?);
        }
        Format::Json => {
            let document = serde_json::json!({
                "version": 1,
                "policies": policies.iter().map(|p| serde_json::json!({"name": p.name, "mode": p.mode, "file": p.file})).collect::<Vec<_>>(),
                "decisions": decided,
                "errors": errors,
                "summary": {"objects": decided.len(), "denied": denied, "skipped": skipped},
            });
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
        Format::Table => print_table(&decided),
    }
    for error in &errors {
        eprintln!("error: {error}");
    }
    eprintln!(
        "{} object(s) decided: {} allowed, {denied} denied ({skipped} not Pod-bearing, skipped)",
        decided.len(),
        decided.len() - denied
    );
    if !errors.is_empty() {
        if decided.is_empty() {
            bail!("no object could be decided");
        }
        return Ok(ExitCode::from(2));
    }
    Ok(if denied > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Violations as findings (denials high or the rule's severity, warnings medium, audits low),
/// located at the object, for SARIF.
fn as_report(decided: &[Decided], errors: &[String]) -> vigil_core::LintReport {
    use vigil_core::{Finding, InputError, Location, ObjectRef, Severity};
    let mut report = vigil_core::LintReport::default();
    for d in decided {
        let object = ObjectRef {
            api_version: String::new(),
            kind: d.kind.clone(),
            namespace: Some(d.namespace.clone()),
            name: Some(d.name.clone()).filter(|n| !n.is_empty()),
        };
        let location = Location::new(d.source.clone(), d.line as usize, 1);
        let lists = [
            (&d.decision.denials, None),
            (&d.decision.warnings, Some(Severity::Medium)),
            (&d.decision.audits, Some(Severity::Low)),
        ];
        for (violations, severity) in lists {
            for v in violations {
                let rule = vigil_policy::rules::rule_id(v.check);
                let default =
                    vigil_policy::rules::RULES.iter().find(|r| r.id == rule).map_or(Severity::High, |r| r.severity);
                let mut finding = Finding::new(rule, severity.unwrap_or(default), v.to_string(), location.clone());
                finding.object = Some(object.clone());
                report.findings.push(finding);
            }
        }
        for e in &d.decision.errors {
            let severity = if d.decision.allowed { Severity::Medium } else { Severity::High };
            let message =
                format!("policy {}: container \"{}\": could not be verified: {}", e.policy, e.container, e.message);
            let mut finding = Finding::new("policy/undecided", severity, message, location.clone());
            finding.object = Some(object.clone());
            report.findings.push(finding);
        }
    }
    report.errors =
        errors.iter().map(|e| InputError::new(e.split_once(": ").map_or(e.as_str(), |(f, _)| f), e.clone())).collect();
    report.summary.objects = decided.len();
    report.finish();
    report
}

fn print_table(decided: &[Decided]) {
    for d in decided {
        let verdict = if d.decision.allowed { "ALLOW" } else { "DENY " };
        println!("{verdict} {}/{} (namespace {}) {}:{}", d.kind, d.name, d.namespace, d.source, d.line);
        for v in &d.decision.denials {
            println!("  deny: {v}");
        }
        for e in &d.decision.errors {
            let what = if d.decision.allowed { "warn" } else { "deny" };
            println!(
                "  {what}: policy {} ({}): container \"{}\": could not be verified: {}",
                e.policy,
                e.mode.as_str(),
                e.container,
                e.message
            );
        }
        for v in &d.decision.warnings {
            println!("  warn: {v}");
        }
        for v in &d.decision.audits {
            println!("  audit: {v}");
        }
        for (container, by) in &d.decision.verified {
            println!("  verified: container \"{container}\": {by}");
        }
        for p in &d.decision.patches {
            println!("  mutate: {} -> {}", p.path, p.value);
        }
    }
}
