//! Secret-key cases: AEAD encrypt/decrypt with AAD and tampering, AES key
//! wrap with both mechanisms, and HMAC.

use std::sync::Arc;

use tresor_core::{
    Algorithm, KeyClass, KeyContext, KeyHandle, Operation, Provider, SecretBytes, WrapMechanism,
};

use crate::Claims;
use crate::support::{
    generate, is_crypto, is_invalid_input, is_unsupported, unclaimed_are_unsupported,
};

/// Every claimed AEAD algorithm: round trip, fresh nonces, every kind of
/// tampering is the opaque `Crypto`; AES-KW/KWP when claimed.
pub async fn symmetric_round_trips(p: Arc<dyn Provider>, claims: Claims) {
    for alg in claims.in_class(KeyClass::Symmetric) {
        let (c, h, _) = generate(p.as_ref(), alg).await;
        if claims.allows(alg, Operation::Encrypt) {
            if claims.opaque_ciphertext {
                opaque_aead(p.as_ref(), &c, &h).await;
            } else {
                aead(p.as_ref(), &c, &h).await;
            }
        }
        if claims.allows(alg, Operation::Wrap) {
            key_wrap(p.as_ref(), &claims, &c, &h).await;
        }
        unclaimed_are_unsupported(p.as_ref(), &claims, &c, &h).await;
    }
}

async fn aead(p: &dyn Provider, c: &KeyContext, h: &KeyHandle) {
    let alg = c.algorithm;
    let sealed = p.encrypt(c, h, b"attack at dawn", b"ctx").await.unwrap();
    assert_eq!(sealed.nonce.len(), 12, "{alg}: 96-bit nonce");
    assert_eq!(sealed.ciphertext.len(), 14 + 16, "{alg}: ciphertext || tag");
    let pt = p
        .decrypt(c, h, &sealed.nonce, &sealed.ciphertext, b"ctx")
        .await
        .unwrap();
    assert_eq!(pt.expose(), b"attack at dawn");
    let again = p.encrypt(c, h, b"attack at dawn", b"ctx").await.unwrap();
    assert_ne!(again.nonce, sealed.nonce, "{alg}: nonce reused");
    // Empty plaintext and empty AAD work too.
    let empty = p.encrypt(c, h, b"", b"").await.unwrap();
    assert!(
        p.decrypt(c, h, &empty.nonce, &empty.ciphertext, b"")
            .await
            .unwrap()
            .is_empty()
    );

    let (n, ct) = (&sealed.nonce, &sealed.ciphertext);
    let mut bad = ct.clone();
    bad[0] ^= 1;
    assert!(
        is_crypto(&p.decrypt(c, h, n, &bad, b"ctx").await),
        "{alg}: tampered ciphertext"
    );
    let mut bad = ct.clone();
    *bad.last_mut().unwrap() ^= 0x80;
    assert!(
        is_crypto(&p.decrypt(c, h, n, &bad, b"ctx").await),
        "{alg}: tampered tag"
    );
    let mut nonce = n.clone();
    nonce[11] ^= 1;
    assert!(
        is_crypto(&p.decrypt(c, h, &nonce, ct, b"ctx").await),
        "{alg}: wrong nonce"
    );
    assert!(
        is_crypto(&p.decrypt(c, h, n, ct, b"ctX").await),
        "{alg}: wrong AAD"
    );
    assert!(
        is_crypto(&p.decrypt(c, h, n, ct, b"").await),
        "{alg}: missing AAD"
    );
    assert!(
        is_crypto(&p.decrypt(c, h, n, &ct[..10], b"ctx").await),
        "{alg}: truncated"
    );
    assert!(
        is_crypto(&p.decrypt(c, h, &n[..8], ct, b"ctx").await),
        "{alg}: short nonce"
    );
    assert!(
        is_crypto(&p.decrypt(c, h, &[], &[], b"").await),
        "{alg}: empty input"
    );
}

/// AEAD through a provider whose sealed form is opaque (empty nonce).
async fn opaque_aead(p: &dyn Provider, c: &KeyContext, h: &KeyHandle) {
    let alg = c.algorithm;
    let sealed = p.encrypt(c, h, b"attack at dawn", b"ctx").await.unwrap();
    assert!(sealed.nonce.is_empty(), "{alg}: opaque form has no nonce");
    let ct = &sealed.ciphertext;
    let pt = p.decrypt(c, h, &[], ct, b"ctx").await.unwrap();
    assert_eq!(pt.expose(), b"attack at dawn");
    let again = p.encrypt(c, h, b"attack at dawn", b"ctx").await.unwrap();
    assert_ne!(&again.ciphertext, ct, "{alg}: encryption is randomized");
    let empty = p.encrypt(c, h, b"", b"").await.unwrap();
    assert!(
        p.decrypt(c, h, &[], &empty.ciphertext, b"")
            .await
            .unwrap()
            .is_empty()
    );
    for i in [0, ct.len() / 2, ct.len() - 1] {
        let mut bad = ct.clone();
        bad[i] ^= 0x01;
        assert!(
            is_crypto(&p.decrypt(c, h, &[], &bad, b"ctx").await),
            "{alg}: tampered byte {i}"
        );
    }
    for (aad, what) in [(&b"ctX"[..], "wrong AAD"), (b"", "missing AAD")] {
        assert!(
            is_crypto(&p.decrypt(c, h, &[], ct, aad).await),
            "{alg}: {what}"
        );
    }
    assert!(
        is_crypto(&p.decrypt(c, h, &[], &ct[..ct.len() - 10], b"ctx").await),
        "{alg}: truncated"
    );
    assert!(
        is_crypto(&p.decrypt(c, h, &[], &[], b"").await),
        "{alg}: empty input"
    );
}

