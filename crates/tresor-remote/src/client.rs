//! The HTTP client of the remote Tresor: bearer token, optional private CA
//! and client certificate, a per-request timeout, and the mapping of the
//! remote's answers onto [`ProviderError`]: refused input or a failed
//! check is `Crypto` (opaque, as for any provider), an unreachable or
//! misconfigured remote is `Unavailable` — never a panic, never a retry on
//! another provider.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tresor_core::ProviderError;

use crate::config::{RemoteConfig, RemoteConfigError, Token};

/// Largest answer read from the remote (a signature, a public key, a
/// ciphertext of at most the server's body limit).
const MAX_ANSWER: usize = 4 * 1024 * 1024;

/// Why the remote failed a call, for logs (never sent to callers).
#[derive(Debug, thiserror::Error)]
#[error("remote Tresor: {0}")]
pub struct RemoteFailure(pub String);

fn unavailable(m: impl Into<String>) -> ProviderError {
    ProviderError::Unavailable(Box::new(RemoteFailure(m.into())))
}

/// A connection to one remote Tresor.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<Token>,
    tenant: Option<String>,
}

fn read(path: &std::path::Path, what: &str) -> Result<Vec<u8>, RemoteConfigError> {
    std::fs::read(path)
        .map_err(|e| RemoteConfigError::Invalid(format!("{what} {}: {e}", path.display())))
}

impl Client {
    /// Builds the client (reads the token and TLS files; no network).
    pub fn new(c: &RemoteConfig) -> Result<Self, RemoteConfigError> {
        c.validate()?;
        let token = c.token()?;
        let timeout = Duration::from_secs(c.timeout_seconds.unwrap_or(10));
        let mut b = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(ca) = &c.ca_file {
            let certs = reqwest::Certificate::from_pem_bundle(&read(ca, "ca_file")?)
                .map_err(|e| RemoteConfigError::Invalid(format!("ca_file: {e}")))?;
            b = b.tls_built_in_root_certs(false);
            for cert in certs {
                b = b.add_root_certificate(cert);
            }
        }
        if let (Some(cert), Some(key)) = (&c.client_cert, &c.client_key) {
            let mut pem = read(cert, "client_cert")?;
            pem.extend_from_slice(b"\n");
            pem.extend_from_slice(&read(key, "client_key")?);
            let id = reqwest::Identity::from_pem(&pem)
                .map_err(|e| RemoteConfigError::Invalid(format!("client certificate: {e}")))?;
            zeroize::Zeroize::zeroize(&mut pem);
            b = b.identity(id);
        }
        let http = b
            .build()
            .map_err(|e| RemoteConfigError::Invalid(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            base: c.url.trim_end_matches('/').to_owned(),
            token,
            tenant: c.tenant.clone(),
        })
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t.0.as_str());
        }
        if let Some(t) = &self.tenant {
            r = r.header("x-tresor-tenant", t);
        }
        r
    }

    /// POSTs JSON and parses the JSON answer.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ProviderError> {
        let bytes = self
            .send(self.request(Method::POST, path).json(body))
            .await?;
        serde_json::from_slice(&bytes)
            .map_err(|_| unavailable("the answer is not the expected JSON"))
    }

    /// GETs raw bytes.
    pub async fn get_bytes(&self, path: &str) -> Result<Vec<u8>, ProviderError> {
        self.send(self.request(Method::GET, path)).await
    }

    async fn send(&self, r: reqwest::RequestBuilder) -> Result<Vec<u8>, ProviderError> {
        let resp = r
            .send()
            .await
            .map_err(|e| unavailable(e.without_url().to_string()))?;
        let status = resp.status();
        if resp.content_length().is_some_and(|l| l > MAX_ANSWER as u64) {
            return Err(unavailable("the answer is too large"));
        }
        let body = resp
            .bytes()
            .await
            .map_err(|e| unavailable(e.without_url().to_string()))?;
        if body.len() > MAX_ANSWER {
            return Err(unavailable("the answer is too large"));
        }
        if status.is_success() {
            return Ok(body.to_vec());
        }
        Err(map_error(status, &body))
    }
}

/// The remote's error code (`{"error": {"code": ...}}`).
fn code(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Maps a refusal: the remote could not be used (credentials, outage) is
/// `Unavailable`; a refused operation on a key is `Crypto`.
pub fn map_error(status: StatusCode, body: &[u8]) -> ProviderError {
    let code = code(body);
    tracing::debug!(%status, code, "remote Tresor refused a call");
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN if code != "operation_not_allowed" => {
            unavailable(format!("the remote refused the credentials ({status})"))
        }
        s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => {
            unavailable(format!("the remote failed ({status}, {code})"))
        }
        StatusCode::PAYLOAD_TOO_LARGE => ProviderError::InvalidInput("too large for the remote"),
        _ if code == "unsupported_algorithm" => {
            ProviderError::Unsupported("the remote Tresor does not support this")
        }
        _ => ProviderError::Crypto,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_to_provider_errors() {
        let body = |c: &str| format!(r#"{{"error":{{"code":"{c}","message":"m"}}}}"#).into_bytes();
        let is_unavailable = |e: &ProviderError| matches!(e, ProviderError::Unavailable(_));
        assert!(is_unavailable(&map_error(
            StatusCode::UNAUTHORIZED,
            &body("unauthenticated")
        )));
        assert!(is_unavailable(&map_error(
            StatusCode::SERVICE_UNAVAILABLE,
            b""
        )));
        assert!(matches!(
            map_error(StatusCode::BAD_REQUEST, &body("crypto_failed")),
            ProviderError::Crypto
        ));
        assert!(matches!(
            map_error(StatusCode::NOT_FOUND, &body("key_not_found")),
            ProviderError::Crypto
        ));
        assert!(matches!(
            map_error(StatusCode::CONFLICT, &body("wrong_state")),
            ProviderError::Crypto
        ));
        assert!(matches!(
            map_error(StatusCode::BAD_REQUEST, &body("unsupported_algorithm")),
            ProviderError::Unsupported(_)
        ));
    }
}
