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

/// A time comparison (Barbican's `gt:`, `gte:`, `lt:`, `lte:` or exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFilter {
    Eq(Timestamp),
    Gt(Timestamp),
    Gte(Timestamp),
    Lt(Timestamp),
    Lte(Timestamp),
}

impl TimeFilter {
    /// The SQL operator and the time.
    pub fn sql(self) -> (&'static str, Timestamp) {
        match self {
            TimeFilter::Eq(t) => ("=", t),
            TimeFilter::Gt(t) => (">", t),
            TimeFilter::Gte(t) => (">=", t),
            TimeFilter::Lt(t) => ("<", t),
            TimeFilter::Lte(t) => ("<=", t),
        }
    }
}

/// A sort key for secret listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSort {
    Created,
    Updated,
    Expiration,
    Mode,
    Name,
    SecretType,
    State,
}

impl SecretSort {
    /// Parses Barbican's sort key names (`status` is the state).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "created" => SecretSort::Created,
            "updated" => SecretSort::Updated,
            "expiration" => SecretSort::Expiration,
            "mode" => SecretSort::Mode,
            "name" => SecretSort::Name,
            "secret_type" => SecretSort::SecretType,
            "status" | "state" => SecretSort::State,
            _ => return None,
        })
    }

    /// The column it sorts by.
    pub fn column(self) -> &'static str {
        match self {
            SecretSort::Created => "created_at",
            SecretSort::Updated => "updated_at",
            SecretSort::Expiration => "expiration",
            SecretSort::Mode => "mode",
            SecretSort::Name => "name",
            SecretSort::SecretType => "secret_type",
            SecretSort::State => "state",
        }
    }
}

/// Which of a tenant's secrets to list or count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretFilter {
    /// Exact name.
    pub name: Option<String>,
    pub secret_type: Option<String>,
    pub algorithm: Option<String>,
    pub mode: Option<String>,
    pub bit_length: Option<u32>,
    pub created: Vec<TimeFilter>,
    pub updated: Vec<TimeFilter>,
    pub expiration: Vec<TimeFilter>,
    /// Sort keys, each with `true` for descending; the id breaks ties.
    /// Empty: id order.
    pub sort: Vec<(SecretSort, bool)>,
    /// Only ids after this one (keyset paging in id order; not combined
    /// with `sort` or `offset`).
    pub after: Option<SecretId>,
    /// Secrets to skip (offset paging).
    pub offset: u32,
    /// 0: the default (100); at most 1000. Ignored by counting.
    pub limit: u32,
}
