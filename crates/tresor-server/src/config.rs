//! Server configuration: one TOML file with flat keys, overridden by
//! `TRESOR_<KEY>` environment variables, overridden by command-line flags
//! (see `tresor.example.toml` for every key). [`Config::load`] merges the
//! three layers, applies defaults and validates everything.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use zeroize::Zeroizing;

mod layer;

pub use layer::ConfigLayer;

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8095";
/// Default data directory.
pub const DEFAULT_DATA_DIR: &str = "./tresor-data";

/// A secret configuration value (root key, bootstrap token): zeroized on
/// drop, never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps a value.
    pub fn new(s: impl Into<String>) -> Self {
        Self(Zeroizing::new(s.into()))
    }

    /// The value (do not log it).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SecretString::new)
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum LogFormat {
    /// Human-readable lines (default).
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Whether TLS clients must present a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ClientAuth {
    /// Request a certificate; clients without one may still use bearer
    /// tokens (default).
    #[default]
    Optional,
    /// Refuse the TLS handshake without a valid client certificate.
    Require,
}

/// SQLite durability (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SqliteSync {
    /// Every commit is on disk before it returns (default).
    #[default]
    Full,
    /// Faster; the last commits may roll back after a power loss.
    Normal,
}

/// Default `CKA_LABEL` of an HSM-held root key.
pub const DEFAULT_ROOT_KEY_PKCS11_LABEL: &str = "tresor-root-key";

/// The validated server configuration, defaults applied.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// Where the database, root key file and initial token live.
    pub data_dir: PathBuf,
    /// Store URL (default `sqlite://<data_dir>/tresor.db`).
    pub database_url: String,
    /// Root key file (default `<data_dir>/root.key`).
    pub root_key_file: PathBuf,
    /// The root key itself (hex or base64), from `TRESOR_ROOT_KEY` only.
    pub root_key: Option<SecretString>,
    /// Token for the initial platform-admin API key (first start only).
    pub bootstrap_token: Option<SecretString>,
    /// TLS certificate chain (PEM); with `tls_key`, the server speaks HTTPS.
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    pub tls_key: Option<PathBuf>,
    /// CA (PEM) that client certificates are verified against.
    pub tls_client_ca: Option<PathBuf>,
    /// Whether a client certificate is required.
    pub tls_client_auth: ClientAuth,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Largest plaintext/message per item.
    pub max_item_bytes: usize,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter (`info`, `debug`, `tresor_server=debug,info`, ...).
    pub log_level: String,
    /// Seconds between scheduler passes; 0 disables the scheduler.
    pub scheduler_interval_seconds: u64,
    /// Most audit records per group commit.
    pub audit_batch_max: usize,
    /// Seconds between scheduled signed audit checkpoints (900 to 86400,
    /// default 3600); 0 disables them (on-demand checkpoints still work).
    pub audit_checkpoint_interval_seconds: u64,
    /// Algorithm of new audit keys: Ed25519 (default) or ML-DSA-65.
    pub audit_checkpoint_algorithm: tresor_core::Algorithm,
    /// SQLite durability.
    pub sqlite_synchronous: SqliteSync,
    /// Seconds the scheduler lease lasts unless renewed (another node takes
    /// over after this when the leader dies); 0 means 3 × the interval.
    pub scheduler_lease_ttl_seconds: u64,
    /// Most connections to a database server (PostgreSQL, MySQL).
    pub db_max_connections: u32,
    /// Seconds before an idle database-server connection is closed.
    pub db_idle_timeout_seconds: u64,
    /// TLS to the database server; `None` keeps what the URL says.
    pub db_tls: Option<tresor_store::TlsMode>,
    /// CA certificate(s) (PEM) the database server's certificate must chain
    /// to, for `db_tls = "verify-full"`.
    pub db_tls_ca_file: Option<PathBuf>,
    /// KMIP listener address (TTLV over TLS, e.g. `127.0.0.1:5696`);
    /// `None` disables KMIP over TLS.
    pub kmip_listen: Option<SocketAddr>,
    /// KMIP listener certificate chain (PEM).
    pub kmip_tls_cert: Option<PathBuf>,
    /// KMIP listener private key (PEM).
    pub kmip_tls_key: Option<PathBuf>,
    /// CA (PEM) KMIP client certificates must chain to (required).
    pub kmip_client_ca: Option<PathBuf>,
    /// Development mode: create a missing root key file.
    pub dev: bool,
    /// PKCS#11 and other providers besides the software keystore (from
    /// `TRESOR_PKCS11_*`; see [`crate::providers_config`]).
    pub providers: crate::providers_config::ProvidersConfig,
    /// SIEM audit sinks (`[[audit_sink]]` tables, or
    /// `TRESOR_AUDIT_SINKS_JSON`; see [`crate::siem::config`]).
    pub audit_sinks: Vec<crate::siem::config::SinkConfig>,
    /// Alert thresholds and notifications (`[alerts]`, or
    /// `TRESOR_ALERTS_JSON`; see [`crate::alerts_runtime`]).
    pub alerts: crate::alerts_runtime::AlertsConfig,
    /// Sign-in, session and two-factor settings (`[people]`, or
    /// `TRESOR_PEOPLE_JSON`).
    pub people: crate::people_config::PeopleSettings,
    /// In-process caches (key metadata, versions, credentials, parsed
    /// keys) on (default) or off.
    pub cache_enabled: bool,
    /// Time to live of a cache entry, in seconds (default 600).
    pub cache_ttl_seconds: u64,
    /// Most entries per in-process cache (default 100000).
    pub cache_max_entries: u64,
    /// Redis URL for the shared metadata cache and invalidation pub/sub.
    pub cache_redis_url: Option<String>,
    /// The PKCS#11 provider (one of `providers`) whose AES key is the root
    /// key: tenant keys are sealed inside the token and no root key file is
    /// used (see [`crate::hsm_root`]).
    pub root_key_pkcs11_provider: Option<tresor_core::ProviderId>,
    /// `CKA_LABEL` of that AES-256 key (default `tresor-root-key`).
    pub root_key_pkcs11_label: String,
    /// Public base URL of this server (`TRESOR_PUBLIC_URL`), e.g.
    /// `https://pki.example.com`: issued certificates then point their CRL
    /// distribution point and AIA (OCSP, CA issuers) at `/pki/...` there.
    pub public_url: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self::for_data_dir(DEFAULT_DATA_DIR)
    }
}

