//! Every algorithm: generate, then each supported operation round-trips, and
//! tampering or misuse fails the right way.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use common::{ctx, provider};
use tresor_core::{
    Algorithm, HashAlg, KeyClass, KeyContext, KeyHandle, Provider, ProviderError, SecretBytes,
    SignInput, SignScheme, WrapMechanism,
};
use tresor_crypto::SoftwareProvider;

fn is_crypto<T: std::fmt::Debug>(r: Result<T, ProviderError>) -> bool {
    matches!(r, Err(ProviderError::Crypto))
}

fn is_invalid_input<T: std::fmt::Debug>(r: Result<T, ProviderError>) -> bool {
    matches!(r, Err(ProviderError::InvalidInput(_)))
}

async fn symmetric(p: &SoftwareProvider, c: &KeyContext, h: &KeyHandle) {
    let sealed = p.encrypt(c, h, b"attack at dawn", b"ctx").await.unwrap();
    assert_eq!(sealed.nonce.len(), 12);
    assert_eq!(sealed.ciphertext.len(), 14 + 16);
    let pt = p
        .decrypt(c, h, &sealed.nonce, &sealed.ciphertext, b"ctx")
        .await
        .unwrap();
    assert_eq!(pt.expose(), b"attack at dawn");
    // Fresh nonce every time.
    let again = p.encrypt(c, h, b"attack at dawn", b"ctx").await.unwrap();
    assert_ne!(again.nonce, sealed.nonce);
    // Tampering: ciphertext, tag, nonce, AAD, truncation, nonce length.
    let mut bad = sealed.ciphertext.clone();
    bad[0] ^= 1;
    assert!(is_crypto(
        p.decrypt(c, h, &sealed.nonce, &bad, b"ctx").await
    ));
    let mut bad = sealed.ciphertext.clone();
    *bad.last_mut().unwrap() ^= 0x80;
    assert!(is_crypto(
        p.decrypt(c, h, &sealed.nonce, &bad, b"ctx").await
    ));
    let mut nonce = sealed.nonce.clone();
    nonce[11] ^= 1;
    assert!(is_crypto(
        p.decrypt(c, h, &nonce, &sealed.ciphertext, b"ctx").await
    ));
    assert!(is_crypto(
        p.decrypt(c, h, &sealed.nonce, &sealed.ciphertext, b"ctX")
            .await
    ));
    assert!(is_crypto(
        p.decrypt(c, h, &sealed.nonce, &sealed.ciphertext[..10], b"ctx")
            .await
    ));
    assert!(is_crypto(
        p.decrypt(c, h, &sealed.nonce[..8], &sealed.ciphertext, b"ctx")
            .await
    ));
    assert!(is_crypto(p.decrypt(c, h, &[], &[], b"").await));

    let material = SecretBytes::from_slice(&[7u8; 32]);
    if c.algorithm == Algorithm::ChaCha20Poly1305 {
        assert!(matches!(
            p.wrap(c, h, WrapMechanism::AesKw, &material).await,
            Err(ProviderError::Unsupported(_))
        ));
    } else {
        for (mech, m) in [
            (WrapMechanism::AesKw, material.clone()),
            (WrapMechanism::AesKwp, SecretBytes::from_slice(b"odd-size")),
            (WrapMechanism::AesKwp, SecretBytes::from_slice(&[1u8; 33])),
        ] {
            let w = p.wrap(c, h, mech, &m).await.unwrap();
            assert_eq!(p.unwrap(c, h, mech, &w).await.unwrap(), m);
            let mut bad = w.clone();
            bad[3] ^= 1;
            assert!(is_crypto(p.unwrap(c, h, mech, &bad).await));
            assert!(is_crypto(p.unwrap(c, h, mech, &w[..w.len() - 8]).await));
        }
        assert!(is_invalid_input(
            p.wrap(
                c,
                h,
                WrapMechanism::AesKw,
                &SecretBytes::from_slice(&[1u8; 12])
            )
            .await
        ));
        assert!(is_invalid_input(
            p.wrap(c, h, WrapMechanism::RsaOaepSha256, &material).await
        ));
    }
    assert!(matches!(
        p.mac(c, h, b"m").await,
        Err(ProviderError::Unsupported(_))
    ));
    assert!(matches!(
        p.sign(c, h, SignScheme::Ed25519, SignInput::Message(b"m"))
            .await,
        Err(ProviderError::Unsupported(_))
    ));
}

