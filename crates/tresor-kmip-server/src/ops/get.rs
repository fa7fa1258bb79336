//! Get, Get Attributes, Get Attribute List. Public keys come from the
//! service's public-key call; symmetric and private key material only
//! through `export_key_material`, which refuses keys not created
//! exportable and audits the export. A Key Wrapping Specification goes to
//! [`super::wrapped`].

use tresor_core::{Algorithm, KeyClass, KeyRecord};
use tresor_kmip::{Tag, Ttlv, Value};
use tresor_service::types::{PublicKeyFormat, PublicKeyOut};

use crate::attrs::{self, PUBLIC_DESTROYED_TAG};
use crate::codes::{format, reason};
use crate::der;
use crate::error::{KmipError, KmipResult};
use crate::message::Ctx;
use crate::objects::{ObjectId, kmip_algorithm};
use crate::ttlv_ext::{self as t, Fields};

async fn load(ctx: &Ctx<'_>, p: &Ttlv) -> KmipResult<(String, ObjectId, KeyRecord)> {
    let id = ctx.target(p)?;
    let oid = ObjectId::parse(&id)?;
    let key = ctx.kms.get_key(ctx.caller()?, &oid.key_ref()).await?.key;
    oid.check(&key)?;
    Ok((id, oid, key))
}

fn unsupported_format() -> KmipError {
    KmipError::new(
        reason::KEY_FORMAT_TYPE_NOT_SUPPORTED,
        "key format type not supported for this object",
    )
}

/// The key value of a public key in the asked format (default: PKCS#1
/// for RSA, X.509 SubjectPublicKeyInfo otherwise).
fn public_value(alg: Algorithm, spki: Vec<u8>, asked: Option<u32>) -> KmipResult<(u32, Vec<u8>)> {
    let rsa = alg.class() == KeyClass::Rsa;
    let fmt = asked.unwrap_or(if rsa { format::PKCS_1 } else { format::X_509 });
    let bytes = match fmt {
        format::X_509 => spki,
        format::PKCS_1 if rsa => der::spki_key(&spki).ok_or_else(internal)?,
        format::RAW if !rsa => der::spki_key(&spki).ok_or_else(internal)?,
        _ => return Err(unsupported_format()),
    };
    Ok((fmt, bytes))
}

/// Private key: PKCS#8 (default), PKCS#1 for RSA, ECPrivateKey for EC.
fn private_value(alg: Algorithm, pkcs8: &[u8], asked: Option<u32>) -> KmipResult<(u32, Vec<u8>)> {
    const EC_PRIVATE_KEY: u32 = 0x06;
    let fmt = asked.unwrap_or(format::PKCS_8);
    let bytes = match (fmt, alg.class()) {
        (format::PKCS_8, _) => pkcs8.to_vec(),
        (format::PKCS_1, KeyClass::Rsa) | (EC_PRIVATE_KEY, KeyClass::Ec) => {
            der::pkcs8_inner(pkcs8).ok_or_else(internal)?
        }
        _ => return Err(unsupported_format()),
    };
    Ok((fmt, bytes))
}

