//! Signed audit checkpoints on MySQL/MariaDB: the insert inside a commit's
//! transaction and the filtered read (SQL shared in `crate::checkpoints`).

use sqlx::mysql::{MySql, MySqlPool};
use tresor_core::{Checkpoint, CheckpointFilter, StoreError};

use super::error::{backend, write_error};
use crate::checkpoints::{CheckpointRow, checkpoint_from_row, insert as insert_sql, select};

/// Inserts one checkpoint (`Duplicate` when its scope has one at that seq).
pub(super) async fn insert(
    tx: &mut sqlx::Transaction<'_, MySql>,
    c: &Checkpoint,
) -> Result<(), StoreError> {
    insert_sql::<MySql>(CheckpointRow::new(c)?)
        .build()
        .execute(&mut **tx)
        .await
        .map_err(write_error)?;
    Ok(())
}

/// Checkpoints matching `f`.
pub(super) async fn list_checkpoints(
    pool: &MySqlPool,
    f: &CheckpointFilter,
) -> Result<Vec<Checkpoint>, StoreError> {
    let rows = select::<MySql>(f)
        .build()
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(checkpoint_from_row).collect()
}