async fn mac(p: &SoftwareProvider, c: &KeyContext, h: &KeyHandle) {
    let tag = p.mac(c, h, b"message").await.unwrap();
    let len = match c.algorithm {
        Algorithm::HmacSha256 => 32,
        Algorithm::HmacSha384 => 48,
        _ => 64,
    };
    assert_eq!(tag.len(), len);
    assert!(p.mac_verify(c, h, b"message", &tag).await.unwrap());
    assert!(!p.mac_verify(c, h, b"messagf", &tag).await.unwrap());
    let mut bad = tag.clone();
    bad[5] ^= 1;
    assert!(!p.mac_verify(c, h, b"message", &bad).await.unwrap());
    assert!(!p.mac_verify(c, h, b"message", &tag[..16]).await.unwrap());
    assert!(!p.mac_verify(c, h, b"message", &[]).await.unwrap());
    assert!(matches!(
        p.encrypt(c, h, b"x", b"").await,
        Err(ProviderError::Unsupported(_))
    ));
}

fn hash(h: HashAlg, m: &[u8]) -> Vec<u8> {
    let alg = match h {
        HashAlg::Sha256 => &digest::SHA256,
        HashAlg::Sha384 => &digest::SHA384,
        _ => &digest::SHA512,
    };
    digest::digest(alg, m).as_ref().to_vec()
}

/// Signs message and digest forms and checks both verify either way.
async fn sign_both_ways(
    p: &SoftwareProvider,
    c: &KeyContext,
    h: &KeyHandle,
    scheme: SignScheme,
    hash_alg: HashAlg,
) -> Vec<u8> {
    let msg = b"the quick brown fox";
    let d = hash(hash_alg, msg);
    let s1 = p.sign(c, h, scheme, SignInput::Message(msg)).await.unwrap();
    let s2 = p.sign(c, h, scheme, SignInput::Digest(&d)).await.unwrap();
    for s in [&s1, &s2] {
        assert!(
            p.verify(c, h, scheme, SignInput::Message(msg), s)
                .await
                .unwrap()
        );
        assert!(
            p.verify(c, h, scheme, SignInput::Digest(&d), s)
                .await
                .unwrap()
        );
        assert!(
            !p.verify(c, h, scheme, SignInput::Message(b"other"), s)
                .await
                .unwrap()
        );
    }
    let mut bad = s1.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 1;
    assert!(
        !p.verify(c, h, scheme, SignInput::Message(msg), &bad)
            .await
            .unwrap()
    );
    assert!(
        !p.verify(c, h, scheme, SignInput::Message(msg), &[])
            .await
            .unwrap()
    );
    assert!(
        !p.verify(c, h, scheme, SignInput::Message(msg), &[0x30, 0x02, 0xff])
            .await
            .unwrap()
    );
    assert!(is_invalid_input(
        p.sign(c, h, scheme, SignInput::Digest(&d[1..])).await
    ));
    assert!(is_invalid_input(
        p.verify(c, h, scheme, SignInput::Digest(&d[1..]), &s1)
            .await
    ));
    s1
}

fn external_verify(alg: &'static dyn VerificationAlgorithm, spki: &[u8], msg: &[u8], sig: &[u8]) {
    UnparsedPublicKey::new(alg, spki).verify(msg, sig).unwrap();
}

