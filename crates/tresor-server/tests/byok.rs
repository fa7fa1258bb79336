//! Bring-your-own-key over HTTP: plaintext import (raw AES, PKCS#8 EC) and
//! wrapped import to `/v1/wrapping-key` (RSA-OAEP-SHA-256 of an ephemeral
//! AES-256 key, then AES-KWP of the material), each proven to hold exactly
//! the imported material.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use aws_lc_rs::key_wrap::{AES_256, AesKek, KeyWrapPadded};
use aws_lc_rs::rsa::{OAEP_SHA256_MGF1SHA256, OaepPublicEncryptingKey, PublicEncryptingKey};
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair};
use aws_lc_rs::{hmac, rand};
use common::{Api, Env, b64, open_envelope_locally, unb64};
use serde_json::json;

/// `RSA-OAEP-SHA-256(ephemeral) || AES-KWP(ephemeral, material)` to the
/// tenant's wrapping key.
async fn wrap_for_import(api: &Api, material: &[u8]) -> Vec<u8> {
    let wk = api.get("/v1/wrapping-key").await.ok();
    assert_eq!(wk["algorithm"], "rsa-3072");
    assert_eq!(wk["wrapping_algorithm"], "rsa-aes-key-wrap-sha256");
    let der = pem::parse(wk["public_key_pem"].as_str().unwrap()).unwrap();
    let pk = PublicEncryptingKey::from_der(der.contents()).unwrap();
    let oaep = OaepPublicEncryptingKey::new(pk).unwrap();
    let mut eph = [0u8; 32];
    rand::fill(&mut eph).unwrap();
    let mut rsa_out = vec![0u8; oaep.ciphertext_size()];
    let rsa_ct = oaep
        .encrypt(&OAEP_SHA256_MGF1SHA256, &eph, &mut rsa_out, None)
        .unwrap()
        .to_vec();
    assert_eq!(rsa_ct.len(), 384);
    let kek = AesKek::new(&AES_256, &eph).unwrap();
    let mut kwp = vec![0u8; material.len() + 16];
    let kwp = kek.wrap_with_padding(material, &mut kwp).unwrap().to_vec();
    [rsa_ct, kwp].concat()
}

