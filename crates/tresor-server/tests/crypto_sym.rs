//! Symmetric cryptographic operations over HTTP: AEAD with AAD and
//! context, RSA-OAEP, re-encryption, data keys, MACs, key wrapping (proven
//! against the exported material) and the batch endpoints.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Env, b64, flip, open_envelope_locally, unb64};
use serde_json::json;

#[tokio::test]
async fn aead_with_aad_and_context() {
    let env = Env::shared();
    let (_, api) = env.tenant("cr-aead").await;
    for alg in ["aes-128-gcm", "aes-256-gcm", "chacha20-poly1305"] {
        let id = api.create_key(alg).await;
        let ctx = json!({"app": "billing", "row": "42"});
        let r = api
            .op(
                &id,
                "encrypt",
                json!({"plaintext": b64(b"secret"), "aad": b64(b"hdr"), "context": ctx}),
            )
            .await
            .ok();
        assert_eq!(r["key_id"], id.as_str());
        assert_eq!(r["key_version"], 1);
        let ct = r["ciphertext"].clone();
        assert!(!unb64(&ct).windows(6).any(|w| w == b"secret"));
        let good = json!({"ciphertext": ct, "aad": b64(b"hdr"), "context": ctx});
        let d = api.op(&id, "decrypt", good.clone()).await.ok();
        assert_eq!(unb64(&d["plaintext"]), b"secret", "{alg}");
        // The key is found from the ciphertext alone.
        let d = api.post("/v1/decrypt", good).await.ok();
        assert_eq!(unb64(&d["plaintext"]), b"secret");
        assert_eq!(d["key_id"], id.as_str());
        // Any mismatch of AAD or context fails the same opaque way.
        let mut msgs = Vec::new();
        for bad in [
            json!({"ciphertext": ct, "context": ctx}),
            json!({"ciphertext": ct, "aad": b64(b"hdX"), "context": ctx}),
            json!({"ciphertext": ct, "aad": b64(b"hdr")}),
            json!({"ciphertext": ct, "aad": b64(b"hdr"), "context": {"app": "billing", "row": "43"}}),
            json!({"ciphertext": ct, "aad": b64(b"hdr"), "context": {"app": "billing", "row": "42", "x": ""}}),
        ] {
            let e = api
                .op(&id, "decrypt", bad.clone())
                .await
                .err(400, "crypto_failed");
            msgs.push(e["message"].clone());
            api.post("/v1/decrypt", bad).await.err(400, "crypto_failed");
        }
        msgs.dedup();
        assert_eq!(msgs.len(), 1, "one opaque message: {msgs:?}");
    }
}

#[tokio::test]
async fn rsa_oaep_reencrypt_and_data_keys() {
    let env = Env::shared();
    let (_, api) = env.tenant("cr-rsa").await;
    let rsa = api.create_key("rsa-2048").await;
    let ct = api.encrypt(&rsa, b"to rsa").await;
    assert_eq!(api.decrypt(&rsa, &ct).await, b"to rsa");
    api.op(
        &rsa,
        "encrypt",
        json!({"plaintext": b64(b"x"), "aad": b64(b"a")}),
    )
    .await
    .err(400, "invalid_argument");

    // Re-encrypt from one key to another, changing the binding.
    let a = api.create_key("aes-256-gcm").await;
    let b = api.create_key("chacha20-poly1305").await;
    let r = api
        .op(
            &a,
            "encrypt",
            json!({"plaintext": b64(b"move me"), "context": {"k": "v"}}),
        )
        .await
        .ok();
    let re = api
        .op(
            &b,
            "reencrypt",
            json!({
                "ciphertext": r["ciphertext"], "source_context": {"k": "v"}, "aad": b64(b"new")
            }),
        )
        .await
        .ok();
    assert_eq!(re["key_id"], b.as_str());
    let d = api
        .post(
            "/v1/decrypt",
            json!({"ciphertext": re["ciphertext"], "aad": b64(b"new")}),
        )
        .await
        .ok();
    assert_eq!(
        (unb64(&d["plaintext"]), d["key_id"].clone()),
        (b"move me".to_vec(), json!(b))
    );
    // Wrong source binding: opaque failure, nothing re-encrypted.
    api.op(&b, "reencrypt", json!({"ciphertext": r["ciphertext"]}))
        .await
        .err(400, "crypto_failed");
    // RSA ciphertexts re-encrypt too.
    let re = api
        .op(&a, "reencrypt", json!({"ciphertext": b64(&ct)}))
        .await
        .ok();
    assert_eq!(api.decrypt(&a, &unb64(&re["ciphertext"])).await, b"to rsa");

    // Data keys: with plaintext (default 32 bytes), 16 bytes, without.
    let dk = api
        .op(&a, "datakey", json!({"context": {"f": "1"}}))
        .await
        .ok();
    let pt = unb64(&dk["plaintext"]);
    assert_eq!(pt.len(), 32);
    assert_eq!(dk["key_id"], a.as_str());
    let d = api
        .post(
            "/v1/decrypt",
            json!({"ciphertext": dk["ciphertext"], "context": {"f": "1"}}),
        )
        .await
        .ok();
    assert_eq!(unb64(&d["plaintext"]), pt);
    let dk = api.op(&a, "datakey", json!({"bytes": 16})).await.ok();
    assert_eq!(unb64(&dk["plaintext"]).len(), 16);
    let dk = api
        .op(&a, "datakey", json!({"include_plaintext": false}))
        .await
        .ok();
    assert!(dk.get("plaintext").is_none_or(|p| p.is_null()), "{dk}");
    assert_eq!(api.decrypt(&a, &unb64(&dk["ciphertext"])).await.len(), 32);
    api.op(&a, "datakey", json!({"bytes": 24}))
        .await
        .err(400, "invalid_argument");
}

