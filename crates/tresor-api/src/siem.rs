//! SIEM audit sink status bodies.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One audit sink's delivery state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditSinkResponse {
    pub name: String,
    /// `syslog`, `webhook` or `file`.
    pub kind: String,
    /// Where records go (no credentials or secrets).
    pub target: String,
    /// The last audit sequence number delivered.
    pub cursor: u64,
    /// The audit chain's last sequence number.
    pub head: u64,
    /// Records not yet delivered.
    pub lag: u64,
    /// Records this node delivered since it started.
    pub delivered: u64,
    /// Failed delivery attempts on this node since it started.
    pub failures: u64,
    /// RFC 3339, when this node last delivered a record.
    pub last_delivery_at: Option<String>,
    /// The last delivery error on this node (no secrets).
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
}

/// `GET /v1/audit/sinks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditSinksResponse {
    pub sinks: Vec<AuditSinkResponse>,
}
