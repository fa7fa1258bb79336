//! A CA whose certificate an external CA signed: the key is a Tresor key
//! (any provider), its CSR went out (`POST /v1/keys/{key}/csr`), and the
//! signed certificate comes back here to make it an issuing Tresor CA.

use tresor_core::{Action, CaRecord, Caller, Change};
use tresor_x509::{parse_cert, pem_to_ders};

use super::cas::check_name;
use super::signing::cert_record;
use super::types::CaDetails;
use super::x509_err;
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::resolve::KeyRef;

impl Kms {
    /// Registers `certificate_pem` (a CA certificate for `key`, signed by
    /// anyone) as the CA `name`: it must be a CA certificate whose public
    /// key is the key's. Its first CRL is made at once.
    pub async fn import_ca(
        &self,
        caller: &Caller,
        name: &str,
        key: &KeyRef,
        certificate_pem: &str,
    ) -> Result<CaDetails> {
        let (mut op, allowed) = self.begin(caller, Action::CaCreate);
        op.object(format!("ca:{name}"));
        op.detail("imported", true);
        let result = async {
            allowed?;
            check_name(name)?;
            if self.store().get_ca(&caller.tenant, name).await?.is_some() {
                return Err(ServiceError::AlreadyExists { what: "CA" });
            }
            self.check_quota(caller, crate::secrets::quotas::QuotaKind::Cas)
                .await?;
            let der = pem_to_ders(certificate_pem, "CERTIFICATE")
                .map_err(x509_err("certificate_pem"))?
                .into_iter()
                .next()
                .ok_or_else(|| ServiceError::invalid("certificate_pem", "no CERTIFICATE block"))?;
            let info = parse_cert(&der).map_err(x509_err("certificate_pem"))?;
            if !info.is_ca {
                return Err(ServiceError::invalid(
                    "certificate_pem",
                    "not a CA certificate (basicConstraints CA:TRUE is required)",
                ));
            }
            let k = self.load_key(&caller.tenant, key).await?;
            let v = self
                .store()
                .get_version(&k.tenant, &k.id, k.primary_version)
                .await?
                .ok_or(ServiceError::NotFound {
                    what: "key version",
                })?;
            if v.public_key.as_deref() != Some(&info.spki_der[..]) {
                return Err(ServiceError::invalid(
                    "certificate_pem",
                    "the certificate is not for this key (public keys differ)",
                ));
            }
            let signer = self.key_signer(k).await?;
            op.object(format!("ca:{name}"));
            op.detail("key", signer.key.id.to_string());
            let now = self.now();
            if info.not_after <= now.unix_seconds() {
                return Err(ServiceError::invalid(
                    "certificate_pem",
                    "the certificate has expired",
                ));
            }
            let mut cert = cert_record(caller, der, now, "imported")?;
            cert.key_id = Some(signer.key.id);
            let crl = self.make_crl(&cert, &signer, &[], 1, now).await?;
            let ca = CaRecord {
                tenant: caller.tenant.clone(),
                name: name.to_owned(),
                key_id: signer.key.id,
                cert_id: cert.id,
                parent: None,
                allowed_domains: Vec::new(),
                crl_number: 1,
                crl: Some(crl),
                crl_updated_at: Some(now),
                created_at: now,
            };
            self.commit(
                &mut op,
                vec![
                    Change::CreateCertificate(cert.clone()),
                    Change::CreateCa(ca.clone()),
                ],
            )
            .await?;
            Ok(CaDetails {
                key_provider: signer.key.provider.to_string(),
                ca,
                certificate: cert,
                chain: Vec::new(),
            })
        }
        .await;
        self.finish(op, result).await
    }
}
