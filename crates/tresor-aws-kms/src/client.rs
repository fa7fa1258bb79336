//! The KMS JSON API client: `POST /` with `X-Amz-Target:
//! TrentService.<Operation>`, SigV4-signed, and the mapping of KMS errors
//! onto [`ProviderError`]: a refused key or ciphertext is `Crypto`, bad
//! input `InvalidInput`, credentials, throttling and outages
//! `Unavailable`.

use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;
use time::macros::format_description;
use tresor_core::ProviderError;

use crate::config::{AwsKmsConfig, AwsKmsConfigError};
use crate::sigv4::{self, Credentials};

/// Largest answer read.
const MAX_ANSWER: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
#[error("aws-kms: {0}")]
pub struct KmsFailure(pub String);

fn unavailable(m: impl Into<String>) -> ProviderError {
    ProviderError::Unavailable(Box::new(KmsFailure(m.into())))
}

/// A connection to one KMS endpoint.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    endpoint: String,
    host: String,
    region: String,
    creds: Credentials,
}

impl Client {
    pub fn new(c: &AwsKmsConfig) -> Result<Self, AwsKmsConfigError> {
        c.validate()?;
        let creds = c.credentials()?;
        let endpoint = c.endpoint_url();
        let host = endpoint
            .split_once("://")
            .map(|(_, rest)| rest.split('/').next().unwrap_or(rest).to_owned())
            .unwrap_or_default();
        let timeout = Duration::from_secs(c.timeout_seconds.unwrap_or(10));
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| AwsKmsConfigError::Invalid(format!("HTTP client: {e}")))?;
        Ok(Self {
            http,
            endpoint,
            host,
            region: c.region.clone(),
            creds,
        })
    }

    /// Calls `TrentService.<op>` with `body`; the JSON answer.
    pub async fn call(&self, op: &str, body: &Value) -> Result<Value, ProviderError> {
        match self.call_raw(op, body).await? {
            Ok(v) => Ok(v),
            Err((status, json)) => Err(map_error(status, &json)),
        }
    }

    /// Like [`Client::call`], but a KMS refusal comes back as its status and
    /// body (for operations that read the error type, e.g. verification).
    pub async fn call_raw(
        &self,
        op: &str,
        body: &Value,
    ) -> Result<Result<Value, (u16, Value)>, ProviderError> {
        let payload = body.to_string().into_bytes();
        let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
        let amz_date = OffsetDateTime::now_utc()
            .format(&fmt)
            .map_err(|_| unavailable("clock"))?;
        let target = format!("TrentService.{op}");
        let mut headers = vec![
            (
                "content-type".to_owned(),
                "application/x-amz-json-1.1".to_owned(),
            ),
            ("host".to_owned(), self.host.clone()),
            ("x-amz-date".to_owned(), amz_date.clone()),
            ("x-amz-target".to_owned(), target.clone()),
        ];
        if let Some(t) = &self.creds.session_token {
            headers.push(("x-amz-security-token".to_owned(), t.to_string()));
        }
        let req = sigv4::Request {
            method: "POST",
            path: "/",
            query: "",
            headers: headers.clone(),
            body: &payload,
        };
        let auth = sigv4::authorization(&req, &self.creds, &amz_date, &self.region, "kms");
        let mut r = self.http.post(format!("{}/", self.endpoint)).body(payload);
        for (k, v) in headers.iter().filter(|(k, _)| k != "host") {
            r = r.header(k, v);
        }
        let resp = r
            .header("authorization", auth)
            .send()
            .await
            .map_err(|e| unavailable(e.without_url().to_string()))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| unavailable(e.without_url().to_string()))?;
        if bytes.len() > MAX_ANSWER {
            return Err(unavailable("the answer is too large"));
        }
        let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(Ok(json));
        }
        Ok(Err((status.as_u16(), json)))
    }
}

/// The KMS error type, e.g. `NotFoundException` (`__type` may carry a
/// namespace prefix before `#`).
pub fn error_type(json: &Value) -> String {
    json["__type"]
        .as_str()
        .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned())
        .unwrap_or_default()
}

/// Maps a KMS error answer.
pub fn map_error(status: u16, json: &Value) -> ProviderError {
    let kind = error_type(json);
    tracing::debug!(status, kind, "KMS refused a call");
    match kind.as_str() {
        "NotFoundException"
        | "KMSInvalidStateException"
        | "DisabledException"
        | "InvalidCiphertextException"
        | "IncorrectKeyException"
        | "InvalidKeyUsageException"
        | "KMSInvalidSignatureException"
        | "KMSInvalidMacException"
        | "InvalidGrantTokenException" => ProviderError::Crypto,
        "ValidationException" | "InvalidArnException" => {
            ProviderError::InvalidInput("refused by the KMS as invalid")
        }
        "UnsupportedOperationException" => ProviderError::Unsupported("not supported by the KMS"),
        _ if status >= 500 => unavailable(format!("the KMS failed ({status}, {kind})")),
        _ => unavailable(format!("the KMS refused the call ({status}, {kind})")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn kms_errors_map_to_provider_errors() {
        let e = |t: &str| json!({"__type": t, "message": "m"});
        assert!(matches!(
            map_error(400, &e("NotFoundException")),
            ProviderError::Crypto
        ));
        assert!(matches!(
            map_error(400, &e("com.amazonaws.kms#InvalidCiphertextException")),
            ProviderError::Crypto
        ));
        assert!(matches!(
            map_error(400, &e("ValidationException")),
            ProviderError::InvalidInput(_)
        ));
        for (status, t) in [
            (400, "UnrecognizedClientException"),
            (400, "AccessDeniedException"),
            (400, "ThrottlingException"),
            (500, "KMSInternalException"),
            (502, ""),
        ] {
            assert!(
                matches!(map_error(status, &e(t)), ProviderError::Unavailable(_)),
                "{t}"
            );
        }
    }
}
