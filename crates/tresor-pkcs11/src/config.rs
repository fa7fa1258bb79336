//! Configuration of a PKCS#11 provider: which module, which token, the user
//! PIN (a [`SecretString`]: zeroized on drop, redacted in `Debug`), and how
//! many sessions to keep. Read from the environment or from a JSON list.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;
use tresor_core::ProviderId;

/// Default number of pooled sessions.
pub const DEFAULT_POOL_SIZE: usize = 8;
/// Provider id used by [`Pkcs11Config::from_env`].
pub const ENV_PROVIDER_ID: &str = "hsm";

/// Why a configuration could not be built. Never contains the PIN.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required environment variable is missing or not UTF-8.
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
    /// An environment variable has a malformed value.
    #[error("environment variable {name}: {reason}")]
    InvalidEnv {
        name: &'static str,
        reason: &'static str,
    },
    /// The PIN file could not be read.
    #[error("PIN file {path}: {source}")]
    PinFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The JSON list is malformed (only the position is kept: the text
    /// around it may be a PIN).
    #[error("PKCS#11 provider list: malformed JSON at line {line}, column {column}")]
    Json { line: usize, column: usize },
    /// A provider id is not a valid id.
    #[error("provider id: {0}")]
    Id(#[from] tresor_core::IdError),
    /// Neither a token label nor a slot was given, or the pool is empty.
    #[error("{0}")]
    Incomplete(&'static str),
}

/// How to reach one PKCS#11 token.
#[derive(Debug, Clone)]
pub struct Pkcs11Config {
    /// The provider id keys are created under (e.g. `hsm`).
    pub id: ProviderId,
    /// Path of the PKCS#11 module (`.so`).
    pub module_path: PathBuf,
    /// Token label to find the slot by (preferred: survives slot renumbering).
    pub token_label: Option<String>,
    /// Slot id, when no label is given.
    pub slot: Option<u64>,
    /// The user PIN.
    pub pin: SecretString,
    /// Prefix of every object label this provider creates.
    pub label_prefix: Option<String>,
    /// Number of logged-in sessions kept open (and of concurrent operations).
    pub pool_size: usize,
}

impl Pkcs11Config {
    /// A configuration with the default pool size and no label prefix.
    pub fn new(
        id: ProviderId,
        module_path: impl Into<PathBuf>,
        token_label: impl Into<String>,
        pin: SecretString,
    ) -> Self {
        Self {
            id,
            module_path: module_path.into(),
            token_label: Some(token_label.into()),
            slot: None,
            pin,
            label_prefix: None,
            pool_size: DEFAULT_POOL_SIZE,
        }
    }

    /// Reads `TRESOR_PKCS11_MODULE`, `TRESOR_PKCS11_TOKEN_LABEL` or
    /// `TRESOR_PKCS11_SLOT`, and `TRESOR_PKCS11_PIN` or
    /// `TRESOR_PKCS11_PIN_FILE` (optional: `TRESOR_PKCS11_LABEL_PREFIX`,
    /// `TRESOR_PKCS11_POOL_SIZE`); the provider id is `hsm`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Pkcs11Config::from_env`] with an explicit variable lookup.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let module =
            get("TRESOR_PKCS11_MODULE").ok_or(ConfigError::MissingEnv("TRESOR_PKCS11_MODULE"))?;
        let token_label = get("TRESOR_PKCS11_TOKEN_LABEL").filter(|s| !s.is_empty());
        let slot = match get("TRESOR_PKCS11_SLOT").filter(|s| !s.is_empty()) {
            Some(s) => Some(s.trim().parse().map_err(|_| ConfigError::InvalidEnv {
                name: "TRESOR_PKCS11_SLOT",
                reason: "must be a slot number",
            })?),
            None => None,
        };
        let pin = match (get("TRESOR_PKCS11_PIN"), get("TRESOR_PKCS11_PIN_FILE")) {
            (Some(pin), _) => SecretString::from(pin),
            (None, Some(path)) => read_pin_file(PathBuf::from(path))?,
            (None, None) => return Err(ConfigError::MissingEnv("TRESOR_PKCS11_PIN")),
        };
        let pool_size = match get("TRESOR_PKCS11_POOL_SIZE") {
            Some(s) => s.trim().parse().map_err(|_| ConfigError::InvalidEnv {
                name: "TRESOR_PKCS11_POOL_SIZE",
                reason: "must be a positive number",
            })?,
            None => DEFAULT_POOL_SIZE,
        };
        let config = Self {
            id: ProviderId::parse(ENV_PROVIDER_ID)?,
            module_path: PathBuf::from(module),
            token_label,
            slot,
            pin,
            label_prefix: get("TRESOR_PKCS11_LABEL_PREFIX"),
            pool_size,
        };
        config.validate()?;
        Ok(config)
    }

    /// Parses `TRESOR_PKCS11_CONFIGS_JSON`: a list of
    /// `{"id", "module_path", "token_label" | "slot", "pin" | "pin_file",
    /// "label_prefix"?, "pool_size"?}`.
    pub fn list_from_json(json: &str) -> Result<Vec<Self>, ConfigError> {
        let raw: Vec<RawConfig> = serde_json::from_str(json).map_err(|e| ConfigError::Json {
            line: e.line(),
            column: e.column(),
        })?;
        raw.into_iter().map(RawConfig::into_config).collect()
    }

    /// Checks that a token is named and the pool is not empty.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.token_label.is_none() && self.slot.is_none() {
            return Err(ConfigError::Incomplete(
                "a PKCS#11 provider needs a token label or a slot",
            ));
        }
        if self.pool_size == 0 {
            return Err(ConfigError::Incomplete("pool size must be at least 1"));
        }
        Ok(())
    }

    /// Text that identifies the token in messages (never the PIN).
    pub(crate) fn token_description(&self) -> String {
        match (&self.token_label, self.slot) {
            (Some(label), _) => format!("token '{label}'"),
            (None, Some(slot)) => format!("slot {slot}"),
            (None, None) => "no token".to_owned(),
        }
    }
}

