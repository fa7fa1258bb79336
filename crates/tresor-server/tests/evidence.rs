//! Audit evidence over HTTP: signed checkpoints (made, listed, verified
//! with `openssl pkeyutl` against the published audit key), the JSONL
//! export verified offline, who may do what, and self-tests on demand with
//! their metric.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Api, Owned};
use reqwest::Method;
use serde_json::{Value, json};
use tresor_service::export_verify::{parse_public_keys, verify_export_file};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The signed message, built from the wire fields exactly as docs/audit.md
/// describes it.
fn canonical(cp: &Value) -> Vec<u8> {
    let mut m = b"tresor-checkpoint-v1".to_vec();
    m.extend_from_slice(&cp["seq"].as_u64().unwrap().to_be_bytes());
    m.extend_from_slice(&unhex(cp["hash"].as_str().unwrap()));
    let t = common::ts(&cp["time"]);
    let micros = i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap();
    m.extend_from_slice(&micros.to_be_bytes());
    match cp["tenant"].as_str() {
        None => m.push(0),
        Some(t) => {
            m.push(1);
            m.extend_from_slice(&u32::try_from(t.len()).unwrap().to_be_bytes());
            m.extend_from_slice(t.as_bytes());
        }
    }
    m
}

fn openssl_verifies(dir: &std::path::Path, pem: &str, data: &[u8], sig: &[u8]) -> Option<bool> {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("SKIPPED openssl check: the `openssl` CLI is not installed");
        return None;
    }
    let (k, d, s) = (dir.join("audit.pem"), dir.join("data"), dir.join("sig"));
    std::fs::write(&k, pem).unwrap();
    std::fs::write(&d, data).unwrap();
    std::fs::write(&s, sig).unwrap();
    let out = Command::new("openssl")
        .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
        .arg(&k)
        .args(["-rawin", "-in"])
        .arg(&d)
        .arg("-sigfile")
        .arg(&s)
        .output()
        .unwrap();
    Some(out.status.success())
}

