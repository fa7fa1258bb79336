//! Certificate authorities: creating roots and intermediates, reading them,
//! their chains, and their CRLs.

use tresor_core::{
    Action, CaRecord, Caller, CertificateFilter, CertificateRecord, Change, TenantId, Timestamp,
};
use tresor_x509::{
    CaSpec, CertSpec, CrlEntry, Issuing, RevocationReason, build_crl, issue, self_signed,
};

use super::issue::validity;
use super::signing::{KeySigner, cert_record, serial};
use super::types::{CaDetails, CreateCaRequest};
use super::x509_err;
use crate::error::{Result, ServiceError};
use crate::kms::Kms;

/// Longest chain followed (a loop guard).
const MAX_DEPTH: usize = 8;
/// How long a CRL is valid before the next one is due.
pub(crate) const CRL_VALIDITY_SECS: i64 = 7 * 86_400;

pub(super) fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "name",
            "1-63 characters: lowercase letters, digits, '-' and '_'",
        ))
    }
}

/// The wire name of a revocation reason, parsed.
pub(crate) fn reason(s: &str) -> Result<RevocationReason> {
    Ok(match s {
        "unspecified" => RevocationReason::Unspecified,
        "key-compromise" => RevocationReason::KeyCompromise,
        "ca-compromise" => RevocationReason::CaCompromise,
        "affiliation-changed" => RevocationReason::AffiliationChanged,
        "superseded" => RevocationReason::Superseded,
        "cessation-of-operation" => RevocationReason::CessationOfOperation,
        "certificate-hold" => RevocationReason::CertificateHold,
        "privilege-withdrawn" => RevocationReason::PrivilegeWithdrawn,
        _ => {
            return Err(ServiceError::invalid(
                "reason",
                format!(
                    "unknown reason '{s}' (unspecified, key-compromise, ca-compromise, \
                     affiliation-changed, superseded, cessation-of-operation, \
                     certificate-hold, privilege-withdrawn)"
                ),
            ));
        }
    })
}

fn serial_bytes(hex_serial: &str) -> Result<Vec<u8>> {
    let padded = if hex_serial.len() % 2 == 1 {
        format!("0{hex_serial}")
    } else {
        hex_serial.to_owned()
    };
    (0..padded.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&padded[i..i + 2], 16))
        .collect::<std::result::Result<Vec<u8>, _>>()
        .map_err(|_| ServiceError::Internal("stored serial is not hex"))
}

/// Refuses a sub-CA with path length `child` below `parent` when the
/// parent's path length does not leave room for it.
pub(crate) fn check_path_len(parent: &CertificateRecord, child: Option<u8>) -> Result<()> {
    let info = tresor_x509::parse_cert(&parent.der).map_err(x509_err("parent"))?;
    let Some(max) = info.path_len else {
        return Ok(());
    };
    let fits = max > 0 && child.is_some_and(|c| u32::from(c) < max);
    if fits {
        Ok(())
    } else {
        Err(ServiceError::ProfileViolation(format!(
            "the issuing CA has path length {max}: a CA below it needs path_len < {max}{}",
            if max == 0 { " (none is possible)" } else { "" }
        )))
    }
}

