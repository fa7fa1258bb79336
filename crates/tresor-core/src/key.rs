//! Keys and their versions, as the store keeps them (metadata and provider
//! handles only: a handle is a wrapped blob or a reference, never plaintext).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::algorithm::{Algorithm, Operation};
use crate::ids::{Alias, KeyId, ProviderId, TenantId};
use crate::state::{KeyState, RevocationReason};
use crate::time::Timestamp;

/// A key's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub id: KeyId,
    pub tenant: TenantId,
    pub alias: Option<Alias>,
    pub description: String,
    pub algorithm: Algorithm,
    pub operations: BTreeSet<Operation>,
    pub provider: ProviderId,
    pub state: KeyState,
    /// The version that encrypts and signs.
    pub primary_version: u32,
    pub tags: BTreeMap<String, String>,
    /// Whether the material may leave the provider (wrapped under another key).
    pub exportable: bool,
    /// Whether the public key is listed in the tenant's JWKS.
    pub publish_jwk: bool,
    /// Internal keys (e.g. the tenant's import wrapping key) are hidden from listings.
    pub internal: bool,
    /// Where the material came from.
    pub origin: KeyOrigin,
    pub rotation_period_secs: Option<i64>,
    pub next_rotation_at: Option<Timestamp>,
    /// When a scheduled destroy will happen (pending window).
    pub destroy_at: Option<Timestamp>,
    pub revocation_reason: Option<RevocationReason>,
    pub revocation_message: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub activated_at: Option<Timestamp>,
    pub deactivated_at: Option<Timestamp>,
    pub destroyed_at: Option<Timestamp>,
    /// Optimistic-concurrency counter, bumped by the store on every update.
    pub revision: u64,
}

/// Where a key's material came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum KeyOrigin {
    /// Generated inside the provider.
    Generated,
    /// Imported (BYOK).
    Imported,
    /// An existing provider-side key (e.g. an HSM key found by label),
    /// registered without moving its material.
    Registered,
}

impl KeyOrigin {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyOrigin::Generated => "generated",
            KeyOrigin::Imported => "imported",
            KeyOrigin::Registered => "registered",
        }
    }
}

/// State of one version of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum VersionState {
    /// Usable (subject to the key's state).
    Enabled,
    /// Not usable, reversible.
    Disabled,
    /// Material erased.
    Destroyed,
}

impl VersionState {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionState::Enabled => "enabled",
            VersionState::Disabled => "disabled",
            VersionState::Destroyed => "destroyed",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "enabled" => Some(VersionState::Enabled),
            "disabled" => Some(VersionState::Disabled),
            "destroyed" => Some(VersionState::Destroyed),
            _ => None,
        }
    }
}

/// One version of a key: its own material (through the provider handle).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRecord {
    pub tenant: TenantId,
    pub key_id: KeyId,
    pub version: u32,
    pub state: VersionState,
    /// Provider handle: wrapped material (software) or an object reference
    /// (HSM). Empty once destroyed.
    pub handle: Vec<u8>,
    /// SubjectPublicKeyInfo DER of asymmetric keys (public, safe to keep).
    pub public_key: Option<Vec<u8>>,
    pub created_at: Timestamp,
    pub destroyed_at: Option<Timestamp>,
}

/// Filters for listing keys (all optional, combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyFilter {
    pub alias_prefix: Option<String>,
    pub algorithm: Option<Algorithm>,
    pub state: Option<KeyState>,
    /// `(name, value)`: the key carries this tag with this value.
    pub tag: Option<(String, String)>,
    /// Include internal keys (never for API listings).
    pub include_internal: bool,
}

/// A page request: items after `after` (exclusive), at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<KeyId>,
    pub limit: u32,
}

/// One page of results and the cursor for the next, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<KeyId>,
}
