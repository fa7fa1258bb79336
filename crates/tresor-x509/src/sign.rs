//! Signing with an outside key: rcgen serialises with a capturing signer
//! that records the to-be-signed bytes and writes a placeholder signature;
//! the real signature from the provider then replaces the placeholder.

use std::sync::Mutex;

use rcgen::{PublicKeyData, SignatureAlgorithm, SigningKey};
use x509_parser18::prelude::FromDer;
use x509_parser18::x509::SubjectPublicKeyInfo;

use crate::error::{X509Error, invalid};

/// How the key signs X.509 structures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigAlg {
    /// sha256WithRSAEncryption (RSASSA-PKCS1-v1_5).
    RsaPkcs1Sha256,
    /// ecdsa-with-SHA256 on P-256.
    EcdsaP256Sha256,
    /// ecdsa-with-SHA384 on P-384.
    EcdsaP384Sha384,
    /// Ed25519.
    Ed25519,
    /// ML-DSA-44 (FIPS 204, pure mode; id-ml-dsa-44, RFC 9881).
    MlDsa44,
    /// ML-DSA-65.
    MlDsa65,
    /// ML-DSA-87.
    MlDsa87,
}

impl SigAlg {
    fn rcgen(self) -> &'static SignatureAlgorithm {
        match self {
            SigAlg::RsaPkcs1Sha256 => &rcgen::PKCS_RSA_SHA256,
            SigAlg::EcdsaP256Sha256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            SigAlg::EcdsaP384Sha384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            SigAlg::Ed25519 => &rcgen::PKCS_ED25519,
            SigAlg::MlDsa44 => &rcgen::PKCS_ML_DSA_44,
            SigAlg::MlDsa65 => &rcgen::PKCS_ML_DSA_65,
            SigAlg::MlDsa87 => &rcgen::PKCS_ML_DSA_87,
        }
    }
}

/// The public half of a signing key (its SubjectPublicKeyInfo) and how it signs.
#[derive(Debug, Clone)]
pub struct SignerKey {
    raw: Vec<u8>,
    alg: SigAlg,
}

impl SignerKey {
    /// From the key's SubjectPublicKeyInfo DER.
    pub fn from_spki(spki_der: &[u8], alg: SigAlg) -> Result<Self, X509Error> {
        let (_, spki) = SubjectPublicKeyInfo::from_der(spki_der)
            .map_err(|_| invalid("the key's public key is not a SubjectPublicKeyInfo"))?;
        Ok(Self {
            raw: spki.subject_public_key.data.to_vec(),
            alg,
        })
    }

    /// How this key signs.
    pub fn alg(&self) -> SigAlg {
        self.alg
    }
}

impl PublicKeyData for SignerKey {
    fn der_bytes(&self) -> &[u8] {
        &self.raw
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.alg.rcgen()
    }
}

/// A [`SignerKey`] that records what rcgen asks it to sign in `slot`.
#[derive(Debug)]
pub(crate) struct Capture<'a> {
    key: &'a SignerKey,
    slot: &'a Mutex<Option<Vec<u8>>>,
}

impl<'a> Capture<'a> {
    pub(crate) fn new(key: &'a SignerKey, slot: &'a Mutex<Option<Vec<u8>>>) -> Self {
        Self { key, slot }
    }

    /// The recorded to-be-signed bytes with the placeholder-signed structure.
    pub(crate) fn take(
        slot: &Mutex<Option<Vec<u8>>>,
        placeholder_der: Vec<u8>,
        key: &SignerKey,
    ) -> Result<Unsigned, X509Error> {
        let tbs = slot
            .lock()
            .map_err(|_| invalid("signer state poisoned"))?
            .take()
            .ok_or_else(|| invalid("nothing was signed"))?;
        Ok(Unsigned {
            tbs,
            placeholder_der,
            alg: key.alg,
        })
    }
}

impl PublicKeyData for Capture<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.key.der_bytes()
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.key.algorithm()
    }
}

impl SigningKey for Capture<'_> {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let mut slot = self
            .slot
            .lock()
            .map_err(|_| rcgen::Error::RingUnspecified)?;
        *slot = Some(msg.to_vec());
        Ok(vec![0])
    }
}

/// A CSR, certificate or CRL waiting for its signature.
#[derive(Debug, Clone)]
pub struct Unsigned {
    tbs: Vec<u8>,
    placeholder_der: Vec<u8>,
    alg: SigAlg,
}

impl Unsigned {
    /// The bytes the key must sign (the whole message; the provider hashes).
    pub fn tbs(&self) -> &[u8] {
        &self.tbs
    }

    /// How the signature must be made.
    pub fn alg(&self) -> SigAlg {
        self.alg
    }

    /// The final DER with `signature` (DER for ECDSA, raw otherwise) in place.
    pub fn finish(self, signature: &[u8]) -> Result<Vec<u8>, X509Error> {
        let outer = tlv(&self.placeholder_der, 0x30)?;
        let body = &self.placeholder_der[outer.0..outer.0 + outer.1];
        let tbs = tlv(body, 0x30)?;
        let tbs_end = tbs.0 + tbs.1;
        if body[..tbs_end] != self.tbs[..] {
            return Err(invalid("signed bytes do not match the structure"));
        }
        let alg = tlv(&body[tbs_end..], 0x30)?;
        let alg_end = tbs_end + alg.0 + alg.1;
        let mut bits = Vec::with_capacity(signature.len() + 1);
        bits.push(0);
        bits.extend_from_slice(signature);
        let mut content = body[..alg_end].to_vec();
        content.extend(encode(0x03, &bits));
        Ok(encode(0x30, &content))
    }
}

/// `(header length, content length)` of the DER element at the start of
/// `buf`, which must carry `tag` and fit in `buf`.
pub(crate) fn tlv(buf: &[u8], tag: u8) -> Result<(usize, usize), X509Error> {
    let bad = || invalid("malformed DER");
    if buf.first() != Some(&tag) {
        return Err(bad());
    }
    let first = *buf.get(1).ok_or_else(bad)?;
    let (hl, len) = if first < 0x80 {
        (2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return Err(bad());
        }
        let bytes = buf.get(2..2 + n).ok_or_else(bad)?;
        (
            2 + n,
            bytes.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b)),
        )
    };
    if buf.len() < hl + len {
        return Err(bad());
    }
    Ok((hl, len))
}

/// One DER element.
pub(crate) fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_roundtrip_lengths() {
        for n in [0usize, 1, 127, 128, 255, 256, 70_000] {
            let content = vec![7u8; n];
            let e = encode(0x30, &content);
            let (hl, l) = tlv(&e, 0x30).unwrap();
            assert_eq!(l, n);
            assert_eq!(hl + l, e.len());
        }
        assert!(tlv(&[0x30, 0x85, 1, 1, 1, 1, 1], 0x30).is_err());
        assert!(tlv(&[0x30, 0x05, 1], 0x30).is_err());
        assert!(tlv(&[0x31, 0x00], 0x30).is_err());
    }
}
