//! Requests and results of service calls (transport-neutral; front doors map
//! their wire formats onto these).

use std::collections::{BTreeMap, BTreeSet};

use tresor_core::{
    Algorithm, Alias, ApiKeyRecord, KeyRecord, Operation, ProviderId, Role, SecretBytes, Timestamp,
    VersionState, WrapMechanism,
};

use crate::resolve::KeyRef;

/// Parameters of a new key.
#[derive(Debug, Clone)]
pub struct KeySpec {
    pub algorithm: Algorithm,
    pub alias: Option<Alias>,
    pub description: String,
    /// `None` gives the algorithm's default operations.
    pub operations: Option<BTreeSet<Operation>>,
    pub tags: BTreeMap<String, String>,
    pub exportable: bool,
    pub publish_jwk: bool,
    pub rotation_period_secs: Option<i64>,
    /// `None` uses the default provider.
    pub provider: Option<ProviderId>,
    /// Create active (true) or pre-active.
    pub activate: bool,
}

impl KeySpec {
    /// A spec with defaults for everything but the algorithm.
    pub fn new(algorithm: Algorithm) -> Self {
        Self {
            algorithm,
            alias: None,
            description: String::new(),
            operations: None,
            tags: BTreeMap::new(),
            exportable: false,
            publish_jwk: false,
            rotation_period_secs: None,
            provider: None,
            activate: true,
        }
    }
}

/// Key material brought by the caller.
#[derive(Debug, Clone)]
pub enum ImportMaterial {
    /// Plaintext material: raw bytes (symmetric) or PKCS#8 DER (private keys).
    Raw(SecretBytes),
    /// `RSA-OAEP-SHA-256(ephemeral AES-256 key) || AES-KWP(ephemeral, material)`
    /// under the tenant's import wrapping key (`/v1/wrapping-key`).
    Wrapped(Vec<u8>),
    /// Material wrapped under another key of the tenant (which must allow
    /// Unwrap), e.g. a KMIP Register of a wrapped key block: unwrapped
    /// inside that key's provider and imported in one audited call.
    WrappedUnder(UnwrapRequest, KeyRef),
}

/// Changes to a key's attributes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct KeyUpdate {
    pub alias: Option<Option<Alias>>,
    pub description: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub operations: Option<BTreeSet<Operation>>,
    pub rotation_period_secs: Option<Option<i64>>,
    pub publish_jwk: Option<bool>,
    pub exportable: Option<bool>,
}

/// A version as callers see it (never the handle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    pub version: u32,
    pub state: VersionState,
    pub created_at: Timestamp,
    pub destroyed_at: Option<Timestamp>,
}

/// A key with its versions.
#[derive(Debug, Clone)]
pub struct KeyDetails {
    pub key: KeyRecord,
    pub versions: Vec<VersionInfo>,
}

/// Bytes bound to a ciphertext: raw AAD and/or a string map (encryption
/// context). Both must match exactly on decrypt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Binding {
    pub aad: Vec<u8>,
    pub context: BTreeMap<String, String>,
}

impl Binding {
    /// True when nothing is bound.
    pub fn is_empty(&self) -> bool {
        self.aad.is_empty() && self.context.is_empty()
    }
}

/// Encrypt request.
#[derive(Debug, Clone)]
pub struct EncryptRequest {
    pub plaintext: SecretBytes,
    pub binding: Binding,
}

/// Encrypt result.
#[derive(Debug, Clone)]
pub struct EncryptResult {
    pub ciphertext: Vec<u8>,
    pub key_id: String,
    pub key_version: u32,
}

/// Decrypt request.
#[derive(Debug, Clone)]
pub struct DecryptRequest {
    pub ciphertext: Vec<u8>,
    pub binding: Binding,
    /// Only for raw RSA-OAEP ciphertexts (no envelope): which version.
    pub key_version: Option<u32>,
}

/// Decrypt result.
#[derive(Debug, Clone)]
pub struct DecryptResult {
    pub plaintext: SecretBytes,
    pub key_id: String,
    pub key_version: u32,
}

