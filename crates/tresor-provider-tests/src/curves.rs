//! Elliptic-curve cases: ECDSA (DER and raw, message and digest) with
//! aws-lc interop, ECDH between two provider keys and with aws-lc, Ed25519
//! and X25519.

use std::sync::Arc;

use aws_lc_rs::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, VerificationAlgorithm};
use tresor_core::{
    Algorithm, HashAlg, KeyClass, KeyContext, KeyHandle, Operation, Provider, ProviderError,
    SignInput, SignScheme,
};

use crate::Claims;
use crate::asymmetric::sign_both_ways;
use crate::support::{external_verify, generate, is_invalid_input, unclaimed_are_unsupported};

struct Curve {
    hash: HashAlg,
    field: usize,
    der: &'static dyn VerificationAlgorithm,
    raw: &'static dyn VerificationAlgorithm,
    ecdh: &'static agreement::Algorithm,
}

fn curve(alg: Algorithm) -> Curve {
    match alg {
        Algorithm::EcP256 => Curve {
            hash: HashAlg::Sha256,
            field: 32,
            der: &signature::ECDSA_P256_SHA256_ASN1,
            raw: &signature::ECDSA_P256_SHA256_FIXED,
            ecdh: &agreement::ECDH_P256,
        },
        Algorithm::EcP384 => Curve {
            hash: HashAlg::Sha384,
            field: 48,
            der: &signature::ECDSA_P384_SHA384_ASN1,
            raw: &signature::ECDSA_P384_SHA384_FIXED,
            ecdh: &agreement::ECDH_P384,
        },
        _ => Curve {
            hash: HashAlg::Sha512,
            field: 66,
            der: &signature::ECDSA_P521_SHA512_ASN1,
            raw: &signature::ECDSA_P521_SHA512_FIXED,
            ecdh: &agreement::ECDH_P521,
        },
    }
}

/// Every claimed NIST curve.
pub async fn ec_round_trips(p: Arc<dyn Provider>, claims: Claims) {
    for alg in claims.in_class(KeyClass::Ec) {
        let (c, h, spki) = generate(p.as_ref(), alg).await;
        let spki = spki.unwrap();
        let p = p.as_ref();
        let cv = curve(alg);
        if claims.allows(alg, Operation::Sign) {
            let der = sign_both_ways(
                p,
                &c,
                &h,
                SignScheme::Ecdsa { raw: false },
                cv.hash,
                claims.sign_digests,
            )
            .await;
            let raw = sign_both_ways(
                p,
                &c,
                &h,
                SignScheme::Ecdsa { raw: true },
                cv.hash,
                claims.sign_digests,
            )
            .await;
            assert_eq!(raw.len(), 2 * cv.field, "{alg}: raw r||s length");
            assert_eq!(der[0], 0x30, "{alg}: DER signature");
            external_verify(cv.der, &spki, b"the quick brown fox", &der);
            external_verify(cv.raw, &spki, b"the quick brown fox", &raw);
            let msg = SignInput::Message(b"the quick brown fox");
            let raw_scheme = SignScheme::Ecdsa { raw: true };
            let der_scheme = SignScheme::Ecdsa { raw: false };
            assert!(!p.verify(&c, &h, raw_scheme, msg, &der).await.unwrap());
            assert!(!p.verify(&c, &h, der_scheme, msg, &raw).await.unwrap());
            let pss = SignScheme::RsaPss(HashAlg::Sha256);
            assert!(is_invalid_input(&p.sign(&c, &h, pss, msg).await));
        }
        if claims.allows(alg, Operation::Agree) {
            ecdh(p, &c, &h, &spki, &cv).await;
        }
        unclaimed_are_unsupported(p, &claims, &c, &h).await;
    }
}