#[tokio::test]
async fn macs() {
    let env = Env::shared();
    let (_, api) = env.tenant("cr-mac").await;
    for (alg, len) in [
        ("hmac-sha256", 32),
        ("hmac-sha384", 48),
        ("hmac-sha512", 64),
    ] {
        let k = api.create_key(alg).await;
        let m = api
            .op(&k, "mac", json!({"message": b64(b"data")}))
            .await
            .ok();
        let mac = unb64(&m["mac"]);
        assert_eq!(mac.len(), len, "{alg}");
        assert_eq!(m["key_version"], 1);
        let again = api
            .op(&k, "mac", json!({"message": b64(b"data")}))
            .await
            .ok();
        assert_eq!(unb64(&again["mac"]), mac, "deterministic");
        let v = api
            .op(
                &k,
                "mac-verify",
                json!({"message": b64(b"data"), "mac": b64(&mac)}),
            )
            .await
            .ok();
        assert_eq!(v, json!({"valid": true, "key_version": 1}));
        for (msg, tag) in [
            (&b"datA"[..], mac.clone()),
            (b"data", flip(&mac, 0)),
            (b"data", mac[..16].to_vec()),
        ] {
            let v = api
                .op(
                    &k,
                    "mac-verify",
                    json!({"message": b64(msg), "mac": b64(&tag)}),
                )
                .await
                .ok();
            assert_eq!(v["valid"], false, "{alg}");
        }
    }
}

