//! Key material per algorithm: generation, import validation (to a canonical
//! stored form), parsing into ready-to-use aws-lc objects, and public keys.
//!
//! Stored (and exported) material: raw bytes for symmetric and HMAC keys;
//! PKCS#8 DER for RSA, EC, Ed25519, X25519 and ML-DSA; the expanded
//! decapsulation key for ML-KEM. Imports of RSA also accept PKCS#1 DER and
//! are re-encoded as PKCS#8, so export always returns the canonical form.

use std::fmt;

use aws_lc_rs::aead::LessSafeKey;
use aws_lc_rs::hmac;
use tresor_core::{Algorithm, KeyClass, ProviderError, SecretBytes};
use zeroize::Zeroizing;

use crate::curve25519::{self, Ed25519Key, X25519Key};
use crate::ec::{self, EcKey};
use crate::pq::{self, MlDsaKey, MlKemKey};
use crate::rsa::{self, RsaKey};
use crate::symmetric::{aead_algorithm, aead_key, fill_random, hmac_algorithm};

/// A key version parsed and ready for operations (what the cache holds).
#[non_exhaustive]
pub enum ParsedKey {
    /// An AEAD key; `wrap_key` holds the raw AES key for AES-KW/KWP.
    Aead {
        key: LessSafeKey,
        wrap_key: Option<Zeroizing<Vec<u8>>>,
    },
    Hmac(hmac::Key),
    Rsa(RsaKey),
    Ec(EcKey),
    Ed25519(Ed25519Key),
    X25519(X25519Key),
    MlKem(MlKemKey),
    MlDsa(MlDsaKey),
}

impl fmt::Debug for ParsedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParsedKey::Aead { key, .. } => write!(f, "Aead({:?}, [REDACTED])", key.algorithm()),
            ParsedKey::Hmac(k) => write!(f, "Hmac({:?}, [REDACTED])", k.algorithm()),
            ParsedKey::Rsa(k) => k.fmt(f),
            ParsedKey::Ec(k) => k.fmt(f),
            ParsedKey::Ed25519(k) => k.fmt(f),
            ParsedKey::X25519(k) => k.fmt(f),
            ParsedKey::MlKem(k) => k.fmt(f),
            ParsedKey::MlDsa(k) => k.fmt(f),
        }
    }
}

impl ParsedKey {
    /// SubjectPublicKeyInfo DER of an asymmetric key; `None` for secret keys.
    pub fn spki(&self) -> Option<&[u8]> {
        match self {
            ParsedKey::Aead { .. } | ParsedKey::Hmac(_) => None,
            ParsedKey::Rsa(k) => Some(k.spki()),
            ParsedKey::Ec(k) => Some(k.spki()),
            ParsedKey::Ed25519(k) => Some(k.spki()),
            ParsedKey::X25519(k) => Some(k.spki()),
            ParsedKey::MlKem(k) => Some(k.spki()),
            ParsedKey::MlDsa(k) => Some(k.spki()),
        }
    }
}

/// Whether generating this algorithm is slow enough for a blocking thread.
pub fn slow_to_generate(alg: Algorithm) -> bool {
    alg.class() == KeyClass::Rsa
}

/// Generates new material in the stored form.
pub fn generate(alg: Algorithm) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    if let Some(len) = alg.symmetric_key_len() {
        let mut key = Zeroizing::new(vec![0u8; len]);
        fill_random(&mut key)?;
        return Ok(key);
    }
    match alg.class() {
        KeyClass::Rsa => rsa::generate(alg),
        KeyClass::Ec => ec::generate(alg),
        KeyClass::Edwards => curve25519::generate_ed25519(),
        KeyClass::Montgomery => curve25519::generate_x25519(),
        KeyClass::Kem => pq::generate_kem(alg),
        KeyClass::PqSignature => pq::generate_dsa(alg),
        _ => Err(ProviderError::Unsupported(
            "algorithm not supported by the software provider",
        )),
    }
}

/// Validates imported material and returns its stored (canonical) form.
pub fn canonicalize(alg: Algorithm, material: &[u8]) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    if let Some(len) = alg.symmetric_key_len() {
        if material.len() != len {
            return Err(ProviderError::InvalidKey(
                "symmetric key has the wrong length",
            ));
        }
        return Ok(Zeroizing::new(material.to_vec()));
    }
    match alg.class() {
        KeyClass::Rsa => rsa::canonicalize(alg, material),
        KeyClass::Ec => ec::canonicalize(alg, material),
        KeyClass::Edwards => curve25519::canonicalize_ed25519(material),
        KeyClass::Montgomery => curve25519::canonicalize_x25519(material),
        KeyClass::Kem => pq::canonicalize_kem(alg, material),
        KeyClass::PqSignature => pq::canonicalize_dsa(alg, material),
        _ => Err(ProviderError::Unsupported(
            "algorithm not supported by the software provider",
        )),
    }
}

/// Parses stored material into aws-lc objects.
pub fn parse(alg: Algorithm, material: &[u8]) -> Result<ParsedKey, ProviderError> {
    if let Some(aead) = aead_algorithm(alg) {
        if Some(material.len()) != alg.symmetric_key_len() {
            return Err(ProviderError::InvalidKey(
                "symmetric key has the wrong length",
            ));
        }
        let wrap_key =
            (alg != Algorithm::ChaCha20Poly1305).then(|| Zeroizing::new(material.to_vec()));
        return Ok(ParsedKey::Aead {
            key: aead_key(aead, material)?,
            wrap_key,
        });
    }
    if let Some(mac) = hmac_algorithm(alg) {
        if Some(material.len()) != alg.symmetric_key_len() {
            return Err(ProviderError::InvalidKey("HMAC key has the wrong length"));
        }
        return Ok(ParsedKey::Hmac(hmac::Key::new(mac, material)));
    }
    Ok(match alg.class() {
        KeyClass::Rsa => ParsedKey::Rsa(RsaKey::parse(alg, material)?),
        KeyClass::Ec => ParsedKey::Ec(EcKey::parse(alg, material)?),
        KeyClass::Edwards => ParsedKey::Ed25519(Ed25519Key::parse(material)?),
        KeyClass::Montgomery => ParsedKey::X25519(X25519Key::parse(material)?),
        KeyClass::Kem => ParsedKey::MlKem(MlKemKey::parse(alg, material)?),
        KeyClass::PqSignature => ParsedKey::MlDsa(MlDsaKey::parse(alg, material)?),
        _ => {
            return Err(ProviderError::Unsupported(
                "algorithm not supported by the software provider",
            ));
        }
    })
}

/// The SubjectPublicKeyInfo DER for stored or importable material of an
/// asymmetric algorithm (`None` for symmetric and HMAC keys).
pub fn public_key_der(
    alg: Algorithm,
    material: &SecretBytes,
) -> Result<Option<Vec<u8>>, ProviderError> {
    let stored = canonicalize(alg, material.expose())?;
    Ok(parse(alg, &stored)?.spki().map(<[u8]>::to_vec))
}
