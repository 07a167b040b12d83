//! `vigil key generate`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::cli::{KeyArgs, KeyCommand};

pub fn run(args: KeyArgs) -> Result<ExitCode> {
    match args.command {
        KeyCommand::Generate { output_key_prefix, force } => generate(&output_key_prefix, force),
    }
}

/// The key password: `VIGIL_PASSWORD`, `COSIGN_PASSWORD`, or asked twice on a terminal.
pub fn password(confirm: bool) -> Result<String> {
    for var in ["VIGIL_PASSWORD", "COSIGN_PASSWORD"] {
        if let Ok(value) = std::env::var(var) {
            return Ok(value);
        }
    }
    if !std::io::stdin().is_terminal() {
        bail!("no key password: set VIGIL_PASSWORD or COSIGN_PASSWORD (empty for none), or run on a terminal");
    }
    let first = rpassword::prompt_password("Enter password for private key: ").context("reading the password")?;
    if confirm {
        let second =
            rpassword::prompt_password("Enter password for private key again: ").context("reading the password")?;
        if first != second {
            bail!("the passwords do not match");
        }
    }
    Ok(first)
}

fn generate(prefix: &str, force: bool) -> Result<ExitCode> {
    let key_path = PathBuf::from(format!("{prefix}.key"));
    let pub_path = PathBuf::from(format!("{prefix}.pub"));
    for path in [&key_path, &pub_path] {
        if path.exists() && !force {
            bail!(
                "{} already exists\n\nhint: pass `--force` to overwrite it, or choose another `--output-key-prefix`",
                path.display()
            );
        }
    }
    let password = password(true)?;
    let pair = vigil_sign::keys::generate_key_pair(password.as_bytes())?;
    write_private(&key_path, pair.private_pem.as_bytes())?;
    std::fs::write(&pub_path, pair.public_pem.as_bytes()).with_context(|| format!("writing {}", pub_path.display()))?;
    anstream::eprintln!("Private key written to {}\nPublic key written to {}", key_path.display(), pub_path.display());
    Ok(ExitCode::SUCCESS)
}

/// Writes the private key readable by its owner only.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| format!("writing {}", path.display()))?;
    file.write_all(bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
