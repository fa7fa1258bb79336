//! The one HTTP error type: every failure, from the service or from the
//! HTTP layer itself (bad JSON, wrong content type, oversize body, unknown
//! route), becomes `{"error":{"code","message","request_id"}}` with a status
//! chosen by the error's kind. Internal details are logged, never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tresor_api::{ErrorBody, ErrorResponse};
use tresor_service::{ErrorKind, ServiceError};

/// Longest message taken from a parser (serde) error.
const MAX_PARSER_MESSAGE: usize = 200;

/// A failed request.
#[derive(Debug)]
pub enum AppError {
    /// The service refused or failed the call.
    Service(ServiceError),
    /// The HTTP layer refused the request before it reached the service.
    Http {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        AppError::Service(e)
    }
}

impl AppError {
    /// A refusal by the HTTP layer.
    pub fn http(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError::Http {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 `invalid_json`, with the parser's message (shortened).
    pub fn invalid_json(message: &str) -> Self {
        Self::http(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            truncate(message, MAX_PARSER_MESSAGE),
        )
    }

    /// 400 `invalid_argument` for a bad path segment or query parameter.
    pub fn invalid_argument(field: &'static str, reason: impl Into<String>) -> Self {
        AppError::Service(ServiceError::invalid(field, reason))
    }

    /// 401 `unauthenticated`.
    pub fn unauthenticated() -> Self {
        AppError::Service(ServiceError::Unauthenticated)
    }

    /// 403 `csrf_failed`: a cookie-authenticated change without the
    /// session's CSRF token.
    pub fn csrf() -> Self {
        Self::http(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "state-changing requests with a session cookie need the x-csrf-token header",
        )
    }

    /// 413 `payload_too_large` for a request body over the server limit.
    pub fn body_too_large() -> Self {
        Self::http(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body exceeds the server's size limit",
        )
    }

    /// 500 `internal` (nothing about the cause is sent).
    pub fn internal() -> Self {
        AppError::Service(ServiceError::Internal("internal error"))
    }

    /// Status, code and the message safe to send.
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            AppError::Http {
                status,
                code,
                message,
            } => (*status, code, message.clone()),
            AppError::Service(e) => {
                let status = status_of(e.kind());
                let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
                    "internal error".to_owned()
                } else {
                    e.to_string()
                };
                (status, e.code(), message)
            }
        }
    }

    /// The error as a batch item / response body, for `request_id`.
    pub fn body(&self, request_id: &str) -> ErrorBody {
        let (_, code, message) = self.parts();
        ErrorBody {
            code: code.to_owned(),
            message,
            request_id: request_id.to_owned(),
        }
    }

    /// Detail to log at error level (internal errors only; may name causes
    /// the client must not see, but never secrets).
    pub(crate) fn log_detail(&self) -> Option<String> {
        match self {
            AppError::Service(e) if status_of(e.kind()) == StatusCode::INTERNAL_SERVER_ERROR => {
                Some(format!("{e:?}"))
            }
            _ => None,
        }
    }
}

/// `202 Accepted` for an operation parked for approval, with its request
/// id in the body and in `Location`.
fn accepted(request: &str, expires_at: tresor_core::Timestamp, message: String) -> Response {
    let body = tresor_api::ApprovalPendingResponse {
        approval_request: request.to_owned(),
        state: "pending".to_owned(),
        expires_at: expires_at.to_rfc3339(),
        message,
    };
    let mut res = (StatusCode::ACCEPTED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/v1/requests/{request}")) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// HTTP status for a service error class.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Pending => StatusCode::ACCEPTED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// What an error response carries until the request-id middleware renders
/// its body (the handler that failed may not know the request id).
#[derive(Debug, Clone)]
pub struct PendingError {
    pub code: &'static str,
    pub message: String,
    /// Logged with the request id, never sent.
    pub log_detail: Option<String>,
}

impl PendingError {
    /// Renders the final body.
    pub fn render(&self, status: StatusCode, request_id: &str) -> Response {
        let body = ErrorResponse {
            error: ErrorBody {
                code: self.code.to_owned(),
                message: self.message.clone(),
                request_id: request_id.to_owned(),
            },
        };
        let mut res = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Service(ServiceError::ApprovalPending {
            request,
            expires_at,
        }) = &self
        {
            return accepted(request, *expires_at, self.parts().2);
        }
        let (status, code, message) = self.parts();
        let pending = PendingError {
            code,
            message,
            log_detail: self.log_detail(),
        };
        // Rendered here without a request id; the middleware re-renders it
        // with the request's id (see `ops::request_context`).
        let mut res = pending.render(status, "");
        res.extensions_mut().insert(pending);
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_are_not_sent() {
        let e = AppError::from(ServiceError::Internal("secret detail"));
        let (status, code, message) = e.parts();
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(code, "internal");
        assert_eq!(message, "internal error");
        assert!(e.log_detail().is_some_and(|d| d.contains("secret detail")));
    }

    #[test]
    fn statuses_follow_kinds() {
        let cases = [
            (ServiceError::Unauthenticated, 401),
            (ServiceError::Forbidden { action: "x" }, 403),
            (ServiceError::NotFound { what: "key" }, 404),
            (ServiceError::CryptoFailed, 400),
            (ServiceError::Conflict, 409),
            (
                ServiceError::PayloadTooLarge {
                    field: "plaintext",
                    limit: 1,
                },
                413,
            ),
            (ServiceError::AuditUnavailable, 503),
        ];
        for (e, want) in cases {
            assert_eq!(AppError::from(e).parts().0.as_u16(), want);
        }
    }

    #[test]
    fn truncates_on_char_boundaries() {
        let s = "é".repeat(150);
        let t = truncate(&s, 200);
        assert!(t.len() <= 203);
        assert!(t.ends_with("..."));
    }
}
