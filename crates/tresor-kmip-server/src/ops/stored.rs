//! KMIP objects that are not keys share storage with the REST API:
//! Secret Data and Opaque Objects are Tresor secrets (`/v1/secrets`,
//! envelope-encrypted, identifier `secret-<id>`), Certificates are the
//! tenant's stored certificates (a Public Key registered alone is a
//! secret too, see [`super::public_key`]); certificates are the
//! tenant's stored certificates (`/v1/certificates`, identifier
//! `cert-<id>`). Register, Get, Get Attributes and Destroy go through the
//! secrets and PKI services, which authorize and audit them.

use std::collections::BTreeMap;

use tresor_core::{CertificateRecord, SecretBytes, SecretId};
use tresor_kmip::{Tag, Ttlv};
use tresor_service::secrets::{NewSecret, SecretInfo};

use crate::attrs;
use crate::codes::reason;
use crate::error::{KmipError, KmipResult};
use crate::message::Ctx;
use crate::ops::certify::CERT_PREFIX;
use crate::ttlv_ext::{self as t, Fields};

/// Prefix of a stored secret's Unique Identifier.
pub(crate) const SECRET_PREFIX: &str = "secret-";

/// Object Types.
const CERTIFICATE: u32 = 0x1;
const PUBLIC_KEY: u32 = 0x3;
const SECRET_DATA: u32 = 0x7;
const OPAQUE_OBJECT: u32 = 0x8;
/// Key Format Type Opaque (Secret Data key blocks).
const FORMAT_OPAQUE: u32 = 0x2;
/// Secret Data Type Password.
const PASSWORD: u32 = 0x1;

/// Metadata keys that remember the KMIP form of a secret.
pub(crate) const META_OBJECT: &str = "kmip-object";
const META_SUBTYPE: &str = "kmip-data-type";

fn not_found() -> KmipError {
    KmipError::new(reason::ITEM_NOT_FOUND, "no such object")
}

fn secret_id(id: &str) -> KmipResult<SecretId> {
    id.strip_prefix(SECRET_PREFIX)
        .and_then(|s| SecretId::parse(s).ok())
        .ok_or_else(not_found)
}

/// Whether an identifier names a secret or a certificate (not a key).
pub(crate) fn is_stored(id: &str) -> bool {
    id.starts_with(SECRET_PREFIX) || id.starts_with(CERT_PREFIX)
}

