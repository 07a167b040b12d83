//! The bounds that keep the webhook answering under hostile or broken clients: connections,
//! HTTP/2 streams, reviews in flight, reviews waiting on a registry, request bodies and the
//! memory of the reviews being decided, and the time each step of a request may take.

use std::time::Duration;

/// Largest request body accepted by default: the API server refuses request bodies over 3 MiB
/// (`--max-request-bytes` of kube-apiserver, 3 MiB; etcd stores at most 1.5 MiB per object),
/// and an `AdmissionReview` wraps the object with its request metadata (`userInfo`,
/// `oldObject` is not sent for CREATE), so 3.5 MiB leaves room for the envelope.
pub const DEFAULT_MAX_BODY_BYTES: usize = 3 * 1024 * 1024 + 512 * 1024;

/// What one JSON value of a review costs in memory while it is decided: the parsed
/// `serde_json::Value` and the `vigil_k8s::Node` built from it (measured on hostile shapes,
/// such as arrays of a million `0`s, at 30-250 bytes per counted value; rounded up).
pub(crate) const BYTES_PER_VALUE: usize = 256;

/// Limits of `vigil serve`. The defaults keep a server under the generated Deployment's
/// 256 MiB memory limit whatever clients send, while serving the load of a large cluster.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most open connections; one more is closed at once (counted in `/metrics`).
    pub max_connections: usize,
    /// Most concurrent streams per HTTP/2 connection (`SETTINGS_MAX_CONCURRENT_STREAMS`).
    pub max_streams: u32,
    /// Most reviews being read or decided at once; one more is answered HTTP 429 at once
    /// (the API server then applies the webhook's `failurePolicy`).
    pub max_reviews: usize,
    /// Most reviews waiting on registries at once (each holds a thread until it is answered or
    /// its deadline passes); one more is answered HTTP 429 at once.
    pub max_registry_reviews: usize,
    /// Largest request body, in bytes; larger is answered HTTP 413.
    pub max_body_bytes: usize,
    /// Memory for the reviews being read and decided, in bytes: their bodies as they arrive,
    /// then twice their size (the parsed copies of their strings) and [`BYTES_PER_VALUE`] per
    /// JSON value while they are decided. A review that finds
    /// too little free is answered HTTP 429; one that needs more than all of it, HTTP 413.
    pub review_memory: usize,
    /// Time for the TLS handshake of a new connection.
    pub handshake_timeout: Duration,
    /// Time for the headers of a request, counted from when the server waits for them: the
    /// first request of a connection, and each next HTTP/1 request (so it also bounds how
    /// long an HTTP/1 connection may stay idle).
    pub header_timeout: Duration,
    /// Time for the body of a request once its headers arrived (never more than the review's
    /// own deadline); a body still incomplete is answered HTTP 408.
    pub body_timeout: Duration,
    /// How long a connection (HTTP/2) may stay without a request in flight before it is
    /// closed with a GOAWAY.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 1024,
            max_streams: 100,
            max_reviews: 256,
            max_registry_reviews: 64,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            review_memory: 96 * 1024 * 1024,
            handshake_timeout: Duration::from_secs(5),
            header_timeout: Duration::from_secs(5),
            body_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

/// How many JSON values `body` holds, counted without parsing it: one per `[`, `{`, `,` and
/// `:` outside strings, plus one (an upper bound for valid JSON, cheap for any input).
pub(crate) fn json_values(body: &[u8]) -> usize {
    let mut count = 1usize;
    let (mut in_string, mut escaped) = (false, false);
    for &byte in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'[' | b'{' | b',' | b':' => count += 1,
                _ => {}
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_counted_outside_strings_only() {
        assert_eq!(json_values(b"0"), 1);
        assert_eq!(json_values(b"[0,0,0]"), 4);
        assert_eq!(json_values(br#"{"a":"[,{:\"]","b":[]}"#), 6);
        assert_eq!(json_values(br#""\\" , ["#), 3);
    }

    proptest::proptest! {
        #[test]
        fn counting_never_panics_and_bounds_the_values(body in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let count = json_values(&body);
            proptest::prop_assert!(count >= 1 && count <= body.len() + 1);
        }
    }
}
