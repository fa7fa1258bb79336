//! Helpers shared by the cases: contexts, error predicates, hashing, SPKI
//! parsing with x509-parser, and the "unclaimed means Unsupported" check.

use aws_lc_rs::digest;
use aws_lc_rs::signature::{UnparsedPublicKey, VerificationAlgorithm};
use tresor_core::{
    Algorithm, HashAlg, KeyClass, KeyContext, KeyHandle, KeyId, Operation, Provider, ProviderError,
    SecretBytes, SignInput, SignScheme, TenantId, WrapMechanism,
};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::Claims;

/// A fresh context (tenant `conformance`, new key id, version 1).
pub fn ctx(alg: Algorithm) -> KeyContext {
    KeyContext {
        tenant: TenantId::parse("conformance").unwrap(),
        key_id: KeyId::generate(),
        version: 1,
        algorithm: alg,
    }
}

/// True for the opaque crypto failure.
pub fn is_crypto<T: std::fmt::Debug>(r: &Result<T, ProviderError>) -> bool {
    matches!(r, Err(ProviderError::Crypto))
}

/// True for `InvalidInput`.
pub fn is_invalid_input<T: std::fmt::Debug>(r: &Result<T, ProviderError>) -> bool {
    matches!(r, Err(ProviderError::InvalidInput(_)))
}

/// True for `Unsupported`.
pub fn is_unsupported<T: std::fmt::Debug>(r: &Result<T, ProviderError>) -> bool {
    matches!(r, Err(ProviderError::Unsupported(_)))
}

/// Digest of `m`.
pub fn hash(h: HashAlg, m: &[u8]) -> Vec<u8> {
    let alg = match h {
        HashAlg::Sha256 => &digest::SHA256,
        HashAlg::Sha384 => &digest::SHA384,
        _ => &digest::SHA512,
    };
    digest::digest(alg, m).as_ref().to_vec()
}

/// Verifies with aws-lc straight from the provider's SubjectPublicKeyInfo.
pub fn external_verify(
    alg: &'static dyn VerificationAlgorithm,
    spki: &[u8],
    msg: &[u8],
    sig: &[u8],
) {
    UnparsedPublicKey::new(alg, spki)
        .verify(msg, sig)
        .unwrap_or_else(|_| panic!("aws-lc rejects the provider's signature ({alg:?})"));
}

/// Generates a key and checks the public key is present exactly for
/// asymmetric algorithms and parses as the right kind of SPKI.
pub async fn generate(
    p: &dyn Provider,
    alg: Algorithm,
) -> (KeyContext, KeyHandle, Option<Vec<u8>>) {
    let c = ctx(alg);
    let k = p
        .generate(&c)
        .await
        .unwrap_or_else(|e| panic!("generate {alg}: {e:?}"));
    assert!(!k.handle.0.is_empty(), "{alg}: empty handle");
    match (&k.public_key, alg.is_asymmetric()) {
        (Some(spki), true) => check_spki(alg, spki),
        (None, false) => {}
        (pk, _) => panic!("{alg}: public key presence wrong: {pk:?}"),
    }
    (c, k.handle, k.public_key)
}

