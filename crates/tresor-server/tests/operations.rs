//! The key lifecycle over HTTP: rotate (old versions keep working),
//! per-version enable/disable, enable/disable, revoke (deactivated and
//! compromised), scheduled destroy and cancel, and immediate destroy
//! (crypto-shredding that keeps metadata, versions and audit history).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Env, b64, ts, unb64, versions};
use serde_json::json;

#[tokio::test]
async fn rotate_keeps_old_versions_working() {
    let env = Env::shared();
    let (_, api) = env.tenant("ops-rotate").await;
    let aes = api.create_key("aes-256-gcm").await;
    let r1 = api
        .op(&aes, "encrypt", json!({"plaintext": b64(b"one")}))
        .await
        .ok();
    assert_eq!(r1["key_version"], 1);
    let k = api.op(&aes, "rotate", json!({})).await.ok();
    assert_eq!(k["primary_version"], 2);
    assert_eq!(
        versions(&k),
        vec![(1, "enabled".to_owned()), (2, "enabled".to_owned())]
    );
    let r2 = api
        .op(&aes, "encrypt", json!({"plaintext": b64(b"two")}))
        .await
        .ok();
    assert_eq!(r2["key_version"], 2);
    let d1 = api
        .op(&aes, "decrypt", json!({"ciphertext": r1["ciphertext"]}))
        .await
        .ok();
    assert_eq!(
        (unb64(&d1["plaintext"]), d1["key_version"].clone()),
        (b"one".to_vec(), json!(1))
    );
    let d2 = api
        .post("/v1/decrypt", json!({"ciphertext": r2["ciphertext"]}))
        .await
        .ok();
    assert_eq!(
        (unb64(&d2["plaintext"]), d2["key_version"].clone()),
        (b"two".to_vec(), json!(2))
    );

    // Signatures: the old version still verifies, new ones use version 2.
    let ec = api.create_key("ec-p256").await;
    let s1 = api.sign(&ec, b"msg").await;
    api.op(&ec, "rotate", json!({})).await.ok();
    let v = api
        .op(
            &ec,
            "verify",
            json!({"message": b64(b"msg"), "signature": b64(&s1)}),
        )
        .await
        .ok();
    assert_eq!(v, json!({"valid": true, "key_version": 1}));
    let s2 = api
        .op(&ec, "sign", json!({"message": b64(b"msg")}))
        .await
        .ok();
    assert_eq!(s2["key_version"], 2);

    // Per-version disable: version 1 stops decrypting and verifying.
    let k = api
        .post(&format!("/v1/keys/{aes}/versions/1/disable"), json!({}))
        .await
        .ok();
    assert_eq!(versions(&k)[0], (1, "disabled".to_owned()));
    api.op(&aes, "decrypt", json!({"ciphertext": r1["ciphertext"]}))
        .await
        .err(400, "crypto_failed");
    assert_eq!(api.decrypt(&aes, &unb64(&r2["ciphertext"])).await, b"two");
    api.post(&format!("/v1/keys/{ec}/versions/1/disable"), json!({}))
        .await
        .ok();
    assert!(!api.verify(&ec, b"msg", &s1).await);
    // The primary version cannot be disabled; unknown versions are 404.
    api.post(&format!("/v1/keys/{aes}/versions/2/disable"), json!({}))
        .await
        .err(409, "invalid_key_state");
    api.post(&format!("/v1/keys/{aes}/versions/9/disable"), json!({}))
        .await
        .err(404, "version_not_found");
    // Enabling it again restores decryption.
    api.post(&format!("/v1/keys/{aes}/versions/1/enable"), json!({}))
        .await
        .ok();
    assert_eq!(api.decrypt(&aes, &unb64(&r1["ciphertext"])).await, b"one");
}

