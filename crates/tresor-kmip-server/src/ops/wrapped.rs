//! Key wrapping both ways.
//!
//! Get with a Key Wrapping Specification → the service's `wrap` with the
//! requested key as its source: the material (raw bytes for a symmetric
//! key, PKCS#8 for a private key) is wrapped inside the provider under
//! another key of the tenant and leaves Tresor only wrapped. The wrapped
//! key must be exportable and the wrapping key must allow Wrap; the call
//! is audited once, as `crypto.wrap` naming both keys.
//!
//! Supported: Wrapping Method Encrypt; Encoding Option No Encoding (also
//! assumed when absent, and echoed in the Key Wrapping Data); AES keys
//! with NIST Key Wrap (RFC 3394) or AES Key Wrap with Padding (RFC 5649,
//! the default); RSA keys with OAEP and SHA-256. MAC/signature wrapping,
//! TTLV encoding and wrapped attributes are refused with a clear reason.
//!
//! Register of a wrapped key block (Key Wrapping Data with the same
//! choices) → the service's `import_key` with the material unwrapped
//! under the named key inside its provider: one audited `key.import`.
//! A wrapped symmetric key is Raw and needs its Cryptographic Length; a
//! wrapped private key is PKCS#8.

use tresor_core::WrapMechanism;
use tresor_kmip::{Tag, Ttlv, Value};
use tresor_service::types::{ImportMaterial, UnwrapRequest, WrapRequest, WrapSource};

use crate::attrs::Template;
use crate::codes::{format, hash, object, reason, wrapping};
use crate::error::{KmipError, KmipResult};
use crate::message::Ctx;
use crate::objects::{ObjectId, kmip_algorithm, pair_algorithm, symmetric_algorithm};
use crate::ttlv_ext::{self as t, Fields};

/// The wrap mechanism the Cryptographic Parameters ask for; `None` lets
/// the wrapping key's default apply.
fn mechanism(cp: Option<&Ttlv>) -> KmipResult<Option<WrapMechanism>> {
    let Some(cp) = cp else {
        return Ok(None);
    };
    if let Some(mode) = cp.enumeration(Tag::BlockCipherMode) {
        return match mode {
            wrapping::NIST_KEY_WRAP => Ok(Some(WrapMechanism::AesKw)),
            wrapping::AES_KEY_WRAP_PADDING => Ok(Some(WrapMechanism::AesKwp)),
            _ => Err(KmipError::feature(
                "AES keys wrap with NIST Key Wrap or AES Key Wrap with Padding",
            )),
        };
    }
    match cp.enumeration(Tag::PaddingMethod) {
        None => Ok(None),
        Some(wrapping::OAEP) => match cp.enumeration(Tag::HashingAlgorithm) {
            None | Some(hash::SHA_256) => Ok(Some(WrapMechanism::RsaOaepSha256)),
            Some(_) => Err(KmipError::feature("RSA keys wrap with OAEP and SHA-256")),
        },
        Some(_) => Err(KmipError::feature("RSA keys wrap with OAEP and SHA-256")),
    }
}

/// Cryptographic Parameters describing a mechanism (for the response).
fn parameters(m: WrapMechanism) -> Ttlv {
    let children = match m {
        WrapMechanism::AesKw => vec![t::enumeration(
            Tag::BlockCipherMode,
            wrapping::NIST_KEY_WRAP,
        )],
        WrapMechanism::RsaOaepSha256 => vec![
            t::enumeration(Tag::PaddingMethod, wrapping::OAEP),
            t::enumeration(Tag::HashingAlgorithm, hash::SHA_256),
        ],
        _ => vec![t::enumeration(
            Tag::BlockCipherMode,
            wrapping::AES_KEY_WRAP_PADDING,
        )],
    };
    t::structure(Tag::CryptographicParameters, children)
}

/// Checks the parts of a Key Wrapping Specification (or Key Wrapping
/// Data: the same fields) Tresor does not do.
fn check_spec(spec: &Ttlv) -> KmipResult<()> {
    let method = spec
        .enumeration(Tag::WrappingMethod)
        .ok_or_else(|| KmipError::missing(Tag::WrappingMethod))?;
    if method != wrapping::METHOD_ENCRYPT || spec.child(Tag::MACSignatureKeyInformation).is_some() {
        return Err(KmipError::feature(
            "only the Encrypt wrapping method is supported (no MAC or signature)",
        ));
    }
    if spec.child(Tag::AttributeName).is_some() {
        return Err(KmipError::feature(
            "attributes are not wrapped with the key",
        ));
    }
    match spec.enumeration(Tag::EncodingOption) {
        None | Some(wrapping::NO_ENCODING) => Ok(()),
        Some(wrapping::TTLV_ENCODING) => Err(KmipError::new(
            reason::ENCODING_OPTION_ERROR,
            "TTLV-encoded wrapping is not supported: ask for No Encoding",
        )),
        Some(_) => Err(KmipError::invalid("unknown Encoding Option")),
    }
}

