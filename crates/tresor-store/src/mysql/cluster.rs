//! Leases, audit import and blob listing on MySQL/MariaDB. A lease is
//! decided inside one transaction that locks its row (`FOR UPDATE`), with
//! expiry measured by the database server's clock, so the nodes' clocks
//! need not agree.

use std::time::Duration;

use sqlx::Row;
use sqlx::mysql::{MySqlPool, MySqlRow};
use tresor_core::audit::AuditRecord;
use tresor_core::{ProviderId, StoreError};

use super::audit::insert_records;
use super::error::backend;
use crate::import::{blob_from_row, check_continuation, check_lease_names, ttl_micros};
use crate::remote::{head_hash, head_seq, retry_transient};
use crate::rows::u64_col;

/// The server's time in microseconds since the Unix epoch.
const NOW_US: &str = "CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)";

/// Takes the lease when it is free, expired or already `holder`'s.
pub(super) async fn try_acquire_lease(
    pool: &MySqlPool,
    name: &str,
    holder: &str,
    ttl: Duration,
) -> Result<bool, StoreError> {
    check_lease_names(name, holder)?;
    let ttl = ttl_micros(ttl);
    retry_transient(|| acquire_once(pool, name, holder, ttl)).await
}

async fn acquire_once(
    pool: &MySqlPool,
    name: &str,
    holder: &str,
    ttl: i64,
) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await.map_err(backend)?;
    // Make sure the row exists, so FOR UPDATE has something to lock.
    sqlx::query("INSERT IGNORE INTO leases (name, holder, expires_at) VALUES (?, '', 0)")
        .bind(name)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    let sql = format!(
        "SELECT holder, expires_at, {NOW_US} AS now_us FROM leases WHERE name = ? FOR UPDATE"
    );
    let row: MySqlRow = sqlx::query(&sql)
        .bind(name)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?;
    // A `_bin` collation makes the column arrive as bytes.
    let current: Vec<u8> = row.try_get("holder").map_err(backend)?;
    let expires_at: i64 = row.try_get("expires_at").map_err(backend)?;
    let now: i64 = row.try_get("now_us").map_err(backend)?;
    if current != holder.as_bytes() && expires_at > now {
        tx.rollback().await.map_err(backend)?;
        return Ok(false);
    }
    sqlx::query("UPDATE leases SET holder = ?, expires_at = ? WHERE name = ?")
        .bind(holder)
        .bind(now.saturating_add(ttl))
        .bind(name)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(true)
}

pub(super) async fn release_lease(
    pool: &MySqlPool,
    name: &str,
    holder: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM leases WHERE name = ? AND holder = ?")
        .bind(name)
        .bind(holder)
        .execute(pool)
        .await
        .map_err(backend)?;
    Ok(())
}

/// Locks the head, checks continuity, inserts, moves the head.
pub(super) async fn import_audit(
    pool: &MySqlPool,
    records: Vec<AuditRecord>,
) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let mut tx = pool.begin().await.map_err(backend)?;
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend)?
        .ok_or_else(|| StoreError::Corrupt("the audit_head row is missing".to_owned()))?;
    let head = (
        head_seq(row.try_get("seq").map_err(backend)?)?,
        head_hash(row.try_get("hash").map_err(backend)?)?,
    );
    let (seq, hash) = check_continuation(head, &records)?;
    insert_records(&mut tx, &records).await?;
    sqlx::query("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1")
        .bind(u64_col("seq", seq)?)
        .bind(hash.to_vec())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    tx.commit().await.map_err(backend)
}

pub(super) async fn list_blobs(
    pool: &MySqlPool,
) -> Result<Vec<(ProviderId, String, Vec<u8>)>, StoreError> {
    let rows =
        sqlx::query("SELECT provider, name, value FROM provider_blobs ORDER BY provider, name")
            .fetch_all(pool)
            .await
            .map_err(backend)?;
    rows.iter().map(blob_from_row).collect()
}
