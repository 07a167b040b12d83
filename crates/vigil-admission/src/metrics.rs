//! Prometheus text-format metrics: requests, decisions by result, latency histogram, cache.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use vigil_policy::Stats;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    validate: AtomicU64,
    mutate: AtomicU64,
    bad_requests: AtomicU64,
    allowed: AtomicU64,
    denied: AtomicU64,
    warned: AtomicU64,
    failed_open: AtomicU64,
    failed_closed: AtomicU64,
    patched: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
    reloads: AtomicU64,
    reload_errors: AtomicU64,
    refused: [AtomicU64; Refusal::ALL.len()],
    connections: AtomicU64,
}

/// Why a connection or a request was refused or cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The connection cap was reached: a new connection was closed at once.
    Connections,
    /// The TLS handshake did not finish in time.
    HandshakeTimeout,
    /// No complete request head in time.
    HeaderTimeout,
    /// A request body did not arrive in time (HTTP 408).
    BodyTimeout,
    /// A request body over the limit (HTTP 413).
    BodyTooLarge,
    /// Too many reviews in flight (HTTP 429).
    Reviews,
    /// Too many reviews waiting on registries (HTTP 429).
    Registry,
    /// The review memory was exhausted (HTTP 429).
    Memory,
    /// A connection idle too long was closed.
    Idle,
}

impl Refusal {
    const ALL: [Refusal; 9] = [
        Refusal::Connections,
        Refusal::HandshakeTimeout,
        Refusal::HeaderTimeout,
        Refusal::BodyTimeout,
        Refusal::BodyTooLarge,
        Refusal::Reviews,
        Refusal::Registry,
        Refusal::Memory,
        Refusal::Idle,
    ];

    /// The `reason` label in `/metrics`.
    pub fn label(self) -> &'static str {
        match self {
            Refusal::Connections => "connections",
            Refusal::HandshakeTimeout => "handshake_timeout",
            Refusal::HeaderTimeout => "header_timeout",
            Refusal::BodyTimeout => "body_timeout",
            Refusal::BodyTooLarge => "body_too_large",
            Refusal::Reviews => "reviews",
            Refusal::Registry => "registry",
            Refusal::Memory => "memory",
            Refusal::Idle => "idle",
        }
    }
}

/// An open connection, counted until dropped.
pub struct OpenConnection<'a>(&'a AtomicU64);

impl Drop for OpenConnection<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The result of one review, for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed with nothing to say.
    Allowed,
    /// Denied by a policy.
    Denied,
    /// Allowed with warnings.
    Warned,
    /// Undecidable, allowed by failure mode open.
    FailedOpen,
    /// Undecidable, denied by failure mode closed.
    FailedClosed,
}