#[tokio::test]
async fn disable_enable_and_revoke() {
    let env = Env::shared();
    let (_, api) = env.tenant("ops-revoke").await;
    let id = api.create_key("aes-256-gcm").await;
    let ct = api.encrypt(&id, b"before").await;

    let k = api.op(&id, "disable", json!({})).await.ok();
    assert_eq!(k["state"], "suspended");
    api.op(&id, "encrypt", json!({"plaintext": b64(b"x")}))
        .await
        .err(409, "invalid_key_state");
    api.op(&id, "decrypt", json!({"ciphertext": b64(&ct)}))
        .await
        .err(409, "invalid_key_state");
    assert_eq!(
        api.op(&id, "enable", json!({})).await.ok()["state"],
        "active"
    );

    // Revoke (not compromise): deactivated, still decrypts, never encrypts.
    let k = api
        .op(
            &id,
            "revoke",
            json!({"reason": "superseded", "message": "new key"}),
        )
        .await
        .ok();
    assert_eq!(k["state"], "deactivated");
    assert_eq!(k["revocation_reason"], "superseded");
    assert_eq!(k["revocation_message"], "new key");
    assert!(k["deactivated_at"].is_string());
    assert_eq!(api.decrypt(&id, &ct).await, b"before");
    api.op(&id, "encrypt", json!({"plaintext": b64(b"x")}))
        .await
        .err(409, "invalid_key_state");
    api.op(&id, "rotate", json!({}))
        .await
        .err(409, "invalid_key_state");
    api.op(&id, "enable", json!({}))
        .await
        .err(409, "invalid_key_state");

    // Compromise: `compromised`, processing only.
    let sig = api.create_key("ed25519").await;
    let s = api.sign(&sig, b"m").await;
    let k = api
        .op(&sig, "revoke", json!({"reason": "key-compromise"}))
        .await
        .ok();
    assert_eq!(k["state"], "compromised");
    assert_eq!(k["revocation_reason"], "key-compromise");
    assert!(api.verify(&sig, b"m", &s).await);
    api.op(&sig, "sign", json!({"message": b64(b"m")}))
        .await
        .err(409, "invalid_key_state");
    // A deactivated key can still be marked compromised, not the reverse.
    assert_eq!(
        api.op(&id, "revoke", json!({"reason": "ca-compromise"}))
            .await
            .ok()["state"],
        "compromised"
    );
    api.op(&sig, "revoke", json!({"reason": "superseded"}))
        .await
        .err(409, "invalid_key_state");
}

#[tokio::test]
async fn schedule_and_cancel_destroy() {
    let env = Env::shared();
    let (_, api) = env.tenant("ops-sched").await;
    let id = api.create_key("aes-256-gcm").await;
    let ct = api.encrypt(&id, b"keep").await;
    for bad in [0, 6, 31, 365] {
        api.op(&id, "schedule-destroy", json!({"pending_days": bad}))
            .await
            .err(400, "invalid_argument");
    }
    assert!(api.key(&id).await["destroy_at"].is_null());

    let k = api.op(&id, "schedule-destroy", json!({})).await.ok();
    let window = ts(&k["destroy_at"]) - ts(&k["updated_at"]);
    assert!(
        (window.whole_seconds() - 30 * 86_400).abs() <= 5,
        "default window is 30 days: {window}"
    );
    assert_eq!(k["state"], "active");
    // Unusable while pending, for every operation.
    api.op(&id, "encrypt", json!({"plaintext": b64(b"x")}))
        .await
        .err(409, "key_pending_destroy");
    api.op(&id, "decrypt", json!({"ciphertext": b64(&ct)}))
        .await
        .err(409, "key_pending_destroy");
    api.op(&id, "schedule-destroy", json!({"pending_days": 7}))
        .await
        .err(409, "key_pending_destroy");

    let k = api.op(&id, "cancel-destroy", json!({})).await.ok();
    assert!(k["destroy_at"].is_null());
    assert_eq!(api.decrypt(&id, &ct).await, b"keep");
    api.op(&id, "cancel-destroy", json!({}))
        .await
        .err(409, "invalid_key_state");

    for days in [7, 30] {
        let k = api
            .op(&id, "schedule-destroy", json!({"pending_days": days}))
            .await
            .ok();
        let w = ts(&k["destroy_at"]) - ts(&k["updated_at"]);
        assert!(
            (w.whole_seconds() - days * 86_400).abs() <= 5,
            "{days}: {w}"
        );
        api.op(&id, "cancel-destroy", json!({})).await.ok();
    }
}

