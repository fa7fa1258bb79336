//! The audit table on SQLite: appending chained records, reading the head,
//! and filtered, paged reads.

use sqlx::sqlite::{Sqlite, SqlitePool};
use sqlx::{Executor, QueryBuilder};
use tresor_core::audit::{AuditRecord, GENESIS_HASH};
use tresor_core::{AuditFilter, StoreError};

use crate::error::{backend, write_error};
use crate::rows::{AUDIT_COLUMNS, RowExt, audit_from_row, page_limit, push_audit_rows};

/// Default and maximum number of records per read.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

/// The last record's `(seq, hash)`, or `(0, GENESIS_HASH)` when empty.
pub(super) async fn read_head<'c, E>(exec: E) -> Result<(u64, [u8; 32]), StoreError>
where
    E: Executor<'c, Database = Sqlite>,
{
    let row = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        .fetch_optional(exec)
        .await
        .map_err(backend)?;
    let Some(row) = row else {
        return Ok((0, GENESIS_HASH));
    };
    let seq = u64::try_from(row.int("seq")?)
        .map_err(|_| StoreError::Corrupt("column seq: negative value".to_owned()))?;
    let hash = <[u8; 32]>::try_from(row.blob("hash")?.as_slice())
        .map_err(|_| StoreError::Corrupt("column hash: expected 32 bytes".to_owned()))?;
    Ok((seq, hash))
}

/// Rows per multi-row INSERT (13 parameters each, far below SQLite's limit).
const INSERT_CHUNK: usize = 256;

/// Inserts records with one multi-row `INSERT` per [`INSERT_CHUNK`]
/// records: a group commit of many records costs a few statements, not one
/// round trip to the connection thread per record.
pub(super) async fn insert_many(
    conn: &mut sqlx::SqliteConnection,
    records: &[AuditRecord],
) -> Result<(), StoreError> {
    for chunk in records.chunks(INSERT_CHUNK) {
        let mut q = QueryBuilder::<Sqlite>::new(format!("INSERT INTO audit ({AUDIT_COLUMNS}) "));
        push_audit_rows(&mut q, chunk)?;
        q.build().execute(&mut *conn).await.map_err(write_error)?;
    }
    Ok(())
}

/// Whether [`append_in_one_round_trip`] takes this many records.
pub(super) fn fits_one_append(n: usize) -> bool {
    (1..=INSERT_CHUNK).contains(&n)
}

/// Appends records that come with no other change as one multi-statement
/// query, `BEGIN IMMEDIATE; INSERT …; COMMIT`: one message to sqlx's
/// connection thread and one wake-up back instead of three. The group
/// commit of plain audit records runs on this path, and it is the serial
/// stage every audited call waits for, so each hop saved shortens every
/// caller's wait. If any statement fails the transaction is rolled back
/// here, so the connection is never left inside it.
pub(super) async fn append_in_one_round_trip(
    conn: &mut sqlx::SqliteConnection,
    records: &[AuditRecord],
) -> Result<(), StoreError> {
    let mut q = QueryBuilder::<Sqlite>::new(format!(
        "BEGIN IMMEDIATE; INSERT INTO audit ({AUDIT_COLUMNS}) "
    ));
    push_audit_rows(&mut q, records)?;
    q.push("; COMMIT");
    let result = q.build().execute(&mut *conn).await;
    if let Err(e) = result {
        // Fails harmlessly ("no transaction is active") when BEGIN itself
        // failed or COMMIT already ended the transaction.
        if let Err(rb) = sqlx::query("ROLLBACK").execute(&mut *conn).await {
            tracing::debug!(error = %rb, "rollback after a failed audit append");
        }
        return Err(match write_error(e) {
            StoreError::Duplicate => StoreError::Conflict,
            e => e,
        });
    }
    Ok(())
}

/// Records matching `f`, newest first unless `f.ascending`.
pub(super) async fn list_audit(
    pool: &SqlitePool,
    f: &AuditFilter,
) -> Result<Vec<AuditRecord>, StoreError> {
    let mut q =
        QueryBuilder::<Sqlite>::new(format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE 1 = 1"));
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

/// A cursor beyond `i64::MAX` compares like `i64::MAX` (no stored seq is larger).
fn clamp_seq(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}
