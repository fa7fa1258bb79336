//! The Provider port: the backend that holds key material and performs the
//! operations (software keystore, PKCS#11 HSM, remote KMS).
//!
//! The service tells the provider *which* key version to use through a
//! [`KeyContext`] and the opaque [`KeyHandle`] the provider returned when the
//! version was created. A software provider's handle is the material wrapped
//! under a tenant key, bound to the context; an HSM's is an object reference.

use std::fmt::{self, Debug};

use async_trait::async_trait;

use crate::algorithm::Algorithm;
use crate::ids::{KeyId, ProviderId, TenantId};
use crate::ports::capabilities::ProviderCapabilities;
use crate::secret::SecretBytes;
use crate::self_test::SelfTestResult;

/// Which key version an operation concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyContext {
    pub tenant: TenantId,
    pub key_id: KeyId,
    pub version: u32,
    pub algorithm: Algorithm,
}

/// A provider's opaque reference to a key version's material.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyHandle(pub Vec<u8>);

impl Debug for KeyHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyHandle([{} bytes])", self.0.len())
    }
}

/// What a provider returns for a new key version.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub handle: KeyHandle,
    /// SubjectPublicKeyInfo DER for asymmetric keys.
    pub public_key: Option<Vec<u8>>,
}

/// Output of an encryption.
#[derive(Debug, Clone)]
pub struct Sealed {
    /// AEAD nonce (empty for RSA-OAEP).
    pub nonce: Vec<u8>,
    /// Ciphertext with its tag appended (AEAD) or the RSA ciphertext.
    pub ciphertext: Vec<u8>,
}

/// Hash function of a signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    /// Digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }

    /// Wire name, e.g. `sha-256`.
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha-256",
            HashAlg::Sha384 => "sha-384",
            HashAlg::Sha512 => "sha-512",
        }
    }
}

/// A signature scheme, fully determined (the service picks defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignScheme {
    /// RSASSA-PSS with MGF1 over the same hash, salt length = hash length.
    RsaPss(HashAlg),
    /// RSASSA-PKCS1-v1_5.
    RsaPkcs1(HashAlg),
    /// ECDSA with the curve's hash (P-256/SHA-256, P-384/SHA-384,
    /// P-521/SHA-512); `raw` gives fixed-length r||s instead of DER.
    Ecdsa { raw: bool },
    /// Pure Ed25519.
    Ed25519,
    /// Pure ML-DSA (empty context).
    MlDsa,
}

/// What is signed or verified.
#[derive(Clone, Copy)]
pub enum SignInput<'a> {
    /// The message; the scheme hashes it.
    Message(&'a [u8]),
    /// A pre-computed digest (RSA and ECDSA only).
    Digest(&'a [u8]),
}

impl Debug for SignInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignInput::Message(m) => write!(f, "Message([{} bytes])", m.len()),
            SignInput::Digest(d) => write!(f, "Digest([{} bytes])", d.len()),
        }
    }
}

/// How a wrapping key wraps material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WrapMechanism {
    /// AES Key Wrap, RFC 3394 (input a multiple of 8 bytes, at least 16).
    AesKw,
    /// AES Key Wrap with Padding, RFC 5649.
    AesKwp,
    /// RSA-OAEP with SHA-256 and MGF1-SHA-256.
    RsaOaepSha256,
}

