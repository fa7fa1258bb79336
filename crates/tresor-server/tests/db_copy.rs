//! `tresor db copy` end to end: a deployment on SQLite is copied to
//! PostgreSQL (`TRESOR_TEST_POSTGRES_URL`, the admin URL; skipped when
//! unset) and back to a new SQLite file; the audit chain still verifies on
//! every copy, and a server on the final copy with the same root key
//! decrypts ciphertexts made before the move.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Api, BOOTSTRAP_TOKEN};
use serde_json::json;
use sqlx::{Connection, PgConnection};
use tresor_server::Config;
use tresor_server::config::SecretString;
use tresor_store::{CopyError, StoreOptions};

async fn exec(url: &str, sql: &str) {
    let mut c = PgConnection::connect(url).await.unwrap();
    sqlx::query(sql).execute(&mut c).await.unwrap();
    let _ = c.close().await;
}

/// Recomputes the whole chain of `store`; returns the records verified.
async fn verify_chain(store: &dyn tresor_core::Store) -> u64 {
    let mut verifier = tresor_core::audit::ChainVerifier::default();
    loop {
        let filter = tresor_core::AuditFilter {
            after_seq: Some(verifier.count()),
            limit: 1000,
            ascending: true,
            ..Default::default()
        };
        let page = store.list_audit(&filter).await.unwrap();
        if page.is_empty() {
            return verifier.count();
        }
        for r in &page {
            verifier.push(r).unwrap();
        }
    }
}

