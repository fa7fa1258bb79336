//! The two-node scenario, run on each database server by the `two_nodes*`
//! tests: two Tresor nodes on one database; concurrent creates, rotations
//! and encrypts from both, then a consistency check; changes on one node
//! are honoured by the other within a second; the scheduler runs on the
//! lease holder only and moves to the other node when the leader stops.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::task::JoinSet;
use tresor_server::config::SecretString;
use tresor_server::{Config, RunningServer};

use super::db::Db;
use super::{Api, BOOTSTRAP_TOKEN, versions};

fn node_config(dir: &std::path::Path, url: &str, root_key: &str, redis: Option<&str>) -> Config {
    let mut c = Config::for_data_dir(dir);
    c.database_url = url.to_owned();
    c.cache_redis_url = redis.map(str::to_owned);
    c.root_key = Some(SecretString::new(root_key));
    c.bootstrap_token = Some(SecretString::new(BOOTSTRAP_TOKEN));
    c.scheduler_interval_seconds = 1;
    c.scheduler_lease_ttl_seconds = 3;
    c.db_max_connections = 8;
    c
}

/// Polls `check` every 50 ms until it holds or `within` passes.
async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if start.elapsed() > within {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every key has versions 1..=primary exactly once.
async fn assert_versions_consistent(api: &Api, key: &str) -> u64 {
    let k = api.key(key).await;
    let primary = k["primary_version"].as_u64().unwrap();
    let nums: Vec<u64> = versions(&k).into_iter().map(|(v, _)| v).collect();
    assert_eq!(nums, (1..=primary).collect::<Vec<_>>(), "{k}");
    primary
}

/// Runs the whole scenario on `db` (dropped at the end); the nodes share
/// the Redis at `redis` when given.
pub async fn two_nodes_share_one_database(db: Db, redis: Option<&str>) {
    let root_key = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let node_a = tresor_server::start(node_config(dir_a.path(), &db.url, &root_key, redis))
        .await
        .unwrap();
    assert!(node_a.initial_token.is_some(), "the first node bootstraps");
    assert!(
        eventually(Duration::from_secs(5), || async {
            node_a.is_scheduler_leader()
        })
        .await,
        "node A takes the scheduler lease"
    );
    let node_b = tresor_server::start(node_config(dir_b.path(), &db.url, &root_key, redis))
        .await
        .unwrap();
    assert!(
        node_b.initial_token.is_none(),
        "the second node finds the tenant"
    );
    assert_ne!(node_a.node_id(), node_b.node_id());
    let a = Api::unpooled(&node_a.url(), BOOTSTRAP_TOKEN);
    let b = Api::unpooled(&node_b.url(), BOOTSTRAP_TOKEN);

    let keys = concurrent_creates(&a, &b).await;
    concurrent_rotations(&a, &b, &keys).await;
    cross_node_crypto(&a, &b, &keys).await;
    audit_verifies_on_both(&a, &b).await;
    changes_are_seen_at_once(&a, &b).await;
    scheduler_moves(node_a, node_b, &db).await;
    db.drop_it().await;
}

/// 20 creates split over both nodes, two of them racing for one alias.
async fn concurrent_creates(a: &Api, b: &Api) -> Vec<String> {
    let mut tasks = JoinSet::new();
    for i in 0..22 {
        let api = if i % 2 == 0 { a.clone() } else { b.clone() };
        let alias = if i >= 20 {
            "contested".to_owned()
        } else {
            format!("k{i}")
        };
        tasks.spawn(async move {
            api.post(
                "/v1/keys",
                json!({ "algorithm": "aes-256-gcm", "alias": alias }),
            )
            .await
        });
    }
    let (mut ids, mut alias_taken) = (Vec::new(), 0);
    while let Some(r) = tasks.join_next().await {
        let r = r.unwrap();
        if r.status.is_success() {
            ids.push(r.json()["id"].as_str().unwrap().to_owned());
        } else {
            assert_eq!(r.status.as_u16(), 409, "{}", r.text());
            alias_taken += 1;
        }
    }
    assert_eq!(
        (ids.len(), alias_taken),
        (21, 1),
        "one contested alias wins"
    );
    let listed = a.get("/v1/keys?limit=1000").await.ok();
    let aliases: Vec<&str> = listed["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["alias"].as_str())
        .collect();
    let mut unique = aliases.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), aliases.len(), "aliases unique");
    ids
}

