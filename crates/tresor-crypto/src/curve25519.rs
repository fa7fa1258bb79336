//! Curve25519 keys: Ed25519 signatures (pure, message input only) and X25519
//! key agreement. Stored material is PKCS#8 v1 DER (RFC 8410); aws-lc-rs has
//! no X25519 PKCS#8 codec, so that fixed-layout document is built here.

use std::fmt;

use aws_lc_rs::agreement::{self, X25519};
use aws_lc_rs::encoding::{AsBigEndian, AsDer, Curve25519SeedBin, PublicKeyX509Der};
use aws_lc_rs::signature::{self, Ed25519KeyPair, KeyPair, ParsedPublicKey};
use tresor_core::{ProviderError, SecretBytes, SignInput, SignScheme};
use zeroize::Zeroizing;

use crate::spki::X25519_PKCS8_PREFIX;

const X25519_KEY_LEN: usize = 32;

/// A fresh Ed25519 key as PKCS#8 v1 DER.
pub fn generate_ed25519() -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let pair = Ed25519KeyPair::generate()
        .map_err(|_| ProviderError::Unavailable("Ed25519 key generation failed".into()))?;
    ed25519_pkcs8(&pair)
}

fn ed25519_pkcs8(pair: &Ed25519KeyPair) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let doc = pair
        .to_pkcs8v1()
        .map_err(|_| ProviderError::InvalidKey("Ed25519 key cannot be encoded"))?;
    Ok(Zeroizing::new(doc.as_ref().to_vec()))
}

/// Validates an imported Ed25519 PKCS#8 (v1 or v2) key; returns PKCS#8 v1.
pub fn canonicalize_ed25519(material: &[u8]) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let pair = Ed25519KeyPair::from_pkcs8(material)
        .map_err(|_| ProviderError::InvalidKey("not an Ed25519 PKCS#8 private key"))?;
    ed25519_pkcs8(&pair)
}

/// A public Ed25519 verifier (SPKI DER or the raw 32-byte key).
pub fn ed25519_verifier(public: &[u8]) -> Result<ParsedPublicKey, ProviderError> {
    ParsedPublicKey::new(&signature::ED25519, public)
        .map_err(|_| ProviderError::InvalidKey("Ed25519 public key"))
}

/// Ed25519 verification of a message; `Ok(false)` for a bad signature.
pub fn ed25519_verify(
    verifier: &ParsedPublicKey,
    input: SignInput<'_>,
    sig: &[u8],
) -> Result<bool, ProviderError> {
    match input {
        SignInput::Message(m) => Ok(verifier.verify_sig(m, sig).is_ok()),
        SignInput::Digest(_) => Err(ProviderError::InvalidInput(
            "Ed25519 signs messages, not digests",
        )),
    }
}

/// A parsed Ed25519 key.
pub struct Ed25519Key {
    pair: Ed25519KeyPair,
    verifier: ParsedPublicKey,
    spki: Vec<u8>,
}

impl fmt::Debug for Ed25519Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ed25519Key")
    }
}

impl Ed25519Key {
    /// Parses stored PKCS#8 material.
    pub fn parse(pkcs8: &[u8]) -> Result<Self, ProviderError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8)
            .map_err(|_| ProviderError::InvalidKey("Ed25519 private key"))?;
        let spki: PublicKeyX509Der<'static> = pair
            .public_key()
            .as_der()
            .map_err(|_| ProviderError::InvalidKey("Ed25519 public key"))?;
        let spki = spki.as_ref().to_vec();
        let verifier = ed25519_verifier(pair.public_key().as_ref())?;
        Ok(Self {
            pair,
            verifier,
            spki,
        })
    }

    /// SubjectPublicKeyInfo DER.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// Pure Ed25519 over a message.
    pub fn sign(&self, scheme: SignScheme, input: SignInput<'_>) -> Result<Vec<u8>, ProviderError> {
        if scheme != SignScheme::Ed25519 {
            return Err(ProviderError::InvalidInput(
                "Ed25519 keys sign with ed25519",
            ));
        }
        match input {
            SignInput::Message(m) => self
                .pair
                .try_sign(m)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| ProviderError::Unavailable("Ed25519 signing failed".into())),
            SignInput::Digest(_) => Err(ProviderError::InvalidInput(
                "Ed25519 signs messages, not digests",
            )),
        }
    }

    /// Verification; `Ok(false)` for a bad signature.
    pub fn verify(
        &self,
        scheme: SignScheme,
        input: SignInput<'_>,
        sig: &[u8],
    ) -> Result<bool, ProviderError> {
        if scheme != SignScheme::Ed25519 {
            return Err(ProviderError::InvalidInput("Ed25519 keys verify ed25519"));
        }
        ed25519_verify(&self.verifier, input, sig)
    }
}

