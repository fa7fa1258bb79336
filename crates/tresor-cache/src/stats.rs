//! What the caches count (hits, misses, evictions, Redis failures,
//! invalidations heard) and a point-in-time [`CacheStats`] copy of it for
//! the server's `/metrics`. Counters only ever grow; nothing here names a
//! key, a tenant or any other request data.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::bus::Shared;

/// The live counters of one node's caches.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    l1_hits: AtomicU64,
    l1_misses: AtomicU64,
    l1_evictions: AtomicU64,
    l2_hits: AtomicU64,
    l2_misses: AtomicU64,
    redis_errors: AtomicU64,
    redis_fallbacks: AtomicU64,
    invalidations: AtomicU64,
    bypassed: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    /// An L1 lookup answered (`true`) or not.
    pub fn l1(&self, hit: bool) {
        bump(if hit { &self.l1_hits } else { &self.l1_misses });
    }

    /// An L2 lookup answered (`true`) or not (Redis answered "absent").
    pub fn l2(&self, hit: bool) {
        bump(if hit { &self.l2_hits } else { &self.l2_misses });
    }

    /// An L1 entry dropped for size or age (not by an invalidation).
    pub fn l1_evicted(&self) {
        bump(&self.l1_evictions);
    }

    /// A Redis call failed or timed out.
    pub fn redis_error(&self) {
        bump(&self.redis_errors);
    }

    /// A read went to the database because Redis was unavailable (failed
    /// now, or skipped while backing off after a failure).
    pub fn redis_fallback(&self) {
        bump(&self.redis_fallbacks);
    }

    /// One invalidation heard on the bus.
    pub fn invalidation_received(&self) {
        bump(&self.invalidations);
    }

    /// A read that skipped the caches because the bus was down.
    pub fn bypassed(&self) {
        bump(&self.bypassed);
    }
}

/// A copy of a node's cache counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Reads answered by the in-process cache.
    pub l1_hits: u64,
    /// Reads the in-process cache could not answer.
    pub l1_misses: u64,
    /// In-process entries dropped for size or age.
    pub l1_evictions: u64,
    /// Entries in the in-process caches now.
    pub l1_entries: u64,
    /// Whether Redis is configured.
    pub l2_enabled: bool,
    /// Reads answered by Redis.
    pub l2_hits: u64,
    /// Reads Redis answered with "absent".
    pub l2_misses: u64,
    /// Redis calls that failed or timed out.
    pub redis_errors: u64,
    /// Reads that went to the database because Redis was unavailable.
    pub redis_fallbacks: u64,
    /// Invalidations heard on the bus (this node's own included:
    /// PostgreSQL and Redis deliver a node's messages to itself too).
    pub invalidations_received: u64,
    /// Reads that skipped every cache because the bus was down.
    pub bypassed: u64,
    /// Whether the caches answer reads now (false while the bus is down).
    pub caching: bool,
}

/// Reads a [`crate::CachedStore`]'s counters; cheap to clone, and keeps
/// only the caches (not the database) alive.
#[derive(Debug, Clone)]
pub struct CacheStatsHandle {
    pub(crate) shared: Arc<Shared>,
    pub(crate) l2_enabled: bool,
}

impl CacheStatsHandle {
    /// The counters now.
    pub fn snapshot(&self) -> CacheStats {
        // First: it runs moka's maintenance, which counts due evictions.
        let l1_entries = self.shared.l1.entries();
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CacheStats {
            l1_hits: get(&c.l1_hits),
            l1_misses: get(&c.l1_misses),
            l1_evictions: get(&c.l1_evictions),
            l1_entries,
            l2_enabled: self.l2_enabled,
            l2_hits: get(&c.l2_hits),
            l2_misses: get(&c.l2_misses),
            redis_errors: get(&c.redis_errors),
            redis_fallbacks: get(&c.redis_fallbacks),
            invalidations_received: get(&c.invalidations),
            bypassed: get(&c.bypassed),
            caching: self.shared.listening.load(Ordering::SeqCst),
        }
    }
}
