//! [`SoftwareProvider`]: the [`Provider`] port on aws-lc-rs.
//!
//! A key version's handle is its material wrapped under the tenant key and
//! bound to its [`KeyContext`] (see [`crate::hierarchy`]). Parsed versions are
//! kept in a bounded [`KeyCache`] so the hot path skips unwrapping and
//! parsing; [`SoftwareProvider::forget`] and [`Provider::destroy`] drop them.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use tresor_core::{
    Algorithm, KeyContext, KeyHandle, KeyId, NewKey, Provider, ProviderError, ProviderId,
    ProviderStateStore, Sealed, SecretBytes, SignInput, SignScheme, TenantId, WrapMechanism,
};
use zeroize::Zeroizing;

use crate::cache::{DEFAULT_CAPACITY, KeyCache};
use crate::hierarchy::KeyHierarchy;
use crate::keys::{self, ParsedKey};
use crate::root_key::RootKey;
use crate::symmetric::{
    aead_open, aead_seal, aes_unwrap, aes_wrap, fill_random, mac_sign, mac_verify, random_nonce,
};

/// The provider id used when configuration names none.
pub const DEFAULT_PROVIDER_ID: &str = "software";

/// The software key provider.
pub struct SoftwareProvider {
    id: ProviderId,
    hierarchy: KeyHierarchy,
    cache: KeyCache,
}

impl fmt::Debug for SoftwareProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareProvider")
            .field("id", &self.id)
            .field("root_kcv", &self.hierarchy.root_kcv())
            .field("cache", &self.cache)
            .finish()
    }
}

/// Moves zeroizing bytes into a [`SecretBytes`] without copying.
fn secret(mut bytes: Zeroizing<Vec<u8>>) -> SecretBytes {
    SecretBytes::new(std::mem::take(&mut *bytes))
}

/// Runs slow work on tokio's blocking pool when inside a runtime.
async fn run_blocking<T, F>(f: F) -> Result<T, ProviderError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ProviderError> + Send + 'static,
{
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => rt
            .spawn_blocking(f)
            .await
            .map_err(|e| ProviderError::Unavailable(Box::new(e)))?,
        Err(_) => f(),
    }
}

impl SoftwareProvider {
    /// A provider whose tenant keys are wrapped under `root` and persisted in
    /// `store`. The root key bytes are copied into aws-lc only.
    pub fn new(
        id: ProviderId,
        root: &RootKey,
        store: Arc<dyn ProviderStateStore>,
    ) -> Result<Self, ProviderError> {
        Self::with_cache_capacity(id, root, store, DEFAULT_CAPACITY)
    }

    /// Like [`SoftwareProvider::new`] with a chosen key-cache size (0 disables).
    pub fn with_cache_capacity(
        id: ProviderId,
        root: &RootKey,
        store: Arc<dyn ProviderStateStore>,
        capacity: usize,
    ) -> Result<Self, ProviderError> {
        Self::with_cache(id, root, store, capacity, crate::cache::DEFAULT_TTL)
    }

    /// Like [`SoftwareProvider::new`] with a chosen key-cache size (0
    /// disables) and time to live of a cached parsed key.
    pub fn with_cache(
        id: ProviderId,
        root: &RootKey,
        store: Arc<dyn ProviderStateStore>,
        capacity: usize,
        ttl: std::time::Duration,
    ) -> Result<Self, ProviderError> {
        Ok(Self {
            hierarchy: KeyHierarchy::new(id.clone(), root, store)?,
            id,
            cache: KeyCache::with_ttl(capacity, ttl),
        })
    }

    /// A provider whose tenant keys are sealed by `root`, e.g. a
    /// [`crate::ProviderRoot`] (an AES key inside an HSM).
    pub fn with_root(
        id: ProviderId,
        root: Arc<dyn crate::RootWrap>,
        store: Arc<dyn ProviderStateStore>,
    ) -> Self {
        Self::with_root_and_cache(id, root, store, DEFAULT_CAPACITY, crate::cache::DEFAULT_TTL)
    }

    /// Like [`SoftwareProvider::with_root`] with a chosen key-cache size (0
    /// disables) and time to live of a cached parsed key.
    pub fn with_root_and_cache(
        id: ProviderId,
        root: Arc<dyn crate::RootWrap>,
        store: Arc<dyn ProviderStateStore>,
        capacity: usize,
        ttl: std::time::Duration,
    ) -> Self {
        Self {
            hierarchy: KeyHierarchy::with_root(id.clone(), root, store),
            id,
            cache: KeyCache::with_ttl(capacity, ttl),
        }
    }

    /// `software`, the default provider id.
    pub fn default_id() -> ProviderId {
        ProviderId::parse(DEFAULT_PROVIDER_ID)
            .unwrap_or_else(|_| unreachable!("\"software\" is a valid provider id"))
    }

