//! Key management over HTTP: create (every algorithm, pre-active), get by
//! id and alias, update, and listing with filters and cursor paging.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Env, b64, versions};
use serde_json::json;

#[tokio::test]
async fn create_get_update_by_id_and_alias() {
    let env = Env::shared();
    let (tenant, api) = env.tenant("ops-crud").await;
    let k = api
        .create_key_with(json!({
            "algorithm": "aes-256-gcm", "alias": "app/db", "description": "db key",
            "tags": {"team": "core", "env": "prod"}
        }))
        .await;
    let id = k["id"].as_str().unwrap();
    assert_eq!(k["tenant"], tenant);
    assert_eq!(k["state"], "active");
    assert_eq!(k["alias"], "app/db");
    assert_eq!(k["description"], "db key");
    assert_eq!(k["origin"], "generated");
    assert_eq!(k["exportable"], false);
    assert_eq!(k["primary_version"], 1);
    assert_eq!(k["operations"], json!(["encrypt", "decrypt"]));
    assert_eq!(k["tags"], json!({"team": "core", "env": "prod"}));
    assert_eq!(versions(&k), vec![(1, "enabled".to_owned())]);
    assert!(k["activated_at"].is_string());

    let by_alias = api.key("alias:app%2Fdb").await;
    assert_eq!(by_alias["id"], id);
    assert_eq!(api.key(id).await, by_alias);

    // The same alias twice in a tenant is a conflict.
    api.post(
        "/v1/keys",
        json!({"algorithm": "aes-256-gcm", "alias": "app/db"}),
    )
    .await
    .err(409, "alias_exists");

    // Update: description, tags, alias (the old alias stops resolving).
    let u = api
        .patch(
            &format!("/v1/keys/{id}"),
            json!({"description": "renamed", "tags": {"team": "x"}, "alias": "app/db2"}),
        )
        .await
        .ok();
    assert_eq!(u["description"], "renamed");
    assert_eq!(u["tags"], json!({"team": "x"}));
    assert_eq!(u["alias"], "app/db2");
    api.get("/v1/keys/alias:app%2Fdb")
        .await
        .err(404, "key_not_found");
    assert_eq!(api.key("alias:app%2Fdb2").await["id"], id);
    // null clears the alias.
    let u = api
        .patch(&format!("/v1/keys/{id}"), json!({"alias": null}))
        .await
        .ok();
    assert!(u["alias"].is_null(), "{u}");
    api.get("/v1/keys/alias:app%2Fdb2")
        .await
        .err(404, "key_not_found");
    // A key cannot become exportable later.
    api.patch(&format!("/v1/keys/{id}"), json!({"exportable": true}))
        .await
        .err(400, "invalid_argument");
    assert_eq!(api.key(id).await["exportable"], false);
    // Operations must fit the algorithm.
    api.patch(&format!("/v1/keys/{id}"), json!({"operations": ["sign"]}))
        .await
        .err(400, "invalid_argument");
    let u = api
        .patch(
            &format!("/v1/keys/{id}"),
            json!({"operations": ["decrypt"]}),
        )
        .await
        .ok();
    assert_eq!(u["operations"], json!(["decrypt"]));
    api.op(id, "encrypt", json!({"plaintext": b64(b"x")}))
        .await
        .err(400, "operation_not_allowed");
}

#[tokio::test]
async fn every_algorithm_can_be_created() {
    let env = Env::shared();
    let (_, api) = env.tenant("ops-algs").await;
    for alg in [
        "aes-128-gcm",
        "aes-256-gcm",
        "chacha20-poly1305",
        "hmac-sha256",
        "hmac-sha384",
        "hmac-sha512",
        "rsa-2048",
        "rsa-3072",
        "rsa-4096",
        "ec-p256",
        "ec-p384",
        "ec-p521",
        "ed25519",
        "x25519",
        "ml-kem-768",
        "ml-kem-1024",
        "ml-dsa-44",
        "ml-dsa-65",
        "ml-dsa-87",
    ] {
        let id = api.create_key(alg).await;
        assert_eq!(api.key(&id).await["algorithm"], alg);
    }
    api.post("/v1/keys", json!({"algorithm": "des-56"}))
        .await
        .err(400, "unsupported_algorithm");
}

#[tokio::test]
async fn pre_active_keys_need_enabling() {
    let env = Env::shared();
    let (_, api) = env.tenant("ops-preactive").await;
    let k = api
        .create_key_with(json!({"algorithm": "aes-256-gcm", "activate": false}))
        .await;
    let id = k["id"].as_str().unwrap();
    assert_eq!(k["state"], "pre-active");
    assert!(k["activated_at"].is_null());
    api.op(id, "encrypt", json!({"plaintext": b64(b"x")}))
        .await
        .err(409, "invalid_key_state");
    let k = api.op(id, "enable", json!({})).await.ok();
    assert_eq!(k["state"], "active");
    assert!(k["activated_at"].is_string());
    let ct = api.encrypt(id, b"now usable").await;
    assert_eq!(api.decrypt(id, &ct).await, b"now usable");
    // Enabling an active key is not a transition.
    api.op(id, "enable", json!({}))
        .await
        .err(409, "invalid_key_state");
}