#[tokio::test]
async fn destroy_shreds_material_and_keeps_history() {
    let env = Env::shared();
    let (_, api) = env.tenant("ops-destroy").await;
    let id = api.create_key("aes-256-gcm").await;
    let ct1 = api.encrypt(&id, b"v1").await;
    api.op(&id, "rotate", json!({})).await.ok();
    let ct2 = api.encrypt(&id, b"v2").await;
    // An active key must be disabled or revoked first.
    api.op(&id, "destroy", json!({}))
        .await
        .err(409, "invalid_key_state");
    api.op(&id, "disable", json!({})).await.ok();
    let k = api.op(&id, "destroy", json!({})).await.ok();
    assert_eq!(k["state"], "destroyed");
    assert!(k["destroyed_at"].is_string());

    let k = api.key(&id).await;
    assert_eq!(k["state"], "destroyed");
    let vs = k["versions"].as_array().unwrap();
    assert_eq!(vs.len(), 2);
    for v in vs {
        assert_eq!(v["state"], "destroyed", "{v}");
        assert!(v["destroyed_at"].is_string(), "{v}");
    }
    for ct in [&ct1, &ct2] {
        let r = api.op(&id, "decrypt", json!({"ciphertext": b64(ct)})).await;
        assert!(!r.status.is_success());
        assert_eq!(
            r.code().as_deref(),
            Some("invalid_key_state"),
            "{}",
            r.text()
        );
        let r = api
            .post("/v1/decrypt", json!({"ciphertext": b64(ct)}))
            .await;
        assert!(!r.status.is_success(), "{}", r.text());
        assert!(!r.text().contains(&b64(b"v1")));
    }
    for (path, body) in [
        ("enable", json!({})),
        ("rotate", json!({})),
        ("destroy", json!({})),
        ("schedule-destroy", json!({})),
    ] {
        api.op(&id, path, body).await.err(409, "invalid_key_state");
    }
    api.patch(&format!("/v1/keys/{id}"), json!({"description": "x"}))
        .await
        .err(409, "invalid_key_state");
    // Listed with state destroyed; compromise still recordable.
    let page = api.get("/v1/keys?state=destroyed").await.ok();
    assert_eq!(page["keys"][0]["id"], id.as_str());
    let k = api
        .op(&id, "revoke", json!({"reason": "key-compromise"}))
        .await
        .ok();
    assert_eq!(k["state"], "destroyed-compromised");

    // The audit history of the key is intact.
    let actions: Vec<String> = api
        .audit()
        .await
        .iter()
        .filter(|r| r["object"] == id.as_str() && r["outcome"] == "success")
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect();
    for a in [
        "key.create",
        "crypto.encrypt",
        "key.rotate",
        "key.disable",
        "key.destroy",
        "key.revoke",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} missing in {actions:?}");
    }

    // A compromised key destroys into destroyed-compromised.
    let id2 = api.create_key("hmac-sha256").await;
    api.op(&id2, "revoke", json!({"reason": "key-compromise"}))
        .await
        .ok();
    let k = api.op(&id2, "destroy", json!({})).await.ok();
    assert_eq!(k["state"], "destroyed-compromised");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_use_and_rotation() {
    let env = Env::shared();
    let (_, api) = env.tenant("ops-concurrent").await;
    let id = api.create_key("aes-256-gcm").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..24u32 {
        let api = api.clone();
        let id = id.clone();
        tasks.spawn(async move {
            if i % 6 == 0 {
                let r = api.op(&id, "rotate", json!({})).await;
                match r.status.as_u16() {
                    200 => (None, true),
                    _ => {
                        r.err(409, "conflict");
                        (None, false)
                    }
                }
            } else {
                let pt = format!("message {i}").into_bytes();
                let r = api
                    .op(&id, "encrypt", json!({"plaintext": b64(&pt)}))
                    .await
                    .ok();
                (Some((pt, unb64(&r["ciphertext"]))), false)
            }
        });
    }
    let mut rotations = 0;
    let mut cts = Vec::new();
    while let Some(r) = tasks.join_next().await {
        let (ct, rotated) = r.unwrap();
        rotations += u64::from(rotated);
        cts.extend(ct);
    }
    assert!(rotations >= 1);
    let k = api.key(&id).await;
    assert_eq!(k["primary_version"], 1 + rotations, "{k}");
    assert_eq!(versions(&k).len() as u64, 1 + rotations);
    assert_eq!(cts.len(), 20);
    for (pt, ct) in &cts {
        assert_eq!(&api.decrypt(&id, ct).await, pt);
    }
    let v = env.root.post("/v1/audit/verify", json!({})).await.ok();
    assert_eq!(v["ok"], true, "{v}");
}
