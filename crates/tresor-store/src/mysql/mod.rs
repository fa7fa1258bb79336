//! The MySQL / MariaDB adapter: a connection pool shared by reads and
//! writes, migrations run on open, and nothing cached between calls, so
//! several Tresor servers can share one database. The audit chain is
//! serialized in the database itself (see `commit`), optimistic revision
//! checks are a conditional `UPDATE` (the driver reports matched rows), and
//! duplicate entries are told apart by key name.

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

use sqlx::Row;
use sqlx::mysql::{MySqlPool, MySqlRow};
use tresor_core::StoreError;

use crate::options::PoolOptions;
use crate::remote::{delegate_store, redact};
use crate::rows::{RowExt, decoded};

pub(crate) use connect::is_mysql_url;

/// Text is read as bytes and checked to be UTF-8: with a `_bin` collation
/// the server flags text columns binary, which sqlx will not decode as
/// `String`.
fn utf8(col: &str, bytes: Vec<u8>) -> Result<String, StoreError> {
    String::from_utf8(bytes)
        .map_err(|_| StoreError::Corrupt(format!("column {col}: not valid UTF-8")))
}

impl RowExt for MySqlRow {
    fn text(&self, col: &str) -> Result<String, StoreError> {
        utf8(col, decoded(col, self.try_get::<Vec<u8>, _>(col))?)
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>, StoreError> {
        decoded(col, self.try_get::<Option<Vec<u8>>, _>(col))?
            .map(|b| utf8(col, b))
            .transpose()
    }
    fn int(&self, col: &str) -> Result<i64, StoreError> {
        decoded(col, self.try_get(col))
    }
    fn opt_int(&self, col: &str) -> Result<Option<i64>, StoreError> {
        decoded(col, self.try_get(col))
    }
    fn flag(&self, col: &str) -> Result<bool, StoreError> {
        decoded(col, self.try_get(col))
    }
    fn blob(&self, col: &str) -> Result<Vec<u8>, StoreError> {
        decoded(col, self.try_get(col))
    }
    fn opt_blob(&self, col: &str) -> Result<Option<Vec<u8>>, StoreError> {
        decoded(col, self.try_get(col))
    }
}

/// A [`Store`](tresor_core::Store) on a MySQL or MariaDB database, safe to
/// share between several Tresor processes.
pub struct MysqlStore {
    pool: MySqlPool,
    /// `mysql://host:port`, for logs and `Debug` (never the full URL).
    target: String,
}

impl fmt::Debug for MysqlStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MysqlStore")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl MysqlStore {
    /// Connects to `mysql://` (or `mariadb://`) `url` and applies pending
    /// migrations. A database migrated by a newer Tresor is refused with
    /// [`StoreError::Corrupt`].
    pub async fn open(url: &str, opts: &PoolOptions) -> Result<Self, StoreError> {
        let pool = connect::pool(url, opts).await?;
        if let Err(e) = schema::migrate(&pool).await {
            pool.close().await;
            return Err(e);
        }
        let target = redact(url);
        tracing::debug!(database = %target, "MySQL store open");
        Ok(Self { pool, target })
    }

    /// `mysql://host:port` (or `mariadb://…`) of the server.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

delegate_store!(MysqlStore);
