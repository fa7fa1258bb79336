//! The audit table on PostgreSQL: multi-row appends of chained records,
//! reading the head, and filtered, paged reads.

use sqlx::QueryBuilder;
use sqlx::postgres::{PgPool, Postgres};
use tresor_core::audit::{AuditRecord, GENESIS_HASH};
use tresor_core::{AuditFilter, StoreError};

use super::error::{backend, write_error};
use crate::remote::{
    AUDIT_ROWS_PER_INSERT, DEFAULT_LIMIT, MAX_LIMIT, clamp_seq, head_hash, head_seq,
};
use crate::rows::{AUDIT_COLUMNS, RowExt, audit_from_row, page_limit, push_audit_rows};

/// Inserts chained records, a few hundred per statement. A taken seq means
/// the chain was written around the head lock: `Conflict`.
pub(super) async fn insert_records(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    records: &[AuditRecord],
) -> Result<(), StoreError> {
    for chunk in records.chunks(AUDIT_ROWS_PER_INSERT) {
        let mut q = QueryBuilder::<Postgres>::new(format!("INSERT INTO audit ({AUDIT_COLUMNS}) "));
        push_audit_rows(&mut q, chunk)?;
        q.build()
            .execute(&mut **tx)
            .await
            .map_err(|e| match write_error(e) {
                StoreError::Duplicate => StoreError::Conflict,
                e => e,
            })?;
    }
    Ok(())
}

/// The last record's `(seq, hash)`, or `(0, GENESIS_HASH)` when empty.
pub(super) async fn read_head(pool: &PgPool) -> Result<(u64, [u8; 32]), StoreError> {
    let row = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
    match row {
        None => Ok((0, GENESIS_HASH)),
        Some(row) => Ok((head_seq(row.int("seq")?)?, head_hash(row.blob("hash")?)?)),
    }
}

/// Records matching `f`, newest first unless `f.ascending`.
pub(super) async fn list_audit(
    pool: &PgPool,
    f: &AuditFilter,
) -> Result<Vec<AuditRecord>, StoreError> {
    let mut q =
        QueryBuilder::<Postgres>::new(format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE TRUE"));
    let text_filters = [
        ("tenant", &f.tenant),
        ("principal", &f.principal),
        ("action", &f.action),
        ("object", &f.object),
    ];
    for (col, value) in text_filters {
        if let Some(v) = value {
            q.push(format!(" AND {col} = ")).push_bind(v.clone());
        }
    }
    if let Some(o) = f.outcome {
        q.push(" AND outcome = ").push_bind(o.as_str());
    }
    if let Some(t) = f.since {
        q.push(" AND time >= ").push_bind(t.unix_micros());
    }
    if let Some(t) = f.until {
        q.push(" AND time <= ").push_bind(t.unix_micros());
    }
    if let Some(s) = f.before_seq {
        q.push(" AND seq < ").push_bind(clamp_seq(s));
    }
    if let Some(s) = f.after_seq {
        q.push(" AND seq > ").push_bind(clamp_seq(s));
    }
    q.push(if f.ascending {
        " ORDER BY seq ASC"
    } else {
        " ORDER BY seq DESC"
    });
    q.push(" LIMIT ")
        .push_bind(i64::from(page_limit(f.limit, DEFAULT_LIMIT, MAX_LIMIT)));
    let rows = q.build().fetch_all(pool).await.map_err(backend)?;
    rows.iter().map(audit_from_row).collect()
}
