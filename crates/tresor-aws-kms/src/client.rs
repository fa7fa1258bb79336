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
        let host = crate::config::signed_host(&endpoint)?;
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
    ///
    /// Throttling, 5xx answers and connections that could not be opened are
    /// retried (at most [`ATTEMPTS`] tries, exponential backoff with full
    /// jitter from [`BASE_BACKOFF`] up to [`MAX_BACKOFF`]), as the AWS
    /// SDKs' standard retry mode does; the last answer or error is returned.
    pub async fn call_raw(
        &self,
        op: &str,
        body: &Value,
    ) -> Result<Result<Value, (u16, Value)>, ProviderError> {
        let mut attempt = 1;
        loop {
            let (outcome, retryable) = match self.attempt(op, body).await {
                Ok(Ok(v)) => return Ok(Ok(v)),
                Ok(Err((status, json))) => {
                    let retry = is_transient(status, &json);
                    (Ok(Err((status, json))), retry)
                }
                Err(Failure { error, not_sent }) => (Err(error), not_sent),
            };
            if !retryable || attempt >= ATTEMPTS {
                return outcome;
            }
            tracing::debug!(op, attempt, "KMS busy or unreachable; retrying");
            tokio::time::sleep(backoff(attempt)).await;
            attempt += 1;
        }
    }

    /// One signed request.
    async fn attempt(
        &self,
        op: &str,
        body: &Value,
    ) -> Result<Result<Value, (u16, Value)>, Failure> {
        let payload = body.to_string().into_bytes();
        let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
        let amz_date = OffsetDateTime::now_utc()
            .format(&fmt)
            .map_err(|_| Failure::sent(unavailable("clock")))?;
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
            .map_err(|e| Failure {
                not_sent: e.is_connect(),
                error: unavailable(e.without_url().to_string()),
            })?;
        let status = resp.status();
        let header_type = resp
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = read_bounded(resp).await.map_err(Failure::sent)?;
        if status.is_success() {
            // Operations without output may answer with an empty body.
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(Ok(Value::Object(serde_json::Map::new())));
            }
            let json = serde_json::from_slice(&bytes).map_err(|_| {
                Failure::sent(unavailable(
                    "the KMS answered with something other than JSON",
                ))
            })?;
            return Ok(Ok(json));
        }
        Ok(Err((status.as_u16(), error_body(&bytes, header_type))))
    }
}

/// Tries per call (the first and up to three retries).
pub const ATTEMPTS: u32 = 4;
/// Backoff before the first retry (at most; full jitter), doubled per retry.
pub const BASE_BACKOFF: Duration = Duration::from_millis(100);
/// Longest backoff before one retry.
pub const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// A failed attempt; `not_sent` when the request never reached the KMS
/// (the connection could not be opened), so retrying cannot repeat it.
struct Failure {
    error: ProviderError,
    not_sent: bool,
}

impl Failure {
    fn sent(error: ProviderError) -> Self {
        Self {
            error,
            not_sent: false,
        }
    }
}

/// The wait before retry `attempt` (1-based): uniformly random in
/// `[0, min(MAX_BACKOFF, BASE_BACKOFF * 2^(attempt-1))]`.
fn backoff(attempt: u32) -> Duration {
    let cap = BASE_BACKOFF
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(MAX_BACKOFF);
    let mut r = [0u8; 4];
    if aws_lc_rs::rand::fill(&mut r).is_err() {
        return cap;
    }
    let fraction = f64::from(u32::from_le_bytes(r)) / f64::from(u32::MAX);
    cap.mul_f64(fraction)
}

/// Answers worth retrying: throttling and server-side failures (the AWS
/// SDKs' transient set); a refusal of the request itself is final.
pub fn is_transient(status: u16, json: &Value) -> bool {
    const THROTTLING: &[&str] = &[
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "TooManyRequestsException",
    ];
    matches!(status, 429 | 500 | 502 | 503 | 504) || THROTTLING.contains(&error_type(json).as_str())
}

