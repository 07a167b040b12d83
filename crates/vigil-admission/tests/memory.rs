//! Memory under attack: a real server in this test process (alone in its own binary, so the
//! process's peak RSS is the server's plus the attacking clients'), attacked with 64 clients
//! posting 9 MiB bodies (announced and streamed), 64 clients posting valid 3.4 MiB reviews,
//! hostile JSON shapes and 1,000 idle connections. The peak RSS after each attack is printed;
//! it must stay under the 256 MiB memory limit of the generated Deployment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::body::{Bytes, Frame};
use support::{Server, block_on, peak_rss_kib, policy};
use vigil_admission::Limits;

/// The `resources.limits.memory` of `vigil webhook manifests`.
const DEPLOYMENT_LIMIT_KIB: u64 = 256 * 1024;

/// A body sent in 64 KiB frames with no announced length (HTTP/2 without `content-length`).
struct Streamed(Bytes);

impl hyper::body::Body for Streamed {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.0.is_empty() {
            return std::task::Poll::Ready(None);
        }
        let n = self.0.len().min(64 * 1024);
        let chunk = self.0.split_to(n);
        std::task::Poll::Ready(Some(Ok(Frame::data(chunk))))
    }
}

async fn post_streamed(server: &Server, body: Bytes) -> u16 {
    let Ok(tls) = server.tls(Some(b"h2")).await else { return 0 };
    let Ok((mut sender, connection)) =
        hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), hyper_util::rt::TokioIo::new(tls))
            .await
    else {
        return 0;
    };
    tokio::spawn(connection);
    let request = hyper::Request::post(format!("https://127.0.0.1:{}/validate", server.addr.port()))
        .body(Streamed(body))
        .unwrap();
    match sender.send_request(request).await {
        Ok(response) => response.status().as_u16(),
        Err(_) => 0,
    }
}

/// Runs `count` clients at once; returns how many got each status (0: connection error).
async fn flood<F, Fut>(count: usize, client: F) -> std::collections::BTreeMap<u16, usize>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = u16> + Send + 'static,
{
    let jobs: Vec<_> = (0..count).map(|i| tokio::spawn(client(i))).collect();
    let mut statuses = std::collections::BTreeMap::new();
    for job in jobs {
        *statuses.entry(job.await.unwrap()).or_insert(0) += 1;
    }
    statuses
}

fn report(what: &str, started: Instant, statuses: &std::collections::BTreeMap<u16, usize>) -> u64 {
    let peak = peak_rss_kib();
    eprintln!("{what}: {statuses:?} in {:?}; peak RSS of the process {} MiB", started.elapsed(), peak / 1024);
    peak
}

#[test]
fn memory_stays_under_the_deployment_limit_under_attack() {
    let server = Arc::new(Server::start(Limits::default(), Duration::from_secs(9), &policy(&[])));
    block_on(async {
        eprintln!("idle server: peak RSS {} MiB", peak_rss_kib() / 1024);
        let nine = Bytes::from(vec![b' '; 9 * 1024 * 1024]);

        // 64 clients, 9 MiB announced (HTTP/1.1, content-length): refused before reading.
        let started = Instant::now();
        let statuses = flood(64, |_| {
            let (server, body) = (Arc::clone(&server), nine.clone());
            async move { server.request("POST", "/validate", Some(body), false).await.map_or(0, |(s, _)| s) }
        })
        .await;
        report("64 x 9 MiB announced", started, &statuses);
        // 413 at once; a client still writing its body may see the connection closed first (0).
        assert!(statuses.contains_key(&413) && statuses.keys().all(|s| [0, 413].contains(s)), "{statuses:?}");

        // 64 clients, 9 MiB streamed without a length (HTTP/2): each read up to the limit,
        // charged to the review memory; over it, refused.
        let started = Instant::now();
        let statuses = flood(64, |_| {
            let (server, body) = (Arc::clone(&server), nine.clone());
            async move { post_streamed(&server, body).await }
        })
        .await;
        let streamed = report("64 x 9 MiB streamed", started, &statuses);
        assert!(statuses.keys().all(|s| [413, 429].contains(s)), "{statuses:?}");

        // 64 clients, valid 3.4 MiB reviews (one large annotation): decided or refused 429.
        let mut big = serde_json::from_slice::<serde_json::Value>(&support::review("big", "nginx:1.27")).unwrap();
        big["request"]["object"]["metadata"]["annotations"] = serde_json::json!({"note": "x".repeat(3_400_000)});
        let big = Bytes::from(serde_json::to_vec(&big).unwrap());
        let started = Instant::now();
        let statuses = flood(64, |i| {
            let (server, body) = (Arc::clone(&server), big.clone());
            async move { server.request("POST", "/validate", Some(body), i % 2 == 0).await.map_or(0, |(s, _)| s) }
        })
        .await;
        let valid = report("64 x 3.4 MiB valid reviews", started, &statuses);
        assert!(statuses.get(&200).is_some_and(|n| *n >= 1), "{statuses:?}");
        // A client still writing its body may see the connection closed after a 429 (0).
        assert!(statuses.keys().all(|s| [0, 200, 429].contains(s)), "{statuses:?}");

        // 64 clients, 1.6 MB of `{},` each: many JSON values in few bytes.
        let mut values = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"v","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx","args":["#.to_vec();
        values.extend(b"{},".repeat(160_000));
        values.extend(br#"{}]}]}}}}"#);
        let values = Bytes::from(values);
        let started = Instant::now();
        let statuses = flood(64, |i| {
            let (server, body) = (Arc::clone(&server), values.clone());
            async move { server.request("POST", "/validate", Some(body), i % 2 == 0).await.map_or(0, |(s, _)| s) }
        })
        .await;
        let shapes = report("64 x 160,000 `{}` values", started, &statuses);
        assert!(statuses.keys().all(|s| [0, 200, 429].contains(s)), "{statuses:?}");

        // 1,000 idle TLS connections.
        let started = Instant::now();
        let mut idle = Vec::new();
        for i in 0..1000 {
            idle.push(server.tls(Some(if i % 2 == 0 { b"h2" } else { b"http/1.1" })).await.unwrap());
        }
        let connections = peak_rss_kib();
        eprintln!("1000 idle TLS connections opened in {:?}; peak RSS {} MiB", started.elapsed(), connections / 1024);
        server.assert_answers("the memory attacks").await;
        drop(idle);
        for peak in [streamed, valid, shapes, connections] {
            assert!(peak < DEPLOYMENT_LIMIT_KIB, "peak RSS {} MiB", peak / 1024);
        }
    });
}
