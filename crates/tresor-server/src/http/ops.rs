//! Operational routes (`/healthz`, `/readyz`, `/metrics`), the fallbacks for
//! unknown routes and methods, the panic response, and the per-request
//! middleware: request id, tracing span, security headers, error bodies and
//! HTTP metrics.

use std::any::Any;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tracing::Instrument;
use tresor_core::RequestId;
use utoipa::ToSchema;

use super::error::{AppError, PendingError};
use super::extract::Json;
use crate::metrics::CONTENT_TYPE as METRICS_CONTENT_TYPE;
use crate::state::AppState;

/// Correlates a request across logs, responses and audit.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Body of the health and readiness probes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StatusResponse {
    /// `ok` or `unavailable`.
    pub status: String,
    /// `/readyz` only: each key provider's health (`up` or `down`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub providers: Option<std::collections::BTreeMap<String, String>>,
}

fn status(s: &str) -> Json<StatusResponse> {
    Json(StatusResponse {
        status: s.to_owned(),
        providers: None,
    })
}

#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, description = "The process is up", body = StatusResponse)))]
pub async fn healthz() -> Json<StatusResponse> {
    status("ok")
}

#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, description = "Ready to serve", body = StatusResponse),
        (status = 503, description = "The store or the default key provider does not answer", body = StatusResponse)))]
pub async fn readyz(State(s): State<AppState>) -> (StatusCode, Json<StatusResponse>) {
    let store_ok = s.kms.ready().await;
    let providers = s.kms.provider_health().await;
    let default_ok = providers.iter().any(|p| p.default && p.healthy);
    for p in &providers {
        s.metrics.set_provider_up(p.id.as_str(), p.healthy);
    }
    let (code, text) = if store_ok && default_ok {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    let body = StatusResponse {
        status: text.to_owned(),
        providers: Some(
            providers
                .into_iter()
                .map(|p| (p.id.to_string(), health_word(p.healthy)))
                .collect(),
        ),
    };
    (code, Json(body))
}

fn health_word(up: bool) -> String {
    if up { "up" } else { "down" }.to_owned()
}

#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, description = "Prometheus / OpenMetrics text", body = String,
        content_type = "application/openmetrics-text")))]
pub async fn metrics(State(s): State<AppState>) -> Result<Response, AppError> {
    for p in s.kms.provider_health().await {
        s.metrics.set_provider_up(p.id.as_str(), p.healthy);
    }
    let text = s.metrics.render().map_err(|_| AppError::internal())?;
    Ok(([(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], text).into_response())
}

/// Unknown route: 404 `not_found`.
pub async fn not_found() -> AppError {
    AppError::http(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// Known route, wrong method: 405 `method_not_allowed`.
pub async fn method_not_allowed() -> AppError {
    AppError::http(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not support the method",
    )
}

/// Last resort when a handler panics (none should): a JSON 500.
pub fn panic_response(_payload: Box<dyn Any + Send + 'static>) -> Response {
    let pending = PendingError {
        code: "internal",
        message: "internal error".to_owned(),
        log_detail: Some("a request handler panicked".to_owned()),
    };
    let mut res = pending.render(StatusCode::INTERNAL_SERVER_ERROR, "");
    res.extensions_mut().insert(pending);
    res
}

/// The request's id: a valid `X-Request-Id`, or a fresh one.
fn choose_request_id(req: &Request) -> RequestId {
    req.headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| RequestId::parse(s).ok())
        .unwrap_or_else(RequestId::generate)
}

/// Re-renders an error body with the request id, keeping other headers.
fn finish_error(res: Response, pending: &PendingError, request_id: &RequestId) -> Response {
    if let Some(detail) = &pending.log_detail {
        tracing::error!(request_id = %request_id, %detail, "internal error");
    }
    let (mut parts, _) = res.into_parts();
    let (rendered, body) = pending
        .render(parts.status, request_id.as_str())
        .into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in &rendered.headers {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, body)
}

/// Per-request middleware (outermost layer).
pub async fn request_context(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let request_id = choose_request_id(&req);
    req.extensions_mut().insert(request_id.clone());
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let span = tracing::info_span!(
        "http",
        request_id = %request_id,
        method = %method,
        path = %req.uri().path(),
    );
    let mut res = next.run(req).instrument(span.clone()).await;
    if let Some(pending) = res.extensions_mut().remove::<PendingError>() {
        res = span.in_scope(|| finish_error(res, &pending, &request_id));
    }
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(request_id.as_str()) {
        headers.insert(REQUEST_ID_HEADER, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let elapsed = start.elapsed();
    let status = res.status().as_u16();
    s.metrics.observe_http(&method, &route, status, elapsed);
    span.in_scope(|| {
        tracing::debug!(
            status,
            elapsed_ms = elapsed.as_secs_f64() * 1000.0,
            "request finished"
        );
    });
    res
}
