//! Cryptographic operation bodies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{B64, ErrorBody};

/// `POST /v1/keys/{key}/encrypt`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EncryptRequest {
    pub plaintext: B64,
    /// Additional authenticated data; must be given again to decrypt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aad: Option<B64>,
    /// Encryption context (string map); must match exactly to decrypt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<BTreeMap<String, String>>,
}

/// Result of encrypt and re-encrypt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EncryptResponse {
    /// The self-describing envelope (docs/ciphertext.md).
    pub ciphertext: B64,
    pub key_id: String,
    pub key_version: u32,
}

/// `POST /v1/keys/{key}/decrypt` and `POST /v1/decrypt`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecryptRequest {
    pub ciphertext: B64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aad: Option<B64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<BTreeMap<String, String>>,
    /// Only for raw RSA-OAEP ciphertexts made outside Tresor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_version: Option<u32>,
}

/// Decrypt result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DecryptResponse {
    pub plaintext: B64,
    pub key_id: String,
    pub key_version: u32,
}

/// `POST /v1/keys/{key}/reencrypt`: the path names the destination key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReEncryptRequest {
    pub ciphertext: B64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_aad: Option<B64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_context: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aad: Option<B64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<BTreeMap<String, String>>,
}

/// `POST /v1/keys/{key}/datakey`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataKeyRequest {
    /// 16 or 32 (default 32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aad: Option<B64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<BTreeMap<String, String>>,
    /// Default true; false returns only the encrypted data key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_plaintext: Option<bool>,
}

/// Data key result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DataKeyResponse {
    pub ciphertext: B64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<B64>,
    pub key_id: String,
    pub key_version: u32,
}

/// `POST /v1/keys/{key}/sign`: exactly one of `message` and `digest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<B64>,
    /// A pre-computed hash (RSA and ECDSA keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<B64>,
    /// RSA: `pss-sha256` (default), `pss-sha384`, `pss-sha512`,
    /// `pkcs1-sha256`, `pkcs1-sha384`, `pkcs1-sha512`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// ECDSA: `der` (default) or `raw` (r||s, as JWS uses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_format: Option<String>,
}

/// Sign result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SignResponse {
    pub signature: B64,
    pub key_id: String,
    pub key_version: u32,
    pub scheme: String,
}

/// `POST /v1/keys/{key}/verify`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<B64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<B64>,
    pub signature: B64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_format: Option<String>,
    /// Default: try every enabled version, primary first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_version: Option<u32>,
}

/// Result of verify and mac-verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VerifyResponse {
    pub valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_version: Option<u32>,
}

/// `POST /v1/keys/{key}/mac`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MacRequest {
    pub message: B64,
}

/// MAC result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MacResponse {
    pub mac: B64,
    pub key_version: u32,
}

/// `POST /v1/keys/{key}/mac-verify`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MacVerifyRequest {
    pub message: B64,
    pub mac: B64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_version: Option<u32>,
}

/// `POST /v1/keys/{key}/wrap`: exactly one of `plaintext` (material to
/// wrap) and `key` (an exportable key of the tenant: id or `alias:NAME`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WrapRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<B64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `aes-kw`, `aes-kwp` (AES default) or `rsa-oaep-sha256` (RSA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<String>,
}

/// Wrap result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WrapResponse {
    pub ciphertext: B64,
    pub key_version: u32,
    pub mechanism: String,
}

/// `POST /v1/keys/{key}/unwrap`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnwrapRequest {
    pub ciphertext: B64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_version: Option<u32>,
}

/// Unwrap result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnwrapResponse {
    pub plaintext: B64,
    pub key_version: u32,
}

/// `POST /v1/keys/{key}/agree`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreeRequest {
    /// Peer public key: SubjectPublicKeyInfo DER, or the raw point/key.
    pub public_key: B64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_version: Option<u32>,
}

/// Result of agree and decapsulate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SharedSecretResponse {
    pub shared_secret: B64,
    pub key_version: u32,
}

/// `POST /v1/keys/{key}/encapsulate` (body optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EncapsulateRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_version: Option<u32>,
}

/// Encapsulation result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EncapsulateResponse {
    pub ciphertext: B64,
    pub shared_secret: B64,
    pub key_version: u32,
}

/// `POST /v1/keys/{key}/decapsulate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecapsulateRequest {
    pub ciphertext: B64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_version: Option<u32>,
}

/// `POST /v1/random`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RandomRequest {
    /// 1 to 1024.
    pub bytes: usize,
}

/// Random bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RandomResponse {
    pub random: B64,
}

/// `POST /v1/keys/{key}/{encrypt|decrypt|sign}/batch`: `{"items": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest<T> {
    pub items: Vec<T>,
}

/// One result per item, in order: the item's response or its error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BatchResponse<T> {
    pub results: Vec<BatchItem<T>>,
}

/// A batch item's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum BatchItem<T> {
    Ok(T),
    Err { error: ErrorBody },
}
