//! Stored secrets on MySql (the shared queries of `crate::secrets`).

crate::secrets::secret_queries!(
    sqlx::MySql,
    sqlx::MySqlPool,
    super::error::write_error,
    super::error::backend
);
