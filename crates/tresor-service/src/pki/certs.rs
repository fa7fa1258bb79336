//! The tenant's certificate store: listing and searching, reading with the
//! chain, importing certificates and trust anchors, revoking.

use tresor_core::{Action, Caller, CertId, CertificateFilter, CertificateRecord, Change};
use tresor_x509::pem_to_ders;

use super::cas::reason;
use super::signing::cert_record;
use super::types::Issued;
use super::{MAX_IMPORT, MAX_PEM, x509_err};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;

impl Kms {
    /// Certificates matching `filter` (expiry window: `expires_before`).
    pub async fn list_certificates(
        &self,
        caller: &Caller,
        filter: CertificateFilter,
    ) -> Result<Vec<CertificateRecord>> {
        let (op, allowed) = self.begin(caller, Action::CertList);
        let result = async {
            allowed?;
            Ok(self
                .store()
                .list_certificates(&caller.tenant, &filter)
                .await?)
        }
        .await;
        self.finish(op, result).await
    }

    /// One certificate with its chain (for certificates of a Tresor CA).
    pub async fn get_certificate(&self, caller: &Caller, id: &CertId) -> Result<Issued> {
        let (mut op, allowed) = self.begin(caller, Action::CertGet);
        op.object(id);
        let result = async {
            allowed?;
            let certificate = self.load_cert(caller, id).await?;
            let chain = self
                .chain_of(&caller.tenant, certificate.ca.as_deref())
                .await?;
            Ok(Issued {
                key_id: certificate.key_id,
                certificate,
                chain,
            })
        }
        .await;
        self.finish(op, result).await
    }

    async fn load_cert(&self, caller: &Caller, id: &CertId) -> Result<CertificateRecord> {
        self.store()
            .get_certificate(&caller.tenant, id)
            .await?
            .ok_or(ServiceError::NotFound {
                what: "certificate",
            })
    }

    /// Imports every certificate of a PEM bundle (a chain, or trust anchors
    /// when `trust_anchor`). All or nothing.
    pub async fn import_certificates(
        &self,
        caller: &Caller,
        pem_text: &str,
        trust_anchor: bool,
    ) -> Result<Vec<CertificateRecord>> {
        let (mut op, allowed) = self.begin(caller, Action::CertImport);
        let result = async {
            allowed?;
            if pem_text.len() > MAX_PEM {
                return Err(ServiceError::PayloadTooLarge {
                    field: "pem",
                    limit: MAX_PEM,
                });
            }
            let ders = pem_to_ders(pem_text, "CERTIFICATE").map_err(x509_err("pem"))?;
            if ders.len() > MAX_IMPORT {
                return Err(ServiceError::invalid(
                    "pem",
                    format!("at most {MAX_IMPORT} certificates per import"),
                ));
            }
            let now = self.now();
            let mut recs = Vec::new();
            for der in ders {
                let mut r = cert_record(caller, der, now, "imported")?;
                r.trust_anchor = trust_anchor;
                recs.push(r);
            }
            op.detail("count", recs.len());
            op.detail("trust_anchor", trust_anchor);
            op.detail(
                "serials",
                recs.iter().map(|r| r.serial.clone()).collect::<Vec<_>>(),
            );
            let changes = recs
                .iter()
                .cloned()
                .map(Change::CreateCertificate)
                .collect();
            self.commit(&mut op, changes).await?;
            Ok(recs)
        }
        .await;
        self.finish(op, result).await
    }

    /// Revokes a certificate; for one issued by a Tresor CA the CA's CRL is
    /// regenerated and stored in the same commit.
    pub async fn revoke_certificate(
        &self,
        caller: &Caller,
        id: &CertId,
        why: &str,
    ) -> Result<CertificateRecord> {
        let (mut op, allowed) = self.begin(caller, Action::CertRevoke);
        op.object(id);
        let result = async {
            allowed?;
            reason(why)?;
            let mut cert = self.load_cert(caller, id).await?;
            if cert.revoked_at.is_some() {
                return Err(ServiceError::AlreadyRevoked);
            }
            let now = self.now();
            op.detail("reason", why);
            op.detail("serial", cert.serial.clone());
            let mut changes = vec![Change::RevokeCertificate {
                tenant: caller.tenant.clone(),
                id: *id,
                at: now,
                reason: why.to_owned(),
            }];
            cert.revoked_at = Some(now);
            cert.revocation_reason = Some(why.to_owned());
            if let Some(ca_name) = cert.ca.clone() {
                let (ca, ca_cert, signer) = self.load_ca_signer(caller, &ca_name).await?;
                let mut revoked = self.revoked_of(&ca).await?;
                revoked.push(cert.clone());
                let number = ca.crl_number + 1;
                let crl = self
                    .make_crl(&ca_cert, &signer, &revoked, number, now)
                    .await?;
                op.detail("crl_number", number);
                changes.push(Change::UpdateCaCrl {
                    tenant: caller.tenant.clone(),
                    name: ca.name.clone(),
                    crl,
                    expected_number: ca.crl_number,
                    number,
                    at: now,
                });
            }
            self.commit(&mut op, changes).await?;
            Ok(cert)
        }
        .await;
        self.finish(op, result).await
    }
}