async fn ecdh(p: &dyn Provider, c: &KeyContext, h: &KeyHandle, spki: &[u8], cv: &Curve) {
    let alg = c.algorithm;
    let (c2, h2, spki2) = generate(p, alg).await;
    let spki2 = spki2.unwrap();
    let ab = p.agree(c, h, &spki2).await.unwrap();
    let ba = p.agree(&c2, &h2, spki).await.unwrap();
    assert_eq!(ab, ba, "{alg}: ECDH both ways");
    assert_eq!(ab.len(), cv.field);
    let point = &spki2[spki2.len() - (2 * cv.field + 1)..];
    assert_eq!(point[0], 0x04);
    assert_eq!(p.agree(c, h, point).await.unwrap(), ab, "{alg}: raw point");
    // Interop: an aws-lc ephemeral key agrees with the provider's key.
    let eph = EphemeralPrivateKey::generate(cv.ecdh, &SystemRandom::new()).unwrap();
    let eph_pub = eph.compute_public_key().unwrap();
    let ours = p.agree(c, h, eph_pub.as_ref()).await.unwrap();
    let theirs = agreement::agree_ephemeral(eph, UnparsedPublicKey::new(cv.ecdh, spki), (), |s| {
        Ok(s.to_vec())
    })
    .unwrap();
    assert_eq!(ours.expose(), theirs.as_slice(), "{alg}: ECDH interop");
    for bad in [&b"garbage"[..], &[], &[0x04; 65][..]] {
        let r = p.agree(c, h, bad).await;
        assert!(
            matches!(r, Err(ProviderError::InvalidKey(_))),
            "{alg}: bad peer {r:?}"
        );
    }
    let other = if alg == Algorithm::EcP256 {
        Algorithm::EcP384
    } else {
        Algorithm::EcP256
    };
    let eph = EphemeralPrivateKey::generate(curve(other).ecdh, &SystemRandom::new()).unwrap();
    let r = p
        .agree(c, h, eph.compute_public_key().unwrap().as_ref())
        .await;
    assert!(
        matches!(r, Err(ProviderError::InvalidKey(_))),
        "{alg}: other curve"
    );
}

/// Ed25519 when claimed.
pub async fn ed25519_round_trips(p: Arc<dyn Provider>, claims: Claims) {
    let alg = Algorithm::Ed25519;
    if !claims.allows(alg, Operation::Sign) {
        return;
    }
    let (c, h, spki) = generate(p.as_ref(), alg).await;
    let (p, c, h, spki) = (p.as_ref(), &c, &h, spki.unwrap());
    let msg = b"hello";
    let s = p
        .sign(c, h, SignScheme::Ed25519, SignInput::Message(msg))
        .await
        .unwrap();
    assert_eq!(s.len(), 64);
    let m = SignInput::Message(msg);
    assert!(p.verify(c, h, SignScheme::Ed25519, m, &s).await.unwrap());
    let other = SignInput::Message(b"hellp");
    assert!(
        !p.verify(c, h, SignScheme::Ed25519, other, &s)
            .await
            .unwrap()
    );
    assert!(
        !p.verify(c, h, SignScheme::Ed25519, m, &s[..10])
            .await
            .unwrap()
    );
    let mut bad = s.clone();
    bad[40] ^= 1;
    assert!(!p.verify(c, h, SignScheme::Ed25519, m, &bad).await.unwrap());
    external_verify(&signature::ED25519, &spki, msg, &s);
    let d = SignInput::Digest(&[0; 64]);
    assert!(is_invalid_input(
        &p.sign(c, h, SignScheme::Ed25519, d).await
    ));
    assert!(is_invalid_input(
        &p.verify(c, h, SignScheme::Ed25519, d, &s).await
    ));
    unclaimed_are_unsupported(p, &claims, c, h).await;
}

/// X25519 when claimed: two provider keys and an aws-lc key agree.
pub async fn x25519_round_trips(p: Arc<dyn Provider>, claims: Claims) {
    let alg = Algorithm::X25519;
    if !claims.allows(alg, Operation::Agree) {
        return;
    }
    let p = p.as_ref();
    let (c, h, spki) = generate(p, alg).await;
    let (c2, h2, spki2) = generate(p, alg).await;
    let (spki, spki2) = (spki.unwrap(), spki2.unwrap());
    assert_eq!(spki2.len(), 44);
    let ab = p.agree(&c, &h, &spki2).await.unwrap();
    assert_eq!(ab, p.agree(&c2, &h2, &spki).await.unwrap());
    assert_eq!(
        p.agree(&c, &h, &spki2[12..]).await.unwrap(),
        ab,
        "raw 32-byte key"
    );
    let eph = EphemeralPrivateKey::generate(&agreement::X25519, &SystemRandom::new()).unwrap();
    let eph_pub = eph.compute_public_key().unwrap();
    let ours = p.agree(&c, &h, eph_pub.as_ref()).await.unwrap();
    let theirs = agreement::agree_ephemeral(
        eph,
        UnparsedPublicKey::new(&agreement::X25519, &spki[12..]),
        (),
        |s| Ok(s.to_vec()),
    )
    .unwrap();
    assert_eq!(ours.expose(), theirs.as_slice(), "X25519 interop");
    let r = p.agree(&c, &h, &[1u8; 31]).await;
    assert!(matches!(r, Err(ProviderError::InvalidKey(_))));
    unclaimed_are_unsupported(p, &claims, &c, &h).await;
}
