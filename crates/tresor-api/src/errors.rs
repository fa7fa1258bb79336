//! The error body every endpoint returns on failure.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorBody,
}

/// A stable machine code, a human message, and the request id to quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code, e.g. `key_not_found`, `crypto_failed` (see docs/api.md).
    pub code: String,
    pub message: String,
    pub request_id: String,
}
