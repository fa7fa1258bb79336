//! Leases, audit import and blob listing on PostgreSQL. Lease expiry is
//! measured by the database server's clock (`clock_timestamp()`), so the
//! nodes' clocks need not agree; one conditional upsert decides a race.

use std::time::Duration;

use sqlx::Row;
use sqlx::postgres::PgPool;
use tresor_core::audit::AuditRecord;
use tresor_core::{ProviderId, StoreError};

use super::audit::insert_records;
use super::error::backend;
use crate::import::{blob_from_row, check_continuation, check_lease_names, ttl_micros};
use crate::remote::{head_hash, head_seq, retry_transient};
use crate::rows::u64_col;

/// The server's time in microseconds since the Unix epoch.
const NOW_US: &str = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT";

/// Inserts the lease, or takes it over when it is `holder`'s or expired.
pub(super) async fn try_acquire_lease(
    pool: &PgPool,
    name: &str,
    holder: &str,
    ttl: Duration,
) -> Result<bool, StoreError> {
    check_lease_names(name, holder)?;
    let sql = format!(
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, {NOW_US} + $3) \
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, \
         expires_at = EXCLUDED.expires_at \
         WHERE leases.holder = EXCLUDED.holder OR leases.expires_at <= {NOW_US}"
    );
    let ttl = ttl_micros(ttl);
    let done = retry_transient(|| async {
        sqlx::query(&sql)
            .bind(name)
            .bind(holder)
            .bind(ttl)
            .execute(pool)
            .await
            .map_err(backend)
    })
    .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn release_lease(
    pool: &PgPool,
    name: &str,
    holder: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .execute(pool)
        .await
        .map_err(backend)?;
    Ok(())
}

/// Locks the head, checks continuity, inserts, moves the head.
pub(super) async fn import_audit(
    pool: &PgPool,
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
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(u64_col("seq", seq)?)
        .bind(hash.to_vec())
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
    tx.commit().await.map_err(backend)
}

pub(super) async fn list_blobs(
    pool: &PgPool,
) -> Result<Vec<(ProviderId, String, Vec<u8>)>, StoreError> {
    let rows =
        sqlx::query("SELECT provider, name, value FROM provider_blobs ORDER BY provider, name")
            .fetch_all(pool)
            .await
            .map_err(backend)?;
    rows.iter().map(blob_from_row).collect()
}