impl Kms {
    /// Creates a CA: a signing key generated in Tresor (optionally in a
    /// named provider) and its certificate, self-signed for a root or
    /// signed by `parent`. Key, certificate, CA and its first (empty) CRL
    /// are stored in one commit.
    pub async fn create_ca(&self, caller: &Caller, req: CreateCaRequest) -> Result<CaDetails> {
        let (mut op, allowed) = self.begin(caller, Action::CaCreate);
        op.object(format!("ca:{}", req.name));
        let result = async {
            allowed?;
            check_name(&req.name)?;
            if self
                .store()
                .get_ca(&caller.tenant, &req.name)
                .await?
                .is_some()
            {
                return Err(ServiceError::AlreadyExists { what: "CA" });
            }
            self.check_quota(caller, crate::secrets::quotas::QuotaKind::Cas)
                .await?;
            for d in &req.allowed_domains {
                tresor_x509::Subject::parse("CN=x", std::slice::from_ref(d), &[], &[], &[])
                    .map_err(x509_err("allowed_domains"))?;
            }
            let subject = tresor_x509::Subject::parse(&req.subject, &[], &[], &[], &[])
                .map_err(x509_err("subject"))?;
            let parent = match &req.parent {
                Some(p) => {
                    let loaded = self.load_ca_signer(caller, p).await?;
                    check_path_len(&loaded.1, req.path_len)?;
                    Some(loaded)
                }
                None => None,
            };
            let now = self.now();
            let (nb, na) = validity(now, req.validity_days)?;
            let (signer, version) = self
                .new_signing_key(
                    caller,
                    &mut op,
                    req.algorithm,
                    req.provider.clone(),
                    format!("CA key ({})", req.name),
                    true,
                )
                .await?;
            let spec = CertSpec {
                subject,
                key_usages: vec![
                    tresor_x509::KeyUsagePurpose::KeyCertSign,
                    tresor_x509::KeyUsagePurpose::CrlSign,
                    tresor_x509::KeyUsagePurpose::DigitalSignature,
                ],
                ext_key_usages: Vec::new(),
                ca: Some(CaSpec {
                    path_len: req.path_len,
                    permitted_dns: req.allowed_domains.clone(),
                }),
                not_before: nb,
                not_after: na,
                serial: serial()?,
                pki_urls: None,
            };
            let der = match &parent {
                None => {
                    let u = self_signed(&spec, &signer.public).map_err(x509_err("certificate"))?;
                    self.sign_x509(&signer, u).await?
                }
                Some((_, pcert, psigner)) => {
                    let u = issue(
                        &spec,
                        &signer.public,
                        Issuing {
                            cert_der: &pcert.der,
                            key: &psigner.public,
                        },
                    )
                    .map_err(x509_err("certificate"))?;
                    self.sign_x509(psigner, u).await?
                }
            };
            let mut cert = cert_record(
                caller,
                der,
                now,
                if parent.is_some() {
                    "issued"
                } else {
                    "self-signed"
                },
            )?;
            cert.key_id = Some(signer.key.id);
            cert.ca = parent.as_ref().map(|(p, _, _)| p.name.clone());
            let crl = self.make_crl(&cert, &signer, &[], 1, now).await?;
            let ca = CaRecord {
                tenant: caller.tenant.clone(),
                name: req.name.clone(),
                key_id: signer.key.id,
                cert_id: cert.id,
                parent: req.parent.clone(),
                allowed_domains: req.allowed_domains.clone(),
                crl_number: 1,
                crl: Some(crl),
                crl_updated_at: Some(now),
                created_at: now,
            };
            op.detail("algorithm", req.algorithm.as_str());
            if let Some(p) = &req.parent {
                op.detail("parent", p.clone());
            }
            let chain = self.chain_of(&caller.tenant, req.parent.as_deref()).await?;
            let mut changes = Self::key_changes(&signer, version);
            changes.push(Change::CreateCertificate(cert.clone()));
            changes.push(Change::CreateCa(ca.clone()));
            self.commit(&mut op, changes).await?;
            Ok(CaDetails {
                key_provider: signer.key.provider.to_string(),
                ca,
                certificate: cert,
                chain,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// The tenant's CAs.
    pub async fn list_cas(&self, caller: &Caller) -> Result<Vec<CaRecord>> {
        let (op, allowed) = self.begin(caller, Action::CaList);
        let result = async {
            allowed?;
            Ok(self.store().list_cas(&caller.tenant).await?)
        }
        .await;
        self.finish(op, result).await
    }

    /// One CA with its certificate and chain.
    pub async fn get_ca(&self, caller: &Caller, name: &str) -> Result<CaDetails> {
        let (mut op, allowed) = self.begin(caller, Action::CaGet);
        op.object(format!("ca:{name}"));
        let result = async {
            allowed?;
            let ca = self.load_ca(&caller.tenant, name).await?;
            let certificate = self.ca_cert(&ca).await?;
            let chain = self.chain_of(&caller.tenant, ca.parent.as_deref()).await?;
            let key_provider = self.ca_key(&ca).await?.provider.to_string();
            Ok(CaDetails {
                ca,
                certificate,
                chain,
                key_provider,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// The CA's current CRL (DER).
    pub async fn ca_crl(&self, caller: &Caller, name: &str) -> Result<Vec<u8>> {
        let (mut op, allowed) = self.begin(caller, Action::CaCrl);
        op.object(format!("ca:{name}"));
        let result = async {
            allowed?;
            let ca = self.load_ca(&caller.tenant, name).await?;
            op.detail("crl_number", ca.crl_number);
            ca.crl.ok_or(ServiceError::NotFound { what: "CRL" })
        }
        .await;
        self.finish(op, result).await
    }

    pub(crate) async fn load_ca(&self, tenant: &TenantId, name: &str) -> Result<CaRecord> {
        self.store()
            .get_ca(tenant, name)
            .await?
            .ok_or(ServiceError::NotFound { what: "CA" })
    }

    /// The CA's key (internal: not reachable through the key API).
    pub(crate) async fn ca_key(&self, ca: &CaRecord) -> Result<tresor_core::KeyRecord> {
        self.store()
            .get_key(&ca.tenant, &ca.key_id)
            .await?
            .ok_or(ServiceError::Internal("CA without its key"))
    }

    async fn ca_cert(&self, ca: &CaRecord) -> Result<CertificateRecord> {
        self.store()
            .get_certificate(&ca.tenant, &ca.cert_id)
            .await?
            .ok_or(ServiceError::Internal("CA without its certificate"))
    }

    /// A CA, its certificate and its key ready to sign.
    pub(crate) async fn load_ca_signer(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<(CaRecord, CertificateRecord, KeySigner)> {
        let ca = self.load_ca(&caller.tenant, name).await?;
        let cert = self.ca_cert(&ca).await?;
        if cert.revoked_at.is_some() {
            return Err(ServiceError::WrongState(format!(
                "the certificate of CA '{name}' is revoked"
            )));
        }
        let key = self.ca_key(&ca).await?;
        let signer = self.key_signer(key).await?;
        Ok((ca, cert, signer))
    }

    /// The certificates of CA `from` and its ancestors, nearest first.
    pub(crate) async fn chain_of(
        &self,
        tenant: &TenantId,
        from: Option<&str>,
    ) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        let mut next = from.map(str::to_owned);
        while let Some(name) = next {
            if out.len() >= MAX_DEPTH {
                break;
            }
            let ca = self.load_ca(tenant, &name).await?;
            out.push(self.ca_cert(&ca).await?.der);
            next = ca.parent;
        }
        Ok(out)
    }

    /// A CRL of the CA whose certificate is `ca_cert`, listing `revoked`.
    pub(crate) async fn make_crl(
        &self,
        ca_cert: &CertificateRecord,
        signer: &KeySigner,
        revoked: &[CertificateRecord],
        number: u64,
        now: Timestamp,
    ) -> Result<Vec<u8>> {
        let entries = revoked
            .iter()
            .map(|c| {
                Ok(CrlEntry {
                    serial: serial_bytes(&c.serial)?,
                    revoked_at: c.revoked_at.unwrap_or(now).to_datetime(),
                    reason: c.revocation_reason.as_deref().map(reason).transpose()?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let u = build_crl(
            Issuing {
                cert_der: &ca_cert.der,
                key: &signer.public,
            },
            &entries,
            now.to_datetime(),
            now.plus_seconds(CRL_VALIDITY_SECS).to_datetime(),
            number,
        )
        .map_err(x509_err("crl"))?;
        self.sign_x509(signer, u).await
    }

    /// The revoked certificates a CA's CRL lists: every one, page by page,
    /// except those already expired (RFC 5280 lets a CRL drop an entry once
    /// the certificate has expired, which keeps CRLs from growing forever).
    pub(crate) async fn revoked_of(&self, ca: &CaRecord) -> Result<Vec<CertificateRecord>> {
        const PAGE: u32 = 1000;
        let now = self.now();
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let filter = CertificateFilter {
                ca: Some(ca.name.clone()),
                revoked: Some(true),
                after,
                limit: PAGE,
                ..Default::default()
            };
            let page = self.store().list_certificates(&ca.tenant, &filter).await?;
            let full = page.len() >= PAGE as usize;
            after = page.last().map(|c| c.id);
            out.extend(page.into_iter().filter(|c| c.not_after > now));
            if !full {
                return Ok(out);
            }
        }
    }
}