/// Parses a SubjectPublicKeyInfo with x509-parser and checks its algorithm.
pub fn check_spki(alg: Algorithm, spki: &[u8]) {
    let (rest, info) = SubjectPublicKeyInfo::from_der(spki)
        .unwrap_or_else(|e| panic!("{alg}: SPKI does not parse: {e:?}"));
    assert!(rest.is_empty(), "{alg}: trailing bytes after the SPKI");
    let oid = info.algorithm.algorithm.to_id_string();
    let params = info
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string());
    let expected = match alg {
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => "1.2.840.113549.1.1.1",
        Algorithm::EcP256 | Algorithm::EcP384 | Algorithm::EcP521 => "1.2.840.10045.2.1",
        Algorithm::Ed25519 => "1.3.101.112",
        Algorithm::X25519 => "1.3.101.110",
        Algorithm::MlKem768 => "2.16.840.1.101.3.4.4.2",
        Algorithm::MlKem1024 => "2.16.840.1.101.3.4.4.3",
        Algorithm::MlDsa44 => "2.16.840.1.101.3.4.3.17",
        Algorithm::MlDsa65 => "2.16.840.1.101.3.4.3.18",
        _ => "2.16.840.1.101.3.4.3.19",
    };
    assert_eq!(oid, expected, "{alg}: SPKI algorithm");
    match alg.class() {
        KeyClass::Rsa => match info.parsed() {
            Ok(PublicKey::RSA(rsa)) => {
                assert_eq!(rsa.key_size(), alg.bits() as usize, "{alg}: modulus size");
            }
            other => panic!("{alg}: not an RSA public key: {other:?}"),
        },
        KeyClass::Ec => {
            let curve = match alg {
                Algorithm::EcP256 => "1.2.840.10045.3.1.7",
                Algorithm::EcP384 => "1.3.132.0.34",
                _ => "1.3.132.0.35",
            };
            assert_eq!(params.as_deref(), Some(curve), "{alg}: named curve");
            match info.parsed() {
                Ok(PublicKey::EC(point)) => {
                    let field = (alg.bits() as usize).div_ceil(8);
                    assert_eq!(
                        point.data().len(),
                        1 + 2 * field,
                        "{alg}: uncompressed point"
                    );
                    assert_eq!(point.data()[0], 0x04);
                }
                other => panic!("{alg}: not an EC public key: {other:?}"),
            }
        }
        KeyClass::Edwards | KeyClass::Montgomery => {
            assert_eq!(info.subject_public_key.data.len(), 32, "{alg}: key length");
        }
        _ => assert!(!info.subject_public_key.data.is_empty()),
    }
}

/// Every operation the algorithm has but the claims leave out must be
/// refused with `Unsupported` (never faked, never another error).
pub async fn unclaimed_are_unsupported(
    p: &dyn Provider,
    claims: &Claims,
    c: &KeyContext,
    h: &KeyHandle,
) {
    let alg = c.algorithm;
    let m = SecretBytes::from_slice(&[7u8; 32]);
    for op in Operation::ALL {
        if claims.allows(alg, op) {
            continue;
        }
        let unsupported = match op {
            Operation::Encrypt => is_unsupported(&p.encrypt(c, h, b"x", b"").await),
            Operation::Decrypt => is_unsupported(&p.decrypt(c, h, &[], &[0u8; 64], b"").await),
            Operation::Sign => is_unsupported(
                &p.sign(c, h, default_scheme(alg), SignInput::Message(b"m"))
                    .await,
            ),
            Operation::Verify => is_unsupported(
                &p.verify(
                    c,
                    h,
                    default_scheme(alg),
                    SignInput::Message(b"m"),
                    &[1; 64],
                )
                .await,
            ),
            Operation::Mac => is_unsupported(&p.mac(c, h, b"m").await),
            Operation::MacVerify => is_unsupported(&p.mac_verify(c, h, b"m", &[0; 32]).await),
            Operation::Wrap => is_unsupported(&p.wrap(c, h, default_wrap(alg), &m).await),
            Operation::Unwrap => {
                is_unsupported(&p.unwrap(c, h, default_wrap(alg), &[0u8; 40]).await)
            }
            Operation::Agree => is_unsupported(&p.agree(c, h, &[4u8; 65]).await),
            Operation::Encapsulate => is_unsupported(&p.encapsulate(c, h).await),
            Operation::Decapsulate => is_unsupported(&p.decapsulate(c, h, &[0u8; 32]).await),
            _ => true,
        };
        assert!(
            unsupported,
            "{alg}: unclaimed operation {op} must be Unsupported"
        );
    }
}

/// A scheme the algorithm would sign with.
pub fn default_scheme(alg: Algorithm) -> SignScheme {
    match alg.class() {
        KeyClass::Rsa => SignScheme::RsaPss(HashAlg::Sha256),
        KeyClass::Ec => SignScheme::Ecdsa { raw: false },
        KeyClass::PqSignature => SignScheme::MlDsa,
        _ => SignScheme::Ed25519,
    }
}

/// A wrap mechanism the algorithm would use.
pub fn default_wrap(alg: Algorithm) -> WrapMechanism {
    if alg.class() == KeyClass::Rsa {
        WrapMechanism::RsaOaepSha256
    } else {
        WrapMechanism::AesKwp
    }
}
