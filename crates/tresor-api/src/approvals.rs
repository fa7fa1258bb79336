//! Dual control: key policies, approval requests and approver tasks.

use serde::{Deserialize, Serialize};

use crate::B64;
use utoipa::ToSchema;

/// A quorum of M named approvers out of N.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuorumGroup {
    /// Label shown to approvers.
    #[serde(default)]
    pub name: String,
    /// M: approvals needed.
    pub required: u32,
    /// N: principals that may approve (`api-key:<id>`, `cert:CN=<cn>`).
    pub approvers: Vec<String>,
    /// Seconds between meeting the quorum and execution (default 0).
    #[serde(default)]
    pub timelock_secs: u64,
    /// Seconds until a request expires (default 86400).
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Count only approvals signed with the approver's registered key.
    #[serde(default)]
    pub require_signature: bool,
}

fn default_timeout() -> u64 {
    86_400
}

/// All of these groups (AND).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    pub all_of: Vec<QuorumGroup>,
}

/// Any of these alternatives (OR).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub any_of: Vec<Alternative>,
}

/// A key's policy: one rule per action class. A class without a rule needs
/// no approval. `use`: encrypt, decrypt, sign, MAC, unwrap, agree,
/// decapsulate, data keys. `manage`: rotate, update, export,
/// enable/disable, revoke. `destroy`: scheduled or immediate destruction.
/// `policy`: loosening this policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyPolicy {
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage: Option<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroy: Option<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Rule>,
    /// Limits on use; omitted when nothing is limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<UsageLimits>,
}

/// Limits on a key's use (`use`-class operations). Empty fields limit
/// nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageLimits {
    /// The only operations allowed, e.g. `["decrypt"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<String>>,
    /// After this many uses the key deactivates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_operations: Option<u64>,
    /// RFC 3339: no use before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// RFC 3339: no use after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    /// CIDR networks callers must come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub networks: Option<Vec<String>>,
}

/// The `202 Accepted` answer of an operation that waits for approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalPendingResponse {
    /// The approval request's id (`GET /v1/requests/{id}`).
    pub approval_request: String,
    /// `pending`.
    pub state: String,
    /// RFC 3339.
    pub expires_at: String,
    pub message: String,
}

/// One approver's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VoteResponse {
    pub principal: String,
    /// RFC 3339.
    pub at: String,
    /// Signed with the approver's registered key.
    pub signed: bool,
}

/// An approval request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalRequestResponse {
    pub id: String,
    pub key_id: String,
    /// `use`, `manage`, `destroy` or `policy`.
    pub class: String,
    /// E.g. `encrypt`, `destroy`, `set_policy`.
    pub operation: String,
    /// Non-secret parameters (sizes, never payloads).
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
    pub requester: String,
    /// pending, approved, denied, expired, executing, executed, failed.
    pub state: String,
    pub approvals: Vec<VoteResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied_by: Option<VoteResponse>,
    pub created_at: String,
    pub expires_at: String,
    /// When the quorum was met plus the timelock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executable_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The operation's response, handed to the requester once (the body
    /// the operation's own endpoint returns).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    /// What an approver signs (Ed25519, or ECDSA P-256 with SHA-256) for a
    /// signed approval.
    pub challenge: B64,
}

/// `POST /v1/approvals/{id}/approve|deny` (the body is optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalAnswer {
    /// Signature over the request's `challenge` with the caller's
    /// registered approver key.
    #[serde(default)]
    pub signature: Option<B64>,
}

/// `PUT /v1/approvers/me/key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproverKeyRequest {
    /// PEM `PUBLIC KEY` (Ed25519 or P-256).
    pub public_key: String,
}

/// `GET /v1/approvals/tasks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApprovalTasksResponse {
    pub tasks: Vec<ApprovalRequestResponse>,
}

/// An approver group: policies name it as `group:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApproverGroupResponse {
    pub name: String,
    pub members: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// `PUT /v1/approver-groups/{name}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproverGroupRequest {
    /// Principals (`user:…`, `api-key:…`, `cert:CN=…`), 1 to 64.
    pub members: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// `GET /v1/approver-groups`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApproverGroupListResponse {
    pub groups: Vec<ApproverGroupResponse>,
}
