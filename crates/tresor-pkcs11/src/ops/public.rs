//! Public-key operations: RSA-OAEP-SHA-256, RSA-PSS and PKCS#1 v1.5 (message
//! or digest), ECDSA over a digest computed here (the token's raw r||s is
//! converted to DER on request), pure Ed25519, and ECDH.

use aws_lc_rs::digest;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::elliptic_curve::{EcKdf, Ecdh1DeriveParams};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType as M};
use cryptoki::object::{Attribute, ObjectHandle};
use cryptoki::session::Session;
use tresor_core::{
    Algorithm, HashAlg, KeyClass, ProviderError, SecretBytes, SignInput, SignScheme,
};

use super::{crypto_only, invalid, scratch_secret, take_secret};
use crate::der;
use crate::error::{Failure, classify, verify_result};

fn oaep() -> Mechanism<'static> {
    Mechanism::RsaPkcsOaep(PkcsOaepParams::new(
        M::SHA256,
        PkcsMgfType::MGF1_SHA256,
        PkcsOaepSource::empty(),
    ))
}

/// RSA-OAEP-SHA-256 encryption with the public key object.
pub fn oaep_encrypt(
    s: &Session,
    public: ObjectHandle,
    alg: Algorithm,
    plaintext: &[u8],
) -> Result<Vec<u8>, Failure> {
    let k = usize::try_from(alg.bits()).unwrap_or(0) / 8;
    if plaintext.len() + 2 * 32 + 2 > k {
        return Err(invalid("plaintext too long for RSA-OAEP"));
    }
    s.encrypt(&oaep(), public, plaintext).map_err(classify)
}

/// RSA-OAEP-SHA-256 decryption; failures are `Crypto`.
pub fn oaep_decrypt(s: &Session, private: ObjectHandle, ct: &[u8]) -> Result<SecretBytes, Failure> {
    crypto_only(s, s.decrypt(&oaep(), private, ct)).map(SecretBytes::new)
}

fn digest_alg(hash: HashAlg) -> &'static digest::Algorithm {
    match hash {
        HashAlg::Sha384 => &digest::SHA384,
        HashAlg::Sha512 => &digest::SHA512,
        _ => &digest::SHA256,
    }
}

fn pss_params(hash: HashAlg) -> PkcsPssParams {
    let (hash_alg, mgf) = match hash {
        HashAlg::Sha384 => (M::SHA384, PkcsMgfType::MGF1_SHA384),
        HashAlg::Sha512 => (M::SHA512, PkcsMgfType::MGF1_SHA512),
        _ => (M::SHA256, PkcsMgfType::MGF1_SHA256),
    };
    PkcsPssParams {
        hash_alg,
        mgf,
        s_len: (hash.output_len() as u64).into(),
    }
}

/// The digest to sign: the message hashed here, or a checked digest.
fn digest_of(input: SignInput<'_>, hash: HashAlg) -> Result<Vec<u8>, Failure> {
    match input {
        SignInput::Message(m) => Ok(digest::digest(digest_alg(hash), m).as_ref().to_vec()),
        SignInput::Digest(d) if d.len() == hash.output_len() => Ok(d.to_vec()),
        SignInput::Digest(_) => Err(invalid("digest length does not match the hash")),
    }
}

/// The curve hash of an EC algorithm and the field length.
fn ec_hash(alg: Algorithm) -> (HashAlg, usize) {
    match alg {
        Algorithm::EcP384 => (HashAlg::Sha384, 48),
        Algorithm::EcP521 => (HashAlg::Sha512, 66),
        _ => (HashAlg::Sha256, 32),
    }
}

/// Mechanism and data to sign or verify for `(alg, scheme, input)`.
fn sign_request(
    alg: Algorithm,
    scheme: SignScheme,
    input: SignInput<'_>,
) -> Result<(Mechanism<'static>, Vec<u8>), Failure> {
    match (alg.class(), scheme) {
        (KeyClass::Rsa, SignScheme::RsaPss(h)) => Ok(match input {
            SignInput::Message(m) => {
                let params = pss_params(h);
                let mech = match h {
                    HashAlg::Sha384 => Mechanism::Sha384RsaPkcsPss(params),
                    HashAlg::Sha512 => Mechanism::Sha512RsaPkcsPss(params),
                    _ => Mechanism::Sha256RsaPkcsPss(params),
                };
                (mech, m.to_vec())
            }
            SignInput::Digest(_) => (Mechanism::RsaPkcsPss(pss_params(h)), digest_of(input, h)?),
        }),
        (KeyClass::Rsa, SignScheme::RsaPkcs1(h)) => Ok(match input {
            SignInput::Message(m) => {
                let mech = match h {
                    HashAlg::Sha384 => Mechanism::Sha384RsaPkcs,
                    HashAlg::Sha512 => Mechanism::Sha512RsaPkcs,
                    _ => Mechanism::Sha256RsaPkcs,
                };
                (mech, m.to_vec())
            }
            SignInput::Digest(_) => {
                let mut info = der::digest_info_prefix(h).to_vec();
                info.extend_from_slice(&digest_of(input, h)?);
                (Mechanism::RsaPkcs, info)
            }
        }),
        (KeyClass::Rsa, _) => Err(invalid("RSA keys sign with rsa-pss or rsa-pkcs1")),
        (KeyClass::Ec, SignScheme::Ecdsa { .. }) => {
            Ok((Mechanism::Ecdsa, digest_of(input, ec_hash(alg).0)?))
        }
        (KeyClass::Ec, _) => Err(invalid("EC keys sign with ecdsa")),
        (KeyClass::Edwards, SignScheme::Ed25519) => match input {
            SignInput::Message(m) => Ok((
                Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure)),
                m.to_vec(),
            )),
            SignInput::Digest(_) => Err(invalid("Ed25519 signs messages, not digests")),
        },
        (KeyClass::Edwards, _) => Err(invalid("Ed25519 keys sign with ed25519")),
        _ => Err(ProviderError::Unsupported("this key cannot sign").into()),
    }
}

