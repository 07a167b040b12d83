//! vigil's built-in rules (`rules/vigil_k8s_audit_rules.yaml`, Falco's format), loaded before
//! any `--rules` file; docs/audit.md lists them.

/// The built-in rules file.
pub const RULES: &str = include_str!("../rules/vigil_k8s_audit_rules.yaml");

/// Rules files are read whole; a larger one is refused.
pub const MAX_RULES_FILE: u64 = 8 * 1024 * 1024;

/// The rules files to load, in order: the built-in rules (unless `builtin` is false), then
/// each of `paths`.
///
/// # Errors
/// A file that cannot be read, is over [`MAX_RULES_FILE`], or no file at all.
pub fn rules_files(builtin: bool, paths: &[std::path::PathBuf]) -> Result<Vec<crate::rules::RulesFile>, String> {
    let mut files = Vec::new();
    if builtin {
        files.push(crate::rules::RulesFile { name: "<built-in vigil rules>".into(), text: RULES.into() });
    }
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        if meta.len() > MAX_RULES_FILE {
            return Err(format!("{}: {} bytes; a rules file is at most {MAX_RULES_FILE}", path.display(), meta.len()));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        files.push(crate::rules::RulesFile { name: path.display().to_string(), text });
    }
    if files.is_empty() {
        return Err("no rules: without the built-in rules, give at least one rules file".into());
    }
    Ok(files)
}

/// The built-in rules as compiled (name, description, priority, tags), in load order.
///
/// # Errors
/// When the built-in file does not load or compile (a bug caught by its tests).
pub fn rules() -> Result<Vec<crate::engine::RuleInfo>, String> {
    let files = rules_files(true, &[])?;
    let set = crate::rules::load(&files).map_err(|e| e.to_string())?;
    let engine = crate::engine::Engine::compile(&set, crate::engine::Matching::First).map_err(|e| e.to_string())?;
    let mut rules = engine.rules();
    rules.push(crate::engine::RuleInfo {
        name: crate::correlate::RULE.into(),
        desc: "A Pod was created (2xx) with a container image that no `admission` entry of the decision log admitted \
               (neither the reference nor its digest): it bypassed vigil's gate. Runs when the audit is given a decision \
               log (`vigil audit --log`, `vigil serve --audit --log`)."
            .into(),
        priority: crate::correlate::PRIORITY,
        tags: vec!["k8s".into(), "vigil".into(), "supply-chain".into()],
    });
    Ok(rules)
}
