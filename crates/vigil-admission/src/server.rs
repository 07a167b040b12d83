//! The HTTPS server: `/validate`, `/mutate`, `/healthz`, `/readyz`, `/metrics`; TLS with
//! rustls (HTTP/1.1 and HTTP/2 by ALPN); policy and certificate hot reload; graceful shutdown.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use serde_json::json;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use vigil_oci::RegistryOptions;
use vigil_policy::{
    CacheOnly, CacheOptions, Decision, EvalError, FailureMode, Mode, Policy, Subject, Verifier, evaluate, load_files,
};

use crate::log::event;
use crate::metrics::{Metrics, Outcome};
use crate::review::{self, MAX_BODY_BYTES};

/// How `vigil serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on (`0.0.0.0:8443`; port 0 picks one, logged at start).
    pub listen: SocketAddr,
    /// PEM certificate chain.
    pub tls_cert: PathBuf,
    /// PEM private key.
    pub tls_key: PathBuf,
    /// Policy files (every policy that applies must allow).
    pub policy_files: Vec<PathBuf>,
    /// Registry access for image checks.
    pub registry: RegistryOptions,
    /// Verification cache.
    pub cache: CacheOptions,
    /// What undecidable checks do.
    pub failure_mode: FailureMode,
    /// Deadline for one review (keep it under the webhook's `timeoutSeconds`).
    pub timeout: Duration,
    /// How often policy and certificate files are checked for changes.
    pub reload_interval: Duration,
    /// How long in-flight requests may finish after a shutdown signal.
    pub shutdown_grace: Duration,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A policy file is invalid.
    #[error(transparent)]
    Policy(#[from] vigil_policy::PolicyError),
    /// The certificate or key cannot be used.
    #[error("TLS: {0}")]
    Tls(String),
    /// The listener or runtime failed.
    #[error("{0}")]
    Io(String),
}

struct State {
    policies: RwLock<Arc<Vec<Policy>>>,
    verifier: Arc<Verifier>,
    metrics: Metrics,
    ready: AtomicBool,
    options: ServeOptions,
}

struct CertResolver(RwLock<Arc<CertifiedKey>>);

impl std::fmt::Debug for CertResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CertResolver")
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner)))
    }
}

fn certified_key(cert: &std::path::Path, key: &std::path::Path) -> Result<CertifiedKey, ServeError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| ServeError::Tls(format!("{}: {e}", cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| ServeError::Tls(format!("{}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(ServeError::Tls(format!("{}: no CERTIFICATE block", cert.display())));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| ServeError::Tls(format!("{}: {e}", key.display())))?;
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    CertifiedKey::from_der(chain, key, &provider).map_err(|e| ServeError::Tls(format!("certificate and key: {e}")))
}

/// Loads policies and certificates, then serves until SIGTERM or Ctrl-C. Blocks.
///
/// # Errors
/// [`ServeError`] when something needed to start is unusable.
pub fn serve(options: ServeOptions) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(32)
        .build()
        .map_err(|e| ServeError::Io(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(run(options, shutdown_signal()))
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Serves until `shutdown` completes.
///
/// # Errors
/// [`ServeError`] when something needed to start is unusable.
pub async fn run(options: ServeOptions, shutdown: impl std::future::Future<Output = ()>) -> Result<(), ServeError> {
    let policies = load_files(&options.policy_files)?;
    let resolver = Arc::new(CertResolver(RwLock::new(Arc::new(certified_key(&options.tls_cert, &options.tls_key)?))));
    let mut tls = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ServeError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_cert_resolver(resolver.clone());
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(tls));
    let listener =
        listen(options.listen).map_err(|e| ServeError::Io(format!("listening on {}: {e}", options.listen)))?;
    let local = listener.local_addr().map_err(|e| ServeError::Io(e.to_string()))?;
    let mut registry = options.registry.clone();
    // Registry calls must end before the review's own deadline.
    registry.timeout = Some(options.timeout.saturating_sub(Duration::from_millis(500)).max(Duration::from_millis(500)));
    let verifier = Arc::new(Verifier::new(registry, &options.cache));
    let state = Arc::new(State {
        policies: RwLock::new(Arc::new(policies)),
        verifier,
        metrics: Metrics::default(),
        ready: AtomicBool::new(true),
        options: options.clone(),
    });
    event(
        "info",
        "listening",
        json!({"address": local.to_string(), "policies": policy_names(&state), "failureMode": format!("{:?}", options.failure_mode).to_lowercase(), "timeoutMs": options.timeout.as_millis() as u64}),
    );
    tokio::spawn(reload_loop(Arc::clone(&state), resolver));

    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let acceptor = acceptor.clone();
                let state = Arc::clone(&state);
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => tls,
                        Ok(Err(e)) => {
                            event("debug", "tls handshake failed", json!({"peer": peer.to_string(), "error": e.to_string()}));
                            return;
                        }
                        Err(_) => return,
                    };
                    let service = hyper::service::service_fn(move |request| handle(Arc::clone(&state), request));
                    let builder = auto::Builder::new(TokioExecutor::new());
                    let connection = builder.serve_connection(TokioIo::new(tls), service);
                    let _ = watcher.watch(connection.into_owned()).await;
                });
            }
            () = &mut shutdown => break,
        }
    }
    state.ready.store(false, Ordering::SeqCst);
    event("info", "shutting down", json!({"graceSeconds": options.shutdown_grace.as_secs()}));
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => event("info", "all connections closed", json!({})),
        () = tokio::time::sleep(options.shutdown_grace) => event("warn", "grace period over, closing remaining connections", json!({})),
    }
    Ok(())
}

