//! Discovery scans on Sqlite: the replace inside a commit's transaction and
//! the reads (SQL shared in `crate::discovery`).

use sqlx::sqlite::{Sqlite, SqlitePool};
use tresor_core::discovery::DiscoveryScan;
use tresor_core::{StoreError, TenantId};

use crate::discovery::{ScanRow, delete, from_row, insert, select_list, select_one};
use crate::error::{backend, write_error};

/// Replaces (or creates) the scan's row.
pub(super) async fn put(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    s: &DiscoveryScan,
) -> Result<(), StoreError> {
    let row = ScanRow::new(s)?;
    delete::<Sqlite>(&row)
        .build()
        .execute(&mut **tx)
        .await
        .map_err(write_error)?;
    insert::<Sqlite>(row)
        .build()
        .execute(&mut **tx)
        .await
        .map_err(write_error)?;
    Ok(())
}

/// One scan.
pub(super) async fn get(
    pool: &SqlitePool,
    tenant: &TenantId,
    id: &str,
) -> Result<Option<DiscoveryScan>, StoreError> {
    let row = select_one::<Sqlite>(tenant, id)
        .build()
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
    row.as_ref().map(from_row).transpose()
}

/// A tenant's newest scans.
pub(super) async fn list(
    pool: &SqlitePool,
    tenant: &TenantId,
    limit: u32,
) -> Result<Vec<DiscoveryScan>, StoreError> {
    let rows = select_list::<Sqlite>(tenant, limit)
        .build()
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(from_row).collect()
}
