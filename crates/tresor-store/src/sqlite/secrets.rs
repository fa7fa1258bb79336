//! Stored secrets on Sqlite (the shared queries of `crate::secrets`).

crate::secrets::secret_queries!(
    sqlx::Sqlite,
    sqlx::SqlitePool,
    crate::error::write_error,
    crate::error::backend
);
