//! The HTTPS server: `/validate`, `/mutate`, `/healthz`, `/readyz`, `/metrics`; TLS with
//! rustls (HTTP/1.1 and HTTP/2 by ALPN); policy and certificate hot reload; graceful shutdown.
//!
//! Every resource a client can hold is bounded ([`Limits`]): connections (one more is closed
//! at once), the TLS handshake, request headers and bodies (timeouts), idle connections,
//! HTTP/2 streams, reviews in flight and reviews waiting on registries (one more is answered
//! HTTP 429 at once, so the API server applies `failurePolicy` instead of waiting), and the
//! memory of the reviews being read and decided. Each review has one deadline, from its
//! arrival: the body, the registry checks and the answer all fit in it.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use http_body_util::{BodyExt, Full};
use hyper::body::{Body as _, Bytes, Incoming};
use hyper::{Method, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use vigil_oci::RegistryOptions;
use vigil_policy::{
    CacheOnly, CacheOptions, Decision, EvalError, FailureMode, Mode, Policy, Subject, Verifier, evaluate, load_files,
};

use crate::decision_log::{DecisionLog, ReviewFacts, admission_draft, reload_draft};
use crate::limits::{BYTES_PER_VALUE, Limits, json_values};
use crate::log::event;
use crate::metrics::{Metrics, Outcome, Refusal};
use crate::review;

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
    /// Connections, streams, reviews, bodies, memory and timeouts.
    pub limits: Limits,
    /// The decision log, when decisions are recorded (`--log`).
    pub log: Option<crate::LogSettings>,
    /// The audit webhook backend on `/audit` (`--audit`).
    pub audit: Option<crate::AuditSettings>,
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
    /// The decision log cannot be opened.
    #[error("{0}")]
    Log(String),
}

struct State {
    policies: RwLock<Arc<Vec<Policy>>>,
    /// The digest of the policy files behind `policies` (logged with each decision).
    policy_digest: RwLock<Arc<str>>,
    log: Option<DecisionLog>,
    audit: Option<crate::audit_sink::AuditSink>,
    verifier: Arc<Verifier>,
    metrics: Metrics,
    ready: AtomicBool,
    options: ServeOptions,
    /// One permit per review being read or decided.
    reviews: Arc<Semaphore>,
    /// One permit per review waiting on registries (on a blocking thread).
    registry_slots: Arc<Semaphore>,
    /// One permit per byte of review memory ([`Limits::review_memory`]).
    memory: Arc<Semaphore>,
    /// When a refusal was last logged (seconds since the start), so floods log once a second.
    refusal_logged: AtomicU64,
    started: Instant,
}

