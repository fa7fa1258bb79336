//! Register: a client-supplied symmetric or private key becomes a Tresor
//! key through the service's `import_key` (audited `key.import`, origin
//! imported), with the same attribute mapping as Create (name → alias,
//! usage mask → operations, Export bit or Extractable → exportable,
//! Activation Date → active). Symmetric keys come as Raw or Transparent
//! Symmetric Key; private keys as PKCS#8, or PKCS#1 for RSA (re-wrapped as
//! PKCS#8); wrapped key blocks go to [`super::wrapped`]. Compressed key
//! blocks are refused with a clear reason. Secret data, opaque objects, certificates and public keys
//! registered alone go to [`super::stored`].

use tresor_core::SecretBytes;
use tresor_kmip::{Tag, Ttlv, Value};
use tresor_service::types::ImportMaterial;
use zeroize::Zeroizing;

use crate::attrs;
use crate::codes::{alg, format, object, reason};
use crate::error::{KmipError, KmipResult};
use crate::message::Ctx;
use crate::objects::{ObjectId, pair_algorithm, symmetric_algorithm};
use crate::ops::manage::spec;
use crate::ttlv_ext::{self as t, Fields};

fn unsupported_format(what: &str) -> KmipError {
    KmipError::new(reason::KEY_FORMAT_TYPE_NOT_SUPPORTED, what.to_owned())
}

/// The key block of the object in the payload, checked to be uncompressed.
fn key_block(p: &Ttlv, object_tag: Tag) -> KmipResult<&Ttlv> {
    let block = p
        .child(object_tag)
        .ok_or_else(|| KmipError::missing(object_tag))?
        .child(Tag::KeyBlock)
        .ok_or_else(|| KmipError::missing(Tag::KeyBlock))?;
    if block.enumeration(Tag::KeyCompressionType).is_some() {
        return Err(KmipError::feature("key compression is not supported"));
    }
    Ok(block)
}

/// The Key Material of a block: a byte string, or a Transparent Symmetric
/// Key structure's Key.
fn material(block: &Ttlv) -> KmipResult<(u32, Zeroizing<Vec<u8>>)> {
    let fmt = block
        .enumeration(Tag::KeyFormatType)
        .ok_or_else(|| KmipError::missing(Tag::KeyFormatType))?;
    let km = block
        .child(Tag::KeyValue)
        .ok_or_else(|| KmipError::missing(Tag::KeyValue))?
        .child(Tag::KeyMaterial)
        .ok_or_else(|| KmipError::missing(Tag::KeyMaterial))?;
    let bytes = match (&km.value, fmt) {
        (Value::ByteString(b), _) => b.clone(),
        (Value::Structure(_), format::TRANSPARENT_SYMMETRIC_KEY) => {
            km.req_bytes(Tag::Key)?.to_vec()
        }
        _ => return Err(KmipError::invalid("Key Material has the wrong type")),
    };
    Ok((fmt, Zeroizing::new(bytes)))
}

/// DER length octets.
fn der_len(n: usize) -> Vec<u8> {
    let digits: Vec<u8> = n
        .to_be_bytes()
        .into_iter()
        .skip_while(|&b| b == 0)
        .collect();
    if n < 0x80 {
        return vec![digits.last().copied().unwrap_or(0)];
    }
    // At most 8 length octets for a usize.
    let mut out = vec![0x80 | u8::try_from(digits.len()).unwrap_or(8)];
    out.extend(digits);
    out
}

/// PKCS#8 PrivateKeyInfo around a PKCS#1 RSAPrivateKey.
fn rsa_pkcs8(pkcs1: &[u8]) -> KmipResult<Zeroizing<Vec<u8>>> {
    if pkcs1.len() > 0xFFFF - 32 {
        return Err(KmipError::invalid("the RSA private key is too large"));
    }
    // AlgorithmIdentifier { rsaEncryption, NULL } and version 0.
    const HEAD: &[u8] = &[
        0x02, 0x01, 0x00, 0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01,
        0x01, 0x05, 0x00,
    ];
    let mut octets = vec![0x04];
    octets.extend(der_len(pkcs1.len()));
    let body_len = HEAD.len() + octets.len() + pkcs1.len();
    let mut out = Zeroizing::new(Vec::with_capacity(body_len + 4));
    out.push(0x30);
    out.extend(der_len(body_len));
    out.extend_from_slice(HEAD);
    out.extend(octets);
    out.extend_from_slice(pkcs1);
    Ok(out)
}

