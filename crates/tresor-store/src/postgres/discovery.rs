//! Discovery scans on Postgres: the replace inside a commit's transaction and
//! the reads (SQL and functions shared in `crate::discovery`).

use sqlx::postgres::{PgPool, Postgres};

crate::discovery::discovery_backend!(Postgres, PgPool, super::error);
