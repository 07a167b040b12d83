//! Registry-backed checks with a verified-digest cache and single-flight: resolving a tag to its
//! digest, verifying signatures and attestations. Results are cached (positive and negative,
//! each with its own TTL, bounded); registry and internal errors only briefly (`error_ttl`), so
//! an outage is answered by the failure mode without waiting on the registry for every review.
//! Concurrent checks of the same key share one registry round trip; the caller that makes it
//! (the leader) always publishes an answer to the others, an error if it panics, and the others
//! wait no longer than their own deadline.
//!
//! A deadline ([`Verifier::until`]) bounds a whole evaluation: resolving, signatures and
//! attestations share the time left, and a check that starts after the deadline fails at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::Value;
use vigil_core::reference::ImageReference;
use vigil_oci::{RegistryClient, RegistryOptions};
use vigil_sign::cache::VerifiedCache;
use vigil_sign::{attest, cosign};

use crate::policy::AuthoritySpec;

/// The answer of one registry-backed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<T> {
    /// It holds (with what was found).
    Verified(T),
    /// It does not hold: a policy violation, with the reason.
    Rejected(String),
    /// It could not be decided (registry unreachable, timeout, internal error).
    Error(String),
}

/// Cache sizes and lifetimes.
#[derive(Debug, Clone)]
pub struct CacheOptions {
    /// Most entries per cache.
    pub capacity: usize,
    /// How long a positive result (a digest, a verified signature) is reused.
    pub ttl: Duration,
    /// How long a negative result (no valid signature) is reused.
    pub negative_ttl: Duration,
    /// How long an undecidable result (registry unreachable, timeout) is reused, so an outage
    /// costs one registry attempt per image per period instead of one per review (0: never).
    pub error_ttl: Duration,
}

impl Default for CacheOptions {
    fn default() -> Self {
        Self {
            capacity: 10_000,
            ttl: Duration::from_secs(300),
            negative_ttl: Duration::from_secs(30),
            error_ttl: Duration::from_secs(5),
        }
    }
}

/// Cache and registry counters, for metrics.
#[derive(Debug, Default)]
pub struct Stats {
    /// Lookups answered from the cache.
    pub hits: AtomicU64,
    /// Lookups that went to the registry.
    pub misses: AtomicU64,
    /// Lookups that waited for a concurrent identical one.
    pub shared: AtomicU64,
    /// Registry or internal errors.
    pub errors: AtomicU64,
}

type Key = (u8, String, String);
type Stored = Outcome<Arc<Value>>;

/// Registry-backed verification shared by every evaluation (thread-safe).
pub struct Verifier {
    options: RegistryOptions,
    /// The client every pooled one is forked from (made on the first registry call): one I/O
    /// runtime, connection pool and token cache for all of them.
    prototype: Mutex<Option<RegistryClient>>,
    clients: Mutex<Vec<RegistryClient>>,
    positive: VerifiedCache<Key, Stored>,
    negative: VerifiedCache<Key, Stored>,
    errors: VerifiedCache<Key, Stored>,
    flights: Mutex<HashMap<Key, Arc<Flight>>>,
    /// Counters.
    pub stats: Stats,
}

impl Drop for Verifier {
    fn drop(&mut self) {
        // Each client owns an I/O runtime, which must not be dropped on an async thread (the
        // webhook's last reference may go away on one): they are dropped on a thread of their own.
        let mut clients = std::mem::take(self.clients.get_mut().unwrap_or_else(PoisonError::into_inner));
        clients.extend(self.prototype.get_mut().unwrap_or_else(PoisonError::into_inner).take());
        if !clients.is_empty() {
            let _ = std::thread::Builder::new().name("vigil-drop-clients".into()).spawn(move || drop(clients));
        }
    }
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier").field("options", &self.options).finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Flight {
    result: Mutex<Option<Stored>>,
    done: Condvar,
}

impl Flight {
    fn publish(&self, outcome: Stored) {
        *self.result.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
        self.done.notify_all();
    }
}

