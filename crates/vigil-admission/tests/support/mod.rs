//! A real `vigil serve` (the library's `run`) on 127.0.0.1 with a generated CA, and pure-Rust
//! HTTPS clients (hyper over tokio-rustls, hand-written HTTP/2 frames for floods), shared by
//! the resilience and memory tests. Nothing external is needed.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use vigil_admission::{Limits, ServeOptions};
use vigil_oci::RegistryOptions;
use vigil_policy::{CacheOptions, FailureMode};

/// A compliant Pod under Pod Security `baseline`, with `image`.
pub fn review(uid: &str, image: &str) -> Vec<u8> {
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"containers": [{"name": "app", "image": image}]}});
    serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": "shop", "name": "web",
        "operation": "CREATE", "object": pod}}))
    .unwrap()
}

/// A running server; stopped (gracefully) when dropped.
pub struct Server {
    pub addr: SocketAddr,
    pub timeout: Duration,
    connector: TlsConnector,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Policy: Pod Security `baseline` everywhere, and each of `registries` (`127.0.0.1:PORT`)
/// resolved for `mutateToDigest`, so its reviews need that registry.
pub fn policy(registries: &[String]) -> String {
    let mut text = String::from(
        "apiVersion: vigil.dev/v1alpha1\nkind: Policy\nmetadata: {name: resilience}\nspec:\n  mode: enforce\n  podSecurity: {level: baseline}\n",
    );
    if !registries.is_empty() {
        text.push_str("  images:\n");
        for registry in registries {
            text.push_str(&format!("    - match: [\"{registry}/**\"]\n      mutateToDigest: true\n"));
        }
    }
    text
}

impl Server {
    /// Starts a server with `limits`, review deadline `timeout` and `policy`, and waits until
    /// `/healthz` answers.
    pub fn start(limits: Limits, timeout: Duration, policy: &str) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let certs = vigil_admission::certs::generate(
            "vigil",
            "vigil-system",
            &["127.0.0.1".to_string()],
            Duration::from_secs(86_400),
        )
        .unwrap();
        let write = |name: &str, text: &str| -> PathBuf {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let options = ServeOptions {
            listen: free_addr(),
            tls_cert: write("tls.crt", &certs.cert_pem),
            tls_key: write("tls.key", &certs.key_pem),
            policy_files: vec![write("policy.yaml", policy)],
            registry: RegistryOptions { plain_http: true, ..RegistryOptions::default() },
            cache: CacheOptions::default(),
            failure_mode: FailureMode::Closed,
            timeout,
            reload_interval: Duration::from_secs(3600),
            shutdown_grace: Duration::from_secs(2),
            limits,
            log: None,
            audit: None,
        };
        let addr = options.listen;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .max_blocking_threads(options.limits.max_registry_reviews + 8)
                .enable_all()
                .build()
                .unwrap();
            runtime
                .block_on(vigil_admission::run(options, async {
                    let _ = stopped.await;
                }))
                .unwrap();
        });
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from_pem_slice(certs.ca_pem.as_bytes()).unwrap()).unwrap();
        let config =
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
        let server = Server {
            addr,
            timeout,
            connector: TlsConnector::from(Arc::new(config)),
            stop: Some(stop),
            thread: Some(thread),
            _dir: dir,
        };
        let started = Instant::now();
        loop {
            let ready = block_on(async { server.get("/healthz").await.map(|(status, _)| status == 200) });
            if ready.unwrap_or(false) {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "the server did not start on {addr}");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// A TLS connection offering `alpn` (none: no ALPN).
    pub async fn tls(&self, alpn: Option<&[u8]>) -> std::io::Result<TlsStream<TcpStream>> {
        let tcp = TcpStream::connect(self.addr).await?;
        let connector = match alpn {
            Some(protocol) => {
                let mut config = (**self.connector.config()).clone();
                config.alpn_protocols = vec![protocol.to_vec()];
                TlsConnector::from(Arc::new(config))
            }
            None => self.connector.clone(),
        };
        connector.connect(ServerName::try_from("127.0.0.1").unwrap(), tcp).await
    }

    /// `(status, body)` of one request on a new HTTP/1.1 or HTTP/2 connection.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<Bytes>,
        http2: bool,
    ) -> Result<(u16, Vec<u8>), String> {
        let tls = self.tls(Some(if http2 { b"h2" } else { b"http/1.1" })).await.map_err(|e| e.to_string())?;
        let io = hyper_util::rt::TokioIo::new(tls);
        let request = hyper::Request::builder()
            .method(method)
            .uri(format!("https://127.0.0.1:{}{path}", self.addr.port()))
            .header("content-type", "application/json")
            .body(Full::new(body.unwrap_or_default()))
            .unwrap();
        let response = if http2 {
            let (mut sender, connection) =
                hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
                    .await
                    .map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            sender.send_request(request).await.map_err(|e| e.to_string())?
        } else {
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(io).await.map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            sender.send_request(request).await.map_err(|e| e.to_string())?
        };
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes().to_vec();
        Ok((status, body))
    }

    pub async fn get(&self, path: &str) -> Result<(u16, Vec<u8>), String> {
        self.request("GET", path, None, false).await
    }

    /// The value of one `/metrics` sample, such as `vigil_admission_refused_total{reason="idle"}`.
    pub async fn metric(&self, sample: &str) -> u64 {
        let (_, body) = self.get("/metrics").await.unwrap();
        let text = String::from_utf8(body).unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(sample).and_then(|rest| rest.trim().parse().ok()))
            .unwrap_or_else(|| panic!("no sample {sample} in\n{text}"))
    }

    /// Posts a review, returning the HTTP status, the AdmissionReview response (when 200) and
    /// the time taken.
    pub async fn review(&self, body: Vec<u8>, http2: bool) -> (u16, Value, Duration) {
        let started = Instant::now();
        let (status, body) = self.request("POST", "/validate", Some(Bytes::from(body)), http2).await.unwrap();
        let value = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
        (status, value, started.elapsed())
    }

    /// A normal review still gets its answer after an attack, within the review timeout.
    pub async fn assert_answers(&self, after: &str) {
        for http2 in [false, true] {
            let (status, value, took) = self.review(review("normal", "nginx:1.27"), http2).await;
            eprintln!("after {after}: a normal review (http2 {http2}) answered in {took:?}");
            assert_eq!(status, 200, "after {after}: {value}");
            assert_eq!(value["response"]["allowed"], true, "after {after}: {value}");
            assert!(took < self.timeout, "after {after}: answered after {took:?}");
        }
    }
}

