//! `tresor alert list|ack` against a real server whose scheduler raises an
//! `auth_failures` alert after failed logins.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Output;
use std::time::Duration;

use tokio::process::Command;
use tresor_server::Config;

const BIN: &str = env!("CARGO_BIN_EXE_tresor");

fn tresor(addr: &str, token: &str) -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("TRESOR_") {
            c.env_remove(k);
        }
    }
    c.env("TRESOR_ADDR", addr).env("TRESOR_TOKEN", token);
    c.kill_on_drop(true);
    c
}

async fn run(mut cmd: Command, args: &[&str]) -> Output {
    cmd.args(args).output().await.expect("run tresor")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_list_and_ack() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_data_dir(dir.path());
    config.scheduler_interval_seconds = 1;
    config.alerts = serde_json::from_value(serde_json::json!({ "auth_failures": 2 })).unwrap();
    let server = tresor_server::start(config).await.expect("server starts");
    let url = server.url();
    let token = server.initial_token.clone().unwrap();

    for _ in 0..2 {
        let o = run(
            tresor(&url, "tresor_wrong-000000000000000000000000"),
            &["key", "list"],
        )
        .await;
        assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    }
    let mut id = String::new();
    for _ in 0..100 {
        let o = run(tresor(&url, &token), &["alert", "list", "--json"]).await;
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        if let Some(a) = v["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["rule"] == "auth_failures")
        {
            id = a["id"].as_str().unwrap().to_owned();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!id.is_empty(), "no auth_failures alert");
    let o = run(tresor(&url, &token), &["alert", "list"]).await;
    let t = text(&o);
    assert!(
        t.contains("RULE") && t.contains("auth_failures") && t.contains(&id),
        "{t}"
    );

    let o = run(tresor(&url, &token), &["alert", "ack", &id]).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("acknowledged"), "{}", text(&o));
    let o = run(tresor(&url, &token), &["alert", "ack", "no-such-alert"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = run(
        tresor(&url, &token),
        &["alert", "list", "--all", "--limit", "5"],
    )
    .await;
    assert!(text(&o).contains("acknowledged"), "{}", text(&o));
    server.shutdown().await;
}
