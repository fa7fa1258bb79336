//! RSA cases: every PSS and PKCS#1 v1.5 scheme over messages and digests,
//! interop with aws-lc from the returned SubjectPublicKeyInfo, and RSA-OAEP
//! encryption and wrapping when claimed.

use std::sync::Arc;

use aws_lc_rs::rsa::{OAEP_SHA256_MGF1SHA256, OaepPublicEncryptingKey, PublicEncryptingKey};
use aws_lc_rs::signature::{self, VerificationAlgorithm};
use tresor_core::{
    HashAlg, KeyClass, KeyContext, KeyHandle, Operation, Provider, SecretBytes, SignInput,
    SignScheme, WrapMechanism,
};

use crate::Claims;
use crate::support::{
    external_verify, generate, hash, is_crypto, is_invalid_input, unclaimed_are_unsupported,
};

/// Signs message and digest forms; both verify either way; tampering and
/// other messages do not; a digest of the wrong length is `InvalidInput`.
pub(crate) async fn sign_both_ways(
    p: &dyn Provider,
    c: &KeyContext,
    h: &KeyHandle,
    scheme: SignScheme,
    hash_alg: HashAlg,
    digests: bool,
) -> Vec<u8> {
    let alg = c.algorithm;
    let msg = b"the quick brown fox";
    let d = hash(hash_alg, msg);
    let s1 = p.sign(c, h, scheme, SignInput::Message(msg)).await.unwrap();
    let mut sigs = vec![s1.clone()];
    let mut inputs = vec![SignInput::Message(msg)];
    if digests {
        sigs.push(p.sign(c, h, scheme, SignInput::Digest(&d)).await.unwrap());
        inputs.push(SignInput::Digest(&d));
    }
    for s in &sigs {
        for input in inputs.iter().copied() {
            assert!(
                p.verify(c, h, scheme, input, s).await.unwrap(),
                "{alg} {scheme:?} {input:?}"
            );
        }
        let other = SignInput::Message(b"other");
        assert!(
            !p.verify(c, h, scheme, other, s).await.unwrap(),
            "{alg} {scheme:?}: other message"
        );
    }
    let mut bad = s1.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 1;
    let m = SignInput::Message(msg);
    assert!(
        !p.verify(c, h, scheme, m, &bad).await.unwrap(),
        "{alg} {scheme:?}: tampered"
    );
    assert!(
        !p.verify(c, h, scheme, m, &[]).await.unwrap(),
        "{alg} {scheme:?}: empty"
    );
    assert!(
        !p.verify(c, h, scheme, m, &[0x30, 0x02, 0xff])
            .await
            .unwrap()
    );
    let short = SignInput::Digest(&d[1..]);
    assert!(
        is_invalid_input(&p.sign(c, h, scheme, short).await),
        "{alg}: short digest"
    );
    assert!(is_invalid_input(&p.verify(c, h, scheme, short, &s1).await));
    s1
}

fn rsa_verifier(scheme: SignScheme) -> &'static dyn VerificationAlgorithm {
    match scheme {
        SignScheme::RsaPss(HashAlg::Sha256) => &signature::RSA_PSS_2048_8192_SHA256,
        SignScheme::RsaPss(HashAlg::Sha384) => &signature::RSA_PSS_2048_8192_SHA384,
        SignScheme::RsaPss(_) => &signature::RSA_PSS_2048_8192_SHA512,
        SignScheme::RsaPkcs1(HashAlg::Sha256) => &signature::RSA_PKCS1_2048_8192_SHA256,
        SignScheme::RsaPkcs1(HashAlg::Sha384) => &signature::RSA_PKCS1_2048_8192_SHA384,
        _ => &signature::RSA_PKCS1_2048_8192_SHA512,
    }
}

/// Every claimed RSA size.
pub async fn rsa_round_trips(p: Arc<dyn Provider>, claims: Claims) {
    for alg in claims.in_class(KeyClass::Rsa) {
        let (c, h, spki) = generate(p.as_ref(), alg).await;
        let spki = spki.unwrap();
        let p = p.as_ref();
        if claims.allows(alg, Operation::Sign) {
            let msg = SignInput::Message(b"the quick brown fox");
            for hash_alg in [HashAlg::Sha256, HashAlg::Sha384, HashAlg::Sha512] {
                for scheme in [SignScheme::RsaPss(hash_alg), SignScheme::RsaPkcs1(hash_alg)] {
                    let sig =
                        sign_both_ways(p, &c, &h, scheme, hash_alg, claims.sign_digests).await;
                    external_verify(rsa_verifier(scheme), &spki, b"the quick brown fox", &sig);
                    let other = match scheme {
                        SignScheme::RsaPss(x) => SignScheme::RsaPkcs1(x),
                        _ => SignScheme::RsaPss(hash_alg),
                    };
                    assert!(
                        !p.verify(&c, &h, other, msg, &sig).await.unwrap(),
                        "{alg}: schemes differ"
                    );
                }
            }
            let ecdsa = SignScheme::Ecdsa { raw: false };
            assert!(is_invalid_input(&p.sign(&c, &h, ecdsa, msg).await));
        }
        if claims.allows(alg, Operation::Encrypt) {
            oaep(p, &c, &h, &spki).await;
        }
        if claims.allows(alg, Operation::Wrap) {
            let material = SecretBytes::from_slice(&[9u8; 32]);
            let mech = WrapMechanism::RsaOaepSha256;
            let w = p.wrap(&c, &h, mech, &material).await.unwrap();
            assert_eq!(p.unwrap(&c, &h, mech, &w).await.unwrap(), material);
            assert!(is_crypto(&p.unwrap(&c, &h, mech, &w[1..]).await));
            assert!(is_invalid_input(
                &p.wrap(&c, &h, WrapMechanism::AesKw, &material).await
            ));
        }
        unclaimed_are_unsupported(p, &claims, &c, &h).await;
    }
}

async fn oaep(p: &dyn Provider, c: &KeyContext, h: &KeyHandle, spki: &[u8]) {
    let sealed = p.encrypt(c, h, b"secret", b"").await.unwrap();
    assert!(sealed.nonce.is_empty());
    let pt = p.decrypt(c, h, &[], &sealed.ciphertext, b"").await.unwrap();
    assert_eq!(pt.expose(), b"secret");
    let mut bad = sealed.ciphertext.clone();
    bad[10] ^= 1;
    assert!(is_crypto(&p.decrypt(c, h, &[], &bad, b"").await));
    assert!(is_crypto(&p.decrypt(c, h, &[], &bad[..5], b"").await));
    assert!(is_invalid_input(&p.encrypt(c, h, b"x", b"aad").await));
    assert!(is_invalid_input(&p.encrypt(c, h, &[0u8; 1024], b"").await));
    // Interop: aws-lc encrypts to the SPKI, the provider decrypts.
    let public = PublicEncryptingKey::from_der(spki).unwrap();
    let key = OaepPublicEncryptingKey::new(public).unwrap();
    let mut out = vec![0u8; key.ciphertext_size()];
    let ct = key
        .encrypt(&OAEP_SHA256_MGF1SHA256, b"from aws-lc", &mut out, None)
        .unwrap();
    let pt = p.decrypt(c, h, &[], ct, b"").await.unwrap();
    assert_eq!(pt.expose(), b"from aws-lc");
}