pub(crate) async fn register(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let object_type = p
        .enumeration(Tag::ObjectType)
        .ok_or_else(|| KmipError::missing(Tag::ObjectType))?;
    if let Some(done) = super::stored::register(ctx, p, object_type).await? {
        return Ok(done);
    }
    let template = attrs::Template::from_attrs(&attrs::collect(
        p,
        &[Tag::TemplateAttribute, Tag::Attributes],
    ))?;
    if let Some(done) = super::wrapped::register_wrapped(ctx, p, object_type, &template).await? {
        return Ok(done);
    }
    let (algorithm, raw) = match object_type {
        object::SYMMETRIC_KEY => {
            let block = key_block(p, Tag::SymmetricKey)?;
            let (fmt, bytes) = material(block)?;
            if !matches!(fmt, format::RAW | format::TRANSPARENT_SYMMETRIC_KEY) {
                return Err(unsupported_format(
                    "symmetric keys are registered as Raw or Transparent Symmetric Key",
                ));
            }
            let bits = i32::try_from(bytes.len() * 8).unwrap_or(i32::MAX);
            let length = block.integer(Tag::CryptographicLength).or(template.length);
            if length.is_some_and(|l| l != bits) {
                return Err(KmipError::invalid(
                    "Cryptographic Length does not match the key material",
                ));
            }
            let kmip_alg = block
                .enumeration(Tag::CryptographicAlgorithm)
                .or(template.algorithm);
            (symmetric_algorithm(kmip_alg, Some(bits))?, bytes)
        }
        object::PRIVATE_KEY => {
            let block = key_block(p, Tag::PrivateKey)?;
            let (fmt, bytes) = material(block)?;
            let kmip_alg = block
                .enumeration(Tag::CryptographicAlgorithm)
                .or(template.algorithm);
            let length = block.integer(Tag::CryptographicLength).or(template.length);
            let pkcs8 = match fmt {
                format::PKCS_8 => bytes,
                format::PKCS_1 if kmip_alg == Some(alg::RSA) => rsa_pkcs8(&bytes)?,
                _ => {
                    return Err(unsupported_format(
                        "private keys are registered as PKCS#8 (or PKCS#1 for RSA)",
                    ));
                }
            };
            (pair_algorithm(kmip_alg, length, template.curve)?, pkcs8)
        }
        _ => {
            return Err(KmipError::not_supported(
                "this object type cannot be registered (keys, secret data, opaque objects and certificates can)",
            ));
        }
    };
    let spec = spec(ctx, algorithm, &template);
    let material = ImportMaterial::Raw(SecretBytes::from_slice(&raw));
    let made = ctx.kms.import_key(ctx.caller()?, spec, material).await?;
    let id = ObjectId::private_id(&made.key);
    ctx.placeholder = Some(id.clone());
    Ok(vec![t::text(Tag::UniqueIdentifier, id)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs1_is_wrapped_as_pkcs8() {
        // A fake 300-byte "RSAPrivateKey": the wrapping is structural.
        let inner = vec![0xAB; 300];
        let out = rsa_pkcs8(&inner).ok().unwrap_or_default();
        assert_eq!(out[0], 0x30);
        assert_eq!(crate::der::pkcs8_inner(&out).as_deref(), Some(&inner[..]));
        assert_eq!(der_len(5), vec![5]);
        assert_eq!(der_len(200), vec![0x81, 200]);
        assert_eq!(der_len(300), vec![0x82, 1, 44]);
    }
}
