//! One configuration layer (the file, the environment, or the flags): every
//! key optional, each value parsed and checked where it came from, so an
//! error names its source.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::{
    ClientAuth, Config, ConfigError, DEFAULT_DATA_DIR, DEFAULT_LISTEN, LogFormat, SecretString,
    SqliteSync, default_database_url,
};

/// Every configuration key, as written in the file; the environment
/// variable is `TRESOR_` + the key upper-cased.
pub const KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "root_key_file",
    "root_key",
    "bootstrap_token",
    "tls_cert",
    "tls_key",
    "tls_client_ca",
    "tls_client_auth",
    "max_body_bytes",
    "max_item_bytes",
    "log_format",
    "log_level",
    "scheduler_interval_seconds",
    "audit_batch_max",
    "audit_checkpoint_interval_seconds",
    "audit_checkpoint_algorithm",
    "sqlite_synchronous",
    "scheduler_lease_ttl_seconds",
    "db_max_connections",
    "db_idle_timeout_seconds",
    "db_tls",
    "db_tls_ca_file",
    "kmip_listen",
    "kmip_tls_cert",
    "kmip_tls_key",
    "kmip_client_ca",
    "dev",
    "cache_enabled",
    "cache_ttl_seconds",
    "cache_max_entries",
    "cache_redis_url",
    "root_key_pkcs11_provider",
    "root_key_pkcs11_label",
    "public_url",
];

/// Keys whose value must never be written in the config file.
const SECRET_KEYS: &[(&str, &str)] = &[(
    "root_key",
    "set TRESOR_ROOT_KEY in the environment or point `root_key_file` at a 0600 file",
)];

/// Optional values of every key; see [`Config`] for their meaning.
#[derive(Debug, Clone, Default)]
#[allow(missing_docs)]
pub struct ConfigLayer {
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub root_key_file: Option<PathBuf>,
    pub root_key: Option<SecretString>,
    pub bootstrap_token: Option<SecretString>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub tls_client_ca: Option<PathBuf>,
    pub tls_client_auth: Option<ClientAuth>,
    pub max_body_bytes: Option<usize>,
    pub max_item_bytes: Option<usize>,
    pub log_format: Option<LogFormat>,
    pub log_level: Option<String>,
    pub scheduler_interval_seconds: Option<u64>,
    pub audit_batch_max: Option<usize>,
    pub audit_checkpoint_interval_seconds: Option<u64>,
    pub audit_checkpoint_algorithm: Option<tresor_core::Algorithm>,
    pub sqlite_synchronous: Option<SqliteSync>,
    pub scheduler_lease_ttl_seconds: Option<u64>,
    pub db_max_connections: Option<u32>,
    pub db_idle_timeout_seconds: Option<u64>,
    pub db_tls: Option<tresor_store::TlsMode>,
    pub db_tls_ca_file: Option<PathBuf>,
    pub kmip_listen: Option<SocketAddr>,
    pub kmip_tls_cert: Option<PathBuf>,
    pub kmip_tls_key: Option<PathBuf>,
    pub kmip_client_ca: Option<PathBuf>,
    pub dev: Option<bool>,
    /// `[[audit_sink]]` tables / `TRESOR_AUDIT_SINKS_JSON` (the whole list).
    pub audit_sinks: Option<Vec<crate::siem::config::SinkConfig>>,
    /// The `[alerts]` table / `TRESOR_ALERTS_JSON`.
    pub alerts: Option<crate::alerts_runtime::AlertsConfig>,
    /// The `[people]` table / `TRESOR_PEOPLE_JSON`.
    pub people: Option<crate::people_config::PeopleSettings>,
    pub cache_enabled: Option<bool>,
    pub cache_ttl_seconds: Option<u64>,
    pub cache_max_entries: Option<u64>,
    pub cache_redis_url: Option<String>,
    pub root_key_pkcs11_provider: Option<tresor_core::ProviderId>,
    pub root_key_pkcs11_label: Option<String>,
    pub public_url: Option<String>,
}

/// The environment variable for a key.
pub fn env_name(key: &str) -> String {
    format!("TRESOR_{}", key.to_ascii_uppercase())
}

