//! The aws-kms provider's configuration: region, endpoint, and where the
//! credentials are (environment variables or a JSON file), never the
//! credentials themselves.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tresor_core::ProviderId;
use zeroize::Zeroizing;

use crate::sigv4::Credentials;

/// Configuration errors (never carrying a secret).
#[derive(Debug, thiserror::Error)]
pub enum AwsKmsConfigError {
    #[error("invalid aws-kms provider configuration: {0}")]
    Invalid(String),
}

fn invalid(m: impl Into<String>) -> AwsKmsConfigError {
    AwsKmsConfigError::Invalid(m.into())
}

/// An AWS-KMS-compatible service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsKmsConfig {
    pub id: ProviderId,
    /// e.g. `eu-central-1`.
    pub region: String,
    /// Default `https://kms.<region>.amazonaws.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Variables holding the credentials (defaults `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_access_key_env: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_token_env: Option<String>,
    /// Or a JSON file `{"access_key_id", "secret_access_key",
    /// "session_token"?}` (instead of the variables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_file: Option<PathBuf>,
    /// Per-request timeout (default 10 s, 1-120).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl Drop for CredentialsFile {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.secret_access_key.zeroize();
        if let Some(t) = &mut self.session_token {
            t.zeroize();
        }
    }
}

fn env_name(v: &Option<String>, field: &str) -> Result<(), AwsKmsConfigError> {
    match v {
        Some(n) if n.is_empty() || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            Err(invalid(format!(
                "{field} must be an environment variable name"
            )))
        }
        _ => Ok(()),
    }
}

