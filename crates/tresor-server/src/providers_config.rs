//! The providers the server runs besides the software keystore, read from
//! the environment (the issue's simplest form):
//!
//! - `TRESOR_PKCS11_MODULE` + `TRESOR_PKCS11_TOKEN_LABEL` (or
//!   `TRESOR_PKCS11_SLOT`) + `TRESOR_PKCS11_PIN` (or `TRESOR_PKCS11_PIN_FILE`)
//!   register provider `hsm`;
//! - `TRESOR_PKCS11_CONFIGS_JSON` registers several (`[{"id", "module_path",
//!   "token_label" | "slot", "pin" | "pin_file", ...}]`);
//! - `TRESOR_REMOTE_CONFIGS_JSON` registers remote Tresors (`[{"id",
//!   "url", "tenant"?, "token_env" | "token_file", "ca_file"?,
//!   "client_cert"?, "client_key"?, "timeout_seconds"?}]`, see
//!   [`tresor_remote::RemoteConfig`]);
//! - `TRESOR_AWS_KMS_CONFIGS_JSON` registers AWS-KMS-compatible services
//!   (`[{"id", "region", "endpoint"?, "credentials_file"? | "*_env"?,
//!   "timeout_seconds"?}]`, see [`tresor_aws_kms::AwsKmsConfig`]);
//! - `TRESOR_DEFAULT_PROVIDER` names the default for new keys (default
//!   `software`).
//!
//! Platform admins can also register providers at run time (`POST
//! /v1/providers`, [`crate::provider_factory`]).
//!
//! A PKCS#11 provider that cannot connect at start does not stop the
//! server: it is registered as down (an [`UnavailableProvider`]), so its
//! keys fail fast with `provider_unavailable`, `/readyz` and
//! `tresor_provider_up` report it, and nothing is routed elsewhere. Fix the
//! token and restart. PINs stay in [`Pkcs11Config`] (redacted `Debug`).

use std::sync::Arc;

use tresor_core::ProviderId;
use tresor_crypto::SoftwareProvider;
use tresor_pkcs11::{Pkcs11Config, Pkcs11Provider};
use tresor_service::{ProviderRegistry, UnavailableProvider};

use crate::config::ConfigError;

/// Providers to register at start.
#[derive(Debug, Clone, Default)]
pub struct ProvidersConfig {
    /// PKCS#11 tokens, each its own provider.
    pub pkcs11: Vec<Pkcs11Config>,
    /// Remote Tresors, each its own provider.
    pub remote: Vec<tresor_remote::RemoteConfig>,
    /// AWS-KMS-compatible services, each its own provider.
    pub aws_kms: Vec<tresor_aws_kms::AwsKmsConfig>,
    /// Default provider for new keys (`None`: `software`).
    pub default_provider: Option<ProviderId>,
}

fn bad(key: &'static str, message: String) -> ConfigError {
    ConfigError::Invalid {
        key,
        source_name: "environment".into(),
        message,
    }
}

impl ProvidersConfig {
    /// Reads the variables above through `get` (errors never carry a PIN).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let set = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let mut pkcs11 = Vec::new();
        if set("TRESOR_PKCS11_MODULE").is_some() {
            let c = Pkcs11Config::from_lookup(&get)
                .map_err(|e| bad("TRESOR_PKCS11_MODULE", e.to_string()))?;
            pkcs11.push(c);
        }
        if let Some(json) = set("TRESOR_PKCS11_CONFIGS_JSON") {
            let list = Pkcs11Config::list_from_json(&json)
                .map_err(|e| bad("TRESOR_PKCS11_CONFIGS_JSON", e.to_string()))?;
            pkcs11.extend(list);
        }
        let remote = match set("TRESOR_REMOTE_CONFIGS_JSON") {
            Some(json) => tresor_remote::RemoteConfig::list_from_json(&json)
                .map_err(|e| bad("TRESOR_REMOTE_CONFIGS_JSON", e.to_string()))?,
            None => Vec::new(),
        };
        let aws_kms = match set("TRESOR_AWS_KMS_CONFIGS_JSON") {
            Some(json) => {
                let list: Vec<tresor_aws_kms::AwsKmsConfig> = serde_json::from_str(&json)
                    .map_err(|e| bad("TRESOR_AWS_KMS_CONFIGS_JSON", e.to_string()))?;
                for c in &list {
                    c.validate()
                        .map_err(|e| bad("TRESOR_AWS_KMS_CONFIGS_JSON", e.to_string()))?;
                }
                list
            }
            None => Vec::new(),
        };
        let default_provider = set("TRESOR_DEFAULT_PROVIDER")
            .map(|s| ProviderId::parse(s.trim()))
            .transpose()
            .map_err(|e| bad("TRESOR_DEFAULT_PROVIDER", e.to_string()))?;
        let config = Self {
            pkcs11,
            remote,
            aws_kms,
            default_provider,
        };
        config.validate()?;
        Ok(config)
    }

    /// Ids are unique and `software` stays the software keystore's.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut seen = vec![SoftwareProvider::default_id()];
        let ids = self
            .pkcs11
            .iter()
            .map(|c| &c.id)
            .chain(self.remote.iter().map(|c| &c.id));
        for id in ids {
            if seen.contains(id) {
                return Err(ConfigError::Inconsistent(format!(
                    "provider id '{id}' is configured twice"
                )));
            }
            seen.push(id.clone());
        }
        match &self.default_provider {
            Some(d) if !seen.contains(d) => Err(ConfigError::Inconsistent(format!(
                "TRESOR_DEFAULT_PROVIDER names '{d}', which is not configured"
            ))),
            _ => Ok(()),
        }
    }
}

