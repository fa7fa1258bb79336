//! Tresor's [`Store`] adapters on sqlx, chosen by database URL.
//!
//! SQLite is the default backend ([`SqliteStore`], one server per database
//! file). [`PostgresStore`] and [`MysqlStore`] (MySQL and MariaDB) keep no
//! state between calls, so several Tresor servers can share one database:
//! the audit chain is serialized inside the database. Every adapter shares
//! the row mapping in `rows` and passes the same [`conformance`] suite
//! (behind the `conformance` feature).

mod checkpoints;
mod copy;
mod discovery;
mod error;
mod evidence;
mod import;
mod mysql;
mod objects;
mod options;
mod pki;
mod postgres;
mod remote;
mod rows;
mod schema;
mod secrets;
mod sqlite;

#[cfg(feature = "conformance")]
pub mod conformance;

use std::sync::Arc;

use tresor_core::{Store, StoreError};

pub use copy::{CopyError, CopyReport, copy};
pub use error::{Closed, ConnectFailed, ReadOnly, UnsupportedChange, UnsupportedUrl};
pub use mysql::MysqlStore;
pub use options::{PoolOptions, SqliteOptions, StoreOptions, Synchronous, TlsMode};
pub use postgres::PostgresStore;
pub use schema::{migrate, schema_status};

/// A PostgreSQL pool with the same URL and TLS settings as the store (for
/// side channels such as cache invalidation `LISTEN/NOTIFY`).
pub async fn postgres_pool(
    url: &str,
    opts: &PoolOptions,
) -> Result<sqlx::postgres::PgPool, tresor_core::StoreError> {
    postgres::connect::pool(url, opts).await
}
pub use sqlite::SqliteStore;

/// The backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    /// The backend of `url`, or an [`UnsupportedUrl`] naming only its scheme.
    pub(crate) fn of(url: &str) -> Result<Self, StoreError> {
        if sqlite::is_sqlite_url(url) {
            Ok(Self::Sqlite)
        } else if postgres::is_postgres_url(url) {
            Ok(Self::Postgres)
        } else if mysql::is_mysql_url(url) {
            Ok(Self::Mysql)
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            Err(StoreError::Backend(Box::new(UnsupportedUrl(format!(
                "scheme '{scheme}' is not supported \
                 (expected sqlite://, postgres://, mysql:// or mariadb://)"
            )))))
        }
    }
}

/// Opens (creating and migrating when allowed) the store named by `url`.
///
/// Supported:
/// - `sqlite://PATH[?mode=rwc|rw|ro]` (also `sqlite:PATH`); `mode=rwc` (the
///   default) creates a missing database file with mode 0600, `rw` requires
///   it to exist, `ro` opens it read-only without migrating.
/// - `postgres://` or `postgresql://` `[user[:password]@]host[:port]/database[?sslmode=…]`.
/// - `mysql://` or `mariadb://` `[user[:password]@]host[:port]/database[?ssl-mode=…]`.
///
/// Database servers are migrated on open and use [`StoreOptions::pool`].
/// Errors never contain the URL, only its scheme, host and port.
pub async fn open(url: &str, opts: &StoreOptions) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match Backend::of(url)? {
        Backend::Sqlite => Arc::new(SqliteStore::open_url(url, &opts.sqlite).await?),
        Backend::Postgres => Arc::new(PostgresStore::open(url, &opts.pool).await?),
        Backend::Mysql => Arc::new(MysqlStore::open(url, &opts.pool).await?),
    })
}
