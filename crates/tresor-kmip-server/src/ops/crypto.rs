//! Encrypt, Decrypt, Sign, Signature Verify, MAC, MAC Verify, RNG Retrieve.
//!
//! Encrypt returns Tresor's self-describing ciphertext envelope as Data
//! (key id, version, algorithm, nonce, ciphertext and tag together): the
//! server picks the nonce, so a client-supplied IV is refused and no
//! separate IV or tag is returned; Decrypt takes that envelope back as
//! Data. AES keys encrypt with AES-GCM; a Block Cipher Mode other than GCM
//! is refused rather than silently replaced.

use tresor_core::SecretBytes;
use tresor_kmip::{Tag, Ttlv};
use tresor_service::types::{
    Binding, DecryptRequest, EncryptRequest, SignData, SignRequest, VerifyRequest,
};

use crate::codes::{INVALID, VALID, alg, dsa, hash, padding};
use crate::error::{KmipError, KmipResult};
use crate::message::Ctx;
use crate::objects::ObjectId;
use crate::ttlv_ext::{self as t, Fields};

/// Block Cipher Mode GCM and AEAD.
const MODE_GCM: u32 = 0x9;
const MODE_AEAD: u32 = 0x12;

fn target(ctx: &Ctx<'_>, p: &Ttlv) -> KmipResult<(String, ObjectId)> {
    let id = ctx.target(p)?;
    let oid = ObjectId::parse(&id)?;
    Ok((id, oid))
}

fn binding(p: &Ttlv) -> Binding {
    Binding {
        aad: p
            .bytes(Tag::AuthenticatedEncryptionAdditionalData)
            .map(<[u8]>::to_vec)
            .unwrap_or_default(),
        ..Binding::default()
    }
}

/// Refuses parameters the envelope cannot honour.
fn check_cipher_params(p: &Ttlv) -> KmipResult<()> {
    if let Some(cp) = p.child(Tag::CryptographicParameters)
        && let Some(mode) = cp.enumeration(Tag::BlockCipherMode)
        && !matches!(mode, MODE_GCM | MODE_AEAD)
    {
        return Err(KmipError::invalid(
            "only AES-GCM is offered (Tresor ciphertext envelope); Block Cipher Mode must be GCM or absent",
        ));
    }
    Ok(())
}

pub(crate) async fn encrypt(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let (id, oid) = target(ctx, p)?;
    check_cipher_params(p)?;
    if p.bytes(Tag::IVCounterNonce)
        .is_some_and(|iv| !iv.is_empty())
    {
        return Err(KmipError::feature(
            "the server chooses the nonce: it is inside the returned ciphertext envelope",
        ));
    }
    let data = p.req_bytes(Tag::Data)?;
    let req = EncryptRequest {
        plaintext: SecretBytes::from_slice(data),
        binding: binding(p),
    };
    let out = ctx.kms.encrypt(ctx.caller()?, &oid.key_ref(), req).await?;
    Ok(vec![
        t::text(Tag::UniqueIdentifier, id),
        t::bytes(Tag::Data, out.ciphertext),
    ])
}

pub(crate) async fn decrypt(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let (id, oid) = target(ctx, p)?;
    check_cipher_params(p)?;
    if p.bytes(Tag::IVCounterNonce)
        .is_some_and(|iv| !iv.is_empty())
        || p.bytes(Tag::AuthenticatedEncryptionTag)
            .is_some_and(|t| !t.is_empty())
    {
        return Err(KmipError::feature(
            "pass the whole ciphertext envelope returned by Encrypt as Data, without a separate IV or tag",
        ));
    }
    let req = DecryptRequest {
        ciphertext: p.req_bytes(Tag::Data)?.to_vec(),
        binding: binding(p),
        key_version: None,
    };
    let out = ctx.kms.decrypt(ctx.caller()?, &oid.key_ref(), req).await?;
    Ok(vec![
        t::text(Tag::UniqueIdentifier, id),
        t::bytes(Tag::Data, out.plaintext.expose()),
    ])
}

fn hash_name(h: u32) -> KmipResult<&'static str> {
    match h {
        hash::SHA_256 => Ok("sha256"),
        hash::SHA_384 => Ok("sha384"),
        hash::SHA_512 => Ok("sha512"),
        _ => Err(KmipError::invalid(
            "hashing algorithm: SHA-256, SHA-384 or SHA-512",
        )),
    }
}

