//! Restarts: keys, versions, states, aliases, API keys and audit survive a
//! restart on the same data dir and root key; old ciphertexts decrypt and
//! old signatures verify. With another root key nothing decrypts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Owned, b64, hex, unb64};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_survives_restart_and_needs_the_root_key() {
    let dir = tempfile::Builder::new()
        .prefix("tresor-e2e-persist-")
        .tempdir()
        .unwrap();
    let server = Owned::start(dir.path(), None).await;
    let root = server.root();
    let user_token = root.api_key("user").await;
    let user = root.as_token(&user_token);

    let aes = user
        .create_key_with(
            json!({"algorithm": "aes-256-gcm", "alias": "persist/aes", "tags": {"t": "1"}}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ct1 = user.encrypt(&aes, b"first version").await;
    user.op(&aes, "rotate", json!({})).await.ok();
    let r = user
        .op(
            &aes,
            "encrypt",
            json!({"plaintext": b64(b"second version"), "context": {"c": "d"}}),
        )
        .await
        .ok();
    let ct2 = r["ciphertext"].clone();

    let mut sigs = Vec::new();
    for alg in ["ec-p256", "ed25519", "ml-dsa-65"] {
        let k = user.create_key(alg).await;
        let s1 = user.sign(&k, b"persisted").await;
        user.op(&k, "rotate", json!({})).await.ok();
        let s2 = user.sign(&k, b"persisted").await;
        sigs.push((k, s1, s2));
    }
    let rsa = user
        .create_key_with(json!({"algorithm": "rsa-2048", "operations": ["sign", "verify"]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rsa_sig = user.sign(&rsa, b"persisted").await;
    let hm = user.create_key("hmac-sha512").await;
    let mac = user
        .op(&hm, "mac", json!({"message": b64(b"persisted")}))
        .await
        .ok()["mac"]
        .clone();
    let suspended = user.create_key("chacha20-poly1305").await;
    let ct3 = user.encrypt(&suspended, b"third").await;
    user.op(&suspended, "disable", json!({})).await.ok();
    let pending = user.create_key("aes-128-gcm").await;
    user.op(&pending, "schedule-destroy", json!({"pending_days": 9}))
        .await
        .ok();

    let mut ids = vec![
        aes.clone(),
        rsa.clone(),
        hm.clone(),
        suspended.clone(),
        pending.clone(),
    ];
    ids.extend(sigs.iter().map(|s| s.0.clone()));
    let mut snapshot = Vec::new();
    for id in &ids {
        snapshot.push(user.key(id).await);
    }
    let api_keys = root.get("/v1/api-keys").await.ok();
    let audit_before = root.audit_all().await;
    let verified_before = root.post("/v1/audit/verify", json!({})).await.ok()["verified"]
        .as_u64()
        .unwrap();
    server.stop().await;

    // Same data dir, same root key (the file in the data dir).
    let server = Owned::start(dir.path(), None).await;
    assert!(
        server.running.as_ref().unwrap().initial_token.is_none(),
        "no second bootstrap"
    );
    let root = server.root();
    let user = root.as_token(&user_token);
    for (id, before) in ids.iter().zip(&snapshot) {
        assert_eq!(
            &user.key(id).await,
            before,
            "key {id} changed across restart"
        );
    }
    assert_eq!(user.key("alias:persist%2Faes").await["id"], aes.as_str());
    assert_eq!(root.get("/v1/api-keys").await.ok(), api_keys);
    assert_eq!(user.decrypt(&aes, &ct1).await, b"first version");
    let d = user
        .op(
            &aes,
            "decrypt",
            json!({"ciphertext": ct2, "context": {"c": "d"}}),
        )
        .await
        .ok();
    assert_eq!(
        (unb64(&d["plaintext"]), d["key_version"].clone()),
        (b"second version".to_vec(), json!(2))
    );
    for (k, s1, s2) in &sigs {
        for (s, v) in [(s1, 1), (s2, 2)] {
            let r = user
                .op(
                    k,
                    "verify",
                    json!({"message": b64(b"persisted"), "signature": b64(s)}),
                )
                .await
                .ok();
            assert_eq!(r, json!({"valid": true, "key_version": v}), "{k}");
        }
    }
    assert!(user.verify(&rsa, b"persisted", &rsa_sig).await);
    let v = user
        .op(
            &hm,
            "mac-verify",
            json!({"message": b64(b"persisted"), "mac": mac}),
        )
        .await
        .ok();
    assert_eq!(v["valid"], true);
    user.op(&suspended, "decrypt", json!({"ciphertext": b64(&ct3)}))
        .await
        .err(409, "invalid_key_state");
    user.op(&suspended, "enable", json!({})).await.ok();
    assert_eq!(user.decrypt(&suspended, &ct3).await, b"third");
    user.op(&pending, "encrypt", json!({"plaintext": b64(b"x")}))
        .await
        .err(409, "key_pending_destroy");
    // New keys and new ciphertexts work as before.
    let fresh = user.create_key("aes-256-gcm").await;
    assert_eq!(
        user.decrypt(&fresh, &user.encrypt(&fresh, b"new").await)
            .await,
        b"new"
    );

    // The audit trail survived whole and still verifies.
    let audit_after = root.audit_all().await;
    for r in &audit_before {
        assert!(audit_after.contains(r), "audit record lost: {r}");
    }
    let v = root.post("/v1/audit/verify", json!({})).await.ok();
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["verified"].as_u64().unwrap() > verified_before);
    server.stop().await;

    // Another root key: refuse to start, or fail every use of old material.
    let other = dir.path().join("other-root.key");
    std::fs::write(&other, format!("{}\n", hex(&[0x42u8; 32]))).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    match Owned::try_start(dir.path(), Some(&other)).await {
        Err(e) => assert!(!e.is_empty()),
        Ok(server) => {
            let user = server.root().as_token(&user_token);
            let leaks = |r: &common::Resp| {
                r.text().contains(&b64(b"first version"))
                    || r.text().contains(&b64(b"second version"))
            };
            for body in [
                json!({"ciphertext": b64(&ct1)}),
                json!({"ciphertext": ct2, "context": {"c": "d"}}),
            ] {
                let r = user.post("/v1/decrypt", body).await;
                assert!(
                    !r.status.is_success(),
                    "decrypted with the wrong root key: {}",
                    r.text()
                );
                assert!(!leaks(&r));
                let code = r.code().unwrap();
                assert!(
                    ["crypto_failed", "provider_unavailable", "internal"].contains(&code.as_str()),
                    "{code}"
                );
            }
            let r = user
                .op(&sigs[0].0, "sign", json!({"message": b64(b"x")}))
                .await;
            assert!(!r.status.is_success(), "{}", r.text());
            server.stop().await;
        }
    }
    let _: Option<Value> = None;
}
