//! Provider registry bodies: listings, capabilities, queries, and
//! registering an existing provider-side key, run-time provider
//! registration. No body ever carries a provider's credentials (a
//! registration names the variable or file that holds them).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One provider (`GET /v1/providers/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderResponse {
    /// Stable id, e.g. `software`, `hsm`.
    pub id: String,
    /// `software`, `pkcs11`, ...
    pub kind: String,
    /// New keys without an explicit provider go here first.
    pub default: bool,
    pub hardware_backed: bool,
    /// `up` or `down` (probed for this answer).
    pub health: String,
}

/// `GET /v1/providers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProviderListResponse {
    pub providers: Vec<ProviderResponse>,
}

/// `GET /v1/providers/{id}/capabilities`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CapabilitiesResponse {
    pub provider: String,
    /// Algorithm name → operations the provider performs with it.
    pub algorithms: BTreeMap<String, Vec<String>>,
    pub hardware_backed: bool,
    /// Whether key material can ever leave the provider.
    pub extractable: bool,
    /// FIPS 140 validated and in an approved mode (false unless known).
    pub fips: bool,
}

/// `GET /v1/capabilities`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AllCapabilitiesResponse {
    pub providers: Vec<CapabilitiesResponse>,
}

/// `POST /v1/providers/query` and `/v1/providers/query/best`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderQueryRequest {
    /// e.g. `aes-256-gcm`.
    pub algorithm: String,
    /// Every one of these must be supported; default: the algorithm's
    /// default operations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<String>>,
}

/// `POST /v1/keys/register`: adopt a key that already exists in a provider
/// (an HSM object by its label) without moving it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterKeyRequest {
    /// The provider holding the key, e.g. `hsm`.
    pub provider: String,
    /// The object's label in the provider (`CKA_LABEL`).
    pub label: String,
    pub algorithm: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// `POST /v1/providers`: register a provider at run time (platform admins).
/// `config` is the kind's typed configuration; credentials are named
/// (`token_env`, `token_file`, `pin_file`), never given inline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterProviderRequest {
    /// The new provider's id, e.g. `central`.
    pub id: String,
    /// `remote`, `aws-kms` or `pkcs11`.
    pub kind: String,
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
}

/// A run-time registration as stored (`GET /v1/providers/registered`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegisteredProviderResponse {
    pub id: String,
    pub kind: String,
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
}

/// `GET /v1/providers/registered`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegisteredProviderListResponse {
    pub providers: Vec<RegisteredProviderResponse>,
}
