//! The PostgreSQL adapter: a connection pool shared by reads and writes,
//! migrations run on open, and nothing cached between calls, so several
//! Tresor servers can share one database. The audit chain is serialized in
//! the database itself (see `commit`), optimistic revision checks are a
//! conditional `UPDATE`, and unique violations are told apart by index name.

mod audit;
mod checkpoints;
mod cluster;
mod commit;
pub(crate) mod connect;
mod credentials;
mod discovery;
mod error;
mod evidence;
mod keys;
mod objects;
mod pki;
pub(crate) mod schema;
mod secrets;

use std::fmt;

use sqlx::postgres::{PgPool, PgRow};
use tresor_core::StoreError;

use crate::options::PoolOptions;
use crate::remote::{delegate_store, redact};
use crate::rows::impl_row_ext;

pub(crate) use connect::is_postgres_url;

impl_row_ext!(PgRow);

/// A [`Store`](tresor_core::Store) on a PostgreSQL database, safe to share
/// between several Tresor processes.
pub struct PostgresStore {
    pool: PgPool,
    /// `postgres://host:port`, for logs and `Debug` (never the full URL).
    target: String,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `postgres://` (or `postgresql://`) `url` and applies
    /// pending migrations. A database migrated by a newer Tresor is refused
    /// with [`StoreError::Corrupt`].
    pub async fn open(url: &str, opts: &PoolOptions) -> Result<Self, StoreError> {
        let pool = connect::pool(url, opts).await?;
        if let Err(e) = schema::migrate(&pool).await {
            pool.close().await;
            return Err(e);
        }
        let target = redact(url);
        tracing::debug!(database = %target, "PostgreSQL store open");
        Ok(Self { pool, target })
    }

    /// `postgres://host:port` of the server.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

delegate_store!(PostgresStore);