/// Re-encrypt: decrypt under the key named in the ciphertext, encrypt under
/// the destination key.
#[derive(Debug, Clone)]
pub struct ReEncryptRequest {
    pub ciphertext: Vec<u8>,
    pub source_binding: Binding,
    pub binding: Binding,
}

/// Data key request.
#[derive(Debug, Clone)]
pub struct DataKeyRequest {
    /// 16 or 32.
    pub bytes: usize,
    pub binding: Binding,
    pub include_plaintext: bool,
}

/// Data key result.
#[derive(Debug, Clone)]
pub struct DataKeyResult {
    pub ciphertext: Vec<u8>,
    pub plaintext: Option<SecretBytes>,
    pub key_id: String,
    pub key_version: u32,
}

/// What to sign or verify.
#[derive(Debug, Clone)]
pub enum SignData {
    Message(Vec<u8>),
    Digest(Vec<u8>),
}

/// Sign request.
#[derive(Debug, Clone)]
pub struct SignRequest {
    pub data: SignData,
    /// e.g. `pss-sha256`, `pkcs1-sha256` (RSA); `None` = the key's default.
    pub scheme: Option<String>,
    /// ECDSA: fixed-length r||s instead of DER.
    pub raw_signature: bool,
}

/// Sign result.
#[derive(Debug, Clone)]
pub struct SignResult {
    pub signature: Vec<u8>,
    pub key_id: String,
    pub key_version: u32,
    pub scheme: &'static str,
}

/// Verify request.
#[derive(Debug, Clone)]
pub struct VerifyRequest {
    pub data: SignData,
    pub signature: Vec<u8>,
    pub scheme: Option<String>,
    pub raw_signature: bool,
    /// `None` tries every enabled version, primary first.
    pub key_version: Option<u32>,
}

/// Verification result (for signatures and MACs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyResult {
    pub valid: bool,
    /// The version that verified, when valid.
    pub key_version: Option<u32>,
}

/// MAC result.
#[derive(Debug, Clone)]
pub struct MacResult {
    pub mac: Vec<u8>,
    pub key_version: u32,
}

/// What to wrap.
#[derive(Debug, Clone)]
pub enum WrapSource {
    /// Caller-supplied key material.
    Material(SecretBytes),
    /// Another key of the tenant (must be exportable), its primary version.
    Key(KeyRef),
}

/// Wrap request.
#[derive(Debug, Clone)]
pub struct WrapRequest {
    pub source: WrapSource,
    /// `None`: AES-KWP for AES keys, RSA-OAEP-SHA-256 for RSA keys.
    pub mechanism: Option<WrapMechanism>,
}

/// Wrap result.
#[derive(Debug, Clone)]
pub struct WrapResult {
    pub wrapped: Vec<u8>,
    pub key_version: u32,
    pub mechanism: WrapMechanism,
}

/// Unwrap request.
#[derive(Debug, Clone)]
pub struct UnwrapRequest {
    pub wrapped: Vec<u8>,
    pub mechanism: Option<WrapMechanism>,
    pub key_version: Option<u32>,
}

/// A secret produced by the key (unwrap, agreement, decapsulation).
#[derive(Debug, Clone)]
pub struct SecretResult {
    pub secret: SecretBytes,
    pub key_version: u32,
}

/// Encapsulation result.
#[derive(Debug, Clone)]
pub struct EncapsulateResult {
    pub ciphertext: Vec<u8>,
    pub shared_secret: SecretBytes,
    pub key_version: u32,
}

/// Public key export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKeyFormat {
    Pem,
    Der,
    Jwk,
}

/// An exported public key.
#[derive(Debug, Clone)]
pub enum PublicKeyOut {
    Pem(String),
    Der(Vec<u8>),
    Jwk(serde_json::Value),
}

/// New API key parameters.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub name: String,
    pub role: Role,
    pub platform_admin: bool,
    pub expires_at: Option<Timestamp>,
}

/// A created API key: the token is shown once and never stored.
#[derive(Debug, Clone)]
pub struct CreatedApiKey {
    pub record: ApiKeyRecord,
    pub token: String,
}

/// One item's result in a batch.
pub type ItemResult<T> = Result<T, crate::error::ServiceError>;
