//! `vigil attest` (cosign-compatible, with a key) and `vigil verify-attestation` (with a key or
//! keyless).

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use vigil_core::reference::ImageReference;
use vigil_oci::RegistryClient;
use vigil_sbom::format::{Format, created_timestamp, render};
use vigil_sign::attest;
use vigil_sign::cosign::Error as SignError;
use vigil_vuln::db::{Database, default_path};
use vigil_vuln::matcher::match_sbom;
use vigil_vuln::predicate::VulnPredicate;

use super::key::password;
use super::sbom::{load, registry_options};
use crate::cli::{AttestArgs, PredicateFrom, VerifyAttestationArgs, VerifyFormat};

/// Largest predicate file read (64 MiB, the DSSE envelope limit).
const MAX_PREDICATE_BYTES: u64 = 64 * 1024 * 1024;

pub fn attest(args: AttestArgs) -> Result<ExitCode> {
    let image =
        ImageReference::parse(&args.image).with_context(|| format!("invalid image reference `{}`", args.image))?;
    if args.secrets && args.predicate_from != Some(PredicateFrom::Scan) {
        bail!("--secrets goes with --predicate-from scan: the secret scan is part of the scan predicate");
    }
    let (predicate, default_type) = match (&args.predicate, args.predicate_from) {
        (Some(path), _) => (read_predicate(path)?, "custom"),
        (None, Some(PredicateFrom::Sbom)) => (sbom_predicate(&args, &image)?, "cyclonedx"),
        (None, Some(PredicateFrom::Scan)) => (scan_predicate(&args, &image)?, "vuln"),
        (None, None) => bail!("give --predicate FILE or --predicate-from sbom|scan"),
    };
    let predicate_type = args.predicate_type.as_deref().unwrap_or(default_type);
    let log = super::log::open_writer(&args.log)?;
    let pem = std::fs::read(&args.key).with_context(|| format!("reading {}", args.key.display()))?;
    let password = password(false)?;
    let key = vigil_sign::keys::load_private_key(&pem, password.as_bytes())
        .with_context(|| format!("loading {}", args.key.display()))?;
    let client = RegistryClient::new(&registry_options(&args.registry)?)?;
    let attested = attest::attest(&client, &image, &key, predicate_type, &predicate)
        .with_context(|| format!("attesting {image}"))?;
    let draft = super::log::attest_draft(
        &image.to_string(),
        &attested.digest,
        predicate_type,
        &attested.attestation_tag,
        &args.key,
    );
    super::log::record(log, vec![draft])?;
    eprintln!(
        "attested {}@{} as {} ({} attestation(s) in {})",
        image.name(),
        attested.digest,
        attest::predicate_type_uri(predicate_type),
        attested.attestations,
        attested.attestation_tag
    );
    Ok(ExitCode::SUCCESS)
}

fn read_predicate(path: &std::path::Path) -> Result<serde_json::Value> {
    let size = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len();
    if size > MAX_PREDICATE_BYTES {
        bail!("{}: predicate is {size} bytes, expected at most {MAX_PREDICATE_BYTES}", path.display());
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{}: predicate is not JSON", path.display()))
}

fn sbom_predicate(args: &AttestArgs, image: &ImageReference) -> Result<serde_json::Value> {
    let sbom = load(&format!("registry:{image}"), &args.platform, registry_options(&args.registry)?, &|_| {})?;
    let text = render(&sbom, Format::CycloneDx, created_timestamp());
    Ok(serde_json::from_str(&text)?)
}

/// cosign's vuln predicate with vigil's scan findings as the scanner result
/// ([`VulnPredicate`], the type vigil-policy reads back).
fn scan_predicate(args: &AttestArgs, image: &ImageReference) -> Result<serde_json::Value> {
    let path = args.db.clone().unwrap_or_else(default_path);
    let db = Database::open(&path)?;
    let updated = db.updated()?;
    let started = vigil_core::time::rfc3339(vigil_core::time::now_unix());
    let target = format!("registry:{image}");
    let (sbom, secrets) = if args.secrets {
        let opened = super::sbom::open_image(&target, &args.platform, registry_options(&args.registry)?)?;
        let sbom = vigil_sbom::catalog_with_progress(&opened, vigil_sbom::ScanLimits::default(), &|_| {})?;
        (sbom, Some(super::sbom::image_secrets(&opened)?))
    } else {
        (load(&target, &args.platform, registry_options(&args.registry)?, &|_| {})?, None)
    };
    let findings = match_sbom(&db, &sbom)?;
    let mut predicate = VulnPredicate::of_scan(env!("CARGO_PKG_REPOSITORY"), &sbom.source, &findings);
    if let Some(scan) = &secrets {
        predicate.set_secrets(vigil_secrets::report::attestation_summary(&scan.findings));
        if !scan.findings.is_empty() {
            eprintln!(
                "vigil: the scan found {} secret(s) in the image's layers (recorded redacted); policies with \
                 `secrets: none` deny this image",
                scan.findings.len()
            );
        }
    }
    predicate.scanner.db.version = updated.unwrap_or_default();
    predicate.metadata.scan_started_on = started;
    predicate.metadata.scan_finished_on = vigil_core::time::rfc3339(vigil_core::time::now_unix());
    Ok(serde_json::to_value(&predicate)?)
}

pub fn verify(args: VerifyAttestationArgs) -> Result<ExitCode> {
    let image =
        ImageReference::parse(&args.image).with_context(|| format!("invalid image reference `{}`", args.image))?;
    let authority = super::bundle::LoadedAuthority::load(args.key.as_deref(), &args.identity)?;
    let client = RegistryClient::new(&registry_options(&args.registry)?)?;
    let verification = match attest::verify(&client, &image, authority.authority(), args.predicate_type.as_deref()) {
        Ok(verification) => verification,
        Err(error @ SignError::NoSignatures { .. }) => {
            eprintln!("error: {}", error.to_string().replace("no signatures", "no attestations"));
            return Ok(ExitCode::from(1));
        }
        Err(error) => return Err(error).with_context(|| format!("verifying attestations of {image}")),
    };
    if verification.attestations.is_empty() {
        let reasons: Vec<String> = verification.failures.iter().map(ToString::to_string).collect();
        eprintln!("error: no valid attestation for `{image}` ({}): {}", verification.digest, reasons.join("; "));
        return Ok(ExitCode::from(1));
    }
    match args.format {
        VerifyFormat::Json => {
            let document = serde_json::json!({
                "version": 1,
                "image": image.to_string(),
                "digest": verification.digest,
                "attestations": verification.attestations,
            });
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
        VerifyFormat::Table => {
            for attestation in &verification.attestations {
                println!("{}", serde_json::to_string(&attestation.statement)?);
            }
        }
    }
    eprintln!(
        "{} attestation(s) verified for {image} ({} rejected)",
        verification.attestations.len(),
        verification.failures.len()
    );
    Ok(ExitCode::SUCCESS)
}
