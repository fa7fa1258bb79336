//! Key lifecycle routes: rotate, enable, disable, revoke, scheduled and
//! immediate destroy, and enabling or disabling single versions. The service
//! owns the state machine; these only translate.

use axum::extract::State;
use serde::Deserialize;
use tresor_api as api;
use utoipa::IntoParams;

use super::convert::{self, parse_key_ref, secret};
use super::error::AppError;
use super::extract::{Auth, Json, OptionalJson, Path};
use super::keys::KeyPath;
use crate::state::AppState;

type KeyResult = Result<Json<api::KeyResponse>, AppError>;

/// `{key}` and a version number.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VersionPath {
    /// Key id or `alias:NAME`.
    pub key: String,
    /// Version number.
    pub n: u32,
}

#[utoipa::path(post, path = "/v1/keys/{key}/rotate", tag = "lifecycle", params(KeyPath),
    request_body(content = api::RotateRequest, description = "Optional"),
    responses((status = 200, description = "Rotated: a new primary version", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn rotate(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    OptionalJson(r): OptionalJson<api::RotateRequest>,
) -> KeyResult {
    let key = parse_key_ref(&key)?;
    let d = s.kms.rotate_key(&c, &key, r.material.map(secret)).await?;
    Ok(Json(convert::key_details(d)))
}

#[utoipa::path(post, path = "/v1/keys/{key}/enable", tag = "lifecycle", params(KeyPath),
    responses((status = 200, description = "Active", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn enable(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
) -> KeyResult {
    let key = parse_key_ref(&key)?;
    Ok(Json(convert::key_details(
        s.kms.enable_key(&c, &key).await?,
    )))
}

#[utoipa::path(post, path = "/v1/keys/{key}/disable", tag = "lifecycle", params(KeyPath),
    responses((status = 200, description = "Suspended", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn disable(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
) -> KeyResult {
    let key = parse_key_ref(&key)?;
    Ok(Json(convert::key_details(
        s.kms.disable_key(&c, &key).await?,
    )))
}

#[utoipa::path(post, path = "/v1/keys/{key}/revoke", tag = "lifecycle", params(KeyPath),
    request_body = api::RevokeRequest,
    responses((status = 200, description = "Deactivated or compromised", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn revoke(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::RevokeRequest>,
) -> KeyResult {
    let key = parse_key_ref(&key)?;
    let reason = convert::parse_revocation_reason(&r.reason)?;
    let d = s.kms.revoke_key(&c, &key, reason, r.message).await?;
    Ok(Json(convert::key_details(d)))
}

#[utoipa::path(post, path = "/v1/keys/{key}/schedule-destroy", tag = "lifecycle", params(KeyPath),
    request_body(content = api::ScheduleDestroyRequest, description = "Optional"),
    responses((status = 200, description = "Destroy scheduled (see destroy_at)", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn schedule_destroy(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    OptionalJson(r): OptionalJson<api::ScheduleDestroyRequest>,
) -> KeyResult {
    let key = parse_key_ref(&key)?;
    let d = s.kms.schedule_destroy(&c, &key, r.pending_days).await?;
    Ok(Json(convert::key_details(d)))
}

#[utoipa::path(post, path = "/v1/keys/{key}/cancel-destroy", tag = "lifecycle", params(KeyPath),
    responses((status = 200, description = "Scheduled destroy cancelled", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn cancel_destroy(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
) -> KeyResult {
    let key = parse_key_ref(&key)?;
    Ok(Json(convert::key_details(
        s.kms.cancel_destroy(&c, &key).await?,
    )))
}

#[utoipa::path(post, path = "/v1/keys/{key}/destroy", tag = "lifecycle", params(KeyPath),
    responses((status = 200, description = "Destroyed (material erased; tombstone kept)", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn destroy(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
) -> KeyResult {
    let key = parse_key_ref(&key)?;
    Ok(Json(convert::key_details(
        s.kms.destroy_key(&c, &key).await?,
    )))
}

#[utoipa::path(post, path = "/v1/keys/{key}/versions/{n}/enable", tag = "lifecycle",
    params(VersionPath),
    responses((status = 200, description = "Version enabled", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn enable_version(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(VersionPath { key, n }): Path<VersionPath>,
) -> KeyResult {
    let key = parse_key_ref(&key)?;
    let d = s.kms.set_version_enabled(&c, &key, n, true).await?;
    Ok(Json(convert::key_details(d)))
}

#[utoipa::path(post, path = "/v1/keys/{key}/versions/{n}/disable", tag = "lifecycle",
    params(VersionPath),
    responses((status = 200, description = "Version disabled", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn disable_version(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(VersionPath { key, n }): Path<VersionPath>,
) -> KeyResult {
    let key = parse_key_ref(&key)?;
    let d = s.kms.set_version_enabled(&c, &key, n, false).await?;
    Ok(Json(convert::key_details(d)))
}
