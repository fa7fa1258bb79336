//! Symmetric primitives: AEAD (AES-GCM, ChaCha20-Poly1305), HMAC and AES key
//! wrap (RFC 3394 / RFC 5649). Plain functions used by the provider, the key
//! hierarchy and the Wycheproof tests alike. Failures to open are the opaque
//! [`ProviderError::Crypto`].

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::hmac;
use aws_lc_rs::key_wrap::{AES_128, AES_256, AesKek, KeyWrap, KeyWrapPadded};
use tresor_core::{Algorithm, ProviderError, WrapMechanism};
use zeroize::Zeroizing;

/// AEAD nonce length (96 bits) for every AEAD the provider offers.
pub const NONCE_LEN: usize = 12;
/// AEAD tag length.
pub const TAG_LEN: usize = 16;

/// The aws-lc-rs AEAD algorithm for a symmetric key algorithm.
pub fn aead_algorithm(alg: Algorithm) -> Option<&'static aead::Algorithm> {
    match alg {
        Algorithm::Aes128Gcm => Some(&aead::AES_128_GCM),
        Algorithm::Aes256Gcm => Some(&aead::AES_256_GCM),
        Algorithm::ChaCha20Poly1305 => Some(&aead::CHACHA20_POLY1305),
        _ => None,
    }
}

/// The aws-lc-rs HMAC algorithm for a MAC key algorithm.
pub fn hmac_algorithm(alg: Algorithm) -> Option<hmac::Algorithm> {
    match alg {
        Algorithm::HmacSha256 => Some(hmac::HMAC_SHA256),
        Algorithm::HmacSha384 => Some(hmac::HMAC_SHA384),
        Algorithm::HmacSha512 => Some(hmac::HMAC_SHA512),
        _ => None,
    }
}

/// Builds an AEAD key; the key length must match the algorithm.
pub fn aead_key(alg: &'static aead::Algorithm, key: &[u8]) -> Result<LessSafeKey, ProviderError> {
    UnboundKey::new(alg, key)
        .map(LessSafeKey::new)
        .map_err(|_| ProviderError::InvalidKey("wrong symmetric key length"))
}

/// A fresh random 96-bit nonce.
pub fn random_nonce() -> Result<[u8; NONCE_LEN], ProviderError> {
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    Ok(nonce)
}

/// Fills `out` from the aws-lc DRBG.
pub fn fill_random(out: &mut [u8]) -> Result<(), ProviderError> {
    aws_lc_rs::rand::fill(out)
        .map_err(|_| ProviderError::Unavailable("random generator failure".into()))
}

/// Encrypts `plaintext`; returns ciphertext with the tag appended.
pub fn aead_seal(
    key: &LessSafeKey,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, ProviderError> {
    let mut in_out = Vec::with_capacity(plaintext.len() + TAG_LEN);
    in_out.extend_from_slice(plaintext);
    let nonce = Nonce::assume_unique_for_key(*nonce);
    key.seal_in_place_append_tag(nonce, Aad::from(aad), &mut in_out)
        .map_err(|_| ProviderError::InvalidInput("plaintext too long"))?;
    Ok(in_out)
}

/// Decrypts ciphertext-with-tag. Any failure (wrong nonce length, short
/// input, bad tag, wrong AAD) is [`ProviderError::Crypto`].
pub fn aead_open(
    key: &LessSafeKey,
    nonce: &[u8],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| ProviderError::Crypto)?;
    let mut in_out = Zeroizing::new(ciphertext_and_tag.to_vec());
    let len = key
        .open_in_place(nonce, Aad::from(aad), in_out.as_mut_slice())
        .map_err(|_| ProviderError::Crypto)?
        .len();
    in_out.truncate(len);
    Ok(in_out)
}

/// Computes an HMAC tag.
pub fn mac_sign(key: &hmac::Key, message: &[u8]) -> Vec<u8> {
    hmac::sign(key, message).as_ref().to_vec()
}

/// Checks an HMAC tag in constant time (aws-lc `hmac::verify`).
pub fn mac_verify(key: &hmac::Key, message: &[u8], tag: &[u8]) -> bool {
    hmac::verify(key, message, tag).is_ok()
}

