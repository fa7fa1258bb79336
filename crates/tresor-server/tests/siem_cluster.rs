//! Two nodes on one PostgreSQL database (`TRESOR_TEST_POSTGRES_URL`, the
//! admin URL; skipped when unset), both configured with the same JSONL file
//! sink: only the holder of the `audit-sinks` lease delivers, so the file
//! has every record exactly once, in order; when that node stops, the
//! other takes over from the shared cursor.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Api, BOOTSTRAP_TOKEN};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};
use tresor_server::config::SecretString;
use tresor_server::{Config, RunningServer};

const ROOT_KEY: &str = "8f1d2c3b4a5968778695a4b3c2d1e0f1021324354657687980a1b2c3d4e5f607";

async fn exec(url: &str, sql: &str) {
    let mut c = PgConnection::connect(url).await.unwrap();
    sqlx::query(sql).execute(&mut c).await.unwrap();
    let _ = c.close().await;
}

fn node(dir: &Path, url: &str, out: &Path) -> Config {
    let mut c = Config::for_data_dir(dir);
    c.database_url = url.to_owned();
    c.root_key = Some(SecretString::new(ROOT_KEY));
    c.bootstrap_token = Some(SecretString::new(BOOTSTRAP_TOKEN));
    c.scheduler_interval_seconds = 0;
    c.db_max_connections = 8;
    c.audit_sinks = vec![
        serde_json::from_value(json!({
            "name": "archive", "kind": "file", "path": out,
            "poll_ms": 50, "retry_initial_ms": 50, "retry_max_ms": 200,
        }))
        .unwrap(),
    ];
    c
}

async fn sink(api: &Api) -> Value {
    let r = api.get("/v1/audit/sinks").await.ok();
    r["sinks"][0].clone()
}

fn file_seqs(path: &Path) -> Vec<u64> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

/// Waits until the shared cursor reaches the chain head (read once).
async fn drained(api: &Api) {
    let head = sink(api).await["head"].as_u64().unwrap();
    for _ in 0..400 {
        if sink(api).await["cursor"].as_u64().unwrap() >= head {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the sink did not catch up with {head}");
}

async fn work(api: &Api) {
    let key = api.create_key("aes-256-gcm").await;
    for i in 0..5 {
        api.encrypt(&key, format!("m{i}").as_bytes()).await;
    }
}

fn exactly_once_in_order(path: &Path) -> usize {
    let seqs = file_seqs(path);
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "every record once, in order");
    seqs.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_the_lease_holder_delivers_and_the_other_takes_over() {
    let Ok(admin) = std::env::var("TRESOR_TEST_POSTGRES_URL") else {
        println!("skipped: TRESOR_TEST_POSTGRES_URL not set");
        return;
    };
    let name = format!("tresor_siem_{}", uuid::Uuid::new_v4().simple());
    exec(&admin, &format!("CREATE DATABASE {name}")).await;
    let (scheme, rest) = admin.split_once("://").unwrap();
    let authority = rest.split(['/', '?']).next().unwrap();
    let url = format!("{scheme}://{authority}/{name}");

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("audit.jsonl");
    let a: RunningServer = tresor_server::start(node(&dir.path().join("a"), &url, &out))
        .await
        .unwrap();
    let b: RunningServer = tresor_server::start(node(&dir.path().join("b"), &url, &out))
        .await
        .unwrap();
    let api_a = Api::unpooled(&a.url(), BOOTSTRAP_TOKEN);
    let api_b = Api::unpooled(&b.url(), BOOTSTRAP_TOKEN);
    work(&api_a).await;
    work(&api_b).await;
    drained(&api_a).await;
    let first = exactly_once_in_order(&out);
    assert!(first >= 12);

    // The node that delivered is the lease holder; the other sent nothing.
    let (da, db) = (
        sink(&api_a).await["delivered"].as_u64().unwrap(),
        sink(&api_b).await["delivered"].as_u64().unwrap(),
    );
    assert!(
        (da == 0) != (db == 0),
        "exactly one node delivers: {da} / {db}"
    );
    let (leader, follower, api_f) = if da > 0 { (a, b, api_b) } else { (b, a, api_a) };
    leader.shutdown().await;

    work(&api_f).await;
    drained(&api_f).await;
    let total = exactly_once_in_order(&out);
    assert!(total > first);
    assert!(
        sink(&api_f).await["delivered"].as_u64().unwrap() > 0,
        "took over"
    );
    follower.shutdown().await;
    exec(
        &admin,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )
    .await;
}
