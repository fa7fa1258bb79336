//! RSA keys: RSASSA-PSS (salt = hash length) and PKCS#1 v1.5 signatures,
//! RSAES-OAEP with SHA-256/MGF1-SHA-256. Stored material is PKCS#8 DER;
//! imports also accept PKCS#1 `RSAPrivateKey` DER.

use std::fmt;

use aws_lc_rs::digest;
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{
    KeySize, OAEP_SHA256_MGF1SHA256, OaepPrivateDecryptingKey, OaepPublicEncryptingKey,
    PrivateDecryptingKey,
};
use aws_lc_rs::signature::{
    self, KeyPair, ParsedPublicKey, RsaEncoding, RsaKeyPair, RsaParameters,
};
use tresor_core::{Algorithm, HashAlg, ProviderError, SignInput, SignScheme};
use zeroize::Zeroizing;

use crate::sig::{import_digest, verify_parsed};

/// Modulus size in bits of an RSA algorithm.
pub fn modulus_bits(alg: Algorithm) -> Option<usize> {
    match alg {
        Algorithm::Rsa2048 => Some(2048),
        Algorithm::Rsa3072 => Some(3072),
        Algorithm::Rsa4096 => Some(4096),
        _ => None,
    }
}

/// The aws-lc-rs digest for a hash.
pub fn digest_alg(hash: HashAlg) -> &'static digest::Algorithm {
    match hash {
        HashAlg::Sha384 => &digest::SHA384,
        HashAlg::Sha512 => &digest::SHA512,
        _ => &digest::SHA256,
    }
}

/// The six RSA signature schemes, in the order of [`RsaKey`]'s verifiers.
const SCHEMES: [SignScheme; 6] = [
    SignScheme::RsaPss(HashAlg::Sha256),
    SignScheme::RsaPss(HashAlg::Sha384),
    SignScheme::RsaPss(HashAlg::Sha512),
    SignScheme::RsaPkcs1(HashAlg::Sha256),
    SignScheme::RsaPkcs1(HashAlg::Sha384),
    SignScheme::RsaPkcs1(HashAlg::Sha512),
];

/// Signing encoding, verification parameters and hash of an RSA scheme.
pub fn scheme_params(
    scheme: SignScheme,
) -> Option<(
    &'static dyn RsaEncoding,
    &'static RsaParameters,
    &'static digest::Algorithm,
)> {
    Some(match scheme {
        SignScheme::RsaPss(HashAlg::Sha256) => (
            &signature::RSA_PSS_SHA256,
            &signature::RSA_PSS_2048_8192_SHA256,
            &digest::SHA256,
        ),
        SignScheme::RsaPss(HashAlg::Sha384) => (
            &signature::RSA_PSS_SHA384,
            &signature::RSA_PSS_2048_8192_SHA384,
            &digest::SHA384,
        ),
        SignScheme::RsaPss(HashAlg::Sha512) => (
            &signature::RSA_PSS_SHA512,
            &signature::RSA_PSS_2048_8192_SHA512,
            &digest::SHA512,
        ),
        SignScheme::RsaPkcs1(HashAlg::Sha256) => (
            &signature::RSA_PKCS1_SHA256,
            &signature::RSA_PKCS1_2048_8192_SHA256,
            &digest::SHA256,
        ),
        SignScheme::RsaPkcs1(HashAlg::Sha384) => (
            &signature::RSA_PKCS1_SHA384,
            &signature::RSA_PKCS1_2048_8192_SHA384,
            &digest::SHA384,
        ),
        SignScheme::RsaPkcs1(HashAlg::Sha512) => (
            &signature::RSA_PKCS1_SHA512,
            &signature::RSA_PKCS1_2048_8192_SHA512,
            &digest::SHA512,
        ),
        _ => return None,
    })
}

fn scheme_index(scheme: SignScheme) -> Option<usize> {
    SCHEMES.iter().position(|s| *s == scheme)
}

/// A public verifier for one scheme (SPKI or PKCS#1 public key DER).
pub fn verifier(public_der: &[u8], scheme: SignScheme) -> Result<ParsedPublicKey, ProviderError> {
    let (_, params, _) =
        scheme_params(scheme).ok_or(ProviderError::InvalidInput("not an RSA signature scheme"))?;
    ParsedPublicKey::new(params, public_der)
        .map_err(|_| ProviderError::InvalidKey("RSA public key"))
}

/// An OAEP decryption key from PKCS#8.
pub fn oaep_private_key(pkcs8: &[u8]) -> Result<OaepPrivateDecryptingKey, ProviderError> {
    PrivateDecryptingKey::from_pkcs8(pkcs8)
        .ok()
        .and_then(|k| OaepPrivateDecryptingKey::new(k).ok())
        .ok_or(ProviderError::InvalidKey("RSA private key"))
}

/// RSAES-OAEP-SHA-256 decryption (empty label = no label). Any failure is
/// [`ProviderError::Crypto`].
pub fn oaep_decrypt(
    key: &OaepPrivateDecryptingKey,
    ciphertext: &[u8],
    label: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let mut out = Zeroizing::new(vec![0u8; key.min_output_size()]);
    let label = (!label.is_empty()).then_some(label);
    let len = key
        .decrypt(
            &OAEP_SHA256_MGF1SHA256,
            ciphertext,
            out.as_mut_slice(),
            label,
        )
        .map_err(|_| ProviderError::Crypto)?
        .len();
    out.truncate(len);
    Ok(out)
}

