//! Certificates and CAs on SQLite (the shared queries of `crate::pki`).

crate::pki::pki_queries!(
    sqlx::Sqlite,
    sqlx::SqlitePool,
    crate::error::write_error,
    crate::error::backend
);
