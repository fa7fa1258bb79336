//! The handle of a KMS-held key version: the KMS key id and the local key
//! version it was created for; using it for another version is a crypto
//! failure, as for every provider.

use serde::{Deserialize, Serialize};
use tresor_core::{KeyContext, KeyHandle, ProviderError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KmsHandle {
    /// The KMS `KeyId` (a UUID).
    pub kms_key: String,
    pub tenant: String,
    pub key_id: String,
    pub version: u32,
    pub algorithm: String,
}

impl KmsHandle {
    pub fn new(ctx: &KeyContext, kms_key: String) -> Self {
        Self {
            kms_key,
            tenant: ctx.tenant.to_string(),
            key_id: ctx.key_id.to_string(),
            version: ctx.version,
            algorithm: ctx.algorithm.as_str().to_owned(),
        }
    }

    /// What the key's encryption context binds (the key version).
    pub fn binding(&self) -> String {
        format!("{}/{}/v{}", self.tenant, self.key_id, self.version)
    }

    pub fn encode(&self) -> Result<KeyHandle, ProviderError> {
        serde_json::to_vec(self)
            .map(KeyHandle)
            .map_err(|_| ProviderError::InvalidInput("handle"))
    }

    /// Decodes `h` and checks it belongs to `ctx` (else `Crypto`).
    pub fn open(ctx: &KeyContext, h: &KeyHandle) -> Result<Self, ProviderError> {
        let me: Self = serde_json::from_slice(&h.0).map_err(|_| ProviderError::Crypto)?;
        let key_ok = !me.kms_key.is_empty()
            && me.kms_key.len() <= 256
            && me
                .kms_key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-:/_".contains(c));
        if !key_ok
            || me.tenant != ctx.tenant.as_str()
            || me.key_id != ctx.key_id.to_string()
            || me.version != ctx.version
            || me.algorithm != ctx.algorithm.as_str()
        {
            return Err(ProviderError::Crypto);
        }
        Ok(me)
    }
}
