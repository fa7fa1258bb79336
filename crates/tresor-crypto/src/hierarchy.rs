//! The software key hierarchy: root key → tenant key → key-version material.
//!
//! Every wrapped blob is `0x01 || nonce (12) || AES-256-GCM ciphertext+tag`.
//!
//! - **Tenant key**: 32 random bytes per tenant, wrapped under the root key
//!   with AAD `"tresor/tenant-key/v1" || tenant id (UTF-8)`, stored through
//!   [`ProviderStateStore`] as blob `tenant-key/<tenant>`. It is created once
//!   (`put_blob_if_absent` decides races) and cached unwrapped in memory as
//!   an aws-lc AEAD key, which aws-lc wipes on free.
//! - **Version handle** ([`tresor_core::KeyHandle`] bytes): the version's
//!   material wrapped under the tenant key with AAD
//!   `"tresor/key-version/v1" || u16-BE len(tenant) || tenant || key id
//!   (16 UUID bytes) || version (u32 BE) || algorithm code (u8)`, so a handle
//!   moved to another tenant, key, version or algorithm fails to unwrap.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use aws_lc_rs::aead::{AES_256_GCM, LessSafeKey};
use tresor_core::{KeyContext, ProviderError, ProviderId, ProviderStateStore, TenantId};
use zeroize::Zeroizing;

use crate::root_key::RootKey;
use crate::root_wrap::{LocalRoot, RootWrap};
use crate::symmetric::{NONCE_LEN, aead_key, aead_open, aead_seal, fill_random, random_nonce};

/// Format byte of every blob this module writes.
pub const BLOB_FORMAT_V1: u8 = 0x01;
const TENANT_KEY_LABEL: &[u8] = b"tresor/tenant-key/v1";
const VERSION_LABEL: &[u8] = b"tresor/key-version/v1";
const TENANT_KEY_LEN: usize = 32;

/// Seals `plaintext` into a versioned blob.
pub fn seal_blob(
    key: &LessSafeKey,
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, ProviderError> {
    let nonce = random_nonce()?;
    let sealed = aead_seal(key, &nonce, aad, plaintext)?;
    let mut blob = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    blob.push(BLOB_FORMAT_V1);
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&sealed);
    Ok(blob)
}

/// Opens a blob from [`seal_blob`]; any failure is [`ProviderError::Crypto`].
pub fn open_blob(
    key: &LessSafeKey,
    aad: &[u8],
    blob: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    match blob.split_first() {
        Some((&BLOB_FORMAT_V1, rest)) if rest.len() >= NONCE_LEN => {
            let (nonce, sealed) = rest.split_at(NONCE_LEN);
            aead_open(key, nonce, aad, sealed)
        }
        _ => Err(ProviderError::Crypto),
    }
}

/// AAD of a tenant-key blob.
pub fn tenant_key_aad(tenant: &TenantId) -> Vec<u8> {
    let mut aad = TENANT_KEY_LABEL.to_vec();
    aad.extend_from_slice(tenant.as_str().as_bytes());
    aad
}

/// AAD of a version handle: binds tenant, key id, version and algorithm.
pub fn version_aad(ctx: &KeyContext) -> Vec<u8> {
    let tenant = ctx.tenant.as_str().as_bytes();
    let mut aad = Vec::with_capacity(VERSION_LABEL.len() + 2 + tenant.len() + 16 + 5);
    aad.extend_from_slice(VERSION_LABEL);
    // Tenant ids are at most 63 bytes; saturate rather than cast blindly.
    let len = u16::try_from(tenant.len()).unwrap_or(u16::MAX);
    aad.extend_from_slice(&len.to_be_bytes());
    aad.extend_from_slice(tenant);
    aad.extend_from_slice(ctx.key_id.as_uuid().as_bytes());
    aad.extend_from_slice(&ctx.version.to_be_bytes());
    aad.push(ctx.algorithm.code());
    aad
}

/// Store blob name of a tenant's wrapped key.
pub fn tenant_blob_name(tenant: &TenantId) -> String {
    format!("tenant-key/{tenant}")
}