/// The RFC 8410 PKCS#8 v1 document of an X25519 private key.
pub fn x25519_pkcs8(private: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(
        X25519_PKCS8_PREFIX.len() + X25519_KEY_LEN,
    ));
    out.extend_from_slice(&X25519_PKCS8_PREFIX);
    out.extend_from_slice(private);
    out
}

/// The private key inside an X25519 PKCS#8 v1 document.
pub fn x25519_private_from_pkcs8(pkcs8: &[u8]) -> Result<&[u8], ProviderError> {
    match pkcs8.strip_prefix(&X25519_PKCS8_PREFIX[..]) {
        Some(key) if key.len() == X25519_KEY_LEN => Ok(key),
        _ => Err(ProviderError::InvalidKey(
            "not an X25519 PKCS#8 v1 private key",
        )),
    }
}

/// An X25519 agreement key from its 32 private bytes.
pub fn x25519_private_key(private: &[u8]) -> Result<agreement::PrivateKey, ProviderError> {
    agreement::PrivateKey::from_private_key(&X25519, private)
        .map_err(|_| ProviderError::InvalidKey("X25519 private key"))
}

/// A fresh X25519 key as PKCS#8 v1 DER.
pub fn generate_x25519() -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let key = agreement::PrivateKey::generate(&X25519)
        .map_err(|_| ProviderError::Unavailable("X25519 key generation failed".into()))?;
    let seed: Curve25519SeedBin<'static> = key
        .as_be_bytes()
        .map_err(|_| ProviderError::InvalidKey("X25519 key cannot be encoded"))?;
    Ok(x25519_pkcs8(seed.as_ref()))
}

/// Validates an imported X25519 PKCS#8 key; returns it unchanged (canonical).
pub fn canonicalize_x25519(material: &[u8]) -> Result<Zeroizing<Vec<u8>>, ProviderError> {
    let private = x25519_private_from_pkcs8(material)?;
    x25519_private_key(private)?;
    Ok(x25519_pkcs8(private))
}

/// A parsed X25519 key.
pub struct X25519Key {
    private: agreement::PrivateKey,
    spki: Vec<u8>,
}

impl fmt::Debug for X25519Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("X25519Key")
    }
}

impl X25519Key {
    /// Parses stored PKCS#8 material.
    pub fn parse(pkcs8: &[u8]) -> Result<Self, ProviderError> {
        let private = x25519_private_key(x25519_private_from_pkcs8(pkcs8)?)?;
        let public = private
            .compute_public_key()
            .map_err(|_| ProviderError::InvalidKey("X25519 public key"))?;
        let spki: PublicKeyX509Der<'static> = public
            .as_der()
            .map_err(|_| ProviderError::InvalidKey("X25519 public key"))?;
        Ok(Self {
            private,
            spki: spki.as_ref().to_vec(),
        })
    }

    /// SubjectPublicKeyInfo DER.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// X25519 with a peer key (SPKI DER or the raw 32 bytes).
    pub fn agree(&self, peer: &[u8]) -> Result<SecretBytes, ProviderError> {
        crate::ec::agree(&self.private, peer)
    }
}
