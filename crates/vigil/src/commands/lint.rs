//! `vigil lint`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use vigil_core::{InputError, Severity};
use vigil_k8s::{Limits, discover};
use vigil_lint::{LintConfig, lint, lint_keeping_sources};

use crate::cli::{Format, LintArgs};
use crate::{config, render};

pub fn run(args: LintArgs) -> Result<ExitCode> {
    let (file_config, config_path) = config::load(args.config.as_deref(), args.no_config)?;
    let section = file_config.lint;
    let at = |what: &str| match &config_path {
        Some(path) => format!("{what} (from {})", path.display()),
        None => what.to_string(),
    };

    // Flags win over the config file.
    let pss = args.pss.or(section.pss).unwrap_or_else(|| "restricted:latest".to_string());
    let mut config = LintConfig::default().with_pss(&pss).with_context(|| at("`--pss`"))?;
    let registries =
        if args.allowed_registries.is_empty() { section.allowed_registries } else { args.allowed_registries };
    if !registries.is_empty() {
        config = config.with_allowed_registries(&registries).with_context(|| at("`--allowed-registry`"))?;
    }
    let select = if args.select.is_empty() { section.select } else { args.select };
    let ignore = if args.ignore.is_empty() { section.ignore } else { args.ignore };
    config = config.with_select(&select).with_context(|| at("`--select`"))?;
    config = config.with_ignore(&ignore).with_context(|| at("`--ignore`"))?;
    for (id, severity) in &section.severity {
        let severity: Severity = severity.parse().with_context(|| at(&format!("severity of `{id}`")))?;
        config = config.with_severity(id, severity).with_context(|| at("`severity`"))?;
    }

    let limits = Limits { max_file_size: args.max_file_size.saturating_mul(1024 * 1024), ..Limits::default() };
    let (inputs, discover_errors) = discover(&args.paths);
    let (mut report, sources) = match args.format {
        Format::Table => lint_keeping_sources(&inputs, &config, &limits),
        _ => (lint(&inputs, &config, &limits), Default::default()),
    };
    report.summary.files += discover_errors.len();
    report.errors.extend(discover_errors.into_iter().map(|e| InputError::new(e.path, e.message)));
    report.finish();

    match args.format {
        Format::Json => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            report.write_json(&mut stdout)?;
            writeln!(stdout)?;
            stdout.flush()?;
        }
        Format::Sarif => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            let rules: Vec<_> = vigil_lint::rules().into_iter().copied().collect();
            let log = vigil_core::sarif::to_sarif(&report, &rules, env!("CARGO_PKG_VERSION"));
            serde_json::to_writer_pretty(&mut stdout, &log)?;
            writeln!(stdout)?;
            stdout.flush()?;
        }
        Format::Table => {
            let stream = anstream::AutoStream::new(std::io::stdout().lock(), args.color.into());
            let mut stdout = std::io::BufWriter::new(stream);
            render::table::write(&mut stdout, &report, &sources, config.pss(), args.color.styled())?;
            stdout.flush()?;
            let mut stderr = anstream::AutoStream::new(std::io::stderr().lock(), args.color.into());
            render::table::write_errors(&mut stderr, &report)?;
        }
    }
    Ok(if !report.errors.is_empty() {
        ExitCode::from(2)
    } else if !report.findings.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
