//! CSRs, self-signed certificates, and issuance by a CA: signing an
//! uploaded CSR under a profile, or generating a key and issuing for it.

use tresor_core::{Action, Caller, Change, KeyId, Timestamp};
use tresor_x509::{
    CaSpec, CertSpec, ExtendedKeyUsagePurpose as Eku, Issuing, KeyKind, KeyUsagePurpose as Ku,
    Profile, Subject, csr, csr_key, issue, issue_for_csr, parse_csr, pem_to_ders, self_signed,
};

use super::signing::{cert_record, serial};
use super::types::{CsrRequest, IssueRequest, Issued, NameSpec, SelfSignRequest, SignCsrRequest};
use super::{MAX_PEM, MAX_VALIDITY_DAYS, x509_err};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::resolve::KeyRef;

pub(crate) fn subject(n: &NameSpec) -> Result<Subject> {
    Subject::parse(&n.subject, &n.dns, &n.ip, &n.email, &n.uri).map_err(x509_err("subject"))
}

fn key_usages(names: &[String]) -> Result<Vec<Ku>> {
    names
        .iter()
        .map(|n| {
            Ok(match n.as_str() {
                "digital-signature" => Ku::DigitalSignature,
                "content-commitment" | "non-repudiation" => Ku::ContentCommitment,
                "key-encipherment" => Ku::KeyEncipherment,
                "data-encipherment" => Ku::DataEncipherment,
                "key-agreement" => Ku::KeyAgreement,
                "key-cert-sign" => Ku::KeyCertSign,
                "crl-sign" => Ku::CrlSign,
                _ => {
                    return Err(ServiceError::invalid(
                        "key_usages",
                        format!("unknown key usage '{n}'"),
                    ));
                }
            })
        })
        .collect()
}

fn ext_key_usages(names: &[String]) -> Result<Vec<Eku>> {
    names
        .iter()
        .map(|n| {
            Ok(match n.as_str() {
                "server-auth" => Eku::ServerAuth,
                "client-auth" => Eku::ClientAuth,
                "code-signing" => Eku::CodeSigning,
                "email-protection" => Eku::EmailProtection,
                "time-stamping" => Eku::TimeStamping,
                "ocsp-signing" => Eku::OcspSigning,
                _ => {
                    return Err(ServiceError::invalid(
                        "ext_key_usages",
                        format!("unknown extended key usage '{n}'"),
                    ));
                }
            })
        })
        .collect()
}

/// `not_before` a minute ago (clock skew) and `not_after` `days` from now.
pub(crate) fn validity(
    now: Timestamp,
    days: u32,
) -> Result<(time::OffsetDateTime, time::OffsetDateTime)> {
    if days == 0 || days > MAX_VALIDITY_DAYS {
        return Err(ServiceError::invalid(
            "validity_days",
            format!("must be 1..={MAX_VALIDITY_DAYS}"),
        ));
    }
    let nb = now.plus_seconds(-60).to_datetime();
    let na = now.plus_seconds(i64::from(days) * 86_400).to_datetime();
    Ok((nb, na))
}

fn profile(name: &str) -> Result<Profile> {
    Profile::parse(name).map_err(x509_err("profile"))
}

fn kind_of(alg: tresor_core::Algorithm) -> KeyKind {
    use tresor_core::Algorithm as A;
    match alg {
        A::Rsa2048 => KeyKind::Rsa(2048),
        A::Rsa3072 => KeyKind::Rsa(3072),
        A::Rsa4096 => KeyKind::Rsa(4096),
        A::EcP256 => KeyKind::EcP256,
        A::EcP384 => KeyKind::EcP384,
        A::Ed25519 => KeyKind::Ed25519,
        A::MlDsa44 => KeyKind::MlDsa(44),
        A::MlDsa65 => KeyKind::MlDsa(65),
        A::MlDsa87 => KeyKind::MlDsa(87),
        _ => KeyKind::Other,
    }
}

