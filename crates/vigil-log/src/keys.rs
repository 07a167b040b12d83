//! Where the log and its keys live by default, and how writers and verifiers find them.
//!
//! vigil's state directory is `$XDG_STATE_HOME/vigil/`, else `~/.local/state/vigil/`. It holds
//! `log.db` (the default SQLite log), `log.key` (the note signer key, `PRIVATE+KEY+…`, mode
//! 0600) and `log.pub` (the verifier key). A writer takes its signer key from `--log-key FILE`,
//! else `VIGIL_LOG_KEY` (a file, or the key itself), else the state directory.

use std::path::{Path, PathBuf};

use crate::note::{self, Signer, Verifier};

/// A key could not be found, read, written or parsed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub String);

/// `$XDG_STATE_HOME/vigil`, else `$HOME/.local/state/vigil`.
///
/// # Errors
/// When neither variable is set.
pub fn state_dir() -> Result<PathBuf, KeyError> {
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("vigil"));
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".local/state/vigil")),
        None => Err(KeyError("neither XDG_STATE_HOME nor HOME is set: pass the log and key paths explicitly".into())),
    }
}

/// The default SQLite log, `<state dir>/log.db`.
///
/// # Errors
/// See [`state_dir`].
pub fn default_log() -> Result<PathBuf, KeyError> {
    Ok(state_dir()?.join("log.db"))
}

/// The paths written by [`generate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFiles {
    /// The signer key.
    pub private: PathBuf,
    /// The verifier key.
    pub public: PathBuf,
    /// The key (origin) name.
    pub name: String,
    /// The verifier key text.
    pub verifier: String,
}

/// The default origin: `<host name>/vigil-log`.
#[must_use]
pub fn default_name() -> String {
    let host = crate::entry::hostname().unwrap_or_else(|| "localhost".into());
    let host: String = host.chars().filter(|c| !c.is_whitespace() && *c != '+').collect();
    format!("{host}/vigil-log")
}

/// Generates a signer/verifier key pair named `name` and writes it to `prefix.key` and
/// `prefix.pub` (default prefix: `<state dir>/log`). Existing files are kept unless `force`.
///
/// # Errors
/// A bad name, an existing file, or a write failure.
pub fn generate(name: &str, prefix: Option<&Path>, force: bool) -> Result<KeyFiles, KeyError> {
    let prefix = match prefix {
        Some(p) => p.to_path_buf(),
        None => state_dir()?.join("log"),
    };
    let private = with_suffix(&prefix, "key");
    let public = with_suffix(&prefix, "pub");
    for path in [&private, &public] {
        if path.exists() && !force {
            return Err(KeyError(format!("{} exists; pass --force to replace it", path.display())));
        }
    }
    let (skey, vkey) = note::generate_key(name).map_err(|e| KeyError(format!("key name `{name}`: {e}")))?;
    if let Some(parent) = private.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| KeyError(format!("creating {}: {e}", parent.display())))?;
    }
    write_file(&private, format!("{skey}\n").as_bytes(), 0o600)?;
    write_file(&public, format!("{vkey}\n").as_bytes(), 0o644)?;
    Ok(KeyFiles { private, public, name: name.to_owned(), verifier: vkey })
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

fn write_file(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    let _ = mode;
    let mut file = options.open(path).map_err(|e| KeyError(format!("writing {}: {e}", path.display())))?;
    file.write_all(bytes).map_err(|e| KeyError(format!("writing {}: {e}", path.display())))?;
    // `mode` applies only when the file is created; an existing one is narrowed too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    }
    Ok(())
}

fn read_key_file(path: &Path, what: &str) -> Result<String, KeyError> {
    let meta = std::fs::metadata(path).map_err(|e| KeyError(format!("reading {what} {}: {e}", path.display())))?;
    if meta.len() > 64 * 1024 {
        return Err(KeyError(format!("{what} {} is {} bytes; a key is one short line", path.display(), meta.len())));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| KeyError(format!("reading {what} {}: {e}", path.display())))?;
    Ok(text.trim().to_owned())
}

/// The signer key: `explicit`, else `VIGIL_LOG_KEY` (a path or the key text), else
/// `<state dir>/log.key`.
///
/// # Errors
/// When none is found or it does not parse (the message says how to make one).
pub fn load_signer(explicit: Option<&Path>) -> Result<Signer, KeyError> {
    load_signer_key(explicit).and_then(|text| Signer::parse(&text).map_err(|e| KeyError(e.to_string())))
}

/// The signer key text [`load_signer`] would use, checked to parse (for a server that hands
/// it to its writer thread).
///
/// # Errors
/// As [`load_signer`].
pub fn load_signer_key(explicit: Option<&Path>) -> Result<String, KeyError> {
    let (text, source) = if let Some(path) = explicit {
        (read_key_file(path, "log signing key")?, path.display().to_string())
    } else if let Some(value) = std::env::var_os("VIGIL_LOG_KEY").filter(|v| !v.is_empty()) {
        let value = value.to_string_lossy().into_owned();
        if value.trim_start().starts_with("PRIVATE+KEY+") {
            (value.trim().to_owned(), "VIGIL_LOG_KEY".to_owned())
        } else {
            let path = PathBuf::from(&value);
            (read_key_file(&path, "log signing key (VIGIL_LOG_KEY)")?, path.display().to_string())
        }
    } else {
        let path = state_dir()?.join("log.key");
        if !path.exists() {
            return Err(KeyError(format!(
                "no log signing key: {} does not exist; run `vigil log key generate`, or pass --log-key FILE or set VIGIL_LOG_KEY",
                path.display()
            )));
        }
        (read_key_file(&path, "log signing key")?, path.display().to_string())
    };
    Signer::parse(&text).map_err(|e| KeyError(format!("{source}: not a note signer key (PRIVATE+KEY+…): {e}")))?;
    Ok(text)
}

/// The verifier key: `explicit` (a `.pub` file, or a signer key file, whose verifier is used),
/// else the verifier of `VIGIL_LOG_KEY`, else `<state dir>/log.pub`, else the verifier of
/// `<state dir>/log.key`.
///
/// # Errors
/// When none is found or it does not parse.
pub fn load_verifier(explicit: Option<&Path>) -> Result<Verifier, KeyError> {
    if let Some(path) = explicit {
        let text = read_key_file(path, "log verifier key")?;
        if text.starts_with("PRIVATE+KEY+") {
            return Signer::parse(&text)
                .map(|s| s.verifier())
                .map_err(|e| KeyError(format!("{}: not a note key: {e}", path.display())));
        }
        return Verifier::parse(&text)
            .map_err(|e| KeyError(format!("{}: not a note verifier key (name+hash+key): {e}", path.display())));
    }
    // The key writers are told to use (VIGIL_LOG_KEY) wins over the state directory's.
    if std::env::var_os("VIGIL_LOG_KEY").is_some_and(|v| !v.is_empty()) {
        return load_signer(None).map(|s| s.verifier());
    }
    let public = state_dir()?.join("log.pub");
    if public.exists() {
        let text = read_key_file(&public, "log verifier key")?;
        return Verifier::parse(&text)
            .map_err(|e| KeyError(format!("{}: not a note verifier key: {e}", public.display())));
    }
    match load_signer(None) {
        Ok(signer) => Ok(signer.verifier()),
        Err(_) => {
            Err(KeyError(format!("no log verifier key: pass --key FILE.pub ({} does not exist)", public.display())))
        }
    }
}
