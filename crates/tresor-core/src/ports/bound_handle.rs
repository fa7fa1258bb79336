//! A handle for providers whose keys live in another service (a remote
//! Tresor, a cloud KMS): the service's reference to the key plus the key
//! version it was made for. Opening it for any other version is the opaque
//! `Crypto` failure, so a handle copied onto another key is useless.

use serde::{Deserialize, Serialize};

use super::provider::{KeyContext, KeyHandle, ProviderError};

/// Longest reference accepted.
const MAX_REFERENCE: usize = 256;

/// What the handle holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundHandle {
    /// The key's id in the other service.
    pub reference: String,
    pub tenant: String,
    pub key_id: String,
    pub version: u32,
    pub algorithm: String,
}

impl BoundHandle {
    /// The handle of `reference`, made for `ctx`.
    pub fn new(ctx: &KeyContext, reference: String) -> Self {
        Self {
            reference,
            tenant: ctx.tenant.to_string(),
            key_id: ctx.key_id.to_string(),
            version: ctx.version,
            algorithm: ctx.algorithm.as_str().to_owned(),
        }
    }

    /// `<tenant>/<key>/v<version>`: what the handle is bound to.
    pub fn binding(&self) -> String {
        format!("{}/{}/v{}", self.tenant, self.key_id, self.version)
    }

    /// The stored form.
    pub fn encode(&self) -> Result<KeyHandle, ProviderError> {
        serde_json::to_vec(self)
            .map(KeyHandle)
            .map_err(|_| ProviderError::InvalidInput("handle"))
    }

    /// Decodes `h` and checks it belongs to `ctx` (else `Crypto`).
    pub fn open(ctx: &KeyContext, h: &KeyHandle) -> Result<Self, ProviderError> {
        let me: Self = serde_json::from_slice(&h.0).map_err(|_| ProviderError::Crypto)?;
        let reference_ok = !me.reference.is_empty()
            && me.reference.len() <= MAX_REFERENCE
            && me
                .reference
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-:/_".contains(c));
        if !reference_ok
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Algorithm, KeyId, TenantId};

    fn ctx() -> KeyContext {
        KeyContext {
            tenant: TenantId::default_tenant(),
            key_id: KeyId::generate(),
            version: 2,
            algorithm: Algorithm::Aes256Gcm,
        }
    }

    #[test]
    fn opens_only_for_its_version() {
        let c = ctx();
        let h = BoundHandle::new(&c, "key-1".into()).encode().unwrap();
        assert_eq!(BoundHandle::open(&c, &h).unwrap().reference, "key-1");
        let others = [
            KeyContext {
                version: 3,
                ..c.clone()
            },
            KeyContext {
                key_id: KeyId::generate(),
                ..c.clone()
            },
            KeyContext {
                algorithm: Algorithm::Aes128Gcm,
                ..c.clone()
            },
        ];
        for o in others {
            assert!(matches!(
                BoundHandle::open(&o, &h),
                Err(ProviderError::Crypto)
            ));
        }
        let bad = BoundHandle::new(&c, "a b".into()).encode().unwrap();
        assert!(BoundHandle::open(&c, &bad).is_err());
        assert!(BoundHandle::open(&c, &KeyHandle(b"junk".to_vec())).is_err());
    }
}
