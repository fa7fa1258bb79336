//! The metadata cache with real peers: two nodes on one PostgreSQL
//! (`TRESOR_TEST_POSTGRES_URL`) sharing a Redis server started by the test
//! (`redis-server` on a free port; the test runs when
//! `TRESOR_TEST_REDIS_URL` is set, i.e. where Redis tests are expected).
//! A disable on A is refused on B within a second with every cache on; no
//! key material (wrapped handles, plaintext) ever appears in Redis; Redis
//! stopped mid-test or never reachable only makes things slower; and the
//! cache-disabled mode works.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::db::Db;
use common::redis::{RedisServer, free_port};
use common::{Api, BOOTSTRAP_TOKEN};
use serde_json::json;
use sqlx::{Connection, PgConnection, Row};
use tresor_server::Config;
use tresor_server::config::SecretString;

fn node_config(dir: &std::path::Path, url: &str, root_key: &str, redis: Option<&str>) -> Config {
    let mut c = Config::for_data_dir(dir);
    c.database_url = url.to_owned();
    c.root_key = Some(SecretString::new(root_key));
    c.bootstrap_token = Some(SecretString::new(BOOTSTRAP_TOKEN));
    c.scheduler_interval_seconds = 0;
    c.db_max_connections = 8;
    c.cache_redis_url = redis.map(str::to_owned);
    c
}

fn root_key() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Polls `check` every 20 ms until it holds or `within` passes.
async fn within<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Encrypts once on `b` (so B caches the key), disables on `a`, and
/// expects B to refuse within one second.
async fn disable_on_a_refused_on_b(a: &Api, b: &Api) {
    let key = a.create_key("aes-256-gcm").await;
    for _ in 0..3 {
        b.encrypt(&key, b"warm the caches").await;
    }
    a.post(&format!("/v1/keys/{key}/disable"), json!({}))
        .await
        .ok();
    let path = format!("/v1/keys/{key}/encrypt");
    let refused = within(Duration::from_secs(1), || async {
        b.post(&path, json!({ "plaintext": "YQ==" }))
            .await
            .status
            .is_client_error()
    })
    .await;
    assert!(refused, "B refuses a key disabled on A within 1 s");
}