/// The leader's promise to its followers: dropped without [`Leader::finish`] (the check
/// panicked), it still publishes an error and removes the flight, so nobody waits for an
/// answer that will never come and the next caller starts afresh.
struct Leader<'a> {
    flights: &'a Mutex<HashMap<Key, Arc<Flight>>>,
    key: Key,
    flight: Arc<Flight>,
    finished: bool,
}

impl Leader<'_> {
    fn finish(mut self, outcome: &Stored) {
        self.flight.publish(outcome.clone());
        self.finished = true;
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.flight.publish(Stored::Error("internal error: the check failed without an answer".into()));
        }
        let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
        if flights.get(&self.key).is_some_and(|f| Arc::ptr_eq(f, &self.flight)) {
            flights.remove(&self.key);
        }
    }
}

const RESOLVE: u8 = 0;
const SIGNATURE: u8 = 1;
const ATTESTATION: u8 = 2;

impl Verifier {
    /// A verifier talking to registries with `options`.
    #[must_use]
    pub fn new(options: RegistryOptions, cache: &CacheOptions) -> Self {
        Self {
            options,
            prototype: Mutex::new(None),
            clients: Mutex::new(Vec::new()),
            positive: VerifiedCache::new(cache.capacity, cache.ttl),
            negative: VerifiedCache::new(cache.capacity, cache.negative_ttl),
            errors: VerifiedCache::new(cache.capacity.min(1024), cache.error_ttl),
            flights: Mutex::new(HashMap::new()),
            stats: Stats::default(),
        }
    }

