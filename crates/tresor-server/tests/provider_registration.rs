//! Registering a provider at run time over the admin REST API: a `remote`
//! provider fronting a second Tresor is validated, probed, stored and used
//! for new keys (their material lives on the remote); bad, duplicate,
//! unreachable and unauthorized registrations are refused and change
//! nothing; the registration survives a restart; a provider with keys
//! cannot be unregistered, one without can.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Api, Owned, b64, unb64};
use serde_json::{Value, json};

fn names(list: &Value) -> Vec<String> {
    list["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_remote_provider_is_registered_used_persisted_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    // The remote Tresor, with a tenant and an admin key for this node.
    let remote = Owned::start(&dir.path().join("remote"), None).await;
    let rroot = remote.root();
    rroot.post("/v1/tenants", json!({"id": "edge"})).await.ok();
    let token_file = dir.path().join("central.token");
    std::fs::write(&token_file, rroot.in_tenant("edge").api_key("admin").await).unwrap();
    let config = json!({"url": remote.url, "tenant": "edge",
                        "token_file": token_file, "timeout_seconds": 20});

    let data = dir.path().join("local");
    let local = Owned::start(&data, None).await;
    let root = local.root();
    let before = names(&root.get("/v1/providers").await.ok());

    // Refusals: not a platform admin, bad kind, bad or secret-bearing
    // config, an id in use, an unreachable remote.
    root.post("/v1/tenants", json!({"id": "apps"})).await.ok();
    let user = Api::unpooled(&local.url, &root.in_tenant("apps").api_key("admin").await);
    let register =
        |id: &str, kind: &str, config: Value| json!({"id": id, "kind": kind, "config": config});
    user.post(
        "/v1/providers",
        register("central", "remote", config.clone()),
    )
    .await
    .err(403, "forbidden");
    let e = root
        .post("/v1/providers", register("central", "hsm9000", json!({})))
        .await
        .err(400, "invalid_argument");
    assert!(e["message"].as_str().unwrap().contains("remote"), "{e}");
    let inline = json!({"url": remote.url, "token": "tk_inline_secret"});
    let e = root
        .post("/v1/providers", register("central", "remote", inline))
        .await
        .err(400, "invalid_argument");
    assert!(!e.to_string().contains("tk_inline_secret"), "{e}");
    root.post(
        "/v1/providers",
        register("software", "remote", config.clone()),
    )
    .await
    .err(409, "already_exists");
    let dead = json!({"url": "http://127.0.0.1:9", "token_file": token_file});
    let r = root
        .post("/v1/providers", register("dead", "remote", dead))
        .await;
    assert_eq!(r.status.as_u16(), 503, "{}", r.text());
    assert_eq!(names(&root.get("/v1/providers").await.ok()), before);

    // Registered: listed, healthy, and new keys go there.
    let p = root
        .post(
            "/v1/providers",
            register("central", "remote", config.clone()),
        )
        .await
        .ok();
    assert_eq!(
        (p["id"].as_str(), p["kind"].as_str(), p["health"].as_str()),
        (Some("central"), Some("remote"), Some("up"))
    );
    let stored = root.get("/v1/providers/registered").await.ok();
    assert_eq!(stored["providers"][0]["config"]["url"], remote.url);
    assert!(stored["providers"][0]["config"].get("token").is_none());
    let caps = root.get("/v1/providers/central/capabilities").await.ok();
    assert!(caps.to_string().contains("aes-256-gcm"), "{caps}");

    let aes = user
        .create_key_with(json!({"algorithm": "aes-256-gcm", "provider": "central"}))
        .await;
    let aes_id = aes["id"].as_str().unwrap().to_owned();
    assert_eq!(aes["provider"], "central");
    let ct = user.encrypt(&aes_id, b"held elsewhere").await;
    assert_eq!(user.decrypt(&aes_id, &ct).await, b"held elsewhere");
    let ec = user
        .create_key_with(json!({"algorithm": "ec-p256", "provider": "central"}))
        .await;
    let ec_id = ec["id"].as_str().unwrap().to_owned();
    let sig = user.sign(&ec_id, b"m").await;
    assert!(user.verify(&ec_id, b"m", &sig).await);
    // The material is on the remote: its tenant holds the two keys.
    let remote_keys = rroot.in_tenant("edge").get("/v1/keys").await.ok();
    let tagged = remote_keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["tags"]["tresor-remote-for"].is_string())
        .count();
    assert_eq!(tagged, 2, "{remote_keys}");
    // Cannot leave while keys are bound to it.
    root.delete("/v1/providers/central")
        .await
        .err(409, "in_use");
    root.delete("/v1/providers/software")
        .await
        .err(404, "not_found");

    // Restart: the registration is loaded again and the keys still work.
    local.stop().await;
    let local = Owned::start(&data, None).await;
    let user = Api::unpooled(&local.url, &user.token.clone().unwrap());
    assert!(names(&local.root().get("/v1/providers").await.ok()).contains(&"central".to_owned()));
    assert_eq!(user.decrypt(&aes_id, &ct).await, b"held elsewhere");
    let r = user
        .post(
            &format!("/v1/keys/{aes_id}/encrypt"),
            json!({"plaintext": b64(b"x")}),
        )
        .await
        .ok();
    assert!(!unb64(&r["ciphertext"]).is_empty());

    // Unregistering a provider without keys.
    let root = local.root();
    let other = json!({"url": remote.url, "tenant": "edge", "token_file": token_file});
    root.post("/v1/providers", register("spare", "remote", other))
        .await
        .ok();
    root.delete("/v1/providers/spare")
        .await
        .status
        .is_success()
        .then_some(())
        .unwrap();
    assert!(!names(&root.get("/v1/providers").await.ok()).contains(&"spare".to_owned()));
    let audit = root.audit_all().await;
    assert!(
        audit.iter().any(|r| r["action"] == "provider.manage"),
        "not audited"
    );
    local.stop().await;
    remote.stop().await;
}
