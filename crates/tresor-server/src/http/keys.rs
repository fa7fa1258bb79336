//! Key management routes: create, import, list, read, update, public key
//! export, the tenant's import wrapping key and JWKS. Each handler parses the
//! body, makes one service call and maps the result.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tresor_api as api;
use tresor_core::{KeyFilter, KeyId, PageRequest};
use tresor_service::ServiceError;
use tresor_service::types::{PublicKeyFormat, PublicKeyOut};
use utoipa::IntoParams;

use super::convert::{self, parse_key_ref};
use super::error::AppError;
use super::extract::{Auth, Json, Path, Query};
use crate::state::AppState;

/// `{key}`: a key id or `alias:NAME`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct KeyPath {
    /// Key id or `alias:NAME`.
    pub key: String,
}

/// `GET /v1/keys` filters and paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListKeysQuery {
    /// Only keys whose alias starts with this.
    pub alias_prefix: Option<String>,
    /// Only keys of this algorithm, e.g. `aes-256-gcm`.
    pub algorithm: Option<String>,
    /// Only keys in this state, e.g. `active`.
    pub state: Option<String>,
    /// `name:value`: only keys carrying this tag.
    pub tag: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// `GET /v1/keys/{key}/public` options.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicKeyQuery {
    /// `pem` (default), `der` or `jwk`.
    pub format: Option<String>,
    /// Version (default: the primary).
    pub version: Option<u32>,
}