/// A configuration problem, with the key it concerns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML or has unknown keys.
    #[error("config file {path}: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: Box<toml::de::Error>,
    },
    /// A secret was put where it must not be.
    #[error("`{key}` must not be set in the config file: {hint}")]
    SecretInFile {
        key: &'static str,
        hint: &'static str,
    },
    /// A value is invalid.
    #[error("invalid `{key}` (from {source_name}): {message}")]
    Invalid {
        key: &'static str,
        source_name: String,
        message: String,
    },
    /// Keys that only make sense together, or conflict.
    #[error("{0}")]
    Inconsistent(String),
}

impl Config {
    /// Defaults for a given data directory, listening on `127.0.0.1:0`
    /// (what tests want); `database_url` and `root_key_file` follow it.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: default_database_url(&data_dir),
            root_key_file: data_dir.join("root.key"),
            data_dir,
            root_key: None,
            bootstrap_token: None,
            tls_cert: None,
            tls_key: None,
            tls_client_ca: None,
            tls_client_auth: ClientAuth::Optional,
            max_body_bytes: 1024 * 1024,
            max_item_bytes: 64 * 1024,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            scheduler_interval_seconds: 60,
            audit_batch_max: 512,
            audit_checkpoint_interval_seconds: 3600,
            audit_checkpoint_algorithm: tresor_core::Algorithm::Ed25519,
            sqlite_synchronous: SqliteSync::Full,
            scheduler_lease_ttl_seconds: 0,
            db_max_connections: 20,
            db_idle_timeout_seconds: 30,
            db_tls: None,
            db_tls_ca_file: None,
            kmip_listen: None,
            kmip_tls_cert: None,
            kmip_tls_key: None,
            kmip_client_ca: None,
            dev: false,
            providers: Default::default(),
            audit_sinks: Vec::new(),
            alerts: Default::default(),
            people: Default::default(),
            cache_enabled: true,
            cache_ttl_seconds: 600,
            cache_max_entries: 100_000,
            cache_redis_url: None,
            root_key_pkcs11_provider: None,
            root_key_pkcs11_label: DEFAULT_ROOT_KEY_PKCS11_LABEL.to_owned(),
            public_url: None,
        }
    }

    /// Loads `file` (if any), then `TRESOR_*` variables through `env`, then
    /// `flags`; later layers win. `env` is a lookup so tests need not touch
    /// the process environment (pass `|k| std::env::var(k).ok()`).
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
        flags: ConfigLayer,
    ) -> Result<Self, ConfigError> {
        let file_layer = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                ConfigLayer::from_toml(&text, path)?
            }
            None => ConfigLayer::default(),
        };
        let env_layer = ConfigLayer::from_env(&env)?;
        let mut config = file_layer.merge(env_layer).merge(flags).finish()?;
        config.providers = crate::providers_config::ProvidersConfig::from_lookup(&env)?;
        Ok(config)
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &'static str {
        if self.tls_cert.is_some() {
            "https"
        } else {
            "http"
        }
    }

    /// Checks the combinations of keys (each value is checked when parsed).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let inconsistent = |m: &str| Err(ConfigError::Inconsistent(m.to_owned()));
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return inconsistent("`tls_cert` and `tls_key` must be set together");
        }
        if self.tls_client_ca.is_some() && self.tls_cert.is_none() {
            return inconsistent("`tls_client_ca` needs TLS (`tls_cert` and `tls_key`)");
        }
        if self.tls_client_auth == ClientAuth::Require && self.tls_client_ca.is_none() {
            return inconsistent("`tls_client_auth = \"require\"` needs `tls_client_ca`");
        }
        if self.max_item_bytes > self.max_body_bytes {
            return inconsistent("`max_item_bytes` must not exceed `max_body_bytes`");
        }
        if self.kmip_listen.is_some()
            && (self.kmip_tls_cert.is_none()
                || self.kmip_tls_key.is_none()
                || self.kmip_client_ca.is_none())
        {
            return inconsistent(
                "`kmip_listen` needs `kmip_tls_cert`, `kmip_tls_key` and `kmip_client_ca` (KMIP is TLS with client certificates)",
            );
        }
        crate::siem::config::validate_all(&self.audit_sinks)?;
        self.alerts.validate()?;
        if self.database_url.trim().is_empty() {
            return inconsistent("`database_url` must not be empty");
        }
        if self.scheduler_lease_ttl_seconds > 0
            && self.scheduler_lease_ttl_seconds <= self.scheduler_interval_seconds
        {
            return inconsistent(
                "`scheduler_lease_ttl_seconds` must be longer than `scheduler_interval_seconds`",
            );
        }
        if self.root_key_pkcs11_provider.is_some() && self.root_key.is_some() {
            return inconsistent(
                "`root_key` (TRESOR_ROOT_KEY) and `root_key_pkcs11_provider` exclude each other: the root key is either a value or an HSM key",
            );
        }
        Ok(())
    }
}

/// `sqlite://<data_dir>/tresor.db`.
pub fn default_database_url(data_dir: &Path) -> String {
    format!("sqlite://{}", data_dir.join("tresor.db").display())
}

#[cfg(test)]
mod tests;

/// Parses a `[section]` table of the config file.
pub(crate) fn parse_table<T: serde::de::DeserializeOwned>(
    value: &toml::Value,
    section: &str,
    source: &str,
) -> Result<T, ConfigError> {
    value.clone().try_into().map_err(|e: toml::de::Error| {
        ConfigError::Inconsistent(format!("[{section}]: {source}: {}", e.message()))
    })
}

/// Parses a table given as JSON in the environment variable of `key`
/// (`TRESOR_<KEY>`).
pub(crate) fn parse_json_table<T: serde::de::DeserializeOwned>(
    text: &str,
    key: &'static str,
) -> Result<T, ConfigError> {
    serde_json::from_str(text).map_err(|e| ConfigError::Invalid {
        key,
        source_name: format!("environment variable TRESOR_{}", key.to_uppercase()),
        message: e.to_string(),
    })
}
