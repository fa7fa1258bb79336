//! The in-process (L1) caches: bounded moka caches with a time to live,
//! plus a generation counter that keeps a read racing an invalidation from
//! putting a stale value back.
//!
//! Only positive answers are cached (never "not found"), so creations need
//! no invalidation. Key versions hold wrapped handles: they stay in process
//! memory like the store's own rows, and never go to Redis.

use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::notification::RemovalCause;
use moka::sync::Cache;
use tresor_core::{
    Alias, ApiKeyRecord, CertPrincipal, KeyId, KeyRecord, TenantId, TenantRecord, VersionRecord,
};

use crate::invalidation::Invalidation;
use crate::stats::Counters;

/// The L1 caches of one node.
pub(crate) struct L1 {
    generation: AtomicU64,
    pub keys: Cache<(TenantId, KeyId), KeyRecord>,
    pub aliases: Cache<(TenantId, Alias), KeyId>,
    pub versions: Cache<(TenantId, KeyId), Arc<Vec<VersionRecord>>>,
    pub api_keys: Cache<Vec<u8>, ApiKeyRecord>,
    pub certs: Cache<String, Arc<Vec<CertPrincipal>>>,
    pub tenants: Cache<TenantId, TenantRecord>,
    /// Keys changed since this node last read them from the database: their
    /// next read skips Redis (which may still hold the old revision if the
    /// writer could not reach it) and refreshes it.
    pub l2_stale: Cache<(TenantId, KeyId), ()>,
}

impl std::fmt::Debug for L1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("L1")
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .field("keys", &self.keys.entry_count())
            .field("versions", &self.versions.entry_count())
            .finish_non_exhaustive()
    }
}

/// A cache that counts its evictions (size or age, not invalidations).
fn cache<K, V>(max: u64, ttl: Duration, counters: &Arc<Counters>) -> Cache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    let counters = counters.clone();
    Cache::builder()
        .max_capacity(max)
        .time_to_live(ttl)
        .eviction_listener(move |_, _, cause: RemovalCause| {
            if cause.was_evicted() {
                counters.l1_evicted();
            }
        })
        .build()
}

impl L1 {
    /// Caches of at most `max` entries each, living at most `ttl`;
    /// evictions are counted in `counters`.
    pub fn new(max: u64, ttl: Duration, counters: &Arc<Counters>) -> Self {
        Self {
            generation: AtomicU64::new(0),
            keys: cache(max, ttl, counters),
            aliases: cache(max, ttl, counters),
            versions: cache(max, ttl, counters),
            api_keys: cache(max, ttl, counters),
            certs: cache(max, ttl, counters),
            tenants: cache(max, ttl, counters),
            // Bookkeeping, not cached data: not counted.
            l2_stale: Cache::builder().max_capacity(max).time_to_live(ttl).build(),
        }
    }

    /// Entries in the data caches (after running moka's pending
    /// maintenance, which also delivers due eviction notifications).
    pub fn entries(&self) -> u64 {
        self.keys.run_pending_tasks();
        self.aliases.run_pending_tasks();
        self.versions.run_pending_tasks();
        self.api_keys.run_pending_tasks();
        self.certs.run_pending_tasks();
        self.tenants.run_pending_tasks();
        self.keys.entry_count()
            + self.aliases.entry_count()
            + self.versions.entry_count()
            + self.api_keys.entry_count()
            + self.certs.entry_count()
            + self.tenants.entry_count()
    }

    /// The generation to pass to [`L1::fill`] (read it before the source).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Caches `v` under `k` unless an invalidation happened since `seen`
    /// (the value may be older than that invalidation).
    pub fn fill<K, V>(&self, cache: &Cache<K, V>, seen: u64, k: K, v: V)
    where
        K: Hash + Eq + Send + Sync + Clone + 'static,
        V: Clone + Send + Sync + 'static,
    {
        if self.generation() != seen {
            return;
        }
        cache.insert(k.clone(), v);
        // An invalidation between the check and the insert: undo.
        if self.generation() != seen {
            cache.invalidate(&k);
        }
    }

    /// Drops what `inv` names.
    pub fn invalidate(&self, inv: &Invalidation) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        match inv {
            Invalidation::Key { tenant, id } => {
                let k = (tenant.clone(), *id);
                self.keys.invalidate(&k);
                self.versions.invalidate(&k);
                self.l2_stale.insert(k, ());
                // Aliases check the key's own alias on every hit.
            }
            Invalidation::ApiKeys => self.api_keys.invalidate_all(),
            Invalidation::Cert { subject_cn } => self.certs.invalidate(subject_cn),
            Invalidation::Tenant(t) => self.tenants.invalidate(t),
            Invalidation::All => self.clear(),
        }
    }

    /// Drops everything.
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.keys.invalidate_all();
        self.aliases.invalidate_all();
        self.versions.invalidate_all();
        self.api_keys.invalidate_all();
        self.certs.invalidate_all();
        self.tenants.invalidate_all();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::bus::Shared;
    use crate::stats::CacheStatsHandle;

    fn tenant(i: usize) -> TenantRecord {
        TenantRecord {
            id: TenantId::parse(&format!("t{i}")).unwrap(),
            display_name: String::new(),
            created_at: tresor_core::Timestamp::from_unix_micros(0),
        }
    }

    #[test]
    fn evictions_and_entries_are_counted() {
        let counters = Arc::new(Counters::default());
        let shared = Arc::new(Shared {
            l1: L1::new(2, Duration::from_secs(60), &counters),
            listening: std::sync::atomic::AtomicBool::new(true),
            counters,
        });
        let stats = CacheStatsHandle {
            shared: shared.clone(),
            l2_enabled: false,
        };
        for i in 0..10 {
            let t = tenant(i);
            shared.l1.tenants.insert(t.id.clone(), t);
            shared.l1.tenants.run_pending_tasks();
        }
        let s = stats.snapshot();
        assert!(s.l1_entries <= 2, "{s:?}");
        assert!(s.l1_evictions >= 8, "bounded by size: {s:?}");
        // An invalidation is not an eviction.
        let before = s.l1_evictions;
        shared.l1.clear();
        shared.l1.tenants.run_pending_tasks();
        let s = stats.snapshot();
        assert_eq!((s.l1_entries, s.l1_evictions), (0, before), "{s:?}");
    }
}
