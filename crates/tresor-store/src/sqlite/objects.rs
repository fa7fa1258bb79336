//! Secret-store objects on Sqlite (the shared queries of `crate::objects`).

crate::objects::object_queries!(
    sqlx::Sqlite,
    sqlx::SqlitePool,
    crate::error::write_error,
    crate::error::backend
);
