//! The tenant crypto policy: `GET/PUT /v1/tenants/{id}/crypto-policy`. A
//! tenant's callers read their own (readonly and up) and its admins set it;
//! platform admins act on any tenant. Who may do what is decided by the
//! service.

use axum::extract::State;
use tresor_api as api;
use tresor_core::TenantId;
use tresor_service::ServiceError;
use tresor_service::crypto_policy::{CryptoPolicyInput, TenantCryptoPolicy};

use super::admin::IdPath;
use super::convert::ts;
use super::error::AppError;
use super::extract::{Auth, Json, Path};
use crate::state::AppState;

type Res<T> = Result<Json<T>, AppError>;

fn tenant(id: &str) -> Result<TenantId, ServiceError> {
    TenantId::parse(id).map_err(|e| ServiceError::invalid("id", e.to_string()))
}

fn response(t: TenantCryptoPolicy) -> api::CryptoPolicyResponse {
    let names = |v: &[tresor_core::Algorithm]| v.iter().map(|a| a.as_str().to_owned()).collect();
    let p = t.policy;
    api::CryptoPolicyResponse {
        tenant: t.tenant.to_string(),
        policy: api::CryptoPolicyRequest {
            mode: p.mode.as_str().to_owned(),
            allowed_algorithms: names(&p.allowed_algorithms),
            forbidden_algorithms: names(&p.forbidden_algorithms),
            min_rsa_bits: p.min_rsa_bits,
            min_ec_bits: p.min_ec_bits,
            min_symmetric_bits: p.min_symmetric_bits,
            require_hardware: p.require_hardware,
            hardware_algorithms: names(&p.hardware_algorithms),
            max_key_age_days: p.max_key_age_days,
        },
        updated_at: ts(t.updated_at),
    }
}

#[utoipa::path(get, path = "/v1/tenants/{id}/crypto-policy", tag = "admin", params(IdPath),
    responses((status = 200, description = "The tenant's crypto policy", body = api::CryptoPolicyResponse),
        (status = "default", description = "Error (`not_found` when no policy is set)", body = api::ErrorResponse)))]
pub async fn get_policy(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(IdPath { id }): Path<IdPath>,
) -> Res<api::CryptoPolicyResponse> {
    let t = tenant(&id)?;
    Ok(Json(response(s.kms.get_crypto_policy(&c, &t).await?)))
}

#[utoipa::path(put, path = "/v1/tenants/{id}/crypto-policy", tag = "admin", params(IdPath),
    request_body = api::CryptoPolicyRequest,
    responses((status = 200, description = "The policy as set", body = api::CryptoPolicyResponse),
        (status = "default", description = "Error (`invalid_argument` naming the field)", body = api::ErrorResponse)))]
pub async fn put_policy(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(IdPath { id }): Path<IdPath>,
    Json(r): Json<api::CryptoPolicyRequest>,
) -> Res<api::CryptoPolicyResponse> {
    let t = tenant(&id)?;
    let input = CryptoPolicyInput {
        mode: r.mode,
        allowed_algorithms: r.allowed_algorithms,
        forbidden_algorithms: r.forbidden_algorithms,
        min_rsa_bits: r.min_rsa_bits,
        min_ec_bits: r.min_ec_bits,
        min_symmetric_bits: r.min_symmetric_bits,
        require_hardware: r.require_hardware,
        hardware_algorithms: r.hardware_algorithms,
        max_key_age_days: r.max_key_age_days,
    };
    Ok(Json(response(
        s.kms.set_crypto_policy(&c, &t, input).await?,
    )))
}
