//! A bounded in-process cache of parsed key versions, so the hot path does
//! not unwrap and re-parse (RSA parsing is slow) on every call.
//!
//! Entries are keyed by (tenant, key id, version) and remember the algorithm
//! and a SHA-256 of the handle they were built from: a lookup with a
//! different handle or algorithm is a miss, so the cache never lets a forged
//! or swapped handle skip unwrapping. When full, an arbitrary entry is
//! evicted. Parsed keys free (and aws-lc wipes) their material on drop; raw
//! bytes inside them are `Zeroizing`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use aws_lc_rs::digest;
use tresor_core::{Algorithm, KeyContext, KeyId, TenantId};

use crate::keys::ParsedKey;

/// Default number of cached key versions.
pub const DEFAULT_CAPACITY: usize = 10_000;

type Slot = (TenantId, KeyId, u32);

struct Entry {
    algorithm: Algorithm,
    handle_digest: [u8; 32],
    key: Arc<ParsedKey>,
}

/// The cache. Cheap to share behind the provider.
pub struct KeyCache {
    capacity: usize,
    map: RwLock<HashMap<Slot, Entry>>,
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
    /// A cache holding at most `capacity` versions (0 disables caching).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            map: RwLock::new(HashMap::new()),
        }
    }

    /// The cached key for this context and handle, if any.
    pub fn get(&self, ctx: &KeyContext, handle: &[u8]) -> Option<Arc<ParsedKey>> {
        let digest = handle_digest(handle);
        let slot = slot(ctx);
        let map = self.map.read().unwrap_or_else(PoisonError::into_inner);
        let entry = map.get(&slot)?;
        if entry.algorithm == ctx.algorithm && entry.handle_digest == digest {
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
        let slot = slot(ctx);
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= self.capacity
            && !map.contains_key(&slot)
            && let Some(victim) = map.keys().next().cloned()
        {
            map.remove(&victim);
        }
        map.insert(slot, entry);
    }

    /// Drops one version.
    pub fn remove_version(&self, ctx: &KeyContext) {
        self.map
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&slot(ctx));
    }

    /// Drops every version of a key.
    pub fn remove_key(&self, tenant: &TenantId, key_id: &KeyId) {
        self.map
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(t, k, _), _| !(t == tenant && k == key_id));
    }

    /// Drops every entry.
    pub fn clear(&self) {
        self.map
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Number of cached versions.
    pub fn len(&self) -> usize {
        self.map.read().map(|m| m.len()).unwrap_or(0)
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
