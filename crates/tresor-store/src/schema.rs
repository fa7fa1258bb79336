//! Schema operations by URL, for `tresor db migrate|status`: apply pending
//! migrations, or report the applied and the newest known schema version
//! without changing anything.

use std::path::PathBuf;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use tresor_core::StoreError;

use crate::error::{ReadOnly, backend};
use crate::options::StoreOptions;
use crate::remote::bad_url;
use crate::{Backend, MysqlStore, PostgresStore, SqliteStore, mysql, postgres};

/// The SQLite migrations (the same files `SqliteStore` embeds), for
/// [`schema_status`].
static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Applies pending migrations to the database at `url` (creating a SQLite
/// file unless the URL says `mode=rw`), then closes it. A schema newer than
/// this build is refused with [`StoreError::Corrupt`].
pub async fn migrate(url: &str, opts: &StoreOptions) -> Result<(), StoreError> {
    match Backend::of(url)? {
        Backend::Sqlite => {
            let store = SqliteStore::open_url(url, &opts.sqlite).await?;
            let read_only = store.is_read_only();
            store.close().await;
            if read_only {
                return Err(StoreError::Backend(Box::new(ReadOnly)));
            }
        }
        Backend::Postgres => PostgresStore::open(url, &opts.pool).await?.close().await,
        Backend::Mysql => MysqlStore::open(url, &opts.pool).await?.close().await,
    }
    Ok(())
}

/// `(applied, latest)`: the highest migration applied to the database at
/// `url` (0 when it was never migrated) and the newest this build knows.
/// Changes nothing; `applied > latest` means a newer Tresor migrated it.
pub async fn schema_status(url: &str, opts: &StoreOptions) -> Result<(i64, i64), StoreError> {
    match Backend::of(url)? {
        Backend::Sqlite => sqlite_status(url).await,
        Backend::Postgres => {
            let pool = postgres::connect::pool(url, &opts.pool).await?;
            let applied = postgres::schema::applied_version(&pool).await;
            pool.close().await;
            Ok((applied?.unwrap_or(0), postgres::schema::latest_version()))
        }
        Backend::Mysql => {
            let pool = mysql::connect::pool(url, &opts.pool).await?;
            let applied = mysql::schema::applied_version(&pool).await;
            pool.close().await;
            Ok((applied?.unwrap_or(0), mysql::schema::latest_version()))
        }
    }
}

/// The path of a `sqlite://PATH[?…]` (or `sqlite:PATH`) URL.
fn sqlite_path(url: &str) -> Result<PathBuf, StoreError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return Err(bad_url(url, "a SQLite store needs a database file path"));
    }
    Ok(PathBuf::from(path))
}

async fn sqlite_status(url: &str) -> Result<(i64, i64), StoreError> {
    let latest = SQLITE_MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    let mut conn: SqliteConnection = SqliteConnectOptions::new()
        .filename(sqlite_path(url)?)
        .create_if_missing(false)
        .read_only(true)
        .connect()
        .await
        .map_err(backend)?;
    let has_table: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(&mut conn)
    .await
    .map_err(backend)?;
    let applied: Option<i64> = if has_table.is_some() {
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
            .fetch_one(&mut conn)
            .await
            .map_err(backend)?
    } else {
        None
    };
    if let Err(e) = conn.close().await {
        tracing::debug!(error = %e, "closing the SQLite status connection failed");
    }
    Ok((applied.unwrap_or(0), latest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_status_and_migrate() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let opts = StoreOptions::default();
        assert!(schema_status(&url, &opts).await.is_err(), "no file yet");
        migrate(&url, &opts).await.unwrap();
        let (applied, latest) = schema_status(&url, &opts).await.unwrap();
        assert!(latest >= 1);
        assert_eq!(applied, latest);
        assert!(migrate(&format!("{url}?mode=ro"), &opts).await.is_err());
        assert!(schema_status("redis://x", &opts).await.is_err());
    }
}
