//! Hrefs in answers (`secret_ref`, `container_ref`, ...): the configured
//! public URL when there is one, else the request's `Host`, then
//! `/barbican/v1/...`. Clients take the UUID from the end, so a proxy that
//! rewrites hosts does not break them; set `public_url` behind TLS.

use axum::http::{HeaderMap, header};
use tresor_service::ServiceError;

use super::PREFIX;
use crate::state::AppState;

/// The base of this request's hrefs.
#[derive(Debug, Clone)]
pub struct Refs {
    base: String,
}

impl Refs {
    pub fn new(state: &AppState, headers: &HeaderMap) -> Self {
        let base = match &state.kms.config().pki_public_url {
            Some(url) => format!("{}{PREFIX}", url.trim_end_matches('/')),
            None => {
                let host = headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .filter(|h| {
                        !h.is_empty()
                            && h.chars()
                                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
                    })
                    .unwrap_or("localhost");
                format!("http://{host}{PREFIX}")
            }
        };
        Self { base }
    }

    /// `http://host/barbican`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `{base}/v1/{collection}/{id}`.
    pub fn of(&self, collection: &str, id: impl std::fmt::Display) -> String {
        format!("{}/v1/{collection}/{id}", self.base)
    }

    /// `{base}/v1/{collection}`.
    pub fn collection(&self, collection: &str) -> String {
        format!("{}/v1/{collection}", self.base)
    }
}

/// The UUID at the end of an href (or a bare UUID), as Barbican accepts
/// references.
pub fn uuid_of(field: &'static str, href: &str) -> Result<tresor_core::SecretId, ServiceError> {
    let last = href
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    tresor_core::SecretId::parse(last)
        .map_err(|_| ServiceError::invalid(field, "not a reference ending in a UUID"))
}

/// Paging links and total for a listing answer.
pub fn paging(
    body: &mut serde_json::Map<String, serde_json::Value>,
    url: &str,
    offset: u32,
    limit: u32,
    total: u64,
) {
    body.insert("total".into(), total.into());
    if u64::from(offset) + u64::from(limit) < total {
        let next = format!("{url}?limit={limit}&offset={}", offset + limit);
        body.insert("next".into(), next.into());
    }
    if offset > 0 {
        let prev = format!(
            "{url}?limit={limit}&offset={}",
            offset.saturating_sub(limit)
        );
        body.insert("previous".into(), prev.into());
    }
}

/// Barbican's default and largest page.
pub const DEFAULT_PAGE: u32 = 10;
pub const MAX_PAGE: u32 = 100;

/// Validated `(offset, limit)` from a listing's query.
pub fn page(offset: Option<u32>, limit: Option<u32>) -> Result<(u32, u32), ServiceError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ServiceError::invalid("limit", format!("1 to {MAX_PAGE}")));
    }
    let offset = offset.unwrap_or(0);
    if offset > 1_000_000 {
        return Err(ServiceError::invalid("offset", "at most 1000000"));
    }
    Ok((offset, limit))
}
