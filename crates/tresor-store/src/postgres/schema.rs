//! PostgreSQL schema management: the embedded migrations and the "newer
//! than this build" guard. sqlx holds an advisory lock while migrating, so
//! nodes starting together migrate once.

use sqlx::migrate::Migrator;
use sqlx::postgres::PgPool;
use tresor_core::StoreError;

use super::error::backend;
use crate::remote::{migrate_error, too_new};

/// The PostgreSQL migrations, embedded at build time.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// The newest schema version this build knows.
pub(crate) fn latest_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The highest successfully applied migration, or `None` for a database
/// that was never migrated.
pub(crate) async fn applied_version(pool: &PgPool) -> Result<Option<i64>, StoreError> {
    let has_table: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await
        .map_err(backend)?;
    if !has_table {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .map_err(backend)
}

/// Refuses a schema newer than this build, then applies pending migrations.
pub(crate) async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    let latest = latest_version();
    if let Some(v) = applied_version(pool).await?
        && v > latest
    {
        return Err(too_new(v, latest));
    }
    MIGRATOR
        .run(pool)
        .await
        .map_err(|e| migrate_error(e, latest))
}
