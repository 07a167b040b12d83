//! Attacks on a real server over real HTTPS on 127.0.0.1: slow headers, slow bodies, idle
//! connections, connections over the cap, an HTTP/2 stream flood, reviews over the caps, and a
//! registry that accepts connections and never answers. After each, a normal review is still
//! answered (the time taken is printed; the only bound asserted is the review timeout).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use hyper::body::Bytes;
use support::{Server, block_on, closed_within, h2, healthy_registry, policy, review, silent_registry};
use tokio::io::AsyncWriteExt;
use vigil_admission::Limits;

const TIMEOUT: Duration = Duration::from_secs(3);
/// The review deadline of the registry tests: 50 reviews at once in a debug build on a busy
/// machine cost CPU (a registry client each) before the healthy one gets its turn.
const REGISTRY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the test waits for the server to cut a client off: far above the limits used.
const PATIENCE: Duration = Duration::from_secs(15);

fn short_timeouts() -> Limits {
    Limits {
        handshake_timeout: Duration::from_secs(1),
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        ..Limits::default()
    }
}

#[test]
fn slow_header_clients_are_cut_off() {
    let server = Server::start(short_timeouts(), TIMEOUT, &policy(&[]));
    block_on(async {
        let started = Instant::now();
        // HTTP/1.1: a request line and half a header, then nothing.
        let mut h1 = server.tls(Some(b"http/1.1")).await.unwrap();
        h1.write_all(b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le").await.unwrap();
        // No ALPN, fewer bytes than it takes to tell HTTP/1 from HTTP/2.
        let mut sniffed = server.tls(None).await.unwrap();
        sniffed.write_all(b"POST /vali").await.unwrap();
        // HTTP/2: a HEADERS frame without END_HEADERS, and the CONTINUATION never comes.
        let (mut h2c, _) = h2::open(&server).await;
        h2c.write_all(&h2::frame(h2::HEADERS, 0, 1, &h2::post_validate()[..4])).await.unwrap();
        // TCP only: not even a TLS ClientHello.
        let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        for (name, result) in [
            ("http/1.1", closed_within(&mut h1, PATIENCE).await),
            ("no ALPN", closed_within(&mut sniffed, PATIENCE).await),
            ("h2", closed_within(&mut h2c, PATIENCE).await.map(|_| Vec::new())),
            ("tcp", closed_within(&mut tcp, PATIENCE).await),
        ] {
            let seen = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            eprintln!("slow-header client ({name}) cut off after {:?}", started.elapsed());
            if name == "http/1.1" {
                // Nothing was answered: hyper closes a connection whose head did not arrive.
                assert!(seen.is_empty() || String::from_utf8_lossy(&seen).starts_with("HTTP/1.1 408"), "{seen:?}");
            }
        }
        assert!(server.metric("vigil_admission_refused_total{reason=\"header_timeout\"}").await >= 3);
        assert!(server.metric("vigil_admission_refused_total{reason=\"handshake_timeout\"}").await >= 1);
        server.assert_answers("slow-header clients").await;
    });
}

#[test]
fn slow_body_clients_are_cut_off_and_reviews_over_the_cap_are_refused() {
    let limits = Limits { max_reviews: 4, ..short_timeouts() };
    let server = Server::start(limits, TIMEOUT, &policy(&[]));
    block_on(async {
        // HTTP/1.1: the head announces 1,000 bytes, 10 arrive.
        let started = Instant::now();
        let mut h1 = server.tls(Some(b"http/1.1")).await.unwrap();
        h1.write_all(b"POST /validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"apiVersi")
            .await
            .unwrap();
        let seen = closed_within(&mut h1, PATIENCE).await.unwrap();
        let text = String::from_utf8_lossy(&seen);
        eprintln!(
            "slow-body client (http/1.1) cut off after {:?}: {}",
            started.elapsed(),
            text.lines().next().unwrap_or("")
        );
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        assert!(text.contains("did not arrive within"), "{text}");

        // HTTP/2: a stream whose body never ends (hyper's client, body from a channel).
        let started = Instant::now();
        let tls = server.tls(Some(b"h2")).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(tls),
        )
        .await
        .unwrap();
        tokio::spawn(connection);
        let body = support::Stalled(Some(Bytes::from_static(b"{\"apiVersion\"")));
        let request =
            hyper::Request::post(format!("https://127.0.0.1:{}/validate", server.addr.port())).body(body).unwrap();
        let response = tokio::time::timeout(PATIENCE, sender.send_request(request)).await.unwrap().unwrap();
        eprintln!("slow-body client (h2) answered {} after {:?}", response.status(), started.elapsed());
        assert_eq!(response.status(), 408);

        // Four slow bodies hold the four review slots: the fifth review is refused at once.
        let mut slow = Vec::new();
        for _ in 0..4 {
            let mut tls = server.tls(Some(b"http/1.1")).await.unwrap();
            tls.write_all(b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{").await.unwrap();
            slow.push(tls);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (status, value, took) = server.review(review("over", "nginx:1.27"), true).await;
        eprintln!("review over the cap of 4 answered {status} in {took:?}: {value}");
        assert_eq!(status, 429, "{value}");
        assert!(value["error"].as_str().unwrap().contains("too many reviews in flight"), "{value}");
        for mut tls in slow {
            closed_within(&mut tls, PATIENCE).await.unwrap();
        }
        assert!(server.metric("vigil_admission_refused_total{reason=\"body_timeout\"}").await >= 6);
        assert!(server.metric("vigil_admission_refused_total{reason=\"reviews\"}").await >= 1);
        server.assert_answers("slow-body clients").await;
    });
}

#[test]
fn a_thousand_idle_connections_do_not_prevent_a_review() {
    // Timeouts long enough that the idle connections are all still open during the review.
    let limits = Limits {
        header_timeout: Duration::from_secs(60),
        handshake_timeout: Duration::from_secs(60),
        ..Limits::default()
    };
    let server = Server::start(limits, TIMEOUT, &policy(&[]));
    block_on(async {
        let started = Instant::now();
        let mut idle = Vec::new();
        let mut tls = Vec::new();
        for i in 0..1000 {
            if i % 2 == 0 {
                idle.push(tokio::net::TcpStream::connect(server.addr).await.unwrap());
            } else {
                tls.push(server.tls(Some(if i % 4 == 1 { b"h2" } else { b"http/1.1" })).await.unwrap());
            }
        }
        eprintln!("1000 idle connections (500 TCP only, 500 after TLS) opened in {:?}", started.elapsed());
        let open = server.metric("vigil_admission_connections").await;
        assert!(open >= 1000, "{open} connections open");
        server.assert_answers("1000 idle connections").await;
        drop((idle, tls));
    });
}

#[test]
fn connections_over_the_cap_are_closed_and_idle_ones_reaped() {
    let limits = Limits { max_connections: 50, ..short_timeouts() };
    let server = Server::start(limits, TIMEOUT, &policy(&[]));
    block_on(async {
        let mut idle = Vec::new();
        for _ in 0..50 {
            idle.push(server.tls(Some(b"h2")).await.unwrap());
        }
        // Over the cap: closed at once, before any TLS.
        let started = Instant::now();
        let refused = server.tls(Some(b"h2")).await;
        eprintln!(
            "connection over the cap of 50: {:?} after {:?}",
            refused.as_ref().map(|_| "connected"),
            started.elapsed()
        );
        assert!(refused.is_err(), "a connection over the cap must be closed");
        // The idle ones send nothing: closed after the header timeout, and the server answers again.
        for tls in &mut idle {
            closed_within(tls, PATIENCE).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        server.assert_answers("50 idle connections at the cap").await;
        assert!(server.metric("vigil_admission_refused_total{reason=\"connections\"}").await >= 1);
        assert!(server.metric("vigil_admission_refused_total{reason=\"header_timeout\"}").await >= 50);
    });
}

#[test]
fn a_stream_flood_on_one_http2_connection_is_bounded() {
    let limits = Limits { max_streams: 16, ..short_timeouts() };
    let server = Server::start(limits, TIMEOUT, &policy(&[]));
    block_on(async {
        let (mut flood, advertised) = h2::open(&server).await;
        assert_eq!(advertised, Some(16), "SETTINGS_MAX_CONCURRENT_STREAMS");
        // 1,000 requests at once, ignoring the limit, none with a body.
        let headers = h2::post_validate();
        let mut burst = Vec::new();
        for i in 0..1000u32 {
            burst.extend(h2::frame(h2::HEADERS, h2::END_HEADERS, 2 * i + 1, &headers));
        }
        let started = Instant::now();
        flood.write_all(&burst).await.unwrap();
        flood.flush().await.unwrap();
        // Meanwhile, on another connection, a normal review.
        server.assert_answers("a flood of 1,000 streams (in progress)").await;
        let (mut refused, mut answered, mut goaway) = (0, 0, false);
        let read = async {
            while let Ok((kind, _, _, payload)) = h2::read_frame(&mut flood).await {
                match kind {
                    h2::RST_STREAM if payload.get(..4) == Some(&[0, 0, 0, 7][..]) => refused += 1,
                    h2::HEADERS => answered += 1,
                    h2::GOAWAY => {
                        goaway = true;
                        break;
                    }
                    _ => {}
                }
                if refused + answered >= 1000 {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(PATIENCE, read).await;
        eprintln!(
            "flood of 1,000 streams: {refused} refused (REFUSED_STREAM), {answered} answered (408), GOAWAY {goaway}, after {:?}",
            started.elapsed()
        );
        assert!(answered <= 16, "{answered} streams were served at once, above the limit of 16");
        assert!(
            goaway || refused >= 1000 - 16,
            "the streams over the limit were neither refused nor the connection closed"
        );
        let served = server.metric("vigil_admission_requests_total{endpoint=\"validate\"}").await;
        // The normal reviews (2) plus at most the streams allowed at once.
        assert!(served <= 2 + 16, "{served} reviews started");
        server.assert_answers("a flood of 1,000 streams").await;
    });
}

#[test]
fn a_registry_that_never_answers_does_not_starve_other_reviews() {
    let (silent, healthy) = (silent_registry(), healthy_registry());
    let server = Server::start(Limits::default(), REGISTRY_TIMEOUT, &policy(&[silent.clone(), healthy.clone()]));
    block_on(async {
        let server = std::sync::Arc::new(server);
        let (status, value, took) = server.review(review("alone", &format!("{healthy}/team/app:0.9")), true).await;
        eprintln!("review needing a healthy registry, alone: {status} in {took:?}");
        assert_eq!(value["response"]["allowed"], true, "{value}");
        // Fifty reviews of distinct images (no shared checks) on the silent registry.
        let started = Instant::now();
        let stuck: Vec<_> = (0..50)
            .map(|i| {
                let server = std::sync::Arc::clone(&server);
                let image = format!("{silent}/team/app:v{i}");
                tokio::spawn(async move { server.review(review(&format!("stuck-{i}"), &image), i % 2 == 0).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(500)).await;
        // A review for the healthy registry is answered meanwhile.
        let (status, value, took) = server.review(review("healthy", &format!("{healthy}/team/app:1.0")), true).await;
        eprintln!("review needing a healthy registry, with 50 reviews stuck on a silent one: {status} in {took:?}");
        assert_eq!(status, 200, "{value}");
        assert_eq!(value["response"]["allowed"], true, "{value}");
        assert!(took < REGISTRY_TIMEOUT, "{took:?}");
        server.assert_answers("50 reviews stuck on a silent registry").await;
        // The stuck reviews end at their deadline with the failure mode (closed: denied).
        for job in stuck {
            let (status, value, took) = job.await.unwrap();
            assert_eq!(status, 200, "{value}");
            assert_eq!(value["response"]["allowed"], false, "{value}");
            let message = value["response"]["status"]["message"].as_str().unwrap();
            assert!(message.contains("could not be verified") && message.contains("deadline"), "{message}");
            assert!(took < REGISTRY_TIMEOUT + Duration::from_secs(2), "a stuck review took {took:?}");
        }
        eprintln!("50 reviews on the silent registry all answered (denied, deadline) after {:?}", started.elapsed());
        assert_eq!(server.metric("vigil_admission_refused_total{reason=\"registry\"}").await, 0);
    });
}

#[test]
fn reviews_over_the_registry_cap_are_refused_at_once() {
    let silent = silent_registry();
    let limits = Limits { max_registry_reviews: 4, ..Limits::default() };
    let server = std::sync::Arc::new(Server::start(limits, TIMEOUT, &policy(std::slice::from_ref(&silent))));
    block_on(async {
        let stuck: Vec<_> = (0..4)
            .map(|i| {
                let server = std::sync::Arc::clone(&server);
                let image = format!("{silent}/team/app:v{i}");
                tokio::spawn(async move { server.review(review(&format!("stuck-{i}"), &image), true).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (status, value, took) = server.review(review("fifth", &format!("{silent}/team/app:v99")), true).await;
        eprintln!("fifth review on a silent registry with a cap of 4: {status} in {took:?}: {value}");
        assert_eq!(status, 429, "{value}");
        assert!(value["error"].as_str().unwrap().contains("too many reviews waiting on registries"), "{value}");
        assert!(took < TIMEOUT, "{took:?}");
        server.assert_answers("4 reviews holding every registry slot").await;
        for job in stuck {
            assert_eq!(job.await.unwrap().0, 200);
        }
        assert!(server.metric("vigil_admission_refused_total{reason=\"registry\"}").await >= 1);
    });
}

#[test]
fn bodies_over_the_limit_and_too_complex_reviews_are_refused() {
    let server = Server::start(Limits::default(), TIMEOUT, &policy(&[]));
    block_on(async {
        // 9 MiB announced: refused before it is read. The server answers 413 and closes the
        // connection without reading the body, so the client may see either the answer or a
        // failed write, depending on which comes first; the refusal is counted either way.
        let big = Bytes::from(vec![b' '; 9 * 1024 * 1024]);
        match server.request("POST", "/validate", Some(big), false).await {
            Ok((status, body)) => {
                eprintln!("9 MiB body: {status} {}", String::from_utf8_lossy(&body));
                assert_eq!(status, 413);
            }
            Err(e) => eprintln!("9 MiB body: the server closed the connection first ({e})"),
        }
        assert_eq!(server.metric("vigil_admission_refused_total{reason=\"body_too_large\"}").await, 1);
        // Under the byte limit, but 1.7 million JSON values: more than the review memory allows.
        let mut values = b"[".to_vec();
        values.extend(b"0,".repeat(1_700_000));
        values.extend(b"0]");
        let (status, body) = server.request("POST", "/validate", Some(Bytes::from(values)), true).await.unwrap();
        let text = String::from_utf8_lossy(&body);
        eprintln!("3.2 MiB of `0,`: {status} {text}");
        assert_eq!(status, 413);
        assert!(text.contains("JSON values"), "{text}");
        server.assert_answers("oversized bodies").await;
    });
}
