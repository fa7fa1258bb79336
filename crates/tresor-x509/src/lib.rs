//! X.509 for Tresor: PKCS#10 requests, certificates and CRLs built with
//! rcgen, whose signatures come from a key that never leaves its provider.
//!
//! Building is two-step: [`Unsigned`] holds the to-be-signed bytes (what the
//! provider must sign) and [`Unsigned::finish`] puts the provider's signature
//! in place. Nothing here does I/O or holds private key material.

mod aia;
mod build;
mod dn;
mod error;
mod inspect;
mod ocsp;
mod profile;
mod sign;

pub use aia::PkiUrls;
pub use build::{
    CaSpec, CertSpec, CrlEntry, Issuing, Subject, build_crl, csr, issue, issue_for_csr, self_signed,
};
pub use dn::parse_dn;
pub use error::X509Error;
pub use inspect::{CertInfo, CsrInfo, KeyKind, csr_key, parse_cert, parse_csr, pem_to_ders};
pub use ocsp::{
    CertIdHash, OcspCertId, OcspRequest, OcspStatus, issuer_parts, ocsp_error, ocsp_response,
    ocsp_response_data, parse_ocsp_request,
};
pub use profile::{Profile, ProfileRules};
pub use rcgen::{ExtendedKeyUsagePurpose, KeyUsagePurpose, RevocationReason, SanType};
pub use sign::{SigAlg, SignerKey, Unsigned};
