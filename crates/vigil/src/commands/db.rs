//! `vigil db import`, `vigil db update` and `vigil db status`.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;
use vigil_vuln::db::{Database, default_path};
use vigil_vuln::import::import_paths;
use vigil_vuln::update::{DEFAULT_MIRROR, UpdateOptions, UpdateOutcome, update};

use crate::cli::{DbArgs, DbCommand, RulesFormat};

pub fn run(args: DbArgs) -> Result<ExitCode> {
    let path = args.db.clone().unwrap_or_else(default_path);
    match args.command {
        DbCommand::Import { paths, quiet } => {
            let mut db = Database::create(&path)?;
            let started = std::time::Instant::now();
            let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
                let bar = indicatif::ProgressBar::new_spinner();
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                bar
            });
            let progress = |n: usize| {
                if let Some(bar) = &bar
                    && n.is_multiple_of(500)
                {
                    bar.set_message(format!("{n} records"));
                }
            };
            let stats = import_paths(&mut db, &paths, &progress)?;
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            let elapsed = started.elapsed().as_secs_f64();
            for error in &stats.errors {
                anstream::eprintln!("error: {}: {}", error.source, error.message);
            }
            if !quiet {
                let rate = if elapsed > 0.0 { stats.records() as f64 / elapsed } else { 0.0 };
                anstream::eprintln!(
                    "vigil: {} records in {elapsed:.2} s ({rate:.0}/s): {} new, {} updated, {} unchanged, {} errors → {}",
                    stats.records(),
                    stats.inserted,
                    stats.updated,
                    stats.unchanged,
                    stats.errors.len(),
                    path.display()
                );
                for (ecosystem, n) in &stats.per_ecosystem {
                    anstream::eprintln!("  {ecosystem:<24} {n}");
                }
            }
            Ok(if stats.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
        }
        DbCommand::Update { mirror, ecosystems, quiet } => {
            // `.vigil.yaml` may name a mirror and the ecosystems to start an empty database with.
            let (config, _) = crate::config::load(None, false)?;
            let options = UpdateOptions {
                mirror: mirror.or(config.db.mirror).unwrap_or_else(|| DEFAULT_MIRROR.to_string()),
                ecosystems,
                fallback_ecosystems: config.db.ecosystems,
                ..UpdateOptions::default()
            };
            let progress = |message: &str| {
                if !quiet {
                    anstream::eprintln!("vigil: {message}");
                }
            };
            let report = update(&path, &options, &progress)?;
            let mut failed = false;
            for entry in &report.ecosystems {
                match &entry.outcome {
                    UpdateOutcome::Updated { bytes, stats } => {
                        for error in &stats.errors {
                            anstream::eprintln!("error: {}: {}", error.source, error.message);
                        }
                        failed |= !stats.errors.is_empty();
                        if !quiet {
                            anstream::eprintln!(
                                "  {:<24} {} records from {bytes} bytes: {} new, {} updated, {} unchanged, {} errors",
                                entry.ecosystem,
                                stats.records(),
                                stats.inserted,
                                stats.updated,
                                stats.unchanged,
                                stats.errors.len()
                            );
                        }
                    }
                    UpdateOutcome::NotModified if !quiet => {
                        anstream::eprintln!("  {:<24} not modified", entry.ecosystem);
                    }
                    UpdateOutcome::Failed { error } => {
                        failed = true;
                        anstream::eprintln!("error: {}: {error}", entry.ecosystem);
                    }
                    _ => {}
                }
            }
            if !quiet && report.replaced {
                anstream::eprintln!("vigil: updated {}", path.display());
            }
            Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
        }
        DbCommand::Status { format } => {
            let db = Database::open(&path)?;
            let status = db.status()?;
            let mut out = std::io::stdout().lock();
            match format {
                RulesFormat::Json => {
                    let mut value = serde_json::to_value(&status)?;
                    value["path"] = serde_json::json!(path.display().to_string());
                    writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
                }
                RulesFormat::Md => {
                    // One table of facts, then one of advisories per ecosystem (GitHub-flavoured
                    // Markdown; `|` and newlines inside cells are escaped).
                    let cell = |s: &str| s.replace('\\', "\\\\").replace('|', "\\|").replace(['\n', '\r'], " ");
                    writeln!(out, "| Field | Value |\n| --- | --- |")?;
                    writeln!(out, "| database | {} |", cell(&path.display().to_string()))?;
                    writeln!(out, "| schema | {} |", status.schema_version)?;
                    writeln!(out, "| updated | {} |", cell(status.updated.as_deref().unwrap_or("never")))?;
                    writeln!(out, "| advisories | {} |", status.advisories)?;
                    writeln!(out, "| size | {} bytes |", status.size_bytes)?;
                    writeln!(out, "\n| Ecosystem | Advisories |\n| --- | ---: |")?;
                    for (ecosystem, n) in &status.ecosystems {
                        writeln!(out, "| {} | {n} |", cell(ecosystem))?;
                    }
                }
                RulesFormat::Table => {
                    writeln!(out, "database   {}", path.display())?;
                    writeln!(out, "schema     {}", status.schema_version)?;
                    writeln!(out, "updated    {}", status.updated.as_deref().unwrap_or("never"))?;
                    writeln!(out, "advisories {}", status.advisories)?;
                    writeln!(out, "size       {} bytes", status.size_bytes)?;
                    for (ecosystem, n) in &status.ecosystems {
                        writeln!(out, "  {ecosystem:<24} {n}")?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
