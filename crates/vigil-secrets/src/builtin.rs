//! vigil's own rule set: `rules/vigil-secrets.toml`, written for vigil in gitleaks' v8 format and
//! loaded through [`crate::config`], so that it is read exactly as a user's file is.
//!
//! Each rule's `id` in the file is gitleaks' rule id where gitleaks has the same rule (so
//! fingerprints, `.gitleaksignore` files and baselines made by gitleaks apply), vigil's own name
//! otherwise; vigil reports the rule as `secret/<id>`. The rules are documented in
//! `docs/secrets-rules.md`.

use crate::config::{Config, ConfigError};

/// The rules file, as shipped.
pub const RULES_TOML: &str = include_str!("../rules/vigil-secrets.toml");

/// The name the built-in rules go by in messages.
pub const NAME: &str = "built-in rules (vigil-secrets.toml)";

/// vigil's rules, parsed and compiled, with `secret/` ids.
///
/// # Errors
/// Never for the shipped file (a test loads it); the error type is the loader's.
pub fn config() -> Result<Config, ConfigError> {
    let mut config = Config::from_toml(NAME, RULES_TOML)?;
    for rule in &mut config.rules {
        rule.gitleaks_id = rule.id.clone();
        rule.id = format!("secret/{}", rule.id);
    }
    Ok(config)
}