/// Tresor's scheme name from KMIP Cryptographic Parameters; `None` is the
/// key's default (RSA-PSS-SHA-256 for RSA, the curve's hash for ECDSA).
fn scheme(p: &Ttlv) -> KmipResult<Option<String>> {
    let Some(cp) = p.child(Tag::CryptographicParameters) else {
        return Ok(None);
    };
    let h = cp
        .enumeration(Tag::HashingAlgorithm)
        .map(hash_name)
        .transpose()?;
    if let Some(d) = cp.enumeration(Tag::DigitalSignatureAlgorithm) {
        let name = match d {
            dsa::SHA_256_RSA => "pkcs1-sha256".to_owned(),
            dsa::SHA_384_RSA => "pkcs1-sha384".to_owned(),
            dsa::SHA_512_RSA => "pkcs1-sha512".to_owned(),
            dsa::RSASSA_PSS => format!("pss-{}", h.unwrap_or("sha256")),
            dsa::ECDSA_SHA256 => "ecdsa-sha256".to_owned(),
            dsa::ECDSA_SHA384 => "ecdsa-sha384".to_owned(),
            dsa::ECDSA_SHA512 => "ecdsa-sha512".to_owned(),
            _ => {
                return Err(KmipError::invalid(
                    "digital signature algorithm not offered",
                ));
            }
        };
        return Ok(Some(name));
    }
    let algorithm = cp.enumeration(Tag::CryptographicAlgorithm);
    if matches!(algorithm, Some(alg::EC | alg::ECDSA)) {
        return Ok(h.map(|h| format!("ecdsa-{h}")));
    }
    match cp.enumeration(Tag::PaddingMethod) {
        Some(padding::PSS) => Ok(Some(format!("pss-{}", h.unwrap_or("sha256")))),
        Some(padding::PKCS1V1_5) => Ok(Some(format!("pkcs1-{}", h.unwrap_or("sha256")))),
        Some(_) => Err(KmipError::invalid(
            "padding method: PSS or PKCS1 v1.5 for signatures",
        )),
        None if algorithm == Some(alg::RSA) => Ok(h.map(|h| format!("pss-{h}"))),
        None => Ok(None),
    }
}

fn sign_data(p: &Ttlv) -> KmipResult<SignData> {
    if let Some(d) = p.bytes(Tag::DigestedData) {
        return Ok(SignData::Digest(d.to_vec()));
    }
    Ok(SignData::Message(p.req_bytes(Tag::Data)?.to_vec()))
}

pub(crate) async fn sign(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let (id, oid) = target(ctx, p)?;
    let req = SignRequest {
        data: sign_data(p)?,
        scheme: scheme(p)?,
        raw_signature: false,
    };
    let out = ctx.kms.sign(ctx.caller()?, &oid.key_ref(), req).await?;
    Ok(vec![
        t::text(Tag::UniqueIdentifier, id),
        t::bytes(Tag::SignatureData, out.signature),
    ])
}

fn validity(valid: bool) -> Ttlv {
    t::enumeration(Tag::ValidityIndicator, if valid { VALID } else { INVALID })
}

pub(crate) async fn verify(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let (id, oid) = target(ctx, p)?;
    let req = VerifyRequest {
        data: sign_data(p)?,
        signature: p.req_bytes(Tag::SignatureData)?.to_vec(),
        scheme: scheme(p)?,
        raw_signature: false,
        key_version: None,
    };
    let out = ctx.kms.verify(ctx.caller()?, &oid.key_ref(), req).await?;
    Ok(vec![
        t::text(Tag::UniqueIdentifier, id),
        validity(out.valid),
    ])
}

pub(crate) async fn mac(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let (id, oid) = target(ctx, p)?;
    let data = p.req_bytes(Tag::Data)?;
    let out = ctx.kms.mac(ctx.caller()?, &oid.key_ref(), data).await?;
    Ok(vec![
        t::text(Tag::UniqueIdentifier, id),
        t::bytes(Tag::MACData, out.mac),
    ])
}

pub(crate) async fn mac_verify(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let (id, oid) = target(ctx, p)?;
    let data = p.req_bytes(Tag::Data)?;
    let mac = p.req_bytes(Tag::MACData)?;
    let out = ctx
        .kms
        .mac_verify(ctx.caller()?, &oid.key_ref(), data, mac, None)
        .await?;
    Ok(vec![
        t::text(Tag::UniqueIdentifier, id),
        validity(out.valid),
    ])
}

pub(crate) async fn rng_retrieve(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let n = p
        .integer(Tag::DataLength)
        .ok_or_else(|| KmipError::missing(Tag::DataLength))?;
    let n = usize::try_from(n).map_err(|_| KmipError::invalid("Data Length must be positive"))?;
    let bytes = ctx.kms.random(ctx.caller()?, n).await?;
    Ok(vec![t::bytes(Tag::Data, bytes.expose())])
}
