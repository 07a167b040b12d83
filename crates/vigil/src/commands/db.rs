//! `vigil db import` and `vigil db status`.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;
use vigil_vuln::db::{Database, default_path};
use vigil_vuln::import::import_paths;

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
                if let Some(bar) = &bar {
                    if n % 500 == 0 {
                        bar.set_message(format!("{n} records"));
                    }
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
                _ => {
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
