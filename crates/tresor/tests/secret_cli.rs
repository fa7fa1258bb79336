//! `tresor secret put|get|list|delete` against a real in-process server:
//! text and binary (stdin, file) payloads round-trip byte for byte, the
//! listing filters, delete makes the payload unreadable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Output, Stdio};

use tokio::io::AsyncWriteExt;
use tokio::process::Command;
use tresor_server::{Config, RunningServer};

const BIN: &str = env!("CARGO_BIN_EXE_tresor");

const CLEARED: &[&str] = &[
    "TRESOR_ADDR",
    "TRESOR_TOKEN",
    "TRESOR_TENANT",
    "TRESOR_CA_FILE",
    "TRESOR_CONFIG",
];

async fn start(dir: &Path) -> RunningServer {
    let mut config = Config::for_data_dir(dir);
    config.scheduler_interval_seconds = 0;
    tresor_server::start(config).await.expect("server starts")
}

fn command(addr: &str, token: &str, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    for v in CLEARED {
        c.env_remove(v);
    }
    c.env("TRESOR_ADDR", addr).env("TRESOR_TOKEN", token);
    c.kill_on_drop(true);
    c.args(args);
    c
}

async fn run(addr: &str, token: &str, args: &[&str]) -> Output {
    command(addr, token, args)
        .output()
        .await
        .expect("run tresor")
}

#[track_caller]
fn ok(o: &Output) -> Vec<u8> {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout.clone()
}

fn text(b: Vec<u8>) -> String {
    String::from_utf8(b).unwrap().trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start(&tmp.path().join("data")).await;
    let url = server.url();
    let t = server.initial_token.clone().unwrap();

    let id = text(ok(&run(
        &url,
        &t,
        &[
            "secret",
            "put",
            "--value",
            "hunter2",
            "--type",
            "passphrase",
            "--name",
            "db",
            "--meta",
            "env=prod",
        ],
    )
    .await));
    assert_eq!(
        ok(&run(&url, &t, &["secret", "get", &id]).await),
        b"hunter2"
    );
    let info = text(ok(&run(
        &url,
        &t,
        &["secret", "get", &id, "--info", "--json"],
    )
    .await));
    let v: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(v["secret_type"], "passphrase");
    assert_eq!(v["metadata"]["env"], "prod");

    // Binary through stdin, back through --out.
    let binary: Vec<u8> = (0..=255u8).rev().collect();
    let mut child = command(&url, &t, &["secret", "put", "--file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&binary)
        .await
        .unwrap();
    let bin_id = text(ok(&child.wait_with_output().await.unwrap()));
    let out = tmp.path().join("out.bin");
    ok(&run(
        &url,
        &t,
        &["secret", "get", &bin_id, "--out", out.to_str().unwrap()],
    )
    .await);
    assert_eq!(std::fs::read(&out).unwrap(), binary);

    let list = text(ok(&run(
        &url,
        &t,
        &["secret", "list", "--type", "passphrase"],
    )
    .await));
    assert!(list.contains(&id) && !list.contains(&bin_id), "{list}");

    ok(&run(&url, &t, &["secret", "delete", &id]).await);
    let gone = run(&url, &t, &["secret", "get", &id]).await;
    assert_ne!(gone.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("secret_not_found"));
    server.shutdown().await;
}