#[tokio::test]
async fn list_filters_and_cursor_paging() {
    let env = Env::shared();
    let (_, api) = env.tenant("ops-list").await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let k = api
            .create_key_with(json!({
                "algorithm": if i % 2 == 0 { "aes-256-gcm" } else { "hmac-sha256" },
                "alias": format!("svc{}/k{i}", i % 3),
                "tags": {"parity": if i % 2 == 0 { "even" } else { "odd" }},
            }))
            .await;
        ids.push(k["id"].as_str().unwrap().to_owned());
    }
    api.op(&ids[0], "disable", json!({})).await.ok();

    // Cursor paging over pages of 3: every key exactly once, in id order.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = match &cursor {
            Some(c) => format!("/v1/keys?limit=3&cursor={c}"),
            None => "/v1/keys?limit=3".to_owned(),
        };
        let page = api.get(&q).await.ok();
        let keys = page["keys"].as_array().unwrap();
        assert!(keys.len() <= 3);
        for k in keys {
            assert!(k.get("versions").is_none(), "listings omit versions: {k}");
            seen.push(k["id"].as_str().unwrap().to_owned());
        }
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert!(pages >= 3, "7 keys in pages of 3 take 3 pages, got {pages}");
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(seen, sorted);

    let list = |q: &'static str| {
        let api = api.clone();
        async move {
            let page = api.get(&format!("/v1/keys?{q}")).await.ok();
            let mut v: Vec<String> = page["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["id"].as_str().unwrap().to_owned())
                .collect();
            v.sort();
            v
        }
    };
    let pick = |idx: &[usize]| {
        let mut v: Vec<String> = idx.iter().map(|&i| ids[i].clone()).collect();
        v.sort();
        v
    };
    assert_eq!(list("alias_prefix=svc1/").await, pick(&[1, 4]));
    assert_eq!(list("algorithm=hmac-sha256").await, pick(&[1, 3, 5]));
    assert_eq!(list("state=suspended").await, pick(&[0]));
    assert_eq!(list("state=active").await, pick(&[1, 2, 3, 4, 5, 6]));
    assert_eq!(list("tag=parity:even").await, pick(&[0, 2, 4, 6]));
    assert_eq!(
        list("algorithm=aes-256-gcm&state=active").await,
        pick(&[2, 4, 6])
    );
    api.get("/v1/keys?algorithm=rot13")
        .await
        .err(400, "unsupported_algorithm");
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let env = Env::shared();
    let anon = env.root.anonymous();
    let h = anon.get("/healthz").await;
    assert_eq!(h.status.as_u16(), 200, "{}", h.text());
    let r = anon.get("/readyz").await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text());
    let doc = anon.get("/v1/openapi.json").await.ok();
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'), "{doc}");
    for p in [
        "/v1/keys",
        "/v1/keys/{key}/encrypt",
        "/v1/decrypt",
        "/v1/audit/verify",
    ] {
        assert!(
            doc["paths"].get(p).is_some(),
            "{p} missing from the OpenAPI document"
        );
    }
    // Metrics count operations by action and outcome (after one encrypt).
    let (_, api) = env.tenant("metrics").await;
    let id = api.create_key("aes-256-gcm").await;
    api.encrypt(&id, b"m").await;
    let m = anon.get("/metrics").await;
    assert_eq!(m.status.as_u16(), 200, "{}", m.text());
    let text = m.text();
    assert!(
        text.contains("crypto.encrypt") || text.contains("crypto_encrypt"),
        "{text}"
    );
    assert!(!text.contains(&api.token.clone().unwrap()));
    // Unknown routes and methods are JSON errors too.
    anon.get("/v1/nope").await.err(404, "not_found");
    env.root
        .call(reqwest::Method::PUT, "/v1/keys", None)
        .await
        .err(405, "method_not_allowed");
}

#[tokio::test]
async fn cert_principals() {
    let env = Env::shared();
    let (tenant, api) = env.tenant("certs").await;
    let p = api
        .post(
            "/v1/cert-principals",
            json!({"subject_cn": "billing-svc", "role": "user"}),
        )
        .await;
    assert_eq!(p.status.as_u16(), 201, "{}", p.text());
    let p = p.json();
    assert_eq!(
        (p["tenant"].as_str(), p["role"].as_str()),
        (Some(tenant.as_str()), Some("user"))
    );
    let list = api.get("/v1/cert-principals").await.ok();
    assert_eq!(list["cert_principals"].as_array().unwrap().len(), 1);
    api.post(
        "/v1/cert-principals",
        json!({"subject_cn": "x", "role": "root"}),
    )
    .await
    .err(400, "invalid_argument");
    let r = api.delete("/v1/cert-principals/billing-svc").await;
    assert_eq!(r.status.as_u16(), 204, "{}", r.text());
    api.delete("/v1/cert-principals/billing-svc")
        .await
        .err(404, "cert_principal_not_found");
    assert!(
        api.get("/v1/cert-principals").await.ok()["cert_principals"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
