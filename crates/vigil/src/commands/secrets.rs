//! `vigil secrets`: credentials in files, Git history, Kubernetes objects and image layers.

use std::process::ExitCode;

use anyhow::Result;
use vigil_secrets::check::{self, Request, Target};
use vigil_secrets::report::{self, Reveal};

use crate::cli::{Format, SecretsArgs};

pub fn run(args: SecretsArgs) -> Result<ExitCode> {
    let targets = args.targets.iter().map(|t| Target::parse(t, args.git)).collect::<Result<Vec<_>, _>>()?;
    let max_bytes = args.max_target_megabytes.saturating_mul(1024 * 1024);
    let mut request = Request {
        targets,
        config: args.config.clone(),
        gitleaks_ignore: args.gitleaks_ignore.clone(),
        baseline: args.baseline.clone(),
        ..Request::default()
    };
    if let Some(depth) = args.max_decode_depth {
        request.engine.max_decode_depth = depth;
    }
    request.files.max_file_bytes = max_bytes;
    request.files.respect_ignore = !args.no_ignore;
    request.layers.max_file_bytes = max_bytes;
    request.git.max_blob_bytes = max_bytes;
    request.git.since = args.since.clone();
    request.git.revisions = args.log_opts.clone();
    request.image.platform = vigil_oci::Platform::parse(&args.platform)?;
    request.image.registry = super::sbom::registry_options(&args.registry)?;
    let outcome = check::run(&request)?;
    let reveal = if args.no_redact { Reveal::Full } else { Reveal::Redacted };
    let findings = &outcome.scan.findings;
    let stats = &outcome.scan.stats;
    let text = match args.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&report::to_json(findings, stats, reveal))?),
        Format::Sarif => format!(
            "{}\n",
            serde_json::to_string_pretty(&report::to_sarif(findings, stats, env!("CARGO_PKG_VERSION"), reveal))?
        ),
        Format::Table => {
            let mut text = String::new();
            for f in findings {
                text.push_str(&report::table_line(f, reveal));
                text.push('\n');
            }
            text
        }
    };
    crate::render::write_output(args.output.as_deref(), &text)?;
    if !args.quiet {
        for error in &stats.errors {
            eprintln!("warning: {error}");
        }
        let mut parts = vec![format!("{} file(s)", stats.files), format!("{} byte(s)", stats.bytes)];
        if stats.commits > 0 || stats.blobs > 0 {
            parts.push(format!("{} commit(s), {} blob(s)", stats.commits, stats.blobs));
        }
        let skipped = stats.skipped_binary + stats.skipped_large + stats.skipped_allowlisted;
        if skipped > 0 {
            parts.push(format!(
                "skipped {} binary, {} too large, {} allowlisted",
                stats.skipped_binary, stats.skipped_large, stats.skipped_allowlisted
            ));
        }
        if outcome.ignored > 0 {
            parts.push(format!("{} ignored by .gitleaksignore", outcome.ignored));
        }
        if outcome.in_baseline > 0 {
            parts.push(format!("{} in the baseline", outcome.in_baseline));
        }
        eprintln!(
            "vigil secrets: {} finding(s); {}; {} rule(s) from {}",
            findings.len(),
            parts.join(", "),
            outcome.rules,
            outcome.rules_from
        );
    }
    Ok(if findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