/// Threads for blocking work beyond the registry reviews (policy reloads).
const SPARE_BLOCKING_THREADS: usize = 8;

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
        // Every review allowed to wait on a registry has its thread: none queues behind another.
        .max_blocking_threads(options.limits.max_registry_reviews.max(1).saturating_add(SPARE_BLOCKING_THREADS))
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
    let policy_digest = vigil_policy::record::set_digest_of(&options.policy_files)?;
    let log = match &options.log {
        // The PostgreSQL client is blocking (it runs its own runtime): opened off the async threads.
        Some(settings) => {
            let settings = settings.clone();
            let opened = tokio::task::spawn_blocking(move || DecisionLog::open(&settings)).await;
            Some(opened.map_err(|e| ServeError::Log(e.to_string()))?.map_err(ServeError::Log)?)
        }
        None => None,
    };
    if let Some(log) = &log {
        log.record_later(reload_draft(&options.policy_files, Ok((&policies, &policy_digest))));
    }
    let audit_log = options.log.as_ref().map(|l| l.target.clone());
    let audit = match options.audit.clone() {
        // The PostgreSQL client blocks: off the async threads.
        Some(settings) => Some(
            tokio::task::spawn_blocking(move || crate::audit_sink::AuditSink::new(settings, audit_log.as_ref()))
                .await
                .map_err(|e| ServeError::Log(e.to_string()))?
                .map_err(|e| ServeError::Log(format!("audit correlation with the decision log: {e}")))?,
        ),
        None => None,
    };
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
    // Each registry call ends before the review's own deadline, which bounds them all together.
    registry.timeout = Some(options.timeout.saturating_sub(Duration::from_millis(500)).max(Duration::from_millis(500)));
    let verifier = Arc::new(Verifier::new(registry, &options.cache));
    let limits = options.limits.clone();
    let max_connections = limits.max_connections.clamp(1, u32::MAX as usize);
    let state = Arc::new(State {
        policies: RwLock::new(Arc::new(policies)),
        policy_digest: RwLock::new(Arc::from(policy_digest.as_str())),
        log,
        audit,
        verifier,
        metrics: Metrics::default(),
        ready: AtomicBool::new(true),
        reviews: Arc::new(Semaphore::new(limits.max_reviews.clamp(1, Semaphore::MAX_PERMITS))),
        registry_slots: Arc::new(Semaphore::new(limits.max_registry_reviews.clamp(1, Semaphore::MAX_PERMITS))),
        memory: Arc::new(Semaphore::new(limits.review_memory.clamp(1, Semaphore::MAX_PERMITS))),
        refusal_logged: AtomicU64::new(u64::MAX),
        started: Instant::now(),
        options: options.clone(),
    });
    event(
        "info",
        "listening",
        json!({
            "address": local.to_string(),
            "policies": policy_names(&state),
            "failureMode": format!("{:?}", options.failure_mode).to_lowercase(),
            "timeoutMs": options.timeout.as_millis() as u64,
            "maxConnections": max_connections,
            "maxReviews": limits.max_reviews,
            "maxRegistryReviews": limits.max_registry_reviews,
            "maxBodyBytes": limits.max_body_bytes,
            "reviewMemoryBytes": limits.review_memory,
            "decisionLog": state.log.as_ref().map(|l| l.target.clone()),
        }),
    );
    tokio::spawn(reload_loop(Arc::clone(&state), resolver));

    let connections = Arc::new(Semaphore::new(max_connections));
    let builders = Arc::new(Builders::new(&limits));
    let (stop, stopped) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors or similar: back off instead of spinning.
                        event("warn", "accept failed", json!({"error": e.to_string()}));
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
                    // Over the cap: closed at once, so the client fails fast instead of hanging.
                    refused(&state, Refusal::Connections, "connection limit reached, closing new connections");
                    drop(stream);
                    continue;
                };
                tokio::spawn(connection(
                    Arc::clone(&state),
                    acceptor.clone(),
                    Arc::clone(&builders),
                    stream,
                    peer,
                    permit,
                    stopped.clone(),
                ));
            }
            () = &mut shutdown => break,
        }
    }
    state.ready.store(false, Ordering::SeqCst);
    event("info", "shutting down", json!({"graceSeconds": options.shutdown_grace.as_secs()}));
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a permit until it is closed.
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    tokio::select! {
        _ = connections.acquire_many(all) => event("info", "all connections closed", json!({})),
        () = tokio::time::sleep(options.shutdown_grace) => event("warn", "grace period over, closing remaining connections", json!({})),
    }
    Ok(())
}

/// The HTTP builders, by the protocol ALPN chose (none chosen: detected from the first bytes).
struct Builders {
    h1: auto::Builder<TokioExecutor>,
    h2: auto::Builder<TokioExecutor>,
    any: auto::Builder<TokioExecutor>,
}

/// Largest HTTP/1 read buffer, and so the largest request head.
const MAX_HTTP1_BUFFER: usize = 64 * 1024;
/// Largest HTTP/2 header list of one request.
const MAX_HEADER_LIST: u32 = 64 * 1024;
/// HTTP/2 flow-control windows: what a client may send before the server reads it, per
/// stream and per connection, so unread data stays small whatever the number of connections.
const STREAM_WINDOW: u32 = 64 * 1024;
const CONNECTION_WINDOW: u32 = 128 * 1024;

impl Builders {
    fn new(limits: &Limits) -> Self {
        let mut any = auto::Builder::new(TokioExecutor::new());
        any.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).max_buf_size(MAX_HTTP1_BUFFER);
        any.http2()
            .timer(TokioTimer::new())
            .max_concurrent_streams(limits.max_streams.max(1))
            .max_header_list_size(MAX_HEADER_LIST)
            .initial_stream_window_size(STREAM_WINDOW)
            .initial_connection_window_size(CONNECTION_WINDOW)
            // Pings find peers that vanished without closing; resets bound rapid-reset floods.
            .keep_alive_interval(Some(Duration::from_secs(30)))
            .keep_alive_timeout(Duration::from_secs(10))
            .max_pending_accept_reset_streams(Some(64))
            .max_local_error_reset_streams(Some(256));
        Self { h1: any.clone().http1_only(), h2: any.clone().http2_only(), any }
    }
}