impl ConfigLayer {
    /// Parses a TOML config file's text. Unknown keys, nested tables and
    /// secrets that belong in the environment are errors.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            source: Box::new(e),
        })?;
        let source = format!("config file {}", path.display());
        let mut layer = Self::default();
        for (name, value) in &table {
            if name == "audit_sink" {
                layer.audit_sinks = Some(crate::siem::config::from_toml(value, &source)?);
                continue;
            }
            if name == "people" {
                layer.people = Some(crate::people_config::PeopleSettings::from_toml(
                    value, &source,
                )?);
                continue;
            }
            if name == "alerts" {
                layer.alerts = Some(crate::alerts_runtime::AlertsConfig::from_toml(
                    value, &source,
                )?);
                continue;
            }
            let Some(&key) = KEYS.iter().find(|k| **k == name.as_str()) else {
                return Err(ConfigError::Inconsistent(format!(
                    "{source}: unknown key `{name}` (known keys: {})",
                    KEYS.join(", ")
                )));
            };
            if let Some((key, hint)) = SECRET_KEYS.iter().find(|(k, _)| *k == key) {
                return Err(ConfigError::SecretInFile { key, hint });
            }
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                _ => {
                    return Err(invalid(
                        key,
                        &source,
                        "expected a string, integer or boolean",
                    ));
                }
            };
            layer.set(key, &text, &source)?;
        }
        Ok(layer)
    }

    /// Reads `TRESOR_<KEY>` for every key through `env`; empty values count
    /// as unset.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut layer = Self::default();
        for &key in KEYS {
            let var = env_name(key);
            if let Some(value) = env(&var).filter(|v| !v.trim().is_empty()) {
                layer.set(key, &value, &format!("environment variable {var}"))?;
            }
        }
        if let Some(json) = env("TRESOR_AUDIT_SINKS_JSON").filter(|v| !v.trim().is_empty()) {
            layer.audit_sinks = Some(crate::siem::config::from_json(&json)?);
        }
        if let Some(json) = env("TRESOR_PEOPLE_JSON").filter(|v| !v.trim().is_empty()) {
            layer.people = Some(crate::people_config::PeopleSettings::from_json(&json)?);
        }
        if let Some(json) = env("TRESOR_ALERTS_JSON").filter(|v| !v.trim().is_empty()) {
            layer.alerts = Some(crate::alerts_runtime::AlertsConfig::from_json(&json)?);
        }
        Ok(layer)
    }

    /// Parses one key's value; `key` must be one of [`KEYS`].
    pub fn set(&mut self, key: &'static str, value: &str, source: &str) -> Result<(), ConfigError> {
        let err = |m: &str| invalid(key, source, m);
        let v = value.trim();
        match key {
            "listen" => {
                self.listen = Some(v.parse().map_err(|_| {
                    err("expected IP:PORT, e.g. 127.0.0.1:8095 or [::1]:8095 or 0.0.0.0:8095")
                })?)
            }
            "data_dir" => self.data_dir = Some(path(v).ok_or_else(|| err("empty path"))?),
            "database_url" => {
                if v.is_empty() || !v.contains(':') {
                    return Err(err(
                        "expected a URL such as sqlite:///var/lib/tresor/tresor.db",
                    ));
                }
                self.database_url = Some(v.to_owned());
            }
            "root_key_file" => self.root_key_file = Some(path(v).ok_or_else(|| err("empty path"))?),
            "root_key" => {
                // Checked here so a typo fails before anything starts; the
                // message never includes the value.
                tresor_crypto::RootKey::parse_encoded(v)
                    .map_err(|_| err("expected 64 hex characters or base64 of 32 bytes"))?;
                self.root_key = Some(SecretString::new(v));
            }
            "bootstrap_token" => {
                if v.len() < 32 || v.len() > 256 || !v.chars().all(|c| c.is_ascii_graphic()) {
                    return Err(err("must be 32 to 256 printable ASCII characters"));
                }
                self.bootstrap_token = Some(SecretString::new(v));
            }
            "tls_cert" => self.tls_cert = Some(path(v).ok_or_else(|| err("empty path"))?),
            "tls_key" => self.tls_key = Some(path(v).ok_or_else(|| err("empty path"))?),
            "tls_client_ca" => self.tls_client_ca = Some(path(v).ok_or_else(|| err("empty path"))?),
            "tls_client_auth" => {
                self.tls_client_auth = Some(match v {
                    "optional" => ClientAuth::Optional,
                    "require" => ClientAuth::Require,
                    _ => return Err(err("expected \"optional\" or \"require\"")),
                })
            }
            "max_body_bytes" => {
                self.max_body_bytes = Some(number(v, 1024, 1 << 30).map_err(|m| err(&m))?)
            }
            "max_item_bytes" => {
                self.max_item_bytes = Some(number(v, 1, 16 << 20).map_err(|m| err(&m))?)
            }
            "log_format" => {
                self.log_format = Some(match v {
                    "text" => LogFormat::Text,
                    "json" => LogFormat::Json,
                    _ => return Err(err("expected \"text\" or \"json\"")),
                })
            }
            "log_level" => {
                tracing_subscriber::EnvFilter::try_new(v).map_err(|e| {
                    err(&format!("expected a level or filter such as \"info\" or \"tresor_server=debug,info\" ({e})"))
                })?;
                self.log_level = Some(v.to_owned());
            }
            "scheduler_interval_seconds" => {
                let n = number(v, 0, 7 * 86_400).map_err(|m| err(&m))?;
                self.scheduler_interval_seconds = Some(n as u64);
            }
            "audit_batch_max" => {
                self.audit_batch_max = Some(number(v, 1, 10_000).map_err(|m| err(&m))?)
            }
            "audit_checkpoint_interval_seconds" => {
                let n = number(v, 0, 86_400).map_err(|m| err(&m))?;
                if n != 0 && n < 900 {
                    return Err(err("expected 0 (off) or 900 to 86400 seconds"));
                }
                self.audit_checkpoint_interval_seconds = Some(n as u64);
            }
            "audit_checkpoint_algorithm" => {
                self.audit_checkpoint_algorithm = Some(match v {
                    "ed25519" => tresor_core::Algorithm::Ed25519,
                    "ml-dsa-65" => tresor_core::Algorithm::MlDsa65,
                    _ => return Err(err("expected \"ed25519\" or \"ml-dsa-65\"")),
                })
            }
            "sqlite_synchronous" => {
                self.sqlite_synchronous = Some(match v {
                    "full" => SqliteSync::Full,
                    "normal" => SqliteSync::Normal,
                    _ => return Err(err("expected \"full\" or \"normal\"")),
                })
            }
            "scheduler_lease_ttl_seconds" => {
                let n = number(v, 0, 30 * 86_400).map_err(|m| err(&m))?;
                self.scheduler_lease_ttl_seconds = Some(n as u64);
            }
            "db_max_connections" => {
                let n = number(v, 1, 10_000).map_err(|m| err(&m))?;
                self.db_max_connections = Some(n as u32);
            }
            "db_idle_timeout_seconds" => {
                let n = number(v, 1, 86_400).map_err(|m| err(&m))?;
                self.db_idle_timeout_seconds = Some(n as u64);
            }
            "db_tls" => {
                self.db_tls = Some(tresor_store::TlsMode::parse(v).ok_or_else(|| {
                    err("expected \"disable\", \"prefer\", \"require\" or \"verify-full\"")
                })?)
            }
            "db_tls_ca_file" => {
                self.db_tls_ca_file = Some(path(v).ok_or_else(|| err("empty path"))?)
            }
            "kmip_listen" => {
                self.kmip_listen = Some(
                    v.parse()
                        .map_err(|_| err("expected IP:PORT, e.g. 127.0.0.1:5696"))?,
                )
            }
            "kmip_tls_cert" => self.kmip_tls_cert = Some(path(v).ok_or_else(|| err("empty path"))?),
            "kmip_tls_key" => self.kmip_tls_key = Some(path(v).ok_or_else(|| err("empty path"))?),
            "kmip_client_ca" => {
                self.kmip_client_ca = Some(path(v).ok_or_else(|| err("empty path"))?)
            }
            "dev" => {
                self.dev = Some(match v.to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" | "on" => true,
                    "false" | "0" | "no" | "off" => false,
                    _ => return Err(err("expected true or false")),
                })
            }
            "cache_enabled" => {
                self.cache_enabled = Some(match v.to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" | "on" => true,
                    "false" | "0" | "no" | "off" => false,
                    _ => return Err(err("expected true or false")),
                })
            }
            "cache_ttl_seconds" => {
                let n = number(v, 1, 86_400).map_err(|m| err(&m))?;
                self.cache_ttl_seconds = Some(n as u64);
            }
            "cache_max_entries" => {
                let n = number(v, 1, 100_000_000).map_err(|m| err(&m))?;
                self.cache_max_entries = Some(n as u64);
            }
            "cache_redis_url" => {
                if !(v.starts_with("redis://") || v.starts_with("rediss://")) {
                    return Err(err("expected a redis:// or rediss:// URL"));
                }
                self.cache_redis_url = Some(v.to_owned());
            }
            "root_key_pkcs11_provider" => {
                self.root_key_pkcs11_provider = Some(
                    tresor_core::ProviderId::parse(v)
                        .map_err(|e| err(&format!("expected a provider id ({e})")))?,
                )
            }
            "root_key_pkcs11_label" => {
                if v.is_empty() || v.len() > 128 {
                    return Err(err("expected a CKA_LABEL of 1 to 128 bytes"));
                }
                self.root_key_pkcs11_label = Some(v.to_owned());
            }
            "public_url" => {
                let ok = (v.starts_with("https://") || v.starts_with("http://"))
                    && v.len() <= 200
                    && !v.contains(['?', '#', ' '])
                    && v.is_ascii();
                if !ok {
                    return Err(err("expected an http(s):// base URL without query"));
                }
                self.public_url = Some(v.trim_end_matches('/').to_owned());
            }
            _ => return Err(err("unknown key")),
        }
        Ok(())
    }

    /// This layer with every value set in `over` replaced by it.
    pub fn merge(self, over: ConfigLayer) -> ConfigLayer {
        ConfigLayer {
            listen: over.listen.or(self.listen),
            data_dir: over.data_dir.or(self.data_dir),
            database_url: over.database_url.or(self.database_url),
            root_key_file: over.root_key_file.or(self.root_key_file),
            root_key: over.root_key.or(self.root_key),
            bootstrap_token: over.bootstrap_token.or(self.bootstrap_token),
            tls_cert: over.tls_cert.or(self.tls_cert),
            tls_key: over.tls_key.or(self.tls_key),
            tls_client_ca: over.tls_client_ca.or(self.tls_client_ca),
            tls_client_auth: over.tls_client_auth.or(self.tls_client_auth),
            max_body_bytes: over.max_body_bytes.or(self.max_body_bytes),
            max_item_bytes: over.max_item_bytes.or(self.max_item_bytes),
            log_format: over.log_format.or(self.log_format),
            log_level: over.log_level.or(self.log_level),
            scheduler_interval_seconds: over
                .scheduler_interval_seconds
                .or(self.scheduler_interval_seconds),
            audit_batch_max: over.audit_batch_max.or(self.audit_batch_max),
            audit_checkpoint_interval_seconds: over
                .audit_checkpoint_interval_seconds
                .or(self.audit_checkpoint_interval_seconds),
            audit_checkpoint_algorithm: over
                .audit_checkpoint_algorithm
                .or(self.audit_checkpoint_algorithm),
            sqlite_synchronous: over.sqlite_synchronous.or(self.sqlite_synchronous),
            scheduler_lease_ttl_seconds: over
                .scheduler_lease_ttl_seconds
                .or(self.scheduler_lease_ttl_seconds),
            db_max_connections: over.db_max_connections.or(self.db_max_connections),
            db_idle_timeout_seconds: over
                .db_idle_timeout_seconds
                .or(self.db_idle_timeout_seconds),
            db_tls: over.db_tls.or(self.db_tls),
            db_tls_ca_file: over.db_tls_ca_file.or(self.db_tls_ca_file),
            kmip_listen: over.kmip_listen.or(self.kmip_listen),
            kmip_tls_cert: over.kmip_tls_cert.or(self.kmip_tls_cert),
            kmip_tls_key: over.kmip_tls_key.or(self.kmip_tls_key),
            kmip_client_ca: over.kmip_client_ca.or(self.kmip_client_ca),
            dev: over.dev.or(self.dev),
            audit_sinks: over.audit_sinks.or(self.audit_sinks),
            alerts: over.alerts.or(self.alerts),
            people: over.people.or(self.people),
            cache_enabled: over.cache_enabled.or(self.cache_enabled),
            cache_ttl_seconds: over.cache_ttl_seconds.or(self.cache_ttl_seconds),
            cache_max_entries: over.cache_max_entries.or(self.cache_max_entries),
            cache_redis_url: over.cache_redis_url.or(self.cache_redis_url),
            root_key_pkcs11_provider: over
                .root_key_pkcs11_provider
                .or(self.root_key_pkcs11_provider),
            root_key_pkcs11_label: over.root_key_pkcs11_label.or(self.root_key_pkcs11_label),
            public_url: over.public_url.or(self.public_url),
        }
    }

    /// Applies defaults and checks combinations.
    pub fn finish(self) -> Result<Config, ConfigError> {
        let data_dir = self
            .data_dir
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = match self.database_url {
            Some(url) => url,
            None => {
                if data_dir.to_str().is_none_or(|s| s.contains(['?', '#'])) {
                    return Err(ConfigError::Inconsistent(
                        "`data_dir` contains characters that do not fit in a URL; set `database_url` explicitly".into(),
                    ));
                }
                default_database_url(&data_dir)
            }
        };
        let defaults = Config::for_data_dir(&data_dir);
        let config = Config {
            listen: match self.listen {
                Some(a) => a,
                None => DEFAULT_LISTEN
                    .parse()
                    .map_err(|_| ConfigError::Inconsistent("bad built-in listen default".into()))?,
            },
            database_url,
            root_key_file: self.root_key_file.unwrap_or(defaults.root_key_file),
            root_key: self.root_key,
            bootstrap_token: self.bootstrap_token,
            tls_cert: self.tls_cert,
            tls_key: self.tls_key,
            tls_client_ca: self.tls_client_ca,
            tls_client_auth: self.tls_client_auth.unwrap_or(defaults.tls_client_auth),
            max_body_bytes: self.max_body_bytes.unwrap_or(defaults.max_body_bytes),
            max_item_bytes: self.max_item_bytes.unwrap_or(defaults.max_item_bytes),
            log_format: self.log_format.unwrap_or(defaults.log_format),
            log_level: self.log_level.unwrap_or(defaults.log_level),
            scheduler_interval_seconds: self
                .scheduler_interval_seconds
                .unwrap_or(defaults.scheduler_interval_seconds),
            audit_batch_max: self.audit_batch_max.unwrap_or(defaults.audit_batch_max),
            audit_checkpoint_interval_seconds: self
                .audit_checkpoint_interval_seconds
                .unwrap_or(defaults.audit_checkpoint_interval_seconds),
            audit_checkpoint_algorithm: self
                .audit_checkpoint_algorithm
                .unwrap_or(defaults.audit_checkpoint_algorithm),
            sqlite_synchronous: self
                .sqlite_synchronous
                .unwrap_or(defaults.sqlite_synchronous),
            scheduler_lease_ttl_seconds: self
                .scheduler_lease_ttl_seconds
                .unwrap_or(defaults.scheduler_lease_ttl_seconds),
            db_max_connections: self
                .db_max_connections
                .unwrap_or(defaults.db_max_connections),
            db_idle_timeout_seconds: self
                .db_idle_timeout_seconds
                .unwrap_or(defaults.db_idle_timeout_seconds),
            db_tls: self.db_tls,
            db_tls_ca_file: self.db_tls_ca_file,
            kmip_listen: self.kmip_listen,
            kmip_tls_cert: self.kmip_tls_cert,
            kmip_tls_key: self.kmip_tls_key,
            kmip_client_ca: self.kmip_client_ca,
            dev: self.dev.unwrap_or(false),
            providers: Default::default(),
            audit_sinks: self.audit_sinks.unwrap_or_default(),
            alerts: self.alerts.unwrap_or_default(),
            people: self.people.unwrap_or_default(),
            cache_enabled: self.cache_enabled.unwrap_or(defaults.cache_enabled),
            cache_ttl_seconds: self.cache_ttl_seconds.unwrap_or(defaults.cache_ttl_seconds),
            cache_max_entries: self.cache_max_entries.unwrap_or(defaults.cache_max_entries),
            cache_redis_url: self.cache_redis_url,
            root_key_pkcs11_provider: self.root_key_pkcs11_provider,
            root_key_pkcs11_label: self
                .root_key_pkcs11_label
                .unwrap_or(defaults.root_key_pkcs11_label),
            public_url: self.public_url,
            data_dir,
        };
        config.validate()?;
        Ok(config)
    }
}

fn invalid(key: &'static str, source: &str, message: &str) -> ConfigError {
    ConfigError::Invalid {
        key,
        source_name: source.to_owned(),
        message: message.to_owned(),
    }
}

fn path(v: &str) -> Option<PathBuf> {
    (!v.is_empty()).then(|| PathBuf::from(v))
}

fn number(v: &str, min: usize, max: usize) -> Result<usize, String> {
    match v.replace('_', "").parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from {min} to {max}")),
    }
}
