//! `vigil sbom`.

use std::process::ExitCode;

use anyhow::{Context, Result};
use vigil_oci::{Credentials, OpenOptions, Platform, Progress, RegistryOptions, Target};
use vigil_sbom::format::{Format, created_timestamp, read_sbom, render};
use vigil_sbom::{Sbom, ScanLimits, catalog_with_progress};

use crate::cli::{RegistryArgs, SbomArgs, SbomFormat};

/// Largest SBOM file read with `sbom:FILE` (256 MiB).
const MAX_SBOM_BYTES: u64 = 256 * 1024 * 1024;

pub fn run(args: SbomArgs) -> Result<ExitCode> {
    let spinner = progress_spinner(args.quiet);
    let mut registry = registry_options(&args.registry)?;
    if let Some(bar) = &spinner {
        let bar = bar.clone();
        registry.progress = Some(Progress(std::sync::Arc::new(move |msg: &str| bar.set_message(msg.to_string()))));
    }
    let report = |msg: &str| {
        if let Some(bar) = &spinner {
            bar.set_message(msg.to_string());
        }
    };
    let sbom = load(&args.target, &args.platform, registry, &report);
    if let Some(bar) = &spinner {
        bar.finish_and_clear();
    }
    let sbom = sbom?;
    let text = match args.format {
        SbomFormat::Json => render(&sbom, Format::Json, created_timestamp()),
        SbomFormat::Cyclonedx => render(&sbom, Format::CycloneDx, created_timestamp()),
        SbomFormat::Spdx => render(&sbom, Format::Spdx, created_timestamp()),
        SbomFormat::Table => table(&sbom),
    };
    crate::render::write_output(args.output.as_deref(), &text)?;
    if !args.quiet {
        let counts: Vec<String> = sbom.counts().iter().map(|(eco, n)| format!("{eco} {n}")).collect();
        let distro =
            sbom.distro.as_ref().and_then(|d| d.pretty_name.clone()).unwrap_or_else(|| "no distribution found".into());
        anstream::eprintln!(
            "vigil: {} packages ({}) in {}; {distro}",
            sbom.packages.len(),
            if counts.is_empty() { "none".to_string() } else { counts.join(", ") },
            sbom.source.target,
        );
        for error in &sbom.errors {
            anstream::eprintln!("warning: {}: {}", error.path, error.message);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Registry options from flags and the environment.
pub fn registry_options(args: &RegistryArgs) -> Result<RegistryOptions> {
    let credentials = match &args.username {
        None => None,
        Some(username) => {
            let password = if args.password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).context("reading the registry password from standard input")?;
                line.trim_end_matches(['\r', '\n']).to_string()
            } else {
                std::env::var("VIGIL_REGISTRY_PASSWORD").map_err(|_| {
                    anyhow::anyhow!(
                        "`--username` needs a password: set VIGIL_REGISTRY_PASSWORD or pass `--password-stdin`"
                    )
                })?
            };
            Some(Credentials::Basic { username: username.clone(), password })
        }
    };
    Ok(RegistryOptions {
        plain_http: args.plain_http,
        insecure: args.insecure,
        credentials,
        auth_file: args.auth_file.clone(),
        progress: None,
        timeout: None,
    })
}

/// A spinner on standard error, only when it is a terminal and not `--quiet`.
fn progress_spinner(quiet: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

/// Opens a target and catalogues it (or reads an SBOM for `sbom:FILE`).
pub fn load(target: &str, platform: &str, registry: RegistryOptions, progress: &dyn Fn(&str)) -> Result<Sbom> {
    if let Some(path) = target.strip_prefix("sbom:") {
        let meta = std::fs::metadata(path).with_context(|| format!("reading SBOM {path}"))?;
        anyhow::ensure!(
            meta.len() <= MAX_SBOM_BYTES,
            "{path}: SBOM is {} bytes, larger than the limit of {MAX_SBOM_BYTES}",
            meta.len()
        );
        let bytes = std::fs::read(path).with_context(|| format!("reading SBOM {path}"))?;
        return Ok(read_sbom(path, &bytes)?);
    }
    let options = OpenOptions { platform: Platform::parse(platform)?, registry, ..OpenOptions::default() };
    let image = Target::parse(target)?.open(&options)?;
    Ok(catalog_with_progress(&image, ScanLimits::default(), progress)?)
}

/// Opens an image target (not `sbom:FILE`) for callers that need the layers themselves.
pub fn open_image(target: &str, platform: &str, registry: RegistryOptions) -> Result<vigil_oci::Image> {
    anyhow::ensure!(
        !target.starts_with("sbom:"),
        "{target}: an SBOM has no layers to scan for secrets; give the image"
    );
    let options = OpenOptions { platform: Platform::parse(platform)?, registry, ..OpenOptions::default() };
    Ok(Target::parse(target)?.open(&options)?)
}

/// The secret findings of every layer of an image, with vigil's built-in rules.
pub fn image_secrets(image: &vigil_oci::Image) -> Result<vigil_secrets::scan::Scan> {
    let detector = vigil_secrets::engine::Detector::new(
        vigil_secrets::builtin::config()?,
        vigil_secrets::engine::Options::default(),
    );
    Ok(vigil_secrets::layers::scan_image(image, &detector, &vigil_secrets::layers::LayerLimits::default())?)
}

fn table(sbom: &Sbom) -> String {
    let rows: Vec<[String; 3]> =
        sbom.packages.iter().map(|p| [p.name.clone(), p.version.clone(), p.ecosystem.clone()]).collect();
    crate::render::columns::render(["NAME", "VERSION", "ECOSYSTEM"], &rows)
}