/// The body, refusing more than [`MAX_ANSWER`] bytes without reading them.
async fn read_bounded(mut resp: reqwest::Response) -> Result<Vec<u8>, ProviderError> {
    let too_large = || unavailable("the answer is too large");
    if resp.content_length().is_some_and(|n| n > MAX_ANSWER as u64) {
        return Err(too_large());
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| unavailable(e.without_url().to_string()))?
    {
        if out.len() + chunk.len() > MAX_ANSWER {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A refusal as JSON with its type in `__type`: the KMS's own JSON error,
/// else the `x-amzn-ErrorType` header, else the `<Code>` of an XML error
/// (what moto sends when it refuses credentials).
fn error_body(bytes: &[u8], header_type: Option<String>) -> Value {
    let mut json: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    if !json.is_object() {
        json = Value::Object(serde_json::Map::new());
    }
    if json["__type"].as_str().is_none_or(str::is_empty) {
        let from_header = header_type.map(|h| h.split(':').next().unwrap_or_default().to_owned());
        let from_xml = || {
            let text = String::from_utf8_lossy(bytes);
            let (_, rest) = text.split_once("<Code>")?;
            let (code, _) = rest.split_once("</Code>")?;
            Some(code.trim().to_owned())
        };
        if let Some(t) = from_header.filter(|h| !h.is_empty()).or_else(from_xml) {
            json["__type"] = Value::String(t);
        }
    }
    json
}

/// The KMS error type, e.g. `NotFoundException` (`__type` may carry a
/// namespace prefix before `#`). Only a short identifier is returned, so
/// nothing the server sent beyond a name reaches a log.
pub fn error_type(json: &Value) -> String {
    json["__type"]
        .as_str()
        .map(|t| t.rsplit('#').next().unwrap_or(t))
        .filter(|t| t.len() <= 64 && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'))
        .unwrap_or_default()
        .to_owned()
}

/// Error types meaning the KMS does not accept the credentials or the
/// signature made with them.
const CREDENTIAL_ERRORS: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "ExpiredTokenException",
    "ExpiredToken",
];

/// Error types meaning the service is busy or failing, whatever was asked.
const SERVICE_ERRORS: &[&str] = &[
    "ThrottlingException",
    "LimitExceededException",
    "KMSInternalException",
    "DependencyTimeoutException",
    "KeyUnavailableException",
];

/// Whether a refusal says nothing about the request's key or data: the
/// service failing or busy, or the credentials refused. Operations that
/// otherwise turn every refusal into the opaque crypto error (decryption)
/// still report these as unavailable.
pub fn is_service_failure(status: u16, json: &Value) -> bool {
    let kind = error_type(json);
    status >= 500
        || status == 429
        || SERVICE_ERRORS.contains(&kind.as_str())
        || CREDENTIAL_ERRORS.contains(&kind.as_str())
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
        k if CREDENTIAL_ERRORS.contains(&k) => unavailable(format!(
            "the KMS rejected the credentials ({k}): check the access key id, secret access key and session token"
        )),
        "AccessDeniedException" | "AccessDenied" => unavailable(format!(
            "the credentials are not allowed this KMS operation ({kind})"
        )),
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

    fn message(e: &ProviderError) -> String {
        match e {
            ProviderError::Unavailable(source) => source.to_string(),
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    /// Refused credentials say so (AWS answers JSON, moto XML) and never
    /// echo what the server wrote beyond the error's name.
    #[test]
    fn refused_credentials_are_named_clearly() {
        let aws = br#"{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}"#;
        let moto = br#"<?xml version="1.0" encoding="utf-8"?>
<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error></Errors></ErrorResponse>"#;
        for (status, body, header, kind) in [
            (400, &aws[..], None, "UnrecognizedClientException"),
            (403, &moto[..], None, "SignatureDoesNotMatch"),
            (
                400,
                &b""[..],
                Some("ExpiredTokenException:http://internal.amazon.com/"),
                "ExpiredTokenException",
            ),
        ] {
            let json = error_body(body, header.map(str::to_owned));
            assert_eq!(error_type(&json), kind);
            let m = message(&map_error(status, &json));
            assert!(m.contains("rejected the credentials"), "{m}");
            assert!(m.contains(kind), "{m}");
            assert!(!m.contains("security token included"), "{m}");
        }
        let denied = error_body(br#"{"__type":"AccessDeniedException"}"#, None);
        let m = message(&map_error(400, &denied));
        assert!(m.contains("not allowed"), "{m}");
    }

    #[test]
    fn service_failures_are_told_apart_from_refused_data() {
        let e = |t: &str| json!({ "__type": t });
        for (status, t) in [
            (400, "ThrottlingException"),
            (400, "UnrecognizedClientException"),
            (403, "SignatureDoesNotMatch"),
            (429, ""),
            (500, "KMSInternalException"),
        ] {
            assert!(is_service_failure(status, &e(t)), "{t}");
        }
        for t in [
            "InvalidCiphertextException",
            "IncorrectKeyException",
            "AccessDeniedException",
            "NotFoundException",
            "",
        ] {
            assert!(!is_service_failure(400, &e(t)), "{t}");
        }
    }

    /// Whatever a server sends as an error, mapping it never panics and a
    /// type that is not a plain name is dropped.
    #[test]
    fn odd_error_bodies_are_harmless() {
        for body in [
            &b"not json"[..],
            b"[1,2]",
            b"<Code>unterminated",
            br#"{"__type": 7}"#,
            br#"{"__type": "Bad Type\n<script>"}"#,
            &[0xff, 0xfe, 0x00],
        ] {
            let json = error_body(body, None);
            assert_eq!(error_type(&json), "", "{json}");
            assert!(matches!(
                map_error(500, &json),
                ProviderError::Unavailable(_)
            ));
        }
    }
}
