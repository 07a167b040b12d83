//! `vigil serve`, `vigil webhook certs`, `vigil webhook manifests`.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use vigil_admission::{Limits, ServeOptions};
use vigil_policy::{CacheOptions, FailureMode};

use super::sbom::registry_options;
use crate::cli::{FailureModeArg, ServeArgs, WebhookCertsArgs, WebhookManifestsArgs};

fn failure(mode: FailureModeArg) -> FailureMode {
    match mode {
        FailureModeArg::Closed => FailureMode::Closed,
        FailureModeArg::Open => FailureMode::Open,
    }
}

fn seconds(value: f64, what: &str) -> Result<Duration> {
    if !(value.is_finite() && value > 0.0 && value <= 3600.0) {
        bail!("{what} must be between 0 and 3600 seconds, got {value}");
    }
    Ok(Duration::from_secs_f64(value))
}

fn positive(value: usize, what: &str) -> Result<usize> {
    if value == 0 {
        bail!("{what} must be at least 1");
    }
    Ok(value)
}

pub fn serve(args: ServeArgs) -> Result<ExitCode> {
    let log = match args.log.log.as_deref() {
        Some(value) => {
            let target = super::log::target_of(Some(value))?;
            let signer_key = vigil_log::keys::load_signer_key(args.log.log_key.as_deref())?;
            Some(vigil_admission::LogSettings { target, signer_key, serve_tiles: args.serve_log })
        }
        None => None,
    };
    let audit = if args.audit {
        let Some(path) = &args.audit_token_file else { bail!("--audit needs --audit-token-file FILE") };
        let token = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let token = token.trim().to_owned();
        if token.len() < 16 {
            bail!("{}: the audit token must be at least 16 characters", path.display());
        }
        let min_priority = vigil_audit::rules::Priority::parse(&args.audit_min_priority)
            .with_context(|| format!("--audit-min-priority `{}`: not a Falco priority", args.audit_min_priority))?;
        let files = vigil_audit::builtin::rules_files(!args.no_builtin_audit_rules, &args.audit_rules)
            .map_err(anyhow::Error::msg)?;
        let set = vigil_audit::rules::load(&files)?;
        let engine = vigil_audit::engine::Engine::compile(&set, vigil_audit::engine::Matching::First)?;
        Some(vigil_admission::AuditSettings { engine: std::sync::Arc::new(engine), token, min_priority })
    } else {
        None
    };
    let options = ServeOptions {
        audit,
        log,
        listen: args.listen,
        tls_cert: args.tls_cert,
        tls_key: args.tls_key,
        policy_files: args.policies,
        registry: registry_options(&args.registry)?,
        cache: CacheOptions {
            capacity: args.cache_size.max(1),
            ttl: Duration::from_secs(args.cache_ttl),
            negative_ttl: Duration::from_secs(args.negative_cache_ttl),
            error_ttl: Duration::from_secs(args.error_cache_ttl),
        },
        failure_mode: failure(args.failure_mode),
        timeout: seconds(args.timeout, "--timeout")?,
        reload_interval: seconds(args.reload_interval, "--reload-interval")?,
        shutdown_grace: Duration::from_secs(args.shutdown_grace),
        limits: Limits {
            max_connections: positive(args.max_connections, "--max-connections")?,
            max_streams: u32::try_from(positive(args.max_streams as usize, "--max-streams")?).unwrap_or(u32::MAX),
            max_reviews: positive(args.max_reviews, "--max-reviews")?,
            max_registry_reviews: positive(args.max_registry_reviews, "--max-registry-reviews")?,
            max_body_bytes: positive(args.max_body_bytes, "--max-body-bytes")?,
            review_memory: positive(args.review_memory, "--review-memory")?.saturating_mul(1024 * 1024),
            handshake_timeout: seconds(args.header_timeout, "--header-timeout")?,
            header_timeout: seconds(args.header_timeout, "--header-timeout")?,
            body_timeout: seconds(args.body_timeout, "--body-timeout")?,
            idle_timeout: seconds(args.idle_timeout, "--idle-timeout")?,
        },
    };
    vigil_admission::serve(options)?;
    Ok(ExitCode::SUCCESS)
}

pub fn certs(args: WebhookCertsArgs) -> Result<ExitCode> {
    let certs = vigil_admission::certs::generate(
        &args.service,
        &args.namespace,
        &args.extra_names,
        Duration::from_secs(args.days.saturating_mul(86_400)),
    )?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let files =
        [("ca.crt", &certs.ca_pem, 0o644), ("tls.crt", &certs.cert_pem, 0o644), ("tls.key", &certs.key_pem, 0o600)];
    for (name, _, _) in &files {
        let path = args.out.join(name);
        if path.exists() && !args.force {
            bail!("{} exists; pass --force to overwrite", path.display());
        }
    }
    for (name, pem, mode) in files {
        let path = args.out.join(name);
        write_private(&path, pem.as_bytes(), mode).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "wrote ca.crt, tls.crt, tls.key to {} (serving names: {})",
        args.out.display(),
        certs.dns_names.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

fn write_private(path: &std::path::Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    let _ = mode;
    options.open(path)?.write_all(bytes)
}

pub fn manifests(args: WebhookManifestsArgs) -> Result<ExitCode> {
    let mut policies = Vec::new();
    for path in &vigil_policy::expand(&args.policies)? {
        // Refuse an invalid policy now rather than in a crash-looping Pod.
        vigil_policy::load_file(path)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "policy.yaml".into());
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        policies.push((name, text));
    }
    let tls = match &args.certs {
        Some(dir) => {
            let read = |name: &str| {
                std::fs::read_to_string(dir.join(name)).with_context(|| format!("reading {}", dir.join(name).display()))
            };
            Some((read("ca.crt")?, read("tls.crt")?, read("tls.key")?))
        }
        None => None,
    };
    let ca_bundle = match &args.ca_bundle {
        Some(path) => Some(std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?),
        None => None,
    };
    if tls.is_none() && ca_bundle.is_none() {
        eprintln!(
            "note: no --certs or --ca-bundle: the webhook configurations carry no caBundle (inject one, e.g. with cert-manager's cainjector)"
        );
    }
    if !args.image.contains('@') {
        eprintln!("note: image `{}` is not pinned by digest; pass --image NAME@sha256:… in production", args.image);
    }
    let options = vigil_admission::manifests::ManifestOptions {
        service: args.service,
        namespace: args.namespace,
        image: args.image,
        replicas: args.replicas,
        policies,
        tls,
        ca_bundle,
        failure_policy: args.failure_policy,
        failure_mode: match args.failure_mode {
            FailureModeArg::Closed => "closed".into(),
            FailureModeArg::Open => "open".into(),
        },
        timeout_seconds: args.timeout,
        exempt_namespaces: args.exempt_namespaces,
    };
    let objects = vigil_admission::manifests::objects(&options);
    print!("{}", vigil_admission::manifests::render_yaml(&objects).map_err(anyhow::Error::msg)?);
    Ok(ExitCode::SUCCESS)
}
