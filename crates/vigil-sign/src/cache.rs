//! A small verified-digest cache: once an image digest has verified under a given policy (key
//! or identity), later checks of the same digest within the TTL cost no registry round trip.
//! Bounded in entries; the oldest entry is evicted first. Safe to share between threads.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A bounded, time-limited map from (digest, policy) keys to verification results.
#[derive(Debug)]
pub struct VerifiedCache<K, V> {
    capacity: usize,
    ttl: Duration,
    inner: Mutex<Inner<K, V>>,
}

#[derive(Debug)]
struct Inner<K, V> {
    entries: HashMap<K, (Instant, V)>,
    order: VecDeque<K>,
}

impl<K: Eq + Hash + Clone, V: Clone> VerifiedCache<K, V> {
    /// A cache holding at most `capacity` entries (at least 1), each valid for `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        VerifiedCache {
            capacity: capacity.max(1),
            ttl,
            inner: Mutex::new(Inner { entries: HashMap::new(), order: VecDeque::new() }),
        }
    }

    /// The cached value for `key`, unless it has expired (expired entries are dropped).
    pub fn get(&self, key: &K) -> Option<V> {
        self.get_at(key, Instant::now())
    }

    fn get_at(&self, key: &K, now: Instant) -> Option<V> {
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match inner.entries.get(key) {
            Some((at, value)) if now.duration_since(*at) < self.ttl => Some(value.clone()),
            Some(_) => {
                inner.entries.remove(key);
                inner.order.retain(|k| k != key);
                None
            }
            None => None,
        }
    }

    /// Remembers `value` for `key`, evicting the oldest entry when full.
    pub fn insert(&self, key: K, value: V) {
        self.insert_at(key, value, Instant::now());
    }

    fn insert_at(&self, key: K, value: V, now: Instant) {
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if inner.entries.insert(key.clone(), (now, value)).is_some() {
            inner.order.retain(|k| k != &key);
        }
        inner.order.push_back(key);
        while inner.order.len() > self.capacity {
            if let Some(oldest) = inner.order.pop_front() {
                inner.entries.remove(&oldest);
            }
        }
    }

    /// Number of entries held (expired ones included until looked up).
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_expire_and_evict() {
        let cache = VerifiedCache::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        cache.insert_at(("sha256:a", "key1"), true, t0);
        assert_eq!(cache.get_at(&("sha256:a", "key1"), t0 + Duration::from_secs(1)), Some(true));
        // A different policy is a different entry.
        assert_eq!(cache.get_at(&("sha256:a", "key2"), t0), None);
        // Expired after the TTL.
        assert_eq!(cache.get_at(&("sha256:a", "key1"), t0 + Duration::from_secs(61)), None);
        assert!(cache.is_empty());
        // Capacity: the oldest goes first.
        cache.insert_at(("sha256:a", "k"), true, t0);
        cache.insert_at(("sha256:b", "k"), true, t0);
        cache.insert_at(("sha256:c", "k"), true, t0);
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get_at(&("sha256:a", "k"), t0), None);
        assert_eq!(cache.get_at(&("sha256:c", "k"), t0), Some(true));
    }

    #[test]
    fn lookups_are_cheap() {
        // Reports the lookup cost (no timing assertion): the admission webhook relies on it.
        let cache = VerifiedCache::new(10_000, Duration::from_secs(300));
        for i in 0..10_000 {
            cache.insert(format!("sha256:{i:064}"), i);
        }
        let key = format!("sha256:{:064}", 4242);
        let started = Instant::now();
        let mut hits = 0;
        for _ in 0..100_000 {
            hits += usize::from(cache.get(&key).is_some());
        }
        let per = started.elapsed() / 100_000;
        eprintln!("verified-digest cache: {per:?} per lookup ({hits} hits)");
        assert_eq!(hits, 100_000);
    }
}
