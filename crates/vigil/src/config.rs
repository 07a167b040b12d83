//! The configuration file (`.vigil.yaml`): defaults for flags, validated with positions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// Names looked for in the current directory when `--config` is not given.
const DISCOVERED: [&str; 2] = [".vigil.yaml", "vigil.yaml"];

/// Largest configuration file read (1 MiB).
const MAX_CONFIG_SIZE: u64 = 1024 * 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Config {
    #[serde(default)]
    pub lint: LintSection,
    #[serde(default)]
    pub db: DbSection,
}

/// `db:` — defaults for `vigil db update`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DbSection {
    /// OSV mirror base URL.
    pub mirror: Option<String>,
    /// Ecosystems to download when the database has none yet (e.g. `[npm, PyPI, "Debian:12"]`).
    #[serde(default)]
    pub ecosystems: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LintSection {
    /// `LEVEL[:VERSION]`.
    pub pss: Option<String>,
    #[serde(default)]
    pub allowed_registries: Vec<String>,
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Rule ID or family → severity.
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
}

/// Loads `explicit`, or the first discovered file, or the defaults.
pub fn load(explicit: Option<&Path>, disabled: bool) -> Result<(Config, Option<PathBuf>)> {
    if disabled {
        return Ok((Config::default(), None));
    }
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => match DISCOVERED.iter().map(PathBuf::from).find(|p| p.is_file()) {
            Some(path) => path,
            None => return Ok((Config::default(), None)),
        },
    };
    let size = std::fs::metadata(&path).with_context(|| format!("reading config {}", path.display()))?.len();
    anyhow::ensure!(
        size <= MAX_CONFIG_SIZE,
        "config {} is {size} bytes, larger than the limit of {MAX_CONFIG_SIZE}",
        path.display()
    );
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading config {}", path.display()))?;
    let config: Config = if text.trim().is_empty() {
        Config::default()
    } else {
        vigil_yaml::from_str(&path.display().to_string(), &text, &vigil_yaml::Limits::config())
            .map_err(anyhow::Error::new)?
    };
    Ok((config, Some(path)))
}