fn config(dir: &std::path::Path, url: &str, root_key: &str) -> Config {
    let mut c = Config::for_data_dir(dir);
    c.database_url = url.to_owned();
    c.root_key = Some(SecretString::new(root_key));
    c.bootstrap_token = Some(SecretString::new(BOOTSTRAP_TOKEN));
    c.scheduler_interval_seconds = 0;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_to_postgres_and_back() {
    let Ok(admin) = std::env::var("TRESOR_TEST_POSTGRES_URL") else {
        println!("skipped: TRESOR_TEST_POSTGRES_URL not set");
        return;
    };
    let name = format!("tresor_copy_{}", uuid::Uuid::new_v4().simple());
    exec(&admin, &format!("CREATE DATABASE {name}")).await;
    let (scheme, rest) = admin.split_once("://").unwrap();
    let authority = rest.split(['/', '?']).next().unwrap();
    let pg_url = format!("{scheme}://{authority}/{name}");
    let root_key = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );

    // 1. A deployment on SQLite: keys (one rotated, one disabled), an API
    // key, a revoked one, ciphertexts.
    let dir = tempfile::tempdir().unwrap();
    let src_url = format!("sqlite://{}/src.db", dir.path().display());
    let server = tresor_server::start(config(&dir.path().join("a"), &src_url, &root_key))
        .await
        .unwrap();
    let api = Api::unpooled(&server.url(), BOOTSTRAP_TOKEN);
    let k1 = api.create_key("aes-256-gcm").await;
    let ct_v1 = api.encrypt(&k1, b"old secret").await;
    api.post(&format!("/v1/keys/{k1}/rotate"), json!({}))
        .await
        .ok();
    let ct_v2 = api.encrypt(&k1, b"new secret").await;
    let k2 = api.create_key("aes-256-gcm").await;
    let ct_k2 = api.encrypt(&k2, b"disabled key data").await;
    api.post(&format!("/v1/keys/{k2}/disable"), json!({}))
        .await
        .ok();
    let user_token = api.api_key("user").await;
    // A CA with an issued and revoked certificate (PKI objects are copied).
    api.post(
        "/v1/cas",
        json!({"name": "copied", "algorithm": "ec-p256", "subject": "CN=Copied", "validity_days": 30}),
    )
    .await
    .ok();
    let leaf = api
        .post(
            "/v1/cas/copied/issue",
            json!({"algorithm": "ec-p256", "profile": "server-tls", "subject": "CN=a",
                   "dns": ["a.example.com"], "validity_days": 10}),
        )
        .await
        .ok();
    let leaf_id = leaf["certificate"]["id"].as_str().unwrap().to_owned();
    api.post(
        &format!("/v1/certificates/{leaf_id}/revoke"),
        json!({"reason": "superseded"}),
    )
    .await
    .ok();
    // A stored secret (its payload stays encrypted through the copy).
    let stored = api
        .post(
            "/v1/secrets",
            json!({"payload": common::b64(b"copied payload"), "secret_type": "passphrase"}),
        )
        .await
        .ok();
    let stored_id = stored["id"].as_str().unwrap().to_owned();
    server.shutdown().await;

    // 2. SQLite -> PostgreSQL -> SQLite, verifying each chain.
    let opts = StoreOptions::default();
    let src = tresor_store::open(&src_url, &opts).await.unwrap();
    let pg = tresor_store::open(&pg_url, &opts).await.unwrap();
    let r1 = tresor_store::copy(src.as_ref(), pg.as_ref()).await.unwrap();
    assert!(
        r1.keys >= 2 && r1.versions >= 3 && r1.api_keys >= 2,
        "{r1:?}"
    );
    assert!(r1.provider_blobs >= 1 && r1.audit_records > 5, "{r1:?}");
    assert!(r1.certificates == 2 && r1.cas == 1, "{r1:?}");
    assert_eq!(r1.secrets, 1, "{r1:?}");
    assert_eq!(
        pg.audit_head().await.unwrap(),
        src.audit_head().await.unwrap()
    );
    verify_chain(pg.as_ref()).await;
    // A second copy into the now non-empty target is refused.
    let again = tresor_store::copy(src.as_ref(), pg.as_ref()).await;
    assert!(matches!(again, Err(CopyError::TargetNotEmpty)), "{again:?}");
    let dst_url = format!("sqlite://{}/dst.db", dir.path().display());
    let dst = tresor_store::open(&dst_url, &opts).await.unwrap();
    let r2 = tresor_store::copy(pg.as_ref(), dst.as_ref()).await.unwrap();
    assert_eq!(r1, r2);
    verify_chain(dst.as_ref()).await;
    drop((src, pg, dst));

    // 3. Served from the final copy with the same root key.
    let server = tresor_server::start(config(&dir.path().join("b"), &dst_url, &root_key))
        .await
        .unwrap();
    assert!(server.initial_token.is_none(), "no second bootstrap");
    let api = Api::unpooled(&server.url(), BOOTSTRAP_TOKEN);
    assert_eq!(api.decrypt(&k1, &ct_v1).await, b"old secret");
    assert_eq!(api.decrypt(&k1, &ct_v2).await, b"new secret");
    assert_eq!(api.key(&k2).await["state"], "suspended");
    api.post(&format!("/v1/keys/{k2}/enable"), json!({}))
        .await
        .ok();
    assert_eq!(api.decrypt(&k2, &ct_k2).await, b"disabled key data");
    api.as_token(&user_token).get("/v1/keys").await.ok();
    let c = api.get(&format!("/v1/certificates/{leaf_id}")).await.ok();
    assert_eq!(c["certificate"]["revocation_reason"], "superseded", "{c}");
    assert_eq!(api.get("/v1/cas/copied").await.ok()["ca"]["crl_number"], 2);
    // The copied CA key still signs.
    api.post(
        "/v1/cas/copied/issue",
        json!({"algorithm": "ec-p256", "profile": "server-tls", "subject": "CN=b",
               "dns": ["b.example.com"], "validity_days": 10}),
    )
    .await
    .ok();
    let p = api
        .get(&format!("/v1/secrets/{stored_id}/payload"))
        .await
        .ok();
    assert_eq!(common::unb64(&p["payload"]), b"copied payload");
    let v = api.post("/v1/audit/verify", json!({})).await.ok();
    assert_eq!(v["ok"], true, "{v}");
    server.shutdown().await;
    exec(
        &admin,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await;
}