/// A free port on 127.0.0.1.
pub fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// Runs `future` on a fresh multi-threaded runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap().block_on(future)
}

/// Reads until the peer closes the connection (`Ok(bytes read)`), or fails after `within`.
pub async fn closed_within<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
    within: Duration,
) -> Result<Vec<u8>, String> {
    let mut seen = Vec::new();
    let read = async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buffer[..n]),
            }
        }
    };
    match tokio::time::timeout(within, read).await {
        Ok(()) => Ok(seen),
        Err(_) => Err(format!("still open after {within:?} (read {} bytes)", seen.len())),
    }
}

/// HTTP/2 by hand, for clients that do not play by the rules.
pub mod h2 {
    use super::*;

    pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    pub const HEADERS: u8 = 0x1;
    pub const RST_STREAM: u8 = 0x3;
    pub const SETTINGS: u8 = 0x4;
    pub const GOAWAY: u8 = 0x7;
    pub const END_STREAM: u8 = 0x1;
    pub const END_HEADERS: u8 = 0x4;

    pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = u32::try_from(payload.len()).unwrap();
        let mut out = len.to_be_bytes()[1..].to_vec();
        out.extend([kind, flags]);
        out.extend(stream.to_be_bytes());
        out.extend(payload);
        out
    }

    /// HPACK (RFC 7541) for `POST /validate` on `127.0.0.1`: static-table `:method POST`
    /// and `:scheme https`, then `:path` and `:authority` as literals without indexing.
    pub fn post_validate() -> Vec<u8> {
        let mut block = vec![0x83, 0x87, 0x04, 9];
        block.extend(b"/validate");
        block.extend([0x01, 9]);
        block.extend(b"127.0.0.1");
        block
    }

    /// One frame: `(type, flags, stream, payload)`.
    pub async fn read_frame<S: tokio::io::AsyncRead + Unpin>(
        stream: &mut S,
    ) -> std::io::Result<(u8, u8, u32, Vec<u8>)> {
        let mut head = [0u8; 9];
        stream.read_exact(&mut head).await?;
        let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
        let id = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
        let mut payload = vec![0u8; len];
        stream.read_exact(&mut payload).await?;
        Ok((head[3], head[4], id, payload))
    }

    /// Opens an HTTP/2 connection as a client: preface, empty SETTINGS, then the server's
    /// SETTINGS acknowledged. Returns the stream and the server's `MAX_CONCURRENT_STREAMS`.
    pub async fn open(server: &Server) -> (TlsStream<TcpStream>, Option<u32>) {
        let mut tls = server.tls(Some(b"h2")).await.unwrap();
        tls.write_all(PREFACE).await.unwrap();
        tls.write_all(&frame(SETTINGS, 0, 0, &[])).await.unwrap();
        let (kind, _, _, payload) = read_frame(&mut tls).await.unwrap();
        assert_eq!(kind, SETTINGS, "the server speaks first with SETTINGS");
        let max_streams = payload
            .chunks_exact(6)
            .find(|s| u16::from_be_bytes([s[0], s[1]]) == 0x3)
            .map(|s| u32::from_be_bytes([s[2], s[3], s[4], s[5]]));
        tls.write_all(&frame(SETTINGS, 0x1, 0, &[])).await.unwrap();
        tls.flush().await.unwrap();
        (tls, max_streams)
    }
}

/// A request body that sends its first bytes and then never another (nor its end).
pub struct Stalled(pub Option<Bytes>);

impl hyper::body::Body for Stalled {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        match self.0.take() {
            Some(first) => std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(first)))),
            None => std::task::Poll::Pending,
        }
    }
}

/// Peak resident memory of this process (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// A registry that answers every manifest request with one small OCI manifest (HTTP/1.1,
/// one request per connection).
pub fn healthy_registry() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                use std::io::{Read, Write};
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).map(|n| n == 1).unwrap_or(false) {
                    head.push(byte[0]);
                }
                let text = String::from_utf8_lossy(&head);
                let manifest = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}"#;
                let (kind, body) = if text.contains("/manifests/") {
                    ("application/vnd.oci.image.manifest.v1+json", manifest)
                } else {
                    ("application/json", "{}")
                };
                let body = if text.starts_with("HEAD") { "" } else { body };
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    if text.starts_with("HEAD") { manifest.len() } else { body.len() }
                );
            });
        }
    });
    addr
}

/// A registry that accepts connections and never answers; connections are held open.
pub fn silent_registry() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    addr
}
