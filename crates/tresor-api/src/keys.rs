//! Key management bodies: create, import, update, lifecycle, listing.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::B64;

/// `POST /v1/keys`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    /// e.g. `aes-256-gcm`, `ec-p256`, `ml-dsa-65` (see docs/api.md).
    pub algorithm: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Allowed operations; default: the algorithm's main purpose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exportable: Option<bool>,
    /// List the public key in the tenant's JWKS (signing keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_jwk: Option<bool>,
    /// Automatic rotation period: seconds, or `90d`, `12h`, `30m`, `3600s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// `false` creates the key pre-active (enable it later). Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activate: Option<bool>,
}

/// `POST /v1/keys/import`: the create fields plus material, either plaintext
/// (`material`) or wrapped to `/v1/wrapping-key` (`wrapped_material`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportKeyRequest {
    pub algorithm: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exportable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_jwk: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation_period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Raw symmetric key bytes, or a PKCS#8 DER private key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material: Option<B64>,
    /// `RSA-OAEP-SHA-256(AES-256 key) || AES-KWP(AES-256 key, material)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapped_material: Option<B64>,
}

/// `PATCH /v1/keys/{key}`: only the fields present change; `null` clears
/// `alias` and `rotation_period`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateKeyRequest {
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub alias: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<Vec<String>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub rotation_period: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_jwk: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exportable: Option<bool>,
}

/// Distinguishes a missing field (`None`) from an explicit `null` (`Some(None)`).
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `POST /v1/keys/{key}/rotate` (body optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// Material for the new version (imported keys); default: generate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub material: Option<B64>,
}

/// `POST /v1/keys/{key}/revoke`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// `unspecified`, `key-compromise`, `ca-compromise`, `affiliation-changed`,
    /// `superseded`, `cessation-of-operation`, `privilege-withdrawn`.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `POST /v1/keys/{key}/schedule-destroy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleDestroyRequest {
    /// 7 to 30; default 30.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_days: Option<u32>,
}

/// One version of a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VersionResponse {
    pub version: u32,
    /// `enabled`, `disabled` or `destroyed`.
    pub state: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroyed_at: Option<String>,
}

/// A key's metadata (never its material).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KeyResponse {
    pub id: String,
    pub tenant: String,
    #[serde(default)]
    pub alias: Option<String>,
    pub description: String,
    pub algorithm: String,
    pub operations: Vec<String>,
    pub provider: String,
    /// `pre-active`, `active`, `suspended`, `deactivated`, `compromised`,
    /// `destroyed`, `destroyed-compromised`.
    pub state: String,
    pub primary_version: u32,
    /// Present on single-key responses; omitted in listings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<VersionResponse>>,
    pub tags: BTreeMap<String, String>,
    pub exportable: bool,
    pub publish_jwk: bool,
    /// `generated` or `imported`.
    pub origin: String,
    #[serde(default)]
    pub rotation_period_seconds: Option<i64>,
    #[serde(default)]
    pub next_rotation_at: Option<String>,
    /// Set while a destroy is scheduled.
    #[serde(default)]
    pub destroy_at: Option<String>,
    #[serde(default)]
    pub revocation_reason: Option<String>,
    #[serde(default)]
    pub revocation_message: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub activated_at: Option<String>,
    #[serde(default)]
    pub deactivated_at: Option<String>,
    #[serde(default)]
    pub destroyed_at: Option<String>,
}

/// `GET /v1/keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KeyListResponse {
    pub keys: Vec<KeyResponse>,
    /// Pass as `?cursor=` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /v1/wrapping-key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WrappingKeyResponse {
    pub key_id: String,
    /// `rsa-3072`.
    pub algorithm: String,
    /// `rsa-aes-key-wrap-sha256`.
    pub wrapping_algorithm: String,
    pub public_key_pem: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_distinguishes_null_from_missing() {
        let u: UpdateKeyRequest = serde_json::from_str(r#"{"alias":null}"#).unwrap();
        assert_eq!(u.alias, Some(None));
        let u: UpdateKeyRequest = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(u.alias, None);
        let u: UpdateKeyRequest = serde_json::from_str(r#"{"alias":"a"}"#).unwrap();
        assert_eq!(u.alias, Some(Some("a".into())));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(serde_json::from_str::<CreateKeyRequest>(r#"{"algorithm":"x","algo":1}"#).is_err());
    }
}
