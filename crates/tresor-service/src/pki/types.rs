//! Inputs and outputs of the PKI operations.

use tresor_core::{Algorithm, CaRecord, CertificateRecord, KeyId, ProviderId};

/// Subject DN and alternative names.
#[derive(Debug, Clone, Default)]
pub struct NameSpec {
    /// e.g. `CN=api.example.com,O=Example`.
    pub subject: String,
    pub dns: Vec<String>,
    pub ip: Vec<String>,
    pub email: Vec<String>,
    pub uri: Vec<String>,
}

/// A PKCS#10 request for a Tresor key.
#[derive(Debug, Clone, Default)]
pub struct CsrRequest {
    pub names: NameSpec,
    /// Key usage names (`digital-signature`, `key-encipherment`, ...).
    pub key_usages: Vec<String>,
    /// Extended key usage names (`server-auth`, `client-auth`, ...).
    pub ext_key_usages: Vec<String>,
}

/// A self-signed certificate for a Tresor key.
#[derive(Debug, Clone, Default)]
pub struct SelfSignRequest {
    pub names: NameSpec,
    pub key_usages: Vec<String>,
    pub ext_key_usages: Vec<String>,
    pub validity_days: u32,
    pub is_ca: bool,
}

/// A new CA: a key generated in Tresor and its certificate, self-signed
/// (root) or signed by `parent`.
#[derive(Debug, Clone)]
pub struct CreateCaRequest {
    pub name: String,
    pub algorithm: Algorithm,
    pub subject: String,
    pub validity_days: u32,
    pub parent: Option<String>,
    pub provider: Option<ProviderId>,
    /// Intermediate CAs allowed below this one.
    pub path_len: Option<u8>,
    /// DNS domains leaf certificates may name (also written as name
    /// constraints into the CA certificate); empty: any.
    pub allowed_domains: Vec<String>,
}

/// A CSR to sign under a profile.
#[derive(Debug, Clone)]
pub struct SignCsrRequest {
    pub csr_pem: String,
    pub profile: String,
    /// Default and maximum: the profile's.
    pub validity_days: Option<u32>,
}

/// Generate a key in Tresor and issue its certificate in one call.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    pub algorithm: Algorithm,
    pub profile: String,
    pub names: NameSpec,
    pub validity_days: Option<u32>,
    pub provider: Option<ProviderId>,
    /// The generated key may later leave Tresor (PKCS#12 export).
    pub exportable: bool,
}

/// An issued (or stored) certificate with its chain (issuers up to the
/// root, nearest first, DER).
#[derive(Debug, Clone)]
pub struct Issued {
    pub certificate: CertificateRecord,
    pub chain: Vec<Vec<u8>>,
    /// The key generated for it (generate-and-issue).
    pub key_id: Option<KeyId>,
}

/// A CA with its certificate and chain.
#[derive(Debug, Clone)]
pub struct CaDetails {
    pub ca: CaRecord,
    pub certificate: CertificateRecord,
    pub chain: Vec<Vec<u8>>,
    /// The provider holding the CA key.
    pub key_provider: String,
}
