//! KMIP over HTTP: `POST /kmip` (binary TTLV as `application/octet-stream`,
//! or JSON TTLV as `application/json`) and `POST /kmip/2_1` (JSON TTLV,
//! the KMIP 2.1 HTTPS profile path). Authenticated like every REST call
//! (bearer token or client certificate); the message is processed by
//! `tresor-kmip-server` and answered in the request's encoding.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tresor_kmip::{DecodeLimits, DecodeOptions, Ttlv, binary, json};
use tresor_kmip_server::{Peer, process};
use tresor_service::RequestMeta;

use super::error::AppError;
use super::extract::Auth;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Binary,
    Json,
}

fn encoding(headers: &HeaderMap) -> Option<Encoding> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = ct.split(';').next()?.trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/octet-stream" => Some(Encoding::Binary),
        "application/json" => Some(Encoding::Json),
        _ => None,
    }
}

fn limits(state: &AppState) -> DecodeLimits {
    DecodeLimits::default().with_max_message_bytes(state.max_body_bytes)
}

fn bad_message(e: &tresor_kmip::Error) -> AppError {
    AppError::http(
        StatusCode::BAD_REQUEST,
        "invalid_kmip_message",
        format!("the body is not a valid KMIP message: {e}"),
    )
}

async fn answer(
    state: &AppState,
    caller: tresor_core::Caller,
    enc: Encoding,
    body: &[u8],
) -> Result<Response, AppError> {
    let request: Ttlv = match enc {
        Encoding::Binary => {
            binary::decode_with_limits(body, &limits(state)).map_err(|e| bad_message(&e))?
        }
        Encoding::Json => {
            let text = std::str::from_utf8(body).map_err(|_| {
                AppError::http(
                    StatusCode::BAD_REQUEST,
                    "invalid_kmip_message",
                    "JSON TTLV must be UTF-8",
                )
            })?;
            json::decode(text, &DecodeOptions::new().with_limits(limits(state)))
                .map_err(|e| bad_message(&e))?
        }
    };
    let peer = Peer {
        meta: RequestMeta {
            request_id: caller.request_id.clone(),
            source: caller.source.clone(),
        },
        caller: Some(caller),
    };
    let response = process(&state.kms, peer, &request).await;
    let (bytes, ct) = match enc {
        Encoding::Binary => (
            binary::encode(&response).map_err(|_| {
                AppError::Service(tresor_service::ServiceError::Internal(
                    "KMIP response encoding",
                ))
            })?,
            "application/octet-stream",
        ),
        Encoding::Json => (json::encode(&response).into_bytes(), "application/json"),
    };
    let mut resp = bytes.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(resp)
}

fn unsupported(expected: &str) -> AppError {
    AppError::http(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!("expected a KMIP message as {expected}"),
    )
}

/// `POST /kmip`: binary or JSON TTLV.
pub(super) async fn kmip(
    State(state): State<AppState>,
    Auth(caller): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let enc = encoding(&headers).ok_or_else(|| {
        unsupported("application/octet-stream (binary TTLV) or application/json (JSON TTLV)")
    })?;
    answer(&state, caller, enc, &body).await
}

/// `POST /kmip/2_1`: JSON TTLV.
pub(super) async fn kmip_2_1(
    State(state): State<AppState>,
    Auth(caller): Auth,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    if encoding(&headers) != Some(Encoding::Json) {
        return Err(unsupported("application/json (JSON TTLV)"));
    }
    answer(&state, caller, Encoding::Json, &body).await
}
