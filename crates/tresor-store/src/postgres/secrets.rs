//! Stored secrets on Postgres (the shared queries of `crate::secrets`).

crate::secrets::secret_queries!(
    sqlx::Postgres,
    sqlx::PgPool,
    super::error::write_error,
    super::error::backend
);