impl Metrics {
    /// Counts a request on `/validate` (`true`) or `/mutate`.
    pub fn request(&self, validate: bool) {
        let counter = if validate { &self.validate } else { &self.mutate };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a malformed request.
    pub fn bad_request(&self) {
        self.bad_requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a decision.
    pub fn decision(&self, outcome: Outcome) {
        let counter = match outcome {
            Outcome::Allowed => &self.allowed,
            Outcome::Denied => &self.denied,
            Outcome::Warned => &self.warned,
            Outcome::FailedOpen => &self.failed_open,
            Outcome::FailedClosed => &self.failed_closed,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a mutation that returned a patch.
    pub fn patched(&self) {
        self.patched.fetch_add(1, Ordering::Relaxed);
    }

    /// Records one review's latency.
    pub fn latency(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Counts a refusal.
    pub fn refused(&self, reason: Refusal) {
        if let Some(i) = Refusal::ALL.iter().position(|r| *r == reason) {
            self.refused[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts an open connection until the guard is dropped.
    pub fn connection(&self) -> OpenConnection<'_> {
        self.connections.fetch_add(1, Ordering::Relaxed);
        OpenConnection(&self.connections)
    }

    /// Counts a policy reload (`ok = false`: the new files were refused).
    pub fn reload(&self, ok: bool) {
        let counter = if ok { &self.reloads } else { &self.reload_errors };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus exposition text.
    #[must_use]
    pub fn render(&self, stats: &Stats, cached: usize, policies: usize) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        let _ = writeln!(out, "# HELP vigil_admission_requests_total AdmissionReview requests by endpoint.");
        let _ = writeln!(out, "# TYPE vigil_admission_requests_total counter");
        let _ = writeln!(out, "vigil_admission_requests_total{{endpoint=\"validate\"}} {}", get(&self.validate));
        let _ = writeln!(out, "vigil_admission_requests_total{{endpoint=\"mutate\"}} {}", get(&self.mutate));
        let _ = writeln!(out, "# HELP vigil_admission_bad_requests_total Requests refused with HTTP 400.");
        let _ = writeln!(out, "# TYPE vigil_admission_bad_requests_total counter");
        let _ = writeln!(out, "vigil_admission_bad_requests_total {}", get(&self.bad_requests));
        let _ = writeln!(
            out,
            "# HELP vigil_admission_refused_total Connections and requests refused or cut off by a limit, by reason."
        );
        let _ = writeln!(out, "# TYPE vigil_admission_refused_total counter");
        for (reason, counter) in Refusal::ALL.iter().zip(&self.refused) {
            let _ = writeln!(out, "vigil_admission_refused_total{{reason=\"{}\"}} {}", reason.label(), get(counter));
        }
        let _ = writeln!(out, "# HELP vigil_admission_connections Open connections.");
        let _ = writeln!(out, "# TYPE vigil_admission_connections gauge");
        let _ = writeln!(out, "vigil_admission_connections {}", get(&self.connections));
        let _ = writeln!(out, "# HELP vigil_admission_decisions_total Validation decisions by result.");
        let _ = writeln!(out, "# TYPE vigil_admission_decisions_total counter");
        for (result, counter) in [
            ("allowed", &self.allowed),
            ("denied", &self.denied),
            ("warned", &self.warned),
            ("failed_open", &self.failed_open),
            ("failed_closed", &self.failed_closed),
        ] {
            let _ = writeln!(out, "vigil_admission_decisions_total{{result=\"{result}\"}} {}", get(counter));
        }
        let _ = writeln!(out, "# HELP vigil_admission_patches_total Mutations that pinned images to digests.");
        let _ = writeln!(out, "# TYPE vigil_admission_patches_total counter");
        let _ = writeln!(out, "vigil_admission_patches_total {}", get(&self.patched));
        let _ = writeln!(out, "# HELP vigil_admission_duration_seconds Time to answer a review.");
        let _ = writeln!(out, "# TYPE vigil_admission_duration_seconds histogram");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(out, "vigil_admission_duration_seconds_bucket{{le=\"{bound}\"}} {}", get(bucket));
        }
        let _ = writeln!(out, "vigil_admission_duration_seconds_bucket{{le=\"+Inf\"}} {}", get(&self.count));
        let _ = writeln!(out, "vigil_admission_duration_seconds_sum {}", get(&self.sum_micros) as f64 / 1e6);
        let _ = writeln!(out, "vigil_admission_duration_seconds_count {}", get(&self.count));
        let _ =
            writeln!(out, "# HELP vigil_verification_cache_total Registry-backed checks by how they were answered.");
        let _ = writeln!(out, "# TYPE vigil_verification_cache_total counter");
        let _ = writeln!(out, "vigil_verification_cache_total{{result=\"hit\"}} {}", get(&stats.hits));
        let _ = writeln!(out, "vigil_verification_cache_total{{result=\"miss\"}} {}", get(&stats.misses));
        let _ = writeln!(out, "vigil_verification_cache_total{{result=\"shared\"}} {}", get(&stats.shared));
        let _ = writeln!(out, "vigil_verification_cache_total{{result=\"error\"}} {}", get(&stats.errors));
        let _ = writeln!(out, "# HELP vigil_verification_cache_entries Entries held by the verification caches.");
        let _ = writeln!(out, "# TYPE vigil_verification_cache_entries gauge");
        let _ = writeln!(out, "vigil_verification_cache_entries {cached}");
        let _ = writeln!(out, "# HELP vigil_policies_loaded Policies in force.");
        let _ = writeln!(out, "# TYPE vigil_policies_loaded gauge");
        let _ = writeln!(out, "vigil_policies_loaded {policies}");
        let _ = writeln!(out, "# HELP vigil_policy_reloads_total Policy reloads by result.");
        let _ = writeln!(out, "# TYPE vigil_policy_reloads_total counter");
        let _ = writeln!(out, "vigil_policy_reloads_total{{result=\"ok\"}} {}", get(&self.reloads));
        let _ = writeln!(out, "vigil_policy_reloads_total{{result=\"refused\"}} {}", get(&self.reload_errors));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::default();
        m.latency(Duration::from_micros(300));
        m.latency(Duration::from_millis(3));
        let text = m.render(&Stats::default(), 0, 1);
        assert!(text.contains("vigil_admission_duration_seconds_bucket{le=\"0.0005\"} 1"), "{text}");
        assert!(text.contains("vigil_admission_duration_seconds_bucket{le=\"0.005\"} 2"), "{text}");
        assert!(text.contains("vigil_admission_duration_seconds_count 2"), "{text}");
    }

    #[test]
    fn refusals_are_counted_by_reason() {
        let m = Metrics::default();
        m.refused(Refusal::Reviews);
        m.refused(Refusal::Reviews);
        m.refused(Refusal::Idle);
        let open = m.connection();
        let text = m.render(&Stats::default(), 0, 1);
        assert!(text.contains("vigil_admission_refused_total{reason=\"reviews\"} 2"), "{text}");
        assert!(text.contains("vigil_admission_refused_total{reason=\"idle\"} 1"), "{text}");
        assert!(text.contains("vigil_admission_refused_total{reason=\"memory\"} 0"), "{text}");
        assert!(text.contains("vigil_admission_connections 1"), "{text}");
        drop(open);
        assert!(m.render(&Stats::default(), 0, 1).contains("vigil_admission_connections 0"));
    }
}
