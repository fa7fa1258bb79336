//! Stored secrets (passphrases, certificates, private keys, opaque blobs):
//! objects of a tenant whose payload Tresor hands back to authorized callers.
//! The payload is only ever stored encrypted (see `docs/secrets.md`).

use std::collections::BTreeMap;

use crate::ids::{KeyId, SecretId, TenantId};
use crate::time::Timestamp;

/// A stored secret. `payload` is `nonce || ciphertext || tag` under a
/// per-secret data key; `wrapped_key` is that data key sealed by the tenant
/// key `wrapping_key`. A secret without a payload (two-step create) has
/// neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRecord {
    pub tenant: TenantId,
    pub id: SecretId,
    pub name: Option<String>,
    /// `symmetric`, `public`, `private`, `passphrase`, `certificate`, `opaque`.
    pub secret_type: String,
    pub algorithm: Option<String>,
    pub bit_length: Option<u32>,
    pub mode: Option<String>,
    /// The payload's content type (e.g. `text/plain`).
    pub content_type: Option<String>,
    /// After this time the payload can no longer be read.
    pub expiration: Option<Timestamp>,
    pub metadata: BTreeMap<String, String>,
    /// The principal that created it.
    pub created_by: String,
    /// `ACTIVE` (Barbican's state names).
    pub state: String,
    pub wrapping_key: Option<KeyId>,
    pub wrapped_key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Optimistic concurrency counter, incremented by every update.
    pub revision: u64,
}

/// Which of a tenant's secrets to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretFilter {
    /// Exact name.
    pub name: Option<String>,
    pub secret_type: Option<String>,
    /// Only ids after this one (paging in id order).
    pub after: Option<SecretId>,
    /// 0: the default (100); at most 1000.
    pub limit: u32,
}