/// The `host` header value the HTTP client sends for `endpoint` (the port
/// only when it is not the scheme's default), which SigV4 signs.
pub(crate) fn signed_host(endpoint: &str) -> Result<String, AwsKmsConfigError> {
    let url = reqwest::Url::parse(endpoint).map_err(|_| invalid("endpoint is not a URL"))?;
    if url.path() != "/"
        || !url.username().is_empty()
        || url.password().is_some()
        || url.fragment().is_some()
    {
        return Err(invalid(
            "endpoint must be scheme://host[:port] without a path or user",
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| invalid("endpoint has no host"))?;
    Ok(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    })
}

impl AwsKmsConfig {
    /// Checks the fields (no I/O).
    pub fn validate(&self) -> Result<(), AwsKmsConfigError> {
        let r = &self.region;
        if r.is_empty()
            || r.len() > 32
            || !r
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(invalid("region must look like eu-central-1"));
        }
        if let Some(e) = &self.endpoint {
            let e = e.trim_end_matches('/');
            if !(e.starts_with("https://") || e.starts_with("http://"))
                || e.contains('?')
                || e.chars().any(char::is_whitespace)
            {
                return Err(invalid(
                    "endpoint must be an http(s):// URL without a query",
                ));
            }
            signed_host(e)?;
        }
        env_name(&self.access_key_id_env, "access_key_id_env")?;
        env_name(&self.secret_access_key_env, "secret_access_key_env")?;
        env_name(&self.session_token_env, "session_token_env")?;
        let env_given = self.access_key_id_env.is_some()
            || self.secret_access_key_env.is_some()
            || self.session_token_env.is_some();
        if env_given && self.credentials_file.is_some() {
            return Err(invalid(
                "give credentials_file or the *_env names, not both",
            ));
        }
        if let Some(t) = self.timeout_seconds
            && !(1..=120).contains(&t)
        {
            return Err(invalid("timeout_seconds must be 1-120"));
        }
        Ok(())
    }

    /// The endpoint URL without a trailing slash.
    pub fn endpoint_url(&self) -> String {
        match &self.endpoint {
            Some(e) => e.trim_end_matches('/').to_owned(),
            None => format!("https://kms.{}.amazonaws.com", self.region),
        }
    }

    /// Reads the credentials from the file or the variables.
    pub fn credentials(&self) -> Result<Credentials, AwsKmsConfigError> {
        if let Some(f) = &self.credentials_file {
            let text = Zeroizing::new(
                std::fs::read_to_string(f)
                    .map_err(|e| invalid(format!("credentials_file {}: {e}", f.display())))?,
            );
            let mut c: CredentialsFile = serde_json::from_str(&text).map_err(|_| {
                invalid("credentials_file is not {\"access_key_id\", \"secret_access_key\", \"session_token\"?}")
            })?;
            return Ok(Credentials {
                access_key_id: std::mem::take(&mut c.access_key_id),
                secret_access_key: Zeroizing::new(std::mem::take(&mut c.secret_access_key)),
                session_token: c.session_token.take().map(Zeroizing::new),
            });
        }
        let var = |name: &Option<String>, default: &str| {
            let n = name.as_deref().unwrap_or(default).to_owned();
            std::env::var(&n).map(Zeroizing::new).map_err(|_| n)
        };
        let id = var(&self.access_key_id_env, "AWS_ACCESS_KEY_ID")
            .map_err(|n| invalid(format!("environment variable {n} is not set")))?;
        let secret = var(&self.secret_access_key_env, "AWS_SECRET_ACCESS_KEY")
            .map_err(|n| invalid(format!("environment variable {n} is not set")))?;
        Ok(Credentials {
            access_key_id: id.to_string(),
            secret_access_key: secret,
            session_token: var(&self.session_token_env, "AWS_SESSION_TOKEN").ok(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> AwsKmsConfig {
        AwsKmsConfig {
            id: ProviderId::parse("aws").unwrap(),
            region: "eu-central-1".into(),
            endpoint: None,
            access_key_id_env: None,
            secret_access_key_env: None,
            session_token_env: None,
            credentials_file: None,
            timeout_seconds: None,
        }
    }

    #[test]
    fn validation_and_defaults() {
        assert!(base().validate().is_ok());
        assert_eq!(
            base().endpoint_url(),
            "https://kms.eu-central-1.amazonaws.com"
        );
        for (c, text) in [
            (
                AwsKmsConfig {
                    region: "EU Central".into(),
                    ..base()
                },
                "region",
            ),
            (
                AwsKmsConfig {
                    endpoint: Some("ftp://x".into()),
                    ..base()
                },
                "endpoint",
            ),
            (
                AwsKmsConfig {
                    endpoint: Some("http://localhost:4566/kms".into()),
                    ..base()
                },
                "without a path",
            ),
            (
                AwsKmsConfig {
                    endpoint: Some("https://user:pw@kms.example".into()),
                    ..base()
                },
                "without a path or user",
            ),
            (
                AwsKmsConfig {
                    access_key_id_env: Some("A-B".into()),
                    ..base()
                },
                "variable",
            ),
            (
                AwsKmsConfig {
                    access_key_id_env: Some("A".into()),
                    credentials_file: Some("/c".into()),
                    ..base()
                },
                "not both",
            ),
            (
                AwsKmsConfig {
                    timeout_seconds: Some(500),
                    ..base()
                },
                "timeout",
            ),
        ] {
            let e = c.validate().unwrap_err().to_string();
            assert!(e.contains(text), "{e}");
        }
    }

    /// Named variables are read (cargo sets these for every test run, so
    /// no test has to change the environment).
    #[test]
    fn credentials_from_named_variables() {
        let c = AwsKmsConfig {
            access_key_id_env: Some("CARGO_PKG_NAME".into()),
            secret_access_key_env: Some("CARGO_MANIFEST_DIR".into()),
            session_token_env: Some("CARGO_PKG_VERSION".into()),
            ..base()
        };
        c.validate().unwrap();
        let creds = c.credentials().unwrap();
        assert_eq!(creds.access_key_id, env!("CARGO_PKG_NAME"));
        assert_eq!(creds.secret_access_key.as_str(), env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            creds.session_token.as_deref().map(String::as_str),
            Some(env!("CARGO_PKG_VERSION"))
        );
        // Without a token variable set, there is no token.
        let no_token = AwsKmsConfig {
            session_token_env: Some("TRESOR_TEST_UNSET_VARIABLE".into()),
            ..c
        };
        assert!(no_token.credentials().unwrap().session_token.is_none());
    }

    /// The signed `host` is what the HTTP client sends: no default port.
    #[test]
    fn signed_host_matches_the_host_header() {
        for (endpoint, host) in [
            (
                "https://kms.eu-central-1.amazonaws.com",
                "kms.eu-central-1.amazonaws.com",
            ),
            ("https://kms.example:443/", "kms.example"),
            ("http://127.0.0.1:80", "127.0.0.1"),
            ("http://127.0.0.1:4566", "127.0.0.1:4566"),
            ("https://kms.example:8443", "kms.example:8443"),
        ] {
            assert_eq!(signed_host(endpoint).unwrap(), host, "{endpoint}");
        }
    }

    #[test]
    fn credentials_from_a_file_never_print() {
        let dir = std::env::temp_dir().join(format!("tresor-aws-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("creds.json");
        std::fs::write(
            &f,
            r#"{"access_key_id":"AKID","secret_access_key":"s3cr3t-value"}"#,
        )
        .unwrap();
        let c = AwsKmsConfig {
            credentials_file: Some(f),
            ..base()
        };
        let creds = c.credentials().unwrap();
        assert_eq!(creds.access_key_id, "AKID");
        assert!(creds.session_token.is_none());
        assert!(!format!("{creds:?}{c:?}").contains("s3cr3t"));
        let missing = AwsKmsConfig {
            access_key_id_env: Some("TRESOR_TEST_UNSET_VARIABLE".into()),
            ..base()
        };
        assert!(
            missing
                .credentials()
                .unwrap_err()
                .to_string()
                .contains("not set")
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
