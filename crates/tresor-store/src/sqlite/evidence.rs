//! Audit sink cursors and alerts on SQLite: the alert upsert inside a
//! commit's transaction, the cursor and the reads (SQL shared in
//! `crate::evidence`).

use sqlx::Row;
use sqlx::sqlite::{Sqlite, SqlitePool};
use tresor_core::{AlertFilter, AlertRecord, StoreError};

use crate::Backend;
use crate::error::{backend, write_error};
use crate::evidence::{
    alert_from_row, check_sink_name, cursor_of, select_alerts, select_cursor, upsert_alert,
    upsert_cursor,
};

/// Inserts or replaces one alert.
pub(super) async fn put_alert(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    a: &AlertRecord,
) -> Result<(), StoreError> {
    upsert_alert::<Sqlite>(Backend::Sqlite, a)
        .build()
        .execute(&mut **tx)
        .await
        .map_err(write_error)?;
    Ok(())
}

/// Alerts matching `f`.
pub(super) async fn list_alerts(
    pool: &SqlitePool,
    f: &AlertFilter,
) -> Result<Vec<AlertRecord>, StoreError> {
    let rows = select_alerts::<Sqlite>(f)
        .build()
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(alert_from_row).collect()
}

/// The sink's cursor (0 when never set).
pub(super) async fn sink_cursor(pool: &SqlitePool, sink: &str) -> Result<u64, StoreError> {
    check_sink_name(sink)?;
    let row = select_cursor::<Sqlite>(sink)
        .build()
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
    let v: Option<i64> = match row {
        Some(r) => Some(r.try_get("seq").map_err(backend)?),
        None => None,
    };
    cursor_of(v)
}

/// Raises the sink's cursor to `seq`.
pub(super) async fn advance_sink_cursor(
    conn: &mut sqlx::sqlite::SqliteConnection,
    sink: &str,
    seq: u64,
) -> Result<(), StoreError> {
    upsert_cursor::<Sqlite>(Backend::Sqlite, sink, seq)?
        .build()
        .execute(&mut *conn)
        .await
        .map_err(write_error)?;
    Ok(())
}
