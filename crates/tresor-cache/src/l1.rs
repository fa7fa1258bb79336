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

use moka::sync::Cache;
use tresor_core::{
    Alias, ApiKeyRecord, CertPrincipal, KeyId, KeyRecord, TenantId, TenantRecord, VersionRecord,
};

use crate::invalidation::Invalidation;

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

fn cache<K, V>(max: u64, ttl: Duration) -> Cache<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    Cache::builder().max_capacity(max).time_to_live(ttl).build()
}

impl L1 {
    /// Caches of at most `max` entries each, living at most `ttl`.
    pub fn new(max: u64, ttl: Duration) -> Self {
        Self {
            generation: AtomicU64::new(0),
            keys: cache(max, ttl),
            aliases: cache(max, ttl),
            versions: cache(max, ttl),
            api_keys: cache(max, ttl),
            certs: cache(max, ttl),
            tenants: cache(max, ttl),
            l2_stale: cache(max, ttl),
        }
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