    /// Checks that share one deadline: every registry call they make (resolving, signatures,
    /// attestations) ends by `deadline`, a check started after it fails at once, and a check
    /// waiting for an identical one in flight waits no longer than it.
    #[must_use]
    pub fn until(&self, deadline: Instant) -> Deadlined<'_> {
        Deadlined { verifier: self, deadline }
    }

    /// The digest `image` resolves to (a digest reference is its own answer, no round trip).
    pub fn resolve(&self, image: &ImageReference) -> Outcome<String> {
        self.resolve_by(image, None)
    }

    fn resolve_by(&self, image: &ImageReference, deadline: Option<Instant>) -> Outcome<String> {
        if let Some(digest) = image.digest() {
            return Outcome::Verified(digest.to_string());
        }
        let key = resolve_key(image);
        let outcome = self.cached(key, deadline, || {
            self.with_client(deadline, |client| match client.manifest(image) {
                Ok(Some(found)) => Stored::Verified(Arc::new(Value::String(found.digest))),
                Ok(None) => Stored::Rejected(format!("image `{image}` not found in its registry")),
                Err(e) => Stored::Error(format!("resolving `{image}`: {e}")),
            })
        });
        map(outcome, |v| v.as_str().unwrap_or_default().to_string())
    }

    /// Whether `authority` signed `pinned` (a digest reference); the verified value names how.
    pub fn signature(&self, pinned: &ImageReference, authority: &AuthoritySpec) -> Outcome<String> {
        self.signature_by(pinned, authority, None)
    }

    fn signature_by(
        &self,
        pinned: &ImageReference,
        authority: &AuthoritySpec,
        deadline: Option<Instant>,
    ) -> Outcome<String> {
        let key = signature_key(pinned, authority);
        let outcome = self.cached(key, deadline, || {
            self.with_client(deadline, |client| match cosign::verify(client, pinned, authority.authority()) {
                Ok(verification) => {
                    let by = verification.signatures.first().and_then(|s| s.certificate.as_ref()).map_or_else(
                        || authority.name().to_string(),
                        |c| format!("keyless {} ({})", c.identity, c.issuer),
                    );
                    Stored::Verified(Arc::new(Value::String(by)))
                }
                Err(e @ (cosign::Error::NoSignatures { .. } | cosign::Error::NoneVerified { .. })) => {
                    Stored::Rejected(e.to_string())
                }
                Err(e) => Stored::Error(format!("verifying signatures of `{pinned}`: {e}")),
            })
        });
        map(outcome, |v| v.as_str().unwrap_or_default().to_string())
    }

    /// The verified in-toto statements of `predicate_type` on `pinned` signed by `authority`
    /// (in storage order, newest last).
    pub fn attestations(
        &self,
        pinned: &ImageReference,
        authority: &AuthoritySpec,
        predicate_type: &str,
    ) -> Outcome<Arc<Value>> {
        self.attestations_by(pinned, authority, predicate_type, None)
    }

    fn attestations_by(
        &self,
        pinned: &ImageReference,
        authority: &AuthoritySpec,
        predicate_type: &str,
        deadline: Option<Instant>,
    ) -> Outcome<Arc<Value>> {
        let key = attestation_key(pinned, authority, predicate_type);
        self.cached(key, deadline, || {
            self.with_client(deadline, |client| match attest::verify(client, pinned, authority.authority(), None) {
                Ok(v) => {
                    let (matching, other): (Vec<_>, Vec<_>) = v
                        .attestations
                        .into_iter()
                        .partition(|a| same_predicate_family(predicate_type, &a.predicate_type));
                    if matching.is_empty() {
                        let mut reasons: Vec<String> = v.failures.iter().map(ToString::to_string).collect();
                        reasons.extend(
                            other
                                .iter()
                                .map(|a| format!("a verified attestation has predicate type `{}`", a.predicate_type)),
                        );
                        Stored::Rejected(if reasons.is_empty() { "no attestation".into() } else { reasons.join("; ") })
                    } else {
                        Stored::Verified(Arc::new(Value::Array(matching.into_iter().map(|a| a.statement).collect())))
                    }
                }
                Err(e @ cosign::Error::NoSignatures { .. }) => {
                    Stored::Rejected(e.to_string().replace("no signatures", "no attestations"))
                }
                Err(e) => Stored::Error(format!("verifying attestations of `{pinned}`: {e}")),
            })
        })
    }

    /// The cached answer for `key`, if any (counted as a hit).
    fn lookup(&self, key: &Key) -> Option<Stored> {
        let hit = self.positive.get(key).or_else(|| self.negative.get(key)).or_else(|| self.errors.get(key))?;
        self.stats.hits.fetch_add(1, Ordering::Relaxed);
        Some(hit)
    }

    /// Runs `compute` once per key at a time, answering from the cache when possible. A caller
    /// finding an identical check in flight waits for its answer until `deadline`.
    fn cached(&self, key: Key, deadline: Option<Instant>, compute: impl FnOnce() -> Stored) -> Stored {
        if let Some(hit) = self.lookup(&key) {
            return hit;
        }
        let started = Instant::now();
        if deadline.is_some_and(|d| d <= started) {
            return Stored::Error("the review's deadline passed before this check could start".into());
        }
        let (flight, leader) = {
            let mut flights = self.flights.lock().unwrap_or_else(PoisonError::into_inner);
            match flights.get(&key) {
                Some(flight) => (Arc::clone(flight), false),
                None => {
                    let flight = Arc::new(Flight::default());
                    flights.insert(key.clone(), Arc::clone(&flight));
                    (flight, true)
                }
            }
        };
        if !leader {
            self.stats.shared.fetch_add(1, Ordering::Relaxed);
            return wait(&flight, deadline);
        }
        let leader = Leader { flights: &self.flights, key, flight, finished: false };
        self.stats.misses.fetch_add(1, Ordering::Relaxed);
        let outcome = compute();
        let key = &leader.key;
        match &outcome {
            Stored::Verified(_) => self.positive.insert(key.clone(), outcome.clone()),
            Stored::Rejected(_) => self.negative.insert(key.clone(), outcome.clone()),
            Stored::Error(_) => {
                self.stats.errors.fetch_add(1, Ordering::Relaxed);
                // An error is remembered only when it is the registry's: a check cut short by a
                // caller that left it little time says nothing about the registry, and caching
                // it would let one slow client fail everyone's checks of the image.
                let budget = deadline.map(|d| d.saturating_duration_since(started));
                let cut_short = budget.is_some_and(|b| b < self.full_budget() && Instant::now() >= started + b);
                if !cut_short {
                    self.errors.insert(key.clone(), outcome.clone());
                }
            }
        }
        leader.finish(&outcome);
        outcome
    }

    /// The time a check gets when nothing else shortens it: half the registry timeout (a
    /// check is several calls), or 1 s without one.
    fn full_budget(&self) -> Duration {
        self.options.timeout.map_or(Duration::from_secs(1), |t| t / 2)
    }

    /// Borrows a registry client from the pool (one per concurrent caller, reused), bounded by
    /// `deadline`. A client whose call panicked is not returned to the pool.
    fn with_client(&self, deadline: Option<Instant>, f: impl FnOnce(&RegistryClient) -> Stored) -> Stored {
        let pooled = self.clients.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let mut client = match pooled {
            Some(client) => client,
            None => match self.fork_client() {
                Ok(client) => client,
                Err(e) => return Stored::Error(format!("registry client: {e}")),
            },
        };
        client.set_deadline(deadline);
        let outcome = f(&client);
        client.set_deadline(None);
        self.clients.lock().unwrap_or_else(PoisonError::into_inner).push(client);
        outcome
    }

    /// A new pooled client: a fork of the prototype (made once), so a burst of concurrent
    /// checks costs reference counts, not a TLS setup each.
    fn fork_client(&self) -> Result<RegistryClient, vigil_oci::Error> {
        let mut prototype = self.prototype.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = prototype.as_ref() {
            return Ok(client.fork());
        }
        let client = RegistryClient::new_shared(&self.options)?;
        let fork = client.fork();
        *prototype = Some(client);
        Ok(fork)
    }

    /// How many entries the caches hold.
    #[must_use]
    pub fn cached_entries(&self) -> usize {
        self.positive.len() + self.negative.len()
    }
}