/// Get of a key, wrapped as `spec` says.
pub(crate) async fn get_wrapped(ctx: &Ctx<'_>, p: &Ttlv, spec: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let (wrapping_id, mechanism) = wrapping_key(spec)?;
    let wrapping_key = ObjectId::parse(&wrapping_id)?;
    let id = ctx.target(p)?;
    if super::stored::is_stored(&id) {
        return Err(KmipError::feature(
            "secret data, opaque objects and certificates are returned unwrapped",
        ));
    }
    let oid = ObjectId::parse(&id)?;
    if oid.public {
        return Err(KmipError::feature("public keys are returned unwrapped"));
    }
    let caller = ctx.caller()?;
    let key = ctx.kms.get_key(caller, &oid.key_ref()).await?.key;
    oid.check(&key)?;
    let fmt = if key.algorithm.is_asymmetric() {
        format::PKCS_8
    } else {
        format::RAW
    };
    if p.enumeration(Tag::KeyFormatType).is_some_and(|f| f != fmt) {
        return Err(KmipError::new(
            reason::KEY_FORMAT_TYPE_NOT_SUPPORTED,
            "a wrapped key is Raw (symmetric) or PKCS#8 (private)",
        ));
    }
    let request = WrapRequest {
        source: WrapSource::Key(oid.key_ref()),
        mechanism,
    };
    let done = ctx
        .kms
        .wrap(caller, &wrapping_key.key_ref(), request)
        .await?;
    let mut block = vec![
        t::enumeration(Tag::KeyFormatType, fmt),
        Ttlv::new(Tag::KeyValue, Value::ByteString(done.wrapped)),
    ];
    if let Some((alg, len)) = kmip_algorithm(key.algorithm) {
        block.push(t::enumeration(Tag::CryptographicAlgorithm, alg));
        block.push(t::integer(Tag::CryptographicLength, len));
    }
    block.push(t::structure(
        Tag::KeyWrappingData,
        vec![
            t::enumeration(Tag::WrappingMethod, wrapping::METHOD_ENCRYPT),
            t::structure(
                Tag::EncryptionKeyInformation,
                vec![
                    t::text(Tag::UniqueIdentifier, wrapping_id),
                    parameters(done.mechanism),
                ],
            ),
            t::enumeration(Tag::EncodingOption, wrapping::NO_ENCODING),
        ],
    ));
    let (object_type, object_tag) = if key.algorithm.is_asymmetric() {
        (object::PRIVATE_KEY, Tag::PrivateKey)
    } else {
        (object::SYMMETRIC_KEY, Tag::SymmetricKey)
    };
    Ok(vec![
        t::enumeration(Tag::ObjectType, object_type),
        t::text(Tag::UniqueIdentifier, id),
        t::structure(object_tag, vec![t::structure(Tag::KeyBlock, block)]),
    ])
}

/// The wrapping key and mechanism of a Key Wrapping Specification / Data.
fn wrapping_key(spec: &Ttlv) -> KmipResult<(String, Option<WrapMechanism>)> {
    check_spec(spec)?;
    let eki = spec
        .child(Tag::EncryptionKeyInformation)
        .ok_or_else(|| KmipError::missing(Tag::EncryptionKeyInformation))?;
    let id = eki.req_text(Tag::UniqueIdentifier)?.to_owned();
    Ok((id, mechanism(eki.child(Tag::CryptographicParameters))?))
}

fn not_bytes() -> KmipError {
    KmipError::invalid("a wrapped Key Value is a byte string (Encoding Option No Encoding)")
}

