//! Tenants, API keys, certificate principals and audit bodies.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/tenants`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenantRequest {
    /// Lowercase slug, e.g. `payments-prod`.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// A tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TenantResponse {
    pub id: String,
    pub display_name: String,
    pub created_at: String,
}

/// `GET /v1/tenants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TenantListResponse {
    pub tenants: Vec<TenantResponse>,
}

/// `POST /v1/api-keys`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    pub name: String,
    /// `admin`, `user` or `readonly`.
    pub role: String,
    /// Only a platform admin may create another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_admin: Option<bool>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// An API key's metadata (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyResponse {
    pub id: String,
    pub tenant: String,
    pub name: String,
    pub role: String,
    pub platform_admin: bool,
    /// The token's first characters, to recognise it.
    pub token_prefix: String,
    pub created_at: String,
    pub created_by: String,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub revoked_at: Option<String>,
}

/// Creation result: the token is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiKeyResponse {
    pub api_key: ApiKeyResponse,
    pub token: String,
}

/// `GET /v1/api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyListResponse {
    pub api_keys: Vec<ApiKeyResponse>,
}

/// `POST /v1/cert-principals`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertPrincipalRequest {
    pub subject_cn: String,
    pub role: String,
}

/// A certificate-subject mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CertPrincipalResponse {
    pub tenant: String,
    pub subject_cn: String,
    pub role: String,
    pub created_at: String,
    pub created_by: String,
}

/// `GET /v1/cert-principals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CertPrincipalListResponse {
    pub cert_principals: Vec<CertPrincipalResponse>,
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditRecordResponse {
    pub seq: u64,
    pub time: String,
    pub tenant: String,
    pub principal: String,
    pub action: String,
    #[serde(default)]
    pub object: Option<String>,
    /// `success`, `denied` or `failed`.
    pub outcome: String,
    #[serde(default)]
    pub error_code: Option<String>,
    pub request_id: String,
    #[serde(default)]
    pub source: Option<String>,
    /// Small JSON object with non-secret details, as text.
    #[serde(default)]
    pub detail: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// `GET /v1/audit` (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditListResponse {
    pub records: Vec<AuditRecordResponse>,
    /// Pass as `?before=` for older records; absent at the start of the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `POST /v1/audit/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditVerifyResponse {
    pub ok: bool,
    /// Records verified before the first problem (all, when ok).
    pub verified: u64,
    /// Hash of the last verified record (hex).
    pub head: String,
    /// Signed checkpoints whose signature verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoints: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_bad_seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
