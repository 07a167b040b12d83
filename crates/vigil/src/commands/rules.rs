//! `vigil rules` and `vigil rules explain`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use serde_json::json;

use crate::cli::{RulesArgs, RulesCommand, RulesFormat};

pub fn run(args: RulesArgs) -> Result<ExitCode> {
    let rules = vigil_lint::rules();
    let mut out = std::io::stdout().lock();
    if let Some(RulesCommand::Explain { id }) = args.command {
        let Some(rule) = vigil_lint::rule(&id) else {
            bail!("unknown rule `{id}`\n\nhint: `vigil rules` lists every rule");
        };
        writeln!(out, "{} ({})\n\n{}\n\n{}", rule.id, rule.severity, rule.summary, rule.help)?;
        return Ok(ExitCode::SUCCESS);
    }
    match args.format {
        RulesFormat::Table => {
            let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for rule in &rules {
                writeln!(out, "{:width$}  {:8}  {}", rule.id, rule.severity.as_str(), rule.summary)?;
            }
        }
        RulesFormat::Json => {
            let list: Vec<_> = rules
                .iter()
                .map(|r| json!({"id": r.id, "severity": r.severity, "summary": r.summary, "help": r.help}))
                .collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&json!({"version": 1, "rules": list}))?)?;
        }
        RulesFormat::Md => write!(out, "{}", vigil_lint::rules_markdown())?,
    }
    Ok(ExitCode::SUCCESS)
}
