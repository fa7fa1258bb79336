//! Discovery scans on MySql: the replace inside a commit's transaction and
//! the reads (SQL and functions shared in `crate::discovery`).

use sqlx::mysql::{MySql, MySqlPool};

crate::discovery::discovery_backend!(MySql, MySqlPool, super::error);
