//! The real server with a SoftHSM2 token as provider `hsm`, the token made
//! to fail mid-run: its directory moved away and every PKCS#11 session of
//! the process closed (`C_Finalize` behind the server's back). Requests on
//! its keys fail fast with `provider_unavailable` (no fallback to the
//! software provider), `/readyz` and `/metrics` show it down; once the
//! token is back the same keys work again without a restart.
//! Skips (with a line) when SoftHSM2 is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::softhsm::{hsm_config, token_dir};

use serde_json::json;
use tresor_pkcs11::Pkcs11Provider;
use tresor_server::providers_config::ProvidersConfig;

use common::{Api, BOOTSTRAP_TOKEN, b64, config_for};

const LABEL: &str = "tresor-recovery";

async fn health(api: &Api) -> (u16, serde_json::Value, String) {
    let ready = api.anonymous().get("/readyz").await;
    let metrics = api.anonymous().get("/metrics").await.text();
    (ready.status.as_u16(), ready.json(), metrics)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_failing_mid_run_fails_fast_and_recovers() {
    let Some(dir) = token_dir(LABEL) else {
        println!("skipped: SoftHSM2 not installed (run scripts/softhsm-setup)");
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let mut config = config_for(data.path(), None);
    config.providers = ProvidersConfig {
        pkcs11: vec![hsm_config("hsm", LABEL, 2)],
        remote: Vec::new(),
        aws_kms: Vec::new(),
        default_provider: None,
    };
    let server = tresor_server::start(config).await.expect("server start");
    let api = Api::new(&server.url(), BOOTSTRAP_TOKEN);

    let key = api
        .post(
            "/v1/providers/hsm/keys",
            json!({"algorithm": "aes-256-gcm"}),
        )
        .await
        .ok();
    assert_eq!(key["provider"], "hsm");
    let key = key["id"].as_str().unwrap().to_owned();
    let ct = api.encrypt(&key, b"before").await;
    let (status, ready, metrics) = health(&api).await;
    assert_eq!(
        (status, ready["providers"]["hsm"].as_str()),
        (200, Some("up"))
    );
    assert!(
        metrics.contains("tresor_provider_up{provider=\"hsm\"} 1"),
        "{metrics}"
    );

    // The token fails: its files disappear and every session of the
    // process is closed (a second handle on the process-wide module).
    let breaker = Pkcs11Provider::connect(hsm_config("breaker", LABEL, 2))
        .await
        .unwrap();
    let tokens = dir.join("tokens");
    let away = dir.join("tokens.away");
    std::fs::rename(&tokens, &away).unwrap();
    breaker.close_all_sessions_for_test().await;

    let started = std::time::Instant::now();
    api.op(&key, "encrypt", json!({"plaintext": b64(b"during")}))
        .await
        .err(503, "provider_unavailable");
    api.op(&key, "decrypt", json!({"ciphertext": b64(&ct)}))
        .await
        .err(503, "provider_unavailable");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "not fast: {:?}",
        started.elapsed()
    );
    // No silent move elsewhere: creating on the named provider fails too.
    api.post(
        "/v1/providers/hsm/keys",
        json!({"algorithm": "aes-256-gcm"}),
    )
    .await
    .err(503, "provider_unavailable");
    // The node stays ready (its default provider serves the other keys);
    // the failed provider is reported down.
    let (status, ready, metrics) = health(&api).await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["providers"]["hsm"], "down");
    assert_eq!(ready["providers"]["software"], "up");
    assert!(
        metrics.contains("tresor_provider_up{provider=\"hsm\"} 0"),
        "{metrics}"
    );

    // Recovery: the token is back; the same server and keys work again.
    std::fs::rename(&away, &tokens).unwrap();
    assert_eq!(api.decrypt(&key, &ct).await, b"before");
    let ct2 = api.encrypt(&key, b"after").await;
    assert_eq!(api.decrypt(&key, &ct2).await, b"after");
    let (status, ready, metrics) = health(&api).await;
    assert_eq!(
        (status, ready["providers"]["hsm"].as_str()),
        (200, Some("up"))
    );
    assert!(
        metrics.contains("tresor_provider_up{provider=\"hsm\"} 1"),
        "{metrics}"
    );
    server.shutdown().await;
}
