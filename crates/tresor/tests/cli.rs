//! The `tresor` binary against a real in-process server: key round trip,
//! `--json`, exit codes, online and offline audit verification (including a
//! tampered database), and a `tresor serve --dev` smoke test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use tokio::process::Command;
use tresor_server::{Config, RunningServer};

const BIN: &str = env!("CARGO_BIN_EXE_tresor");

/// Client environment variables that must not leak in from the caller.
const CLEARED: &[&str] = &[
    "TRESOR_ADDR",
    "TRESOR_TOKEN",
    "TRESOR_TENANT",
    "TRESOR_CA_FILE",
    "TRESOR_CONFIG",
    "TRESOR_ROOT_KEY",
    "TRESOR_BOOTSTRAP_TOKEN",
    "TRESOR_DATA_DIR",
    "TRESOR_LISTEN",
];

fn tresor(addr: &str, token: &str) -> Command {
    let mut c = Command::new(BIN);
    for v in CLEARED {
        c.env_remove(v);
    }
    c.env("TRESOR_ADDR", addr).env("TRESOR_TOKEN", token);
    c.kill_on_drop(true);
    c
}

async fn run(mut cmd: Command, args: &[&str]) -> Output {
    cmd.args(args).output().await.expect("run tresor")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_code(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
}

async fn start(dir: &Path) -> RunningServer {
    let mut config = Config::for_data_dir(dir);
    config.scheduler_interval_seconds = 0;
    tresor_server::start(config).await.expect("server starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_round_trip_exit_codes_and_audit() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let server = start(&data).await;
    let url = server.url();
    let token = server
        .initial_token
        .clone()
        .expect("first start has a token");
    assert!(data.join("initial-admin-token").is_file());
    let cli = || tresor(&url, &token);

    // create (--json parses) → list → show
    let o = run(
        cli(),
        &[
            "key",
            "create",
            "--algorithm",
            "aes-256-gcm",
            "--alias",
            "demo",
            "--tag",
            "env=test",
            "--json",
        ],
    )
    .await;
    assert_code(&o, 0);
    let created: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("--json is JSON");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["alias"], "demo");

    let o = run(cli(), &["key", "list"]).await;
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(text.starts_with("ID "), "{text}");
    assert!(
        text.contains(&id) && text.contains("demo") && text.contains("aes-256-gcm"),
        "{text}"
    );

    let o = run(
        cli(),
        &["key", "list", "--tag", "env=test", "--all", "--json"],
    )
    .await;
    assert_code(&o, 0);
    let listed: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(listed["keys"].as_array().unwrap().len(), 1);

    let o = run(cli(), &["key", "show", "alias:demo"]).await;
    assert_code(&o, 0);
    assert!(stdout(&o).contains(&id));

    // encrypt → decrypt (with and without the key, with a context)
    let o = run(
        cli(),
        &[
            "key",
            "encrypt",
            "alias:demo",
            "--plaintext",
            "hello tresor",
            "--context",
            "app=cli",
        ],
    )
    .await;
    assert_code(&o, 0);
    let ct = stdout(&o).trim().to_owned();
    assert!(!ct.is_empty() && !ct.contains("hello"));
    let o = run(
        cli(),
        &[
            "key",
            "decrypt",
            "--ciphertext",
            &ct,
            "--context",
            "app=cli",
        ],
    )
    .await;
    assert_code(&o, 0);
    assert_eq!(o.stdout, b"hello tresor");
    let o = run(
        cli(),
        &[
            "key",
            "decrypt",
            &id,
            "--ciphertext",
            &ct,
            "--context",
            "app=cli",
        ],
    )
    .await;
    assert_code(&o, 0);
    assert_eq!(o.stdout, b"hello tresor");
    // Wrong context: an opaque failure, reported as invalid input.
    let o = run(cli(), &["key", "decrypt", "--ciphertext", &ct]).await;
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("request id"), "{}", stderr(&o));

    // exit codes
    let o = run(cli(), &["key", "show", "alias:nope"]).await;
    assert_code(&o, 2);
    assert!(stderr(&o).contains("request id"), "{}", stderr(&o));
    let o = run(tresor(&url, "not-a-valid-token"), &["key", "list"]).await;
    assert_code(&o, 3);
    let o = run(cli(), &["key", "create", "--algorithm", "no-such-algo"]).await;
    assert_code(&o, 4);
    let o = run(cli(), &["key", "encrypt", "x"]).await;
    assert_code(&o, 1);
    let o = run(tresor("http://127.0.0.1:1", &token), &["key", "list"]).await;
    assert_code(&o, 5);

    // MAC verify with a wrong MAC is exit 7.
    let o = run(
        cli(),
        &[
            "key",
            "create",
            "--algorithm",
            "hmac-sha256",
            "--alias",
            "m",
            "--json",
        ],
    )
    .await;
    assert_code(&o, 0);
    let o = run(cli(), &["key", "mac", "alias:m", "--message", "msg"]).await;
    assert_code(&o, 0);
    let mac = stdout(&o).trim().to_owned();
    let o = run(
        cli(),
        &[
            "key",
            "mac-verify",
            "alias:m",
            "--message",
            "msg",
            "--mac",
            &mac,
        ],
    )
    .await;
    assert_code(&o, 0);
    let o = run(
        cli(),
        &[
            "key",
            "mac-verify",
            "alias:m",
            "--message",
            "other",
            "--mac",
            &mac,
        ],
    )
    .await;
    assert_code(&o, 7);

    // admin commands
    let o = run(cli(), &["api-key", "list"]).await;
    assert_code(&o, 0);
    assert!(stdout(&o).contains("initial-admin"), "{}", stdout(&o));
    let o = run(cli(), &["tenant", "list", "--json"]).await;
    assert_code(&o, 0);

    // audit: list and online verify
    let o = run(cli(), &["audit", "list", "--limit", "5"]).await;
    assert_code(&o, 0);
    assert!(stdout(&o).contains("SEQ"));
    let o = run(cli(), &["audit", "verify"]).await;
    assert_code(&o, 0);
    assert!(stdout(&o).contains("ok"), "{}", stdout(&o));

    // offline verify after shutdown, then a tampered row
    server.shutdown().await;
    let data_arg = data.to_str().unwrap();
    let o = run(
        tresor(&url, &token),
        &["audit", "verify", "--data-dir", data_arg],
    )
    .await;
    assert_code(&o, 0);
    assert!(stdout(&o).contains("records verified"), "{}", stdout(&o));

    {
        use sqlx::Connection as _;
        let db_url = format!("sqlite://{}", data.join("tresor.db").display());
        let mut conn = sqlx::SqliteConnection::connect(&db_url).await.unwrap();
        // The store refuses updates with a trigger; an attacker with file
        // access simply drops it.
        sqlx::query("DROP TRIGGER IF EXISTS audit_no_update")
            .execute(&mut conn)
            .await
            .unwrap();
        let n = sqlx::query("UPDATE audit SET action = 'key.tampered' WHERE seq = 3")
            .execute(&mut conn)
            .await
            .unwrap()
            .rows_affected();
        assert_eq!(n, 1);
        conn.close().await.unwrap();
    }
    let o = run(
        tresor(&url, &token),
        &["audit", "verify", "--data-dir", data_arg],
    )
    .await;
    assert_code(&o, 6);
    assert!(stdout(&o).contains("BROKEN"), "{}", stdout(&o));
    assert!(stderr(&o).contains("record 3"), "{}", stderr(&o));

    // A restart on the same data dir works and does not bootstrap again.
    let again = start(&data).await;
    assert!(again.initial_token.is_none());
    again.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_crypto_policy_set_and_get() {
    let tmp = tempfile::tempdir().unwrap();
    let server = start(&tmp.path().join("data")).await;
    let url = server.url();
    let token = server.initial_token.clone().expect("token");
    let cli = || tresor(&url, &token);
    let file = tmp.path().join("policy.json");
    std::fs::write(&file, r#"{"mode": "enforce", "min_rsa_bits": 3072}"#).unwrap();
    let f = file.to_str().unwrap();

    let o = run(cli(), &["tenant", "crypto-policy", "get", "default"]).await;
    assert_code(&o, 2);
    let o = run(
        cli(),
        &["tenant", "crypto-policy", "set", "default", "--file", f],
    )
    .await;
    assert_code(&o, 0);
    let o = run(cli(), &["tenant", "crypto-policy", "get", "default"]).await;
    assert_code(&o, 0);
    assert!(stdout(&o).contains("3072"), "{}", stdout(&o));
    let o = run(cli(), &["key", "create", "--algorithm", "rsa-2048"]).await;
    assert!(stderr(&o).contains("min_rsa_bits"), "{}", stderr(&o));
    assert_code(&o, 4);

    std::fs::write(&file, r#"{"mode": "sometimes"}"#).unwrap();
    let o = run(
        cli(),
        &["tenant", "crypto-policy", "set", "default", "--file", f],
    )
    .await;
    assert!(stderr(&o).contains("mode"), "{}", stderr(&o));
    assert_code(&o, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_dev_smoke() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("dev-data");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let listen = format!("127.0.0.1:{port}");
    let mut cmd = tresor("http://unused", "unused");
    cmd.args([
        "serve",
        "--dev",
        "--listen",
        &listen,
        "--data-dir",
        data.to_str().unwrap(),
    ])
    .env("TRESOR_LOG_LEVEL", "warn")
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn tresor serve");

    let url = format!("http://{listen}");
    let http = reqwest::Client::new();
    let mut healthy = false;
    for _ in 0..300 {
        if let Ok(r) = http.get(format!("{url}/healthz")).send().await
            && r.status().is_success()
        {
            healthy = true;
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("tresor serve exited early: {status}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "tresor serve did not become healthy");

    let token_file = data.join("initial-admin-token");
    let token = std::fs::read_to_string(&token_file)
        .unwrap()
        .trim()
        .to_owned();
    assert!(token.len() >= 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&token_file), 0o600);
        assert_eq!(mode(&data.join("root.key")), 0o600);
        assert_eq!(mode(&data), 0o700);
    }
    // The token works.
    let o = run(tresor(&url, &token), &["key", "list"]).await;
    assert_code(&o, 0);

    child.start_kill().unwrap();
    let out = child.wait_with_output().await.unwrap();
    let banner = String::from_utf8_lossy(&out.stdout);
    assert!(banner.contains(&url), "{banner}");
    assert!(banner.contains(&format!("{url}/v1/docs")), "{banner}");
    assert!(banner.contains(&token), "banner shows the token: {banner}");
    assert!(banner.contains("initial-admin-token"), "{banner}");
}