/// A listener with a backlog deep enough for an API server's burst of new connections.
fn listen(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(4096)
}

fn policy_names(state: &State) -> Vec<String> {
    state.policies.read().unwrap_or_else(std::sync::PoisonError::into_inner).iter().map(|p| p.name.clone()).collect()
}

/// Files' modification times and sizes, to notice changes.
fn fingerprint(paths: &[PathBuf]) -> Vec<Option<(SystemTime, u64)>> {
    paths.iter().map(|p| std::fs::metadata(p).ok().and_then(|m| Some((m.modified().ok()?, m.len())))).collect()
}

async fn reload_loop(state: Arc<State>, resolver: Arc<CertResolver>) {
    let policy_paths = state.options.policy_files.clone();
    // Directories are watched through their files (and their own listing, for added files).
    let watched = move || {
        let mut files = vigil_policy::expand(&policy_paths).unwrap_or_else(|_| policy_paths.clone());
        files.extend(policy_paths.iter().filter(|p| p.is_dir()).cloned());
        files
    };
    let policy_files = state.options.policy_files.clone();
    let cert_files = vec![state.options.tls_cert.clone(), state.options.tls_key.clone()];
    let mut policies_seen = fingerprint(&watched());
    let mut certs_seen = fingerprint(&cert_files);
    let mut tick = tokio::time::interval(state.options.reload_interval.max(Duration::from_millis(100)));
    tick.tick().await;
    loop {
        tick.tick().await;
        let now = fingerprint(&watched());
        if now != policies_seen {
            policies_seen = now;
            let files = policy_files.clone();
            match tokio::task::spawn_blocking(move || load_files(&files)).await {
                Ok(Ok(policies)) => {
                    let names: Vec<String> = policies.iter().map(|p| p.name.clone()).collect();
                    *state.policies.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(policies);
                    state.metrics.reload(true);
                    event("info", "policies reloaded", json!({"policies": names}));
                }
                Ok(Err(e)) => {
                    state.metrics.reload(false);
                    event(
                        "error",
                        "policy reload refused, keeping the previous policies",
                        json!({"error": e.to_string()}),
                    );
                }
                Err(e) => event("error", "policy reload failed", json!({"error": e.to_string()})),
            }
        }
        let now = fingerprint(&cert_files);
        if now != certs_seen {
            certs_seen = now;
            match certified_key(&state.options.tls_cert, &state.options.tls_key) {
                Ok(key) => {
                    *resolver.0.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(key);
                    event("info", "TLS certificate reloaded", json!({}));
                }
                Err(e) => event(
                    "error",
                    "TLS certificate reload refused, keeping the previous one",
                    json!({"error": e.to_string()}),
                ),
            }
        }
    }
}

type HttpResponse = hyper::Response<Full<Bytes>>;

