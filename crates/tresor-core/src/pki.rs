//! Certificates and certificate authorities as objects of a tenant.

use crate::ids::{CertId, KeyId, TenantId};
use crate::time::Timestamp;

/// A stored certificate: issued by a Tresor CA, self-signed for a Tresor
/// key, or imported. The DER is the truth; the other fields index it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRecord {
    pub tenant: TenantId,
    pub id: CertId,
    /// Lowercase hex without separators or leading zero bytes.
    pub serial: String,
    pub subject: String,
    pub issuer: String,
    /// `dns:…`, `ip:…`, `email:…`, `uri:…`.
    pub sans: Vec<String>,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    /// The Tresor key holding the certificate's private key, if any.
    pub key_id: Option<KeyId>,
    /// The Tresor CA (by name) that issued it, if any.
    pub ca: Option<String>,
    pub is_ca: bool,
    /// A trust anchor of the tenant.
    pub trust_anchor: bool,
    /// How it got here: `issued`, `self-signed` or `imported`.
    pub origin: String,
    pub der: Vec<u8>,
    pub revoked_at: Option<Timestamp>,
    pub revocation_reason: Option<String>,
    pub created_at: Timestamp,
}

/// A certificate authority of a tenant: a Tresor key and its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaRecord {
    pub tenant: TenantId,
    /// Unique per tenant; the CA's name in URLs.
    pub name: String,
    pub key_id: KeyId,
    /// The CA's own certificate.
    pub cert_id: CertId,
    /// The issuing CA's name (None for a root).
    pub parent: Option<String>,
    /// DNS names leaf certificates may carry (empty: any).
    pub allowed_domains: Vec<String>,
    /// Number of the current CRL (0: none yet).
    pub crl_number: u64,
    pub crl: Option<Vec<u8>>,
    pub crl_updated_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// Which certificates to list. Text fields match case-insensitive
/// substrings; `serial` matches exactly (lowercase hex).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateFilter {
    pub subject: Option<String>,
    pub san: Option<String>,
    pub serial: Option<String>,
    pub issuer: Option<String>,
    /// Issued by this Tresor CA.
    pub ca: Option<String>,
    /// `not_after` at or before this time.
    pub expires_before: Option<Timestamp>,
    pub trust_anchor: Option<bool>,
    pub revoked: Option<bool>,
    /// Only ids after this one (paging in id order).
    pub after: Option<CertId>,
    /// 0: the default (100); at most 1000.
    pub limit: u32,
}
