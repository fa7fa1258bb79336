//! What the cache is told by the server's configuration.

use std::time::Duration;

/// Default time an entry may live in a cache (`cache_ttl_seconds`).
pub const DEFAULT_TTL: Duration = Duration::from_secs(600);
/// Default most entries per in-process cache (`cache_max_entries`).
pub const DEFAULT_MAX_ENTRIES: u64 = 100_000;
/// Longest an L1 entry lives when no invalidation bus reaches the other
/// nodes (MySQL/MariaDB without Redis): changes made elsewhere are seen
/// within this bound.
pub const POLL_TTL: Duration = Duration::from_secs(1);

/// Cache settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// `false` turns every cache off: each read goes to the database.
    pub enabled: bool,
    /// Time to live of an entry (L1 and L2).
    pub ttl: Duration,
    /// Most entries per in-process cache.
    pub max_entries: u64,
    /// Redis URL for the shared L2 metadata cache and pub/sub invalidation.
    pub redis_url: Option<String>,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            ttl: DEFAULT_TTL,
            max_entries: DEFAULT_MAX_ENTRIES,
            redis_url: None,
        }
    }
}
