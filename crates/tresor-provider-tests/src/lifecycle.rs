//! Cases about keys rather than primitives: claims are honest, handles are
//! bound to their context, destroy, import (with interop against the known
//! material) and export, the RNG, and concurrent use.

use std::sync::Arc;

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::hmac;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use tresor_core::{
    Algorithm, HashAlg, KeyClass, KeyContext, Operation, Provider, ProviderError, SecretBytes,
    SignInput, SignScheme, TenantId,
};

use crate::Claims;
use crate::support::{ctx, default_scheme, external_verify, generate, is_crypto, is_unsupported};

/// The claims agree with the provider, and algorithms it does not list are
/// refused with `Unsupported`.
pub async fn claims_match_provider(p: Arc<dyn Provider>, claims: Claims) {
    let listed = p.algorithms();
    assert!(
        !listed.is_empty(),
        "a provider offers at least one algorithm"
    );
    assert!(!p.id().as_str().is_empty());
    assert_eq!(p.hardware_backed(), claims.hardware);
    for (alg, ops) in &claims.operations {
        assert!(listed.contains(alg), "{alg} is claimed but not listed");
        assert!(
            ops.is_subset(&alg.supported_operations()),
            "{alg}: impossible claims"
        );
    }
    for alg in Algorithm::ALL.into_iter().filter(|a| !listed.contains(a)) {
        let r = p.generate(&ctx(alg)).await;
        assert!(
            is_unsupported(&r),
            "{alg} is not listed, so generate must be Unsupported: {r:?}"
        );
    }
}

fn first_with(claims: &Claims, op: Operation) -> Option<Algorithm> {
    claims
        .algorithms()
        .into_iter()
        .find(|a| claims.allows(*a, op))
}

/// A handle presented with another tenant, key id, version or algorithm
/// fails with the opaque `Crypto`.
pub async fn context_binding(p: Arc<dyn Provider>, claims: Claims) {
    let p = p.as_ref();
    if let Some(alg) =
        first_with(&claims, Operation::Encrypt).filter(|a| a.class() == KeyClass::Symmetric)
    {
        let (c, h, _) = generate(p, alg).await;
        p.encrypt(&c, &h, b"m", b"").await.unwrap();
        for other in others(&c, &claims) {
            let r = p.encrypt(&other, &h, b"m", b"").await;
            assert!(
                is_crypto(&r),
                "{alg}: handle used with {other:?} must fail: {r:?}"
            );
        }
    }
    if let Some(alg) = first_with(&claims, Operation::Sign) {
        let (c, h, _) = generate(p, alg).await;
        let scheme = default_scheme(alg);
        let m = SignInput::Message(b"m");
        let sig = p.sign(&c, &h, scheme, m).await.unwrap();
        for other in others(&c, &claims) {
            let r = p.sign(&other, &h, scheme, m).await;
            assert!(
                is_crypto(&r),
                "{alg}: handle used with {other:?} must fail: {r:?}"
            );
            let r = p.verify(&other, &h, scheme, m, &sig).await;
            assert!(
                matches!(r, Err(ProviderError::Crypto) | Ok(false)),
                "{alg}: verify with {other:?}: {r:?}"
            );
        }
    }
}

/// Contexts that differ from `c` in one field each.
fn others(c: &KeyContext, claims: &Claims) -> Vec<KeyContext> {
    let mut out = vec![
        KeyContext {
            key_id: ctx(c.algorithm).key_id,
            ..c.clone()
        },
        KeyContext {
            version: c.version + 1,
            ..c.clone()
        },
        KeyContext {
            tenant: TenantId::parse("someone-else").unwrap(),
            ..c.clone()
        },
    ];
    let sibling = claims
        .in_class(c.algorithm.class())
        .into_iter()
        .find(|a| *a != c.algorithm);
    if let Some(alg) = sibling {
        out.push(KeyContext {
            algorithm: alg,
            ..c.clone()
        });
    }
    out
}

