//! `vigil audit`: Kubernetes audit events × Falco rules → alerts.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{Context, Result};
use vigil_audit::engine::{Engine, Matching};
use vigil_audit::event::{Input, ReadOptions};
use vigil_audit::report::{self, Located};
use vigil_audit::rules::Priority;

use crate::cli::{AuditArgs, Format, RuleMatching};

pub fn run(args: AuditArgs) -> Result<ExitCode> {
    let min = Priority::parse(&args.min_priority).with_context(|| {
        format!(
            "--min-priority `{}`: one of emergency, alert, critical, error, warning, notice, informational, debug",
            args.min_priority
        )
    })?;
    let files = vigil_audit::builtin::rules_files(!args.no_builtin_rules, &args.rules).map_err(anyhow::Error::msg)?;
    let set = vigil_audit::rules::load(&files)?;
    for note in &set.notes {
        eprintln!("note: {note}");
    }
    let matching = match args.rule_matching {
        RuleMatching::First => Matching::First,
        RuleMatching::All => Matching::All,
    };
    let engine = Engine::compile(&set, matching)?;
    for (why, n) in &engine.skipped {
        eprintln!("note: {n} rule(s) skipped ({why})");
    }
    let log = super::log::open_writer(&args.log)?;
    // With a decision log, Pods are also checked against what vigil's gate admitted there.
    let mut correlator = match args.log.log.as_deref() {
        Some(value) => {
            let target = super::log::target_of(Some(value))?;
            Some(
                vigil_audit::correlate::Correlator::open(&target)
                    .with_context(|| format!("reading the admissions of {}", target.display()))?,
            )
        }
        None => None,
    };
    let mut out: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut collected: Vec<Located> = Vec::new();
    let mut fired = 0u64;
    let mut events = 0u64;
    let mut bad = 0u64;
    let mut alerts = Vec::new();
    let mut io_error: Option<anyhow::Error> = None;
    let last = args.inputs.len().saturating_sub(1);
    for (i, path) in args.inputs.iter().enumerate() {
        let input = if path.as_os_str() == "-" { Input::Stdin } else { Input::Path(path.clone()) };
        let options = ReadOptions { follow: args.follow && i == last, ..ReadOptions::default() };
        let mut on_event = |event: vigil_audit::event::Event| {
            events += 1;
            alerts.clear();
            engine.evaluate(&event.value, &mut alerts);
            if let Some(correlator) = &mut correlator {
                let missing = correlator.unadmitted(&event.value);
                if !missing.is_empty() {
                    alerts.push(vigil_audit::correlate::Admitted::alert(&event.value, &missing, engine.hostname()));
                }
            }
            for alert in alerts.drain(..) {
                if alert.priority > min {
                    continue;
                }
                fired += 1;
                let located = Located { alert, source: event.source.clone(), line: event.line };
                // Nobody waits for the receipt: detached entries are committed anyway (closing the
                // writer at the end waits for them).
                if let Some(writer) = &log
                    && let Err(e) = writer.append_detached(report::draft(&located, &event.value))
                {
                    eprintln!("warning: alert not logged: {e}");
                }
                let written = match args.format {
                    Format::Json => writeln!(out, "{}", located.alert.to_json()),
                    Format::Table => writeln!(out, "{}", report::table_line(&located)),
                    Format::Sarif => {
                        collected.push(located);
                        Ok(())
                    }
                };
                if let Err(e) = written.and_then(|()| if args.follow { out.flush() } else { Ok(()) })
                    && io_error.is_none()
                {
                    io_error = Some(e.into());
                }
            }
        };
        let mut on_bad = |line: vigil_audit::event::BadLine| {
            bad += 1;
            eprintln!("warning: {line}");
        };
        vigil_audit::event::read(&input, &options, &mut on_event, &mut on_bad)
            .with_context(|| format!("reading {}", display(path)))?;
    }
    if let Some(e) = io_error {
        return Err(e.context("writing the alerts"));
    }
    if args.format == Format::Sarif {
        let sarif = report::to_sarif(&collected, &engine, env!("CARGO_PKG_VERSION"));
        writeln!(out, "{}", serde_json::to_string_pretty(&sarif)?)?;
    }
    out.flush()?;
    if let Some(writer) = log {
        let target = writer.target().to_owned();
        writer.close();
        if fired > 0 {
            eprintln!("logged {fired} alert(s) in {target}");
        }
    }
    eprintln!(
        "vigil audit: {events} event(s), {fired} alert(s) at or above {}, {bad} malformed line(s) skipped; {} rule(s)",
        min.as_str(),
        engine.len()
    );
    Ok(if fired > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn display(path: &std::path::Path) -> String {
    if path.as_os_str() == "-" { "standard input".into() } else { path.display().to_string() }
}
