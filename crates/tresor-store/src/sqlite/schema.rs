//! Schema management: the embedded migrations, the "newer than this build"
//! guard, and creating the database file with owner-only permissions.

use std::path::Path;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::SqliteConnection;
use tresor_core::StoreError;

use crate::error::backend;

/// The SQLite migrations, embedded at build time.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// The newest schema version this build knows.
fn latest_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

fn too_new(found: i64) -> StoreError {
    StoreError::Corrupt(format!(
        "database schema version {found} is newer than this Tresor supports ({})",
        latest_version()
    ))
}

/// The highest successfully applied migration, or `None` for a database
/// that was never migrated.
async fn applied_version(conn: &mut SqliteConnection) -> Result<Option<i64>, StoreError> {
    let has_table: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(backend)?;
    if has_table.is_none() {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)
}

/// Refuses a schema newer than this build, then applies pending migrations.
pub(super) async fn migrate(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    if let Some(v) = applied_version(conn).await?
        && v > latest_version()
    {
        return Err(too_new(v));
    }
    MIGRATOR.run(&mut *conn).await.map_err(|e| match e {
        MigrateError::VersionMissing(v) => too_new(v),
        MigrateError::VersionMismatch(v) => StoreError::Corrupt(format!(
            "migration {v} was modified after it was applied to this database"
        )),
        MigrateError::Dirty(v) => {
            StoreError::Corrupt(format!("migration {v} was interrupted; restore a backup"))
        }
        other => StoreError::Backend(Box::new(other)),
    })
}

/// For read-only opens: the database must be a Tresor database whose schema
/// this build understands (no migration is attempted).
pub(super) async fn check_readable(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    match applied_version(conn).await? {
        None => Err(StoreError::Corrupt(
            "not a Tresor database (no schema version)".to_owned(),
        )),
        Some(v) if v > latest_version() => Err(too_new(v)),
        Some(_) => Ok(()),
    }
}

/// Creates the database file with mode 0600 unless it exists; warns when an
/// existing file is readable by others.
pub(super) async fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let io = |e: std::io::Error| StoreError::Backend(Box::new(e));
    let mut open = tokio::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    open.mode(0o600);
    match open.open(path).await {
        Ok(file) => {
            file.sync_all().await.map_err(io)?;
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            warn_if_shared(path).await;
            Ok(())
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(unix)]
async fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = tokio::fs::metadata(path).await {
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{:o}", mode & 0o777),
                "the database file is accessible to other users; chmod 600 it"
            );
        }
    }
}

#[cfg(not(unix))]
async fn warn_if_shared(_path: &Path) {}