/// Root key + per-tenant keys, with the unwrapped tenant keys cached.
pub struct KeyHierarchy {
    provider: ProviderId,
    root: Arc<dyn RootWrap>,
    store: Arc<dyn ProviderStateStore>,
    tenants: RwLock<HashMap<TenantId, Arc<LessSafeKey>>>,
}

impl fmt::Debug for KeyHierarchy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyHierarchy")
            .field("provider", &self.provider)
            .field("root", &self.root)
            .field(
                "cached_tenants",
                &self.tenants.read().map(|t| t.len()).unwrap_or(0),
            )
            .finish_non_exhaustive()
    }
}

impl KeyHierarchy {
    /// Builds the hierarchy; the root key bytes live on only inside aws-lc.
    pub fn new(
        provider: ProviderId,
        root: &RootKey,
        store: Arc<dyn ProviderStateStore>,
    ) -> Result<Self, ProviderError> {
        Ok(Self::with_root(
            provider,
            Arc::new(LocalRoot::new(root)?),
            store,
        ))
    }

    /// Builds the hierarchy on any root (e.g. an HSM-held key).
    pub fn with_root(
        provider: ProviderId,
        root: Arc<dyn RootWrap>,
        store: Arc<dyn ProviderStateStore>,
    ) -> Self {
        Self {
            provider,
            root,
            store,
            tenants: RwLock::new(HashMap::new()),
        }
    }

    /// The root key's check value (or where an HSM-held root key is).
    pub fn root_kcv(&self) -> &str {
        self.root.check_value()
    }

    /// The tenant's key: from the cache, else unwrapped from the store, else
    /// created and stored (whoever stores first wins; everyone uses that one).
    pub async fn tenant_key(&self, tenant: &TenantId) -> Result<Arc<LessSafeKey>, ProviderError> {
        if let Some(key) = self
            .tenants
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(tenant)
        {
            return Ok(Arc::clone(key));
        }
        let name = tenant_blob_name(tenant);
        let aad = tenant_key_aad(tenant);
        let unavailable = |e| ProviderError::Unavailable(Box::new(e));
        let blob = match self
            .store
            .get_blob(&self.provider, &name)
            .await
            .map_err(unavailable)?
        {
            Some(blob) => blob,
            None => {
                let mut fresh = Zeroizing::new([0u8; TENANT_KEY_LEN]);
                fill_random(fresh.as_mut())?;
                let candidate = self.root.seal(&aad, fresh.as_ref()).await?;
                let stored = self
                    .store
                    .put_blob_if_absent(&self.provider, &name, &candidate)
                    .await
                    .map_err(unavailable)?;
                if stored == candidate {
                    tracing::info!(tenant = %tenant, "created tenant key");
                }
                stored
            }
        };
        let raw = self.root.open(&aad, &blob).await.inspect_err(|e| {
            tracing::error!(
                tenant = %tenant,
                root_kcv = %self.root.check_value(),
                error = %e,
                "tenant key does not unwrap under this root key (wrong root key, root key unreachable, or corrupt blob)"
            );
        })?;
        let key = Arc::new(aead_key(&AES_256_GCM, &raw).map_err(|_| ProviderError::Crypto)?);
        let mut tenants = self.tenants.write().unwrap_or_else(PoisonError::into_inner);
        Ok(Arc::clone(tenants.entry(tenant.clone()).or_insert(key)))
    }

    /// Wraps a version's material into its handle bytes.
    pub async fn wrap_version(
        &self,
        ctx: &KeyContext,
        material: &[u8],
    ) -> Result<Vec<u8>, ProviderError> {
        let key = self.tenant_key(&ctx.tenant).await?;
        seal_blob(&key, &version_aad(ctx), material)
    }

    /// Unwraps a version handle; fails with [`ProviderError::Crypto`] when the
    /// handle belongs to another context or was altered.
    pub async fn unwrap_version(
        &self,
        ctx: &KeyContext,
        handle: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
        let key = self.tenant_key(&ctx.tenant).await?;
        open_blob(&key, &version_aad(ctx), handle)
    }

    /// Drops a tenant's cached key (it is re-read from the store on next use).
    pub fn forget_tenant(&self, tenant: &TenantId) {
        self.tenants
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(tenant);
    }
}
