//! Tresor's metadata cache, as a [`tresor_core::Store`] decorator so the
//! service is unchanged: an in-process L1 (moka, bounded, with a time to
//! live), an optional shared L2 in Redis (key metadata only — never key
//! versions, whose handles are wrapped key material), and invalidation
//! across nodes over PostgreSQL `LISTEN/NOTIFY` or Redis pub/sub.
//!
//! Every write goes to the database first; then this node drops what the
//! write made stale, refreshes Redis and tells the other nodes.
//! Hits, misses, evictions, Redis failures and invalidations are counted
//! ([`CachedStore::stats`]) for the server's `/metrics`.

mod bus;
mod invalidation;
mod l1;
mod l2;
mod settings;
mod stats;
mod store;

pub use invalidation::{CHANNEL, Invalidation};
pub use l2::PREFIX as REDIS_PREFIX;
pub use settings::{CacheSettings, DEFAULT_MAX_ENTRIES, DEFAULT_TTL, POLL_TTL};
pub use stats::{CacheStats, CacheStatsHandle};
pub use store::{CacheError, CachedStore, Topology};
