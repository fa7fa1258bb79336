//! Stored secrets bodies (`/v1/secrets`). Payloads travel base64-encoded.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::B64;

/// `POST /v1/secrets`: a secret to store; without `payload` it is created
/// empty and the payload is added once with `PUT /v1/secrets/{id}/payload`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSecretRequest {
    pub name: Option<String>,
    /// `symmetric`, `public`, `private`, `passphrase`, `certificate` or
    /// `opaque` (the default).
    pub secret_type: Option<String>,
    pub algorithm: Option<String>,
    pub bit_length: Option<u32>,
    pub mode: Option<String>,
    /// The payload's content type, e.g. `text/plain`.
    pub content_type: Option<String>,
    /// RFC 3339; after it the payload can no longer be read.
    pub expiration: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// The payload, base64 (at most 64 KiB decoded).
    pub payload: Option<B64>,
}

/// `PUT /v1/secrets/{id}/payload` (two-step create).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretPayloadRequest {
    /// Base64.
    pub payload: B64,
    pub content_type: Option<String>,
}

/// `PUT /v1/secrets/{id}/metadata`: the whole new metadata map.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretMetadataRequest {
    pub metadata: BTreeMap<String, String>,
}

/// A secret's description (never its payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SecretResponse {
    pub id: String,
    pub name: Option<String>,
    pub secret_type: String,
    pub algorithm: Option<String>,
    pub bit_length: Option<u32>,
    pub mode: Option<String>,
    pub content_type: Option<String>,
    pub expiration: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub created_by: String,
    pub state: String,
    /// False until a two-step create's payload arrives.
    pub has_payload: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// `GET /v1/secrets`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SecretListResponse {
    pub secrets: Vec<SecretResponse>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// `GET /v1/secrets/{id}/payload`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SecretPayloadResponse {
    pub secret: SecretResponse,
    /// Base64.
    pub payload: B64,
}