#[utoipa::path(post, path = "/v1/keys", tag = "keys",
    request_body = api::CreateKeyRequest,
    responses((status = 201, description = "Created", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn create_key(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::CreateKeyRequest>,
) -> Result<(StatusCode, Json<api::KeyResponse>), AppError> {
    let spec = convert::create_spec(r)?;
    let d = s.kms.create_key(&c, spec).await?;
    Ok((StatusCode::CREATED, Json(convert::key_details(d))))
}

#[utoipa::path(post, path = "/v1/keys/import", tag = "keys",
    request_body = api::ImportKeyRequest,
    responses((status = 201, description = "Imported", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn import_key(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::ImportKeyRequest>,
) -> Result<(StatusCode, Json<api::KeyResponse>), AppError> {
    let (spec, material) = convert::import_spec(r)?;
    let d = s.kms.import_key(&c, spec, material).await?;
    Ok((StatusCode::CREATED, Json(convert::key_details(d))))
}

fn key_filter(q: &ListKeysQuery) -> Result<(KeyFilter, PageRequest), ServiceError> {
    let tag = match &q.tag {
        None => None,
        Some(t) => {
            let (name, value) = t
                .split_once(':')
                .ok_or_else(|| ServiceError::invalid("tag", "expected name:value"))?;
            Some((name.to_owned(), value.to_owned()))
        }
    };
    let filter = KeyFilter {
        alias_prefix: q.alias_prefix.clone().filter(|p| !p.is_empty()),
        algorithm: q
            .algorithm
            .as_deref()
            .map(convert::parse_algorithm)
            .transpose()?,
        state: q.state.as_deref().map(convert::parse_state).transpose()?,
        tag,
        include_internal: false,
    };
    let after = q
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| KeyId::parse(c).map_err(|_| ServiceError::invalid("cursor", "not a key cursor")))
        .transpose()?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok((filter, PageRequest { after, limit }))
}

#[utoipa::path(get, path = "/v1/keys", tag = "keys", params(ListKeysQuery),
    responses((status = 200, description = "One page of keys", body = api::KeyListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_keys(
    State(s): State<AppState>,
    Auth(c): Auth,
    Query(q): Query<ListKeysQuery>,
) -> Result<Json<api::KeyListResponse>, AppError> {
    let (filter, page) = key_filter(&q)?;
    let page = s.kms.list_keys(&c, filter, page).await?;
    Ok(Json(api::KeyListResponse {
        keys: page
            .items
            .into_iter()
            .map(|k| convert::key_response(k, None))
            .collect(),
        next_cursor: page.next.map(|id| id.to_string()),
    }))
}

#[utoipa::path(get, path = "/v1/keys/{key}", tag = "keys", params(KeyPath),
    responses((status = 200, description = "The key and its versions", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn get_key(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
) -> Result<Json<api::KeyResponse>, AppError> {
    let key = parse_key_ref(&key)?;
    let d = s.kms.get_key(&c, &key).await?;
    Ok(Json(convert::key_details(d)))
}

#[utoipa::path(patch, path = "/v1/keys/{key}", tag = "keys", params(KeyPath),
    request_body = api::UpdateKeyRequest,
    responses((status = 200, description = "Updated", body = api::KeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn update_key(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::UpdateKeyRequest>,
) -> Result<Json<api::KeyResponse>, AppError> {
    let key = parse_key_ref(&key)?;
    let update = convert::key_update(r)?;
    let d = s.kms.update_key(&c, &key, update).await?;
    Ok(Json(convert::key_details(d)))
}

fn public_format(f: Option<&str>) -> Result<PublicKeyFormat, ServiceError> {
    match f {
        None | Some("pem") => Ok(PublicKeyFormat::Pem),
        Some("der") => Ok(PublicKeyFormat::Der),
        Some("jwk") => Ok(PublicKeyFormat::Jwk),
        Some(_) => Err(ServiceError::invalid("format", "expected pem, der or jwk")),
    }
}

#[utoipa::path(get, path = "/v1/keys/{key}/public", tag = "keys",
    params(KeyPath, PublicKeyQuery),
    responses((status = 200, description = "The public key (SubjectPublicKeyInfo)", content(
            (String = "application/x-pem-file"),
            (Vec<u8> = "application/pkix-spki"),
            (Object = "application/json"))),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn public_key(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Query(q): Query<PublicKeyQuery>,
) -> Result<Response, AppError> {
    let key = parse_key_ref(&key)?;
    let format = public_format(q.format.as_deref())?;
    let out = s.kms.public_key(&c, &key, q.version, format).await?;
    Ok(match out {
        PublicKeyOut::Pem(pem) => {
            ([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response()
        }
        PublicKeyOut::Der(der) => {
            ([(header::CONTENT_TYPE, "application/pkix-spki")], der).into_response()
        }
        PublicKeyOut::Jwk(jwk) => Json(jwk).into_response(),
    })
}

#[utoipa::path(get, path = "/v1/wrapping-key", tag = "keys",
    responses((status = 200, description = "The tenant's import wrapping key", body = api::WrappingKeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn wrapping_key(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Result<Json<api::WrappingKeyResponse>, AppError> {
    let (key_id, public_key_pem) = s.kms.wrapping_key(&c).await?;
    Ok(Json(api::WrappingKeyResponse {
        key_id,
        algorithm: "rsa-3072".to_owned(),
        wrapping_algorithm: "rsa-aes-key-wrap-sha256".to_owned(),
        public_key_pem,
    }))
}

#[utoipa::path(get, path = "/v1/jwks", tag = "keys",
    responses((status = 200, description = "JSON Web Key Set of the tenant's published signing keys", body = Object),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn jwks(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Result<Json<serde_json::Value>, AppError> {
    Ok(Json(s.kms.jwks(&c).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_filters() {
        let q = ListKeysQuery {
            tag: Some("env:prod:eu".into()),
            algorithm: Some("ec-p256".into()),
            state: Some("active".into()),
            limit: Some(5000),
            ..Default::default()
        };
        let (f, p) = key_filter(&q).unwrap();
        assert_eq!(f.tag, Some(("env".into(), "prod:eu".into())));
        assert_eq!(p.limit, 1000);
        let bad = ListKeysQuery {
            tag: Some("env".into()),
            ..Default::default()
        };
        assert!(key_filter(&bad).is_err());
        let bad = ListKeysQuery {
            algorithm: Some("rot13".into()),
            ..Default::default()
        };
        assert_eq!(
            key_filter(&bad).err().map(|e| e.code()),
            Some("unsupported_algorithm")
        );
    }
}
