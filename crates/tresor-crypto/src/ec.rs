//! NIST-curve keys (P-256, P-384, P-521): ECDSA with the curve's hash
//! (SHA-256/384/512), DER or fixed-length r||s signatures, and ECDH. Stored
//! material is PKCS#8 DER.

use std::fmt;

use aws_lc_rs::agreement;
use aws_lc_rs::digest;
use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, EcdsaVerificationAlgorithm, KeyPair, ParsedPublicKey,
};
use tresor_core::{Algorithm, ProviderError, SecretBytes, SignInput, SignScheme};
use zeroize::Zeroizing;

use crate::sig::{import_digest, verify_parsed};
use crate::spki;

/// The aws-lc-rs algorithms of one curve.
#[derive(Debug, Clone, Copy)]
pub struct Curve {
    pub sign_der: &'static EcdsaSigningAlgorithm,
    pub sign_raw: &'static EcdsaSigningAlgorithm,
    pub verify_der: &'static EcdsaVerificationAlgorithm,
    pub verify_raw: &'static EcdsaVerificationAlgorithm,
    pub agreement: &'static agreement::Algorithm,
    pub digest: &'static digest::Algorithm,
}

/// The curve of an EC algorithm.
pub fn curve(alg: Algorithm) -> Option<Curve> {
    Some(match alg {
        Algorithm::EcP256 => Curve {
            sign_der: &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            sign_raw: &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            verify_der: &signature::ECDSA_P256_SHA256_ASN1,
            verify_raw: &signature::ECDSA_P256_SHA256_FIXED,
            agreement: &agreement::ECDH_P256,
            digest: &digest::SHA256,
        },
        Algorithm::EcP384 => Curve {
            sign_der: &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
            sign_raw: &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
            verify_der: &signature::ECDSA_P384_SHA384_ASN1,
            verify_raw: &signature::ECDSA_P384_SHA384_FIXED,
            agreement: &agreement::ECDH_P384,
            digest: &digest::SHA384,
        },
        Algorithm::EcP521 => Curve {
            sign_der: &signature::ECDSA_P521_SHA512_ASN1_SIGNING,
            sign_raw: &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
            verify_der: &signature::ECDSA_P521_SHA512_ASN1,
            verify_raw: &signature::ECDSA_P521_SHA512_FIXED,
            agreement: &agreement::ECDH_P521,
            digest: &digest::SHA512,
        },
        _ => return None,
    })
}

fn curve_of(alg: Algorithm) -> Result<Curve, ProviderError> {
    curve(alg).ok_or(ProviderError::Unsupported("not an EC algorithm"))
}

/// Generates a key; returns its PKCS#8 DER.
pub fn generate(alg: Algorithm) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let pair = EcdsaKeyPair::generate(curve_of(alg)?.sign_der)
        .map_err(|_| ProviderError::Unavailable("EC key generation failed".into()))?;
    to_pkcs8(&pair)
}

fn to_pkcs8(pair: &EcdsaKeyPair) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let doc = pair
        .to_pkcs8v1()
        .map_err(|_| ProviderError::InvalidKey("EC key cannot be encoded"))?;
    Ok(Zeroizing::new(doc.as_ref().to_vec()))
}

/// Validates imported PKCS#8 (the curve must match); returns canonical PKCS#8.
pub fn canonicalize(alg: Algorithm, material: &[u8]) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let pair = EcdsaKeyPair::from_pkcs8(curve_of(alg)?.sign_der, material)
        .map_err(|_| ProviderError::InvalidKey("not a PKCS#8 private key on this curve"))?;
    to_pkcs8(&pair)
}

/// A public ECDSA verifier (SPKI DER or uncompressed point).
pub fn verifier(
    alg: Algorithm,
    raw: bool,
    public: &[u8],
) -> Result<ParsedPublicKey, ProviderError> {
    let c = curve_of(alg)?;
    let v = if raw { c.verify_raw } else { c.verify_der };
    ParsedPublicKey::new(v, public).map_err(|_| ProviderError::InvalidKey("EC public key"))
}