/// What a connection is doing, for closing idle ones.
struct Activity {
    opened: Instant,
    in_flight: AtomicUsize,
    requests: AtomicU64,
    /// Milliseconds since `opened` when the last request ended.
    last_end: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            last_end: AtomicU64::new(0),
        }
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }

    fn millis(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Why the connection should be closed now, if it should.
    fn stale(&self, limits: &Limits) -> Option<Refusal> {
        if self.requests.load(Ordering::Relaxed) == 0 {
            // Not one complete request head since the handshake.
            return (self.opened.elapsed() >= limits.header_timeout).then_some(Refusal::HeaderTimeout);
        }
        let idle = self.in_flight.load(Ordering::SeqCst) == 0
            && self.millis().saturating_sub(self.last_end.load(Ordering::Relaxed))
                >= u64::try_from(limits.idle_timeout.as_millis()).unwrap_or(u64::MAX);
        idle.then_some(Refusal::Idle)
    }
}

struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.last_end.store(self.0.millis(), Ordering::Relaxed);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How often a connection checks whether it is idle.
const IDLE_CHECK: Duration = Duration::from_millis(500);

/// One connection: TLS handshake within its timeout, then HTTP until the client closes, the
/// connection stays idle too long, or the server shuts down (GOAWAY, then closed once the
/// requests in flight are answered, or after a grace period).
async fn connection(
    state: Arc<State>,
    acceptor: TlsAcceptor,
    builders: Arc<Builders>,
    stream: TcpStream,
    peer: SocketAddr,
    permit: OwnedSemaphorePermit,
    mut stopped: watch::Receiver<bool>,
) {
    let _permit = permit;
    let _open = state.metrics.connection();
    let _ = stream.set_nodelay(true);
    let limits = &state.options.limits;
    let tls = match tokio::time::timeout(limits.handshake_timeout, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            event("debug", "tls handshake failed", json!({"peer": peer.to_string(), "error": e.to_string()}));
            return;
        }
        Err(_) => {
            state.metrics.refused(Refusal::HandshakeTimeout);
            return;
        }
    };
    let builder = match tls.get_ref().1.alpn_protocol() {
        Some(b"h2") => &builders.h2,
        Some(b"http/1.1") => &builders.h1,
        _ => &builders.any,
    };
    let activity = Arc::new(Activity::new());
    let service = {
        let state = Arc::clone(&state);
        let activity = Arc::clone(&activity);
        hyper::service::service_fn(move |request| {
            let in_flight = activity.begin();
            let state = Arc::clone(&state);
            async move {
                let response = handle(state, request).await;
                drop(in_flight);
                response
            }
        })
    };
    let connection = builder.serve_connection(TokioIo::new(tls), service);
    let mut connection = std::pin::pin!(connection);
    let mut tick = tokio::time::interval(IDLE_CHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Once closing: the instant after which the connection is dropped even with requests left.
    let mut close_by: Option<Instant> = None;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result
                    && e.downcast_ref::<hyper::Error>().is_some_and(hyper::Error::is_timeout)
                {
                    state.metrics.refused(Refusal::HeaderTimeout);
                }
                break;
            }
            _ = stopped.changed(), if close_by.is_none() => {
                connection.as_mut().graceful_shutdown();
                close_by = Some(Instant::now() + state.options.shutdown_grace);
            }
            _ = tick.tick() => match close_by {
                Some(by) if Instant::now() >= by => break,
                Some(_) => {}
                None => if let Some(reason) = activity.stale(limits) {
                    state.metrics.refused(reason);
                    if reason == Refusal::HeaderTimeout {
                        // Nothing was asked: nothing to finish.
                        break;
                    }
                    connection.as_mut().graceful_shutdown();
                    close_by = Some(Instant::now() + state.options.timeout + Duration::from_secs(1));
                }
            },
        }
    }
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
            let loaded = tokio::task::spawn_blocking(move || {
                let policies = load_files(&files)?;
                let digest = vigil_policy::record::set_digest_of(&files)?;
                Ok::<_, vigil_policy::PolicyError>((policies, digest))
            });
            match loaded.await {
                Ok(Ok((policies, digest))) => {
                    let names: Vec<String> = policies.iter().map(|p| p.name.clone()).collect();
                    if let Some(log) = &state.log {
                        log.record_later(reload_draft(&policy_files, Ok((&policies, &digest))));
                    }
                    *state.policies.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(policies);
                    *state.policy_digest.write().unwrap_or_else(std::sync::PoisonError::into_inner) =
                        Arc::from(digest.as_str());
                    state.metrics.reload(true);
                    event("info", "policies reloaded", json!({"policies": names}));
                }
                Ok(Err(e)) => {
                    state.metrics.reload(false);
                    if let Some(log) = &state.log {
                        log.record_later(reload_draft(&policy_files, Err(&e.to_string())));
                    }
                    event(
                        "error",
                        "policy reload refused, keeping the previous policies",
                        json!({"error": e.to_string()}),
                    );
                }
                Err(e) => event("error", "policy reload failed", json!({"error": e.to_string()})),
            }
        }
        // An unhealthy log is probed, so that readiness comes back without traffic.
        if let Some(log) = &state.log
            && log.health().is_err()
        {
            drop(log.writer.probe());
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
            let log = state.log.as_ref().map_or(Ok(()), DecisionLog::health);
            match (state.ready.load(Ordering::SeqCst), log) {
                (true, Ok(())) => respond(StatusCode::OK, "text/plain", "ready\n"),
                (true, Err(why)) => {
                    respond(StatusCode::SERVICE_UNAVAILABLE, "text/plain", format!("not ready: {why}\n"))
                }
                (false, _) => respond(StatusCode::SERVICE_UNAVAILABLE, "text/plain", "not ready\n"),
            }
        }
        (&Method::GET, "/metrics") => {
            let policies = state.policies.read().unwrap_or_else(std::sync::PoisonError::into_inner).len();
            let mut text = state.metrics.render(&state.verifier.stats, state.verifier.cached_entries(), policies);
            if let Some(log) = &state.log {
                text.push_str(&log.metrics());
            }
            if let Some(audit) = &state.audit {
                text.push_str(&audit.metrics());
            }
            respond(StatusCode::OK, "text/plain; version=0.0.4", text)
        }
        (&Method::POST, "/audit") if state.audit.is_some() => audit_request(&state, request).await,
        (&Method::GET | &Method::HEAD, p)
            if (p == "/checkpoint" || p.starts_with("/tile/") || p.starts_with("/log/"))
                && state.log.as_ref().is_some_and(|l| l.tiles.is_some()) =>
        {
            let head = request.method() == Method::HEAD;
            let tiles = state.log.as_ref().and_then(|l| l.tiles.clone());
            let owned = p.to_owned();
            let answer = tokio::task::spawn_blocking(move || tiles.map(|t| t.respond(&owned))).await.ok().flatten();
            match answer {
                Some(answer) => vigil_log::http::to_response(answer, head),
                None => respond(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", "internal error\n"),
            }
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

/// `POST /audit`: authenticated by the audit token, bounded like a review, evaluated off the
/// async threads.
async fn audit_request(state: &Arc<State>, request: hyper::Request<Incoming>) -> HttpResponse {
    let Some(audit) = &state.audit else {
        return respond(StatusCode::NOT_FOUND, "application/json", r#"{"error":"not found"}"#);
    };
    let authorization = request.headers().get(hyper::header::AUTHORIZATION).map(|v| v.as_bytes().to_vec());
    if !audit.authorized(authorization.as_deref()) {
        let mut response = respond(
            StatusCode::UNAUTHORIZED,
            "application/json",
            r#"{"error":"an audit sender must present the audit bearer token"}"#,
        );
        response
            .headers_mut()
            .insert(hyper::header::WWW_AUTHENTICATE, hyper::header::HeaderValue::from_static("Bearer"));
        return response;
    }
    let Ok(_slot) = Arc::clone(&state.reviews).try_acquire_owned() else {
        return refuse(state, Refusal::Reviews, "too many requests in flight, retry");
    };
    let mut charge = Charge::new(state);
    let until = Instant::now() + state.options.limits.body_timeout;
    let body = match read_body(state, request.into_body(), until, &mut charge).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let worker = Arc::clone(state);
    let outcome = tokio::task::spawn_blocking(move || {
        let Some(audit) = &worker.audit else { return Err("no audit sink".to_owned()) };
        audit.ingest(&body)
    })
    .await;
    drop(charge);
    match outcome {
        Ok(Ok(outcome)) => {
            if let Some(log) = &state.log {
                for (located, event) in &outcome.alerts {
                    log.record_later(vigil_audit::report::draft(located, event));
                }
            }
            respond(
                StatusCode::OK,
                "application/json",
                json!({"events": outcome.events, "alerts": outcome.alerts.len()}).to_string(),
            )
        }
        Ok(Err(message)) => bad_request(state, &message),
        Err(e) => {
            respond(StatusCode::INTERNAL_SERVER_ERROR, "application/json", json!({"error": e.to_string()}).to_string())
        }
    }
}

fn bad_request(state: &State, message: &str) -> HttpResponse {
    state.metrics.bad_request();
    event("warn", "bad request", json!({"error": message}));
    respond(StatusCode::BAD_REQUEST, "application/json", json!({"error": message}).to_string())
}

/// Counts a refusal and logs it, at most once a second (a flood must not flood the log).
fn refused(state: &State, reason: Refusal, message: &str) {
    state.metrics.refused(reason);
    let now = state.started.elapsed().as_secs();
    if state.refusal_logged.swap(now, Ordering::Relaxed) != now {
        event("warn", "refused", json!({"reason": reason.label(), "error": message}));
    }
}

/// A review refused before it was decided: 429 (busy, retry), 413 (too large) or 408 (body
/// too slow). The API server applies the webhook's `failurePolicy` to any of them.
fn refuse(state: &State, reason: Refusal, message: &str) -> HttpResponse {
    refused(state, reason, message);
    let status = match reason {
        Refusal::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Refusal::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
        _ => StatusCode::TOO_MANY_REQUESTS,
    };
    let mut response = respond(status, "application/json", json!({"error": message}).to_string());
    if status == StatusCode::TOO_MANY_REQUESTS {
        response.headers_mut().insert(hyper::header::RETRY_AFTER, hyper::header::HeaderValue::from_static("1"));
    }
    response
}

/// Review memory held by one request until it is answered.
struct Charge {
    memory: Arc<Semaphore>,
    capacity: usize,
    held: Option<OwnedSemaphorePermit>,
    total: usize,
}

impl Charge {
    fn new(state: &State) -> Self {
        Self { memory: Arc::clone(&state.memory), capacity: state.options.limits.review_memory, held: None, total: 0 }
    }

    /// Takes `bytes` more of the review memory: [`Refusal::Memory`] when too little is free
    /// now, [`Refusal::BodyTooLarge`] when the review would need more than all of it.
    fn add(&mut self, bytes: usize) -> Result<(), Refusal> {
        if bytes == 0 {
            return Ok(());
        }
        let total = self.total.saturating_add(bytes);
        let (Ok(n), true) = (u32::try_from(bytes), total <= self.capacity) else {
            return Err(Refusal::BodyTooLarge);
        };
        let permit = Arc::clone(&self.memory).try_acquire_many_owned(n).map_err(|_| Refusal::Memory)?;
        self.total = total;
        match &mut self.held {
            Some(held) => held.merge(permit),
            None => self.held = Some(permit),
        }
        Ok(())
    }
}

/// Reads a request body within the limits: at most `max_body_bytes`, charged to the review
/// memory as it arrives, complete by `until`.
async fn read_body(
    state: &State,
    mut body: Incoming,
    until: Instant,
    charge: &mut Charge,
) -> Result<Vec<u8>, HttpResponse> {
    let limit = state.options.limits.max_body_bytes;
    let too_large = |state: &State| {
        refuse(state, Refusal::BodyTooLarge, &format!("request body is larger than the limit of {limit} bytes"))
    };
    let announced = usize::try_from(body.size_hint().lower()).unwrap_or(usize::MAX);
    if announced > limit {
        return Err(too_large(state));
    }
    // The announced length is reserved at once, so a review that cannot fit fails before
    // anything is read; capacity grown beyond it is charged as it grows.
    let mut buffer = Vec::new();
    let reserve = |buffer: &mut Vec<u8>, charge: &mut Charge, more: usize| {
        let before = buffer.capacity();
        buffer.reserve(more);
        charge.add(buffer.capacity().saturating_sub(before))
    };
    if let Err(reason) = reserve(&mut buffer, charge, announced) {
        return Err(memory_refusal(state, reason, limit));
    }
    let read = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| bad_request(state, &format!("cannot read the request body: {e}")))?;
            let Ok(data) = frame.into_data() else { continue };
            if buffer.len().saturating_add(data.len()) > limit {
                return Err(too_large(state));
            }
            if buffer.capacity() - buffer.len() < data.len() {
                reserve(&mut buffer, charge, data.len()).map_err(|reason| memory_refusal(state, reason, limit))?;
            }
            buffer.extend_from_slice(&data);
        }
        Ok(())
    };
    match tokio::time::timeout_at(until.into(), read).await {
        Ok(Ok(())) => Ok(buffer),
        Ok(Err(response)) => Err(response),
        Err(_) => Err(refuse(
            state,
            Refusal::BodyTimeout,
            &format!("the request body did not arrive within {} ms", state.options.limits.body_timeout.as_millis()),
        )),
    }
}

