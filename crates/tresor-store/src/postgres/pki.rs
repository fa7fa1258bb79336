//! Certificates and CAs on PostgreSQL (the shared queries of `crate::pki`).

crate::pki::pki_queries!(
    sqlx::Postgres,
    sqlx::PgPool,
    super::error::write_error,
    super::error::backend
);
