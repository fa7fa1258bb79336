//! Secret-store objects on Mysql (the shared queries of `crate::objects`).

crate::objects::object_queries!(
    sqlx::MySql,
    sqlx::MySqlPool,
    super::error::write_error,
    super::error::backend
);