/// Vulnerability-report predicate types: cosign's vuln predicate and in-toto's vulns predicate
/// (any version) answer the same question, so a policy asking for one accepts the other.
const VULN_TYPES: &[&str] =
    &["https://cosign.sigstore.dev/attestation/vuln/v1", "https://in-toto.io/attestation/vulns"];

fn is_vuln_type(uri: &str) -> bool {
    VULN_TYPES.iter().any(|t| uri == *t || uri.strip_prefix(t).is_some_and(|rest| rest.starts_with("/v")))
}

/// Whether an attestation of type `found` satisfies a policy asking for `wanted`: the same URI,
/// or both vulnerability reports.
#[must_use]
pub fn same_predicate_family(wanted: &str, found: &str) -> bool {
    wanted == found || (is_vuln_type(wanted) && is_vuln_type(found))
}

/// A follower's wait for the leader's answer, at most until `deadline`.
fn wait(flight: &Flight, deadline: Option<Instant>) -> Stored {
    let mut result = flight.result.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if let Some(outcome) = result.as_ref() {
            return outcome.clone();
        }
        result = match deadline {
            None => flight.done.wait(result).unwrap_or_else(PoisonError::into_inner),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Stored::Error(
                        "no answer before the review's deadline (waiting for the same check of another review)".into(),
                    );
                }
                flight.done.wait_timeout(result, left).unwrap_or_else(PoisonError::into_inner).0
            }
        };
    }
}

fn resolve_key(image: &ImageReference) -> Key {
    (RESOLVE, image.to_string(), String::new())
}

fn signature_key(pinned: &ImageReference, authority: &AuthoritySpec) -> Key {
    (SIGNATURE, pinned.to_string(), authority_key(authority))
}

fn attestation_key(pinned: &ImageReference, authority: &AuthoritySpec, predicate_type: &str) -> Key {
    (ATTESTATION, pinned.to_string(), format!("{}|{predicate_type}", authority_key(authority)))
}

/// The checks an evaluation needs: answered by the registry ([`Verifier`]) or from the cache
/// alone ([`CacheOnly`]).
pub trait Checks {
    /// See [`Verifier::resolve`].
    fn resolve(&self, image: &ImageReference) -> Outcome<String>;
    /// See [`Verifier::signature`].
    fn signature(&self, pinned: &ImageReference, authority: &AuthoritySpec) -> Outcome<String>;
    /// See [`Verifier::attestations`].
    fn attestations(
        &self,
        pinned: &ImageReference,
        authority: &AuthoritySpec,
        predicate_type: &str,
    ) -> Outcome<Arc<Value>>;
}

impl Checks for Verifier {
    fn resolve(&self, image: &ImageReference) -> Outcome<String> {
        Verifier::resolve(self, image)
    }

