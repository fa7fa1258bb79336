//! Certify → the PKI service's `sign_csr` (profile checks, audit
//! `cert.sign`, CRL and OCSP like any certificate of the CA), and Get of the
//! resulting certificate objects (`cert-<id>`).
//!
//! The request carries a PKCS#10 Certificate Request (DER, or PEM with the
//! PEM request type). The issuing CA is the `x-ca` custom attribute
//! (KMIP 1.x `Attribute` form, in the template or the 2.x `Attributes`),
//! else the tenant's only CA; the profile is `x-profile` (default
//! `server-tls`). Certifying an existing key without a request is not
//! supported: Tresor cannot choose a subject for it.

use tresor_core::CertId;
use tresor_kmip::{Tag, Ttlv, Value};
use tresor_service::pki::types::SignCsrRequest;

use crate::codes::reason;
use crate::error::{KmipError, KmipResult};
use crate::message::Ctx;
use crate::ttlv_ext::{self as t, Fields};

/// Prefix of a certificate object's Unique Identifier.
pub(crate) const CERT_PREFIX: &str = "cert-";

/// KMIP Object Type Certificate.
const OBJECT_CERTIFICATE: u32 = 0x1;
/// Certificate Request Type PKCS#10 and PEM; Certificate Type X.509.
const REQUEST_PKCS10: u32 = 0x2;
const REQUEST_PEM: u32 = 0x3;
const CERTIFICATE_X509: u32 = 0x1;

/// A `x-…` custom attribute's text value in the 1.x form, wherever the
/// request's attribute containers hold it.
fn custom_text(p: &Ttlv, name: &str) -> Option<String> {
    [Tag::TemplateAttribute, Tag::Attributes]
        .iter()
        .filter_map(|c| p.child(*c))
        .flat_map(|c| c.all(Tag::Attribute))
        .find(|a| a.text(Tag::AttributeName) == Some(name))
        .and_then(|a| match &a.child(Tag::AttributeValue)?.value {
            Value::TextString(s) => Some(s.clone()),
            _ => None,
        })
}

/// The CSR as PEM text.
fn csr_pem(p: &Ttlv) -> KmipResult<String> {
    let value = p
        .bytes(Tag::CertificateRequestValue)
        .or_else(|| p.bytes(Tag::CertificateRequest))
        .ok_or_else(|| {
            if p.child(Tag::UniqueIdentifier).is_some() {
                KmipError::feature(
                    "Certify needs a PKCS#10 Certificate Request here (the subject and names come from it)",
                )
            } else {
                KmipError::missing(Tag::CertificateRequestValue)
            }
        })?;
    match p.enumeration(Tag::CertificateRequestType) {
        Some(REQUEST_PKCS10) => Ok(pem::encode(&pem::Pem::new(
            "CERTIFICATE REQUEST",
            value.to_vec(),
        ))),
        Some(REQUEST_PEM) => String::from_utf8(value.to_vec())
            .map_err(|_| KmipError::invalid("the PEM request is not text")),
        Some(_) => Err(KmipError::feature(
            "only PKCS#10 certificate requests (DER or PEM) are supported",
        )),
        None => Err(KmipError::missing(Tag::CertificateRequestType)),
    }
}

pub(crate) async fn certify(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let csr_pem = csr_pem(p)?;
    let caller = ctx.caller()?;
    let ca = match custom_text(p, "x-ca") {
        Some(ca) => ca,
        None => {
            let cas = ctx.kms.list_cas(caller).await?;
            match cas.as_slice() {
                [only] => only.name.clone(),
                [] => return Err(KmipError::invalid("this tenant has no CA to certify with")),
                _ => {
                    return Err(KmipError::invalid(
                        "this tenant has several CAs: name one with the x-ca attribute",
                    ));
                }
            }
        }
    };
    let profile = custom_text(p, "x-profile").unwrap_or_else(|| "server-tls".to_owned());
    let issued = ctx
        .kms
        .sign_csr(
            caller,
            &ca,
            SignCsrRequest {
                csr_pem,
                profile,
                validity_days: None,
            },
        )
        .await?;
    let id = format!("{CERT_PREFIX}{}", issued.certificate.id);
    ctx.placeholder = Some(id.clone());
    Ok(vec![t::text(Tag::UniqueIdentifier, id)])
}

/// Get of a `cert-<id>` object: the X.509 certificate.
pub(crate) async fn get_certificate(ctx: &Ctx<'_>, id: &str) -> KmipResult<Vec<Ttlv>> {
    let not_found = || KmipError::new(reason::ITEM_NOT_FOUND, "no such object");
    let cert_id = id
        .strip_prefix(CERT_PREFIX)
        .and_then(|s| CertId::parse(s).ok())
        .ok_or_else(not_found)?;
    let issued = ctx.kms.get_certificate(ctx.caller()?, &cert_id).await?;
    Ok(vec![
        t::enumeration(Tag::ObjectType, OBJECT_CERTIFICATE),
        t::text(Tag::UniqueIdentifier, id),
        t::structure(
            Tag::Certificate,
            vec![
                t::enumeration(Tag::CertificateType, CERTIFICATE_X509),
                t::bytes(Tag::CertificateValue, issued.certificate.der),
            ],
        ),
    ])
}