fn internal() -> KmipError {
    KmipError::new(reason::GENERAL_FAILURE, "the key could not be encoded")
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    if let Some(spec) = p.child(Tag::KeyWrappingSpecification) {
        return super::wrapped::get_wrapped(ctx, p, spec).await;
    }
    let asked = p.enumeration(Tag::KeyFormatType);
    if p.enumeration(Tag::KeyCompressionType).is_some() {
        return Err(KmipError::feature("key compression is not supported"));
    }
    let target = ctx.target(p)?;
    if target.starts_with(super::certify::CERT_PREFIX) {
        return super::certify::get_certificate(ctx, &target).await;
    }
    if target.starts_with(super::stored::SECRET_PREFIX) {
        return super::stored::get_secret(ctx, &target).await;
    }
    let (id, oid, key) = load(ctx, p).await?;
    let caller = ctx.caller()?;
    let (fmt, material) = if oid.public {
        if key.tags.contains_key(PUBLIC_DESTROYED_TAG) || key.state.is_destroyed() {
            return Err(KmipError::new(
                reason::WRONG_KEY_LIFECYCLE_STATE,
                "the object is destroyed",
            ));
        }
        let out = ctx
            .kms
            .public_key(caller, &oid.key_ref(), None, PublicKeyFormat::Der)
            .await?;
        let PublicKeyOut::Der(spki) = out else {
            return Err(internal());
        };
        let (fmt, bytes) = public_value(key.algorithm, spki, asked)?;
        (fmt, Value::ByteString(bytes))
    } else {
        let (_, secret) = ctx.kms.export_key_material(caller, &oid.key_ref()).await?;
        if key.algorithm.is_asymmetric() {
            let (fmt, bytes) = private_value(key.algorithm, secret.expose(), asked)?;
            (fmt, Value::ByteString(bytes))
        } else {
            match asked.unwrap_or(format::RAW) {
                format::RAW => (format::RAW, Value::ByteString(secret.expose().to_vec())),
                format::TRANSPARENT_SYMMETRIC_KEY => (
                    format::TRANSPARENT_SYMMETRIC_KEY,
                    Value::Structure(vec![t::bytes(Tag::Key, secret.expose())]),
                ),
                _ => return Err(unsupported_format()),
            }
        }
    };
    let mut block = vec![
        t::enumeration(Tag::KeyFormatType, fmt),
        t::structure(Tag::KeyValue, vec![Ttlv::new(Tag::KeyMaterial, material)]),
    ];
    if let Some((alg, len)) = kmip_algorithm(key.algorithm) {
        block.push(t::enumeration(Tag::CryptographicAlgorithm, alg));
        block.push(t::integer(Tag::CryptographicLength, len));
    }
    let object_type = oid.object_type(&key);
    let object_tag = match object_type {
        crate::codes::object::PUBLIC_KEY => Tag::PublicKey,
        crate::codes::object::PRIVATE_KEY => Tag::PrivateKey,
        _ => Tag::SymmetricKey,
    };
    Ok(vec![
        t::enumeration(Tag::ObjectType, object_type),
        t::text(Tag::UniqueIdentifier, id),
        t::structure(object_tag, vec![t::structure(Tag::KeyBlock, block)]),
    ])
}

/// The attribute tags a Get Attributes request names (1.x Attribute Name
/// texts, 2.x Attribute Reference enumerations); `None` means all.
fn requested(p: &Ttlv) -> Option<Vec<Tag>> {
    let mut tags = Vec::new();
    for c in p.children() {
        match (c.tag, &c.value) {
            (Tag::AttributeName, Value::TextString(n)) => {
                tags.extend(tresor_kmip::tags::by_attribute_name(n));
            }
            (Tag::AttributeReference, Value::Enumeration(code)) => {
                tags.extend(Tag::new(*code));
            }
            (Tag::AttributeReference, Value::TextString(n)) => {
                tags.extend(tresor_kmip::tags::by_attribute_name(n));
            }
            _ => {}
        }
    }
    let named = p
        .children()
        .iter()
        .any(|c| matches!(c.tag, Tag::AttributeName | Tag::AttributeReference));
    named.then_some(tags)
}

pub(crate) async fn get_attributes(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let target = ctx.target(p)?;
    if super::stored::is_stored(&target) {
        return super::stored::get_attributes(ctx, &target).await;
    }
    let (id, oid, key) = load(ctx, p).await?;
    let mut all = attrs::all_of(&key, &oid);
    if let Some(want) = requested(p) {
        all.retain(|a| want.contains(&a.tag));
        // Keep the requested order.
        all.sort_by_key(|a| want.iter().position(|w| *w == a.tag));
    }
    let mut out = vec![t::text(Tag::UniqueIdentifier, id)];
    out.extend(attrs::encode(ctx.v2(), all));
    Ok(out)
}

pub(crate) async fn get_attribute_list(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let (id, oid, key) = load(ctx, p).await?;
    let mut out = vec![t::text(Tag::UniqueIdentifier, id)];
    for a in attrs::all_of(&key, &oid) {
        if ctx.v2() {
            out.push(t::enumeration(Tag::AttributeReference, a.tag.value()));
        } else if let Some(name) = attrs::v1_name(a.tag) {
            out.push(t::text(Tag::AttributeName, name));
        }
    }
    Ok(out)
}
