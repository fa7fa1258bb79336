//! MySQL schema management: the embedded migrations and the "newer than
//! this build" guard. sqlx holds a named lock (`GET_LOCK`) while migrating,
//! so nodes starting together migrate once.

use sqlx::migrate::Migrator;
use sqlx::mysql::MySqlPool;
use tresor_core::StoreError;

use super::error::backend;
use crate::remote::{migrate_error, too_new};

/// The MySQL migrations, embedded at build time.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/mysql");

/// The newest schema version this build knows.
pub(crate) fn latest_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The highest successfully applied migration, or `None` for a database
/// that was never migrated.
pub(crate) async fn applied_version(pool: &MySqlPool) -> Result<Option<i64>, StoreError> {
    let has_table: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_name = '_sqlx_migrations'",
    )
    .fetch_optional(pool)
    .await
    .map_err(backend)?;
    if has_table.is_none() {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_one(pool)
        .await
        .map_err(backend)
}

/// Refuses a schema newer than this build, then applies pending migrations.
pub(crate) async fn migrate(pool: &MySqlPool) -> Result<(), StoreError> {
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