#[tokio::test]
async fn import_raw_aes_key_holds_exactly_that_material() {
    let env = Env::shared();
    let (_, api) = env.tenant("byok-raw").await;
    let material: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
    let k = api
        .post(
            "/v1/keys/import",
            json!({"algorithm": "aes-256-gcm", "material": b64(&material), "exportable": true, "alias": "imported"}),
        )
        .await;
    assert_eq!(k.status.as_u16(), 201, "{}", k.text());
    let k = k.json();
    assert_eq!(k["origin"], "imported");
    assert_eq!(k["state"], "active");
    let id = k["id"].as_str().unwrap().to_owned();

    // Tresor's ciphertext opens locally with the known bytes.
    let r = api
        .op(
            &id,
            "encrypt",
            json!({"plaintext": b64(b"hello byok"), "aad": b64(b"a")}),
        )
        .await
        .ok();
    let ct = unb64(&r["ciphertext"]);
    assert_eq!(
        open_envelope_locally(&aws_lc_rs::aead::AES_256_GCM, &material, &ct, b"a").as_deref(),
        Some(&b"hello byok"[..])
    );
    let d = api
        .op(
            "alias:imported",
            "decrypt",
            json!({"ciphertext": b64(&ct), "aad": b64(b"a")}),
        )
        .await
        .ok();
    assert_eq!(unb64(&d["plaintext"]), b"hello byok");

    // Exported through another key, it is the same bytes.
    let kek = api
        .create_key_with(json!({"algorithm": "aes-256-gcm", "operations": ["wrap", "unwrap"]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let w = api
        .op(
            &kek,
            "wrap",
            json!({"key": "alias:imported", "mechanism": "aes-kw"}),
        )
        .await
        .ok();
    let u = api
        .op(
            &kek,
            "unwrap",
            json!({"ciphertext": w["ciphertext"], "mechanism": "aes-kw"}),
        )
        .await
        .ok();
    assert_eq!(unb64(&u["plaintext"]), material);

    // Rotating an imported key with new material.
    let m2 = vec![0xabu8; 32];
    let k2 = api
        .op(&id, "rotate", json!({"material": b64(&m2)}))
        .await
        .ok();
    assert_eq!(k2["primary_version"], 2);
    let ct2 = api.encrypt(&id, b"v2").await;
    assert_eq!(
        open_envelope_locally(&aws_lc_rs::aead::AES_256_GCM, &m2, &ct2, b"").as_deref(),
        Some(&b"v2"[..])
    );

    // Wrong sizes and missing material are refused; nothing is created.
    let before = api.get("/v1/keys").await.ok()["keys"]
        .as_array()
        .unwrap()
        .len();
    for bad in [
        json!({"algorithm": "aes-256-gcm", "material": b64(&[1u8; 16])}),
        json!({"algorithm": "aes-128-gcm", "material": b64(&[1u8; 32])}),
        json!({"algorithm": "aes-256-gcm"}),
        json!({"algorithm": "aes-256-gcm", "material": b64(&material), "wrapped_material": b64(&material)}),
    ] {
        api.post("/v1/keys/import", bad)
            .await
            .err(400, "invalid_argument");
    }
    let after = api.get("/v1/keys").await.ok()["keys"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
}

#[tokio::test]
async fn import_pkcs8_ec_key_signs_for_the_known_public_key() {
    let env = Env::shared();
    let (_, api) = env.tenant("byok-ec").await;
    let rng = rand::SystemRandom::new();
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref())
        .unwrap();
    let k = api
        .post(
            "/v1/keys/import",
            json!({"algorithm": "ec-p256", "material": b64(pkcs8.as_ref())}),
        )
        .await
        .ok();
    let id = k["id"].as_str().unwrap();
    let der = api.public_der(id).await;
    assert!(
        der.ends_with(pair.public_key().as_ref()),
        "public key matches"
    );
    let sig = api.sign(id, b"imported ec").await;
    signature::UnparsedPublicKey::new(
        &signature::ECDSA_P256_SHA256_ASN1,
        pair.public_key().as_ref(),
    )
    .verify(b"imported ec", &sig)
    .expect("signature from the imported key verifies with its public key");
}

#[tokio::test]
async fn import_wrapped_hmac_key() {
    let env = Env::shared();
    let (_, api) = env.tenant("byok-wrapped").await;
    let material: Vec<u8> = (0u8..48).map(|i| 0xc3 ^ i.wrapping_mul(11)).collect();
    let blob = wrap_for_import(&api, &material).await;
    let k = api
        .post(
            "/v1/keys/import",
            json!({"algorithm": "hmac-sha384", "wrapped_material": b64(&blob)}),
        )
        .await
        .ok();
    assert_eq!(k["origin"], "imported");
    let id = k["id"].as_str().unwrap();
    let m = api
        .op(id, "mac", json!({"message": b64(b"byok message")}))
        .await
        .ok();
    let local = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA384, &material),
        b"byok message",
    );
    assert_eq!(unb64(&m["mac"]), local.as_ref());

    // The wrapping key is stable per tenant and is not a listed key.
    let a = api.get("/v1/wrapping-key").await.ok();
    let b = api.get("/v1/wrapping-key").await.ok();
    assert_eq!(a, b);
    let listed = api.get("/v1/keys?limit=1000").await.ok();
    assert!(
        !listed["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["id"] == a["key_id"]),
        "internal wrapping key is listed"
    );
    api.get(&format!("/v1/keys/{}", a["key_id"].as_str().unwrap()))
        .await
        .err(404, "key_not_found");

    // A corrupted or truncated blob fails opaquely.
    let mut bad = blob.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    for b in [bad, blob[..384].to_vec(), blob[..100].to_vec()] {
        api.post(
            "/v1/keys/import",
            json!({"algorithm": "hmac-sha384", "wrapped_material": b64(&b)}),
        )
        .await
        .err(400, "crypto_failed");
    }
    // Another tenant's wrapping key cannot unwrap this blob.
    let (_, other) = env.tenant("byok-other").await;
    other
        .post(
            "/v1/keys/import",
            json!({"algorithm": "hmac-sha384", "wrapped_material": b64(&blob)}),
        )
        .await
        .err(400, "crypto_failed");
}
