//! The tenant crypto policy: `GET/PUT /v1/tenants/{id}/crypto-policy`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `PUT /v1/tenants/{id}/crypto-policy`: the whole policy (replaces the
/// previous one). Omitted lists are empty, omitted limits unset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CryptoPolicyRequest {
    /// `enforce` (violations refused) or `audit` (logged and audited, allowed).
    pub mode: String,
    /// When not empty, keys may only use these algorithms (e.g. `aes-256-gcm`).
    #[serde(default)]
    pub allowed_algorithms: Vec<String>,
    /// Keys may never use these algorithms.
    #[serde(default)]
    pub forbidden_algorithms: Vec<String>,
    /// Minimum RSA modulus size in bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_rsa_bits: Option<u32>,
    /// Minimum elliptic-curve size in bits (P-256 is 256; Ed25519 and X25519 count as 256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ec_bits: Option<u32>,
    /// Minimum symmetric and HMAC key size in bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_symmetric_bits: Option<u32>,
    /// Every key must live in a hardware-backed provider.
    #[serde(default)]
    pub require_hardware: bool,
    /// Keys of these algorithms must live in a hardware-backed provider.
    #[serde(default)]
    pub hardware_algorithms: Vec<String>,
    /// Keys whose primary version is older (1-3650 days) are rotated by the
    /// scheduler (`enforce`) or reported (`audit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_key_age_days: Option<u32>,
}

/// A tenant's crypto policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CryptoPolicyResponse {
    pub tenant: String,
    /// The policy as set.
    pub policy: CryptoPolicyRequest,
    /// When it was last set (RFC 3339).
    pub updated_at: String,
}