fn read_pin_file(path: PathBuf) -> Result<SecretString, ConfigError> {
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let pin = SecretString::from(text.trim_end_matches(['\r', '\n']).to_owned());
            drop(zeroize::Zeroizing::new(text));
            Ok(pin)
        }
        Err(source) => Err(ConfigError::PinFile { path, source }),
    }
}

/// The JSON shape of one entry (the PIN is moved into a `SecretString`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    id: String,
    module_path: PathBuf,
    #[serde(default)]
    token_label: Option<String>,
    #[serde(default)]
    slot: Option<u64>,
    #[serde(default)]
    pin: Option<Pin>,
    #[serde(default)]
    pin_file: Option<PathBuf>,
    #[serde(default)]
    label_prefix: Option<String>,
    #[serde(default)]
    pool_size: Option<usize>,
}

/// A PIN read from JSON, moved straight into a [`SecretString`].
struct Pin(SecretString);

impl<'de> Deserialize<'de> for Pin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Pin(SecretString::from(s)))
    }
}

impl RawConfig {
    fn into_config(self) -> Result<Pkcs11Config, ConfigError> {
        let pin = match (self.pin, self.pin_file) {
            (Some(Pin(pin)), _) => pin,
            (None, Some(path)) => read_pin_file(path)?,
            (None, None) => {
                return Err(ConfigError::Incomplete(
                    "each provider needs a pin or pin_file",
                ));
            }
        };
        let config = Pkcs11Config {
            id: ProviderId::parse(&self.id)?,
            module_path: self.module_path,
            token_label: self.token_label,
            slot: self.slot,
            pin,
            label_prefix: self.label_prefix,
            pool_size: self.pool_size.unwrap_or(DEFAULT_POOL_SIZE),
        };
        config.validate()?;
        Ok(config)
    }
}

/// The PIN as text (tests only).
#[cfg(test)]
pub(crate) fn pin_text(pin: &SecretString) -> &str {
    secrecy::ExposeSecret::expose_secret(pin)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn env_and_debug_redaction() {
        let vars = [
            ("TRESOR_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so"),
            ("TRESOR_PKCS11_TOKEN_LABEL", "tresor-test"),
            ("TRESOR_PKCS11_PIN", "s3cr3t-pin"),
        ];
        let c = Pkcs11Config::from_lookup(|n| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| (*v).to_owned())
        })
        .unwrap();
        assert_eq!(c.id.as_str(), "hsm");
        assert_eq!(c.token_label.as_deref(), Some("tresor-test"));
        assert_eq!(c.pool_size, DEFAULT_POOL_SIZE);
        assert_eq!(pin_text(&c.pin), "s3cr3t-pin");
        assert!(!format!("{c:?}").contains("s3cr3t"));
        assert!(Pkcs11Config::from_lookup(|_| None).is_err());
        let no_token = Pkcs11Config::from_lookup(|n| {
            (n != "TRESOR_PKCS11_TOKEN_LABEL")
                .then(|| {
                    vars.iter()
                        .find(|(k, _)| *k == n)
                        .map(|(_, v)| (*v).to_owned())
                })
                .flatten()
        });
        assert!(matches!(no_token, Err(ConfigError::Incomplete(_))));
    }

    #[test]
    fn json_list() {
        let list = Pkcs11Config::list_from_json(
            r#"[{"id":"hsm-a","module_path":"/m.so","token_label":"a","pin":"1234"},
                {"id":"hsm-b","module_path":"/m.so","slot":3,"pin":"9876","pool_size":2}]"#,
        )
        .unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].slot, Some(3));
        assert_eq!(list[1].pool_size, 2);
        assert!(!format!("{list:?}").contains("9876"));
        let bad = Pkcs11Config::list_from_json(r#"[{"id":"x","module_path":"/m","pin":"1234"}]"#);
        assert!(matches!(bad, Err(ConfigError::Incomplete(_))));
        let err = Pkcs11Config::list_from_json(r#"[{"id":"x","pin":"77665544"}]"#).unwrap_err();
        assert!(!err.to_string().contains("77665544"));
    }
}