/// Register of a wrapped symmetric or private key; `None` when the key
/// block is not wrapped (or the object is of another type).
pub(crate) async fn register_wrapped(
    ctx: &mut Ctx<'_>,
    p: &Ttlv,
    object_type: u32,
    template: &Template,
) -> KmipResult<Option<Vec<Ttlv>>> {
    let object_tag = match object_type {
        object::SYMMETRIC_KEY => Tag::SymmetricKey,
        object::PRIVATE_KEY => Tag::PrivateKey,
        _ => return Ok(None),
    };
    let Some(block) = p.child(object_tag).and_then(|o| o.child(Tag::KeyBlock)) else {
        return Ok(None);
    };
    let Some(kwd) = block.child(Tag::KeyWrappingData) else {
        return Ok(None);
    };
    let (wrapping_id, mechanism) = wrapping_key(kwd)?;
    let wrapping_key = ObjectId::parse(&wrapping_id)?;
    // KMIP sends a wrapped Key Value as a Byte String; some clients (PyKMIP)
    // keep the Key Value structure with the wrapped bytes as Key Material.
    let wrapped = match block.child(Tag::KeyValue).map(|v| &v.value) {
        Some(Value::ByteString(b)) => b,
        Some(Value::Structure(_)) => match block
            .child(Tag::KeyValue)
            .and_then(|v| v.child(Tag::KeyMaterial))
        {
            Some(Ttlv {
                value: Value::ByteString(b),
                ..
            }) => b,
            _ => return Err(not_bytes()),
        },
        _ => return Err(not_bytes()),
    };
    let fmt = block
        .enumeration(Tag::KeyFormatType)
        .ok_or_else(|| KmipError::missing(Tag::KeyFormatType))?;
    let kmip_alg = block
        .enumeration(Tag::CryptographicAlgorithm)
        .or(template.algorithm);
    let length = block.integer(Tag::CryptographicLength).or(template.length);
    let algorithm = match (object_type, fmt) {
        (object::SYMMETRIC_KEY, format::RAW) => {
            let bits = length.ok_or_else(|| KmipError::missing(Tag::CryptographicLength))?;
            symmetric_algorithm(kmip_alg, Some(bits))?
        }
        (object::PRIVATE_KEY, format::PKCS_8) => pair_algorithm(kmip_alg, length, template.curve)?,
        _ => {
            return Err(KmipError::new(
                reason::KEY_FORMAT_TYPE_NOT_SUPPORTED,
                "a wrapped key is registered as Raw (symmetric) or PKCS#8 (private)",
            ));
        }
    };
    let spec = super::manage::spec(ctx, algorithm, template);
    let material = ImportMaterial::WrappedUnder(
        UnwrapRequest {
            wrapped: wrapped.clone(),
            mechanism,
            key_version: None,
        },
        wrapping_key.key_ref(),
    );
    let made = ctx.kms.import_key(ctx.caller()?, spec, material).await?;
    let id = ObjectId::private_id(&made.key);
    ctx.placeholder = Some(id.clone());
    Ok(Some(vec![t::text(Tag::UniqueIdentifier, id)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(children: Vec<Ttlv>) -> Ttlv {
        t::structure(Tag::CryptographicParameters, children)
    }

    #[test]
    fn mechanisms_round_trip_through_parameters() {
        for m in [
            WrapMechanism::AesKw,
            WrapMechanism::AesKwp,
            WrapMechanism::RsaOaepSha256,
        ] {
            let back = mechanism(Some(&parameters(m))).ok().flatten();
            assert_eq!(back, Some(m));
        }
        assert_eq!(mechanism(None).ok().flatten(), None);
        let sha1 = cp(vec![
            t::enumeration(Tag::PaddingMethod, wrapping::OAEP),
            t::enumeration(Tag::HashingAlgorithm, 0x4),
        ]);
        assert!(mechanism(Some(&sha1)).is_err());
        let gcm = cp(vec![t::enumeration(Tag::BlockCipherMode, 0x9)]);
        assert!(mechanism(Some(&gcm)).is_err());
    }

    #[test]
    fn unsupported_specs_are_refused() {
        let base = |extra: Vec<Ttlv>| {
            let mut c = vec![t::enumeration(
                Tag::WrappingMethod,
                wrapping::METHOD_ENCRYPT,
            )];
            c.extend(extra);
            t::structure(Tag::KeyWrappingSpecification, c)
        };
        assert!(check_spec(&base(vec![])).is_ok());
        let ttlv = base(vec![t::enumeration(
            Tag::EncodingOption,
            wrapping::TTLV_ENCODING,
        )]);
        assert_eq!(
            check_spec(&ttlv).err().map(|e| e.reason),
            Some(reason::ENCODING_OPTION_ERROR)
        );
        let mac = t::structure(
            Tag::KeyWrappingSpecification,
            vec![t::enumeration(Tag::WrappingMethod, 0x2)],
        );
        assert!(check_spec(&mac).is_err());
        assert!(check_spec(&base(vec![t::text(Tag::AttributeName, "Name")])).is_err());
    }
}
