//! Post-quantum keys: ML-KEM-768/1024 (FIPS 203) and ML-DSA-44/65/87
//! (FIPS 204, pure, empty context, message input only).
//!
//! ML-KEM material is the expanded decapsulation key `dk` (2400 / 3168
//! bytes), the form aws-lc-rs accepts; its layout is
//! `dk_pke (384k) || ek (384k + 32) || H(ek) (32) || z (32)`, so the
//! encapsulation key is taken from inside it and checked against `H(ek)`
//! (the FIPS 203 import check). The 64-byte seed form is not accepted
//! (aws-lc-rs 1.19 has no seed import). aws-lc-rs has no ML-KEM
//! SubjectPublicKeyInfo encoder, so [`crate::spki`] builds it. ML-DSA
//! material is aws-lc's PKCS#8 DER.

use std::fmt;

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest;
use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::kem::{self, Ciphertext, DecapsulationKey, EncapsulationKey};
use aws_lc_rs::signature::{
    self, KeyPair, ParsedPublicKey, PqdsaKeyPair, PqdsaSigningAlgorithm, PqdsaVerificationAlgorithm,
};
use tresor_core::{Algorithm, ProviderError, SecretBytes, SignInput, SignScheme};
use zeroize::Zeroizing;

use crate::spki;

/// aws-lc-rs algorithm, module rank k and SPKI OID of an ML-KEM algorithm.
fn kem_params(
    alg: Algorithm,
) -> Result<(&'static kem::Algorithm, usize, &'static [u8]), ProviderError> {
    match alg {
        Algorithm::MlKem768 => Ok((&kem::ML_KEM_768, 3, spki::OID_ML_KEM_768)),
        Algorithm::MlKem1024 => Ok((&kem::ML_KEM_1024, 4, spki::OID_ML_KEM_1024)),
        _ => Err(ProviderError::Unsupported("not an ML-KEM algorithm")),
    }
}

/// Splits an expanded decapsulation key into `(ek, H(ek))`, checking sizes.
fn split_dk(dk: &[u8], k: usize) -> Result<(&[u8], &[u8]), ProviderError> {
    let bad = ProviderError::InvalidKey("ML-KEM decapsulation key has the wrong size");
    if dk.len() != 768 * k + 96 {
        return Err(bad);
    }
    let ek = dk.get(384 * k..768 * k + 32).ok_or(bad)?;
    let h = dk
        .get(768 * k + 32..768 * k + 64)
        .ok_or(ProviderError::InvalidKey(
            "ML-KEM decapsulation key has the wrong size",
        ))?;
    Ok((ek, h))
}

/// A fresh ML-KEM expanded decapsulation key.
pub fn generate_kem(alg: Algorithm) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let (kem_alg, _, _) = kem_params(alg)?;
    let dk = DecapsulationKey::generate(kem_alg)
        .map_err(|_| ProviderError::Unavailable("ML-KEM key generation failed".into()))?;
    let bytes = dk
        .key_bytes()
        .map_err(|_| ProviderError::InvalidKey("ML-KEM key cannot be encoded"))?;
    Ok(Zeroizing::new(bytes.as_ref().to_vec()))
}

/// Validates an imported decapsulation key (size, embedded `H(ek)`).
pub fn canonicalize_kem(
    alg: Algorithm,
    material: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    MlKemKey::parse(alg, material)?;
    Ok(Zeroizing::new(material.to_vec()))
}

/// A parsed ML-KEM key.
pub struct MlKemKey {
    dk: DecapsulationKey,
    ek: EncapsulationKey,
    spki: Vec<u8>,
}

impl fmt::Debug for MlKemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MlKemKey({:?})", self.dk.algorithm().id())
    }
}

impl MlKemKey {
    /// Parses stored decapsulation-key bytes.
    pub fn parse(alg: Algorithm, dk_bytes: &[u8]) -> Result<Self, ProviderError> {
        let (kem_alg, k, oid) = kem_params(alg)?;
        let (ek_bytes, hash) = split_dk(dk_bytes, k)?;
        let computed = digest::digest(&digest::SHA3_256, ek_bytes);
        verify_slices_are_equal(computed.as_ref(), hash)
            .map_err(|_| ProviderError::InvalidKey("ML-KEM decapsulation key is inconsistent"))?;
        let bad = |_| ProviderError::InvalidKey("ML-KEM key");
        let dk = DecapsulationKey::new(kem_alg, dk_bytes).map_err(bad)?;
        let ek = EncapsulationKey::new(kem_alg, ek_bytes).map_err(bad)?;
        Ok(Self {
            dk,
            ek,
            spki: spki::spki(oid, ek_bytes),
        })
    }

    /// SubjectPublicKeyInfo DER (NIST OID, raw `ek` as the BIT STRING).
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// Encapsulates to this key: `(ciphertext, shared secret)`.
    pub fn encapsulate(&self) -> Result<(Vec<u8>, SecretBytes), ProviderError> {
        let (ct, ss) = self
            .ek
            .encapsulate()
            .map_err(|_| ProviderError::Unavailable("ML-KEM encapsulation failed".into()))?;
        Ok((ct.as_ref().to_vec(), SecretBytes::from_slice(ss.as_ref())))
    }

    /// Decapsulates; a malformed ciphertext is [`ProviderError::Crypto`].
    pub fn decapsulate(&self, ciphertext: &[u8]) -> Result<SecretBytes, ProviderError> {
        let ss = self
            .dk
            .decapsulate(Ciphertext::from(ciphertext))
            .map_err(|_| ProviderError::Crypto)?;
        Ok(SecretBytes::from_slice(ss.as_ref()))
    }
}

