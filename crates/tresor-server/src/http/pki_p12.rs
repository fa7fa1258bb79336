//! `POST /v1/certificates/{id}/pkcs12`: a certificate, its chain and its
//! exportable key as a password-protected PKCS#12 file. The password comes
//! in the JSON body (never the URL) and is neither logged nor kept.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use tresor_api as api;
use tresor_core::CertId;
use tresor_service::ServiceError;

use super::error::AppError;
use super::extract::{Auth, Json, Path};
use super::pki::CertPath;
use crate::state::AppState;

#[utoipa::path(post, path = "/v1/certificates/{id}/pkcs12", tag = "pki", params(CertPath),
    request_body = api::Pkcs12Request,
    responses((status = 200, description = "PKCS#12 (PBES2 PBKDF2-SHA256/AES-256-CBC, HMAC-SHA256 MAC): the key, the certificate and its chain", content_type = "application/pkcs12", body = String),
        (status = "default", description = "Error (`operation_not_allowed` for a non-exportable or HSM key)", body = api::ErrorResponse)))]
pub async fn export_pkcs12(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(CertPath { id }): Path<CertPath>,
    Json(r): Json<api::Pkcs12Request>,
) -> Result<Response, AppError> {
    let id = CertId::parse(&id).map_err(|_| ServiceError::invalid("id", "not a certificate id"))?;
    let der = s.kms.export_pkcs12(&c, &id, &r.password).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pkcs12"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        der,
    )
        .into_response())
}