fn respond(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> HttpResponse {
    let mut response = hyper::Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    if let Ok(value) = hyper::header::HeaderValue::from_str(content_type) {
        response.headers_mut().insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

async fn handle(state: Arc<State>, request: hyper::Request<Incoming>) -> Result<HttpResponse, Infallible> {
    let path = request.uri().path().to_string();
    Ok(match (request.method(), path.as_str()) {
        (&Method::GET, "/healthz") => respond(StatusCode::OK, "text/plain", "ok\n"),
        (&Method::GET, "/readyz") => {
            if state.ready.load(Ordering::SeqCst) {
                respond(StatusCode::OK, "text/plain", "ready\n")
            } else {
                respond(StatusCode::SERVICE_UNAVAILABLE, "text/plain", "not ready\n")
            }
        }
        (&Method::GET, "/metrics") => {
            let policies = state.policies.read().unwrap_or_else(std::sync::PoisonError::into_inner).len();
            let text = state.metrics.render(&state.verifier.stats, state.verifier.cached_entries(), policies);
            respond(StatusCode::OK, "text/plain; version=0.0.4", text)
        }
        (&Method::POST, "/validate") => review_request(&state, request, true).await,
        (&Method::POST, "/mutate") => review_request(&state, request, false).await,
        (_, "/validate" | "/mutate") => respond(
            StatusCode::METHOD_NOT_ALLOWED,
            "application/json",
            r#"{"error":"use POST with an AdmissionReview"}"#,
        ),
        _ => respond(
            StatusCode::NOT_FOUND,
            "application/json",
            r#"{"error":"not found: use /validate, /mutate, /healthz, /readyz or /metrics"}"#,
        ),
    })
}

fn bad_request(state: &State, message: &str) -> HttpResponse {
    state.metrics.bad_request();
    event("warn", "bad request", json!({"error": message}));
    respond(StatusCode::BAD_REQUEST, "application/json", json!({"error": message}).to_string())
}

async fn review_request(state: &Arc<State>, request: hyper::Request<Incoming>, validate: bool) -> HttpResponse {
    let started = Instant::now();
    state.metrics.request(validate);
    let body = match Limited::new(request.into_body(), MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            return bad_request(state, &format!("cannot read the request body (limit {MAX_BODY_BYTES} bytes): {e}"));
        }
    };
    let review = match review::parse(&body) {
        Ok(review) => review,
        Err(e) => return bad_request(state, &e.to_string()),
    };
    let uid = review.uid.clone();
    // Only writes of the object itself (and of ephemeral containers, which add images) are judged;
    // status and other subresource updates of a running Pod must never be blocked by policy.
    let subresource_ok = review.sub_resource.as_deref().is_none_or(|s| s.is_empty() || s == "ephemeralcontainers");
    let judged = matches!(review.operation.as_str(), "CREATE" | "UPDATE") && review.object.is_some() && subresource_ok;
    let response = if judged {
        let decision = decide(state, &review).await;
        let outcome = if !decision.allowed {
            if decision.denials.is_empty() { Outcome::FailedClosed } else { Outcome::Denied }
        } else if !decision.errors.is_empty() {
            Outcome::FailedOpen
        } else if !decision.warnings.is_empty() {
            Outcome::Warned
        } else {
            Outcome::Allowed
        };
        event(
            "info",
            "decision",
            json!({
                "endpoint": if validate { "validate" } else { "mutate" },
                "uid": uid,
                "operation": review.operation,
                "kind": review.kind.kind,
                "namespace": review.namespace,
                "name": review.name,
                "dryRun": review.dry_run.unwrap_or(false),
                "allowed": decision.allowed || !validate,
                "denials": decision.denials.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "warnings": decision.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "errors": decision.errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>(),
                "verified": decision.verified,
                "patches": decision.patches.len(),
                "ms": started.elapsed().as_secs_f64() * 1000.0,
            }),
        );
        if validate {
            state.metrics.decision(outcome);
            review::validating(&uid, &decision)
        } else {
            if !decision.patches.is_empty() {
                state.metrics.patched();
            }
            review::mutating(&uid, &decision.patches)
        }
    } else {
        review::allow(&uid)
    };
    state.metrics.latency(started.elapsed());
    respond(StatusCode::OK, "application/json", review::envelope(&response).to_string())
}

/// The object of a review as vigil's tree, and its namespace, decided as `vigil policy test`
/// decides them (`vigil_policy::Workload`); `None` for objects without a pod template.
fn subject_of(object: &serde_json::Value, namespace: Option<&str>) -> Option<(vigil_k8s::Object, String)> {
    vigil_policy::Workload::from_review(object, namespace).map(|w| (w.object, w.namespace))
}

/// Decides a review: from the verification cache alone when every check is cached (no thread
/// hand-off, no registry), otherwise on a blocking thread with the registry, within the deadline.
async fn decide(state: &Arc<State>, review: &review::Request) -> Decision {
    let policies = Arc::clone(&state.policies.read().unwrap_or_else(std::sync::PoisonError::into_inner));
    let object = review.object.clone().unwrap_or_default();
    let namespace = review.namespace.clone();
    let Some((parsed, ns)) = subject_of(&object, namespace.as_deref()) else {
        return Decision { allowed: true, ..Decision::default() };
    };
    let cache_only = CacheOnly::new(&state.verifier);
    let mut decision = evaluate(&policies, &Subject { object: &parsed, namespace: &ns }, &cache_only);
    if cache_only.missed() {
        let verifier = Arc::clone(&state.verifier);
        let job = tokio::task::spawn_blocking(move || {
            evaluate(&policies, &Subject { object: &parsed, namespace: &ns }, verifier.as_ref())
        });
        decision = match tokio::time::timeout(state.options.timeout, job).await {
            Ok(Ok(decision)) => decision,
            Ok(Err(e)) => undecided(format!("internal error: {e}")),
            Err(_) => undecided(format!("no answer within {} ms", state.options.timeout.as_millis())),
        };
    }
    decision.settle(state.options.failure_mode);
    decision
}

fn undecided(message: String) -> Decision {
    Decision {
        allowed: true,
        errors: vec![EvalError { policy: "*".into(), mode: Mode::Enforce, container: "*".into(), message }],
        ..Decision::default()
    }
}
