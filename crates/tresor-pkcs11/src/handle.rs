//! The [`KeyHandle`] of a PKCS#11 key version: a reference to token objects,
//! never key material.
//!
//! Layout (18 bytes): `0x01` (format) || algorithm code (u8) || `CKA_ID`
//! (16 random bytes). The objects are found by `CKA_ID` *and* `CKA_LABEL` =
//! `<prefix><tenant>/<key id>/v<version>`, so a handle presented with
//! another tenant, key, version or algorithm finds nothing and fails with
//! the opaque [`ProviderError::Crypto`], as the software provider's does.

use tresor_core::{Algorithm, KeyContext, KeyHandle, ProviderError};

/// Format byte of a version-1 handle.
pub const HANDLE_V1: u8 = 0x01;
/// Length of a version-1 handle.
pub const HANDLE_LEN: usize = 18;

/// A decoded handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectRef {
    pub algorithm: Algorithm,
    pub id: [u8; 16],
}

impl ObjectRef {
    /// Encodes the handle.
    pub fn encode(&self) -> KeyHandle {
        let mut out = Vec::with_capacity(HANDLE_LEN);
        out.push(HANDLE_V1);
        out.push(self.algorithm.code());
        out.extend_from_slice(&self.id);
        KeyHandle(out)
    }

    /// Decodes a handle presented with `ctx`; a malformed handle or one of
    /// another algorithm is [`ProviderError::Crypto`].
    pub fn decode(ctx: &KeyContext, handle: &KeyHandle) -> Result<Self, ProviderError> {
        match handle.0.as_slice() {
            [HANDLE_V1, code, id @ ..] if *code == ctx.algorithm.code() => {
                let id: [u8; 16] = id.try_into().map_err(|_| ProviderError::Crypto)?;
                Ok(Self {
                    algorithm: ctx.algorithm,
                    id,
                })
            }
            _ => Err(ProviderError::Crypto),
        }
    }
}

/// Format byte of a handle of a registered (pre-existing) token key:
/// `0x02 || algorithm code || CKA_LABEL (UTF-8)`. The store binds it to
/// its key; the objects are found by class and label.
pub const HANDLE_REGISTERED: u8 = 0x02;

/// Where a handle's objects are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locator {
    /// Made by Tresor: `CKA_ID` and the context's label.
    Owned { id: [u8; 16], label: String },
    /// Registered: found by label only.
    Registered { label: String },
}

/// The handle of a registered token key.
pub fn registered(algorithm: Algorithm, label: &str) -> KeyHandle {
    let mut out = vec![HANDLE_REGISTERED, algorithm.code()];
    out.extend_from_slice(label.as_bytes());
    KeyHandle(out)
}

/// Decodes either kind of handle presented with `ctx`.
pub fn locate(
    prefix: &str,
    ctx: &KeyContext,
    handle: &KeyHandle,
) -> Result<Locator, ProviderError> {
    match handle.0.as_slice() {
        [HANDLE_REGISTERED, code, label @ ..] if *code == ctx.algorithm.code() => {
            let label = std::str::from_utf8(label).map_err(|_| ProviderError::Crypto)?;
            if label.is_empty() {
                return Err(ProviderError::Crypto);
            }
            Ok(Locator::Registered {
                label: label.to_owned(),
            })
        }
        _ => Ok(Locator::Owned {
            id: ObjectRef::decode(ctx, handle)?.id,
            label: label(prefix, ctx),
        }),
    }
}

/// `CKA_LABEL` of a key version's objects.
pub fn label(prefix: &str, ctx: &KeyContext) -> String {
    format!("{prefix}{}/{}/v{}", ctx.tenant, ctx.key_id, ctx.version)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tresor_core::{KeyId, TenantId};

    #[test]
    fn round_trip_and_rejects() {
        let ctx = KeyContext {
            tenant: TenantId::parse("acme").unwrap(),
            key_id: KeyId::generate(),
            version: 3,
            algorithm: Algorithm::EcP256,
        };
        let r = ObjectRef {
            algorithm: Algorithm::EcP256,
            id: [7; 16],
        };
        let h = r.encode();
        assert_eq!(h.0.len(), HANDLE_LEN);
        assert_eq!(ObjectRef::decode(&ctx, &h).unwrap(), r);
        let other = KeyContext {
            algorithm: Algorithm::EcP384,
            ..ctx.clone()
        };
        assert!(ObjectRef::decode(&other, &h).is_err());
        assert!(ObjectRef::decode(&ctx, &KeyHandle(h.0[..17].to_vec())).is_err());
        assert!(ObjectRef::decode(&ctx, &KeyHandle(vec![])).is_err());
        assert_eq!(label("t-", &ctx), format!("t-acme/{}/v3", ctx.key_id));
    }
}
