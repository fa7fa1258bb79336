//! Key pairs generated for `asymmetric` orders: the private key as PKCS#8
//! DER (zeroized on drop) and the public key as SubjectPublicKeyInfo DER.
//! These keys are secrets that leave Tresor by design, so they are made
//! here with aws-lc-rs rather than inside a provider that keeps its keys.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeySize, PrivateDecryptingKey};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, ECDSA_P521_SHA512_ASN1_SIGNING,
    EcdsaKeyPair, KeyPair,
};
use tresor_core::{Algorithm, SecretBytes};

use crate::error::{Result, ServiceError};

fn failed<E>(_: E) -> ServiceError {
    ServiceError::CryptoFailed
}

/// Generates a pair; returns (PKCS#8, SubjectPublicKeyInfo).
pub(crate) fn generate(alg: Algorithm) -> Result<(SecretBytes, Vec<u8>)> {
    let rsa = |size| {
        let key = PrivateDecryptingKey::generate(size).map_err(failed)?;
        let private: Pkcs8V1Der<'static> = key.as_der().map_err(failed)?;
        let public: PublicKeyX509Der<'static> = key.public_key().as_der().map_err(failed)?;
        Ok((
            SecretBytes::from_slice(private.as_ref()),
            public.as_ref().to_vec(),
        ))
    };
    let ec = |curve| {
        let pair = EcdsaKeyPair::generate(curve).map_err(failed)?;
        let private = pair.to_pkcs8v1().map_err(failed)?;
        let public: PublicKeyX509Der<'static> = pair.public_key().as_der().map_err(failed)?;
        Ok((
            SecretBytes::from_slice(private.as_ref()),
            public.as_ref().to_vec(),
        ))
    };
    match alg {
        Algorithm::Rsa2048 => rsa(KeySize::Rsa2048),
        Algorithm::Rsa3072 => rsa(KeySize::Rsa3072),
        Algorithm::Rsa4096 => rsa(KeySize::Rsa4096),
        Algorithm::EcP256 => ec(&ECDSA_P256_SHA256_ASN1_SIGNING),
        Algorithm::EcP384 => ec(&ECDSA_P384_SHA384_ASN1_SIGNING),
        Algorithm::EcP521 => ec(&ECDSA_P521_SHA512_ASN1_SIGNING),
        _ => Err(ServiceError::UnsupportedAlgorithm(alg.as_str().into())),
    }
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::signature::{self, UnparsedPublicKey};

    use super::*;

    #[test]
    fn ec_pairs_sign_and_verify() {
        let (private, public) = generate(Algorithm::EcP256).unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, private.expose()).unwrap();
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let sig = pair.sign(&rng, b"order").unwrap();
        // The SPKI carries the same public key the pair signs with.
        let spki_key = &public[public.len() - pair.public_key().as_ref().len()..];
        UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, spki_key)
            .verify(b"order", sig.as_ref())
            .unwrap();
    }

    #[test]
    fn rsa_pairs_parse() {
        let (private, public) = generate(Algorithm::Rsa2048).unwrap();
        assert!(aws_lc_rs::rsa::KeyPair::from_pkcs8(private.expose()).is_ok());
        assert!(public.len() > 256);
        assert!(generate(Algorithm::Aes256Gcm).is_err());
    }
}