/// aws-lc-rs signing and verification algorithms of an ML-DSA algorithm.
fn dsa_params(
    alg: Algorithm,
) -> Result<
    (
        &'static PqdsaSigningAlgorithm,
        &'static PqdsaVerificationAlgorithm,
    ),
    ProviderError,
> {
    match alg {
        Algorithm::MlDsa44 => Ok((&signature::ML_DSA_44_SIGNING, &signature::ML_DSA_44)),
        Algorithm::MlDsa65 => Ok((&signature::ML_DSA_65_SIGNING, &signature::ML_DSA_65)),
        Algorithm::MlDsa87 => Ok((&signature::ML_DSA_87_SIGNING, &signature::ML_DSA_87)),
        _ => Err(ProviderError::Unsupported("not an ML-DSA algorithm")),
    }
}

fn dsa_pkcs8(pair: &PqdsaKeyPair) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let doc = pair
        .to_pkcs8v1()
        .map_err(|_| ProviderError::InvalidKey("ML-DSA key cannot be encoded"))?;
    Ok(Zeroizing::new(doc.as_ref().to_vec()))
}

/// A fresh ML-DSA key as PKCS#8 DER.
pub fn generate_dsa(alg: Algorithm) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let (signing, _) = dsa_params(alg)?;
    let pair = PqdsaKeyPair::generate(signing)
        .map_err(|_| ProviderError::Unavailable("ML-DSA key generation failed".into()))?;
    dsa_pkcs8(&pair)
}

/// Validates an imported ML-DSA PKCS#8 key of this parameter set.
pub fn canonicalize_dsa(
    alg: Algorithm,
    material: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let (signing, _) = dsa_params(alg)?;
    let pair = PqdsaKeyPair::from_pkcs8(signing, material).map_err(|_| {
        ProviderError::InvalidKey("not an ML-DSA PKCS#8 private key of this parameter set")
    })?;
    dsa_pkcs8(&pair)
}

/// A parsed ML-DSA key.
pub struct MlDsaKey {
    pair: PqdsaKeyPair,
    verifier: ParsedPublicKey,
    spki: Vec<u8>,
}

impl fmt::Debug for MlDsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MlDsaKey")
    }
}

impl MlDsaKey {
    /// Parses stored PKCS#8 material.
    pub fn parse(alg: Algorithm, pkcs8: &[u8]) -> Result<Self, ProviderError> {
        let (signing, verifying) = dsa_params(alg)?;
        let pair = PqdsaKeyPair::from_pkcs8(signing, pkcs8)
            .map_err(|_| ProviderError::InvalidKey("ML-DSA private key"))?;
        let verifier = ParsedPublicKey::new(verifying, pair.public_key().as_ref())
            .map_err(|_| ProviderError::InvalidKey("ML-DSA public key"))?;
        let spki: PublicKeyX509Der<'static> = pair
            .public_key()
            .as_der()
            .map_err(|_| ProviderError::InvalidKey("ML-DSA public key"))?;
        Ok(Self {
            pair,
            verifier,
            spki: spki.as_ref().to_vec(),
        })
    }

    /// SubjectPublicKeyInfo DER.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// The raw public key.
    pub fn raw_public_key(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    /// Pure ML-DSA over a message.
    pub fn sign(&self, scheme: SignScheme, input: SignInput<'_>) -> Result<Vec<u8>, ProviderError> {
        if scheme != SignScheme::MlDsa {
            return Err(ProviderError::InvalidInput("ML-DSA keys sign with ml-dsa"));
        }
        let SignInput::Message(m) = input else {
            return Err(ProviderError::InvalidInput(
                "ML-DSA signs messages, not digests",
            ));
        };
        let mut sig = vec![0u8; self.pair.algorithm().signature_len()];
        let len = self
            .pair
            .sign(m, &mut sig)
            .map_err(|_| ProviderError::Unavailable("ML-DSA signing failed".into()))?;
        sig.truncate(len);
        Ok(sig)
    }

    /// Verification; `Ok(false)` for a bad signature.
    pub fn verify(
        &self,
        scheme: SignScheme,
        input: SignInput<'_>,
        sig: &[u8],
    ) -> Result<bool, ProviderError> {
        if scheme != SignScheme::MlDsa {
            return Err(ProviderError::InvalidInput("ML-DSA keys verify ml-dsa"));
        }
        match input {
            SignInput::Message(m) => Ok(self.verifier.verify_sig(m, sig).is_ok()),
            SignInput::Digest(_) => Err(ProviderError::InvalidInput(
                "ML-DSA signs messages, not digests",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ml_dsa_spki_uses_nist_oids() {
        for (alg, oid) in [
            (Algorithm::MlDsa44, spki::OID_ML_DSA_44),
            (Algorithm::MlDsa65, spki::OID_ML_DSA_65),
            (Algorithm::MlDsa87, spki::OID_ML_DSA_87),
        ] {
            let key = MlDsaKey::parse(alg, &generate_dsa(alg).unwrap()).unwrap();
            // aws-lc's encoder and ours agree, so ours is right for ML-KEM too.
            assert_eq!(key.spki(), spki::spki(oid, key.raw_public_key()));
        }
    }

    #[test]
    fn ml_kem_rejects_inconsistent_keys() {
        let mut dk = generate_kem(Algorithm::MlKem768).unwrap();
        assert!(MlKemKey::parse(Algorithm::MlKem768, &dk).is_ok());
        assert!(MlKemKey::parse(Algorithm::MlKem1024, &dk).is_err());
        assert!(MlKemKey::parse(Algorithm::MlKem768, &dk[..64]).is_err());
        dk[1200] ^= 1; // inside ek: H(ek) no longer matches
        assert!(MlKemKey::parse(Algorithm::MlKem768, &dk).is_err());
    }
}
