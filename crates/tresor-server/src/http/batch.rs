//! Batch routes (`.../encrypt/batch`, `.../decrypt/batch`, `.../sign/batch`):
//! one service call for many items, one result or error per item, in order.
//! Also `POST /v1/random`.

use axum::extract::State;
use tresor_api::{self as api, BatchItem, BatchRequest, BatchResponse};
use tresor_core::RequestId;
use tresor_service::ServiceError;
use tresor_service::types::ItemResult;

use super::convert::{self, b64_secret, parse_key_ref};
use super::error::AppError;
use super::extract::{Auth, Json, Path};
use super::keys::KeyPath;
use crate::state::AppState;

type Res<T> = Result<Json<BatchResponse<T>>, AppError>;

/// Maps per-item results, turning failures into error bodies.
fn items<T, U>(
    results: Vec<ItemResult<T>>,
    request_id: &RequestId,
    f: impl Fn(T) -> U,
) -> BatchResponse<U> {
    let results = results
        .into_iter()
        .map(|r| match r {
            Ok(v) => BatchItem::Ok(f(v)),
            Err(e) => {
                let e = AppError::from(e);
                if let Some(detail) = e.log_detail() {
                    tracing::error!(request_id = %request_id, %detail, "batch item failed");
                }
                BatchItem::Err {
                    error: e.body(request_id.as_str()),
                }
            }
        })
        .collect();
    BatchResponse { results }
}

/// Converts every item, or fails the request naming the first bad item.
fn convert_all<T, U>(
    items: Vec<T>,
    f: impl Fn(T) -> Result<U, ServiceError>,
) -> Result<Vec<U>, ServiceError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            f(item).map_err(|e| ServiceError::invalid("items", format!("item {i}: {e}")))
        })
        .collect()
}

#[utoipa::path(post, path = "/v1/keys/{key}/encrypt/batch", tag = "crypto", params(KeyPath),
    request_body = BatchRequest<api::EncryptRequest>,
    responses((status = 200, description = "One result per item", body = BatchResponse<api::EncryptResponse>),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn encrypt_batch(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<BatchRequest<api::EncryptRequest>>,
) -> Res<api::EncryptResponse> {
    let key = parse_key_ref(&key)?;
    let reqs = r.items.into_iter().map(convert::encrypt_request).collect();
    let out = s.kms.encrypt_batch(&c, &key, reqs).await?;
    Ok(Json(items(out, &c.request_id, convert::encrypt_response)))
}

#[utoipa::path(post, path = "/v1/keys/{key}/decrypt/batch", tag = "crypto", params(KeyPath),
    request_body = BatchRequest<api::DecryptRequest>,
    responses((status = 200, description = "One result per item", body = BatchResponse<api::DecryptResponse>),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn decrypt_batch(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<BatchRequest<api::DecryptRequest>>,
) -> Res<api::DecryptResponse> {
    let key = parse_key_ref(&key)?;
    let reqs = r.items.into_iter().map(convert::decrypt_request).collect();
    let out = s.kms.decrypt_batch(&c, &key, reqs).await?;
    Ok(Json(items(out, &c.request_id, convert::decrypt_response)))
}

#[utoipa::path(post, path = "/v1/keys/{key}/sign/batch", tag = "crypto", params(KeyPath),
    request_body = BatchRequest<api::SignRequest>,
    responses((status = 200, description = "One result per item", body = BatchResponse<api::SignResponse>),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn sign_batch(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<BatchRequest<api::SignRequest>>,
) -> Res<api::SignResponse> {
    let key = parse_key_ref(&key)?;
    let reqs = convert_all(r.items, convert::sign_request)?;
    let out = s.kms.sign_batch(&c, &key, reqs).await?;
    Ok(Json(items(out, &c.request_id, convert::sign_response)))
}

#[utoipa::path(post, path = "/v1/random", tag = "crypto",
    request_body = api::RandomRequest,
    responses((status = 200, description = "Random bytes", body = api::RandomResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn random(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::RandomRequest>,
) -> Result<Json<api::RandomResponse>, AppError> {
    let bytes = s.kms.random(&c, r.bytes).await?;
    Ok(Json(api::RandomResponse {
        random: b64_secret(&bytes),
    }))
}

#[cfg(test)]
mod tests {
    use tresor_api::B64;

    use super::*;

    #[test]
    fn item_errors_carry_code_and_request_id() {
        let rid = RequestId::generate();
        let out = items(vec![Ok(1u8), Err(ServiceError::CryptoFailed)], &rid, |v| {
            B64(vec![v])
        });
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(json["results"][0], "AQ==");
        assert_eq!(json["results"][1]["error"]["code"], "crypto_failed");
        assert_eq!(json["results"][1]["error"]["request_id"], rid.as_str());
    }

    #[test]
    fn a_bad_item_names_its_index() {
        let bad = api::SignRequest::default();
        let e = convert_all(vec![bad], convert::sign_request).unwrap_err();
        assert!(e.to_string().contains("item 0"));
    }
}
