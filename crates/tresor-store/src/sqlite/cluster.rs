//! Leases, audit import and blob listing on SQLite. One process owns a
//! SQLite file, so leases only matter to tools sharing it; they use this
//! machine's clock and run on the writer connection.

use std::time::Duration;

use sqlx::Connection;
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use tresor_core::audit::AuditRecord;
use tresor_core::{ProviderId, StoreError};

use super::{Writer, audit, closed};
use crate::error::{backend, write_error};
use crate::import::{blob_from_row, check_continuation, check_lease_names, ttl_micros};

/// Takes the lease when it is free, expired or already `holder`'s.
pub(super) async fn try_acquire_lease(
    conn: &mut SqliteConnection,
    name: &str,
    holder: &str,
    ttl: Duration,
) -> Result<bool, StoreError> {
    check_lease_names(name, holder)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    let done = sqlx::query(
        "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
         expires_at = excluded.expires_at \
         WHERE leases.holder = excluded.holder OR leases.expires_at <= ?4",
    )
    .bind(name)
    .bind(holder)
    .bind(now.saturating_add(ttl_micros(ttl)))
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(write_error)?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn release_lease(
    conn: &mut SqliteConnection,
    name: &str,
    holder: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM leases WHERE name = ? AND holder = ?")
        .bind(name)
        .bind(holder)
        .execute(&mut *conn)
        .await
        .map_err(write_error)?;
    Ok(())
}

/// Checks continuity against the stored head and appends, in one
/// transaction; the cached head is dropped first and set after COMMIT.
pub(super) async fn import_audit(
    w: &mut Writer,
    records: Vec<AuditRecord>,
) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    w.head = None;
    let conn = w.conn.as_mut().ok_or_else(closed)?;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(backend)?;
    let head = audit::read_head(&mut *tx).await?;
    let new_head = check_continuation(head, &records)?;
    audit::insert_many(&mut tx, &records)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate => StoreError::Conflict,
            e => e,
        })?;
    tx.commit().await.map_err(backend)?;
    w.head = Some(new_head);
    Ok(())
}

pub(super) async fn list_blobs(
    pool: &SqlitePool,
) -> Result<Vec<(ProviderId, String, Vec<u8>)>, StoreError> {
    let rows =
        sqlx::query("SELECT provider, name, value FROM provider_blobs ORDER BY provider, name")
            .fetch_all(pool)
            .await
            .map_err(backend)?;
    rows.iter().map(blob_from_row).collect()
}