async fn rsa(p: &SoftwareProvider, c: &KeyContext, h: &KeyHandle, spki: &[u8]) {
    let sealed = p.encrypt(c, h, b"secret", b"").await.unwrap();
    assert!(sealed.nonce.is_empty());
    assert_eq!(
        p.decrypt(c, h, &[], &sealed.ciphertext, b"")
            .await
            .unwrap()
            .expose(),
        b"secret"
    );
    let mut bad = sealed.ciphertext.clone();
    bad[10] ^= 1;
    assert!(is_crypto(p.decrypt(c, h, &[], &bad, b"").await));
    assert!(is_crypto(p.decrypt(c, h, &[], &bad[..5], b"").await));
    assert!(is_invalid_input(p.encrypt(c, h, b"x", b"aad").await));
    assert!(is_invalid_input(p.encrypt(c, h, &[0u8; 1024], b"").await));

    for hash_alg in [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512] {
        let pss = sign_both_ways(p, c, h, SignScheme::RsaPss(hash_alg), hash_alg).await;
        let pkcs1 = sign_both_ways(p, c, h, SignScheme::RsaPkcs1(hash_alg), hash_alg).await;
        // Schemes are not interchangeable.
        let msg = SignInput::Message(b"the quick brown fox");
        assert!(
            !p.verify(c, h, SignScheme::RsaPkcs1(hash_alg), msg, &pss)
                .await
                .unwrap()
        );
        assert!(
            !p.verify(c, h, SignScheme::RsaPss(hash_alg), msg, &pkcs1)
                .await
                .unwrap()
        );
    }
    let msg = b"the quick brown fox";
    let s = p
        .sign(
            c,
            h,
            SignScheme::RsaPss(HashAlg::Sha256),
            SignInput::Message(msg),
        )
        .await
        .unwrap();
    external_verify(&signature::RSA_PSS_2048_8192_SHA256, spki, msg, &s);
    let s = p
        .sign(
            c,
            h,
            SignScheme::RsaPkcs1(HashAlg::Sha512),
            SignInput::Message(msg),
        )
        .await
        .unwrap();
    external_verify(&signature::RSA_PKCS1_2048_8192_SHA512, spki, msg, &s);
    assert!(is_invalid_input(
        p.sign(
            c,
            h,
            SignScheme::Ecdsa { raw: false },
            SignInput::Message(msg)
        )
        .await
    ));

    let material = SecretBytes::from_slice(&[9u8; 32]);
    let w = p
        .wrap(c, h, WrapMechanism::RsaOaepSha256, &material)
        .await
        .unwrap();
    assert_eq!(
        p.unwrap(c, h, WrapMechanism::RsaOaepSha256, &w)
            .await
            .unwrap(),
        material
    );
    assert!(is_crypto(
        p.unwrap(c, h, WrapMechanism::RsaOaepSha256, &w[1..]).await
    ));
    assert!(is_invalid_input(
        p.wrap(c, h, WrapMechanism::AesKw, &material).await
    ));
}

fn ec_params(alg: Algorithm) -> (HashAlg, usize, &'static dyn VerificationAlgorithm) {
    match alg {
        Algorithm::EcP256 => (HashAlg::Sha256, 32, &signature::ECDSA_P256_SHA256_ASN1),
        Algorithm::EcP384 => (HashAlg::Sha384, 48, &signature::ECDSA_P384_SHA384_ASN1),
        _ => (HashAlg::Sha512, 66, &signature::ECDSA_P521_SHA512_ASN1),
    }
}

