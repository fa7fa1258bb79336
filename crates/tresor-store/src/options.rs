//! Tuning knobs for opening a store. Defaults favour durability: every commit
//! is on disk (fsync'd) before `commit` returns.

use std::path::PathBuf;
use std::time::Duration;

/// Options for [`open`](crate::open), one section per backend.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct StoreOptions {
    /// Used for `sqlite://` URLs.
    pub sqlite: SqliteOptions,
    /// Used for database servers: `postgres://`, `mysql://`, `mariadb://`.
    pub pool: PoolOptions,
}

impl StoreOptions {
    /// Sets the SQLite options.
    pub fn with_sqlite(mut self, sqlite: SqliteOptions) -> Self {
        self.sqlite = sqlite;
        self
    }

    /// Sets the connection-pool options for database servers.
    pub fn with_pool(mut self, pool: PoolOptions) -> Self {
        self.pool = pool;
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

/// How the connection to a database server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsMode {
    /// Plain TCP.
    Disable,
    /// TLS when the server offers it, plain otherwise; certificate unchecked.
    Prefer,
    /// TLS or nothing; the certificate is not verified.
    Require,
    /// TLS with the certificate verified (against
    /// [`PoolOptions::tls_ca_file`] or the bundled web roots) and the host
    /// name matched.
    VerifyFull,
}

impl TlsMode {
    /// Parses `disable`, `prefer`, `require` or `verify-full`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "disable" => Some(Self::Disable),
            "prefer" => Some(Self::Prefer),
            "require" => Some(Self::Require),
            "verify-full" => Some(Self::VerifyFull),
            _ => None,
        }
    }

    /// The configuration name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyFull => "verify-full",
        }
    }
}

/// Connection-pool options for PostgreSQL and MySQL/MariaDB.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PoolOptions {
    /// Most connections open at once (default 20).
    pub max_connections: u32,
    /// An idle connection is closed after this long (default 30 s).
    pub idle_timeout: Duration,
    /// How long a call waits for a free connection (default 30 s).
    pub acquire_timeout: Duration,
    /// TLS to the server; `None` keeps what the URL says (`sslmode=` /
    /// `ssl-mode=`), which defaults to `prefer`.
    pub tls: Option<TlsMode>,
    /// PEM file with the CA certificate(s) the server's certificate must
    /// chain to (for [`TlsMode::VerifyFull`]).
    pub tls_ca_file: Option<PathBuf>,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 20,
            idle_timeout: Duration::from_secs(30),
            acquire_timeout: Duration::from_secs(30),
            tls: None,
            tls_ca_file: None,
        }
    }
}

impl PoolOptions {
    /// Sets [`PoolOptions::max_connections`] (at least 1).
    pub fn with_max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Sets [`PoolOptions::idle_timeout`].
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets [`PoolOptions::acquire_timeout`].
    pub fn with_acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Sets [`PoolOptions::tls`].
    pub fn with_tls(mut self, mode: TlsMode) -> Self {
        self.tls = Some(mode);
        self
    }

    /// Sets [`PoolOptions::tls_ca_file`].
    pub fn with_tls_ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.tls_ca_file = Some(path.into());
        self
    }
}
