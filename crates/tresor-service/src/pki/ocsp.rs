//! The OCSP responder (RFC 6960) of a CA: answers `good`, `revoked` or
//! `unknown` for the CA's certificates, signed by the CA key itself.

use aws_lc_rs::digest;
use tresor_core::{Action, Caller, CertificateFilter, SignInput};
use tresor_x509::{
    CertIdHash, OcspStatus, issuer_parts, ocsp_error, ocsp_response, ocsp_response_data,
    parse_ocsp_request,
};

use super::cas::{CRL_VALIDITY_SECS, reason};
use super::signing::scheme;
use super::x509_err;
use crate::error::Result;
use crate::kms::Kms;

fn hash(h: CertIdHash, data: &[u8]) -> Vec<u8> {
    let alg = match h {
        CertIdHash::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        CertIdHash::Sha256 => &digest::SHA256,
    };
    digest::digest(alg, data).as_ref().to_vec()
}

impl Kms {
    /// Answers a DER OCSP request for CA `ca` with a DER OCSP response. A
    /// malformed request gets a `malformedRequest` response (not an error),
    /// as OCSP clients expect.
    pub async fn ocsp(&self, caller: &Caller, ca: &str, request: &[u8]) -> Result<Vec<u8>> {
        let (mut op, allowed) = self.begin(caller, Action::CaOcsp);
        op.object(format!("ca:{ca}"));
        let result = async {
            allowed?;
            let (ca_rec, ca_cert, signer) = self.load_ca_signer(caller, ca).await?;
            let req = match parse_ocsp_request(request) {
                Ok(r) => r,
                Err(_) => {
                    op.detail("status", "malformed");
                    return Ok(ocsp_error(1));
                }
            };
            let (name_der, key_bits) = issuer_parts(&ca_cert.der).map_err(x509_err("ca"))?;
            let mut answers = Vec::new();
            let mut summary = Vec::new();
            for id in &req.ids {
                let ours = id.hash.is_some_and(|h| {
                    hash(h, &name_der) == id.issuer_name_hash
                        && hash(h, &key_bits) == id.issuer_key_hash
                });
                let status = if !ours {
                    OcspStatus::Unknown
                } else {
                    let filter = CertificateFilter {
                        serial: Some(id.serial_hex.clone()),
                        ca: Some(ca_rec.name.clone()),
                        limit: 1,
                        ..Default::default()
                    };
                    match self
                        .store()
                        .list_certificates(&caller.tenant, &filter)
                        .await?
                        .into_iter()
                        .next()
                    {
                        None => OcspStatus::Unknown,
                        Some(c) => match c.revoked_at {
                            None => OcspStatus::Good,
                            Some(at) => OcspStatus::Revoked {
                                at: at.to_datetime(),
                                reason: c
                                    .revocation_reason
                                    .as_deref()
                                    .map(reason)
                                    .transpose()?
                                    .map(|r| r as u8),
                            },
                        },
                    }
                };
                summary.push(format!(
                    "{}:{}",
                    id.serial_hex,
                    match status {
                        OcspStatus::Good => "good",
                        OcspStatus::Revoked { .. } => "revoked",
                        OcspStatus::Unknown => "unknown",
                    }
                ));
                answers.push((id, status));
            }
            op.detail("answers", summary);
            let now = self.now();
            let data = ocsp_response_data(
                &hash(CertIdHash::Sha1, &key_bits),
                now.to_datetime(),
                &answers,
                now.plus_seconds(CRL_VALIDITY_SECS).to_datetime(),
                req.nonce.as_deref(),
            );
            let alg = signer.public.alg();
            let sig = self
                .provider(&signer.key.provider)?
                .sign(
                    &signer.uv.ctx,
                    &signer.uv.handle,
                    scheme(alg),
                    SignInput::Message(&data),
                )
                .await?;
            Ok(ocsp_response(&data, alg, &sig, &ca_cert.der))
        }
        .await;
        self.finish(op, result).await
    }
}
