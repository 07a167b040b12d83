//! `vigil sign` (cosign-compatible, with a key) and `vigil verify` (with a key or keyless).

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use vigil_core::reference::ImageReference;
use vigil_oci::RegistryClient;
use vigil_sign::cosign::{self, Error as SignError};

use super::key::password;
use super::sbom::registry_options;
use crate::cli::{SignArgs, VerifyArgs, VerifyFormat};

pub fn sign(args: SignArgs) -> Result<ExitCode> {
    let image =
        ImageReference::parse(&args.image).with_context(|| format!("invalid image reference `{}`", args.image))?;
    let mut annotations = BTreeMap::new();
    for pair in &args.annotations {
        let Some((key, value)) = pair.split_once('=') else {
            bail!("annotation `{pair}` is not `key=value`");
        };
        annotations.insert(key.to_string(), value.to_string());
    }
    let log = super::log::open_writer(&args.log)?;
    let pem = std::fs::read(&args.key).with_context(|| format!("reading {}", args.key.display()))?;
    let password = password(false)?;
    let key = vigil_sign::keys::load_private_key(&pem, password.as_bytes())
        .with_context(|| format!("loading {}", args.key.display()))?;
    let client = RegistryClient::new(&registry_options(&args.registry)?)?;
    let signed = cosign::sign(&client, &image, &key, &annotations).with_context(|| format!("signing {image}"))?;
    let draft = super::log::sign_draft(&image.to_string(), &signed.digest, &signed.signature_tag, &args.key);
    super::log::record(log, vec![draft])?;
    eprintln!(
        "signed {}@{} ({} signature(s) in {})",
        image.name(),
        signed.digest,
        signed.signatures,
        signed.signature_tag
    );
    Ok(ExitCode::SUCCESS)
}

pub fn verify(args: VerifyArgs) -> Result<ExitCode> {
    let image =
        ImageReference::parse(&args.image).with_context(|| format!("invalid image reference `{}`", args.image))?;
    let authority = super::bundle::LoadedAuthority::load(args.key.as_deref(), &args.identity)?;
    let client = RegistryClient::new(&registry_options(&args.registry)?)?;
    let verification = match cosign::verify(&client, &image, authority.authority()) {
        Ok(verification) => verification,
        Err(error @ (SignError::NoSignatures { .. } | SignError::NoneVerified { .. })) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(1));
        }
        Err(error) => return Err(error).with_context(|| format!("verifying {image}")),
    };
    match args.format {
        VerifyFormat::Json => {
            let document = serde_json::json!({
                "version": 1,
                "image": image.to_string(),
                "digest": verification.digest,
                "signatures": verification.signatures,
            });
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
        VerifyFormat::Table => {
            for signature in &verification.signatures {
                let by = match &signature.certificate {
                    Some(cert) => format!(
                        " by {} ({}){}",
                        cert.identity,
                        cert.issuer,
                        cert.signed_at.as_deref().map(|t| format!(" at {t}")).unwrap_or_default()
                    ),
                    None => String::new(),
                };
                println!(
                    "verified {} signed as {}{by}{}",
                    verification.digest,
                    signature.payload.critical.identity.docker_reference,
                    match &signature.payload.optional {
                        Some(claims) => format!(" {}", serde_json::Value::Object(claims.clone())),
                        None => String::new(),
                    }
                );
            }
        }
    }
    eprintln!("{} signature(s) verified for {image}", verification.signatures.len());
    Ok(ExitCode::SUCCESS)
}
