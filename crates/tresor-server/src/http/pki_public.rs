//! Unauthenticated, read-only PKI publication for relying parties:
//! `/pki/{tenant}/{ca}/ca.crt`, `/crl` (DER), `/crl.pem`, and OCSP
//! (`POST /ocsp`, and the RFC 6960 `GET /ocsp/{base64 request}` form).
//! Nothing else is reachable without a credential; an unknown tenant and an
//! unknown CA give the same 404. Issued certificates point here when
//! `public_url` is configured.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use tresor_service::ServiceError;

use super::error::AppError;
use super::extract::{Path, source};
use crate::state::AppState;

/// Largest OCSP request accepted (a request for 20 certificates is ~2 KiB).
const MAX_OCSP_REQUEST: usize = 8 * 1024;

/// `{tenant}/{ca}`.
#[derive(Debug, Deserialize)]
pub struct PubPath {
    tenant: String,
    ca: String,
}

/// `{tenant}/{ca}/ocsp/{request}`.
#[derive(Debug, Deserialize)]
pub struct OcspGetPath {
    tenant: String,
    ca: String,
    request: String,
}

fn binary(content_type: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

async fn ca_cert(
    State(s): State<AppState>,
    parts: Parts,
    Path(p): Path<PubPath>,
) -> Result<Response, AppError> {
    let der = s
        .kms
        .public_ca_certificate(&p.tenant, &p.ca, source(&parts))
        .await?;
    Ok(binary("application/pkix-cert", der))
}

async fn crl(
    State(s): State<AppState>,
    parts: Parts,
    Path(p): Path<PubPath>,
) -> Result<Response, AppError> {
    let der = s.kms.public_crl(&p.tenant, &p.ca, source(&parts)).await?;
    Ok(binary("application/pkix-crl", der))
}

async fn crl_pem(
    State(s): State<AppState>,
    parts: Parts,
    Path(p): Path<PubPath>,
) -> Result<Response, AppError> {
    let der = s.kms.public_crl(&p.tenant, &p.ca, source(&parts)).await?;
    let pem = pem::encode(&pem::Pem::new("X509 CRL", der));
    Ok(binary("application/x-pem-file", pem.into_bytes()))
}

async fn ocsp_post(
    State(s): State<AppState>,
    parts: Parts,
    Path(p): Path<PubPath>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let resp = s
        .kms
        .public_ocsp(&p.tenant, &p.ca, &body, source(&parts))
        .await?;
    Ok(ocsp_response(resp))
}

async fn ocsp_get(
    State(s): State<AppState>,
    parts: Parts,
    Path(p): Path<OcspGetPath>,
) -> Result<Response, AppError> {
    // The path segment is the URL-encoded base64 of the DER request; axum
    // has already percent-decoded it.
    if p.request.len() > MAX_OCSP_REQUEST * 4 / 3 + 4 {
        return Err(ServiceError::PayloadTooLarge {
            field: "ocsp request",
            limit: MAX_OCSP_REQUEST,
        }
        .into());
    }
    let der = STANDARD
        .decode(p.request.as_bytes())
        .map_err(|_| ServiceError::invalid("ocsp request", "not base64"))?;
    let resp = s
        .kms
        .public_ocsp(&p.tenant, &p.ca, &der, source(&parts))
        .await?;
    Ok(ocsp_response(resp))
}

fn ocsp_response(der: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/ocsp-response"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        der,
    )
        .into_response()
}

/// The public PKI routes, behind a per-node rate limit
/// ([`super::public_limit`]).
pub fn routes() -> Router<AppState> {
    let bucket =
        super::public_limit::Bucket::new(super::public_limit::RATE, super::public_limit::BURST);
    Router::new()
        .route("/pki/{tenant}/{ca}/ca.crt", get(ca_cert))
        .route("/pki/{tenant}/{ca}/crl", get(crl))
        .route("/pki/{tenant}/{ca}/crl.pem", get(crl_pem))
        .route(
            "/pki/{tenant}/{ca}/ocsp",
            post(ocsp_post).layer(DefaultBodyLimit::max(MAX_OCSP_REQUEST)),
        )
        .route("/pki/{tenant}/{ca}/ocsp/{*request}", get(ocsp_get))
        .route_layer(axum::middleware::from_fn_with_state(
            bucket,
            super::public_limit::limit,
        ))
}
