//! Dual control routes: a key's policy, approval requests and the approver
//! inbox. An operation that needs approval answers `202 Accepted` with the
//! request's id (see `error.rs`); these routes follow it up.

use axum::extract::State;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tresor_api as api;
use tresor_service::ServiceError;
use tresor_service::approvals::{Executed, KeyPolicy, RequestView, Vote};
use utoipa::IntoParams;

use super::convert::{self, parse_key_ref, ts};
use super::error::AppError;
use super::extract::{Auth, Json, OptionalJson, Path};
use super::keys::KeyPath;
use crate::state::AppState;

/// `{id}`: an approval request's id.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct RequestPath {
    /// Approval request id.
    pub id: String,
}

/// Converts between the wire and service policy (same JSON shape).
fn same_shape<T: serde::Serialize, U: DeserializeOwned>(v: &T) -> Result<U, AppError> {
    serde_json::to_value(v)
        .and_then(serde_json::from_value)
        .map_err(|_| AppError::internal())
}

#[utoipa::path(get, path = "/v1/keys/{key}/policy", tag = "approvals", params(KeyPath),
    responses((status = 200, description = "The key's policy (empty: no approvals needed)", body = api::KeyPolicy),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn get_policy(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
) -> Result<Json<api::KeyPolicy>, AppError> {
    let key = parse_key_ref(&key)?;
    let p = s.kms.get_key_policy(&c, &key).await?;
    Ok(Json(same_shape(&p)?))
}

#[utoipa::path(put, path = "/v1/keys/{key}/policy", tag = "approvals", params(KeyPath),
    request_body = api::KeyPolicy,
    responses((status = 200, description = "Set (tightening, or no policy rule yet)", body = api::KeyPolicy),
        (status = 202, description = "Loosening: an approval request was opened", body = api::ApprovalPendingResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn put_policy(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(body): Json<api::KeyPolicy>,
) -> Result<Json<api::KeyPolicy>, AppError> {
    let key = parse_key_ref(&key)?;
    let policy: KeyPolicy = serde_json::to_value(&body)
        .and_then(serde_json::from_value)
        .map_err(|e| ServiceError::invalid("policy", e.to_string()))?;
    let p = s.kms.set_key_policy(&c, &key, policy).await?;
    Ok(Json(same_shape(&p)?))
}

#[utoipa::path(get, path = "/v1/key-policy", tag = "approvals",
    responses((status = 200, description = "The tenant's default policy for new keys", body = api::KeyPolicy),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn get_default_policy(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Result<Json<api::KeyPolicy>, AppError> {
    let p = s.kms.get_default_key_policy(&c).await?;
    Ok(Json(same_shape(&p)?))
}

#[utoipa::path(put, path = "/v1/key-policy", tag = "approvals",
    request_body = api::KeyPolicy,
    responses((status = 200, description = "Set (tenant admins); new keys get it, existing keys keep theirs", body = api::KeyPolicy),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn put_default_policy(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(body): Json<api::KeyPolicy>,
) -> Result<Json<api::KeyPolicy>, AppError> {
    let policy: KeyPolicy = serde_json::to_value(&body)
        .and_then(serde_json::from_value)
        .map_err(|e| ServiceError::invalid("policy", e.to_string()))?;
    let p = s.kms.set_default_key_policy(&c, policy).await?;
    Ok(Json(same_shape(&p)?))
}

#[utoipa::path(get, path = "/v1/requests/{id}", tag = "approvals", params(RequestPath),
    responses((status = 200, description = "The request; for its requester, once approved (and past the timelock), the operation runs and `result` carries its response, once", body = api::ApprovalRequestResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn get_request(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(RequestPath { id }): Path<RequestPath>,
) -> Result<Json<api::ApprovalRequestResponse>, AppError> {
    Ok(Json(request(s.kms.get_request(&c, &id).await?)?))
}

#[utoipa::path(get, path = "/v1/approvals/tasks", tag = "approvals",
    responses((status = 200, description = "Pending requests the caller may answer", body = api::ApprovalTasksResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn tasks(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Result<Json<api::ApprovalTasksResponse>, AppError> {
    let tasks = s
        .kms
        .approval_tasks(&c)
        .await?
        .into_iter()
        .map(request)
        .collect::<Result<_, _>>()?;
    Ok(Json(api::ApprovalTasksResponse { tasks }))
}

#[utoipa::path(post, path = "/v1/approvals/{id}/approve", tag = "approvals", params(RequestPath),
    request_body(content = api::ApprovalAnswer, description = "Optional: a signature"),
    responses((status = 200, description = "Counted; a key mutation whose quorum is met (and no timelock) has run", body = api::ApprovalRequestResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn approve(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(RequestPath { id }): Path<RequestPath>,
    OptionalJson(body): OptionalJson<api::ApprovalAnswer>,
) -> Result<Json<api::ApprovalRequestResponse>, AppError> {
    let sig = body.signature.map(|b| b.0);
    let v = s.kms.answer_request(&c, &id, true, sig.as_deref()).await?;
    Ok(Json(request(v)?))
}

#[utoipa::path(post, path = "/v1/approvals/{id}/deny", tag = "approvals", params(RequestPath),
    request_body(content = api::ApprovalAnswer, description = "Optional"),
    responses((status = 200, description = "Denied (final)", body = api::ApprovalRequestResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn deny(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(RequestPath { id }): Path<RequestPath>,
    OptionalJson(body): OptionalJson<api::ApprovalAnswer>,
) -> Result<Json<api::ApprovalRequestResponse>, AppError> {
    let sig = body.signature.map(|b| b.0);
    let v = s.kms.answer_request(&c, &id, false, sig.as_deref()).await?;
    Ok(Json(request(v)?))
}

#[utoipa::path(put, path = "/v1/approvers/me/key", tag = "approvals",
    request_body = api::ApproverKeyRequest,
    responses((status = 204, description = "Registered (replacing one takes a tenant admin)"),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn put_approver_key(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(body): Json<api::ApproverKeyRequest>,
) -> Result<axum::http::StatusCode, AppError> {
    s.kms.register_approver_key(&c, &body.public_key).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

fn vote(v: Vote) -> api::VoteResponse {
    api::VoteResponse {
        principal: v.principal,
        at: ts(tresor_core::Timestamp::from_unix_micros(v.at)),
        signed: v.signed,
    }
}

/// The wire form of a request; the result is the body the operation's own
/// endpoint would have returned.
fn request(v: RequestView) -> Result<api::ApprovalRequestResponse, AppError> {
    let result = match v.result {
        None => None,
        Some(r) => Some(
            match r {
                Executed::Encrypt(r) => serde_json::to_value(convert::encrypt_response(r)),
                Executed::Decrypt(r) => serde_json::to_value(convert::decrypt_response(r)),
                Executed::Sign(r) => serde_json::to_value(convert::sign_response(r)),
                Executed::Key(d) => serde_json::to_value(convert::key_details(*d)),
                Executed::Policy(p) => serde_json::to_value(p),
                _ => return Err(AppError::internal()),
            }
            .map_err(|_| AppError::internal())?,
        ),
    };
    Ok(api::ApprovalRequestResponse {
        id: v.id,
        key_id: v.key.to_string(),
        class: v.class.as_str().to_owned(),
        operation: v.action,
        parameters: v.summary,
        requester: v.requester,
        state: v.state.as_str().to_owned(),
        approvals: v.approvals.into_iter().map(vote).collect(),
        denied_by: v.denied_by.map(vote),
        created_at: ts(v.created_at),
        expires_at: ts(v.expires_at),
        executable_at: v.executable_at.map(ts),
        error: v.error,
        result,
        challenge: api::B64(v.challenge),
    })
}

/// `{name}`: an approver group's name.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct GroupPath {
    /// Group name.
    pub name: String,
}

fn group(g: tresor_service::approvals::ApproverGroup) -> api::ApproverGroupResponse {
    api::ApproverGroupResponse {
        name: g.name,
        members: g.members,
        description: g.description,
    }
}

#[utoipa::path(get, path = "/v1/approver-groups", tag = "approvals",
    responses((status = 200, description = "The tenant's approver groups", body = api::ApproverGroupListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_groups(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Result<Json<api::ApproverGroupListResponse>, AppError> {
    let groups = s.kms.list_approver_groups(&c).await?;
    Ok(Json(api::ApproverGroupListResponse {
        groups: groups.into_iter().map(group).collect(),
    }))
}

#[utoipa::path(get, path = "/v1/approver-groups/{name}", tag = "approvals", params(GroupPath),
    responses((status = 200, description = "A group", body = api::ApproverGroupResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn get_group(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(GroupPath { name }): Path<GroupPath>,
) -> Result<Json<api::ApproverGroupResponse>, AppError> {
    Ok(Json(group(s.kms.get_approver_group(&c, &name).await?)))
}

#[utoipa::path(put, path = "/v1/approver-groups/{name}", tag = "approvals", params(GroupPath),
    request_body = api::ApproverGroupRequest,
    responses((status = 200, description = "Set (tenant admins); a group named by a policy can only shrink", body = api::ApproverGroupResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn put_group(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(GroupPath { name }): Path<GroupPath>,
    Json(body): Json<api::ApproverGroupRequest>,
) -> Result<Json<api::ApproverGroupResponse>, AppError> {
    let g = s
        .kms
        .put_approver_group(&c, &name, body.members, body.description)
        .await?;
    Ok(Json(group(g)))
}

#[utoipa::path(delete, path = "/v1/approver-groups/{name}", tag = "approvals", params(GroupPath),
    responses((status = 204, description = "Deleted (only when no policy names it)"),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn delete_group(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(GroupPath { name }): Path<GroupPath>,
) -> Result<axum::http::StatusCode, AppError> {
    s.kms.delete_approver_group(&c, &name).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
