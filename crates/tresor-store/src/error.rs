//! How sqlx failures become [`StoreError`]s: unique violations are told apart
//! by the index they hit (alias vs. primary key), everything unexpected stays
//! an opaque backend error with its source attached.

use sqlx::error::{DatabaseError, ErrorKind};
use tresor_core::StoreError;

/// A write was attempted on a store opened with
/// [`SqliteStore::open_read_only`](crate::SqliteStore::open_read_only).
#[derive(Debug, thiserror::Error)]
#[error("the store is open read-only")]
pub struct ReadOnly;

/// A database URL this crate cannot open.
#[derive(Debug, thiserror::Error)]
#[error("unsupported database URL: {0}")]
pub struct UnsupportedUrl(pub String);

/// The store was closed with [`SqliteStore::close`](crate::SqliteStore::close).
#[derive(Debug, thiserror::Error)]
#[error("the store is closed")]
pub struct Closed;

/// Connecting to a database server failed. Names only the scheme, host and
/// port, never the URL (which may carry a password).
#[derive(Debug, thiserror::Error)]
#[error("cannot connect to the database at {target}")]
pub struct ConnectFailed {
    target: String,
    #[source]
    source: sqlx::Error,
}

impl ConnectFailed {
    pub(crate) fn new(target: String, source: sqlx::Error) -> Self {
        Self { target, source }
    }

    /// `scheme://host:port` of the database server.
    pub fn target(&self) -> &str {
        &self.target
    }
}

/// A change kind this adapter does not know (added to the port later).
#[derive(Debug, thiserror::Error)]
#[error("unsupported change: {0}")]
pub struct UnsupportedChange(pub String);

/// A generic backend failure.
pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    StoreError::Backend(Box::new(e))
}

/// A failure while applying a write: constraint violations become the
/// caller-visible kinds, anything else a backend failure.
pub(crate) fn write_error(e: sqlx::Error) -> StoreError {
    if let Some(db) = e.as_database_error() {
        match db.kind() {
            ErrorKind::UniqueViolation if is_alias_violation(db) => return StoreError::AliasTaken,
            ErrorKind::UniqueViolation => return StoreError::Duplicate,
            // The tenant (or key) the row points to does not exist.
            ErrorKind::ForeignKeyViolation => return StoreError::Conflict,
            _ => {}
        }
    }
    backend(e)
}

/// The name of the unique index on `(tenant, alias)` in every backend.
pub(crate) const ALIAS_INDEX: &str = "keys_alias";

/// Whether a unique violation hit the per-tenant alias index. PostgreSQL and
/// MySQL name the index; SQLite only lists the columns, e.g.
/// `UNIQUE constraint failed: keys.tenant, keys.alias`.
fn is_alias_violation(db: &dyn DatabaseError) -> bool {
    if db.constraint() == Some(ALIAS_INDEX) {
        return true;
    }
    sqlite_unique_columns(db.message()).any(|c| c == "keys.alias")
}

/// The `table.column` names of a SQLite unique-violation message.
fn sqlite_unique_columns(message: &str) -> impl Iterator<Item = &str> {
    message
        .split_once("constraint failed:")
        .map(|(_, cols)| cols)
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlite_unique_messages() {
        let cols: Vec<_> =
            sqlite_unique_columns("UNIQUE constraint failed: keys.tenant, keys.alias").collect();
        assert_eq!(cols, ["keys.tenant", "keys.alias"]);
        assert_eq!(sqlite_unique_columns("disk I/O error").count(), 0);
    }
}
