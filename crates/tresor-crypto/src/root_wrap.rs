//! What seals the tenant keys at the top of the software key hierarchy: a
//! [`RootKey`] held in process memory ([`LocalRoot`]), or an AES key that
//! never leaves another provider, typically a PKCS#11 HSM
//! ([`ProviderRoot`]). With a provider-held root, a stolen database (and
//! whatever files sit next to it) is useless without the HSM.
//!
//! Blob formats (the AAD is the caller's, e.g. [`crate::hierarchy::tenant_key_aad`]):
//! - `0x01 || nonce (12) || AES-256-GCM ciphertext+tag`, sealed in process
//!   ([`crate::hierarchy::seal_blob`]);
//! - `0x02 || nonce length (u8) || nonce || ciphertext+tag`, sealed by the
//!   provider's AES-GCM ([`Provider::encrypt`]) with the same AAD.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use aws_lc_rs::aead::{AES_256_GCM, LessSafeKey};
use tresor_core::{
    Algorithm, KeyContext, KeyHandle, KeyId, Provider, ProviderError, ProviderId, TenantId,
};
use zeroize::Zeroizing;

use crate::hierarchy::{BLOB_FORMAT_V1, open_blob, seal_blob};
use crate::root_key::RootKey;
use crate::symmetric::aead_key;

/// Format byte of a blob sealed by a provider-held root key.
pub const BLOB_FORMAT_PROVIDER: u8 = 0x02;

/// The key-encryption key of the hierarchy.
#[async_trait]
pub trait RootWrap: Send + Sync + fmt::Debug {
    /// Identifies the root key without revealing it (a key check value, or
    /// `pkcs11:<provider>/<label>`); safe to log and show.
    fn check_value(&self) -> &str;

    /// Seals a tenant key with `aad`.
    async fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, ProviderError>;

    /// Opens what [`RootWrap::seal`] produced. A blob that does not open is
    /// [`ProviderError::Crypto`]; a root key that cannot be reached is
    /// [`ProviderError::Unavailable`].
    async fn open(&self, aad: &[u8], blob: &[u8]) -> Result<Zeroizing<Vec<u8>>, ProviderError>;
}

/// A root key in process memory (the bytes live on only inside aws-lc).
pub struct LocalRoot {
    key: LessSafeKey,
    kcv: String,
}

impl LocalRoot {
    /// Builds the AEAD key from `root`.
    pub fn new(root: &RootKey) -> Result<Self, ProviderError> {
        Ok(Self {
            key: aead_key(&AES_256_GCM, root.expose())?,
            kcv: root.key_check_value(),
        })
    }
}

impl fmt::Debug for LocalRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRoot")
            .field("kcv", &self.kcv)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl RootWrap for LocalRoot {
    fn check_value(&self) -> &str {
        &self.kcv
    }

    async fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, ProviderError> {
        seal_blob(&self.key, aad, plaintext)
    }

    async fn open(&self, aad: &[u8], blob: &[u8]) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
        if blob.first() == Some(&BLOB_FORMAT_PROVIDER) {
            tracing::error!(
                "a tenant key is sealed by a provider-held (HSM) root key, but this server is configured with a software root key"
            );
        }
        open_blob(&self.key, aad, blob)
    }
}

/// Why a provider-held root key is not usable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderRootError {
    /// The key named by label is not in the provider (deleted, wrong token,
    /// or never created).
    #[error(
        "the root key '{label}' is not in provider '{provider}' (deleted, another token, or never created): {source}"
    )]
    Missing {
        provider: ProviderId,
        label: String,
        #[source]
        source: ProviderError,
    },
    /// The provider cannot be reached (token removed, not logged in).
    #[error("the root key '{label}' in provider '{provider}' cannot be used: {source}")]
    Unreachable {
        provider: ProviderId,
        label: String,
        #[source]
        source: ProviderError,
    },
}

/// An AES-256 key inside another provider, found by its label; every
/// tenant key is sealed and opened by that provider (AES-GCM, with the
/// tenant's AAD), so its material never enters this process.
pub struct ProviderRoot {
    provider: Arc<dyn Provider>,
    label: String,
    ctx: KeyContext,
    handle: KeyHandle,
    kcv: String,
}

impl fmt::Debug for ProviderRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderRoot")
            .field("provider", self.provider.id())
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