fn kek(key: &[u8]) -> Result<AesKek, ProviderError> {
    let cipher = match key.len() {
        16 => &AES_128,
        32 => &AES_256,
        _ => {
            return Err(ProviderError::InvalidKey(
                "AES key wrap needs a 128- or 256-bit key",
            ));
        }
    };
    AesKek::new(cipher, key).map_err(|_| ProviderError::InvalidKey("AES key wrap key"))
}

/// Wraps `material` under an AES key with RFC 3394 (`AesKw`, input a
/// multiple of 8 bytes, at least 16) or RFC 5649 (`AesKwp`).
pub fn aes_wrap(
    key: &[u8],
    mechanism: WrapMechanism,
    material: &[u8],
) -> Result<Vec<u8>, ProviderError> {
    let kek = kek(key)?;
    let mut out = vec![0u8; material.len() + 16];
    let len = match mechanism {
        WrapMechanism::AesKw => {
            if material.len() < 16 || !material.len().is_multiple_of(8) {
                return Err(ProviderError::InvalidInput(
                    "AES-KW input must be a multiple of 8 bytes, at least 16",
                ));
            }
            kek.wrap(material, &mut out)
        }
        WrapMechanism::AesKwp => {
            if material.is_empty() {
                return Err(ProviderError::InvalidInput("nothing to wrap"));
            }
            kek.wrap_with_padding(material, &mut out)
        }
        _ => return Err(ProviderError::InvalidInput("mechanism needs an AES key")),
    }
    .map_err(|_| ProviderError::InvalidInput("material cannot be wrapped"))?
    .len();
    out.truncate(len);
    Ok(out)
}

/// Unwraps AES-KW / AES-KWP; any failure is [`ProviderError::Crypto`].
pub fn aes_unwrap(
    key: &[u8],
    mechanism: WrapMechanism,
    wrapped: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let kek = kek(key)?;
    let mut out = Zeroizing::new(vec![0u8; wrapped.len()]);
    let len = match mechanism {
        WrapMechanism::AesKw => kek.unwrap(wrapped, out.as_mut_slice()),
        WrapMechanism::AesKwp => kek.unwrap_with_padding(wrapped, out.as_mut_slice()),
        _ => return Err(ProviderError::InvalidInput("mechanism needs an AES key")),
    }
    .map_err(|_| ProviderError::Crypto)?
    .len();
    out.truncate(len);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aead_round_trip_and_tamper() {
        let key = aead_key(&aead::AES_256_GCM, &[9u8; 32]).unwrap();
        let nonce = random_nonce().unwrap();
        let ct = aead_seal(&key, &nonce, b"aad", b"hello").unwrap();
        assert_eq!(
            aead_open(&key, &nonce, b"aad", &ct).unwrap().as_slice(),
            b"hello"
        );
        assert!(matches!(
            aead_open(&key, &nonce, b"aaX", &ct),
            Err(ProviderError::Crypto)
        ));
        assert!(matches!(
            aead_open(&key, &nonce[..11], b"aad", &ct),
            Err(ProviderError::Crypto)
        ));
        assert!(matches!(
            aead_open(&key, &nonce, b"aad", &ct[..3]),
            Err(ProviderError::Crypto)
        ));
        assert!(matches!(
            aead_open(&key, &nonce, b"aad", &[]),
            Err(ProviderError::Crypto)
        ));
    }

    #[test]
    fn key_wrap_rejects_bad_sizes() {
        assert!(aes_wrap(&[1u8; 32], WrapMechanism::AesKw, &[0u8; 12]).is_err());
        assert!(aes_wrap(&[1u8; 24], WrapMechanism::AesKw, &[0u8; 16]).is_err());
        let w = aes_wrap(&[1u8; 16], WrapMechanism::AesKwp, &[5u8; 5]).unwrap();
        assert_eq!(
            aes_unwrap(&[1u8; 16], WrapMechanism::AesKwp, &w)
                .unwrap()
                .as_slice(),
            &[5u8; 5]
        );
        assert!(matches!(
            aes_unwrap(&[1u8; 16], WrapMechanism::AesKw, &w),
            Err(ProviderError::Crypto)
        ));
        assert!(matches!(
            aes_unwrap(&[1u8; 16], WrapMechanism::AesKwp, &[]),
            Err(ProviderError::Crypto)
        ));
    }
}