/// Every Redis key and value, by SCAN.
async fn redis_dump(url: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let client = redis::Client::open(url).unwrap();
    let mut c = client.get_multiplexed_async_connection().await.unwrap();
    let mut cursor = 0u64;
    let mut out = Vec::new();
    loop {
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut c)
            .await
            .unwrap();
        for k in keys {
            let kind: String = redis::cmd("TYPE")
                .arg(&k)
                .query_async(&mut c)
                .await
                .unwrap();
            assert_eq!(kind, "string", "only string values are written");
            let v: Vec<u8> = redis::cmd("GET").arg(&k).query_async(&mut c).await.unwrap();
            out.push((k, v));
        }
        if next == 0 {
            return out;
        }
        cursor = next;
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The wrapped handles in the database, in the forms they could take in a
/// cache value: raw, hex, base64, and a JSON byte array.
async fn handle_forms(db_url: &str) -> Vec<Vec<u8>> {
    let mut c = PgConnection::connect(db_url).await.unwrap();
    let rows = sqlx::query("SELECT handle FROM key_versions")
        .fetch_all(&mut c)
        .await
        .unwrap();
    let _ = c.close().await;
    let mut forms = Vec::new();
    for r in rows {
        let h: Vec<u8> = r.get("handle");
        if h.len() < 16 {
            continue;
        }
        let json = serde_json::to_string(&h).unwrap();
        forms.push(json.as_bytes()[..json.len().min(40)].to_vec());
        forms.push(common::hex(&h[..16]).into_bytes());
        forms.push(common::b64(&h).as_bytes()[..20].to_vec());
        forms.push(h[..16].to_vec());
    }
    assert!(forms.len() >= 8, "handles to look for");
    forms
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_with_redis_cache() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let Some(db) = Db::postgres("tresor_cache").await else {
        return;
    };
    let root = root_key();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let node_a = tresor_server::start(node_config(dir_a.path(), &db.url, &root, Some(&redis.url)))
        .await
        .unwrap();
    let node_b = tresor_server::start(node_config(dir_b.path(), &db.url, &root, Some(&redis.url)))
        .await
        .unwrap();
    let a = Api::unpooled(&node_a.url(), BOOTSTRAP_TOKEN);
    let b = Api::unpooled(&node_b.url(), BOOTSTRAP_TOKEN);

    // Work on both nodes with every kind of key material.
    let secret = b"plaintext-marker-7f3a9c51e2";
    let mut keys = Vec::new();
    for alg in ["aes-256-gcm", "ec-p256", "hmac-sha256"] {
        keys.push(a.create_key(alg).await);
    }
    let aes = keys[0].clone();
    let ct = a.encrypt(&aes, secret).await;
    assert_eq!(b.decrypt(&aes, &ct).await, secret);
    b.post(&format!("/v1/keys/{aes}/rotate"), json!({}))
        .await
        .ok();
    let ct2 = b.encrypt(&aes, secret).await;
    assert_eq!(a.decrypt(&aes, &ct2).await, secret);
    let aliased = a
        .create_key_with(json!({ "algorithm": "aes-256-gcm", "alias": "cached-alias" }))
        .await;
    assert!(aliased["id"].is_string());
    let by_alias = b.encrypt("alias:cached-alias", secret).await;
    assert_eq!(a.decrypt("alias:cached-alias", &by_alias).await, secret);
    for k in &keys {
        a.key(k).await;
        b.key(k).await;
    }
    disable_on_a_refused_on_b(&a, &b).await;

    // Redis holds metadata, never key material.
    let dump = redis_dump(&redis.url).await;
    assert!(
        dump.iter().any(|(k, _)| {
            let k = String::from_utf8_lossy(k);
            k.starts_with("tresor:v1:") && k.contains(":key:")
        }),
        "key metadata is cached in Redis: {:?}",
        dump.iter()
            .map(|(k, _)| String::from_utf8_lossy(k))
            .collect::<Vec<_>>()
    );
    // Both nodes write under one deployment namespace (kept in the
    // database), so another deployment on this Redis sees none of it.
    let mut namespaces: Vec<String> = dump
        .iter()
        .filter_map(|(k, _)| {
            let k = String::from_utf8_lossy(k);
            k.strip_prefix("tresor:v1:")
                .and_then(|rest| rest.split(':').next())
                .map(str::to_owned)
        })
        .collect();
    namespaces.sort();
    namespaces.dedup();
    assert_eq!(namespaces.len(), 1, "{namespaces:?}");
    let forms = handle_forms(&db.url).await;
    for (k, v) in &dump {
        let name = String::from_utf8_lossy(k);
        assert!(
            name.starts_with("tresor:v1:"),
            "unexpected Redis key {name}"
        );
        assert!(!contains(v, secret), "plaintext in Redis under {name}");
        assert!(
            !contains(v, b"\"handle\""),
            "a version in Redis under {name}"
        );
        assert!(
            !contains(v, b"token_hash"),
            "a credential in Redis under {name}"
        );
        for f in &forms {
            assert!(
                !contains(v, f),
                "wrapped key material in Redis under {name}"
            );
        }
    }

    // Redis stops mid-test: slower, not broken.
    redis.stop();
    let started = Instant::now();
    let k2 = b.create_key("aes-256-gcm").await;
    let ct3 = a.encrypt(&k2, secret).await;
    assert_eq!(b.decrypt(&k2, &ct3).await, secret);
    assert_eq!(b.decrypt(&aes, &ct).await, secret);
    a.key(&aes).await;
    disable_on_a_refused_on_b(&a, &b).await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "no long stalls without Redis: {:?}",
        started.elapsed()
    );

    node_a.shutdown().await;
    node_b.shutdown().await;
    db.drop_it().await;
}

/// One node whose Redis URL points at a closed port, and one with every
/// cache off: both serve normally (SQLite; no external service needed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_redis_and_disabled_cache_still_serve() {
    for mode in ["closed-port", "disabled"] {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Config::for_data_dir(dir.path());
        c.dev = true;
        c.bootstrap_token = Some(SecretString::new(BOOTSTRAP_TOKEN));
        c.scheduler_interval_seconds = 0;
        if mode == "closed-port" {
            c.cache_redis_url = Some(format!("redis://127.0.0.1:{}", free_port()));
        } else {
            c.cache_enabled = false;
        }
        let node = tresor_server::start(c).await.unwrap();
        let api = Api::unpooled(&node.url(), BOOTSTRAP_TOKEN);
        let started = Instant::now();
        let key = api.create_key("aes-256-gcm").await;
        for i in 0..20 {
            let pt = format!("message {i}");
            let ct = api.encrypt(&key, pt.as_bytes()).await;
            assert_eq!(api.decrypt(&key, &ct).await, pt.as_bytes(), "{mode}");
        }
        api.post(&format!("/v1/keys/{key}/disable"), json!({}))
            .await
            .ok();
        let r = api
            .post(
                &format!("/v1/keys/{key}/encrypt"),
                json!({ "plaintext": "YQ==" }),
            )
            .await;
        assert!(r.status.is_client_error(), "{mode}: disabled at once");
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{mode}: {:?}",
            started.elapsed()
        );
        node.shutdown().await;
    }
}
