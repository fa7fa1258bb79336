//! The remote provider's configuration: typed, validated, with the token
//! read from a file or an environment variable and redacted in `Debug`.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tresor_core::ProviderId;
use zeroize::Zeroizing;

/// Configuration errors (never carrying the token).
#[derive(Debug, thiserror::Error)]
pub enum RemoteConfigError {
    #[error("invalid remote provider configuration: {0}")]
    Invalid(String),
}

fn invalid(m: impl Into<String>) -> RemoteConfigError {
    RemoteConfigError::Invalid(m.into())
}

/// A remote Tresor as configured (the form stored and shown: where the
/// token comes from, never the token).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteConfig {
    /// The provider id here, e.g. `central`.
    pub id: ProviderId,
    /// Base URL of the remote Tresor, e.g. `https://kms.example.com:8095`.
    pub url: String,
    /// The remote tenant keys are created in (default: the token's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Environment variable holding the remote API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
    /// File holding the remote API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
    /// PEM CA bundle that signs the remote's TLS certificate (default: the
    /// system's web PKI roots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate and key for mTLS (both or neither).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<PathBuf>,
    /// Per-request timeout (default 10 s, 1-120).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

impl fmt::Debug for RemoteConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteConfig")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("tenant", &self.tenant)
            .field("token_env", &self.token_env)
            .field("token_file", &self.token_file)
            .field("ca_file", &self.ca_file)
            .field("client_cert", &self.client_cert)
            .finish_non_exhaustive()
    }
}

/// The API key, zeroized on drop, never printed.
#[derive(Clone)]
pub struct Token(pub(crate) Zeroizing<String>);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([REDACTED])")
    }
}

impl RemoteConfig {
    /// Checks the fields (no I/O).
    pub fn validate(&self) -> Result<(), RemoteConfigError> {
        let url = self.url.trim_end_matches('/');
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() < 10 {
            return Err(invalid("url must be an http:// or https:// base URL"));
        }
        if url.contains('?') || url.contains('#') || url.chars().any(char::is_whitespace) {
            return Err(invalid("url must not have a query, fragment or spaces"));
        }
        match (&self.token_env, &self.token_file) {
            (Some(_), Some(_)) => return Err(invalid("give token_env or token_file, not both")),
            (None, None) if self.client_cert.is_none() => {
                return Err(invalid(
                    "token_env or token_file is required (or a client certificate for mTLS)",
                ));
            }
            _ => {}
        }
        if let Some(e) = &self.token_env
            && (e.is_empty() || !e.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(invalid("token_env must be an environment variable name"));
        }
        if self.client_cert.is_some() != self.client_key.is_some() {
            return Err(invalid("client_cert and client_key go together"));
        }
        if let Some(t) = self.timeout_seconds
            && !(1..=120).contains(&t)
        {
            return Err(invalid("timeout_seconds must be 1-120"));
        }
        if let Some(t) = &self.tenant
            && tresor_core::TenantId::parse(t).is_err()
        {
            return Err(invalid("tenant is not a valid tenant id"));
        }
        Ok(())
    }

    /// Reads the token from its variable or file (`None`: mTLS only).
    pub fn token(&self) -> Result<Option<Token>, RemoteConfigError> {
        if self.token_env.is_none() && self.token_file.is_none() && self.client_cert.is_some() {
            return Ok(None);
        }
        let raw = match (&self.token_env, &self.token_file) {
            (Some(v), _) => Zeroizing::new(
                std::env::var(v)
                    .map_err(|_| invalid(format!("environment variable {v} is not set")))?,
            ),
            (None, Some(f)) => Zeroizing::new(
                std::fs::read_to_string(f)
                    .map_err(|e| invalid(format!("token_file {}: {e}", f.display())))?,
            ),
            (None, None) => return Err(invalid("token_env or token_file is required")),
        };
        let t = raw.trim();
        if t.is_empty() || t.len() > 512 || !t.chars().all(|c| c.is_ascii_graphic()) {
            return Err(invalid("the token is empty or not a valid API key"));
        }
        Ok(Some(Token(Zeroizing::new(t.to_owned()))))
    }

    /// A list from JSON (`TRESOR_REMOTE_CONFIGS_JSON`).
    pub fn list_from_json(json: &str) -> Result<Vec<Self>, RemoteConfigError> {
        let list: Vec<Self> = serde_json::from_str(json)
            .map_err(|e| invalid(format!("not a list of remote providers: {e}")))?;
        for c in &list {
            c.validate()?;
        }
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> RemoteConfig {
        RemoteConfig {
            id: ProviderId::parse("central").unwrap(),
            url: "https://kms.example.com".into(),
            tenant: None,
            token_env: Some("TRESOR_TEST_REMOTE_TOKEN_UNSET".into()),
            token_file: None,
            ca_file: None,
            client_cert: None,
            client_key: None,
            timeout_seconds: None,
        }
    }

    #[test]
    fn validation_names_the_problem() {
        assert!(base().validate().is_ok());
        for (c, text) in [
            (
                RemoteConfig {
                    url: "ftp://x.example".into(),
                    ..base()
                },
                "url",
            ),
            (
                RemoteConfig {
                    url: "https://x.example/?a".into(),
                    ..base()
                },
                "query",
            ),
            (
                RemoteConfig {
                    token_env: None,
                    ..base()
                },
                "required",
            ),
            (
                RemoteConfig {
                    token_file: Some("/x".into()),
                    ..base()
                },
                "not both",
            ),
            (
                RemoteConfig {
                    token_env: Some("A B".into()),
                    ..base()
                },
                "variable",
            ),
            (
                RemoteConfig {
                    client_cert: Some("/c".into()),
                    ..base()
                },
                "together",
            ),
            (
                RemoteConfig {
                    timeout_seconds: Some(0),
                    ..base()
                },
                "timeout",
            ),
            (
                RemoteConfig {
                    tenant: Some("Bad Tenant".into()),
                    ..base()
                },
                "tenant",
            ),
        ] {
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(text), "{e}");
        }
    }

    #[test]
    fn tokens_come_from_files_and_never_print() {
        let dir = std::env::temp_dir().join(format!("tresor-remote-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("token");
        std::fs::write(&f, "tk_secret_value\n").unwrap();
        let c = RemoteConfig {
            token_env: None,
            token_file: Some(f),
            ..base()
        };
        let t = c.token().unwrap().unwrap();
        assert_eq!(t.0.as_str(), "tk_secret_value");
        assert!(!format!("{t:?}{c:?}").contains("tk_secret_value"));
        assert!(base().token().unwrap_err().to_string().contains("not set"));
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn json_lists_are_checked() {
        let ok = r#"[{"id":"central","url":"http://127.0.0.1:9","token_env":"T"}]"#;
        assert_eq!(RemoteConfig::list_from_json(ok).unwrap().len(), 1);
        let bad = r#"[{"id":"central","url":"http://127.0.0.1:9","token_env":"T","pin":"x"}]"#;
        assert!(RemoteConfig::list_from_json(bad).is_err());
    }
}
