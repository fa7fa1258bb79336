//! Tenant isolation: another tenant's keys are "not found" by id and by
//! alias for every operation, its ciphertexts fail opaquely, its audit and
//! JWKS are invisible, and only a platform admin may select another tenant.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Env, b64, unb64};
use serde_json::json;

#[tokio::test]
async fn keys_of_another_tenant_do_not_exist() {
    let env = Env::shared();
    let (ta, a) = env.tenant("iso-a").await;
    let (tb, b) = env.tenant("iso-b").await;

    let ka = a
        .create_key_with(json!({"algorithm": "aes-256-gcm", "alias": "shared/name"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let sa = a
        .create_key_with(json!({"algorithm": "ec-p256", "alias": "signer", "publish_jwk": true}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ct = a.encrypt(&ka, b"tenant a secret").await;
    let sig = a.sign(&sa, b"m").await;
    // The same alias may exist in both tenants: different keys.
    let kb = b
        .create_key_with(json!({"algorithm": "aes-256-gcm", "alias": "shared/name"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(ka, kb);
    assert_eq!(a.key("alias:shared%2Fname").await["id"], ka.as_str());
    assert_eq!(b.key("alias:shared%2Fname").await["id"], kb.as_str());

    let before = a.key(&ka).await;
    for key in [ka.clone(), sa.clone(), "alias:signer".to_owned()] {
        b.get(&format!("/v1/keys/{key}"))
            .await
            .err(404, "key_not_found");
        b.get(&format!("/v1/keys/{key}/public"))
            .await
            .err(404, "key_not_found");
        b.patch(&format!("/v1/keys/{key}"), json!({"description": "pwned"}))
            .await
            .err(404, "key_not_found");
        for (op, body) in [
            ("encrypt", json!({"plaintext": b64(b"x")})),
            ("decrypt", json!({"ciphertext": b64(&ct)})),
            ("sign", json!({"message": b64(b"m")})),
            (
                "verify",
                json!({"message": b64(b"m"), "signature": b64(&sig)}),
            ),
            ("rotate", json!({})),
            ("disable", json!({})),
            ("revoke", json!({"reason": "key-compromise"})),
            ("schedule-destroy", json!({})),
            ("destroy", json!({})),
        ] {
            b.op(&key, op, body).await.err(404, "key_not_found");
        }
        b.post(&format!("/v1/keys/{key}/versions/1/disable"), json!({}))
            .await
            .err(404, "key_not_found");
    }
    // Wrapping a key of tenant a from tenant b: not found either.
    let wb = b
        .create_key_with(json!({"algorithm": "aes-256-gcm", "operations": ["wrap", "unwrap"]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    b.op(&wb, "wrap", json!({"key": ka}))
        .await
        .err(404, "key_not_found");
    // The alias in b resolves to b's key; a's ciphertext does not open with it.
    b.op(
        "alias:shared%2Fname",
        "decrypt",
        json!({"ciphertext": b64(&ct)}),
    )
    .await
    .err(400, "crypto_failed");
    // Decrypt by ciphertext alone: opaque, no hint that the key exists.
    let e1 = b
        .post("/v1/decrypt", json!({"ciphertext": b64(&ct)}))
        .await
        .err(400, "crypto_failed");
    let mut garbage = ct.clone();
    garbage[1] ^= 0xff; // another key id
    let e2 = a
        .post("/v1/decrypt", json!({"ciphertext": b64(&garbage)}))
        .await
        .err(400, "crypto_failed");
    assert_eq!(e1["message"], e2["message"]);
    b.op(&kb, "reencrypt", json!({"ciphertext": b64(&ct)}))
        .await
        .err(400, "crypto_failed");

    // Nothing in a changed.
    assert_eq!(a.key(&ka).await, before);
    assert_eq!(a.decrypt(&ka, &ct).await, b"tenant a secret");

    // Listing, JWKS and audit in b show none of a.
    let listed = b.get("/v1/keys?limit=1000").await.ok();
    let ids: Vec<&str> = listed["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&ka.as_str()) && !ids.contains(&sa.as_str()));
    assert!(ids.contains(&kb.as_str()));
    let jwks_b = b.get("/v1/jwks").await.ok();
    assert!(!jwks_b.to_string().contains(&sa), "{jwks_b}");
    assert!(a.get("/v1/jwks").await.ok().to_string().contains(&sa));
    let audit_b = b.audit_all().await;
    assert!(!audit_b.is_empty());
    for r in &audit_b {
        assert_eq!(r["tenant"], tb.as_str(), "{r}");
        assert!(
            !r.to_string().contains(&ka) || r["outcome"] != "success",
            "{r}"
        );
    }
    for r in a.audit_all().await {
        assert_eq!(r["tenant"], ta.as_str(), "{r}");
    }
    // b's failed attempts on a's key were audited in b (never in a).
    assert!(
        audit_b
            .iter()
            .any(|r| r["object"] == ka.as_str() && r["error_code"] == "key_not_found")
    );
    // Tenant metadata: own tenant only.
    b.get(&format!("/v1/tenants/{tb}")).await.ok();
    b.get(&format!("/v1/tenants/{ta}"))
        .await
        .err(404, "tenant_not_found");
}

#[tokio::test]
async fn selecting_another_tenant() {
    let env = Env::shared();
    let (ta, a) = env.tenant("sel-a").await;
    let (tb, b) = env.tenant("sel-b").await;
    let ka = a.create_key("aes-256-gcm").await;
    let ct = a.encrypt(&ka, b"x").await;

    // A tenant credential cannot select another tenant, whatever the role.
    let e = b
        .in_tenant(&ta)
        .get("/v1/keys")
        .await
        .err(403, "tenant_forbidden");
    assert!(!e["message"].as_str().unwrap().contains(&ka));
    b.in_tenant(&ta)
        .op(&ka, "decrypt", json!({"ciphertext": b64(&ct)}))
        .await
        .err(403, "tenant_forbidden");
    b.in_tenant("no-such-tenant")
        .get("/v1/keys")
        .await
        .err(403, "tenant_forbidden");
    // Selecting its own tenant explicitly is fine.
    b.in_tenant(&tb).get("/v1/keys").await.ok();
    // The attempt is audited in the tenant that was asked for.
    let denied: Vec<_> = a
        .audit_all()
        .await
        .into_iter()
        .filter(|r| r["action"] == "auth.failed" && r["error_code"] == "tenant_forbidden")
        .collect();
    assert_eq!(denied.len(), 2, "{denied:?}");

    // The platform admin may act in a as admin.
    let pa = env.root.in_tenant(&ta);
    let k = pa.key(&ka).await;
    assert_eq!(k["tenant"], ta.as_str());
    let d = pa
        .op(&ka, "decrypt", json!({"ciphertext": b64(&ct)}))
        .await
        .ok();
    assert_eq!(unb64(&d["plaintext"]), b"x");
    let made = pa.create_key("hmac-sha256").await;
    assert_eq!(a.key(&made).await["tenant"], ta.as_str());
    // ... but an unknown tenant stays unknown.
    env.root
        .in_tenant("no-such-tenant")
        .get("/v1/keys")
        .await
        .err(403, "tenant_forbidden");
    env.root
        .in_tenant("Bad Tenant!")
        .get("/v1/keys")
        .await
        .err(400, "invalid_argument");
    // Without the header, the platform admin is in its own tenant.
    env.root
        .get(&format!("/v1/keys/{ka}"))
        .await
        .err(404, "key_not_found");

    // Tenants: duplicates and bad ids.
    env.root
        .post("/v1/tenants", json!({"id": ta}))
        .await
        .err(409, "already_exists");
    env.root
        .post("/v1/tenants", json!({"id": "UPPER"}))
        .await
        .err(400, "invalid_argument");
    let list = env.root.get("/v1/tenants").await.ok();
    let ids: Vec<&str> = list["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&ta.as_str()) && ids.contains(&tb.as_str()) && ids.contains(&"default"));
}
