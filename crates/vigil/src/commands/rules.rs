//! `vigil rules` and `vigil rules explain`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use serde_json::json;

use crate::cli::{RulesArgs, RulesCommand, RulesFormat};

pub fn run(args: RulesArgs) -> Result<ExitCode> {
    let rules = vigil_lint::rules();
    let mut out = std::io::stdout().lock();
    let audit = vigil_audit::builtin::rules().map_err(anyhow::Error::msg)?;
    let secrets = vigil_secrets::builtin::config()?.rules;
    if let Some(RulesCommand::Explain { id }) = args.command {
        if let Some(rule) = audit.iter().find(|r| r.name == id) {
            writeln!(
                out,
                "{} ({}, vigil audit)\n\n{}\n\ntags: {}",
                rule.name,
                rule.priority,
                rule.desc,
                rule.tags.join(", ")
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        if let Some(rule) = secrets.iter().find(|r| r.id == id || r.gitleaks_id == id) {
            writeln!(
                out,
                "{} (high, vigil secrets)\n\n{}\n\ngitleaks id: {}\nkeywords: {}{}",
                rule.id,
                rule.description,
                rule.gitleaks_id,
                rule.keywords.join(", "),
                rule.entropy.map(|e| format!("\nminimum entropy: {e}")).unwrap_or_default()
            )?;
            return Ok(ExitCode::SUCCESS);
        }
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
            writeln!(out, "\naudit rules (vigil audit, built in; Falco's format and priorities):")?;
            let width = audit.iter().map(|r| r.name.len()).max().unwrap_or(0);
            for rule in &audit {
                writeln!(out, "{:width$}  {:13}  {}", rule.name, rule.priority.as_str(), first_sentence(&rule.desc))?;
            }
            writeln!(out, "\nsecret rules (vigil secrets, built in; gitleaks ids where gitleaks has the rule):")?;
            let width = secrets.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for rule in &secrets {
                writeln!(out, "{:width$}  high      {}", rule.id, rule.description)?;
            }
        }
        RulesFormat::Json => {
            let list: Vec<_> = rules
                .iter()
                .map(|r| json!({"id": r.id, "severity": r.severity, "summary": r.summary, "help": r.help}))
                .collect();
            let audit_list: Vec<_> = audit
                .iter()
                .map(|r| json!({"name": r.name, "priority": r.priority.as_str(), "desc": r.desc, "tags": r.tags}))
                .collect();
            let secret_list: Vec<_> = secrets
                .iter()
                .map(|r| json!({"id": r.id, "gitleaks_id": r.gitleaks_id, "severity": "high", "summary": r.description, "keywords": r.keywords}))
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(
                    &json!({"version": 1, "rules": list, "audit_rules": audit_list, "secret_rules": secret_list})
                )?
            )?;
        }
        RulesFormat::Md => write!(out, "{}", vigil_lint::rules_markdown())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn first_sentence(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.find(". ") {
        Some(end) => line[..=end].to_owned(),
        None => line,
    }
}
