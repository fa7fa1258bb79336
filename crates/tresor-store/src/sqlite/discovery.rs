//! Discovery scans on Sqlite: the replace inside a commit's transaction and
//! the reads (SQL and functions shared in `crate::discovery`).

use sqlx::sqlite::{Sqlite, SqlitePool};

crate::discovery::discovery_backend!(Sqlite, SqlitePool, crate::error);
