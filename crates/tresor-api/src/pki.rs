//! Certificates and PKI bodies (`/v1/cas`, `/v1/certificates`, CSRs and
//! self-signed certificates for keys). Certificates travel as PEM.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/keys/{key}/csr`: a PKCS#10 request for the key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CsrRequest {
    /// Distinguished name, e.g. `CN=api.example.com,O=Example,C=DE`
    /// (CN, O, OU, C, ST, L).
    pub subject: String,
    #[serde(default)]
    pub dns: Vec<String>,
    #[serde(default)]
    pub ip: Vec<String>,
    #[serde(default)]
    pub email: Vec<String>,
    #[serde(default)]
    pub uri: Vec<String>,
    /// `digital-signature`, `content-commitment`, `key-encipherment`,
    /// `data-encipherment`, `key-agreement`, `key-cert-sign`, `crl-sign`.
    #[serde(default)]
    pub key_usages: Vec<String>,
    /// `server-auth`, `client-auth`, `code-signing`, `email-protection`,
    /// `time-stamping`, `ocsp-signing`.
    #[serde(default)]
    pub ext_key_usages: Vec<String>,
}

/// The CSR, PEM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CsrResponse {
    pub csr: String,
}

/// `POST /v1/keys/{key}/self-signed`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfSignedRequest {
    pub subject: String,
    #[serde(default)]
    pub dns: Vec<String>,
    #[serde(default)]
    pub ip: Vec<String>,
    #[serde(default)]
    pub email: Vec<String>,
    #[serde(default)]
    pub uri: Vec<String>,
    #[serde(default)]
    pub key_usages: Vec<String>,
    #[serde(default)]
    pub ext_key_usages: Vec<String>,
    /// 1 to 3650.
    pub validity_days: u32,
    /// Mark it a CA certificate (CA:TRUE).
    #[serde(default)]
    pub is_ca: bool,
}

/// `POST /v1/cas/import`: an issuing CA whose certificate an external CA
/// signed (for a Tresor key, from its CSR).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportCaRequest {
    /// The CA's name (lowercase letters, digits, `-`, `_`; 1-63).
    pub name: String,
    /// The Tresor key the certificate is for (id or `alias:…`).
    pub key: String,
    /// The signed CA certificate (PEM); the first CERTIFICATE block is used.
    pub certificate_pem: String,
}

/// `POST /v1/cas`: a root CA, or an intermediate signed by `parent`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCaRequest {
    /// Lowercase letters, digits, `-`, `_` (1-63); the CA's name in URLs.
    pub name: String,
    /// `rsa-2048`, `rsa-3072`, `rsa-4096`, `ec-p256`, `ec-p384`, `ed25519`.
    pub algorithm: String,
    pub subject: String,
    pub validity_days: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Provider of the CA key (default: the default provider).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Intermediate CAs allowed below this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_len: Option<u8>,
    /// DNS domains leaf certificates may name; also written as name
    /// constraints into the CA certificate. Empty: any.
    #[serde(default)]
    pub allowed_domains: Vec<String>,
}

/// A CA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaSummary {
    pub name: String,
    pub key_id: String,
    pub certificate_id: String,
    #[serde(default)]
    pub parent: Option<String>,
    pub allowed_domains: Vec<String>,
    pub crl_number: u64,
    #[serde(default)]
    pub crl_updated_at: Option<String>,
    pub created_at: String,
}

/// A CA with its certificate and chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaResponse {
    pub ca: CaSummary,
    pub certificate: CertificateResponse,
    /// Issuers of the CA certificate up to the root, PEM, nearest first.
    pub chain_pem: String,
    /// The provider holding the CA key (the key itself is internal: it
    /// signs only through the CA operations).
    pub key_provider: String,
}

/// `GET /v1/cas`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CaListResponse {
    pub cas: Vec<CaSummary>,
}

/// `POST /v1/cas/{ca}/sign`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignCsrRequest {
    /// The PKCS#10 request, PEM.
    pub csr: String,
    /// `server-tls`, `client-tls`, `code-signing`, `email` or `ca`.
    pub profile: String,
    /// Default and maximum: the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_days: Option<u32>,
}

/// `POST /v1/cas/{ca}/issue`: generate a key in Tresor and issue its
/// certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    pub algorithm: String,
    pub profile: String,
    pub subject: String,
    #[serde(default)]
    pub dns: Vec<String>,
    #[serde(default)]
    pub ip: Vec<String>,
    #[serde(default)]
    pub email: Vec<String>,
    #[serde(default)]
    pub uri: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The generated key may later leave Tresor as PKCS#12
    /// (`POST /v1/certificates/{id}/pkcs12`). Default false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exportable: bool,
}

/// A stored certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CertificateResponse {
    pub id: String,
    /// Lowercase hex.
    pub serial: String,
    pub subject: String,
    pub issuer: String,
    /// `dns:…`, `ip:…`, `email:…`, `uri:…`.
    pub sans: Vec<String>,
    pub not_before: String,
    pub not_after: String,
    #[serde(default)]
    pub key_id: Option<String>,
    /// The Tresor CA that issued it.
    #[serde(default)]
    pub ca: Option<String>,
    pub is_ca: bool,
    pub trust_anchor: bool,
    /// `issued`, `self-signed` or `imported`.
    pub origin: String,
    #[serde(default)]
    pub revoked_at: Option<String>,
    #[serde(default)]
    pub revocation_reason: Option<String>,
    pub created_at: String,
    pub pem: String,
}

/// An issued (or read) certificate with its chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IssuedResponse {
    pub certificate: CertificateResponse,
    /// The certificate, PEM.
    pub certificate_pem: String,
    /// Issuers up to the root, PEM, nearest first.
    pub chain_pem: String,
    /// The key generated for it (generate-and-issue) or its Tresor key.
    #[serde(default)]
    pub key_id: Option<String>,
}

/// `GET /v1/certificates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CertificateListResponse {
    pub certificates: Vec<CertificateResponse>,
}

/// `POST /v1/certificates/import`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportCertificatesRequest {
    /// One or more certificates, PEM.
    pub pem: String,
    /// Store them as trust anchors of the tenant.
    #[serde(default)]
    pub trust_anchor: bool,
}

/// `POST /v1/certificates/{id}/revoke`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeCertificateRequest {
    /// `unspecified`, `key-compromise`, `ca-compromise`,
    /// `affiliation-changed`, `superseded`, `cessation-of-operation`,
    /// `certificate-hold`, `privilege-withdrawn`.
    pub reason: String,
}

/// `POST /v1/certificates/{id}/pkcs12`: the password protecting the file
/// (8 to 1024 characters). Sent in the body, never in the URL.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pkcs12Request {
    pub password: String,
}

impl std::fmt::Debug for Pkcs12Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pkcs12Request { password: [REDACTED] }")
    }
}

impl Drop for Pkcs12Request {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.password);
    }
}
