//! Signed audit checkpoints on SQLite: the insert inside a commit's
//! transaction and the filtered read (SQL shared in `crate::checkpoints`).

use sqlx::sqlite::{Sqlite, SqlitePool};
use tresor_core::{Checkpoint, CheckpointFilter, StoreError};

use crate::checkpoints::{CheckpointRow, checkpoint_from_row, insert as insert_sql, select};
use crate::error::{backend, write_error};

/// Inserts one checkpoint (`Duplicate` when its scope has one at that seq).
pub(super) async fn insert(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    c: &Checkpoint,
) -> Result<(), StoreError> {
    insert_sql::<Sqlite>(CheckpointRow::new(c)?)
        .build()
        .execute(&mut **tx)
        .await
        .map_err(write_error)?;
    Ok(())
}

/// Checkpoints matching `f`.
pub(super) async fn list_checkpoints(
    pool: &SqlitePool,
    f: &CheckpointFilter,
) -> Result<Vec<Checkpoint>, StoreError> {
    let rows = select::<Sqlite>(f)
        .build()
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(checkpoint_from_row).collect()
}
