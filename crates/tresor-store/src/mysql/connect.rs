//! Turning a `mysql://` or `mariadb://` URL and [`PoolOptions`] into a
//! connection pool. Every connection uses utf8mb4, READ COMMITTED (no gap
//! locks, so concurrent commits do not deadlock on empty index ranges) and
//! strict mode (a value that does not fit is an error, never truncated).
//! Errors name only `scheme://host:port` (the URL may carry a password).

use std::str::FromStr;

use sqlx::Executor;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions, MySqlSslMode};
use tresor_core::StoreError;

use crate::error::ConnectFailed;
use crate::options::{PoolOptions, TlsMode};
use crate::remote::{bad_url, redact};

/// Whether `url` names a MySQL or MariaDB database.
pub(crate) fn is_mysql_url(url: &str) -> bool {
    url.starts_with("mysql://") || url.starts_with("mariadb://")
}

/// Parses the URL (`mariadb://` is read as `mysql://`) and applies the TLS
/// options.
pub(crate) fn connect_options(
    url: &str,
    opts: &PoolOptions,
) -> Result<MySqlConnectOptions, StoreError> {
    let normalized = match url.strip_prefix("mariadb://") {
        Some(rest) => format!("mysql://{rest}"),
        None if url.starts_with("mysql://") => url.to_owned(),
        None => return Err(bad_url(url, "expected a mysql:// or mariadb:// URL")),
    };
    let mut connect = MySqlConnectOptions::from_str(&normalized).map_err(|e| bad_url(url, e))?;
    if connect.get_database().is_none() {
        return Err(bad_url(url, "the URL must name a database"));
    }
    if let Some(mode) = opts.tls {
        connect = connect.ssl_mode(match mode {
            TlsMode::Disable => MySqlSslMode::Disabled,
            TlsMode::Prefer => MySqlSslMode::Preferred,
            TlsMode::Require => MySqlSslMode::Required,
            TlsMode::VerifyFull => MySqlSslMode::VerifyIdentity,
        });
    }
    if let Some(ca) = &opts.tls_ca_file {
        connect = connect.ssl_ca(ca);
    }
    Ok(connect.charset("utf8mb4"))
}

/// Opens a pool (connecting once, so a bad address or credential fails now).
pub(crate) async fn pool(url: &str, opts: &PoolOptions) -> Result<MySqlPool, StoreError> {
    let connect = connect_options(url, opts)?;
    MySqlPoolOptions::new()
        .max_connections(opts.max_connections.max(1))
        .idle_timeout(Some(opts.idle_timeout))
        .acquire_timeout(opts.acquire_timeout)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                    .await?;
                conn.execute(
                    "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES')",
                )
                .await?;
                Ok(())
            })
        })
        .connect_with(connect)
        .await
        .map_err(|e| StoreError::Backend(Box::new(ConnectFailed::new(redact(url), e))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls_and_tls_modes() {
        let opts = PoolOptions::default();
        let o = connect_options("mariadb://u:pw@db:3307/tresor", &opts).unwrap();
        assert_eq!((o.get_host(), o.get_port()), ("db", 3307));
        assert_eq!(o.get_database(), Some("tresor"));
        let strict = opts.clone().with_tls(TlsMode::VerifyFull);
        let o = connect_options("mysql://db/t?ssl-mode=disabled", &strict).unwrap();
        assert!(matches!(o.get_ssl_mode(), MySqlSslMode::VerifyIdentity));
        assert!(connect_options("mysql://u:secret@db", &opts).is_err());
        let err = connect_options("postgres://u:secret@db/t", &opts).unwrap_err();
        assert!(!format!("{err:?}").contains("secret"));
        let err = connect_options("mysql://u:secret@db:bad/t", &opts).unwrap_err();
        assert!(!format!("{err:?}").contains("secret"), "{err:?}");
    }
}