/// Signs with the private key object.
pub fn sign(
    s: &Session,
    private: ObjectHandle,
    alg: Algorithm,
    scheme: SignScheme,
    input: SignInput<'_>,
) -> Result<Vec<u8>, Failure> {
    let (mech, data) = sign_request(alg, scheme, input)?;
    let sig = s.sign(&mech, private, &data).map_err(classify)?;
    match scheme {
        SignScheme::Ecdsa { raw: false } => der::ecdsa_raw_to_der(&sig).ok_or_else(|| {
            ProviderError::Unavailable("the token returned a malformed ECDSA signature".into())
                .into()
        }),
        _ => Ok(sig),
    }
}

/// Verifies with the public key object; `Ok(false)` for a bad signature.
pub fn verify(
    s: &Session,
    public: ObjectHandle,
    alg: Algorithm,
    scheme: SignScheme,
    input: SignInput<'_>,
    sig: &[u8],
) -> Result<bool, Failure> {
    let (mech, data) = sign_request(alg, scheme, input)?;
    let sig = match scheme {
        SignScheme::Ecdsa { raw } => {
            let field = ec_hash(alg).1;
            let fixed = if raw {
                (sig.len() == 2 * field).then(|| sig.to_vec())
            } else {
                der::ecdsa_der_to_raw(sig, field)
            };
            match fixed {
                Some(f) => f,
                None => return Ok(false),
            }
        }
        _ => sig.to_vec(),
    };
    if sig.is_empty() {
        return Ok(false);
    }
    verify_result(s.verify(&mech, public, &data, &sig))
}

/// ECDH with a peer key (SPKI DER or raw SEC1 point); returns the shared
/// x-coordinate, derived into a scratch session object.
pub fn ecdh(
    s: &Session,
    private: ObjectHandle,
    alg: Algorithm,
    peer: &[u8],
) -> Result<SecretBytes, Failure> {
    let (_, field) = ec_hash(alg);
    let point = peer_point(alg, peer)?;
    let params = Ecdh1DeriveParams::new(EcKdf::null(), &point);
    let template = scratch_secret(vec![Attribute::ValueLen((field as u64).into())]);
    let obj = s
        .derive_key(&Mechanism::Ecdh1Derive(params), private, &template)
        .map_err(|e| match classify(e) {
            f @ (Failure::Recover(..) | Failure::StaleHandle) => f,
            _ => Failure::Provider(ProviderError::Crypto),
        })?;
    take_secret(s, obj)
}

/// Validates a peer public key on `alg`'s curve; returns the raw point.
fn peer_point(alg: Algorithm, peer: &[u8]) -> Result<Vec<u8>, Failure> {
    use aws_lc_rs::agreement;
    let bad = || {
        Failure::Provider(ProviderError::InvalidKey(
            "peer public key is malformed or on another curve",
        ))
    };
    let (_, field, alg_id) = der::curve_params(alg).ok_or_else(bad)?;
    let point = if peer.first() == Some(&0x30) {
        let body = tresor_crypto::spki::sequence_body(peer)
            .filter(|b| b.starts_with(alg_id))
            .ok_or(Failure::Provider(ProviderError::InvalidKey(
                "peer public key must be a named-curve SubjectPublicKeyInfo for this curve",
            )))?;
        match body.get(alg_id.len()..).and_then(der::read_tlv) {
            Some((0x03, [0, point @ ..], [])) => point.to_vec(),
            _ => return Err(bad()),
        }
    } else {
        peer.to_vec()
    };
    if point.len() != 1 + 2 * field {
        return Err(bad());
    }
    let curve = match alg {
        Algorithm::EcP384 => &agreement::ECDH_P384,
        Algorithm::EcP521 => &agreement::ECDH_P521,
        _ => &agreement::ECDH_P256,
    };
    let unparsed = agreement::UnparsedPublicKey::new(curve, &point);
    agreement::ParsedPublicKey::try_from(&unparsed).map_err(|_| bad())?;
    Ok(point)
}
