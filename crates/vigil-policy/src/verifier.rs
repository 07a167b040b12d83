//! Registry-backed checks with a verified-digest cache and single-flight: resolving a tag to its
//! digest, verifying signatures and attestations. Results are cached (positive and negative,
//! each with its own TTL, bounded); registry and internal errors only briefly (`error_ttl`), so
//! an outage is answered by the failure mode without waiting on the registry for every review.
//! Concurrent checks of the same key share one registry round trip.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

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
    clients: Mutex<Vec<RegistryClient>>,
    positive: VerifiedCache<Key, Stored>,
    negative: VerifiedCache<Key, Stored>,
    errors: VerifiedCache<Key, Stored>,
    flights: Mutex<HashMap<Key, Arc<Flight>>>,
    /// Counters.
    pub stats: Stats,
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

const RESOLVE: u8 = 0;
const SIGNATURE: u8 = 1;
const ATTESTATION: u8 = 2;

impl Verifier {
    /// A verifier talking to registries with `options`.
    #[must_use]
    pub fn new(options: RegistryOptions, cache: &CacheOptions) -> Self {
        Self {
            options,
            clients: Mutex::new(Vec::new()),
            positive: VerifiedCache::new(cache.capacity, cache.ttl),
            negative: VerifiedCache::new(cache.capacity, cache.negative_ttl),
            errors: VerifiedCache::new(cache.capacity.min(1024), cache.error_ttl),
            flights: Mutex::new(HashMap::new()),
            stats: Stats::default(),
        }
    }

    /// The digest `image` resolves to (a digest reference is its own answer, no round trip).
    pub fn resolve(&self, image: &ImageReference) -> Outcome<String> {
        if let Some(digest) = image.digest() {
            return Outcome::Verified(digest.to_string());
        }
        let key = resolve_key(image);
        let outcome = self.cached(key, || {
            self.with_client(|client| match client.manifest(image) {
                Ok(Some(found)) => Stored::Verified(Arc::new(Value::String(found.digest))),
                Ok(None) => Stored::Rejected(format!("image `{image}` not found in its registry")),
                Err(e) => Stored::Error(format!("resolving `{image}`: {e}")),
            })
        });
        map(outcome, |v| v.as_str().unwrap_or_default().to_string())
    }

    /// Whether `authority` signed `pinned` (a digest reference); the verified value names how.
    pub fn signature(&self, pinned: &ImageReference, authority: &AuthoritySpec) -> Outcome<String> {
        let key = signature_key(pinned, authority);
        let outcome = self.cached(key, || {
            self.with_client(|client| match cosign::verify(client, pinned, authority.authority()) {
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
        let key = attestation_key(pinned, authority, predicate_type);
        self.cached(key, || {
            self.with_client(|client| match attest::verify(client, pinned, authority.authority(), None) {
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

    /// Runs `compute` once per key at a time, answering from the cache when possible.
    fn cached(&self, key: Key, compute: impl FnOnce() -> Stored) -> Stored {
        if let Some(hit) = self.lookup(&key) {
            return hit;
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
            let mut result = flight.result.lock().unwrap_or_else(PoisonError::into_inner);
            while result.is_none() {
                result = flight.done.wait(result).unwrap_or_else(PoisonError::into_inner);
            }
            return result.clone().unwrap_or_else(|| Stored::Error("internal: empty flight".into()));
        }
        self.stats.misses.fetch_add(1, Ordering::Relaxed);
        let outcome = compute();
        match &outcome {
            Stored::Verified(_) => self.positive.insert(key.clone(), outcome.clone()),
            Stored::Rejected(_) => self.negative.insert(key.clone(), outcome.clone()),
            Stored::Error(_) => {
                self.stats.errors.fetch_add(1, Ordering::Relaxed);
                self.errors.insert(key.clone(), outcome.clone());
            }
        }
        *flight.result.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome.clone());
        flight.done.notify_all();
        self.flights.lock().unwrap_or_else(PoisonError::into_inner).remove(&key);
        outcome
    }

    /// Borrows a registry client from the pool (one per concurrent caller, reused).
    fn with_client(&self, f: impl FnOnce(&RegistryClient) -> Stored) -> Stored {
        let pooled = self.clients.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let client = match pooled {
            Some(client) => client,
            None => match RegistryClient::new(&self.options) {
                Ok(client) => client,
                Err(e) => return Stored::Error(format!("registry client: {e}")),
            },
        };
        let outcome = f(&client);
        self.clients.lock().unwrap_or_else(PoisonError::into_inner).push(client);
        outcome
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
                    verifier.cached((SIGNATURE, "img".into(), "k".into()), || {
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
        verifier.cached((SIGNATURE, "a".into(), "k".into()), reject);
        verifier.cached((SIGNATURE, "a".into(), "k".into()), reject);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let fail = || {
            calls.fetch_add(1, Ordering::SeqCst);
            Stored::Error("registry down".into())
        };
        verifier.cached((SIGNATURE, "b".into(), "k".into()), fail);
        verifier.cached((SIGNATURE, "b".into(), "k".into()), fail);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(verifier.stats.errors.load(Ordering::SeqCst), 2);
        // With the default error TTL, an outage costs one attempt per period.
        let verifier = verifier_default();
        verifier.cached((SIGNATURE, "c".into(), "k".into()), fail);
        verifier.cached((SIGNATURE, "c".into(), "k".into()), fail);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    fn verifier_default() -> Verifier {
        verifier()
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
