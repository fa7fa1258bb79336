//! Secret-store objects on Postgres (the shared queries of `crate::objects`).

crate::objects::object_queries!(
    sqlx::Postgres,
    sqlx::PgPool,
    super::error::write_error,
    super::error::backend
);
