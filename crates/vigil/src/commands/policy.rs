//! `vigil policy test`: the webhook's decisions, offline-or-with-registry, for CI.

use std::process::ExitCode;

use anyhow::{Result, bail};
use serde::Serialize;
use vigil_k8s::{Limits, PodTemplate, discover, load_each, read_input};
use vigil_policy::{CacheOptions, Decision, FailureMode, Subject, Verifier, evaluate, load_files};

use super::sbom::registry_options;
use crate::cli::{FailureModeArg, PolicyTestArgs, VerifyFormat};

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
            if PodTemplate::of(&object).is_none() {
                skipped += 1;
                return;
            }
            let namespace = args
                .namespace
                .clone()
                .or_else(|| object.reference.namespace.clone())
                .unwrap_or_else(|| "default".to_string());
            let mut decision = evaluate(&policies, &Subject { object: &object, namespace: &namespace }, &verifier);
            decision.settle(failure);
            decided.push(Decided {
                source: name.clone(),
                line: object.root.span.line,
                kind: object.reference.kind.clone(),
                namespace,
                name: object.reference.name.clone().unwrap_or_default(),
                decision,
            });
        });
        if let Some(error) = outcome.error {
            let at = error.position().map(|(line, col)| format!(":{line}:{col}")).unwrap_or_default();
            errors.push(format!("{name}{at}: {}", error.detail()));
        }
    }
    let denied = decided.iter().filter(|d| !d.decision.allowed).count();
    match args.format {
        VerifyFormat::Json => {
            let document = serde_json::json!({
                "version": 1,
                "policies": policies.iter().map(|p| serde_json::json!({"name": p.name, "mode": p.mode, "file": p.file})).collect::<Vec<_>>(),
                "decisions": decided,
                "errors": errors,
                "summary": {"objects": decided.len(), "denied": denied, "skipped": skipped},
            });
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
        VerifyFormat::Table => print_table(&decided),
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