    fn signature(&self, pinned: &ImageReference, authority: &AuthoritySpec) -> Outcome<String> {
        Verifier::signature(self, pinned, authority)
    }

    fn attestations(
        &self,
        pinned: &ImageReference,
        authority: &AuthoritySpec,
        predicate_type: &str,
    ) -> Outcome<Arc<Value>> {
        Verifier::attestations(self, pinned, authority, predicate_type)
    }
}

/// A [`Verifier`] bounded by one deadline ([`Verifier::until`]): the checks of one review.
#[derive(Debug, Clone, Copy)]
pub struct Deadlined<'a> {
    verifier: &'a Verifier,
    deadline: Instant,
}

impl Deadlined<'_> {
    /// The instant every check must have ended by.
    #[must_use]
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

impl Checks for Deadlined<'_> {
    fn resolve(&self, image: &ImageReference) -> Outcome<String> {
        self.verifier.resolve_by(image, Some(self.deadline))
    }

    fn signature(&self, pinned: &ImageReference, authority: &AuthoritySpec) -> Outcome<String> {
        self.verifier.signature_by(pinned, authority, Some(self.deadline))
    }

    fn attestations(
        &self,
        pinned: &ImageReference,
        authority: &AuthoritySpec,
        predicate_type: &str,
    ) -> Outcome<Arc<Value>> {
        self.verifier.attestations_by(pinned, authority, predicate_type, Some(self.deadline))
    }
}

/// The verifier's cache alone, never the registry: a miss is an error and is remembered, so a
/// caller (the webhook) can decide fully-cached requests without leaving its async thread and
/// fall back to a blocking evaluation with the registry otherwise.
#[derive(Debug)]
pub struct CacheOnly<'a> {
    verifier: &'a Verifier,
    missed: std::sync::atomic::AtomicBool,
}

impl<'a> CacheOnly<'a> {
    /// A cache-only view of `verifier`.
    #[must_use]
    pub fn new(verifier: &'a Verifier) -> Self {
        Self { verifier, missed: std::sync::atomic::AtomicBool::new(false) }
    }

    /// Whether some check was not in the cache (the decision is then incomplete).
    #[must_use]
    pub fn missed(&self) -> bool {
        self.missed.load(Ordering::Relaxed)
    }

    fn get(&self, key: &Key) -> Stored {
        self.verifier.lookup(key).unwrap_or_else(|| {
            self.missed.store(true, Ordering::Relaxed);
            Stored::Error("not in the cache".into())
        })
    }
}

impl Checks for CacheOnly<'_> {
    fn resolve(&self, image: &ImageReference) -> Outcome<String> {
        if let Some(digest) = image.digest() {
            return Outcome::Verified(digest.to_string());
        }
        map(self.get(&resolve_key(image)), |v| v.as_str().unwrap_or_default().to_string())
    }

    fn signature(&self, pinned: &ImageReference, authority: &AuthoritySpec) -> Outcome<String> {
        map(self.get(&signature_key(pinned, authority)), |v| v.as_str().unwrap_or_default().to_string())
    }

    fn attestations(
        &self,
        pinned: &ImageReference,
        authority: &AuthoritySpec,
        predicate_type: &str,
    ) -> Outcome<Arc<Value>> {
        self.get(&attestation_key(pinned, authority, predicate_type))
    }
}

/// A content identity for an authority in cache keys: the key itself, or the identity matchers
/// and trusted root, so two policies naming different keys the same way never share entries
/// and a reloaded policy with the same authority keeps its cache.
fn authority_key(authority: &AuthoritySpec) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    match authority {
        AuthoritySpec::Key { key, .. } => key.spki_der().hash(&mut hasher),
        AuthoritySpec::Keyless { keyless, .. } => {
            keyless.identity.subject.to_string().hash(&mut hasher);
            keyless.identity.issuer.to_string().hash(&mut hasher);
            keyless.root.source().hash(&mut hasher);
            keyless.root.allows_request_form_rekor().hash(&mut hasher);
        }
    }
    format!("{}#{:016x}", authority.name(), hasher.finish())
}

