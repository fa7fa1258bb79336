//! A Public Key registered alone (without its private key, which Tresor
//! never sees) is kept like Secret Data: a Tresor secret of type `public`
//! (`/v1/secrets`, identifier `secret-<id>`), with its KMIP form (key
//! format, algorithm, length) in the secret's metadata so Get returns it
//! as it came. It can be read, listed over REST and destroyed; Tresor
//! does not verify signatures with it (register the private key, or keep
//! verifying on the client).

use std::collections::BTreeMap;

use tresor_core::SecretBytes;
use tresor_kmip::{Tag, Ttlv, Value};
use tresor_service::secrets::{NewSecret, SecretInfo};

use crate::codes::{format, object, reason};
use crate::der;
use crate::error::{KmipError, KmipResult};
use crate::message::Ctx;
use crate::ttlv_ext::{self as t, Fields};

/// `kmip-object` metadata value of a registered public key.
pub(crate) const FORM: &str = "public-key";
const META_FORMAT: &str = "kmip-key-format";
const META_ALGORITHM: &str = "kmip-algorithm";
const META_LENGTH: &str = "kmip-length";
/// Largest public key accepted (an RSA-16384 SPKI is about 2 KiB).
const MAX_PUBLIC_KEY: usize = 16 * 1024;

/// A registered public key's block.
struct Parsed {
    format: u32,
    bytes: Vec<u8>,
    algorithm: Option<u32>,
    length: Option<i32>,
}

/// The public key's block, checked: plain, a byte-string key material in
/// X.509 (SubjectPublicKeyInfo), PKCS#1 (RSAPublicKey) or Raw form.
fn parse(p: &Ttlv) -> KmipResult<Parsed> {
    let block = p
        .child(Tag::PublicKey)
        .ok_or_else(|| KmipError::missing(Tag::PublicKey))?
        .child(Tag::KeyBlock)
        .ok_or_else(|| KmipError::missing(Tag::KeyBlock))?;
    if block.child(Tag::KeyWrappingData).is_some() {
        return Err(KmipError::feature("a public key is registered unwrapped"));
    }
    let fmt = block
        .enumeration(Tag::KeyFormatType)
        .ok_or_else(|| KmipError::missing(Tag::KeyFormatType))?;
    let material = block
        .child(Tag::KeyValue)
        .and_then(|v| v.child(Tag::KeyMaterial))
        .ok_or_else(|| KmipError::missing(Tag::KeyMaterial))?;
    let Value::ByteString(bytes) = &material.value else {
        return Err(KmipError::new(
            reason::KEY_FORMAT_TYPE_NOT_SUPPORTED,
            "public keys are registered as X.509, PKCS#1 or Raw byte strings",
        ));
    };
    if bytes.is_empty() || bytes.len() > MAX_PUBLIC_KEY {
        return Err(KmipError::invalid("the public key is empty or too large"));
    }
    let well_formed = match fmt {
        format::X_509 => der::spki_key(bytes).is_some(),
        format::PKCS_1 => bytes.first() == Some(&0x30),
        format::RAW => true,
        _ => {
            return Err(KmipError::new(
                reason::KEY_FORMAT_TYPE_NOT_SUPPORTED,
                "public keys are registered as X.509, PKCS#1 or Raw",
            ));
        }
    };
    if !well_formed {
        return Err(KmipError::invalid(
            "the key material is not well-formed DER for its format",
        ));
    }
    Ok(Parsed {
        format: fmt,
        bytes: bytes.clone(),
        algorithm: block.enumeration(Tag::CryptographicAlgorithm),
        length: block.integer(Tag::CryptographicLength),
    })
}

/// Register of a Public Key: stored as a `public` secret; its id.
pub(crate) async fn register(
    ctx: &Ctx<'_>,
    p: &Ttlv,
    name: Option<String>,
    template_alg: Option<u32>,
    template_len: Option<i32>,
) -> KmipResult<String> {
    let parsed = parse(p)?;
    let mut metadata = BTreeMap::new();
    metadata.insert(super::stored::META_OBJECT.to_owned(), FORM.to_owned());
    metadata.insert(META_FORMAT.to_owned(), parsed.format.to_string());
    if let Some(a) = parsed.algorithm.or(template_alg) {
        metadata.insert(META_ALGORITHM.to_owned(), a.to_string());
    }
    if let Some(l) = parsed.length.or(template_len) {
        metadata.insert(META_LENGTH.to_owned(), l.to_string());
    }
    let made = ctx
        .kms
        .put_secret(
            ctx.caller()?,
            NewSecret {
                name,
                secret_type: Some("public".to_owned()),
                metadata,
                payload: Some(SecretBytes::new(parsed.bytes)),
                ..NewSecret::default()
            },
        )
        .await?;
    Ok(made.id.to_string())
}

fn meta<T: std::str::FromStr>(info: &SecretInfo, key: &str) -> Option<T> {
    info.metadata.get(key).and_then(|v| v.parse().ok())
}

/// Algorithm and length attributes of a registered public key.
pub(crate) fn attributes(info: &SecretInfo) -> Vec<Ttlv> {
    let mut out = vec![t::enumeration(Tag::ObjectType, object::PUBLIC_KEY)];
    if let Some(a) = meta::<u32>(info, META_ALGORITHM) {
        out.push(t::enumeration(Tag::CryptographicAlgorithm, a));
    }
    if let Some(l) = meta::<i32>(info, META_LENGTH) {
        out.push(t::integer(Tag::CryptographicLength, l));
    }
    out
}

/// Get of a registered public key: the Public Key object as registered.
pub(crate) fn get(info: &SecretInfo, payload: Vec<u8>, id: &str) -> Vec<Ttlv> {
    let fmt = meta::<u32>(info, META_FORMAT).unwrap_or(format::X_509);
    let mut block = vec![
        t::enumeration(Tag::KeyFormatType, fmt),
        t::structure(Tag::KeyValue, vec![t::bytes(Tag::KeyMaterial, payload)]),
    ];
    block.extend(attributes(info).into_iter().skip(1));
    vec![
        t::enumeration(Tag::ObjectType, object::PUBLIC_KEY),
        t::text(Tag::UniqueIdentifier, id),
        t::structure(Tag::PublicKey, vec![t::structure(Tag::KeyBlock, block)]),
    ]
}
