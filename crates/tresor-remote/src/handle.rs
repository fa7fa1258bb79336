//! The handle of a remote key version: the remote key id and the local key
//! version it was created for. Using it for another version is refused as
//! a crypto failure, as every provider does.

use serde::{Deserialize, Serialize};
use tresor_core::{KeyContext, KeyHandle, ProviderError};

/// What the handle holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteHandle {
    /// The key's id in the remote Tresor.
    pub remote_key: String,
    pub tenant: String,
    pub key_id: String,
    pub version: u32,
    pub algorithm: String,
}

impl RemoteHandle {
    /// The handle for a new remote key made for `ctx`.
    pub fn new(ctx: &KeyContext, remote_key: String) -> Self {
        Self {
            remote_key,
            tenant: ctx.tenant.to_string(),
            key_id: ctx.key_id.to_string(),
            version: ctx.version,
            algorithm: ctx.algorithm.as_str().to_owned(),
        }
    }

    /// Encodes it.
    pub fn encode(&self) -> Result<KeyHandle, ProviderError> {
        serde_json::to_vec(self)
            .map(KeyHandle)
            .map_err(|_| ProviderError::InvalidInput("handle"))
    }

    /// Decodes `h` and checks it belongs to `ctx` (else `Crypto`).
    pub fn open(ctx: &KeyContext, h: &KeyHandle) -> Result<Self, ProviderError> {
        let me: Self = serde_json::from_slice(&h.0).map_err(|_| ProviderError::Crypto)?;
        let remote_ok = !me.remote_key.is_empty()
            && me.remote_key.len() <= 64
            && me
                .remote_key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !remote_ok
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
