//! Secret-key operations: AES-GCM with a fresh random nonce (the software
//! provider's layout: nonce, then ciphertext || tag), HMAC, AES-KW/KWP.

use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, ObjectHandle};
use cryptoki::session::Session;
use tresor_core::{Algorithm, ProviderError, SecretBytes, WrapMechanism};
use zeroize::Zeroizing;

use super::{crypto_only, invalid, scratch_secret, take_secret};
use crate::error::{Failure, classify, verify_result};

/// AES-GCM nonce and tag lengths (the software provider's layout).
pub const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// AES-GCM encryption with a fresh random 96-bit nonce: `(nonce, ct||tag)`.
pub fn gcm_encrypt(
    s: &Session,
    key: ObjectHandle,
    plaintext: &[u8],
    aad: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), Failure> {
    let mut nonce = [0u8; NONCE_LEN];
    aws_lc_rs::rand::fill(&mut nonce)
        .map_err(|_| ProviderError::Unavailable("random generator failure".into()))?;
    let mut iv = nonce;
    let params = GcmParams::new(&mut iv, aad, 128u64.into()).map_err(classify)?;
    let ct = s
        .encrypt(&Mechanism::AesGcm(params), key, plaintext)
        .map_err(classify)?;
    Ok((nonce.to_vec(), ct))
}

/// AES-GCM decryption; every failure is the opaque `Crypto`.
pub fn gcm_decrypt(
    s: &Session,
    key: ObjectHandle,
    nonce: &[u8],
    ct: &[u8],
    aad: &[u8],
) -> Result<SecretBytes, Failure> {
    let Ok(mut iv) = <[u8; NONCE_LEN]>::try_from(nonce) else {
        return Err(ProviderError::Crypto.into());
    };
    if ct.len() < TAG_LEN {
        return Err(ProviderError::Crypto.into());
    }
    let params = GcmParams::new(&mut iv, aad, 128u64.into()).map_err(classify)?;
    crypto_only(s, s.decrypt(&Mechanism::AesGcm(params), key, ct)).map(SecretBytes::new)
}

/// HMAC tag.
pub fn mac(
    s: &Session,
    key: ObjectHandle,
    alg: Algorithm,
    message: &[u8],
) -> Result<Vec<u8>, Failure> {
    s.sign(&hmac(alg), key, message).map_err(classify)
}

/// HMAC verification by the token (`C_Verify`).
pub fn mac_verify(
    s: &Session,
    key: ObjectHandle,
    alg: Algorithm,
    message: &[u8],
    tag: &[u8],
) -> Result<bool, Failure> {
    if tag.is_empty() {
        return Ok(false);
    }
    verify_result(s.verify(&hmac(alg), key, message, tag))
}

fn hmac(alg: Algorithm) -> Mechanism<'static> {
    match alg {
        Algorithm::HmacSha384 => Mechanism::Sha384Hmac,
        Algorithm::HmacSha512 => Mechanism::Sha512Hmac,
        _ => Mechanism::Sha256Hmac,
    }
}

fn aes_wrap_mechanism(m: WrapMechanism) -> Result<Mechanism<'static>, Failure> {
    match m {
        WrapMechanism::AesKw => Ok(Mechanism::AesKeyWrap),
        WrapMechanism::AesKwp => Ok(Mechanism::AesKeyWrapPad),
        _ => Err(invalid("wrap mechanism does not match the key algorithm")),
    }
}

/// AES-KW / AES-KWP wrapping of raw material (via a scratch session object).
pub fn aes_wrap(
    s: &Session,
    key: ObjectHandle,
    m: WrapMechanism,
    material: &[u8],
) -> Result<Vec<u8>, Failure> {
    let mech = aes_wrap_mechanism(m)?;
    match m {
        WrapMechanism::AesKw if material.len() < 16 || !material.len().is_multiple_of(8) => {
            return Err(invalid(
                "AES-KW input must be a multiple of 8 bytes, at least 16",
            ));
        }
        _ if material.is_empty() => return Err(invalid("nothing to wrap")),
        _ => {}
    }
    let value = Zeroizing::new(material.to_vec());
    let template = scratch_secret(vec![Attribute::Value(value.to_vec())]);
    let obj = s.create_object(&template).map_err(classify);
    if let Some(Attribute::Value(v)) = template.into_iter().last() {
        drop(Zeroizing::new(v));
    }
    let obj = obj?;
    let out = s.wrap_key(&mech, key, obj);
    let _ = s.destroy_object(obj);
    out.map_err(classify)
}

/// AES-KW / AES-KWP unwrapping; failures are `Crypto`.
pub fn aes_unwrap(
    s: &Session,
    key: ObjectHandle,
    m: WrapMechanism,
    wrapped: &[u8],
) -> Result<SecretBytes, Failure> {
    let mech = aes_wrap_mechanism(m)?;
    if wrapped.len() < 16 || !wrapped.len().is_multiple_of(8) {
        return Err(ProviderError::Crypto.into());
    }
    let obj = crypto_only(
        s,
        s.unwrap_key(&mech, key, wrapped, &scratch_secret(Vec::new())),
    )?;
    take_secret(s, obj)
}
