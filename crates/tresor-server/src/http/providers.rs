//! Provider registry routes: list providers and their capabilities, query
//! which can do an algorithm, create or import keys on a named provider,
//! and register an existing provider-side key. Credentials of a provider
//! are never part of any answer.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tresor_api as api;
use utoipa::IntoParams;

use super::convert;
use super::error::AppError;
use super::extract::{Auth, Json, Path};
use crate::state::AppState;

type Res<T> = Result<Json<T>, AppError>;
type Created<T> = Result<(StatusCode, Json<T>), AppError>;

/// `{id}` of a provider.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProviderPath {
    /// The provider id, e.g. `hsm`.
    pub id: String,
}

#[utoipa::path(get, path = "/v1/providers", tag = "providers",
    responses((status = 200, description = "Providers and their health", body = api::ProviderListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_providers(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Res<api::ProviderListResponse> {
    let list = s.kms.list_providers(&c).await?;
    Ok(Json(api::ProviderListResponse {
        providers: list.into_iter().map(convert::provider_response).collect(),
    }))
}

#[utoipa::path(get, path = "/v1/providers/{id}", tag = "providers", params(ProviderPath),
    responses((status = 200, description = "The provider", body = api::ProviderResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn get_provider(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(p): Path<ProviderPath>,
) -> Res<api::ProviderResponse> {
    let id = convert::parse_provider(&p.id)?;
    Ok(Json(convert::provider_response(
        s.kms.get_provider(&c, &id).await?,
    )))
}

#[utoipa::path(get, path = "/v1/providers/{id}/capabilities", tag = "providers", params(ProviderPath),
    responses((status = 200, description = "What the provider can do", body = api::CapabilitiesResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn capabilities(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(p): Path<ProviderPath>,
) -> Res<api::CapabilitiesResponse> {
    let id = convert::parse_provider(&p.id)?;
    let caps = s.kms.provider_capabilities(&c, &id).await?;
    Ok(Json(convert::capabilities_response(&id, caps)))
}

#[utoipa::path(get, path = "/v1/capabilities", tag = "providers",
    responses((status = 200, description = "Every provider's capabilities", body = api::AllCapabilitiesResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn all_capabilities(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Res<api::AllCapabilitiesResponse> {
    let all = s.kms.all_capabilities(&c).await?;
    Ok(Json(api::AllCapabilitiesResponse {
        providers: all
            .into_iter()
            .map(|(id, caps)| convert::capabilities_response(&id, caps))
            .collect(),
    }))
}

#[utoipa::path(post, path = "/v1/providers/query", tag = "providers",
    request_body = api::ProviderQueryRequest,
    responses((status = 200, description = "Providers that can, best match first", body = api::ProviderListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn query(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::ProviderQueryRequest>,
) -> Res<api::ProviderListResponse> {
    let q = convert::provider_query(r)?;
    let list = s.kms.query_providers(&c, &q).await?;
    Ok(Json(api::ProviderListResponse {
        providers: list.into_iter().map(convert::provider_response).collect(),
    }))
}

#[utoipa::path(post, path = "/v1/providers/query/best", tag = "providers",
    request_body = api::ProviderQueryRequest,
    responses((status = 200, description = "The best available provider", body = api::ProviderResponse),
        (status = "default", description = "Error (`unsupported_algorithm` when none can)", body = api::ErrorResponse)))]
pub async fn query_best(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::ProviderQueryRequest>,
) -> Res<api::ProviderResponse> {
    let q = convert::provider_query(r)?;
    Ok(Json(convert::provider_response(
        s.kms.best_provider(&c, &q).await?,
    )))
}

#[utoipa::path(post, path = "/v1/providers/{id}/keys", tag = "providers", params(ProviderPath),
    request_body = api::CreateKeyRequest,
    responses((status = 201, description = "Created on this provider", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn create_key(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(p): Path<ProviderPath>,
    Json(mut r): Json<api::CreateKeyRequest>,
) -> Created<api::KeyResponse> {
    let id = convert::parse_provider(&p.id)?;
    convert::force_provider(&mut r.provider, &id)?;
    let d = s.kms.create_key(&c, convert::create_spec(r)?).await?;
    Ok((StatusCode::CREATED, Json(convert::key_details(d))))
}

#[utoipa::path(post, path = "/v1/providers/{id}/keys/import", tag = "providers", params(ProviderPath),
    request_body = api::ImportKeyRequest,
    responses((status = 201, description = "Imported into this provider", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn import_key(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(p): Path<ProviderPath>,
    Json(mut r): Json<api::ImportKeyRequest>,
) -> Created<api::KeyResponse> {
    let id = convert::parse_provider(&p.id)?;
    convert::force_provider(&mut r.provider, &id)?;
    let (spec, material) = convert::import_spec(r)?;
    let d = s.kms.import_key(&c, spec, material).await?;
    Ok((StatusCode::CREATED, Json(convert::key_details(d))))
}

#[utoipa::path(post, path = "/v1/keys/register", tag = "providers",
    request_body = api::RegisterKeyRequest,
    responses((status = 201, description = "Registered (platform admins only)", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn register_key(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::RegisterKeyRequest>,
) -> Created<api::KeyResponse> {
    let (spec, label) = convert::register_spec(r)?;
    let d = s.kms.register_key(&c, spec, &label).await?;
    Ok((StatusCode::CREATED, Json(convert::key_details(d))))
}

#[utoipa::path(post, path = "/v1/providers", tag = "providers", request_body = api::RegisterProviderRequest,
    responses((status = 201, description = "Registered, reachable and stored", body = api::ProviderResponse),
        (status = 409, description = "A provider with that id exists", body = api::ErrorResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn register_provider(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::RegisterProviderRequest>,
) -> Created<api::ProviderResponse> {
    let id = convert::parse_provider(&r.id)?;
    let info = s.kms.register_provider(&c, id, &r.kind, r.config).await?;
    Ok((StatusCode::CREATED, Json(convert::provider_response(info))))
}

#[utoipa::path(get, path = "/v1/providers/registered", tag = "providers",
    responses((status = 200, description = "Run-time registrations (platform admins)", body = api::RegisteredProviderListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_registered(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Res<api::RegisteredProviderListResponse> {
    let list = s.kms.list_registered_providers(&c).await?;
    Ok(Json(api::RegisteredProviderListResponse {
        providers: list
            .into_iter()
            .map(|r| api::RegisteredProviderResponse {
                id: r.id.to_string(),
                kind: r.kind,
                config: r.config,
            })
            .collect(),
    }))
}

#[utoipa::path(delete, path = "/v1/providers/{id}", tag = "providers", params(ProviderPath),
    responses((status = 204, description = "Unregistered"),
        (status = 409, description = "Keys are bound to it", body = api::ErrorResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn unregister_provider(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(p): Path<ProviderPath>,
) -> Result<StatusCode, AppError> {
    let id = convert::parse_provider(&p.id)?;
    s.kms.unregister_provider(&c, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
