//! Cryptographic operation routes on one key: encrypt, decrypt, re-encrypt,
//! data keys, sign, verify, MAC, wrap, unwrap, agreement and KEM. Handlers
//! only translate; the service checks permissions, state and sizes.

use axum::extract::State;
use tresor_api::{self as api, B64};
use tresor_service::types as svc;

use super::convert::{self, b64_secret, binding, parse_key_ref};
use super::error::AppError;
use super::extract::{Auth, Json, OptionalJson, Path};
use super::keys::KeyPath;
use crate::state::AppState;

type Res<T> = Result<Json<T>, AppError>;

#[utoipa::path(post, path = "/v1/keys/{key}/encrypt", tag = "crypto", params(KeyPath),
    request_body = api::EncryptRequest,
    responses((status = 200, description = "Ciphertext envelope", body = api::EncryptResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn encrypt(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::EncryptRequest>,
) -> Res<api::EncryptResponse> {
    let key = parse_key_ref(&key)?;
    let out = s.kms.encrypt(&c, &key, convert::encrypt_request(r)).await?;
    Ok(Json(convert::encrypt_response(out)))
}

#[utoipa::path(post, path = "/v1/keys/{key}/decrypt", tag = "crypto", params(KeyPath),
    request_body = api::DecryptRequest,
    responses((status = 200, description = "Plaintext", body = api::DecryptResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn decrypt(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::DecryptRequest>,
) -> Res<api::DecryptResponse> {
    let key = parse_key_ref(&key)?;
    let out = s.kms.decrypt(&c, &key, convert::decrypt_request(r)).await?;
    Ok(Json(convert::decrypt_response(out)))
}

#[utoipa::path(post, path = "/v1/decrypt", tag = "crypto",
    request_body = api::DecryptRequest,
    responses((status = 200, description = "Plaintext (key found from the envelope)", body = api::DecryptResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn decrypt_envelope(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::DecryptRequest>,
) -> Res<api::DecryptResponse> {
    let out = s
        .kms
        .decrypt_envelope(&c, convert::decrypt_request(r))
        .await?;
    Ok(Json(convert::decrypt_response(out)))
}

#[utoipa::path(post, path = "/v1/keys/{key}/reencrypt", tag = "crypto", params(KeyPath),
    request_body = api::ReEncryptRequest,
    responses((status = 200, description = "Ciphertext under the destination key", body = api::EncryptResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn reencrypt(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::ReEncryptRequest>,
) -> Res<api::EncryptResponse> {
    let key = parse_key_ref(&key)?;
    let req = svc::ReEncryptRequest {
        ciphertext: r.ciphertext.into_inner(),
        source_binding: binding(r.source_aad, r.source_context),
        binding: binding(r.aad, r.context),
    };
    let out = s.kms.reencrypt(&c, &key, req).await?;
    Ok(Json(convert::encrypt_response(out)))
}

#[utoipa::path(post, path = "/v1/keys/{key}/datakey", tag = "crypto", params(KeyPath),
    request_body = api::DataKeyRequest,
    responses((status = 200, description = "A data key, encrypted (and in the clear unless excluded)", body = api::DataKeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn datakey(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    OptionalJson(r): OptionalJson<api::DataKeyRequest>,
) -> Res<api::DataKeyResponse> {
    let key = parse_key_ref(&key)?;
    let req = svc::DataKeyRequest {
        bytes: r.bytes.unwrap_or(32),
        binding: binding(r.aad, r.context),
        include_plaintext: r.include_plaintext.unwrap_or(true),
    };
    let out = s.kms.generate_data_key(&c, &key, req).await?;
    Ok(Json(api::DataKeyResponse {
        ciphertext: B64(out.ciphertext),
        plaintext: out.plaintext.as_ref().map(b64_secret),
        key_id: out.key_id,
        key_version: out.key_version,
    }))
}

#[utoipa::path(post, path = "/v1/keys/{key}/sign", tag = "crypto", params(KeyPath),
    request_body = api::SignRequest,
    responses((status = 200, description = "Signature", body = api::SignResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn sign(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::SignRequest>,
) -> Res<api::SignResponse> {
    let key = parse_key_ref(&key)?;
    let out = s.kms.sign(&c, &key, convert::sign_request(r)?).await?;
    Ok(Json(convert::sign_response(out)))
}

#[utoipa::path(post, path = "/v1/keys/{key}/verify", tag = "crypto", params(KeyPath),
    request_body = api::VerifyRequest,
    responses((status = 200, description = "Whether the signature is valid", body = api::VerifyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn verify(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::VerifyRequest>,
) -> Res<api::VerifyResponse> {
    let key = parse_key_ref(&key)?;
    let out = s.kms.verify(&c, &key, convert::verify_request(r)?).await?;
    Ok(Json(api::VerifyResponse {
        valid: out.valid,
        key_version: out.key_version,
    }))
}

#[utoipa::path(post, path = "/v1/keys/{key}/mac", tag = "crypto", params(KeyPath),
    request_body = api::MacRequest,
    responses((status = 200, description = "MAC tag", body = api::MacResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn mac(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::MacRequest>,
) -> Res<api::MacResponse> {
    let key = parse_key_ref(&key)?;
    let out = s.kms.mac(&c, &key, r.message.as_bytes()).await?;
    Ok(Json(api::MacResponse {
        mac: B64(out.mac),
        key_version: out.key_version,
    }))
}

#[utoipa::path(post, path = "/v1/keys/{key}/mac-verify", tag = "crypto", params(KeyPath),
    request_body = api::MacVerifyRequest,
    responses((status = 200, description = "Whether the tag is valid", body = api::VerifyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn mac_verify(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::MacVerifyRequest>,
) -> Res<api::VerifyResponse> {
    let key = parse_key_ref(&key)?;
    let out = s
        .kms
        .mac_verify(
            &c,
            &key,
            r.message.as_bytes(),
            r.mac.as_bytes(),
            r.key_version,
        )
        .await?;
    Ok(Json(api::VerifyResponse {
        valid: out.valid,
        key_version: out.key_version,
    }))
}

#[utoipa::path(post, path = "/v1/keys/{key}/wrap", tag = "crypto", params(KeyPath),
    request_body = api::WrapRequest,
    responses((status = 200, description = "Wrapped material", body = api::WrapResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn wrap(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::WrapRequest>,
) -> Res<api::WrapResponse> {
    let key = parse_key_ref(&key)?;
    let out = s.kms.wrap(&c, &key, convert::wrap_request(r)?).await?;
    Ok(Json(api::WrapResponse {
        ciphertext: B64(out.wrapped),
        key_version: out.key_version,
        mechanism: convert::wrap_mechanism_str(out.mechanism).to_owned(),
    }))
}

#[utoipa::path(post, path = "/v1/keys/{key}/unwrap", tag = "crypto", params(KeyPath),
    request_body = api::UnwrapRequest,
    responses((status = 200, description = "Unwrapped material", body = api::UnwrapResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn unwrap(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::UnwrapRequest>,
) -> Res<api::UnwrapResponse> {
    let key = parse_key_ref(&key)?;
    let req = svc::UnwrapRequest {
        wrapped: r.ciphertext.into_inner(),
        mechanism: convert::parse_wrap_mechanism(r.mechanism.as_deref())?,
        key_version: r.key_version,
    };
    let out = s.kms.unwrap(&c, &key, req).await?;
    Ok(Json(api::UnwrapResponse {
        plaintext: b64_secret(&out.secret),
        key_version: out.key_version,
    }))
}

#[utoipa::path(post, path = "/v1/keys/{key}/agree", tag = "crypto", params(KeyPath),
    request_body = api::AgreeRequest,
    responses((status = 200, description = "Shared secret", body = api::SharedSecretResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn agree(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::AgreeRequest>,
) -> Res<api::SharedSecretResponse> {
    let key = parse_key_ref(&key)?;
    let out = s
        .kms
        .agree(&c, &key, r.public_key.as_bytes(), r.key_version)
        .await?;
    Ok(Json(api::SharedSecretResponse {
        shared_secret: b64_secret(&out.secret),
        key_version: out.key_version,
    }))
}

#[utoipa::path(post, path = "/v1/keys/{key}/encapsulate", tag = "crypto", params(KeyPath),
    request_body(content = api::EncapsulateRequest, description = "Optional"),
    responses((status = 200, description = "KEM ciphertext and shared secret", body = api::EncapsulateResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn encapsulate(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    OptionalJson(r): OptionalJson<api::EncapsulateRequest>,
) -> Res<api::EncapsulateResponse> {
    let key = parse_key_ref(&key)?;
    let out = s.kms.encapsulate(&c, &key, r.key_version).await?;
    Ok(Json(api::EncapsulateResponse {
        ciphertext: B64(out.ciphertext),
        shared_secret: b64_secret(&out.shared_secret),
        key_version: out.key_version,
    }))
}

#[utoipa::path(post, path = "/v1/keys/{key}/decapsulate", tag = "crypto", params(KeyPath),
    request_body = api::DecapsulateRequest,
    responses((status = 200, description = "Shared secret", body = api::SharedSecretResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn decapsulate(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(KeyPath { key }): Path<KeyPath>,
    Json(r): Json<api::DecapsulateRequest>,
) -> Res<api::SharedSecretResponse> {
    let key = parse_key_ref(&key)?;
    let out = s
        .kms
        .decapsulate(&c, &key, r.ciphertext.as_bytes(), r.key_version)
        .await?;
    Ok(Json(api::SharedSecretResponse {
        shared_secret: b64_secret(&out.secret),
        key_version: out.key_version,
    }))
}