/// The fixed context under which the root key is registered.
fn root_context() -> Result<KeyContext, ProviderError> {
    Ok(KeyContext {
        tenant: TenantId::parse("tresor-root")
            .map_err(|_| ProviderError::InvalidInput("root key context"))?,
        key_id: KeyId::from_bytes([0; 16]),
        version: 1,
        algorithm: Algorithm::Aes256Gcm,
    })
}

impl ProviderRoot {
    /// Finds the AES-256 key labelled `label` in `provider` and checks that
    /// it seals and opens.
    pub async fn connect(
        provider: Arc<dyn Provider>,
        label: &str,
    ) -> Result<Self, ProviderRootError> {
        let ctx = root_context().map_err(|source| ProviderRootError::Unreachable {
            provider: provider.id().clone(),
            label: label.to_owned(),
            source,
        })?;
        let found = provider.register_existing(&ctx, label).await;
        let handle = match found {
            Ok(k) => k.handle,
            Err(source @ (ProviderError::InvalidKey(_) | ProviderError::Crypto)) => {
                return Err(ProviderRootError::Missing {
                    provider: provider.id().clone(),
                    label: label.to_owned(),
                    source,
                });
            }
            Err(source) => {
                return Err(ProviderRootError::Unreachable {
                    provider: provider.id().clone(),
                    label: label.to_owned(),
                    source,
                });
            }
        };
        let root = Self {
            kcv: format!("{}:{}/{label}", provider.kind(), provider.id()),
            provider,
            label: label.to_owned(),
            ctx,
            handle,
        };
        // A round trip proves the key can encrypt and decrypt here.
        let probe = root
            .seal(b"tresor/root-probe/v1", b"probe")
            .await
            .map(|_| ());
        if let Err(source) = probe {
            return Err(ProviderRootError::Unreachable {
                provider: root.provider.id().clone(),
                label: root.label.clone(),
                source,
            });
        }
        Ok(root)
    }

    /// After a failed open: is the root key itself gone or unreachable
    /// (then say so, clearly), or was it only this blob?
    async fn diagnose(&self, failure: ProviderError) -> ProviderError {
        match self
            .provider
            .register_existing(&self.ctx, &self.label)
            .await
        {
            Ok(_) => failure,
            Err(e) => {
                tracing::error!(
                    provider = %self.provider.id(),
                    label = %self.label,
                    error = %e,
                    "the HSM root key is not usable: tenant keys cannot be unwrapped"
                );
                ProviderError::Unavailable(Box::new(match e {
                    ProviderError::InvalidKey(_) | ProviderError::Crypto => {
                        ProviderRootError::Missing {
                            provider: self.provider.id().clone(),
                            label: self.label.clone(),
                            source: e,
                        }
                    }
                    _ => ProviderRootError::Unreachable {
                        provider: self.provider.id().clone(),
                        label: self.label.clone(),
                        source: e,
                    },
                }))
            }
        }
    }
}

#[async_trait]
impl RootWrap for ProviderRoot {
    fn check_value(&self) -> &str {
        &self.kcv
    }

    async fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, ProviderError> {
        let sealed = match self
            .provider
            .encrypt(&self.ctx, &self.handle, plaintext, aad)
            .await
        {
            Ok(s) => s,
            Err(e) => return Err(self.diagnose(e).await),
        };
        let nonce_len = u8::try_from(sealed.nonce.len())
            .map_err(|_| ProviderError::InvalidInput("nonce too long"))?;
        let mut blob = Vec::with_capacity(2 + sealed.nonce.len() + sealed.ciphertext.len());
        blob.push(BLOB_FORMAT_PROVIDER);
        blob.push(nonce_len);
        blob.extend_from_slice(&sealed.nonce);
        blob.extend_from_slice(&sealed.ciphertext);
        Ok(blob)
    }

    async fn open(&self, aad: &[u8], blob: &[u8]) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
        let (nonce, ciphertext) = match blob {
            [BLOB_FORMAT_PROVIDER, len, rest @ ..] if rest.len() >= usize::from(*len) => {
                rest.split_at(usize::from(*len))
            }
            [BLOB_FORMAT_V1, ..] => {
                tracing::error!(
                    provider = %self.provider.id(),
                    "a tenant key is sealed by a software root key, but this server is configured with an HSM root key"
                );
                return Err(ProviderError::Crypto);
            }
            _ => return Err(ProviderError::Crypto),
        };
        match self
            .provider
            .decrypt(&self.ctx, &self.handle, nonce, ciphertext, aad)
            .await
        {
            Ok(plain) => Ok(Zeroizing::new(plain.expose().to_vec())),
            Err(e) => Err(self.diagnose(e).await),
        }
    }
}
