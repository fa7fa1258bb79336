//! Certificates and CAs on MySQL / MariaDB (the shared queries of `crate::pki`).

crate::pki::pki_queries!(
    sqlx::MySql,
    sqlx::MySqlPool,
    super::error::write_error,
    super::error::backend
);
