//! Finding manifest files: explicit paths, directories walked recursively (honouring
//! `.gitignore`, `.ignore` and hidden-file conventions as ripgrep does), and stdin.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::load::LoadError;

/// One input to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file on disk.
    File(PathBuf),
    /// Standard input (`-`).
    Stdin,
}

impl Input {
    /// The name used in findings: the path as given, or `-`.
    pub fn name(&self) -> String {
        match self {
            Input::File(path) => path.display().to_string(),
            Input::Stdin => "-".to_string(),
        }
    }
}

/// A path that could not be walked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DiscoverError {
    /// The path.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// Whether a file found while walking a directory is a manifest (`*.yaml`, `*.yml`, `*.json`).
pub fn is_manifest_path(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref(),
        Some("yaml" | "yml" | "json")
    )
}

/// Expands `paths` into inputs. `-` is stdin; a file is taken whatever its extension; a
/// directory is walked recursively for manifest files, skipping hidden entries and what
/// `.gitignore`/`.ignore` files exclude (also outside a git repository). Inputs are sorted
/// within each directory so output is stable.
pub fn discover(paths: &[PathBuf]) -> (Vec<Input>, Vec<DiscoverError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(path) {
            Err(e) => {
                errors.push(DiscoverError { path: path.display().to_string(), message: LoadError::io(&e).to_string() })
            }
            Ok(meta) if !meta.is_dir() => inputs.push(Input::File(path.clone())),
            Ok(_) => {
                let walker =
                    ignore::WalkBuilder::new(path).require_git(false).sort_by_file_name(|a, b| a.cmp(b)).build();
                for entry in walker {
                    match entry {
                        Ok(entry) => {
                            let is_file = entry.file_type().is_some_and(|t| t.is_file());
                            if is_file && is_manifest_path(entry.path()) {
                                inputs.push(Input::File(entry.into_path()));
                            }
                        }
                        Err(e) => {
                            errors.push(DiscoverError { path: path.display().to_string(), message: e.to_string() })
                        }
                    }
                }
            }
        }
    }
    (inputs, errors)
}

/// Reads an input, refusing more than `max_size` bytes without reading them all.
pub fn read_input(input: &Input, max_size: u64) -> Result<Vec<u8>, LoadError> {
    let reader: Box<dyn Read> = match input {
        Input::Stdin => Box::new(std::io::stdin().lock()),
        Input::File(path) => {
            let file = std::fs::File::open(path).map_err(|e| LoadError::io(&e))?;
            if let Ok(meta) = file.metadata()
                && meta.len() > max_size
            {
                return Err(LoadError::TooLarge { size: Some(meta.len()), limit: max_size });
            }
            Box::new(file)
        }
    };
    let mut bytes = Vec::new();
    reader.take(max_size.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| LoadError::io(&e))?;
    if bytes.len() as u64 > max_size {
        // Not read past the limit, so the real size is unknown.
        return Err(LoadError::TooLarge { size: None, limit: max_size });
    }
    Ok(bytes)
}