async fn some_activity(root: &Api) {
    let id = root.create_key("aes-256-gcm").await;
    root.encrypt(&id, b"x").await;
    root.create_key("ed25519").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_are_signed_published_and_verify_with_openssl() {
    let dir = tempfile::Builder::new()
        .prefix("tresor-e2e-evidence-")
        .tempdir()
        .unwrap();
    let server = Owned::start(dir.path(), None).await;
    let root = server.root();
    some_activity(&root).await;

    let r = root.post("/v1/audit/checkpoints", json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let cp = r.json();
    assert_eq!(cp["tenant"], "default");
    assert_eq!(cp["algorithm"], "ed25519");
    let g = root
        .post("/v1/audit/checkpoints", json!({"global": true}))
        .await
        .ok();
    assert!(g["tenant"].is_null(), "{g}");
    assert!(g["seq"].as_u64() > cp["seq"].as_u64());

    let ro = root.as_token(&root.api_key("readonly").await);
    let listed = ro.get("/v1/audit/checkpoints").await.ok();
    let cps = listed["checkpoints"].as_array().unwrap();
    assert_eq!(cps.len(), 2, "{listed}");
    assert_eq!(cps[0], cp);
    let page = ro.get("/v1/audit/checkpoints?limit=1").await.ok();
    assert_eq!(page["next_cursor"], cp["seq"].as_u64().unwrap().to_string());
    let after = format!("/v1/audit/checkpoints?after={}", cp["seq"]);
    assert_eq!(ro.get(&after).await.ok()["checkpoints"][0], g);

    let keys = ro.get("/v1/audit/keys").await.ok();
    let keys = keys["keys"].as_array().unwrap().clone();
    assert_eq!(keys.len(), 2, "{keys:?}");
    for c in [&cp, &g] {
        let key = keys
            .iter()
            .find(|k| k["key_id"] == c["key_id"])
            .expect("the signing key is published");
        assert_eq!(key["tenant"], c["tenant"]);
        let pem = key["public_key_pem"].as_str().unwrap();
        let sig = STANDARD.decode(c["signature"].as_str().unwrap()).unwrap();
        let data = canonical(c);
        // Checked here with aws-lc, and by openssl when it is installed.
        let spki = parse_public_keys(pem).unwrap().remove(0);
        assert!(tresor_core::checkpoint::verify_signature(
            tresor_core::Algorithm::Ed25519,
            &spki,
            &data,
            &sig
        ));
        if let Some(ok) = openssl_verifies(dir.path(), pem, &data, &sig) {
            assert!(ok, "openssl rejected the checkpoint signature");
            let mut other = data.clone();
            other[30] ^= 1;
            assert_eq!(openssl_verifies(dir.path(), pem, &other, &sig), Some(false));
        }
    }

    // Roles: readonly may not make one; a tenant admin may not make a
    // global one; only platform admins export.
    let r = ro.post("/v1/audit/checkpoints", json!({})).await;
    r.err(403, "forbidden");
    let admin = root.as_token(&root.api_key("admin").await);
    admin
        .post("/v1/audit/checkpoints", json!({"global": true}))
        .await
        .err(403, "forbidden");
    admin.get("/v1/audit/export").await.err(403, "forbidden");
    root.post("/v1/audit/checkpoints", json!({"global": "yes"}))
        .await
        .err(400, "invalid_json");

    let v = root.post("/v1/audit/verify", json!({})).await.ok();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["checkpoints"], 2, "{v}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_streams_jsonl_that_verifies_offline() {
    let dir = tempfile::Builder::new()
        .prefix("tresor-e2e-export-")
        .tempdir()
        .unwrap();
    let server = Owned::start(dir.path(), None).await;
    let root = server.root();
    some_activity(&root).await;
    root.post("/v1/audit/checkpoints", json!({"global": true}))
        .await
        .ok();
    some_activity(&root).await;
    root.post("/v1/audit/checkpoints", json!({})).await.ok();

    let r = root.call(Method::GET, "/v1/audit/export", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.headers["content-type"], "application/x-ndjson");
    let text = r.text();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    let records = kinds.iter().filter(|k| **k == "record").count();
    assert!(records > 10, "{kinds:?}");
    assert!(kinds[..records].iter().all(|k| *k == "record"));
    assert_eq!(
        &kinds[records..],
        ["checkpoint", "checkpoint", "key", "key"]
    );
    assert_eq!(lines[0]["seq"], 1);

    let keys: String = lines[records + 2..]
        .iter()
        .map(|k| k["public_key_pem"].as_str().unwrap().to_owned())
        .collect();
    let trusted = parse_public_keys(&keys).unwrap();
    let file = dir.path().join("audit.jsonl");
    std::fs::write(&file, &text).unwrap();
    let report = verify_export_file(&file, &trusted).unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.records, records as u64);
    assert_eq!(report.checkpoints, 2);

    // A partial export.
    let since = lines[5]["time"].as_str().unwrap();
    let part = root
        .get(&format!(
            "/v1/audit/export?since={}",
            since.replace('+', "%2B")
        ))
        .await;
    assert_eq!(part.status, 200);
    let first: Value = serde_json::from_str(part.text().lines().next().unwrap()).unwrap();
    assert!(first["seq"].as_u64().unwrap() <= 6, "{first}");
    root.get("/v1/audit/export?since=yesterday")
        .await
        .err(400, "invalid_argument");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_tests_run_on_demand_with_a_metric() {
    let dir = tempfile::Builder::new()
        .prefix("tresor-e2e-selftest-")
        .tempdir()
        .unwrap();
    let server = Owned::start(dir.path(), None).await;
    let root = server.root();
    let ro = root.as_token(&root.api_key("readonly").await);
    let r = ro.get("/v1/self-test").await.ok();
    assert_eq!(r["ok"], true, "{r}");
    let results = r["results"].as_array().unwrap();
    assert!(results.len() > 20, "{r}");
    assert!(
        results
            .iter()
            .any(|t| t["name"] == "provider/software/kat/ml-dsa-65"
                || t["name"] == "provider/software/pct/ml-dsa-65")
    );
    let metrics = root.get("/metrics").await.text();
    assert!(
        metrics.contains("tresor_self_test_ok{test=\"provider/software/kat/aes-256-gcm\"} 1"),
        "{metrics}"
    );
    let recs = root.audit_all().await;
    assert!(recs.iter().any(|a| a["action"] == "self_test.run"));
    server.stop().await;
}
