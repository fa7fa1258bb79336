//! Helpers shared by the database-server backends (PostgreSQL, MySQL):
//! URL redaction, page limits, retrying a commit the database aborted to
//! break a deadlock, and the error for change kinds an adapter lacks.

use std::future::Future;

use sqlx::migrate::MigrateError;
use tresor_core::{Change, StoreError};

use crate::error::{UnsupportedChange, UnsupportedUrl};

mod delegate;

pub(crate) use delegate::delegate_store;

/// Default and maximum page sizes (the same as SQLite's).
pub(crate) const DEFAULT_LIMIT: u32 = 100;
pub(crate) const MAX_LIMIT: u32 = 1000;

/// Audit records per multi-row INSERT (13 parameters each, far below the
/// 65535-parameter limit of both protocols).
pub(crate) const AUDIT_ROWS_PER_INSERT: usize = 500;

/// How often a commit aborted by a deadlock or serialization failure is
/// tried again (the whole transaction was rolled back, so this is safe).
const COMMIT_ATTEMPTS: u32 = 5;

/// `scheme://host[:port]` of a database URL: what errors and logs may name.
/// User, password, database, and query parameters are left out.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        let scheme = url.split(':').next().unwrap_or_default();
        return format!("{scheme}://");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    format!("{scheme}://{host}")
}

/// An unparseable or unsupported URL, named by its redacted form.
pub(crate) fn bad_url(url: &str, why: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(Box::new(UnsupportedUrl(format!("{}: {why}", redact(url)))))
}

/// An update or delete that matched no row is a [`StoreError::Conflict`].
pub(crate) fn require_row(affected: u64) -> Result<(), StoreError> {
    if affected == 0 {
        Err(StoreError::Conflict)
    } else {
        Ok(())
    }
}

/// A change variant this adapter does not handle, named without its payload
/// (which may hold wrapped blobs).
pub(crate) fn unsupported(change: &Change) -> StoreError {
    let name = format!("{change:?}")
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect();
    StoreError::Backend(Box::new(UnsupportedChange(name)))
}

/// A cursor beyond `i64::MAX` compares like `i64::MAX` (no stored seq is larger).
pub(crate) fn clamp_seq(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}

/// Whether the database rolled the transaction back to break a deadlock or
/// a serialization conflict (SQLSTATE class 40: `40001`, `40P01`; MySQL's
/// deadlock error 1213 reports `40001`).
fn is_transient(e: &StoreError) -> bool {
    let StoreError::Backend(source) = e else {
        return false;
    };
    let Some(db) = source
        .downcast_ref::<sqlx::Error>()
        .and_then(sqlx::Error::as_database_error)
    else {
        return false;
    };
    matches!(db.code().as_deref(), Some("40001" | "40P01"))
}

/// Runs `attempt` until it succeeds, fails for a non-transient reason, or
/// has been tried [`COMMIT_ATTEMPTS`] times.
pub(crate) async fn retry_transient<T, F, Fut>(mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(e) if tries < COMMIT_ATTEMPTS && is_transient(&e) => {
                tracing::debug!(attempt = tries, "commit aborted by the database; retrying");
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(u64::from(tries) * 5)).await;
            }
            other => return other,
        }
    }
}

/// The hash column of the chain head as 32 bytes.
pub(crate) fn head_hash(v: Vec<u8>) -> Result<[u8; 32], StoreError> {
    <[u8; 32]>::try_from(v.as_slice())
        .map_err(|_| StoreError::Corrupt("audit head: hash is not 32 bytes".to_owned()))
}

/// The seq column of the chain head.
pub(crate) fn head_seq(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt("audit head: negative seq".to_owned()))
}

/// The refusal to open a database migrated by a newer Tresor.
pub(crate) fn too_new(found: i64, latest: i64) -> StoreError {
    StoreError::Corrupt(format!(
        "database schema version {found} is newer than this Tresor supports ({latest})"
    ))
}

/// A failed migration run as a [`StoreError`].
pub(crate) fn migrate_error(e: MigrateError, latest: i64) -> StoreError {
    match e {
        MigrateError::VersionMissing(v) => too_new(v, latest),
        MigrateError::VersionMismatch(v) => StoreError::Corrupt(format!(
            "migration {v} was modified after it was applied to this database"
        )),
        MigrateError::Dirty(v) => {
            StoreError::Corrupt(format!("migration {v} was interrupted; restore a backup"))
        }
        other => StoreError::Backend(Box::new(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_credentials_and_paths() {
        assert_eq!(
            redact("postgres://user:secret@db.example:5432/tresor?sslmode=require"),
            "postgres://db.example:5432"
        );
        assert_eq!(redact("mysql://root@127.0.0.1/test"), "mysql://127.0.0.1");
        assert_eq!(redact("mariadb://h"), "mariadb://h");
        assert_eq!(redact("postgres:secret"), "postgres://");
        assert_eq!(redact("p://a:b@c@host/x"), "p://host");
    }

    #[test]
    fn transient_errors_are_recognised() {
        assert!(!is_transient(&StoreError::Conflict));
        let io = sqlx::Error::Io(std::io::Error::other("x"));
        assert!(!is_transient(&StoreError::Backend(Box::new(io))));
    }
}
