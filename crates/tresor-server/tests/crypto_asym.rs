//! Asymmetric operations over HTTP: signatures for every family (also
//! checked locally with aws-lc-rs), key agreement (X25519, ECDH P-256),
//! ML-KEM encapsulation, and random bytes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_lc_rs::{digest, signature};
use common::{Env, b64, flip, unb64};
use serde_json::json;

/// The raw public key at the end of a SubjectPublicKeyInfo.
fn spki_tail(der: &[u8], n: usize) -> &[u8] {
    &der[der.len() - n..]
}

#[tokio::test]
async fn signatures_every_family() {
    let env = Env::shared();
    let (_, api) = env.tenant("cr-sig").await;
    let msg = b"the message to sign";
    let hash = digest::digest(&digest::SHA256, msg);

    // ECDSA P-256: DER by default, raw on request, message or digest.
    let ec = api.create_key("ec-p256").await;
    let point = spki_tail(&api.public_der(&ec).await, 65).to_vec();
    let s = api.op(&ec, "sign", json!({"message": b64(msg)})).await.ok();
    assert_eq!(s["scheme"], "ecdsa-sha256");
    let der_sig = unb64(&s["signature"]);
    signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, &point)
        .verify(msg, &der_sig)
        .expect("DER signature verifies locally");
    let raw = api
        .op(
            &ec,
            "sign",
            json!({"digest": b64(hash.as_ref()), "signature_format": "raw"}),
        )
        .await
        .ok();
    let raw_sig = unb64(&raw["signature"]);
    assert_eq!(raw_sig.len(), 64);
    signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, &point)
        .verify(msg, &raw_sig)
        .expect("raw signature over the digest verifies as a message signature");
    let v = api
        .op(
            &ec,
            "verify",
            json!({"message": b64(msg), "signature": b64(&raw_sig), "signature_format": "raw"}),
        )
        .await
        .ok();
    assert_eq!(v["valid"], true);
    let v = api
        .op(
            &ec,
            "verify",
            json!({"digest": b64(hash.as_ref()), "signature": b64(&der_sig)}),
        )
        .await
        .ok();
    assert_eq!(v["valid"], true);
    assert!(!api.verify(&ec, b"other message", &der_sig).await);
    assert!(
        !api.verify(&ec, msg, &flip(&der_sig, der_sig.len() - 1))
            .await
    );
    api.op(
        &ec,
        "sign",
        json!({"message": b64(msg), "scheme": "pss-sha256"}),
    )
    .await
    .err(400, "invalid_argument");
    api.op(
        &ec,
        "sign",
        json!({"message": b64(msg), "digest": b64(hash.as_ref())}),
    )
    .await
    .err(400, "invalid_argument");

    for alg in ["ec-p384", "ec-p521", "ml-dsa-44", "ml-dsa-87"] {
        let k = api.create_key(alg).await;
        let s = api.sign(&k, msg).await;
        assert!(api.verify(&k, msg, &s).await, "{alg}");
        assert!(!api.verify(&k, b"x", &s).await, "{alg}");
    }

    // RSA: PSS (default) and PKCS#1 v1.5, message and digest.
    let rsa = api
        .create_key_with(json!({"algorithm": "rsa-2048", "operations": ["sign", "verify"]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let der = api.public_der(&rsa).await;
    let s = api
        .op(&rsa, "sign", json!({"message": b64(msg)}))
        .await
        .ok();
    assert_eq!(s["scheme"], "pss-sha256");
    signature::UnparsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA256, &der)
        .verify(msg, &unb64(&s["signature"]))
        .expect("PSS verifies locally");
    let s = api
        .op(
            &rsa,
            "sign",
            json!({"digest": b64(hash.as_ref()), "scheme": "pkcs1-sha256"}),
        )
        .await
        .ok();
    let pk1 = unb64(&s["signature"]);
    signature::UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &der)
        .verify(msg, &pk1)
        .expect("PKCS#1 verifies locally");
    let ok = |scheme: &str| json!({"message": b64(msg), "signature": b64(&pk1), "scheme": scheme});
    assert_eq!(
        api.op(&rsa, "verify", ok("pkcs1-sha256")).await.ok()["valid"],
        true
    );
    assert_eq!(
        api.op(&rsa, "verify", ok("pss-sha256")).await.ok()["valid"],
        false
    );
    api.op(&rsa, "sign", json!({"message": b64(msg), "scheme": "md5"}))
        .await
        .err(400, "invalid_argument");

    // Ed25519 and ML-DSA-65: messages only.
    let ed = api.create_key("ed25519").await;
    let pk = spki_tail(&api.public_der(&ed).await, 32).to_vec();
    let s = api.sign(&ed, msg).await;
    signature::UnparsedPublicKey::new(&signature::ED25519, &pk)
        .verify(msg, &s)
        .expect("Ed25519 verifies locally");
    assert!(api.verify(&ed, msg, &s).await);
    api.op(&ed, "sign", json!({"digest": b64(hash.as_ref())}))
        .await
        .err(400, "invalid_argument");
    let ml = api.create_key("ml-dsa-65").await;
    let s = api.op(&ml, "sign", json!({"message": b64(msg)})).await.ok();
    assert_eq!(s["scheme"], "ml-dsa");
    let s = unb64(&s["signature"]);
    assert_eq!(s.len(), 3309);
    assert!(api.verify(&ml, msg, &s).await);
    assert!(!api.verify(&ml, msg, &flip(&s, 100)).await);
}