/// Provider failures. `Crypto` is deliberately opaque.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// The provider cannot do this algorithm/operation/mechanism.
    #[error("not supported by this provider: {0}")]
    Unsupported(&'static str),
    /// Imported material or a peer public key is malformed.
    #[error("invalid key material: {0}")]
    InvalidKey(&'static str),
    /// Input outside what the operation accepts (e.g. digest length).
    #[error("invalid input: {0}")]
    InvalidInput(&'static str),
    /// Decryption, unwrapping or verification failed. No detail, ever.
    #[error("cryptographic operation failed")]
    Crypto,
    /// The provider (or its state store) is unreachable or failing.
    #[error("provider unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A key-material backend.
#[async_trait]
pub trait Provider: Send + Sync + Debug {
    /// Stable id, e.g. `software`.
    fn id(&self) -> &ProviderId;

    /// Algorithms this provider can generate and use.
    fn algorithms(&self) -> Vec<Algorithm>;

    /// Whether material lives in hardware.
    fn hardware_backed(&self) -> bool {
        false
    }

    /// The kind of backend, e.g. `software` or `pkcs11` (shown in listings).
    fn kind(&self) -> &'static str {
        "custom"
    }

    /// What this provider can do. The default offers every operation of
    /// each of [`Provider::algorithms`]; providers that know better (an HSM
    /// token missing mechanisms) override it.
    fn capabilities(&self) -> ProviderCapabilities {
        ProviderCapabilities::from_algorithms(self.algorithms(), self.hardware_backed())
    }

    /// Readiness probe: `Ok` when the provider can serve requests now.
    async fn health(&self) -> Result<(), ProviderError> {
        Ok(())
    }

    /// Adopts a key that already exists inside the provider (e.g. an HSM
    /// object found by `label`) as version `ctx.version` of a Tresor key,
    /// without moving its material.
    async fn register_existing(
        &self,
        _ctx: &KeyContext,
        _label: &str,
    ) -> Result<NewKey, ProviderError> {
        Err(ProviderError::Unsupported(
            "this provider cannot register existing keys",
        ))
    }

    /// Known-answer and pair-wise consistency tests of this provider's
    /// algorithms, run at start-up and on demand (CPU-bound: call it off
    /// the async threads). The default has none.
    fn self_test(&self) -> Vec<SelfTestResult> {
        Vec::new()
    }

    /// Generates a new key version.
    async fn generate(&self, ctx: &KeyContext) -> Result<NewKey, ProviderError>;

    /// Imports material: raw bytes for symmetric keys, PKCS#8 DER for
    /// private keys (ML-KEM: the expanded decapsulation key).
    async fn import(
        &self,
        ctx: &KeyContext,
        material: &SecretBytes,
    ) -> Result<NewKey, ProviderError>;

    /// Returns the material in import format. The service calls this only for
    /// exportable keys, and only to wrap it under another key.
    async fn export(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
    ) -> Result<SecretBytes, ProviderError>;

    /// Encrypts (AEAD with `aad`, or RSA-OAEP-SHA-256 with `aad` empty).
    async fn encrypt(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<Sealed, ProviderError>;

    /// Decrypts what [`Provider::encrypt`] produced.
    async fn decrypt(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        nonce: &[u8],
        ciphertext: &[u8],
        aad: &[u8],
    ) -> Result<SecretBytes, ProviderError>;

    /// Signs.
    async fn sign(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        scheme: SignScheme,
        input: SignInput<'_>,
    ) -> Result<Vec<u8>, ProviderError>;

    /// Verifies; `Ok(false)` for a signature that does not verify.
    async fn verify(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        scheme: SignScheme,
        input: SignInput<'_>,
        signature: &[u8],
    ) -> Result<bool, ProviderError>;

    /// Computes a MAC tag.
    async fn mac(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        message: &[u8],
    ) -> Result<Vec<u8>, ProviderError>;

    /// Checks a MAC tag in constant time.
    async fn mac_verify(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        message: &[u8],
        tag: &[u8],
    ) -> Result<bool, ProviderError>;

    /// Wraps key material under this key (default: not offered).
    async fn wrap(
        &self,
        _ctx: &KeyContext,
        _handle: &KeyHandle,
        _mechanism: WrapMechanism,
        _material: &SecretBytes,
    ) -> Result<Vec<u8>, ProviderError> {
        Err(ProviderError::Unsupported(
            "wrapping is not offered by this provider",
        ))
    }

    /// Unwraps key material wrapped under this key (default: not offered).
    async fn unwrap(
        &self,
        _ctx: &KeyContext,
        _handle: &KeyHandle,
        _mechanism: WrapMechanism,
        _wrapped: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        Err(ProviderError::Unsupported(
            "unwrapping is not offered by this provider",
        ))
    }

    /// ECDH / X25519 with a peer public key (SubjectPublicKeyInfo DER, or the
    /// raw point / 32-byte X25519 key); returns the shared secret.
    /// (Default: not offered.)
    async fn agree(
        &self,
        _ctx: &KeyContext,
        _handle: &KeyHandle,
        _peer_public_key: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        Err(ProviderError::Unsupported(
            "key agreement is not offered by this provider",
        ))
    }

    /// KEM encapsulation to this key: `(ciphertext, shared secret)`
    /// (default: not offered).
    async fn encapsulate(
        &self,
        _ctx: &KeyContext,
        _handle: &KeyHandle,
    ) -> Result<(Vec<u8>, SecretBytes), ProviderError> {
        Err(ProviderError::Unsupported(
            "KEM is not offered by this provider",
        ))
    }

    /// KEM decapsulation (default: not offered).
    async fn decapsulate(
        &self,
        _ctx: &KeyContext,
        _handle: &KeyHandle,
        _ciphertext: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        Err(ProviderError::Unsupported(
            "KEM is not offered by this provider",
        ))
    }

    /// Erases the material held by the provider (a software handle is erased
    /// by the service; an HSM deletes its object).
    async fn destroy(&self, ctx: &KeyContext, handle: &KeyHandle) -> Result<(), ProviderError>;

    /// Fills `out` with random bytes from the provider's RNG.
    async fn random(&self, out: &mut [u8]) -> Result<(), ProviderError>;
}
