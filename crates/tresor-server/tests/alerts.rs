//! Alerts over HTTP on a real server: the scheduler evaluates the rules,
//! `GET /v1/alerts` lists them (deployment-wide ones for platform admins
//! only), `POST /v1/alerts/{id}/ack` acknowledges, a signed webhook is
//! notified, and the per-rule gauge is exported.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::{Api, BOOTSTRAP_TOKEN, config_for};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tresor_server::siem::webhook;

const SECRET: &str = "alert-hook-secret-0123456789";

type Inbox = Arc<Mutex<Vec<Value>>>;

async fn hook(State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let sig = headers
        .get(webhook::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if sig != webhook::signature(SECRET.as_bytes(), &body) {
        return StatusCode::UNAUTHORIZED;
    }
    inbox
        .lock()
        .await
        .push(serde_json::from_slice(&body).unwrap());
    StatusCode::NO_CONTENT
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn alerts_are_raised_listed_acknowledged_and_notified() {
    let inbox: Inbox = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/alerts", post(hook))
        .with_state(inbox.clone());
    let receiver = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("alert.secret");
    std::fs::write(&secret, SECRET).unwrap();
    let mut c = config_for(&dir.path().join("data"), None);
    c.scheduler_interval_seconds = 1;
    c.alerts = serde_json::from_value(json!({
        "auth_failures": 3,
        "webhook_url": format!("http://{addr}/alerts"),
        "webhook_secret_file": secret,
    }))
    .unwrap();
    let server = tresor_server::start(c).await.unwrap();
    let api = Api::unpooled(&server.url(), BOOTSTRAP_TOKEN);
    let reader = api.api_key("readonly").await;
    let admin = api.api_key("admin").await;

    let bad = api.as_token("tresor_wrong-token-000000000000000000000");
    for _ in 0..3 {
        assert_eq!(bad.get("/v1/keys").await.status, StatusCode::UNAUTHORIZED);
    }
    let mut alert = Value::Null;
    for _ in 0..200 {
        let r = api.get("/v1/alerts").await.ok();
        if let Some(a) = r["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["rule"] == "auth_failures")
        {
            alert = a.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(alert["state"], "open", "{alert}");
    assert_eq!(alert["tenant"], Value::Null);
    assert_eq!(alert["severity"], "warning");
    let id = alert["id"].as_str().unwrap().to_owned();

    // Deployment-wide alerts are for platform admins only.
    let r = api.as_token(&reader).get("/v1/alerts").await.ok();
    assert!(
        r["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id.as_str())
    );
    let r = api
        .as_token(&admin)
        .post(&format!("/v1/alerts/{id}/ack"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    for bad in ["state=bogus", "limit=abc", "limit=-1", "colour=red"] {
        let r = api.get(&format!("/v1/alerts?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text());
    }
    let long = "x".repeat(5000);
    let r = api.post(&format!("/v1/alerts/{long}/ack"), json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());

    let acked = api
        .post(&format!("/v1/alerts/{id}/ack"), json!({}))
        .await
        .ok();
    assert_eq!(acked["state"], "acknowledged");
    assert!(acked["acknowledged_by"].as_str().is_some());
    let listed = api.get("/v1/alerts?state=all&limit=10").await.ok();
    assert!(
        listed["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str() && a["state"] == "acknowledged")
    );
    let r = api.post("/v1/alerts/does-not-exist/ack", json!({})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The notification arrived signed; the gauge counts the alert.
    let mut note = Value::Null;
    for _ in 0..100 {
        if let Some(n) = inbox
            .lock()
            .await
            .iter()
            .find(|n| n["alert"]["id"] == id.as_str())
        {
            note = n.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let all = inbox.lock().await.clone();
    assert_eq!(note["event"], "alert.opened", "{all:?}");
    assert_eq!(note["alert"]["rule"], "auth_failures");
    // One notification per alert: no other alert opened in this run.
    assert_eq!(all.len(), 1, "{all:?}");
    let metrics = api.get("/metrics").await.text();
    assert!(
        metrics.contains("tresor_alerts_active{rule=\"auth_failures\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("tresor_alerts_active{rule=\"rotation_overdue\"} 0"));
    // The ack is audited.
    let audit = api.audit().await;
    assert!(audit.iter().any(|r| r["action"] == "alert.ack"));

    server.shutdown().await;
    receiver.abort();
}