#[tokio::test]
async fn agreement_kem_and_random() {
    let env = Env::shared();
    let (_, api) = env.tenant("cr-agree").await;
    for (alg, ops) in [("x25519", None), ("ec-p256", Some(json!(["agree"])))] {
        let mk = |api: common::Api| {
            let ops = ops.clone();
            async move {
                let mut body = json!({"algorithm": alg});
                if let Some(o) = ops {
                    body["operations"] = o;
                }
                api.create_key_with(body).await["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        let a = mk(api.clone()).await;
        let b = mk(api.clone()).await;
        let pa = api.public_der(&a).await;
        let pb = api.public_der(&b).await;
        let ab = api
            .op(&a, "agree", json!({"public_key": b64(&pb)}))
            .await
            .ok();
        let ba = api
            .op(&b, "agree", json!({"public_key": b64(&pa)}))
            .await
            .ok();
        let s = unb64(&ab["shared_secret"]);
        assert_eq!(s.len(), 32, "{alg}");
        assert_eq!(s, unb64(&ba["shared_secret"]), "{alg}");
        let r = api
            .op(&a, "agree", json!({"public_key": b64(&[4u8; 7])}))
            .await;
        assert_eq!(r.status.as_u16(), 400, "{alg}: {}", r.text());
    }

    for alg in ["ml-kem-768", "ml-kem-1024"] {
        let k = api.create_key(alg).await;
        let e = api.op(&k, "encapsulate", json!({})).await.ok();
        let ss = unb64(&e["shared_secret"]);
        assert_eq!(ss.len(), 32);
        let d = api
            .op(&k, "decapsulate", json!({"ciphertext": e["ciphertext"]}))
            .await
            .ok();
        assert_eq!(unb64(&d["shared_secret"]), ss, "{alg}");
        // ML-KEM decapsulation of a modified ciphertext gives another secret.
        let bad = flip(&unb64(&e["ciphertext"]), 5);
        let r = api
            .op(&k, "decapsulate", json!({"ciphertext": b64(&bad)}))
            .await;
        if r.status.is_success() {
            assert_ne!(unb64(&r.json()["shared_secret"]), ss);
        } else {
            r.err(400, "crypto_failed");
        }
    }

    let r1 = unb64(&api.post("/v1/random", json!({"bytes": 32})).await.ok()["random"]);
    let r2 = unb64(&api.post("/v1/random", json!({"bytes": 32})).await.ok()["random"]);
    assert_eq!((r1.len(), r2.len()), (32, 32));
    assert_ne!(r1, r2);
    assert_eq!(
        unb64(&api.post("/v1/random", json!({"bytes": 1024})).await.ok()["random"]).len(),
        1024
    );
    for n in [0, 1025] {
        api.post("/v1/random", json!({"bytes": n}))
            .await
            .err(400, "invalid_argument");
    }
}