    /// The root key's check value (safe to log).
    pub fn root_kcv(&self) -> &str {
        self.hierarchy.root_kcv()
    }

    /// Drops every cached version of a key (call on destroy).
    pub fn forget(&self, tenant: &TenantId, key_id: &KeyId) {
        self.cache.remove_key(tenant, key_id);
    }

    /// Drops every cached key version.
    pub fn forget_all(&self) {
        self.cache.clear();
    }

    /// Number of key versions currently cached.
    pub fn cached_versions(&self) -> usize {
        self.cache.len()
    }

    /// The SubjectPublicKeyInfo DER of a version (`None` for secret keys).
    pub async fn public_key(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
    ) -> Result<Option<Vec<u8>>, ProviderError> {
        Ok(self.key(ctx, handle).await?.spki().map(<[u8]>::to_vec))
    }

    /// The parsed key for a handle: cached, or unwrapped and parsed.
    async fn key(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
    ) -> Result<Arc<ParsedKey>, ProviderError> {
        if let Some(key) = self.cache.get(ctx, &handle.0) {
            return Ok(key);
        }
        let material = self.hierarchy.unwrap_version(ctx, &handle.0).await?;
        // The material authenticated, so a parse failure means corruption:
        // keep it as opaque as an unwrap failure.
        let parsed =
            Arc::new(keys::parse(ctx.algorithm, &material).map_err(|_| ProviderError::Crypto)?);
        self.cache.insert(ctx, &handle.0, Arc::clone(&parsed));
        Ok(parsed)
    }

    /// Wraps new material into a handle and warms the cache.
    async fn store_new(
        &self,
        ctx: &KeyContext,
        material: Zeroizing<Vec<u8>>,
    ) -> Result<NewKey, ProviderError> {
        let parsed = Arc::new(keys::parse(ctx.algorithm, &material)?);
        let handle = KeyHandle(self.hierarchy.wrap_version(ctx, &material).await?);
        let public_key = parsed.spki().map(<[u8]>::to_vec);
        self.cache.insert(ctx, &handle.0, parsed);
        Ok(NewKey { handle, public_key })
    }
}

#[async_trait]
impl Provider for SoftwareProvider {
    fn id(&self) -> &ProviderId {
        &self.id
    }

    fn algorithms(&self) -> Vec<Algorithm> {
        Algorithm::ALL.to_vec()
    }

    fn self_test(&self) -> Vec<tresor_core::SelfTestResult> {
        crate::self_test::run_all()
    }

