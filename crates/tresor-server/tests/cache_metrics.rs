//! The metadata cache's counters on `/metrics` move with real traffic: a
//! repeated read is an in-process hit; an unreachable Redis counts errors
//! and database fallbacks (and requests still succeed); with two nodes on
//! PostgreSQL (`TRESOR_TEST_POSTGRES_URL`) sharing a private Redis (when
//! `TRESOR_TEST_REDIS_URL` says Redis tests are expected), node B answers from Redis what node A put
//! there and counts A's invalidations; with the cache off there are no
//! cache metrics.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::db::Db;
use common::redis::{RedisServer, free_port};
use common::{Api, BOOTSTRAP_TOKEN, config_for};
use serde_json::json;
use tresor_server::config::SecretString;
use tresor_server::{Config, RunningServer};

/// The value of the sample `series` (name with labels) in `/metrics`.
async fn metric(api: &Api, series: &str) -> Option<u64> {
    let text = api.get("/metrics").await.text();
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.trim().parse().unwrap())
}

async fn must(api: &Api, series: &str) -> u64 {
    metric(api, series)
        .await
        .unwrap_or_else(|| panic!("{series} missing from /metrics"))
}

const L1_HITS: &str = "tresor_cache_hits_total{layer=\"l1\"}";
const L1_MISSES: &str = "tresor_cache_misses_total{layer=\"l1\"}";
const L2_HITS: &str = "tresor_cache_hits_total{layer=\"l2\"}";
const ENTRIES: &str = "tresor_cache_entries";
const REDIS_ERRORS: &str = "tresor_cache_redis_errors_total";
const FALLBACKS: &str = "tresor_cache_redis_fallbacks_total";
const INVALIDATIONS: &str = "tresor_cache_invalidations_received_total";

async fn start(config: Config) -> (RunningServer, Api) {
    let server = tresor_server::start(config).await.unwrap();
    let api = Api::unpooled(&server.url(), BOOTSTRAP_TOKEN);
    (server, api)
}

#[tokio::test]
async fn a_repeated_read_is_an_in_process_hit() {
    let dir = tempfile::tempdir().unwrap();
    let (server, api) = start(config_for(dir.path(), None)).await;
    let key = api.create_key("aes-256-gcm").await;
    let (hits0, misses0) = (must(&api, L1_HITS).await, must(&api, L1_MISSES).await);
    api.key(&key).await;
    let (hits1, misses1) = (must(&api, L1_HITS).await, must(&api, L1_MISSES).await);
    assert!(
        misses1 > misses0,
        "the first read misses: {misses0} -> {misses1}"
    );
    api.key(&key).await;
    let (hits2, misses2) = (must(&api, L1_HITS).await, must(&api, L1_MISSES).await);
    // The second read finds the key, its versions and the API key cached;
    // the first found only the API key.
    assert!(
        hits2 - hits1 > hits1 - hits0,
        "hits {hits0} -> {hits1} -> {hits2}"
    );
    assert_eq!(misses2, misses1, "nothing new to miss");
    assert!(must(&api, ENTRIES).await > 0);
    assert_eq!(metric(&api, L2_HITS).await, None, "no Redis, no L2 series");
    server.shutdown().await;
}

#[tokio::test]
async fn no_cache_no_cache_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for(dir.path(), None);
    config.cache_enabled = false;
    let (server, api) = start(config).await;
    let key = api.create_key("aes-256-gcm").await;
    api.key(&key).await;
    let text = api.get("/metrics").await.text();
    assert!(text.contains("tresor_http_requests_total"), "{text}");
    assert!(!text.contains("tresor_cache_"), "{text}");
    server.shutdown().await;
}

#[tokio::test]
async fn unreachable_redis_counts_errors_and_fallbacks() {
    let closed = free_port();
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_for(dir.path(), None);
    config.cache_redis_url = Some(format!("redis://127.0.0.1:{closed}"));
    let (server, api) = start(config).await;
    // By alias: a key's own slot is skipped after its creation (the node
    // refreshes it from the database), the alias slot is asked.
    api.create_key_with(json!({ "algorithm": "aes-256-gcm", "alias": "m1" }))
        .await;
    let fallbacks = must(&api, FALLBACKS).await;
    api.key("alias:m1").await;
    // The first failure (already at start-up) counts an error; then Redis
    // is skipped for a moment, and each skipped read is a fallback.
    assert!(must(&api, REDIS_ERRORS).await > 0, "Redis errors counted");
    assert!(must(&api, FALLBACKS).await > fallbacks, "fallbacks counted");
    assert_eq!(must(&api, L2_HITS).await, 0);
    server.shutdown().await;
}

fn node(dir: &std::path::Path, db: &str, root_key: &str, redis: &str) -> Config {
    let mut c = Config::for_data_dir(dir);
    c.database_url = db.to_owned();
    c.root_key = Some(SecretString::new(root_key));
    c.bootstrap_token = Some(SecretString::new(BOOTSTRAP_TOKEN));
    c.scheduler_interval_seconds = 0;
    c.db_max_connections = 4;
    c.cache_redis_url = Some(redis.to_owned());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_count_redis_hits_and_invalidations() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let Some(db) = Db::postgres("tresor_cm").await else {
        return;
    };
    let root_key = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (node_a, a) = start(node(dir_a.path(), &db.url, &root_key, &redis.url)).await;
    let (node_b, b) = start(node(dir_b.path(), &db.url, &root_key, &redis.url)).await;

    let k = a
        .create_key_with(json!({ "algorithm": "aes-256-gcm", "alias": "m2" }))
        .await;
    let key = k["id"].as_str().unwrap().to_owned();
    // A reads the new key from the database and puts it and its alias
    // into Redis; B finds the alias there.
    a.key(&key).await;
    let l2_hits = must(&b, L2_HITS).await;
    b.key("alias:m2").await;
    assert!(
        must(&b, L2_HITS).await > l2_hits,
        "B read A's entry from Redis"
    );

    let heard = must(&b, INVALIDATIONS).await;
    a.post(&format!("/v1/keys/{key}/disable"), json!({}))
        .await
        .ok();
    let deadline = Instant::now() + Duration::from_secs(10);
    while must(&b, INVALIDATIONS).await <= heard {
        assert!(Instant::now() < deadline, "B never heard A's change");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    node_a.shutdown().await;
    node_b.shutdown().await;
    db.drop_it().await;
}