async fn ec(p: &SoftwareProvider, c: &KeyContext, h: &KeyHandle, spki: &[u8]) {
    let (hash_alg, field, ext) = ec_params(c.algorithm);
    let der = sign_both_ways(p, c, h, SignScheme::Ecdsa { raw: false }, hash_alg).await;
    let raw = sign_both_ways(p, c, h, SignScheme::Ecdsa { raw: true }, hash_alg).await;
    assert_eq!(raw.len(), 2 * field);
    assert_eq!(der[0], 0x30);
    external_verify(ext, spki, b"the quick brown fox", &der);
    let msg = SignInput::Message(b"the quick brown fox");
    assert!(
        !p.verify(c, h, SignScheme::Ecdsa { raw: true }, msg, &der)
            .await
            .unwrap()
    );
    assert!(
        !p.verify(c, h, SignScheme::Ecdsa { raw: false }, msg, &raw)
            .await
            .unwrap()
    );
    assert!(is_invalid_input(
        p.sign(c, h, SignScheme::RsaPss(HashAlg::Sha256), msg).await
    ));

    // ECDH with a second key: SPKI and raw uncompressed point both work.
    let c2 = ctx(c.algorithm);
    let k2 = p.generate(&c2).await.unwrap();
    let spki2 = k2.public_key.unwrap();
    let ab = p.agree(c, h, &spki2).await.unwrap();
    let ba = p.agree(&c2, &k2.handle, spki).await.unwrap();
    assert_eq!(ab, ba);
    assert_eq!(ab.len(), field);
    let point = &spki2[spki2.len() - (2 * field + 1)..];
    assert_eq!(point[0], 0x04);
    assert_eq!(p.agree(c, h, point).await.unwrap(), ab);
    assert!(matches!(
        p.agree(c, h, b"garbage").await,
        Err(ProviderError::InvalidKey(_))
    ));
    assert!(matches!(
        p.agree(c, h, &[]).await,
        Err(ProviderError::InvalidKey(_))
    ));
    let other_curve = if c.algorithm == Algorithm::EcP256 {
        Algorithm::EcP384
    } else {
        Algorithm::EcP256
    };
    let k3 = p.generate(&ctx(other_curve)).await.unwrap();
    assert!(matches!(
        p.agree(c, h, &k3.public_key.unwrap()).await,
        Err(ProviderError::InvalidKey(_))
    ));
}

async fn ed25519(p: &SoftwareProvider, c: &KeyContext, h: &KeyHandle, spki: &[u8]) {
    let msg = b"hello";
    let s = p
        .sign(c, h, SignScheme::Ed25519, SignInput::Message(msg))
        .await
        .unwrap();
    assert_eq!(s.len(), 64);
    assert!(
        p.verify(c, h, SignScheme::Ed25519, SignInput::Message(msg), &s)
            .await
            .unwrap()
    );
    assert!(
        !p.verify(c, h, SignScheme::Ed25519, SignInput::Message(b"hellp"), &s)
            .await
            .unwrap()
    );
    assert!(
        !p.verify(c, h, SignScheme::Ed25519, SignInput::Message(msg), &s[..10])
            .await
            .unwrap()
    );
    external_verify(&signature::ED25519, spki, msg, &s);
    assert!(is_invalid_input(
        p.sign(c, h, SignScheme::Ed25519, SignInput::Digest(&[0; 64]))
            .await
    ));
    assert!(is_invalid_input(
        p.verify(c, h, SignScheme::Ed25519, SignInput::Digest(&[0; 64]), &s)
            .await
    ));
    assert!(is_invalid_input(
        p.sign(c, h, SignScheme::MlDsa, SignInput::Message(msg))
            .await
    ));
}

async fn x25519(p: &SoftwareProvider, c: &KeyContext, h: &KeyHandle, spki: &[u8]) {
    let c2 = ctx(Algorithm::X25519);
    let k2 = p.generate(&c2).await.unwrap();
    let spki2 = k2.public_key.unwrap();
    assert_eq!(spki2.len(), 44);
    let ab = p.agree(c, h, &spki2).await.unwrap();
    let ba = p.agree(&c2, &k2.handle, spki).await.unwrap();
    assert_eq!(ab, ba);
    assert_eq!(p.agree(c, h, &spki2[12..]).await.unwrap(), ab);
    assert!(matches!(
        p.agree(c, h, &[1u8; 31]).await,
        Err(ProviderError::InvalidKey(_))
    ));
    assert!(matches!(
        p.sign(c, h, SignScheme::Ed25519, SignInput::Message(b"m"))
            .await,
        Err(ProviderError::Unsupported(_))
    ));
}