/// Register of Secret Data, an Opaque Object or a Certificate; `None` for
/// the key types (Register handles those).
pub(crate) async fn register(
    ctx: &mut Ctx<'_>,
    p: &Ttlv,
    object_type: u32,
) -> KmipResult<Option<Vec<Ttlv>>> {
    let template = attrs::Template::from_attrs(&attrs::collect(
        p,
        &[Tag::TemplateAttribute, Tag::Attributes],
    ))?;
    let name = template.name;
    let caller = ctx.caller()?;
    let id = match object_type {
        PUBLIC_KEY => {
            let id = super::public_key::register(ctx, p, name, template.algorithm, template.length)
                .await?;
            format!("{SECRET_PREFIX}{id}")
        }
        SECRET_DATA | OPAQUE_OBJECT => {
            // (KMIP form, Tresor secret type, data type, value)
            let (form, secret_type, subtype, value) = if object_type == SECRET_DATA {
                let sd = p
                    .child(Tag::SecretData)
                    .ok_or_else(|| KmipError::missing(Tag::SecretData))?;
                let subtype = sd
                    .enumeration(Tag::SecretDataType)
                    .ok_or_else(|| KmipError::missing(Tag::SecretDataType))?;
                let block = sd
                    .child(Tag::KeyBlock)
                    .ok_or_else(|| KmipError::missing(Tag::KeyBlock))?;
                if block.child(Tag::KeyWrappingData).is_some() {
                    return Err(KmipError::feature("wrapped secret data is not supported"));
                }
                let value = block
                    .child(Tag::KeyValue)
                    .and_then(|v| v.bytes(Tag::KeyMaterial))
                    .ok_or_else(|| KmipError::missing(Tag::KeyMaterial))?;
                let kind = if subtype == PASSWORD {
                    "passphrase"
                } else {
                    "opaque"
                };
                ("secret-data", kind, subtype, value.to_vec())
            } else {
                let oo = p
                    .child(Tag::OpaqueObject)
                    .ok_or_else(|| KmipError::missing(Tag::OpaqueObject))?;
                let subtype = oo
                    .enumeration(Tag::OpaqueDataType)
                    .ok_or_else(|| KmipError::missing(Tag::OpaqueDataType))?;
                let value = oo.req_bytes(Tag::OpaqueDataValue)?;
                ("opaque-object", "opaque", subtype, value.to_vec())
            };
            let mut metadata = BTreeMap::new();
            metadata.insert(META_OBJECT.to_owned(), form.to_owned());
            metadata.insert(META_SUBTYPE.to_owned(), subtype.to_string());
            let made = ctx
                .kms
                .put_secret(
                    caller,
                    NewSecret {
                        name,
                        secret_type: Some(secret_type.to_owned()),
                        metadata,
                        payload: Some(SecretBytes::new(value)),
                        ..NewSecret::default()
                    },
                )
                .await?;
            format!("{SECRET_PREFIX}{}", made.id)
        }
        CERTIFICATE => {
            let c = p
                .child(Tag::Certificate)
                .ok_or_else(|| KmipError::missing(Tag::Certificate))?;
            let der = c.req_bytes(Tag::CertificateValue)?;
            let pem_text = pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
            let records = ctx
                .kms
                .import_certificates(caller, &pem_text, false)
                .await?;
            let first = records
                .first()
                .ok_or_else(|| KmipError::invalid("no certificate"))?;
            format!("{CERT_PREFIX}{}", first.id)
        }
        _ => return Ok(None),
    };
    ctx.placeholder = Some(id.clone());
    Ok(Some(vec![t::text(Tag::UniqueIdentifier, id)]))
}

/// Get of a `secret-<id>` object: Secret Data or an Opaque Object, as it
/// was registered (or by its secret type when it came over REST).
pub(crate) async fn get_secret(ctx: &Ctx<'_>, id: &str) -> KmipResult<Vec<Ttlv>> {
    let sid = secret_id(id)?;
    let s = ctx.kms.get_secret_payload(ctx.caller()?, &sid).await?;
    let object = s.info.metadata.get(META_OBJECT).map(String::as_str);
    let subtype = s
        .info
        .metadata
        .get(META_SUBTYPE)
        .and_then(|v| v.parse::<u32>().ok());
    let value = s.payload.expose().to_vec();
    if object == Some(super::public_key::FORM) {
        return Ok(super::public_key::get(&s.info, value, id));
    }
    let as_secret_data = match object {
        Some("secret-data") => true,
        Some(_) => false,
        None => s.info.secret_type == "passphrase",
    };
    Ok(if as_secret_data {
        vec![
            t::enumeration(Tag::ObjectType, SECRET_DATA),
            t::text(Tag::UniqueIdentifier, id),
            t::structure(
                Tag::SecretData,
                vec![
                    t::enumeration(Tag::SecretDataType, subtype.unwrap_or(PASSWORD)),
                    t::structure(
                        Tag::KeyBlock,
                        vec![
                            t::enumeration(Tag::KeyFormatType, FORMAT_OPAQUE),
                            t::structure(Tag::KeyValue, vec![t::bytes(Tag::KeyMaterial, value)]),
                        ],
                    ),
                ],
            ),
        ]
    } else {
        vec![
            t::enumeration(Tag::ObjectType, OPAQUE_OBJECT),
            t::text(Tag::UniqueIdentifier, id),
            t::structure(
                Tag::OpaqueObject,
                vec![
                    // 0x80000000: the first extension value (unspecified).
                    t::enumeration(Tag::OpaqueDataType, subtype.unwrap_or(0x8000_0000)),
                    t::bytes(Tag::OpaqueDataValue, value),
                ],
            ),
        ]
    })
}