/// Both nodes rotate the same keys at once: versions stay 1..=primary and
/// every successful rotation made exactly one new version.
async fn concurrent_rotations(a: &Api, b: &Api, keys: &[String]) {
    for key in keys.iter().take(6) {
        let mut ok = 0u64;
        for _ in 0..3 {
            let path = format!("/v1/keys/{key}/rotate");
            let (ra, rb) = tokio::join!(a.post(&path, json!({})), b.post(&path, json!({})));
            for r in [ra, rb] {
                if r.status.is_success() {
                    ok += 1;
                } else {
                    assert_eq!(r.code().as_deref(), Some("conflict"), "{}", r.text());
                }
            }
        }
        assert!(ok >= 3, "at least one rotation of each pair wins");
        let primary = assert_versions_consistent(a, key).await;
        assert_eq!(primary, 1 + ok, "one new version per successful rotation");
    }
}

/// Encrypt on one node, decrypt on the other, concurrently.
async fn cross_node_crypto(a: &Api, b: &Api, keys: &[String]) {
    let mut tasks = JoinSet::new();
    for (i, key) in keys.iter().enumerate() {
        let (enc, dec) = if i % 2 == 0 {
            (a.clone(), b.clone())
        } else {
            (b.clone(), a.clone())
        };
        let key = key.clone();
        tasks.spawn(async move {
            let pt = format!("message {i}");
            let ct = enc.encrypt(&key, pt.as_bytes()).await;
            assert_eq!(dec.decrypt(&key, &ct).await, pt.as_bytes());
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    for key in keys {
        assert_versions_consistent(b, key).await;
    }
}

async fn audit_verifies_on_both(a: &Api, b: &Api) {
    b.with_request_id("from-node-b").get("/v1/keys").await.ok();
    for api in [a, b] {
        let r = api.post("/v1/audit/verify", json!({})).await.ok();
        assert_eq!(r["ok"], true, "{r}");
        assert!(r["verified"].as_u64().unwrap() > 50, "{r}");
    }
    assert!(
        !a.audit_for("from-node-b").await.is_empty(),
        "B's records in A's view"
    );
}

/// Disable and API-key revocation on A are refused on B within a second.
async fn changes_are_seen_at_once(a: &Api, b: &Api) {
    let key = a.create_key("aes-256-gcm").await;
    b.encrypt(&key, b"before").await;
    a.post(&format!("/v1/keys/{key}/disable"), json!({}))
        .await
        .ok();
    let path = format!("/v1/keys/{key}/encrypt");
    let refused = eventually(Duration::from_secs(1), || async {
        b.post(&path, json!({ "plaintext": "YQ==" }))
            .await
            .status
            .is_client_error()
    })
    .await;
    assert!(refused, "B refuses a key disabled on A");

    let created = a
        .post(
            "/v1/api-keys",
            json!({ "name": "short-lived", "role": "user" }),
        )
        .await
        .ok();
    let token = created["token"].as_str().unwrap();
    let id = created["api_key"]["id"].as_str().unwrap();
    let as_user = b.as_token(token);
    as_user.get("/v1/keys").await.ok();
    a.delete(&format!("/v1/api-keys/{id}")).await.ok();
    let refused = eventually(Duration::from_secs(1), || async {
        as_user.get("/v1/keys").await.status.as_u16() == 401
    })
    .await;
    assert!(refused, "B refuses an API key revoked on A");
}

/// Only the lease holder runs scheduled work; when it stops, the other
/// node takes over and runs a due rotation.
async fn scheduler_moves(node_a: RunningServer, node_b: RunningServer, db: &Db) {
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(node_a.is_scheduler_leader());
    assert!(!node_b.is_scheduler_leader(), "one leader at a time");
    let b = Api::unpooled(&node_b.url(), BOOTSTRAP_TOKEN);
    let k: Value = b
        .create_key_with(json!({ "algorithm": "aes-256-gcm", "rotation_period": "1d" }))
        .await;
    let key = k["id"].as_str().unwrap().to_owned();
    node_a.shutdown().await;
    assert!(
        eventually(Duration::from_secs(6), || async {
            node_b.is_scheduler_leader()
        })
        .await,
        "node B takes over the scheduler"
    );
    // Make the rotation due now (as if a day had passed).
    db.exec(&format!(
        "UPDATE {} SET next_rotation_at = 1 WHERE id = '{key}'",
        db.quote("keys")
    ))
    .await;
    let rotated = eventually(Duration::from_secs(5), || async {
        b.key(&key).await["primary_version"] == 2
    })
    .await;
    assert!(rotated, "node B ran the due rotation");
    assert_versions_consistent(&b, &key).await;
    node_b.shutdown().await;
}