    fn kind(&self) -> &'static str {
        "software"
    }

    async fn generate(&self, ctx: &KeyContext) -> Result<NewKey, ProviderError> {
        let alg = ctx.algorithm;
        let material = if keys::slow_to_generate(alg) {
            run_blocking(move || keys::generate(alg)).await?
        } else {
            keys::generate(alg)?
        };
        self.store_new(ctx, material).await
    }

    async fn import(
        &self,
        ctx: &KeyContext,
        material: &SecretBytes,
    ) -> Result<NewKey, ProviderError> {
        let stored = keys::canonicalize(ctx.algorithm, material.expose())?;
        self.store_new(ctx, stored).await
    }

    async fn export(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
    ) -> Result<SecretBytes, ProviderError> {
        Ok(secret(self.hierarchy.unwrap_version(ctx, &handle.0).await?))
    }

    async fn encrypt(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<Sealed, ProviderError> {
        match &*self.key(ctx, handle).await? {
            ParsedKey::Aead { key, .. } => {
                let nonce = random_nonce()?;
                let ciphertext = aead_seal(key, &nonce, aad, plaintext)?;
                Ok(Sealed {
                    nonce: nonce.to_vec(),
                    ciphertext,
                })
            }
            ParsedKey::Rsa(k) => {
                if !aad.is_empty() {
                    return Err(ProviderError::InvalidInput(
                        "RSA-OAEP takes no associated data",
                    ));
                }
                Ok(Sealed {
                    nonce: Vec::new(),
                    ciphertext: k.encrypt(plaintext)?,
                })
            }
            _ => Err(ProviderError::Unsupported("this key cannot encrypt")),
        }
    }

    async fn decrypt(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        nonce: &[u8],
        ciphertext: &[u8],
        aad: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        match &*self.key(ctx, handle).await? {
            ParsedKey::Aead { key, .. } => Ok(secret(aead_open(key, nonce, aad, ciphertext)?)),
            ParsedKey::Rsa(k) => {
                if !aad.is_empty() {
                    return Err(ProviderError::InvalidInput(
                        "RSA-OAEP takes no associated data",
                    ));
                }
                if !nonce.is_empty() {
                    return Err(ProviderError::Crypto);
                }
                Ok(secret(k.decrypt(ciphertext)?))
            }
            _ => Err(ProviderError::Unsupported("this key cannot decrypt")),
        }
    }

    async fn sign(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        scheme: SignScheme,
        input: SignInput<'_>,
    ) -> Result<Vec<u8>, ProviderError> {
        match &*self.key(ctx, handle).await? {
            ParsedKey::Rsa(k) => k.sign(scheme, input),
            ParsedKey::Ec(k) => k.sign(scheme, input),
            ParsedKey::Ed25519(k) => k.sign(scheme, input),
            ParsedKey::MlDsa(k) => k.sign(scheme, input),
            _ => Err(ProviderError::Unsupported("this key cannot sign")),
        }
    }

    async fn verify(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        scheme: SignScheme,
        input: SignInput<'_>,
        signature: &[u8],
    ) -> Result<bool, ProviderError> {
        match &*self.key(ctx, handle).await? {
            ParsedKey::Rsa(k) => k.verify(scheme, input, signature),
            ParsedKey::Ec(k) => k.verify(scheme, input, signature),
            ParsedKey::Ed25519(k) => k.verify(scheme, input, signature),
            ParsedKey::MlDsa(k) => k.verify(scheme, input, signature),
            _ => Err(ProviderError::Unsupported("this key cannot verify")),
        }
    }

    async fn mac(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        message: &[u8],
    ) -> Result<Vec<u8>, ProviderError> {
        match &*self.key(ctx, handle).await? {
            ParsedKey::Hmac(k) => Ok(mac_sign(k, message)),
            _ => Err(ProviderError::Unsupported("this key cannot compute a MAC")),
        }
    }

    async fn mac_verify(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        message: &[u8],
        tag: &[u8],
    ) -> Result<bool, ProviderError> {
        match &*self.key(ctx, handle).await? {
            ParsedKey::Hmac(k) => Ok(mac_verify(k, message, tag)),
            _ => Err(ProviderError::Unsupported("this key cannot verify a MAC")),
        }
    }

    async fn wrap(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        mechanism: WrapMechanism,
        material: &SecretBytes,
    ) -> Result<Vec<u8>, ProviderError> {
        match (&*self.key(ctx, handle).await?, mechanism) {
            (
                ParsedKey::Aead {
                    wrap_key: Some(k), ..
                },
                WrapMechanism::AesKw | WrapMechanism::AesKwp,
            ) => aes_wrap(k, mechanism, material.expose()),
            (ParsedKey::Rsa(k), WrapMechanism::RsaOaepSha256) => k.encrypt(material.expose()),
            (
                ParsedKey::Aead {
                    wrap_key: Some(_), ..
                }
                | ParsedKey::Rsa(_),
                _,
            ) => Err(ProviderError::InvalidInput(
                "wrap mechanism does not match the key algorithm",
            )),
            _ => Err(ProviderError::Unsupported("this key cannot wrap")),
        }
    }

    async fn unwrap(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        mechanism: WrapMechanism,
        wrapped: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        match (&*self.key(ctx, handle).await?, mechanism) {
            (
                ParsedKey::Aead {
                    wrap_key: Some(k), ..
                },
                WrapMechanism::AesKw | WrapMechanism::AesKwp,
            ) => Ok(secret(aes_unwrap(k, mechanism, wrapped)?)),
            (ParsedKey::Rsa(k), WrapMechanism::RsaOaepSha256) => Ok(secret(k.decrypt(wrapped)?)),
            (
                ParsedKey::Aead {
                    wrap_key: Some(_), ..
                }
                | ParsedKey::Rsa(_),
                _,
            ) => Err(ProviderError::InvalidInput(
                "wrap mechanism does not match the key algorithm",
            )),
            _ => Err(ProviderError::Unsupported("this key cannot unwrap")),
        }
    }

    async fn agree(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        peer_public_key: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        match &*self.key(ctx, handle).await? {
            ParsedKey::Ec(k) => k.agree(peer_public_key),
            ParsedKey::X25519(k) => k.agree(peer_public_key),
            _ => Err(ProviderError::Unsupported(
                "this key cannot do key agreement",
            )),
        }
    }

    async fn encapsulate(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
    ) -> Result<(Vec<u8>, SecretBytes), ProviderError> {
        match &*self.key(ctx, handle).await? {
            ParsedKey::MlKem(k) => k.encapsulate(),
            _ => Err(ProviderError::Unsupported("this key cannot encapsulate")),
        }
    }

    async fn decapsulate(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        ciphertext: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        match &*self.key(ctx, handle).await? {
            ParsedKey::MlKem(k) => k.decapsulate(ciphertext),
            _ => Err(ProviderError::Unsupported("this key cannot decapsulate")),
        }
    }

    async fn destroy(&self, ctx: &KeyContext, _handle: &KeyHandle) -> Result<(), ProviderError> {
        // The wrapped handle is erased by the service; drop our parsed copy.
        self.cache.remove_version(ctx);
        Ok(())
    }

    async fn random(&self, out: &mut [u8]) -> Result<(), ProviderError> {
        fill_random(out)
    }
}