/// Get Attributes of a secret or certificate: type, identifier, name,
/// state (and dates, algorithm and length where these objects have them).
pub(crate) async fn get_attributes(ctx: &Ctx<'_>, id: &str) -> KmipResult<Vec<Ttlv>> {
    let caller = ctx.caller()?;
    let mut out = vec![t::text(Tag::UniqueIdentifier, id)];
    if id.starts_with(SECRET_PREFIX) {
        let info = ctx.kms.get_secret(caller, &secret_id(id)?).await?;
        out.extend(secret_attributes(&info));
    } else {
        let cert_id = id
            .strip_prefix(CERT_PREFIX)
            .and_then(|s| tresor_core::CertId::parse(s).ok())
            .ok_or_else(not_found)?;
        let c = ctx.kms.get_certificate(caller, &cert_id).await?;
        out.extend(certificate_attributes(&c.certificate));
    }
    let mut resp = vec![t::text(Tag::UniqueIdentifier, id)];
    resp.extend(attrs::encode(ctx.v2(), out));
    Ok(resp)
}

/// The attributes of a stored secret as KMIP sees it: type (Secret Data,
/// Opaque Object or a registered Public Key with its algorithm and
/// length), name, state (Active: usable from the moment it is stored),
/// Initial and Last Change Date.
pub(crate) fn secret_attributes(info: &SecretInfo) -> Vec<Ttlv> {
    let mut out =
        if info.metadata.get(META_OBJECT).map(String::as_str) == Some(super::public_key::FORM) {
            super::public_key::attributes(info)
        } else {
            let object = match info.metadata.get(META_OBJECT).map(String::as_str) {
                Some("secret-data") => SECRET_DATA,
                Some(_) => OPAQUE_OBJECT,
                None if info.secret_type == "passphrase" => SECRET_DATA,
                None => OPAQUE_OBJECT,
            };
            vec![t::enumeration(Tag::ObjectType, object)]
        };
    if let Some(n) = &info.name {
        out.push(name(n.clone()));
    }
    out.push(t::enumeration(Tag::State, crate::codes::state::ACTIVE));
    out.push(t::date(Tag::InitialDate, info.created_at.unix_seconds()));
    out.push(t::date(Tag::LastChangeDate, info.updated_at.unix_seconds()));
    out
}

/// The attributes of a stored certificate as KMIP sees it: type, its
/// subject as the name, state (Active while stored) and Initial Date.
pub(crate) fn certificate_attributes(c: &CertificateRecord) -> Vec<Ttlv> {
    vec![
        t::enumeration(Tag::ObjectType, CERTIFICATE),
        name(c.subject.clone()),
        t::enumeration(Tag::State, crate::codes::state::ACTIVE),
        t::date(Tag::InitialDate, c.created_at.unix_seconds()),
    ]
}

/// The Object Type of certificates.
pub(crate) const CERTIFICATE_TYPE: u32 = CERTIFICATE;

/// Object Types stored as secrets (Locate looks among them for these).
pub(crate) const SECRET_OBJECT_TYPES: [u32; 3] = [SECRET_DATA, OPAQUE_OBJECT, PUBLIC_KEY];

fn name(n: String) -> Ttlv {
    t::structure(
        Tag::Name,
        vec![
            t::text(Tag::NameValue, n),
            t::enumeration(Tag::NameType, crate::codes::NAME_TYPE_TEXT),
        ],
    )
}

/// Destroy of a secret (crypto-shredded by the secrets service); a
/// certificate is revoked through the REST API, not destroyed.
pub(crate) async fn destroy(ctx: &Ctx<'_>, id: &str) -> KmipResult<Vec<Ttlv>> {
    if id.starts_with(CERT_PREFIX) {
        return Err(KmipError::new(
            reason::PERMISSION_DENIED,
            "certificates are kept for their CA's revocation data: revoke instead",
        ));
    }
    ctx.kms
        .delete_secret(ctx.caller()?, &secret_id(id)?, false)
        .await?;
    Ok(vec![t::text(Tag::UniqueIdentifier, id)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_stored("secret-x") && is_stored("cert-x"));
        assert!(!is_stored("0190b5a0-0000-7000-8000-000000000000"));
        assert!(secret_id("secret-nope").is_err());
        assert!(secret_id("other").is_err());
    }
}
