//! The public face of a tenant's CAs for relying parties that hold no
//! Tresor credential: the CA certificate, the current CRL and OCSP, and
//! the URLs issued certificates carry to find them. Everything else stays
//! behind authentication.

use tresor_core::{Caller, RequestId, Role, TenantId};
use tresor_x509::PkiUrls;

use crate::error::{Result, ServiceError};
use crate::kms::Kms;

/// The principal public PKI reads are audited under.
pub const PUBLIC_PRINCIPAL: &str = "public:pki";

/// An unknown tenant reads like an unknown CA: nothing tells the two apart.
fn tenant_of(tenant: &str) -> Result<TenantId> {
    TenantId::parse(tenant).map_err(|_| ServiceError::NotFound { what: "CA" })
}

fn public_caller(tenant: TenantId, source: Option<String>) -> Caller {
    Caller {
        auth_time: None,
        principal: PUBLIC_PRINCIPAL.to_owned(),
        tenant,
        role: Role::Readonly,
        platform_admin: false,
        request_id: RequestId::generate(),
        source,
    }
}

impl Kms {
    /// The URLs certificates issued by CA `ca` of `tenant` point at, when a
    /// public base URL is configured.
    pub(crate) fn pki_urls(&self, tenant: &TenantId, ca: &str) -> Option<PkiUrls> {
        let base = self.config().pki_public_url.as_deref()?;
        let root = format!("{base}/pki/{tenant}/{ca}");
        Some(PkiUrls {
            crl: format!("{root}/crl"),
            ocsp: format!("{root}/ocsp"),
            ca_issuers: format!("{root}/ca.crt"),
        })
    }

    /// CA `ca`'s certificate (DER), for anyone.
    pub async fn public_ca_certificate(
        &self,
        tenant: &str,
        ca: &str,
        source: Option<String>,
    ) -> Result<Vec<u8>> {
        let caller = public_caller(tenant_of(tenant)?, source);
        Ok(self.get_ca(&caller, ca).await?.certificate.der)
    }

    /// CA `ca`'s current CRL (DER), for anyone.
    pub async fn public_crl(
        &self,
        tenant: &str,
        ca: &str,
        source: Option<String>,
    ) -> Result<Vec<u8>> {
        let caller = public_caller(tenant_of(tenant)?, source);
        self.ca_crl(&caller, ca).await
    }

    /// CA `ca`'s OCSP responder (DER request in, DER response out), for
    /// anyone.
    pub async fn public_ocsp(
        &self,
        tenant: &str,
        ca: &str,
        request: &[u8],
        source: Option<String>,
    ) -> Result<Vec<u8>> {
        let caller = public_caller(tenant_of(tenant)?, source);
        self.ocsp(&caller, ca, request).await
    }
}
