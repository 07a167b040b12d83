//! `vigil verify-bundle`: offline Sigstore bundle verification (sigstore-conformance protocol).

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use vigil_sign::bundle::{Identity, Matcher, Signer, Subject, verify_bundle_file};
use vigil_sign::trust::TrustRoot;

use crate::cli::{IdentityArgs, VerifyBundleArgs, VerifyFormat};

/// The trusted root named by `--trusted-root`, else the embedded staging or production root;
/// `--allow-request-form-rekor` (which needs `--trusted-root`) opts it into request-form entries.
pub fn trust_root(args: &IdentityArgs, staging: bool) -> Result<TrustRoot> {
    Ok(load_root(args, staging)?)
}

fn load_root(args: &IdentityArgs, staging: bool) -> Result<TrustRoot, vigil_sign::bundle::BundleError> {
    let root = match (args.trusted_root.as_deref(), staging) {
        (Some(path), _) => TrustRoot::from_file(path)?,
        (None, true) => TrustRoot::staging()?,
        (None, false) => TrustRoot::production()?,
    };
    Ok(if args.allow_request_form_rekor { root.allow_request_form_rekor() } else { root })
}

/// The identity policy from the keyless flags; both an identity and an issuer are required.
pub fn identity(args: &IdentityArgs) -> Result<Identity> {
    let subject = match (&args.certificate_identity, &args.certificate_identity_regexp) {
        (Some(exact), _) => Matcher::Exact(exact.clone()),
        (None, Some(re)) => {
            Matcher::regex(re).with_context(|| format!("invalid --certificate-identity-regexp `{re}`"))?
        }
        (None, None) => bail!("keyless verification needs --certificate-identity or --certificate-identity-regexp"),
    };
    let issuer = match (&args.certificate_oidc_issuer, &args.certificate_oidc_issuer_regexp) {
        (Some(exact), _) => Matcher::Exact(exact.clone()),
        (None, Some(re)) => {
            Matcher::regex(re).with_context(|| format!("invalid --certificate-oidc-issuer-regexp `{re}`"))?
        }
        (None, None) => {
            bail!("keyless verification needs --certificate-oidc-issuer or --certificate-oidc-issuer-regexp")
        }
    };
    Ok(Identity { subject, issuer })
}

/// The authority for `verify`/`verify-attestation`: `--key`, else the keyless flags.
pub enum LoadedAuthority {
    Key(vigil_sign::keys::VerifyingKey),
    Keyless(vigil_sign::keyless::Keyless),
}

impl LoadedAuthority {
    pub fn load(key: Option<&std::path::Path>, identity_args: &IdentityArgs) -> Result<Self> {
        Ok(match key {
            Some(path) => {
                let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                Self::Key(
                    vigil_sign::keys::load_public_key(&pem).with_context(|| format!("loading {}", path.display()))?,
                )
            }
            None => Self::Keyless(vigil_sign::keyless::Keyless {
                identity: identity(identity_args)?,
                root: trust_root(identity_args, false)?,
            }),
        })
    }

    pub fn authority(&self) -> vigil_sign::keyless::Authority<'_> {
        match self {
            Self::Key(key) => key.into(),
            Self::Keyless(keyless) => keyless.into(),
        }
    }
}

pub fn verify(args: VerifyBundleArgs) -> Result<ExitCode> {
    let signer = match &args.key {
        Some(path) => Signer::Key {
            path: path.display().to_string(),
            pem: std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        },
        None => Signer::Keyless(identity(&args.identity)?),
    };
    let root = match load_root(&args.identity, args.staging) {
        Ok(root) => root,
        Err(error) if error.is_verdict() => {
            eprintln!("error: not verified: {error}");
            return Ok(ExitCode::from(1));
        }
        Err(error) => return Err(error.into()),
    };
    let subject = Subject::parse(&args.artifact);
    match verify_bundle_file(&args.bundle, &subject, &signer, &root) {
        Ok(verified) => {
            match args.format {
                VerifyFormat::Json => {
                    let document = serde_json::json!({
                        "version": 1,
                        "bundle": args.bundle.display().to_string(),
                        "artifact": args.artifact,
                        "trustedRoot": root.source(),
                        "verified": verified,
                    });
                    println!("{}", serde_json::to_string_pretty(&document)?);
                }
                VerifyFormat::Table => {
                    let who = match (&verified.identity, &verified.issuer) {
                        (Some(id), Some(issuer)) => format!("signed by {id} ({issuer})"),
                        (Some(id), None) => format!("signed by {id}"),
                        _ => "signed with the given key".to_string(),
                    };
                    let when = verified.verified_times.first().map(|t| format!(" at {t}")).unwrap_or_default();
                    println!("verified {} {who}{when}", args.artifact);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) if error.is_verdict() => {
            eprintln!("error: {error}");
            Ok(ExitCode::from(1))
        }
        Err(error) => Err(error.into()),
    }
}
