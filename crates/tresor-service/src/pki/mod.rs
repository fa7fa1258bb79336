//! Certificates and PKI in the service: CSRs and self-signed certificates
//! for Tresor keys, CAs (root and intermediate), issuance under profiles,
//! the tenant's certificate store, revocation and CRLs. Every signature is
//! made by the key's provider; private keys never leave it.

pub mod alerts;
mod cas;
mod certs;
mod import_ca;
mod issue;
mod ocsp;
mod p12;
mod public;
mod refresh;
mod signing;
pub mod types;

pub use public::PUBLIC_PRINCIPAL;

pub use types::{
    CaDetails, CreateCaRequest, CsrRequest, IssueRequest, Issued, NameSpec, SelfSignRequest,
    SignCsrRequest,
};

use tresor_x509::X509Error;

use crate::error::ServiceError;

/// Longest validity of anything Tresor issues (also bounded per profile).
pub(crate) const MAX_VALIDITY_DAYS: u32 = 3650;

/// Largest PEM input (CSR or certificate bundle).
pub(crate) const MAX_PEM: usize = 256 * 1024;

/// Most certificates in one import.
pub(crate) const MAX_IMPORT: usize = 50;

pub(crate) fn x509_err(field: &'static str) -> impl Fn(X509Error) -> ServiceError {
    move |e| match e {
        X509Error::Policy(m) => ServiceError::ProfileViolation(m),
        X509Error::Unsupported(a) => ServiceError::UnsupportedAlgorithm(a.to_owned()),
        X509Error::Invalid(m) => ServiceError::invalid(field, m),
        other => {
            tracing::warn!(error = %other, "X.509 build failed");
            ServiceError::Internal("X.509 build failed")
        }
    }
}
