//! Turning a `postgres://` URL and [`PoolOptions`] into a connection pool.
//! Errors name only `scheme://host:port` (the URL may carry a password).

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgSslMode};
use tresor_core::StoreError;

use crate::error::ConnectFailed;
use crate::options::{PoolOptions, TlsMode};
use crate::remote::{bad_url, redact};

/// Whether `url` names a PostgreSQL database.
pub(crate) fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Parses the URL and applies the TLS options.
pub(crate) fn connect_options(
    url: &str,
    opts: &PoolOptions,
) -> Result<PgConnectOptions, StoreError> {
    if !is_postgres_url(url) {
        return Err(bad_url(url, "expected a postgres:// URL"));
    }
    let mut connect = PgConnectOptions::from_str(url).map_err(|e| bad_url(url, e))?;
    if let Some(mode) = opts.tls {
        connect = connect.ssl_mode(match mode {
            TlsMode::Disable => PgSslMode::Disable,
            TlsMode::Prefer => PgSslMode::Prefer,
            TlsMode::Require => PgSslMode::Require,
            TlsMode::VerifyFull => PgSslMode::VerifyFull,
        });
    }
    if let Some(ca) = &opts.tls_ca_file {
        connect = connect.ssl_root_cert(ca);
    }
    Ok(connect.application_name("tresor"))
}

/// Opens a pool (connecting once, so a bad address or credential fails now).
pub(crate) async fn pool(url: &str, opts: &PoolOptions) -> Result<PgPool, StoreError> {
    let connect = connect_options(url, opts)?;
    PgPoolOptions::new()
        .max_connections(opts.max_connections.max(1))
        .idle_timeout(Some(opts.idle_timeout))
        .acquire_timeout(opts.acquire_timeout)
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
        let o = connect_options("postgresql://u:pw@db:6543/tresor", &opts).unwrap();
        assert_eq!((o.get_host(), o.get_port()), ("db", 6543));
        assert_eq!(o.get_database(), Some("tresor"));
        let o = connect_options("postgres://db/t?sslmode=require", &opts).unwrap();
        assert!(matches!(o.get_ssl_mode(), PgSslMode::Require));
        let strict = opts.clone().with_tls(TlsMode::VerifyFull);
        let o = connect_options("postgres://db/t?sslmode=disable", &strict).unwrap();
        assert!(matches!(o.get_ssl_mode(), PgSslMode::VerifyFull));
        let err = connect_options("mysql://u:secret@db/t", &opts).unwrap_err();
        assert!(!format!("{err:?}").contains("secret"));
        let err = connect_options("postgres://u:secret@db:notaport/t", &opts).unwrap_err();
        assert!(!format!("{err:?}").contains("secret"), "{err:?}");
    }
}
