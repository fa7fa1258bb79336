//! The [`ProviderFactory`] of this server: builds the providers platform
//! admins register at run time (`POST /v1/providers`) from typed
//! configuration.
//!
//! - `remote`: [`RemoteConfig`] without `id` (the registration's id is
//!   used): `url`, `tenant`, `token_env` | `token_file`, `ca_file`,
//!   `client_cert` + `client_key`, `timeout_seconds`.
//! - `pkcs11`: `module_path`, `token_label` | `slot`, `pin_file` (an inline
//!   `pin` is refused: it would be stored), `label_prefix`, `pool_size`.
//! - `aws-kms`: [`AwsKmsConfig`] without `id`: `region`, `endpoint`,
//!   `access_key_id_env` / `secret_access_key_env` / `session_token_env` or
//!   `credentials_file`, `timeout_seconds`.
//!
//! Unknown fields are refused. Credentials are read from the named
//! variable or file when the provider is built, on every node.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use tresor_aws_kms::{AwsKmsConfig, AwsKmsProvider};
use tresor_core::{Provider, ProviderId};
use tresor_pkcs11::{Pkcs11Config, Pkcs11Provider};
use tresor_remote::{RemoteConfig, RemoteProvider};
use tresor_service::ProviderFactory;

/// Builds `remote`, `pkcs11` and `aws-kms` providers.
#[derive(Debug, Default)]
pub struct ServerProviderFactory;

/// `config` as an object with `id` set to the registration's.
fn with_id(id: &ProviderId, config: &Value) -> Result<Value, String> {
    let Value::Object(map) = config else {
        return Err("config must be a JSON object".into());
    };
    if map.contains_key("id") {
        return Err("config must not repeat the id".into());
    }
    let mut map = map.clone();
    map.insert("id".into(), Value::String(id.to_string()));
    Ok(Value::Object(map))
}

fn without_id(v: Value) -> Value {
    match v {
        Value::Object(mut m) => {
            m.remove("id");
            Value::Object(m)
        }
        other => other,
    }
}

fn remote(id: &ProviderId, config: &Value) -> Result<RemoteConfig, String> {
    let c: RemoteConfig =
        serde_json::from_value(with_id(id, config)?).map_err(|e| e.to_string())?;
    c.validate().map_err(|e| e.to_string())?;
    Ok(c)
}

fn aws(id: &ProviderId, config: &Value) -> Result<AwsKmsConfig, String> {
    let c: AwsKmsConfig =
        serde_json::from_value(with_id(id, config)?).map_err(|e| e.to_string())?;
    c.validate().map_err(|e| e.to_string())?;
    Ok(c)
}

fn pkcs11(id: &ProviderId, config: &Value) -> Result<Pkcs11Config, String> {
    if config.get("pin").is_some() {
        return Err("give the PIN as pin_file; an inline pin would be stored".into());
    }
    if config.get("pin_file").and_then(Value::as_str).is_none() {
        return Err("pin_file is required".into());
    }
    let list = Value::Array(vec![with_id(id, config)?]);
    let mut parsed = Pkcs11Config::list_from_json(&list.to_string()).map_err(|e| e.to_string())?;
    parsed.pop().ok_or_else(|| "no configuration".to_owned())
}

#[async_trait]
impl ProviderFactory for ServerProviderFactory {
    fn kinds(&self) -> Vec<&'static str> {
        vec!["remote", "pkcs11", "aws-kms"]
    }

    fn validate(&self, id: &ProviderId, kind: &str, config: &Value) -> Result<Value, String> {
        match kind {
            "remote" => {
                let c = remote(id, config)?;
                serde_json::to_value(&c)
                    .map(without_id)
                    .map_err(|e| e.to_string())
            }
            "pkcs11" => {
                pkcs11(id, config)?;
                Ok(config.clone())
            }
            "aws-kms" => {
                let c = aws(id, config)?;
                serde_json::to_value(&c)
                    .map(without_id)
                    .map_err(|e| e.to_string())
            }
            other => Err(format!("unknown provider kind '{other}'")),
        }
    }

    async fn build(
        &self,
        id: &ProviderId,
        kind: &str,
        config: &Value,
    ) -> Result<Arc<dyn Provider>, String> {
        match kind {
            "remote" => {
                let p = RemoteProvider::new(&remote(id, config)?).map_err(|e| e.to_string())?;
                Ok(Arc::new(p))
            }
            "aws-kms" => {
                let p = AwsKmsProvider::new(&aws(id, config)?).map_err(|e| e.to_string())?;
                Ok(Arc::new(p))
            }
            "pkcs11" => {
                let p = Pkcs11Provider::connect(pkcs11(id, config)?)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Arc::new(p))
            }
            other => Err(format!("unknown provider kind '{other}'")),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn id() -> ProviderId {
        ProviderId::parse("central").unwrap()
    }

    #[test]
    fn configurations_are_typed_and_hold_no_secrets() {
        let f = ServerProviderFactory;
        let ok = json!({"url": "https://kms.example.com", "token_env": "CENTRAL_TOKEN"});
        let stored = f.validate(&id(), "remote", &ok).unwrap();
        assert_eq!(stored["url"], "https://kms.example.com");
        assert!(stored.get("id").is_none());
        for (kind, bad, text) in [
            (
                "remote",
                json!({"url": "https://k.example", "token": "tk_x"}),
                "unknown field",
            ),
            (
                "remote",
                json!({"url": "https://k.example"}),
                "token_env or token_file",
            ),
            (
                "remote",
                json!({"id": "x", "url": "https://k.example", "token_env": "T"}),
                "id",
            ),
            ("remote", json!([]), "object"),
            (
                "pkcs11",
                json!({"module_path": "/m.so", "slot": 0, "pin": "1234"}),
                "pin_file",
            ),
            (
                "pkcs11",
                json!({"module_path": "/m.so", "slot": 0}),
                "pin_file",
            ),
            ("hsm9000", json!({}), "unknown provider kind"),
            (
                "aws-kms",
                json!({"region": "eu-central-1", "secret_access_key": "x"}),
                "unknown field",
            ),
            ("aws-kms", json!({"region": "Nowhere"}), "region"),
        ] {
            let e = f.validate(&id(), kind, &bad).unwrap_err();
            assert!(e.contains(text), "{kind} {bad}: {e}");
            assert!(!e.contains("tk_x") && !e.contains("1234"), "{e}");
        }
    }
}