#[tokio::test]
async fn wrap_and_unwrap() {
    let env = Env::shared();
    let (_, api) = env.tenant("cr-wrap").await;
    let kek = api
        .create_key_with(json!({"algorithm": "aes-256-gcm", "operations": ["wrap", "unwrap"]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (mech, material) in [("aes-kw", vec![7u8; 32]), ("aes-kwp", vec![9u8; 21])] {
        let w = api
            .op(
                &kek,
                "wrap",
                json!({"plaintext": b64(&material), "mechanism": mech}),
            )
            .await
            .ok();
        assert_eq!(w["mechanism"], mech);
        let u = api
            .op(
                &kek,
                "unwrap",
                json!({"ciphertext": w["ciphertext"], "mechanism": mech}),
            )
            .await
            .ok();
        assert_eq!(unb64(&u["plaintext"]), material, "{mech}");
        let bad = flip(&unb64(&w["ciphertext"]), 3);
        api.op(
            &kek,
            "unwrap",
            json!({"ciphertext": b64(&bad), "mechanism": mech}),
        )
        .await
        .err(400, "crypto_failed");
    }
    let w = api
        .op(&kek, "wrap", json!({"plaintext": b64(b"dflt")}))
        .await
        .ok();
    assert_eq!(w["mechanism"], "aes-kwp");
    api.op(
        &kek,
        "wrap",
        json!({"plaintext": b64(b"x"), "mechanism": "rsa-oaep-sha256"}),
    )
    .await
    .err(400, "invalid_argument");

    let rsa = api
        .create_key_with(json!({"algorithm": "rsa-2048", "operations": ["wrap", "unwrap"]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let w = api
        .op(&rsa, "wrap", json!({"plaintext": b64(&[5u8; 32])}))
        .await
        .ok();
    assert_eq!(w["mechanism"], "rsa-oaep-sha256");
    let u = api
        .op(&rsa, "unwrap", json!({"ciphertext": w["ciphertext"]}))
        .await
        .ok();
    assert_eq!(unb64(&u["plaintext"]), vec![5u8; 32]);

    // Wrapping another key: the exported material really is that key.
    let exp = api
        .create_key_with(json!({"algorithm": "aes-256-gcm", "exportable": true}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let w = api.op(&kek, "wrap", json!({"key": exp})).await.ok();
    let raw = unb64(
        &api.op(&kek, "unwrap", json!({"ciphertext": w["ciphertext"]}))
            .await
            .ok()["plaintext"],
    );
    assert_eq!(raw.len(), 32);
    let ct = api.encrypt(&exp, b"check material").await;
    let opened = open_envelope_locally(&aws_lc_rs::aead::AES_256_GCM, &raw, &ct, b"");
    assert_eq!(opened.as_deref(), Some(&b"check material"[..]));
    let w = api
        .op(&rsa, "wrap", json!({"key": format!("{exp}")}))
        .await
        .ok();
    let u = api
        .op(&rsa, "unwrap", json!({"ciphertext": w["ciphertext"]}))
        .await
        .ok();
    assert_eq!(unb64(&u["plaintext"]), raw);

    // A non-exportable key is never wrapped out.
    let locked = api.create_key("aes-256-gcm").await;
    api.op(&kek, "wrap", json!({"key": locked}))
        .await
        .err(400, "operation_not_allowed");
    api.op(&kek, "wrap", json!({"plaintext": b64(b"x"), "key": exp}))
        .await
        .err(400, "invalid_argument");
}

#[tokio::test]
async fn batches_report_per_item_errors() {
    let env = Env::shared();
    let (_, api) = env.tenant("cr-batch").await;
    let k = api.create_key("aes-256-gcm").await;
    let r = api
        .op(
            &k,
            "encrypt/batch",
            json!({"items": [
                {"plaintext": b64(b"a")},
                {"plaintext": b64(&vec![0u8; 65 * 1024])},
                {"plaintext": b64(b"c"), "aad": b64(b"x")},
            ]}),
        )
        .await
        .ok();
    let res = r["results"].as_array().unwrap();
    assert_eq!(res.len(), 3);
    assert_eq!(res[1]["error"]["code"], "payload_too_large", "{r}");
    let ct_a = res[0]["ciphertext"].clone();
    let ct_c = res[2]["ciphertext"].clone();
    let tampered = b64(&flip(&unb64(&ct_a), 40));
    let r = api
        .op(
            &k,
            "decrypt/batch",
            json!({"items": [
                {"ciphertext": ct_a},
                {"ciphertext": tampered},
                {"ciphertext": ct_c, "aad": b64(b"x")},
            ]}),
        )
        .await
        .ok();
    let res = r["results"].as_array().unwrap();
    assert_eq!(unb64(&res[0]["plaintext"]), b"a");
    assert_eq!(res[1]["error"]["code"], "crypto_failed", "{r}");
    assert_eq!(unb64(&res[2]["plaintext"]), b"c");

    let ed = api.create_key("ed25519").await;
    let r = api
        .op(
            &ed,
            "sign/batch",
            json!({"items": [
                {"message": b64(b"m1")},
                {"digest": b64(&[0u8; 32])},
                {"message": b64(b"m3")},
            ]}),
        )
        .await
        .ok();
    let res = r["results"].as_array().unwrap();
    assert!(api.verify(&ed, b"m1", &unb64(&res[0]["signature"])).await);
    assert_eq!(res[1]["error"]["code"], "invalid_argument", "{r}");
    assert!(api.verify(&ed, b"m3", &unb64(&res[2]["signature"])).await);
    api.op(&k, "encrypt/batch", json!({"items": []}))
        .await
        .err(400, "invalid_argument");
}
