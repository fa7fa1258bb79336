//! Barbican's error body, `{"code": 404, "title": "Not Found",
//! "description": "..."}`, which python-barbicanclient turns into its
//! exceptions. Service errors keep their status; internal causes are
//! logged, never sent.

use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tresor_service::ServiceError;

use crate::http::error::AppError;

/// A failed Barbican request.
#[derive(Debug)]
pub struct BarbicanError {
    status: StatusCode,
    description: String,
}

impl BarbicanError {
    pub fn new(status: StatusCode, description: impl Into<String>) -> Self {
        Self {
            status,
            description: description.into(),
        }
    }

    /// 400 with a description.
    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, description)
    }
}

impl From<AppError> for BarbicanError {
    fn from(e: AppError) -> Self {
        if let Some(detail) = e.log_detail() {
            tracing::error!(error = %detail, "barbican request failed");
        }
        let (status, _, message) = e.parts();
        Self::new(status, message)
    }
}

impl From<ServiceError> for BarbicanError {
    fn from(e: ServiceError) -> Self {
        AppError::from(e).into()
    }
}

impl From<BytesRejection> for BarbicanError {
    fn from(e: BytesRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is too large",
            )
        } else {
            Self::bad_request("the request body could not be read")
        }
    }
}

impl IntoResponse for BarbicanError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = json!({
            "code": self.status.as_u16(),
            "title": title,
            "description": self.description,
        });
        (self.status, axum::Json(body)).into_response()
    }
}