impl Kms {
    /// A PKCS#10 request for `key`, signed by its provider; PEM.
    pub async fn create_csr(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: CsrRequest,
    ) -> Result<String> {
        let (mut op, allowed) = self.begin(caller, Action::CertCsr);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            let signer = self.key_signer(k).await?;
            let (nb, na) = validity(self.now(), 1)?;
            let spec = CertSpec {
                subject: subject(&req.names)?,
                key_usages: key_usages(&req.key_usages)?,
                ext_key_usages: ext_key_usages(&req.ext_key_usages)?,
                ca: None,
                not_before: nb,
                not_after: na,
                serial: vec![1],
                pki_urls: None,
            };
            let unsigned = csr(&spec, &signer.public).map_err(x509_err("csr"))?;
            let der = self.sign_x509(&signer, unsigned).await?;
            op.detail("subject", req.names.subject.clone());
            Ok(pem::encode(&pem::Pem::new("CERTIFICATE REQUEST", der)))
        }
        .await;
        self.finish(op, result).await
    }

    /// A self-signed certificate for `key`, stored in the tenant.
    pub async fn self_sign(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: SelfSignRequest,
    ) -> Result<Issued> {
        let (mut op, allowed) = self.begin(caller, Action::CertSelfSign);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            let key_id = k.id;
            let signer = self.key_signer(k).await?;
            let now = self.now();
            let (nb, na) = validity(now, req.validity_days)?;
            let spec = CertSpec {
                subject: subject(&req.names)?,
                key_usages: key_usages(&req.key_usages)?,
                ext_key_usages: ext_key_usages(&req.ext_key_usages)?,
                ca: req.is_ca.then(CaSpec::default),
                not_before: nb,
                not_after: na,
                serial: serial()?,
                pki_urls: None,
            };
            let unsigned = self_signed(&spec, &signer.public).map_err(x509_err("certificate"))?;
            let der = self.sign_x509(&signer, unsigned).await?;
            let mut rec = cert_record(caller, der, now, "self-signed")?;
            rec.key_id = Some(key_id);
            op.object(rec.id);
            op.detail("key_id", key_id.to_string());
            op.detail("serial", rec.serial.clone());
            self.commit(&mut op, vec![Change::CreateCertificate(rec.clone())])
                .await?;
            Ok(Issued {
                certificate: rec,
                chain: Vec::new(),
                key_id: Some(key_id),
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// Signs a CSR with CA `ca` under a profile. A CSR outside the profile
    /// is refused (`profile_violation`, audited as denied); nothing is issued.
    pub async fn sign_csr(&self, caller: &Caller, ca: &str, req: SignCsrRequest) -> Result<Issued> {
        let (mut op, allowed) = self.begin(caller, Action::CaSign);
        op.object(format!("ca:{ca}"));
        op.detail("profile", req.profile.clone());
        let result = async {
            allowed?;
            let profile = profile(&req.profile)?;
            if req.csr_pem.len() > MAX_PEM {
                return Err(ServiceError::PayloadTooLarge {
                    field: "csr",
                    limit: MAX_PEM,
                });
            }
            let ders = pem_to_ders(&req.csr_pem, "CERTIFICATE REQUEST").map_err(x509_err("csr"))?;
            let [der] = ders.as_slice() else {
                return Err(ServiceError::invalid("csr", "expected exactly one CSR"));
            };
            profile
                .check_key(csr_key(der).map_err(x509_err("csr"))?)
                .map_err(x509_err("csr"))?;
            let info = parse_csr(der).map_err(x509_err("csr"))?;
            op.detail("subject", info.subject.clone());
            let (ca_rec, ca_cert, ca_signer) = self.load_ca_signer(caller, ca).await?;
            profile
                .check_csr(&info, &ca_rec.allowed_domains)
                .map_err(x509_err("csr"))?;
            if profile == Profile::Ca {
                super::cas::check_path_len(&ca_cert, Some(0))?;
            }
            let days = req
                .validity_days
                .unwrap_or(profile.rules().max_validity_days);
            profile
                .check_validity(days)
                .map_err(x509_err("validity_days"))?;
            let now = self.now();
            let (nb, na) = validity(now, days)?;
            let p = &info.request.params;
            let spec = CertSpec {
                subject: Subject {
                    dn: p.distinguished_name.clone(),
                    sans: p.subject_alt_names.clone(),
                },
                key_usages: profile.key_usages(info.key),
                ext_key_usages: profile.rules().ext_key_usages,
                ca: (profile == Profile::Ca).then(|| CaSpec {
                    path_len: Some(0),
                    permitted_dns: Vec::new(),
                }),
                not_before: nb,
                not_after: na,
                serial: serial()?,
                pki_urls: self.pki_urls(&caller.tenant, &ca_rec.name),
            };
            let unsigned = issue_for_csr(
                &spec,
                &info,
                Issuing {
                    cert_der: &ca_cert.der,
                    key: &ca_signer.public,
                },
            )
            .map_err(x509_err("csr"))?;
            let der = self.sign_x509(&ca_signer, unsigned).await?;
            let mut rec = cert_record(caller, der, now, "issued")?;
            rec.ca = Some(ca_rec.name.clone());
            op.object(rec.id);
            op.detail("ca", ca_rec.name.clone());
            op.detail("serial", rec.serial.clone());
            let chain = self.chain_of(&caller.tenant, Some(&ca_rec.name)).await?;
            self.commit(&mut op, vec![Change::CreateCertificate(rec.clone())])
                .await?;
            Ok(Issued {
                certificate: rec,
                chain,
                key_id: None,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// Generates a key in Tresor and issues its certificate with CA `ca`.
    pub async fn issue_with_new_key(
        &self,
        caller: &Caller,
        ca: &str,
        req: IssueRequest,
    ) -> Result<Issued> {
        let (mut op, allowed) = self.begin(caller, Action::CertIssue);
        op.object(format!("ca:{ca}"));
        op.detail("profile", req.profile.clone());
        let result = async {
            allowed?;
            let profile = profile(&req.profile)?;
            let subj = subject(&req.names)?;
            let (ca_rec, ca_cert, ca_signer) = self.load_ca_signer(caller, ca).await?;
            let kind = kind_of(req.algorithm);
            profile.check_key(kind).map_err(x509_err("algorithm"))?;
            profile
                .check_sans(&subj.sans, &ca_rec.allowed_domains)
                .map_err(x509_err("names"))?;
            let days = req
                .validity_days
                .unwrap_or(profile.rules().max_validity_days);
            profile
                .check_validity(days)
                .map_err(x509_err("validity_days"))?;
            let (mut signer, version) = self
                .new_signing_key(
                    caller,
                    &mut op,
                    req.algorithm,
                    req.provider.clone(),
                    format!("certificate key ({})", req.names.subject),
                    false,
                )
                .await?;
            signer.key.exportable = req.exportable;
            op.detail("exportable", req.exportable);
            let now = self.now();
            let (nb, na) = validity(now, days)?;
            let spec = CertSpec {
                subject: subj,
                key_usages: profile.key_usages(kind),
                ext_key_usages: profile.rules().ext_key_usages,
                ca: None,
                not_before: nb,
                not_after: na,
                serial: serial()?,
                pki_urls: self.pki_urls(&caller.tenant, &ca_rec.name),
            };
            let unsigned = issue(
                &spec,
                &signer.public,
                Issuing {
                    cert_der: &ca_cert.der,
                    key: &ca_signer.public,
                },
            )
            .map_err(x509_err("certificate"))?;
            let der = self.sign_x509(&ca_signer, unsigned).await?;
            let mut rec = cert_record(caller, der, now, "issued")?;
            rec.ca = Some(ca_rec.name.clone());
            rec.key_id = Some(signer.key.id);
            op.object(rec.id);
            op.detail("ca", ca_rec.name.clone());
            op.detail("serial", rec.serial.clone());
            let chain = self.chain_of(&caller.tenant, Some(&ca_rec.name)).await?;
            let key_id: KeyId = signer.key.id;
            let mut changes = Self::key_changes(&signer, version);
            changes.push(Change::CreateCertificate(rec.clone()));
            self.commit(&mut op, changes).await?;
            Ok(Issued {
                certificate: rec,
                chain,
                key_id: Some(key_id),
            })
        }
        .await;
        self.finish(op, result).await
    }
}