/// `destroy` succeeds (twice); on providers that erase, the handle then
/// stops working for every operation.
pub async fn destroy_then_use(p: Arc<dyn Provider>, claims: Claims) {
    let p = p.as_ref();
    for op in [Operation::Encrypt, Operation::Sign, Operation::Mac] {
        let Some(alg) = first_with(&claims, op) else {
            continue;
        };
        let (c, h, _) = generate(p, alg).await;
        p.destroy(&c, &h).await.unwrap();
        p.destroy(&c, &h).await.unwrap();
        if !claims.destroy_erases {
            continue;
        }
        let r = match op {
            Operation::Encrypt => p.encrypt(&c, &h, b"m", b"").await.map(|_| ()),
            Operation::Sign => {
                let m = SignInput::Message(b"m");
                let v = p.verify(&c, &h, default_scheme(alg), m, &[1; 64]).await;
                assert!(v.is_err(), "{alg}: verify after destroy: {v:?}");
                p.sign(&c, &h, default_scheme(alg), m).await.map(|_| ())
            }
            _ => p.mac(&c, &h, b"m").await.map(|_| ()),
        };
        assert!(r.is_err(), "{alg}: use after destroy must fail");
        assert!(
            !matches!(r, Err(ProviderError::Unavailable(_))),
            "{alg}: {r:?}"
        );
    }
}

/// Known material for an algorithm, and its SPKI (asymmetric).
fn material(alg: Algorithm) -> Option<(SecretBytes, Option<Vec<u8>>)> {
    if let Some(len) = alg.symmetric_key_len() {
        let mut key = vec![0u8; len];
        aws_lc_rs::rand::fill(&mut key).unwrap();
        return Some((SecretBytes::new(key), None));
    }
    let (pkcs8, spki): (Vec<u8>, PublicKeyX509Der<'static>) = match alg {
        Algorithm::Rsa2048 => {
            let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
            let der: Pkcs8V1Der<'static> = pair.as_der().unwrap();
            (der.as_ref().to_vec(), pair.public_key().as_der().unwrap())
        }
        Algorithm::EcP256 | Algorithm::EcP384 | Algorithm::EcP521 => {
            let sa = match alg {
                Algorithm::EcP256 => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                Algorithm::EcP384 => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
                _ => &signature::ECDSA_P521_SHA512_ASN1_SIGNING,
            };
            let pair = EcdsaKeyPair::generate(sa).unwrap();
            (
                pair.to_pkcs8v1().unwrap().as_ref().to_vec(),
                pair.public_key().as_der().unwrap(),
            )
        }
        Algorithm::Ed25519 => {
            let pair = Ed25519KeyPair::generate().unwrap();
            (
                pair.to_pkcs8v1().unwrap().as_ref().to_vec(),
                pair.public_key().as_der().unwrap(),
            )
        }
        _ => return None,
    };
    Some((SecretBytes::new(pkcs8), Some(spki.as_ref().to_vec())))
}

/// Imports known material for every importable algorithm this suite can
/// make material for, and checks the key behaves as that material.
pub async fn import_and_export(p: Arc<dyn Provider>, claims: Claims) {
    let p = p.as_ref();
    for alg in claims.importable.iter().copied() {
        let Some((m, spki)) = material(alg) else {
            continue;
        };
        let c = ctx(alg);
        let k = p
            .import(&c, &m)
            .await
            .unwrap_or_else(|e| panic!("import {alg}: {e:?}"));
        assert_eq!(k.public_key, spki, "{alg}: imported key's SPKI");
        let h = &k.handle;
        match alg.class() {
            KeyClass::Symmetric if claims.allows(alg, Operation::Encrypt) => {
                let sealed = p.encrypt(&c, h, b"interop", b"aad").await.unwrap();
                let aead_alg = if alg == Algorithm::Aes128Gcm {
                    &aead::AES_128_GCM
                } else if alg == Algorithm::Aes256Gcm {
                    &aead::AES_256_GCM
                } else {
                    &aead::CHACHA20_POLY1305
                };
                let key = LessSafeKey::new(UnboundKey::new(aead_alg, m.expose()).unwrap());
                let nonce = Nonce::try_assume_unique_for_key(&sealed.nonce).unwrap();
                let mut buf = sealed.ciphertext.clone();
                let pt = key
                    .open_in_place(nonce, Aad::from(b"aad"), &mut buf)
                    .unwrap();
                assert_eq!(
                    pt, b"interop",
                    "{alg}: aws-lc decrypts the provider's ciphertext"
                );
            }
            KeyClass::Mac if claims.allows(alg, Operation::Mac) => {
                let h_alg = match alg {
                    Algorithm::HmacSha256 => hmac::HMAC_SHA256,
                    Algorithm::HmacSha384 => hmac::HMAC_SHA384,
                    _ => hmac::HMAC_SHA512,
                };
                let expected = hmac::sign(&hmac::Key::new(h_alg, m.expose()), b"interop");
                assert_eq!(
                    p.mac(&c, h, b"interop").await.unwrap(),
                    expected.as_ref(),
                    "{alg}: HMAC interop"
                );
            }
            _ if claims.allows(alg, Operation::Sign) => {
                let scheme = default_scheme(alg);
                let sig = p
                    .sign(&c, h, scheme, SignInput::Message(b"interop"))
                    .await
                    .unwrap();
                let v: &'static dyn signature::VerificationAlgorithm = match alg {
                    Algorithm::Rsa2048 => &signature::RSA_PSS_2048_8192_SHA256,
                    Algorithm::EcP256 => &signature::ECDSA_P256_SHA256_ASN1,
                    Algorithm::EcP384 => &signature::ECDSA_P384_SHA384_ASN1,
                    Algorithm::EcP521 => &signature::ECDSA_P521_SHA512_ASN1,
                    _ => &signature::ED25519,
                };
                external_verify(v, spki.as_deref().unwrap(), b"interop", &sig);
            }
            _ => {}
        }
        let exported = p.export(&c, h).await;
        if claims.exportable {
            let exported = exported.unwrap();
            if alg.symmetric_key_len().is_some() {
                assert_eq!(exported, m, "{alg}: export returns the imported key");
            }
            let again = p.import(&ctx(alg), &exported).await.unwrap();
            assert_eq!(again.public_key, k.public_key, "{alg}: export re-imports");
        } else {
            assert!(
                is_unsupported(&exported),
                "{alg}: export of a non-exportable key"
            );
        }
        let bad = if let Some(len) = alg.symmetric_key_len() {
            vec![1u8; len - 1]
        } else {
            b"not a key".to_vec()
        };
        let r = p.import(&ctx(alg), &SecretBytes::new(bad)).await;
        assert!(
            matches!(r, Err(ProviderError::InvalidKey(_))),
            "{alg}: bad material: {r:?}"
        );
    }
}