/// Key agreement (ECDH or X25519) with a peer key given as SubjectPublicKeyInfo
/// DER or the raw public key (SEC1 point, or 32 bytes for X25519). An SPKI
/// must name the curve (RFC 5480 namedCurve; explicit parameters are
/// refused). A malformed or wrong-curve peer key is `InvalidKey`; a failed
/// agreement (e.g. a low-order X25519 point) is `Crypto`.
pub fn agree(private: &agreement::PrivateKey, peer: &[u8]) -> Result<SecretBytes, ProviderError> {
    let alg = private.algorithm();
    let is_x25519 = *alg == agreement::X25519;
    if peer.first() == Some(&0x30) && !(is_x25519 && peer.len() == 32) {
        let alg_id = if is_x25519 {
            spki::ALG_ID_X25519
        } else if *alg == agreement::ECDH_P256 {
            spki::ALG_ID_P256
        } else if *alg == agreement::ECDH_P384 {
            spki::ALG_ID_P384
        } else {
            spki::ALG_ID_P521
        };
        if !spki::sequence_body(peer).is_some_and(|body| body.starts_with(alg_id)) {
            return Err(ProviderError::InvalidKey(
                "peer public key must be a named-curve SubjectPublicKeyInfo for this curve",
            ));
        }
    }
    let unparsed = agreement::UnparsedPublicKey::new(private.algorithm(), peer);
    let parsed = agreement::ParsedPublicKey::try_from(&unparsed).map_err(|_| {
        ProviderError::InvalidKey("peer public key is malformed or on another curve")
    })?;
    agreement::agree(private, parsed, ProviderError::Crypto, |secret| {
        Ok(SecretBytes::from_slice(secret))
    })
}

/// A parsed EC key.
pub struct EcKey {
    curve: Curve,
    der_signer: EcdsaKeyPair,
    raw_signer: EcdsaKeyPair,
    agreement: agreement::PrivateKey,
    der_verifier: ParsedPublicKey,
    raw_verifier: ParsedPublicKey,
    spki: Vec<u8>,
}

impl fmt::Debug for EcKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EcKey({:?})", self.curve.agreement)
    }
}

impl EcKey {
    /// Parses stored PKCS#8 material of the given algorithm.
    pub fn parse(alg: Algorithm, pkcs8: &[u8]) -> Result<Self, ProviderError> {
        let curve = curve_of(alg)?;
        let bad = |_| ProviderError::InvalidKey("EC private key");
        let der_signer = EcdsaKeyPair::from_pkcs8(curve.sign_der, pkcs8).map_err(bad)?;
        let raw_signer = EcdsaKeyPair::from_pkcs8(curve.sign_raw, pkcs8).map_err(bad)?;
        let agreement =
            agreement::PrivateKey::from_private_key_der(curve.agreement, pkcs8).map_err(bad)?;
        let spki: PublicKeyX509Der<'static> = der_signer
            .public_key()
            .as_der()
            .map_err(|_| ProviderError::InvalidKey("EC public key"))?;
        let spki = spki.as_ref().to_vec();
        let der_verifier = verifier(alg, false, &spki)?;
        let raw_verifier = verifier(alg, true, &spki)?;
        Ok(Self {
            curve,
            der_signer,
            raw_signer,
            agreement,
            der_verifier,
            raw_verifier,
            spki,
        })
    }

    /// SubjectPublicKeyInfo DER.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// ECDSA over a message or a digest of the curve's hash.
    pub fn sign(&self, scheme: SignScheme, input: SignInput<'_>) -> Result<Vec<u8>, ProviderError> {
        let SignScheme::Ecdsa { raw } = scheme else {
            return Err(ProviderError::InvalidInput("EC keys sign with ecdsa"));
        };
        let signer = if raw {
            &self.raw_signer
        } else {
            &self.der_signer
        };
        let sig = match input {
            SignInput::Message(m) => signer.sign(&aws_lc_rs::rand::SystemRandom::new(), m),
            SignInput::Digest(d) => signer.sign_digest(&import_digest(d, self.curve.digest)?),
        }
        .map_err(|_| ProviderError::Unavailable("ECDSA signing failed".into()))?;
        Ok(sig.as_ref().to_vec())
    }

    /// ECDSA verification; `Ok(false)` for a bad signature.
    pub fn verify(
        &self,
        scheme: SignScheme,
        input: SignInput<'_>,
        sig: &[u8],
    ) -> Result<bool, ProviderError> {
        let SignScheme::Ecdsa { raw } = scheme else {
            return Err(ProviderError::InvalidInput("EC keys verify ecdsa"));
        };
        let verifier = if raw {
            &self.raw_verifier
        } else {
            &self.der_verifier
        };
        verify_parsed(verifier, self.curve.digest, input, sig)
    }

    /// ECDH with a peer key.
    pub fn agree(&self, peer: &[u8]) -> Result<SecretBytes, ProviderError> {
        agree(&self.agreement, peer)
    }
}
