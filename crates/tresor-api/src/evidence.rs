//! Audit evidence and self-test bodies: signed checkpoints, audit public
//! keys, and self-test results.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/audit/checkpoints`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCheckpointRequest {
    /// Sign with the global audit key instead of the tenant's (platform
    /// admins only).
    #[serde(default)]
    pub global: bool,
}

/// A signed audit checkpoint: the audit key's signature over
/// `"tresor-checkpoint-v1" || seq (u64 BE) || hash || time (i64 BE µs) ||
/// tenant` (see docs/audit.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckpointResponse {
    /// The last record covered.
    pub seq: u64,
    /// That record's hash (hex).
    pub hash: String,
    /// When it was signed (RFC 3339, microseconds).
    pub time: String,
    /// The tenant whose audit key signed it; null for the global key.
    pub tenant: Option<String>,
    pub key_id: String,
    pub key_version: u32,
    /// `ed25519` or `ml-dsa-65`.
    pub algorithm: String,
    /// Base64.
    pub signature: String,
}

/// `GET /v1/audit/checkpoints` (oldest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckpointListResponse {
    pub checkpoints: Vec<CheckpointResponse>,
    /// Pass as `?after=` for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// An audit public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditKeyResponse {
    /// The tenant whose checkpoints it signs; null for the global key.
    pub tenant: Option<String>,
    pub key_id: String,
    pub version: u32,
    pub algorithm: String,
    /// SubjectPublicKeyInfo PEM.
    pub public_key_pem: String,
}

/// `GET /v1/audit/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditKeysResponse {
    pub keys: Vec<AuditKeyResponse>,
}

/// One self-test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SelfTestResultResponse {
    /// e.g. `provider/software/kat/aes-256-gcm`.
    pub name: String,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `GET /v1/self-test`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SelfTestResponse {
    /// True when every test passed.
    pub ok: bool,
    pub results: Vec<SelfTestResultResponse>,
}