async fn ml_kem(p: &SoftwareProvider, c: &KeyContext, h: &KeyHandle, spki: &[u8]) {
    let oid_last = if c.algorithm == Algorithm::MlKem768 {
        0x02
    } else {
        0x03
    };
    assert_eq!(
        &spki[6..17],
        &[
            0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x04, oid_last
        ]
    );
    let (ct, ss) = p.encapsulate(c, h).await.unwrap();
    assert_eq!(ss.len(), 32);
    assert_eq!(p.decapsulate(c, h, &ct).await.unwrap(), ss);
    let mut bad = ct.clone();
    bad[0] ^= 1;
    // Implicit rejection: a modified ciphertext gives a different secret.
    assert_ne!(p.decapsulate(c, h, &bad).await.unwrap(), ss);
    assert!(is_crypto(p.decapsulate(c, h, &ct[1..]).await));
    assert!(is_crypto(p.decapsulate(c, h, &[]).await));
}

async fn ml_dsa(p: &SoftwareProvider, c: &KeyContext, h: &KeyHandle, spki: &[u8]) {
    let msg = b"post-quantum";
    let s = p
        .sign(c, h, SignScheme::MlDsa, SignInput::Message(msg))
        .await
        .unwrap();
    assert!(
        p.verify(c, h, SignScheme::MlDsa, SignInput::Message(msg), &s)
            .await
            .unwrap()
    );
    assert!(
        !p.verify(c, h, SignScheme::MlDsa, SignInput::Message(b"x"), &s)
            .await
            .unwrap()
    );
    let mut bad = s.clone();
    bad[100] ^= 1;
    assert!(
        !p.verify(c, h, SignScheme::MlDsa, SignInput::Message(msg), &bad)
            .await
            .unwrap()
    );
    assert!(
        !p.verify(c, h, SignScheme::MlDsa, SignInput::Message(msg), &[])
            .await
            .unwrap()
    );
    let ext: &'static dyn VerificationAlgorithm = match c.algorithm {
        Algorithm::MlDsa44 => &signature::ML_DSA_44,
        Algorithm::MlDsa65 => &signature::ML_DSA_65,
        _ => &signature::ML_DSA_87,
    };
    external_verify(ext, spki, msg, &s);
    assert!(is_invalid_input(
        p.sign(c, h, SignScheme::MlDsa, SignInput::Digest(&[0; 64]))
            .await
    ));
    assert!(is_invalid_input(
        p.sign(c, h, SignScheme::Ed25519, SignInput::Message(msg))
            .await
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_algorithm_round_trips() {
    let (_store, p) = provider();
    for alg in Algorithm::ALL {
        let c = ctx(alg);
        let new = p.generate(&c).await.unwrap();
        assert_eq!(new.public_key.is_some(), alg.is_asymmetric(), "{alg}");
        let h = &new.handle;
        let spki = new.public_key.clone().unwrap_or_default();
        assert_eq!(p.public_key(&c, h).await.unwrap(), new.public_key);
        match alg.class() {
            KeyClass::Symmetric => symmetric(&p, &c, h).await,
            KeyClass::Mac => mac(&p, &c, h).await,
            KeyClass::Rsa => rsa(&p, &c, h, &spki).await,
            KeyClass::Ec => ec(&p, &c, h, &spki).await,
            KeyClass::Edwards => ed25519(&p, &c, h, &spki).await,
            KeyClass::Montgomery => x25519(&p, &c, h, &spki).await,
            KeyClass::Kem => ml_kem(&p, &c, h, &spki).await,
            KeyClass::PqSignature => ml_dsa(&p, &c, h, &spki).await,
            _ => unreachable!(),
        }
        // The same operations work with a cold cache (unwrap + parse path).
        p.forget_all();
        assert_eq!(p.public_key(&c, h).await.unwrap(), new.public_key);
        if alg.class() == KeyClass::Symmetric {
            symmetric(&p, &c, h).await;
        }
    }
    let mut buf = [0u8; 64];
    p.random(&mut buf).await.unwrap();
    assert_ne!(buf, [0u8; 64]);
    assert_eq!(p.algorithms().len(), Algorithm::ALL.len());
}
