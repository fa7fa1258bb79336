//! The webhook sink: each audit record POSTed as JSON (the export format)
//! to an HTTP(S) URL, one request per record, in order. The body is signed
//! with HMAC-SHA256 under a shared secret (`X-Tresor-Signature:
//! sha256=<hex>`), and `Idempotency-Key: <seq>-<record hash>` lets the
//! receiver drop a record it already has (a retry after a lost answer).
//! Any answer but 2xx, and any transport error, is a failure; the record
//! is retried (with backoff) until accepted. Redirects are not followed.

use std::time::Duration;

use async_trait::async_trait;
use aws_lc_rs::hmac;
use tresor_core::audit::AuditRecord;
use tresor_service::sinks::{AuditSink, SinkError, SinkFailure};

use super::config::SinkConfig;
use crate::config::{ConfigError, SecretString};

/// Header carrying `sha256=<hex HMAC of the body>`.
pub const SIGNATURE_HEADER: &str = "x-tresor-signature";
/// Header carrying `<seq>-<hash hex>`.
pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// Header carrying the record's sequence number.
pub const SEQ_HEADER: &str = "x-tresor-audit-seq";

/// A webhook destination.
pub struct WebhookSink {
    name: String,
    url: String,
    key: hmac::Key,
    client: reqwest::Client,
}

impl std::fmt::Debug for WebhookSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSink")
            .field("name", &self.name)
            .field("url", &self.target())
            .finish_non_exhaustive()
    }
}

/// `sha256=<hex>` of `body` under `secret` (what receivers recompute).
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), body);
    format!("sha256={}", hex(tag.as_ref()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The idempotency key of a record.
pub fn idempotency_key(r: &AuditRecord) -> String {
    format!("{}-{}", r.seq, hex(&r.hash))
}

impl WebhookSink {
    /// Builds the sink (reads the CA file if any).
    pub fn new(c: &SinkConfig, secret: &SecretString) -> Result<Self, ConfigError> {
        let bad = |m: String| ConfigError::Inconsistent(format!("audit sink '{}': {m}", c.name));
        let mut builder = reqwest::Client::builder()
            .timeout(c.timeout())
            .connect_timeout(c.timeout().min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(ca) = &c.ca_file {
            let pem = std::fs::read(ca)
                .map_err(|e| bad(format!("cannot read ca_file {}: {e}", ca.display())))?;
            for cert in reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| bad(format!("ca_file {}: {e}", ca.display())))?
            {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder.build().map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            name: c.name.clone(),
            url: c.url.clone().unwrap_or_default(),
            key: hmac::Key::new(hmac::HMAC_SHA256, secret.expose().as_bytes()),
            client,
        })
    }

    async fn post(&self, r: &AuditRecord) -> Result<(), SinkError> {
        let body = serde_json::to_vec(r).map_err(|e| SinkError(e.to_string()))?;
        let sig = format!("sha256={}", hex(hmac::sign(&self.key, &body).as_ref()));
        let resp = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, sig)
            .header(IDEMPOTENCY_HEADER, idempotency_key(r))
            .header(SEQ_HEADER, r.seq.to_string())
            .body(body)
            .send()
            .await
            // Without the URL: it may carry a token in its query.
            .map_err(|e| {
                SinkError(format!(
                    "POST to {} failed: {}",
                    self.target(),
                    e.without_url()
                ))
            })?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(SinkError(format!(
                "{} answered HTTP {}",
                self.target(),
                status.as_u16()
            )))
        }
    }
}

#[async_trait]
impl AuditSink for WebhookSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "webhook"
    }

    /// The URL without its query or fragment.
    fn target(&self) -> String {
        self.url
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    async fn deliver(&self, records: &[AuditRecord]) -> Result<(), SinkFailure> {
        for (i, r) in records.iter().enumerate() {
            self.post(r).await.map_err(|error| SinkFailure {
                delivered: i,
                error,
            })?;
        }
        Ok(())
    }
}