/// The registry: the software provider plus every configured token (down
/// ones as stand-ins), and the default.
pub(crate) async fn registry(
    software: SoftwareProvider,
    config: &ProvidersConfig,
    connected: Option<Arc<Pkcs11Provider>>,
) -> Result<ProviderRegistry, ConfigError> {
    config.validate()?;
    let mut registry = ProviderRegistry::new(Arc::new(software));
    for c in &config.pkcs11 {
        let id = c.id.clone();
        // The token holding the root key is connected already: share it.
        if let Some(p) = connected
            .as_ref()
            .filter(|p| tresor_core::Provider::id(&***p) == &id)
        {
            registry.register(Arc::clone(p) as Arc<dyn tresor_core::Provider>);
            continue;
        }
        match Pkcs11Provider::connect(c.clone()).await {
            Ok(p) => {
                tracing::info!(provider = %id, "PKCS#11 provider registered");
                registry.register(Arc::new(p));
            }
            Err(e) => {
                tracing::error!(
                    provider = %id,
                    error = %error_chain(&e),
                    "PKCS#11 provider cannot connect: starting with it marked down; its keys fail with provider_unavailable until it is fixed and the server restarted"
                );
                registry.register(Arc::new(UnavailableProvider::new(
                    id,
                    "pkcs11",
                    true,
                    "could not connect at start",
                )));
            }
        }
    }
    for c in &config.remote {
        match tresor_remote::RemoteProvider::new(c) {
            Ok(p) => {
                tracing::info!(provider = %c.id, url = %c.url, "remote provider registered");
                registry.register(Arc::new(p));
            }
            Err(e) => {
                tracing::error!(provider = %c.id, error = %e, "remote provider cannot be built: starting with it marked down");
                registry.register(Arc::new(UnavailableProvider::new(
                    c.id.clone(),
                    "remote",
                    false,
                    "could not be built at start",
                )));
            }
        }
    }
    for c in &config.aws_kms {
        match tresor_aws_kms::AwsKmsProvider::new(c) {
            Ok(p) => {
                tracing::info!(provider = %c.id, region = %c.region, "aws-kms provider registered");
                registry.register(Arc::new(p));
            }
            Err(e) => {
                tracing::error!(provider = %c.id, error = %e, "aws-kms provider cannot be built: starting with it marked down");
                registry.register(Arc::new(UnavailableProvider::new(
                    c.id.clone(),
                    "aws-kms",
                    false,
                    "could not be built at start",
                )));
            }
        }
    }
    if let Some(d) = &config.default_provider
        && !registry.set_default(d)
    {
        return Err(ConfigError::Inconsistent(format!(
            "default provider '{d}' is not registered"
        )));
    }
    Ok(registry)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn env_forms_and_errors_without_pins() {
        let none = ProvidersConfig::from_lookup(lookup(&[])).unwrap();
        assert!(none.pkcs11.is_empty() && none.default_provider.is_none());
        let one = ProvidersConfig::from_lookup(lookup(&[
            ("TRESOR_PKCS11_MODULE", "/m.so"),
            ("TRESOR_PKCS11_TOKEN_LABEL", "t"),
            ("TRESOR_PKCS11_PIN", "s3cret-pin"),
            ("TRESOR_DEFAULT_PROVIDER", "hsm"),
            (
                "TRESOR_PKCS11_CONFIGS_JSON",
                r#"[{"id":"hsm-b","module_path":"/m.so","slot":1,"pin":"s3cret-pin"}]"#,
            ),
        ]))
        .unwrap();
        assert_eq!(one.pkcs11.len(), 2);
        assert_eq!(one.pkcs11[0].id.as_str(), "hsm");
        assert!(!format!("{one:?}").contains("s3cret"));
        let dup = ProvidersConfig::from_lookup(lookup(&[(
            "TRESOR_PKCS11_CONFIGS_JSON",
            r#"[{"id":"software","module_path":"/m.so","slot":1,"pin":"s3cret-pin"}]"#,
        )]));
        assert!(matches!(dup, Err(ConfigError::Inconsistent(_))));
        let unknown = ProvidersConfig::from_lookup(lookup(&[("TRESOR_DEFAULT_PROVIDER", "hsm")]));
        assert!(unknown.is_err());
        let no_pin = ProvidersConfig::from_lookup(lookup(&[
            ("TRESOR_PKCS11_MODULE", "/m.so"),
            ("TRESOR_PKCS11_TOKEN_LABEL", "t"),
        ]))
        .unwrap_err();
        assert!(no_pin.to_string().contains("TRESOR_PKCS11_PIN"), "{no_pin}");
        let bad_json = ProvidersConfig::from_lookup(lookup(&[(
            "TRESOR_PKCS11_CONFIGS_JSON",
            r#"[{"id":"x","pin":"s3cret-pin""#,
        )]))
        .unwrap_err();
        assert!(!bad_json.to_string().contains("s3cret"));
    }
}
