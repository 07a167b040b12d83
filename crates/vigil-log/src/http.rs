//! Serving the tiles over HTTP: [`Tiles`] answers requests from a small pool of read
//! connections (so `vigil serve` can mount it), [`serve`] is the read-only server of
//! `vigil log serve`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};

use crate::store::{self, Backend, StoreError, Target};
use crate::tiles::{self, TileResponse};

/// Read connections kept open.
const POOL: usize = 4;

/// A tile responder over one log store.
pub struct Tiles {
    target: Target,
    pool: Mutex<Vec<Box<dyn Backend>>>,
}

impl Tiles {
    /// Opens the store (it must exist).
    ///
    /// # Errors
    /// When it cannot be opened.
    pub fn open(target: &Target) -> Result<Tiles, StoreError> {
        let first = store::open_existing(target)?;
        Ok(Tiles { target: target.clone(), pool: Mutex::new(vec![first]) })
    }

    /// Answers `path` (`/checkpoint`, `/tile/…`; a leading `/log` is accepted too), blocking.
    #[must_use]
    pub fn respond(&self, path: &str) -> TileResponse {
        let path = path.strip_prefix("/log").filter(|p| p.starts_with('/')).unwrap_or(path);
        let backend = self.pool.lock().ok().and_then(|mut p| p.pop());
        let mut backend = match backend {
            Some(b) => b,
            None => match store::open_existing(&self.target) {
                Ok(b) => b,
                Err(e) => return unavailable(&e),
            },
        };
        let answer = match backend.reader() {
            Ok(mut reader) => tiles::respond(&mut *reader, path),
            Err(e) => Err(e),
        };
        match answer {
            Ok(response) => {
                if let Ok(mut pool) = self.pool.lock()
                    && pool.len() < POOL
                {
                    pool.push(backend);
                }
                response
            }
            // A failed connection is dropped, not returned to the pool.
            Err(e) => unavailable(&e),
        }
    }
}

impl Drop for Tiles {
    /// A PostgreSQL client may not be dropped on an async thread (it owns a runtime): the pool
    /// is dropped on a thread of its own.
    fn drop(&mut self) {
        let pool = std::mem::take(&mut *self.pool.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        if !pool.is_empty() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

fn unavailable(e: &StoreError) -> TileResponse {
    TileResponse {
        status: 503,
        content_type: "text/plain; charset=utf-8",
        cache_control: "no-store",
        body: format!("log store unavailable: {e}").into_bytes(),
    }
}

/// The hyper response for a tile answer.
#[must_use]
pub fn to_response(answer: TileResponse, head: bool) -> Response<Full<Bytes>> {
    let length = answer.body.len();
    let body = if head { Bytes::new() } else { Bytes::from(answer.body) };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static(answer.content_type));
    headers.insert(hyper::header::CACHE_CONTROL, hyper::header::HeaderValue::from_static(answer.cache_control));
    if head && let Ok(value) = hyper::header::HeaderValue::from_str(&length.to_string()) {
        headers.insert(hyper::header::CONTENT_LENGTH, value);
    }
    response
}

async fn handle(tiles: Arc<Tiles>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let head = request.method() == Method::HEAD;
    if request.method() != Method::GET && !head {
        let mut response = Response::new(Full::new(Bytes::from_static(b"read-only: GET or HEAD\n")));
        *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        return Ok(response);
    }
    let path = request.uri().path().to_owned();
    let answer = tokio::task::spawn_blocking(move || tiles.respond(&path)).await.unwrap_or_else(|_| TileResponse {
        status: 500,
        content_type: "text/plain; charset=utf-8",
        cache_control: "no-store",
        body: b"internal error\n".to_vec(),
    });
    Ok(to_response(answer, head))
}

/// Serves the tiles of `target` on `listen` until `shutdown` completes. Calls `ready` with
/// the bound address once listening.
///
/// # Errors
/// When the store cannot be opened or the address cannot be bound.
pub async fn serve(
    target: &Target,
    listen: SocketAddr,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), String> {
    // Opened off the async threads: the PostgreSQL client blocks (it runs its own runtime).
    let owned = target.clone();
    let tiles = tokio::task::spawn_blocking(move || Tiles::open(&owned))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{}: {e}", target.display()))?;
    let tiles = Arc::new(tiles);
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("binding {listen}: {e}"))?;
    ready(listener.local_addr().unwrap_or(listen));
    let connections = Arc::new(tokio::sync::Semaphore::new(1024));
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => return Ok(()),
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _)) = accepted else { continue };
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else { continue };
        let tiles = Arc::clone(&tiles);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| handle(Arc::clone(&tiles), request));
            let io = hyper_util::rt::TokioIo::new(stream);
            let builder = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            let _ =
                tokio::time::timeout(std::time::Duration::from_secs(300), builder.serve_connection(io, service)).await;
            drop(permit);
        });
    }
}
