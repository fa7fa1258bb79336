//! Dual control across two nodes on one PostgreSQL database
//! (`TRESOR_TEST_POSTGRES_URL`; skipped when unset): approvers on both
//! nodes race to cast the deciding vote of a rotation, and it runs exactly
//! once.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::db::Db;
use common::{Api, BOOTSTRAP_TOKEN};
use serde_json::{Value, json};
use tresor_server::Config;
use tresor_server::config::SecretString;

fn node(dir: &std::path::Path, url: &str, root_key: &str) -> Config {
    let mut c = Config::for_data_dir(dir);
    c.database_url = url.to_owned();
    c.root_key = Some(SecretString::new(root_key));
    c.bootstrap_token = Some(SecretString::new(BOOTSTRAP_TOKEN));
    c.db_max_connections = 8;
    c
}

/// A new API key of `role`: its token and principal.
async fn person(admin: &Api, name: &str, role: &str) -> (String, String) {
    let r = admin
        .post("/v1/api-keys", json!({"name": name, "role": role}))
        .await
        .ok();
    (
        r["token"].as_str().unwrap().to_owned(),
        format!("api-key:{}", r["api_key"]["id"].as_str().unwrap()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn approvals_race_across_nodes_and_execute_once() {
    let Some(db) = Db::postgres("tresor_appr").await else {
        return;
    };
    let root_key = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let (da, dbb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = tresor_server::start(node(da.path(), &db.url, &root_key))
        .await
        .unwrap();
    let b = tresor_server::start(node(dbb.path(), &db.url, &root_key))
        .await
        .unwrap();
    let admin_a = Api::new(&a.url(), BOOTSTRAP_TOKEN);
    let (alice, _) = person(&admin_a, "alice", "user").await;
    let mut approvers = Vec::new();
    for i in 0..4 {
        approvers.push(person(&admin_a, &format!("approver-{i}"), "readonly").await);
    }
    let names: Vec<&str> = approvers.iter().map(|(_, p)| p.as_str()).collect();
    let alice_a = admin_a.as_token(&alice);
    let key = alice_a.create_key("aes-256-gcm").await;
    let policy = json!({"manage": {"any_of": [{"all_of": [{"required": 2, "approvers": names}]}]}});
    let r = alice_a
        .call(
            reqwest::Method::PUT,
            &format!("/v1/keys/{key}/policy"),
            Some(&policy),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());

    for round in 0..3 {
        let r = alice_a
            .post(&format!("/v1/keys/{key}/rotate"), json!({}))
            .await;
        assert_eq!(r.status.as_u16(), 202, "{}", r.text());
        let id = r.json()["approval_request"].as_str().unwrap().to_owned();
        // The first vote on node A, then three deciding votes at once, on
        // both nodes.
        Api::new(&a.url(), &approvers[0].0)
            .post(&format!("/v1/approvals/{id}/approve"), json!({}))
            .await
            .ok();
        let mut tasks = tokio::task::JoinSet::new();
        for (i, (token, _)) in approvers.iter().enumerate().skip(1) {
            let base = if i % 2 == 0 { a.url() } else { b.url() };
            let api = Api::unpooled(&base, token);
            let path = format!("/v1/approvals/{id}/approve");
            tasks.spawn(async move { api.post(&path, json!({})).await });
        }
        let mut executed = 0;
        while let Some(r) = tasks.join_next().await {
            let r = r.unwrap();
            if r.status.is_success() && r.json()["state"] == "executed" {
                executed += 1;
            }
        }
        assert!(executed >= 1, "round {round}: nobody executed");
        let state = alice_a.get(&format!("/v1/requests/{id}")).await.ok();
        assert_eq!(state["state"], "executed", "{state}");
        let k: Value = Api::new(&b.url(), &alice).key(&key).await;
        assert_eq!(
            k["primary_version"].as_u64(),
            Some(round + 2),
            "round {round}: rotated exactly once: {k}"
        );
    }
    drop((a, b));
    db.drop_it().await;
}
