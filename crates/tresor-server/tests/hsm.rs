//! The real server with a SoftHSM2 token as provider `hsm`: keys created on
//! it over REST, encrypt/decrypt and sign/verify through the token, key
//! material absent from the database, the registry and its queries, the
//! best-match rule, a token that is down at start (readyz, metrics, fail
//! fast without fallback), and registering an existing token key by label.
//! Skips (with a line) when SoftHSM2 is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::softhsm::{MODULE, PIN, hsm_config, token_dir};

use std::path::Path;
use std::process::Command;

use serde_json::json;
use tresor_core::ProviderId;
use tresor_server::providers_config::ProvidersConfig;

use common::{Api, BOOTSTRAP_TOKEN, b64, config_for};

const LABEL: &str = "tresor-e2e";

async fn start(dir: &Path, providers: ProvidersConfig) -> (tresor_server::RunningServer, Api) {
    let mut config = config_for(dir, None);
    config.providers = providers;
    let server = tresor_server::start(config).await.expect("server start");
    let api = Api::new(&server.url(), BOOTSTRAP_TOKEN);
    (server, api)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_on_the_hsm_over_rest() {
    if token_dir(LABEL).is_none() {
        println!("skipped: SoftHSM2 not installed (run scripts/softhsm-setup)");
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let providers = ProvidersConfig {
        pkcs11: vec![hsm_config("hsm", LABEL, 4)],
        remote: Vec::new(),
        aws_kms: Vec::new(),
        default_provider: Some(ProviderId::parse("hsm").unwrap()),
    };
    let (server, api) = start(data.path(), providers).await;

    // Registry, capabilities, health.
    let list = api.get("/v1/providers").await.ok();
    let health: Vec<_> = list["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["health"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(health.contains(&("hsm".into(), "up".into())), "{list}");
    assert!(health.contains(&("software".into(), "up".into())), "{list}");
    assert!(!list.to_string().contains(PIN));
    let caps = api.get("/v1/providers/hsm/capabilities").await.ok();
    assert_eq!(caps["hardware_backed"], true);
    assert_eq!(caps["extractable"], false);
    assert_eq!(caps["fips"], false);
    assert!(caps["algorithms"]["aes-256-gcm"].is_array(), "{caps}");
    assert!(
        caps["algorithms"]["ml-dsa-65"].is_null(),
        "SoftHSM has no ML-DSA: {caps}"
    );
    let best = api
        .post(
            "/v1/providers/query/best",
            json!({"algorithm": "ec-p256", "operations": ["sign"]}),
        )
        .await
        .ok();
    assert_eq!(best["id"], "hsm");

    // Readiness lists every provider.
    let ready = api.anonymous().get("/readyz").await;
    assert_eq!(ready.status.as_u16(), 200, "{}", ready.text());
    assert_eq!(ready.json()["providers"]["hsm"], "up");
    assert_eq!(ready.json()["providers"]["software"], "up");
    let metrics = api.anonymous().get("/metrics").await.text();
    assert!(
        metrics.contains("tresor_provider_up{provider=\"hsm\"} 1"),
        "{metrics}"
    );

    // Keys on the token: AES-GCM (the default provider) and ECDSA.
    let aes = api
        .create_key_with(json!({"algorithm": "aes-256-gcm"}))
        .await;
    assert_eq!(aes["provider"], "hsm", "{aes}");
    let aes = aes["id"].as_str().unwrap().to_owned();
    let ct = api.encrypt(&aes, b"through the token").await;
    assert_eq!(api.decrypt(&aes, &ct).await, b"through the token");
    let ec = api
        .post("/v1/providers/hsm/keys", json!({"algorithm": "ec-p256"}))
        .await
        .ok();
    assert_eq!(ec["provider"], "hsm");
    let ec = ec["id"].as_str().unwrap().to_owned();
    let sig = api.sign(&ec, b"m").await;
    assert!(api.verify(&ec, b"m", &sig).await);
    // Material never leaves: export of a token key is refused.
    let imp = api
        .post(
            "/v1/providers/hsm/keys/import",
            json!({"algorithm": "aes-256-gcm", "material": b64(&[0x5au8; 32])}),
        )
        .await
        .ok();
    assert_eq!(imp["provider"], "hsm");
    assert_eq!(imp["origin"], "imported");
    let db = std::fs::read(data.path().join("tresor.db")).unwrap();
    let wal = std::fs::read(data.path().join("tresor.db-wal")).unwrap_or_default();
    let needle = [0x5au8; 32];
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(32).any(|w| w == needle),
            "imported key bytes in the database"
        );
    }

    // Best match: the default (hsm) cannot do ML-DSA → the software provider.
    let pq = api.create_key_with(json!({"algorithm": "ml-dsa-65"})).await;
    assert_eq!(pq["provider"], "software", "{pq}");
    // ... but never for an explicitly named provider.
    api.post(
        "/v1/keys",
        json!({"algorithm": "ml-dsa-65", "provider": "hsm"}),
    )
    .await
    .err(400, "unsupported_algorithm");

    // Registering an existing token key by label (platform admin).
    let reg = register_existing_token_key(&api).await;
    let ct = api.encrypt(&reg, b"registered").await;
    assert_eq!(api.decrypt(&reg, &ct).await, b"registered");
    api.post(
        "/v1/keys/register",
        json!({"provider": "hsm", "label": "no-such-label", "algorithm": "aes-256-gcm"}),
    )
    .await
    .err(400, "invalid_argument");
    let ro = api.as_token(&api.api_key("readonly").await);
    ro.get("/v1/providers").await.ok();
    ro.get("/v1/capabilities").await.ok();
    ro.post(
        "/v1/keys/register",
        json!({"provider": "hsm", "label": "x", "algorithm": "aes-256-gcm"}),
    )
    .await
    .err(403, "forbidden");
    server.shutdown().await;
}

/// A token that cannot be reached at start: the server starts, `/readyz`
/// and `tresor_provider_up` report it down (503: it is the default), and
/// its keys fail fast; new keys without a provider are not sent elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_down_at_start_fails_fast() {
    if token_dir(LABEL).is_none() {
        println!("skipped: SoftHSM2 not installed (run scripts/softhsm-setup)");
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let providers = ProvidersConfig {
        pkcs11: vec![hsm_config("hsm-gone", "no-such-token", 4)],
        remote: Vec::new(),
        aws_kms: Vec::new(),
        default_provider: Some(ProviderId::parse("hsm-gone").unwrap()),
    };
    let (server, api) = start(data.path(), providers).await;
    let ready = api.anonymous().get("/readyz").await;
    assert_eq!(ready.status.as_u16(), 503, "{}", ready.text());
    assert_eq!(ready.json()["providers"]["hsm-gone"], "down");
    assert_eq!(ready.json()["providers"]["software"], "up");
    let metrics = api.anonymous().get("/metrics").await.text();
    assert!(
        metrics.contains("tresor_provider_up{provider=\"hsm-gone\"} 0"),
        "{metrics}"
    );
    let p = api.get("/v1/providers/hsm-gone").await.ok();
    assert_eq!(
        (p["health"].as_str(), p["default"].as_bool()),
        (Some("down"), Some(true))
    );
    api.post(
        "/v1/providers/hsm-gone/keys",
        json!({"algorithm": "aes-256-gcm"}),
    )
    .await
    .err(503, "provider_unavailable");
    // The default is down: no silent move to the software provider.
    api.post("/v1/keys", json!({"algorithm": "aes-256-gcm"}))
        .await
        .err(503, "provider_unavailable");
    let k = api
        .post(
            "/v1/keys",
            json!({"algorithm": "aes-256-gcm", "provider": "software"}),
        )
        .await
        .ok();
    assert_eq!(k["provider"], "software");
    server.shutdown().await;
}

/// Creates an AES key in the token with `pkcs11-tool` (another application),
/// then registers it by label; returns its id.
async fn register_existing_token_key(api: &Api) -> String {
    let label = format!("external-{}", std::process::id());
    let made = Command::new("pkcs11-tool")
        .args([
            "--module",
            MODULE,
            "--login",
            "--pin",
            PIN,
            "--token-label",
            LABEL,
        ])
        .args(["--keygen", "--key-type", "AES:32", "--label", &label])
        .output();
    match made {
        Ok(out) if out.status.success() => {}
        other => panic!("pkcs11-tool failed: {other:?}"),
    }
    let k = api
        .post(
            "/v1/keys/register",
            json!({"provider": "hsm", "label": label, "algorithm": "aes-256-gcm"}),
        )
        .await
        .ok();
    assert_eq!(k["origin"], "registered", "{k}");
    assert_eq!(k["provider"], "hsm");
    k["id"].as_str().unwrap().to_owned()
}