async fn key_wrap(p: &dyn Provider, claims: &Claims, c: &KeyContext, h: &KeyHandle) {
    let alg = c.algorithm;
    let material = SecretBytes::from_slice(&[7u8; 32]);
    let claimed = |m| claims.wrap_mechanisms.contains(&m);
    if !claimed(WrapMechanism::AesKwp) {
        let r = p.wrap(c, h, WrapMechanism::AesKwp, &material).await;
        assert!(
            is_unsupported(&r),
            "{alg}: unclaimed AES-KWP must be Unsupported: {r:?}"
        );
    }
    let cases = [
        (WrapMechanism::AesKw, material.clone()),
        (WrapMechanism::AesKw, SecretBytes::from_slice(&[3u8; 16])),
        (WrapMechanism::AesKwp, SecretBytes::from_slice(b"odd-size")),
        (WrapMechanism::AesKwp, SecretBytes::from_slice(&[1u8; 33])),
    ];
    for (mech, m) in cases.into_iter().filter(|(mech, _)| claimed(*mech)) {
        let w = p.wrap(c, h, mech, &m).await.unwrap();
        assert!(w.len() >= m.len() + 8, "{alg} {mech:?}: wrapped length");
        assert_eq!(p.unwrap(c, h, mech, &w).await.unwrap(), m, "{alg} {mech:?}");
        let mut bad = w.clone();
        bad[3] ^= 1;
        assert!(
            is_crypto(&p.unwrap(c, h, mech, &bad).await),
            "{alg} {mech:?}: tampered"
        );
        assert!(
            is_crypto(&p.unwrap(c, h, mech, &w[..w.len() - 8]).await),
            "{alg} {mech:?}: truncated"
        );
    }
    let short = SecretBytes::from_slice(&[1u8; 12]);
    assert!(is_invalid_input(
        &p.wrap(c, h, WrapMechanism::AesKw, &short).await
    ));
    assert!(is_invalid_input(
        &p.wrap(c, h, WrapMechanism::RsaOaepSha256, &material).await
    ));
    assert!(is_invalid_input(
        &p.unwrap(c, h, WrapMechanism::RsaOaepSha256, &[0u8; 40])
            .await
    ));
}

/// Every claimed HMAC algorithm: tag length, verification, and tampered
/// message / tag / truncated or empty tag give `Ok(false)`.
pub async fn mac_round_trips(p: Arc<dyn Provider>, claims: Claims) {
    for alg in claims.in_class(KeyClass::Mac) {
        let (c, h, _) = generate(p.as_ref(), alg).await;
        if !claims.allows(alg, Operation::Mac) {
            unclaimed_are_unsupported(p.as_ref(), &claims, &c, &h).await;
            continue;
        }
        let tag = p.mac(&c, &h, b"message").await.unwrap();
        let len = match alg {
            Algorithm::HmacSha256 => 32,
            Algorithm::HmacSha384 => 48,
            _ => 64,
        };
        assert_eq!(tag.len(), len, "{alg}: tag length");
        assert_eq!(
            p.mac(&c, &h, b"message").await.unwrap(),
            tag,
            "{alg}: deterministic"
        );
        assert!(p.mac_verify(&c, &h, b"message", &tag).await.unwrap());
        assert!(!p.mac_verify(&c, &h, b"messagf", &tag).await.unwrap());
        let mut bad = tag.clone();
        bad[5] ^= 1;
        assert!(!p.mac_verify(&c, &h, b"message", &bad).await.unwrap());
        assert!(!p.mac_verify(&c, &h, b"message", &tag[..16]).await.unwrap());
        assert!(!p.mac_verify(&c, &h, b"message", &[]).await.unwrap());
        let empty = p.mac(&c, &h, b"").await.unwrap();
        assert!(p.mac_verify(&c, &h, b"", &empty).await.unwrap());
        unclaimed_are_unsupported(p.as_ref(), &claims, &c, &h).await;
    }
}
