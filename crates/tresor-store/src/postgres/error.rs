//! PostgreSQL failures as [`StoreError`]s, by SQLSTATE: a unique violation
//! (23505) of the `keys_alias` index is `AliasTaken`, any other `Duplicate`;
//! a foreign-key violation (23503) is `Conflict`.

use tresor_core::StoreError;

use crate::error::ALIAS_INDEX;
pub(super) use crate::error::backend;

/// A failure while applying a write.
pub(super) fn write_error(e: sqlx::Error) -> StoreError {
    if let Some(db) = e.as_database_error() {
        match db.code().as_deref() {
            Some("23505") if db.constraint() == Some(ALIAS_INDEX) => {
                return StoreError::AliasTaken;
            }
            Some("23505") => return StoreError::Duplicate,
            // The tenant (or key) the row points to does not exist.
            Some("23503") => return StoreError::Conflict,
            _ => {}
        }
    }
    backend(e)
}