fn memory_refusal(state: &State, reason: Refusal, limit: usize) -> HttpResponse {
    match reason {
        Refusal::Memory => refuse(
            state,
            Refusal::Memory,
            "too many reviews are being read and decided at once (review memory exhausted), retry",
        ),
        _ => refuse(
            state,
            Refusal::BodyTooLarge,
            &format!("request body is larger than the limit of {limit} bytes or than the review memory"),
        ),
    }
}

async fn review_request(state: &Arc<State>, request: hyper::Request<Incoming>, validate: bool) -> HttpResponse {
    let started = Instant::now();
    // One deadline for the whole review: body, registry checks and answer.
    let deadline = started + state.options.timeout;
    state.metrics.request(validate);
    let Ok(slot) = Arc::clone(&state.reviews).try_acquire_owned() else {
        return refuse(
            state,
            Refusal::Reviews,
            &format!("too many reviews in flight (limit {}), retry", state.options.limits.max_reviews),
        );
    };
    let mut charge = Charge::new(state);
    let until = deadline.min(started + state.options.limits.body_timeout);
    let body = match read_body(state, request.into_body(), until, &mut charge).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    // The parsed review and its tree copy the strings (twice the body at most) and cost memory
    // per JSON value, far more than the bytes for shapes like `[0,0,0,…]`: charged before parsing.
    let values = json_values(&body);
    if let Err(reason) = charge.add(body.len().saturating_mul(2).saturating_add(values.saturating_mul(BYTES_PER_VALUE)))
    {
        let message = match reason {
            Refusal::Memory => {
                "too many reviews are being read and decided at once (review memory exhausted), retry".to_string()
            }
            _ => format!(
                "request body holds {values} JSON values, more than the review memory of {} bytes allows",
                state.options.limits.review_memory
            ),
        };
        return refuse(state, reason, &message);
    }
    let parsed = review::parse(&body);
    drop(body);
    let mut review = match parsed {
        Ok(review) => review,
        Err(e) => return bad_request(state, &e.to_string()),
    };
    let uid = review.uid.clone();
    // Only writes of the object itself (and of ephemeral containers, which add images) are judged;
    // status and other subresource updates of a running Pod must never be blocked by policy.
    let subresource_ok = review.sub_resource.as_deref().is_none_or(|s| s.is_empty() || s == "ephemeralcontainers");
    let judged = matches!(review.operation.as_str(), "CREATE" | "UPDATE") && review.object.is_some() && subresource_ok;
    let response = if judged {
        let (mut decision, judged) = match decide(state, &mut review, deadline).await {
            Ok(decided) => decided,
            Err(response) => return response,
        };
        // Recorded before the answer: an answered decision is a logged one. When the log
        // cannot take it by the deadline, the failure mode decides (closed: an allow becomes a
        // deny; open: it stays, with a warning). The wait holds no review slot or review
        // memory (the decision is made; what is left is a small entry in the log's bounded
        // queue), so a slow commit does not make the server refuse other reviews.
        if let (Some(log), Some(judged)) = (&state.log, &judged) {
            drop(std::mem::replace(&mut charge, Charge::new(state)));
            drop(slot);
            let digest = Arc::clone(&state.policy_digest.read().unwrap_or_else(std::sync::PoisonError::into_inner));
            let facts = ReviewFacts {
                review: &review,
                validate,
                kind: &judged.kind,
                namespace: &judged.namespace,
                name: &judged.name,
                images: &judged.images,
                failure_mode: if state.options.failure_mode == FailureMode::Open { "open" } else { "closed" },
            };
            let draft = admission_draft(&facts, &decision, &judged.policies, &digest);
            let logged_by = deadline.checked_sub(ANSWER_MARGIN.min(state.options.timeout / 10)).unwrap_or(deadline);
            let recorded = log.record(draft, logged_by).await;
            if recorded.is_ok()
                && decision.allowed
                && let Some(audit) = &state.audit
            {
                audit.admitted(&judged.images, &decision);
            }
            if let Err(e) = recorded {
                event("error", "decision not recorded", json!({"uid": uid, "error": e.to_string()}));
                if validate && decision.allowed {
                    let mut failed = undecided(format!("the decision could not be recorded: {e}"));
                    failed.settle(state.options.failure_mode);
                    decision.allowed = failed.allowed;
                    decision.errors.extend(failed.errors);
                }
                // What was answered instead, for when the log is back (an entry whose receipt
                // was abandoned is not committed, unless its transaction had already begun).
                log.record_later(crate::decision_log::unrecorded_draft(&facts, &decision, &e.to_string()));
            }
        }
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
    drop(charge);
    state.metrics.latency(started.elapsed());
    respond(StatusCode::OK, "application/json", review::envelope(&response).to_string())
}

/// Decides a review: from the verification cache alone when every check is cached (no thread
/// hand-off, no registry), otherwise on a blocking thread with the registry, by `deadline`.
/// With every registry slot taken, the review is refused (HTTP 429) rather than queued.
async fn decide(
    state: &Arc<State>,
    review: &mut review::Request,
    deadline: Instant,
) -> Result<(Decision, Option<Judged>), HttpResponse> {
    let policies = Arc::clone(&state.policies.read().unwrap_or_else(std::sync::PoisonError::into_inner));
    let object = review.object.take().unwrap_or_default();
    let workload = vigil_policy::Workload::from_review(&object, review.namespace.as_deref());
    drop(object);
    let Some(workload) = workload else {
        return Ok((Decision { allowed: true, ..Decision::default() }, None));
    };
    let judged = Judged {
        kind: workload.kind.clone(),
        namespace: workload.namespace.clone(),
        name: workload.name.clone(),
        images: workload.images.clone(),
        policies: Arc::clone(&policies),
    };
    let (parsed, ns) = (workload.object, workload.namespace);
    let cache_only = CacheOnly::new(&state.verifier);
    let mut decision = evaluate(&policies, &Subject { object: &parsed, namespace: &ns }, &cache_only);
    if cache_only.missed() {
        let Ok(slot) = Arc::clone(&state.registry_slots).try_acquire_owned() else {
            return Err(refuse(
                state,
                Refusal::Registry,
                &format!(
                    "too many reviews waiting on registries (limit {}), retry",
                    state.options.limits.max_registry_reviews
                ),
            ));
        };
        let verifier = Arc::clone(&state.verifier);
        // The checks end a little before the review's deadline, so that their own answer (which
        // says which check ran out of time) is the one given.
        let checks_by = deadline.checked_sub(ANSWER_MARGIN.min(state.options.timeout / 10)).unwrap_or(deadline);
        let job = tokio::task::spawn_blocking(move || {
            // Held until the thread is done, deadline or not: the slots count busy threads.
            let _slot = slot;
            evaluate(&policies, &Subject { object: &parsed, namespace: &ns }, &verifier.until(checks_by))
        });
        decision = match tokio::time::timeout_at(deadline.into(), job).await {
            Ok(Ok(decision)) => decision,
            Ok(Err(e)) => undecided(format!("internal error: {e}")),
            Err(_) => {
                undecided(format!("no answer within the review's deadline of {} ms", state.options.timeout.as_millis()))
            }
        };
    }
    decision.settle(state.options.failure_mode);
    Ok((decision, Some(judged)))
}

/// What a decided workload was, for its log entry.
struct Judged {
    kind: String,
    namespace: String,
    name: String,
    images: Vec<vigil_policy::ContainerImage>,
    policies: Arc<Vec<Policy>>,
}

/// Time kept between the end of a review's registry checks and its deadline, for the answer.
const ANSWER_MARGIN: Duration = Duration::from_millis(100);

fn undecided(message: String) -> Decision {
    Decision {
        allowed: true,
        errors: vec![EvalError { policy: "*".into(), mode: Mode::Enforce, container: "*".into(), message }],
        ..Decision::default()
    }
}
