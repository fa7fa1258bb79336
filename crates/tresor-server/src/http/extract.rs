//! Extractors whose every rejection is the JSON error body: [`Json`] and
//! [`OptionalJson`] bodies, [`Path`] and [`Query`] parameters, and [`Auth`],
//! which authenticates the request (bearer token or verified client
//! certificate) through the service and yields the [`Caller`].

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use tresor_core::RequestId;
use tresor_service::{Caller, RequestMeta};

use super::error::AppError;
use crate::state::{AppState, PeerIdentity};

/// Selects the tenant a call acts in.
pub const TENANT_HEADER: &str = "x-tresor-tenant";
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tresor_session";
/// Carries the session's CSRF token on state-changing cookie-authenticated
/// calls.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Session tokens start with this.
pub const SESSION_TOKEN_PREFIX: &str = "tses_";

/// A JSON request body (`application/json` or `application/*+json`), or a
/// JSON response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

/// A JSON body that may be absent (an empty body gives `T::default()`).
#[derive(Debug, Clone, Copy, Default)]
pub struct OptionalJson<T>(pub T);

/// Path parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<T>(pub T);

/// Query-string parameters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Auth(pub Caller);

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn unsupported_media_type() -> AppError {
    AppError::http(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "expected a request body with content type application/json",
    )
}

/// Reads the whole body under the configured limit (`DefaultBodyLimit`).
async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::body_too_large()
        } else {
            AppError::http(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                "the request body could not be read",
            )
        }
    })
}

/// Parses JSON; the message names the field that failed (serde's words).
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    match axum::Json::<T>::from_bytes(bytes) {
        Ok(axum::Json(v)) => Ok(v),
        Err(rejection) => {
            let text = rejection.body_text();
            let msg = [
                "Failed to deserialize the JSON body into the target type: ",
                "Failed to parse the request body as JSON: ",
            ]
            .iter()
            .find_map(|p| text.strip_prefix(p))
            .unwrap_or(&text);
            Err(AppError::invalid_json(msg))
        }
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        if !is_json(req.headers()) {
            return Err(unsupported_media_type());
        }
        let bytes = read_body(req, state).await?;
        parse(&bytes).map(Json)
    }
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let json = is_json(req.headers());
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        if !json {
            return Err(unsupported_media_type());
        }
        parse(&bytes).map(OptionalJson)
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|e| AppError::invalid_argument("path", e.body_text()))
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Query(v))
            .map_err(|e| {
                let text = e.body_text();
                let msg = text
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&text);
                AppError::invalid_argument("query", msg)
            })
    }
}

/// The request id the middleware chose (or a fresh one).
pub fn request_id(parts: &Parts) -> RequestId {
    parts
        .extensions
        .get::<RequestId>()
        .cloned()
        .unwrap_or_else(RequestId::generate)
}

/// The client's IP address, for audit.
pub(crate) fn source(parts: &Parts) -> Option<String> {
    if let Some(p) = parts.extensions.get::<PeerIdentity>() {
        return Some(p.addr.ip().to_string());
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
}

/// The session token from the `Cookie` header, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// `Authorization: Bearer <token>` → the token; `Err` for another scheme.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<Result<&str, AppError>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let Ok(text) = value.to_str() else {
        return Some(Err(AppError::unauthenticated()));
    };
    let (scheme, token) = text.trim().split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Some(Err(AppError::unauthenticated()));
    }
    Some(Ok(token.trim()))
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let tenant = match parts.headers.get(TENANT_HEADER) {
            None => None,
            Some(v) => Some(
                v.to_str()
                    .map_err(|_| AppError::invalid_argument("tenant", "not a valid tenant id"))?
                    .trim()
                    .to_owned(),
            ),
        };
        let tenant = tenant.as_deref().filter(|t| !t.is_empty());
        let meta = RequestMeta {
            request_id: request_id(parts),
            source: source(parts),
        };
        if let Some(token) = bearer(&parts.headers) {
            let token = token?;
            // A session token works as a bearer token too (scripts, the
            // CLI): not ambient, so no CSRF check.
            if crate::oidc::looks_like_jwt(token) {
                match state.oidc.verify_bearer(token).await {
                    Some(Ok(id)) => {
                        let caller = state.kms.federated_caller(&id, tenant, meta).await?;
                        return Ok(Auth(caller));
                    }
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "JWT bearer token refused");
                        state
                            .kms
                            .federated_login_failed("jwt", "invalid_token", &meta)
                            .await;
                        return Err(AppError::unauthenticated());
                    }
                    None => {}
                }
            }
            if token.starts_with(SESSION_TOKEN_PREFIX) {
                let (caller, _) = state.kms.session_caller(token, tenant, meta).await?;
                return Ok(Auth(caller));
            }
            let caller = state.kms.authenticate_token(token, tenant, meta).await?;
            return Ok(Auth(caller));
        }
        if let Some(token) = session_cookie(&parts.headers) {
            let (caller, view) = state.kms.session_caller(token, tenant, meta).await?;
            // The browser sends cookies on its own: a state-changing call
            // must also carry the session's CSRF token in a header.
            if !parts.method.is_safe() {
                let sent = parts
                    .headers
                    .get(CSRF_HEADER)
                    .map(|v| v.as_bytes())
                    .unwrap_or_default();
                if view.csrf.is_empty() || !bool::from(sent.ct_eq(view.csrf.as_bytes())) {
                    return Err(AppError::csrf());
                }
            }
            return Ok(Auth(caller));
        }
        let cn = parts
            .extensions
            .get::<PeerIdentity>()
            .and_then(|p| p.client_cert_cn.clone());
        if let Some(cn) = cn {
            let caller = state
                .kms
                .authenticate_certificate(&cn, tenant, meta)
                .await?;
            return Ok(Auth(caller));
        }
        Err(AppError::unauthenticated())
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn json_content_types() {
        let mut h = HeaderMap::new();
        assert!(!is_json(&h));
        for (ct, ok) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/merge-patch+json", true),
            ("text/plain", false),
            ("application/jsonx", false),
        ] {
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            assert_eq!(is_json(&h), ok, "{ct}");
        }
    }

    #[test]
    fn bearer_tokens() {
        let mut h = HeaderMap::new();
        assert!(bearer(&h).is_none());
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert!(matches!(bearer(&h), Some(Ok("abc"))));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  abc "),
        );
        assert!(matches!(bearer(&h), Some(Ok("abc"))));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert!(matches!(bearer(&h), Some(Err(_))));
    }
}
