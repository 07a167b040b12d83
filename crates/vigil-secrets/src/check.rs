//! One `vigil secrets` check: targets parsed, the configuration found and loaded, every target
//! scanned with one detector, `.gitleaksignore` fingerprints and a baseline applied.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::engine::{Detector, Options};
use crate::files::FileOptions;
use crate::git::GitOptions;
use crate::ignore::{Baseline, IgnoreSet};
use crate::layers::LayerLimits;
use crate::scan::Scan;

/// What to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file or a directory.
    Path(PathBuf),
    /// Standard input (`-`).
    Stdin,
    /// A Git repository's history (`git:PATH`).
    Git(PathBuf),
    /// An image (`oci-dir:`, `oci-archive:`, `docker-archive:`, `registry:`, or a directory that
    /// is an OCI layout).
    Image(vigil_oci::Target),
}

impl Target {
    /// Parses a command-line target; with `git`, a plain path is a repository.
    ///
    /// # Errors
    /// An image target that does not parse, or a path that does not exist.
    pub fn parse(text: &str, git: bool) -> Result<Target, CheckError> {
        if text == "-" {
            return Ok(Target::Stdin);
        }
        if let Some(repo) = text.strip_prefix("git:") {
            return Ok(Target::Git(PathBuf::from(if repo.is_empty() { "." } else { repo })));
        }
        let image_scheme = ["registry:", "docker:", "oci-dir:", "oci:", "oci-archive:", "docker-archive:"]
            .iter()
            .any(|s| text.starts_with(s));
        let invalid = |e: vigil_oci::Error| CheckError::Target { target: text.to_owned(), message: e.to_string() };
        if image_scheme {
            return vigil_oci::Target::parse(text).map(Target::Image).map_err(invalid);
        }
        let path = Path::new(text);
        if git {
            return Ok(Target::Git(path.to_path_buf()));
        }
        if path.is_dir() && path.join("oci-layout").is_file() && path.join("index.json").is_file() {
            return Ok(Target::Image(vigil_oci::Target::OciDir(path.to_path_buf(), None)));
        }
        if std::fs::symlink_metadata(path).is_err() {
            return Err(CheckError::Target {
                target: text.to_owned(),
                message: "no such file or directory (for an image, use a scheme such as `registry:`, \
                          `oci-dir:`, `oci-archive:` or `docker-archive:`; for a repository's history, `git:`)"
                    .to_owned(),
            });
        }
        Ok(Target::Path(path.to_path_buf()))
    }

    /// The directory whose `.gitleaks.toml` and `.gitleaksignore` apply, if any.
    fn root(&self) -> Option<&Path> {
        match self {
            Target::Path(p) if p.is_dir() => Some(p),
            Target::Git(p) => Some(p),
            _ => None,
        }
    }
}

/// A check to run.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The targets, scanned in order.
    pub targets: Vec<Target>,
    /// A gitleaks configuration; `None`: `.gitleaks.toml` at the first directory target's root,
    /// else the built-in rules.
    pub config: Option<PathBuf>,
    /// A `.gitleaksignore` file, in addition to those at the targets' roots.
    pub gitleaks_ignore: Option<PathBuf>,
    /// Only findings not in this earlier report are kept.
    pub baseline: Option<PathBuf>,
    /// Detector options.
    pub engine: Options,
    /// Files target options.
    pub files: FileOptions,
    /// Git target options.
    pub git: GitOptions,
    /// Image target options.
    pub image: vigil_oci::OpenOptions,
    /// Image layer limits.
    pub layers: LayerLimits,
}

/// What a check found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The findings left after ignore files and the baseline, and the counters.
    pub scan: Scan,
    /// Which rules were used: `built-in`, or the configuration file.
    pub rules_from: String,
    /// How many rules ran.
    pub rules: usize,
    /// Findings left out by `.gitleaksignore` fingerprints.
    pub ignored: usize,
    /// Findings left out because the baseline has them.
    pub in_baseline: usize,
}

/// Why a check could not run.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// A target is not usable.
    #[error("{target}: {message}")]
    Target {
        /// The target as given.
        target: String,
        /// Why.
        message: String,
    },
    /// The configuration does not load.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// An ignore file or baseline does not load.
    #[error(transparent)]
    Ignore(#[from] crate::ignore::IgnoreError),
    /// A target failed as a whole.
    #[error("{target}: {message}")]
    Scan {
        /// The target.
        target: String,
        /// Why.
        message: String,
    },
}

/// Loads the configuration a request names (or finds), with where it came from.
///
/// # Errors
/// The configuration does not load.
pub fn load_config(request: &Request) -> Result<(Config, String), CheckError> {
    if let Some(path) = &request.config {
        return Ok((Config::load(path)?, path.display().to_string()));
    }
    if let Some(root) = request.targets.iter().find_map(Target::root) {
        let candidate = root.join(".gitleaks.toml");
        if candidate.is_file() {
            return Ok((Config::load(&candidate)?, candidate.display().to_string()));
        }
    }
    Ok((crate::builtin::config()?, "built-in".to_owned()))
}

/// Runs the check.
///
/// # Errors
/// The configuration, an ignore file or the baseline does not load; a target does not exist or
/// cannot be opened. Problems inside a target (an unreadable file, a broken object) do not stop
/// the check: they are in the outcome's [`crate::scan::Stats::errors`].
pub fn run(request: &Request) -> Result<Outcome, CheckError> {
    let (config, rules_from) = load_config(request)?;
    let detector = Detector::new(config, request.engine.clone());
    let mut ignore: Vec<IgnoreSet> = Vec::new();
    if let Some(path) = &request.gitleaks_ignore {
        ignore.push(IgnoreSet::load(path)?);
    }
    for root in request.targets.iter().filter_map(Target::root) {
        let candidate = root.join(".gitleaksignore");
        if candidate.is_file() {
            ignore.push(IgnoreSet::load(&candidate)?);
        }
    }
    let baseline = request.baseline.as_deref().map(Baseline::load).transpose()?;
    let mut all = Scan::default();
    for target in &request.targets {
        all.merge(scan_target(target, request, &detector)?);
    }
    let before = all.findings.len();
    all.findings.retain(|f| !ignore.iter().any(|set| set.contains(f)));
    let ignored = before - all.findings.len();
    let mut in_baseline = 0;
    if let Some(baseline) = &baseline {
        let before = all.findings.len();
        all.findings.retain(|f| !baseline.contains(f));
        in_baseline = before - all.findings.len();
    }
    Ok(Outcome { scan: all, rules_from, rules: detector.rules().len(), ignored, in_baseline })
}

fn scan_target(target: &Target, request: &Request, detector: &Detector) -> Result<Scan, CheckError> {
    let fail = |name: &str, message: String| CheckError::Scan { target: name.to_owned(), message };
    match target {
        Target::Path(path) => crate::files::scan(std::slice::from_ref(path), &request.files, detector)
            .map_err(|e| fail(&path.display().to_string(), e.to_string())),
        Target::Stdin => crate::files::scan_reader("-", std::io::stdin().lock(), &request.files, detector)
            .map_err(|e| fail("-", e.to_string())),
        Target::Git(repo) => crate::git::scan(repo, &request.git, detector)
            .map_err(|e| fail(&format!("git:{}", repo.display()), e.to_string())),
        Target::Image(image) => {
            let name = format!("{image:?}");
            let opened = image.open(&request.image).map_err(|e| fail(&name, e.to_string()))?;
            crate::layers::scan_image(&opened, detector, &request.layers).map_err(|e| fail(&name, e.to_string()))
        }
    }
}