fn map<T>(outcome: Stored, f: impl FnOnce(&Value) -> T) -> Outcome<T> {
    match outcome {
        Outcome::Verified(v) => Outcome::Verified(f(&v)),
        Outcome::Rejected(r) => Outcome::Rejected(r),
        Outcome::Error(e) => Outcome::Error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier() -> Verifier {
        Verifier::new(RegistryOptions::default(), &CacheOptions::default())
    }

    #[test]
    fn concurrent_identical_checks_share_one_computation() {
        let verifier = Arc::new(verifier());
        let computed = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let verifier = Arc::clone(&verifier);
                let computed = Arc::clone(&computed);
                std::thread::spawn(move || {
                    verifier.cached((SIGNATURE, "img".into(), "k".into()), None, || {
                        computed.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(200));
                        Stored::Verified(Arc::new(Value::String("by k".into())))
                    })
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), Stored::Verified(Arc::new(Value::String("by k".into()))));
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1);
        let stats = &verifier.stats;
        assert_eq!(stats.misses.load(Ordering::SeqCst), 1);
        assert_eq!(stats.shared.load(Ordering::SeqCst) + stats.hits.load(Ordering::SeqCst), 7);
    }

    #[test]
    fn rejections_are_cached_and_errors_only_with_an_error_ttl() {
        let verifier = Verifier::new(
            RegistryOptions::default(),
            &CacheOptions { error_ttl: Duration::ZERO, ..CacheOptions::default() },
        );
        let calls = AtomicU64::new(0);
        let reject = || {
            calls.fetch_add(1, Ordering::SeqCst);
            Stored::Rejected("unsigned".into())
        };
        verifier.cached((SIGNATURE, "a".into(), "k".into()), None, reject);
        verifier.cached((SIGNATURE, "a".into(), "k".into()), None, reject);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let fail = || {
            calls.fetch_add(1, Ordering::SeqCst);
            Stored::Error("registry down".into())
        };
        verifier.cached((SIGNATURE, "b".into(), "k".into()), None, fail);
        verifier.cached((SIGNATURE, "b".into(), "k".into()), None, fail);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(verifier.stats.errors.load(Ordering::SeqCst), 2);
        // With the default error TTL, an outage costs one attempt per period.
        let verifier = verifier_default();
        verifier.cached((SIGNATURE, "c".into(), "k".into()), None, fail);
        verifier.cached((SIGNATURE, "c".into(), "k".into()), None, fail);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    fn verifier_default() -> Verifier {
        verifier()
    }

    #[test]
    fn a_leader_that_panics_still_answers_its_followers() {
        let verifier = Arc::new(verifier());
        let key: Key = (SIGNATURE, "panics".into(), "k".into());
        let (entered, leader_in) = std::sync::mpsc::channel();
        let leader = {
            let verifier = Arc::clone(&verifier);
            let key = key.clone();
            std::thread::spawn(move || {
                verifier.cached(key, None, || {
                    entered.send(()).unwrap();
                    // Long enough for the followers to join the flight.
                    std::thread::sleep(Duration::from_millis(300));
                    panic!("check panicked");
                })
            })
        };
        leader_in.recv().unwrap();
        let started = Instant::now();
        let followers: Vec<_> = (0..4)
            .map(|_| {
                let verifier = Arc::clone(&verifier);
                let key = key.clone();
                // No deadline: only the guard can wake them.
                std::thread::spawn(move || verifier.cached(key, None, || unreachable!("a follower never computes")))
            })
            .collect();
        assert!(leader.join().is_err(), "the leader panicked");
        for follower in followers {
            match follower.join().unwrap() {
                Stored::Error(message) => assert!(message.contains("internal error"), "{message}"),
                other => panic!("expected an error, got {other:?}"),
            }
        }
        eprintln!("followers answered {:?} after the leader started panicking", started.elapsed());
        // The flight is gone and the error is not a cached verdict: the next check computes.
        assert!(verifier.flights.lock().unwrap().is_empty());
        let again = verifier.cached(key, None, || Stored::Verified(Arc::new(Value::String("by k".into()))));
        assert_eq!(again, Stored::Verified(Arc::new(Value::String("by k".into()))));
    }

    #[test]
    fn followers_wait_no_longer_than_their_deadline() {
        let verifier = Arc::new(verifier());
        let key: Key = (RESOLVE, "slow".into(), String::new());
        let (entered, leader_in) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let leader = {
            let verifier = Arc::clone(&verifier);
            let key = key.clone();
            std::thread::spawn(move || {
                verifier.cached(key, None, || {
                    entered.send(()).unwrap();
                    released.recv().unwrap();
                    Stored::Verified(Arc::new(Value::String("sha256:x".into())))
                })
            })
        };
        leader_in.recv().unwrap();
        let deadline = Instant::now() + Duration::from_millis(200);
        match verifier.cached(key.clone(), Some(deadline), || unreachable!()) {
            Stored::Error(message) => assert!(message.contains("deadline"), "{message}"),
            other => panic!("expected an error, got {other:?}"),
        }
        assert!(Instant::now() >= deadline);
        release.send(()).unwrap();
        assert!(matches!(leader.join().unwrap(), Stored::Verified(_)));
        // A deadline already passed fails at once, without computing.
        let past = Instant::now().checked_sub(Duration::from_millis(1)).unwrap();
        let fresh: Key = (RESOLVE, "fresh".into(), String::new());
        assert!(matches!(verifier.cached(fresh, Some(past), || unreachable!()), Stored::Error(_)));
    }

    #[test]
    fn errors_of_a_check_cut_short_by_its_caller_are_not_cached() {
        let verifier = verifier();
        let key: Key = (RESOLVE, "short".into(), String::new());
        let deadline = Instant::now() + Duration::from_millis(50);
        let cut = verifier.cached(key.clone(), Some(deadline), || {
            std::thread::sleep(Duration::from_millis(60));
            Stored::Error("deadline exceeded".into())
        });
        assert!(matches!(cut, Stored::Error(_)));
        assert!(verifier.lookup(&key).is_none(), "a caller's short deadline must not poison the cache");
        // The same error with the whole budget is the registry's, and is remembered.
        let full = verifier.cached(key.clone(), None, || Stored::Error("registry down".into()));
        assert!(matches!(full, Stored::Error(_)));
        assert!(verifier.lookup(&key).is_some());
    }

    /// A registry that accepts connections and never answers: every check of a review ends at
    /// the review's deadline, together, not one registry timeout per call.
    #[test]
    fn a_registry_that_never_answers_is_bounded_by_the_deadline() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let held = std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().take(4) {
                held.push(stream);
            }
            std::thread::sleep(Duration::from_secs(5));
        });
        let options =
            RegistryOptions { plain_http: true, timeout: Some(Duration::from_secs(30)), ..RegistryOptions::default() };
        let verifier = Verifier::new(options, &CacheOptions::default());
        let image = ImageReference::parse(&format!("{address}/team/app:1.0")).unwrap();
        let started = Instant::now();
        let checks = verifier.until(started + Duration::from_millis(700));
        match checks.resolve(&image) {
            Outcome::Error(message) => assert!(message.contains("deadline"), "{message}"),
            other => panic!("expected an error, got {other:?}"),
        }
        let elapsed = started.elapsed();
        eprintln!("resolve against a silent registry ended after {elapsed:?} (deadline 700 ms, per-call timeout 30 s)");
        assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
        drop(held);
    }

    #[test]
    fn vulnerability_predicates_are_one_family() {
        let cosign = "https://cosign.sigstore.dev/attestation/vuln/v1";
        assert!(same_predicate_family("https://in-toto.io/attestation/vulns", cosign));
        assert!(same_predicate_family(cosign, "https://in-toto.io/attestation/vulns/v0.1"));
        assert!(!same_predicate_family("https://in-toto.io/attestation/vulnsx", cosign));
        assert!(!same_predicate_family("https://cyclonedx.org/bom", cosign));
        assert!(same_predicate_family("https://cyclonedx.org/bom", "https://cyclonedx.org/bom"));
    }

    #[test]
    fn digest_references_need_no_registry() {
        let image = ImageReference::parse(&format!("r.example/app@sha256:{}", "a".repeat(64))).unwrap();
        assert_eq!(verifier().resolve(&image), Outcome::Verified(format!("sha256:{}", "a".repeat(64))));
    }
}
