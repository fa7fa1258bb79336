//! Stored secrets end to end over `/v1/secrets`: every type round-trips
//! (text and binary), two-step create, metadata, listing with filters and
//! paging, roles, tenant isolation, expiry, limits, audit without payloads,
//! delete, and no payload byte in the database files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{Env, Owned, b64, unb64};
use serde_json::{Value, json};

async fn put(api: &common::Api, body: Value) -> Value {
    api.post("/v1/secrets", body).await.ok()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_type_round_trips_and_tenants_are_isolated() {
    let env = Env::shared();
    let (_, a) = env.tenant("sec-a").await;
    let (_, b) = env.tenant("sec-b").await;
    let binary: Vec<u8> = (0..=255u8).collect();
    let mut ids = Vec::new();
    for kind in [
        "symmetric",
        "public",
        "private",
        "passphrase",
        "certificate",
        "opaque",
    ] {
        let s = put(
            &a,
            json!({"name": format!("n-{kind}"), "secret_type": kind, "payload": b64(&binary),
                   "content_type": "application/octet-stream", "algorithm": "aes",
                   "bit_length": 256, "mode": "cbc", "metadata": {"team": "ops"}}),
        )
        .await;
        assert_eq!(s["secret_type"], kind);
        assert_eq!(s["has_payload"], true);
        assert_eq!(s["state"], "ACTIVE");
        assert!(s.get("payload").is_none());
        let got = a.get(&format!("/v1/secrets/{}/payload", id(&s))).await.ok();
        assert_eq!(unb64(&got["payload"]), binary);
        assert_eq!(got["secret"]["metadata"]["team"], "ops");
        ids.push(id(&s));
    }
    let text = put(
        &a,
        json!({"name": "db", "secret_type": "passphrase", "payload": b64("hunter2 ü".as_bytes()),
               "content_type": "text/plain"}),
    )
    .await;
    let got = a
        .get(&format!("/v1/secrets/{}/payload", id(&text)))
        .await
        .ok();
    assert_eq!(unb64(&got["payload"]), "hunter2 ü".as_bytes());

    // Listing: filters and paging.
    let all = a.get("/v1/secrets").await.ok();
    assert_eq!(all["secrets"].as_array().unwrap().len(), 7);
    let named = a.get("/v1/secrets?name=db").await.ok();
    assert_eq!(named["secrets"].as_array().unwrap().len(), 1);
    let typed = a.get("/v1/secrets?secret_type=passphrase").await.ok();
    assert_eq!(typed["secrets"].as_array().unwrap().len(), 2);
    let p1 = a.get("/v1/secrets?limit=4").await.ok();
    assert_eq!(p1["secrets"].as_array().unwrap().len(), 4);
    let next = p1["next"].as_str().unwrap();
    let p2 = a
        .get(&format!("/v1/secrets?limit=4&after={next}"))
        .await
        .ok();
    assert_eq!(p2["secrets"].as_array().unwrap().len(), 3);
    assert!(p2["next"].is_null());

    // Tenant b sees none of it, and cannot tell a's ids from unknown ones.
    assert_eq!(b.get("/v1/secrets").await.ok()["secrets"], json!([]));
    for path in [
        format!("/v1/secrets/{}", ids[0]),
        format!("/v1/secrets/{}/payload", ids[0]),
    ] {
        b.get(&path).await.err(404, "secret_not_found");
    }
    b.delete(&format!("/v1/secrets/{}", ids[0]))
        .await
        .err(404, "secret_not_found");
    a.get(&format!("/v1/secrets/{}/payload", ids[0])).await.ok();

    // Delete: gone for good.
    a.delete(&format!("/v1/secrets/{}", ids[0])).await.ok();
    a.get(&format!("/v1/secrets/{}/payload", ids[0]))
        .await
        .err(404, "secret_not_found");
    a.delete(&format!("/v1/secrets/{}", ids[0]))
        .await
        .err(404, "secret_not_found");
}

#[tokio::test]
async fn two_step_create_metadata_roles_expiry_and_limits() {
    let env = Env::shared();
    let (_, a) = env.tenant("sec-2").await;
    let s = put(&a, json!({"name": "later", "secret_type": "opaque"})).await;
    assert_eq!(s["has_payload"], false);
    let path = format!("/v1/secrets/{}/payload", id(&s));
    a.get(&path).await.err(404, "not_found");
    let body = json!({"payload": b64(b"second step"), "content_type": "text/plain"});
    let done = a.call(reqwest::Method::PUT, &path, Some(&body)).await.ok();
    assert_eq!(done["has_payload"], true);
    assert_eq!(done["content_type"], "text/plain");
    assert_eq!(unb64(&a.get(&path).await.ok()["payload"]), b"second step");
    // The payload is set once.
    a.call(reqwest::Method::PUT, &path, Some(&body))
        .await
        .err(409, "already_exists");

    let meta = json!({"metadata": {"env": "prod", "owner": "db-team"}});
    let m = a
        .call(
            reqwest::Method::PUT,
            &format!("/v1/secrets/{}/metadata", id(&s)),
            Some(&meta),
        )
        .await
        .ok();
    assert_eq!(m["metadata"]["env"], "prod");
    let too_many: serde_json::Map<String, Value> =
        (0..65).map(|i| (format!("k{i}"), json!("v"))).collect();
    a.call(
        reqwest::Method::PUT,
        &format!("/v1/secrets/{}/metadata", id(&s)),
        Some(&json!({ "metadata": too_many })),
    )
    .await
    .err(400, "invalid_argument");
    assert_eq!(
        a.get(&format!("/v1/secrets/{}", id(&s))).await.ok()["metadata"],
        json!({"env": "prod", "owner": "db-team"})
    );

    // Roles: a reader lists and describes, but cannot read payloads or write.
    let reader = a.as_token(&a.api_key("readonly").await);
    assert_eq!(
        reader.get("/v1/secrets").await.ok()["secrets"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    reader.get(&path).await.err(403, "forbidden");
    reader
        .post("/v1/secrets", json!({"payload": b64(b"x")}))
        .await
        .err(403, "forbidden");
    reader
        .delete(&format!("/v1/secrets/{}", id(&s)))
        .await
        .err(403, "forbidden");
    let user = a.as_token(&a.api_key("user").await);
    user.get(&path).await.ok();

    // Bad input changes nothing.
    for bad in [
        json!({"secret_type": "password", "payload": b64(b"x")}),
        json!({"payload": ""}),
        json!({"payload": b64(b"x"), "expiration": "2001-01-01T00:00:00Z"}),
        json!({"payload": b64(b"x"), "name": ""}),
        json!({"payload": b64(b"x"), "bit_length": 0}),
        json!({"payload": b64(b"x"), "unknown": 1}),
    ] {
        let r = a.post("/v1/secrets", bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text());
    }
    a.post(
        "/v1/secrets",
        json!({"payload": b64(&vec![7u8; 64 * 1024 + 1])}),
    )
    .await
    .err(413, "payload_too_large");
    a.get("/v1/secrets/not-an-id")
        .await
        .err(400, "invalid_argument");
    assert_eq!(
        a.get("/v1/secrets").await.ok()["secrets"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Expiry: a secret past its expiration can no longer be read.
    let soon = (time::OffsetDateTime::now_utc() + time::Duration::seconds(2))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let e = put(&a, json!({"payload": b64(b"brief"), "expiration": soon})).await;
    let epath = format!("/v1/secrets/{}/payload", id(&e));
    a.get(&epath).await.ok();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    a.get(&epath).await.err(404, "not_found");

    // Audited, without payloads.
    let audit = a.audit_all().await;
    let actions: Vec<&str> = audit.iter().filter_map(|r| r["action"].as_str()).collect();
    for act in ["secret.put", "secret.get", "secret.list"] {
        assert!(actions.contains(&act), "{act} missing");
    }
    let dump = serde_json::to_string(&audit).unwrap();
    assert!(!dump.contains(&b64(b"second step")) && !dump.contains("second step"));
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payloads_never_reach_the_database_files() {
    let dir = tempfile::Builder::new()
        .prefix("tresor-e2e-stored-secrets-")
        .tempdir()
        .unwrap();
    let server = Owned::start(dir.path(), None).await;
    let root = server.root();
    let mut payload = vec![0u8; 64];
    aws_lc_rs::rand::fill(&mut payload).unwrap();
    let text = format!("passphrase-{}", common::hex(&payload[..16]));
    let s1 = root
        .post("/v1/secrets", json!({"payload": b64(&payload)}))
        .await
        .ok();
    let s2 = root
        .post(
            "/v1/secrets",
            json!({"payload": b64(text.as_bytes()), "secret_type": "passphrase"}),
        )
        .await
        .ok();
    for (s, want) in [(&s1, payload.clone()), (&s2, text.clone().into_bytes())] {
        let got = root
            .get(&format!("/v1/secrets/{}/payload", id(s)))
            .await
            .ok();
        assert_eq!(unb64(&got["payload"]), want);
    }
    server.stop().await;
    let mut all = Vec::new();
    files(dir.path(), &mut all);
    assert!(all.iter().any(|p| p.to_string_lossy().ends_with(".db")));
    for f in &all {
        let bytes = std::fs::read(f).unwrap();
        for needle in [
            &payload[..16],
            &payload[48..],
            text.as_bytes(),
            b64(&payload).as_bytes(),
            b64(text.as_bytes()).as_bytes(),
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "a payload appears in {}",
                f.display()
            );
        }
    }
}

/// A tenant's first secrets stored at the same moment all succeed, though
/// each may try to create the tenant's secrets key.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_first_secrets_of_a_tenant_all_succeed() {
    let env = Env::shared();
    let (_, a) = env.tenant("sec-race").await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let a = a.clone();
            tokio::spawn(async move {
                a.post(
                    "/v1/secrets",
                    json!({"secret_type": "opaque", "payload": b64(&[i; 8])}),
                )
                .await
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 201, "{}", r.text());
        ids.push(id(&r.json()));
    }
    for (i, s) in ids.iter().enumerate() {
        let p = a.get(&format!("/v1/secrets/{s}/payload")).await.ok();
        assert_eq!(unb64(&p["payload"]), vec![i as u8; 8]);
    }
}
