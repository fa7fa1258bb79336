//! Stored secrets routes (`/v1/secrets`): thin adapters over the secrets
//! service, which authorizes, isolates tenants and audits.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tresor_api as api;
use tresor_core::{SecretBytes, SecretFilter, SecretId};
use tresor_service::ServiceError;
use tresor_service::secrets::{NewSecret, SecretInfo};
use utoipa::IntoParams;

use super::convert::{parse_timestamp, ts};
use super::error::AppError;
use super::extract::{Auth, Json, Path, Query};
use crate::state::AppState;

type Res<T> = Result<Json<T>, AppError>;

/// `{id}`: a secret id.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SecretPath {
    pub id: String,
}

/// `GET /v1/secrets` filters and paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SecretQuery {
    /// Exact name.
    pub name: Option<String>,
    pub secret_type: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// 1 to 1000 (default 100).
    pub limit: Option<u32>,
}

fn secret_id(s: &str) -> Result<SecretId, ServiceError> {
    SecretId::parse(s).map_err(|_| ServiceError::invalid("id", "not a secret id"))
}

/// The REST form of a secret's description.
pub(crate) fn secret_response(i: SecretInfo) -> api::SecretResponse {
    api::SecretResponse {
        id: i.id.to_string(),
        name: i.name,
        secret_type: i.secret_type,
        algorithm: i.algorithm,
        bit_length: i.bit_length,
        mode: i.mode,
        content_type: i.content_type,
        expiration: i.expiration.map(ts),
        metadata: i.metadata,
        created_by: i.created_by,
        state: i.state,
        has_payload: i.has_payload,
        created_at: ts(i.created_at),
        updated_at: ts(i.updated_at),
    }
}

#[utoipa::path(post, path = "/v1/secrets", tag = "secrets", request_body = api::CreateSecretRequest,
    responses((status = 201, description = "Stored", body = api::SecretResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn create_secret(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::CreateSecretRequest>,
) -> Result<(StatusCode, Json<api::SecretResponse>), AppError> {
    let req = NewSecret {
        name: r.name,
        secret_type: r.secret_type,
        algorithm: r.algorithm,
        bit_length: r.bit_length,
        mode: r.mode,
        content_type: r.content_type,
        expiration: r
            .expiration
            .as_deref()
            .map(|e| parse_timestamp("expiration", e))
            .transpose()?,
        metadata: r.metadata,
        payload: r.payload.map(|p| SecretBytes::new(p.into_inner())),
    };
    let info = s.kms.put_secret(&c, req).await?;
    Ok((StatusCode::CREATED, Json(secret_response(info))))
}

#[utoipa::path(get, path = "/v1/secrets", tag = "secrets", params(SecretQuery),
    responses((status = 200, description = "The tenant's secrets (no payloads)", body = api::SecretListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_secrets(
    State(s): State<AppState>,
    Auth(c): Auth,
    Query(q): Query<SecretQuery>,
) -> Res<api::SecretListResponse> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ServiceError::invalid("limit", "1 to 1000").into());
    }
    let filter = SecretFilter {
        name: q.name,
        secret_type: q.secret_type,
        after: q.after.as_deref().map(secret_id).transpose()?,
        limit,
        ..SecretFilter::default()
    };
    let page = s.kms.list_secrets(&c, filter).await?;
    let next = (page.len() == limit as usize)
        .then(|| page.last().map(|i| i.id.to_string()))
        .flatten();
    Ok(Json(api::SecretListResponse {
        secrets: page.into_iter().map(secret_response).collect(),
        next,
    }))
}

#[utoipa::path(get, path = "/v1/secrets/{id}", tag = "secrets", params(SecretPath),
    responses((status = 200, description = "The secret's description", body = api::SecretResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn get_secret(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(SecretPath { id }): Path<SecretPath>,
) -> Res<api::SecretResponse> {
    let info = s.kms.get_secret(&c, &secret_id(&id)?).await?;
    Ok(Json(secret_response(info)))
}

#[utoipa::path(get, path = "/v1/secrets/{id}/payload", tag = "secrets", params(SecretPath),
    responses((status = 200, description = "The secret and its payload", body = api::SecretPayloadResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn get_payload(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(SecretPath { id }): Path<SecretPath>,
) -> Res<api::SecretPayloadResponse> {
    let p = s.kms.get_secret_payload(&c, &secret_id(&id)?).await?;
    Ok(Json(api::SecretPayloadResponse {
        payload: api::B64(p.payload.expose().to_vec()),
        secret: secret_response(p.info),
    }))
}

#[utoipa::path(put, path = "/v1/secrets/{id}/payload", tag = "secrets", params(SecretPath),
    request_body = api::SecretPayloadRequest,
    responses((status = 200, description = "The payload is stored", body = api::SecretResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn put_payload(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(SecretPath { id }): Path<SecretPath>,
    Json(r): Json<api::SecretPayloadRequest>,
) -> Res<api::SecretResponse> {
    let info = s
        .kms
        .put_secret_payload(
            &c,
            &secret_id(&id)?,
            SecretBytes::new(r.payload.into_inner()),
            r.content_type,
        )
        .await?;
    Ok(Json(secret_response(info)))
}

#[utoipa::path(put, path = "/v1/secrets/{id}/metadata", tag = "secrets", params(SecretPath),
    request_body = api::SecretMetadataRequest,
    responses((status = 200, description = "The metadata is replaced", body = api::SecretResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn put_metadata(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(SecretPath { id }): Path<SecretPath>,
    Json(r): Json<api::SecretMetadataRequest>,
) -> Res<api::SecretResponse> {
    let info = s
        .kms
        .set_secret_metadata(&c, &secret_id(&id)?, r.metadata)
        .await?;
    Ok(Json(secret_response(info)))
}

/// `DELETE /v1/secrets/{id}` options.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeleteQuery {
    /// Delete even when consumers are registered (they are removed too).
    pub force: Option<bool>,
}

#[utoipa::path(delete, path = "/v1/secrets/{id}", tag = "secrets", params(SecretPath, DeleteQuery),
    responses((status = 204, description = "Deleted (crypto-shredded)"),
        (status = 409, description = "The secret has consumers (use force)", body = api::ErrorResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn delete_secret(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(SecretPath { id }): Path<SecretPath>,
    Query(q): Query<DeleteQuery>,
) -> Result<StatusCode, AppError> {
    let force = q.force.unwrap_or(false);
    s.kms.delete_secret(&c, &secret_id(&id)?, force).await?;
    Ok(StatusCode::NO_CONTENT)
}