/// Generates a key; returns its PKCS#8 DER.
pub fn generate(alg: Algorithm) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let size = match modulus_bits(alg) {
        Some(2048) => KeySize::Rsa2048,
        Some(3072) => KeySize::Rsa3072,
        Some(4096) => KeySize::Rsa4096,
        _ => return Err(ProviderError::Unsupported("not an RSA algorithm")),
    };
    let pair = RsaKeyPair::generate(size)
        .map_err(|_| ProviderError::Unavailable("RSA key generation failed".into()))?;
    to_pkcs8(&pair)
}

fn to_pkcs8(pair: &RsaKeyPair) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let der: Pkcs8V1Der<'static> = pair
        .as_der()
        .map_err(|_| ProviderError::InvalidKey("RSA key cannot be encoded"))?;
    Ok(Zeroizing::new(der.as_ref().to_vec()))
}

/// Validates imported material (PKCS#8 or PKCS#1 DER) against the
/// algorithm's modulus size; returns canonical PKCS#8.
pub fn canonicalize(alg: Algorithm, material: &[u8]) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let pair = RsaKeyPair::from_pkcs8(material)
        .or_else(|_| RsaKeyPair::from_der(material))
        .map_err(|_| ProviderError::InvalidKey("not an RSA private key (PKCS#8 or PKCS#1 DER)"))?;
    if Some(pair.public_modulus_len() * 8) != modulus_bits(alg) {
        return Err(ProviderError::InvalidKey(
            "RSA modulus size does not match the algorithm",
        ));
    }
    to_pkcs8(&pair)
}

/// A parsed RSA key with everything the hot path needs.
pub struct RsaKey {
    pair: RsaKeyPair,
    decrypting: OaepPrivateDecryptingKey,
    encrypting: OaepPublicEncryptingKey,
    spki: Vec<u8>,
    verifiers: Vec<ParsedPublicKey>,
}

impl fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaKey({} bits)", self.pair.public_modulus_len() * 8)
    }
}

impl RsaKey {
    /// Parses stored PKCS#8 material of the given algorithm.
    pub fn parse(alg: Algorithm, pkcs8: &[u8]) -> Result<Self, ProviderError> {
        let pair = RsaKeyPair::from_pkcs8(pkcs8)
            .map_err(|_| ProviderError::InvalidKey("RSA private key"))?;
        if Some(pair.public_modulus_len() * 8) != modulus_bits(alg) {
            return Err(ProviderError::InvalidKey(
                "RSA modulus size does not match the algorithm",
            ));
        }
        let private = PrivateDecryptingKey::from_pkcs8(pkcs8)
            .map_err(|_| ProviderError::InvalidKey("RSA private key"))?;
        let encrypting = OaepPublicEncryptingKey::new(private.public_key())
            .map_err(|_| ProviderError::InvalidKey("RSA public key"))?;
        let decrypting = OaepPrivateDecryptingKey::new(private)
            .map_err(|_| ProviderError::InvalidKey("RSA private key"))?;
        let spki: PublicKeyX509Der<'static> = pair
            .public_key()
            .as_der()
            .map_err(|_| ProviderError::InvalidKey("RSA public key"))?;
        let spki = spki.as_ref().to_vec();
        let verifiers = SCHEMES
            .iter()
            .map(|s| verifier(&spki, *s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            pair,
            decrypting,
            encrypting,
            spki,
            verifiers,
        })
    }

    /// SubjectPublicKeyInfo DER.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// Signs a message or a digest of the scheme's hash.
    pub fn sign(&self, scheme: SignScheme, input: SignInput<'_>) -> Result<Vec<u8>, ProviderError> {
        let (encoding, _, hash) = scheme_params(scheme).ok_or(ProviderError::InvalidInput(
            "RSA keys sign with rsa-pss or rsa-pkcs1",
        ))?;
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        match input {
            SignInput::Message(m) => self.pair.sign(encoding, &rng, m, &mut sig),
            SignInput::Digest(d) => {
                self.pair
                    .sign_digest(encoding, &import_digest(d, hash)?, &mut sig)
            }
        }
        .map_err(|_| ProviderError::Unavailable("RSA signing failed".into()))?;
        Ok(sig)
    }

    /// Verifies; `Ok(false)` for a bad signature.
    pub fn verify(
        &self,
        scheme: SignScheme,
        input: SignInput<'_>,
        sig: &[u8],
    ) -> Result<bool, ProviderError> {
        let (_, _, hash) = scheme_params(scheme).ok_or(ProviderError::InvalidInput(
            "RSA keys verify rsa-pss or rsa-pkcs1",
        ))?;
        let verifier = scheme_index(scheme)
            .and_then(|i| self.verifiers.get(i))
            .ok_or(ProviderError::InvalidInput(
                "RSA keys verify rsa-pss or rsa-pkcs1",
            ))?;
        verify_parsed(verifier, hash, input, sig)
    }

    /// RSAES-OAEP-SHA-256 encryption.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<Vec<u8>, ProviderError> {
        if plaintext.len() > self.encrypting.max_plaintext_size(&OAEP_SHA256_MGF1SHA256) {
            return Err(ProviderError::InvalidInput(
                "plaintext too long for RSA-OAEP",
            ));
        }
        let mut out = vec![0u8; self.encrypting.ciphertext_size()];
        let len = self
            .encrypting
            .encrypt(&OAEP_SHA256_MGF1SHA256, plaintext, &mut out, None)
            .map_err(|_| ProviderError::InvalidInput("RSA-OAEP encryption failed"))?
            .len();
        out.truncate(len);
        Ok(out)
    }

    /// RSAES-OAEP-SHA-256 decryption; failures are [`ProviderError::Crypto`].
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
        oaep_decrypt(&self.decrypting, ciphertext, &[])
    }
}