/// `random` fills buffers of any size with fresh bytes.
pub async fn random_fills(p: Arc<dyn Provider>, _claims: Claims) {
    let mut empty = [0u8; 0];
    p.random(&mut empty).await.unwrap();
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    p.random(&mut a).await.unwrap();
    p.random(&mut b).await.unwrap();
    assert_ne!(a, [0u8; 32]);
    assert_ne!(a, b);
    let mut big = vec![0u8; 4096];
    p.random(&mut big).await.unwrap();
    assert!(big.iter().filter(|x| **x == 0).count() < 100);
}

/// 32 concurrent encryptions and 32 concurrent signatures all succeed.
pub async fn concurrent_operations(p: Arc<dyn Provider>, claims: Claims) {
    let enc = first_with(&claims, Operation::Encrypt).filter(|a| a.class() == KeyClass::Symmetric);
    let sig = [Algorithm::EcP256, Algorithm::Ed25519, Algorithm::Rsa2048]
        .into_iter()
        .find(|a| claims.allows(*a, Operation::Sign));
    let mut tasks = Vec::new();
    if let Some(alg) = enc {
        let (c, h, _) = generate(p.as_ref(), alg).await;
        for i in 0..32u8 {
            let (p, c, h) = (Arc::clone(&p), c.clone(), h.clone());
            tasks.push(tokio::spawn(async move {
                let s = p.encrypt(&c, &h, &[i; 100], &[i]).await.unwrap();
                let pt = p
                    .decrypt(&c, &h, &s.nonce, &s.ciphertext, &[i])
                    .await
                    .unwrap();
                assert_eq!(pt.expose(), &[i; 100]);
            }));
        }
    }
    if let Some(alg) = sig {
        let (c, h, _) = generate(p.as_ref(), alg).await;
        for i in 0..32u8 {
            let (p, c, h) = (Arc::clone(&p), c.clone(), h.clone());
            tasks.push(tokio::spawn(async move {
                let scheme = match alg {
                    Algorithm::EcP256 => SignScheme::Ecdsa { raw: false },
                    Algorithm::Rsa2048 => SignScheme::RsaPss(HashAlg::Sha256),
                    _ => SignScheme::Ed25519,
                };
                let m = [i; 64];
                let s = p
                    .sign(&c, &h, scheme, SignInput::Message(&m))
                    .await
                    .unwrap();
                assert!(
                    p.verify(&c, &h, scheme, SignInput::Message(&m), &s)
                        .await
                        .unwrap()
                );
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
}
