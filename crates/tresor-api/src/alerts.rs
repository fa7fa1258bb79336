//! Alert bodies (`/v1/alerts`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlertResponse {
    pub id: String,
    /// The tenant; null for deployment-wide alerts (platform admins only).
    pub tenant: Option<String>,
    /// `rotation_due`, `rotation_overdue`, `provider_unhealthy`,
    /// `auth_failures`, `denied_operations`, `audit_sink_lag`,
    /// `audit_chain_broken`, ...
    pub rule: String,
    /// What it is about: a key id, provider id, principal, sink name.
    pub subject: String,
    /// `warning` or `critical`.
    pub severity: String,
    /// `open`, `acknowledged` or `cleared`.
    pub state: String,
    pub message: String,
    /// RFC 3339.
    pub opened_at: String,
    pub updated_at: String,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
    pub cleared_at: Option<String>,
}

/// `GET /v1/alerts` (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlertListResponse {
    pub alerts: Vec<AlertResponse>,
}
