//! Tresor's [`Store`] adapters on sqlx, chosen by database URL.
//!
//! SQLite is the default backend ([`SqliteStore`]); PostgreSQL and MySQL
//! adapters will sit beside it under their own modules, sharing the row
//! mapping in `rows` and passing the same [`conformance`] suite (behind the
//! `conformance` feature).

mod error;
mod options;
mod rows;
mod sqlite;

#[cfg(feature = "conformance")]
pub mod conformance;

use std::sync::Arc;

use tresor_core::{Store, StoreError};

pub use error::{Closed, ReadOnly, UnsupportedChange, UnsupportedUrl};
pub use options::{SqliteOptions, StoreOptions, Synchronous};
pub use sqlite::SqliteStore;

/// Opens (creating and migrating when allowed) the store named by `url`.
///
/// Supported: `sqlite://PATH[?mode=rwc|rw|ro]` (also `sqlite:PATH`);
/// `mode=rwc` (the default) creates a missing database file with mode 0600,
/// `rw` requires it to exist, `ro` opens it read-only without migrating.
pub async fn open(url: &str, opts: &StoreOptions) -> Result<Arc<dyn Store>, StoreError> {
    if sqlite::is_sqlite_url(url) {
        let store = SqliteStore::open_url(url, &opts.sqlite).await?;
        return Ok(Arc::new(store));
    }
    let scheme = url.split(':').next().unwrap_or_default();
    Err(StoreError::Backend(Box::new(UnsupportedUrl(format!(
        "scheme '{scheme}' is not supported (expected sqlite://)"
    )))))
}
