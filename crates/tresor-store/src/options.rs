//! Tuning knobs for opening a store. Defaults favour durability: every commit
//! is on disk (fsync'd) before `commit` returns.

use std::time::Duration;

/// Options for [`open`](crate::open), one section per backend.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct StoreOptions {
    /// Used for `sqlite://` URLs.
    pub sqlite: SqliteOptions,
}

impl StoreOptions {
    /// Sets the SQLite options.
    pub fn with_sqlite(mut self, sqlite: SqliteOptions) -> Self {
        self.sqlite = sqlite;
        self
    }
}

/// When SQLite waits for the disk (`PRAGMA synchronous`), in WAL mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Synchronous {
    /// Every commit is durable when it returns (the default).
    #[default]
    Full,
    /// Faster; the last commits may roll back after a power loss (never
    /// corrupts). Not for production audit guarantees.
    Normal,
}

/// SQLite-specific options.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// Durability of each commit.
    pub synchronous: Synchronous,
    /// Size of the read connection pool (writes use one extra connection).
    pub max_connections: u32,
    /// How long a statement waits for a lock held by another process.
    pub busy_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            synchronous: Synchronous::Full,
            max_connections: 4,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

impl SqliteOptions {
    /// Sets [`SqliteOptions::synchronous`].
    pub fn with_synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// Sets [`SqliteOptions::max_connections`] (at least 1).
    pub fn with_max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Sets [`SqliteOptions::busy_timeout`].
    pub fn with_busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }
}
