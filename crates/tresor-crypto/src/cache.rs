//! A bounded in-process cache of parsed key versions, so the hot path does
//! not unwrap and re-parse (RSA parsing is slow) on every call.
//!
//! Entries are keyed by (tenant, key id, version) and remember the algorithm
//! and a SHA-256 of the handle they were built from: a lookup with a
//! different handle or algorithm is a miss, so the cache never lets a forged
//! or swapped handle skip unwrapping. The cache is a bounded moka cache
//! with a time to live (`cache_ttl_seconds`); an evicted, expired or
//! invalidated entry is dropped, and a parsed key frees its material on
//! drop: aws-lc cleanses its key structures when they are freed
//! (`OPENSSL_free`/`HMAC_CTX_cleanup` zero the memory) and raw bytes inside
//! `ParsedKey` are `Zeroizing`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;

use aws_lc_rs::digest;
use tresor_core::{Algorithm, KeyContext, KeyId, TenantId};

use crate::keys::ParsedKey;

/// Default number of cached key versions.
pub const DEFAULT_CAPACITY: usize = 10_000;
/// Default time a parsed key stays cached.
pub const DEFAULT_TTL: Duration = Duration::from_secs(600);

type Slot = (TenantId, KeyId, u32);

struct Entry {
    algorithm: Algorithm,
    handle_digest: [u8; 32],
    key: Arc<ParsedKey>,
}

/// The cache. Cheap to share behind the provider.
pub struct KeyCache {
    capacity: usize,
    map: Cache<Slot, Arc<Entry>>,
}

impl fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyCache")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

fn handle_digest(handle: &[u8]) -> [u8; 32] {
    let d = digest::digest(&digest::SHA256, handle);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

fn slot(ctx: &KeyContext) -> Slot {
    (ctx.tenant.clone(), ctx.key_id, ctx.version)
}

impl KeyCache {
    /// A cache holding at most `capacity` versions (0 disables caching)
    /// for [`DEFAULT_TTL`].
    pub fn new(capacity: usize) -> Self {
        Self::with_ttl(capacity, DEFAULT_TTL)
    }

    /// A cache holding at most `capacity` versions, each for at most `ttl`.
    pub fn with_ttl(capacity: usize, ttl: Duration) -> Self {
        Self {
            capacity,
            map: Cache::builder()
                .max_capacity(capacity as u64)
                .time_to_live(ttl.max(Duration::from_millis(1)))
                .build(),
        }
    }

    /// The cached key for this context and handle, if any.
    pub fn get(&self, ctx: &KeyContext, handle: &[u8]) -> Option<Arc<ParsedKey>> {
        let entry = self.map.get(&slot(ctx))?;
        if entry.algorithm == ctx.algorithm && entry.handle_digest == handle_digest(handle) {
            Some(Arc::clone(&entry.key))
        } else {
            None
        }
    }

    /// Caches a key parsed from `handle`.
    pub fn insert(&self, ctx: &KeyContext, handle: &[u8], key: Arc<ParsedKey>) {
        if self.capacity == 0 {
            return;
        }
        let entry = Entry {
            algorithm: ctx.algorithm,
            handle_digest: handle_digest(handle),
            key,
        };
        self.map.insert(slot(ctx), Arc::new(entry));
    }

    /// Drops one version.
    pub fn remove_version(&self, ctx: &KeyContext) {
        self.map.invalidate(&slot(ctx));
        self.map.run_pending_tasks();
    }

    /// Drops every version of a key.
    pub fn remove_key(&self, tenant: &TenantId, key_id: &KeyId) {
        // Removed one by one (not with a lazy predicate) so the parsed keys
        // are released, and wiped, now.
        for (slot, _) in self.map.iter() {
            if slot.0 == *tenant && slot.1 == *key_id {
                self.map.invalidate(slot.as_ref());
            }
        }
        self.map.run_pending_tasks();
    }

    /// Drops every entry.
    pub fn clear(&self) {
        self.map.invalidate_all();
        self.map.run_pending_tasks();
    }

    /// Number of cached versions.
    pub fn len(&self) -> usize {
        self.map.run_pending_tasks();
        usize::try_from(self.map.entry_count()).unwrap_or(usize::MAX)
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ctx(version: u32) -> KeyContext {
        KeyContext {
            tenant: TenantId::parse("acme").unwrap(),
            key_id: KeyId::generate(),
            version,
            algorithm: Algorithm::Aes256Gcm,
        }
    }

    fn parsed() -> Arc<ParsedKey> {
        let material = crate::keys::generate(Algorithm::Aes256Gcm).unwrap();
        Arc::new(crate::keys::parse(Algorithm::Aes256Gcm, &material).unwrap())
    }

    /// Evicted, invalidated and expired keys are released by the cache (so
    /// their drop, which wipes the material, runs).
    #[test]
    fn released_on_invalidation_and_expiry() {
        let cache = KeyCache::with_ttl(10, Duration::from_millis(100));
        let (c, key) = (ctx(1), parsed());
        cache.insert(&c, b"handle", Arc::clone(&key));
        assert!(cache.get(&c, b"handle").is_some());
        assert!(cache.get(&c, b"other handle").is_none(), "handle bound");
        assert_eq!(Arc::strong_count(&key), 2);
        cache.remove_key(&c.tenant, &c.key_id);
        assert_eq!(Arc::strong_count(&key), 1, "released on invalidation");

        cache.insert(&c, b"handle", Arc::clone(&key));
        std::thread::sleep(Duration::from_millis(200));
        assert!(cache.get(&c, b"handle").is_none(), "expired");
        // Expired entries go at moka's next housekeeping.
        for _ in 0..50 {
            if Arc::strong_count(&key) == 1 {
                break;
            }
            cache.clear();
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(Arc::strong_count(&key), 1, "released after expiry");

        let off = KeyCache::new(0);
        off.insert(&c, b"handle", Arc::clone(&key));
        assert!(
            off.get(&c, b"handle").is_none(),
            "capacity 0 caches nothing"
        );
    }
}
