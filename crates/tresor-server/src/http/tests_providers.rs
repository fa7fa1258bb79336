//! The provider registry over REST: listings, capabilities, queries, and
//! keys bound to a provider that is down (fail fast, no fallback).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;
use tresor_core::{ProviderId, ProviderStateStore, SystemClock};
use tresor_crypto::{RootKey, SoftwareProvider};
use tresor_service::{Kms, KmsConfig, ProviderRegistry, UnavailableProvider};
use tresor_store::{SqliteOptions, StoreOptions, Synchronous};

use super::app;
use crate::metrics::Metrics;
use crate::state::AppState;

/// An app whose registry holds `software` (default) and `hsm`, down since
/// start.
struct T {
    app: Router,
    token: String,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: StatusCode,
    json: Value,
}

impl Reply {
    fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
}

impl T {
    async fn call(&self, method: &str, uri: &str, body: Option<Value>) -> Reply {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token));
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let res = self
            .app
            .clone()
            .oneshot(b.body(body).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        Reply {
            status,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }
    async fn get(&self, uri: &str) -> Reply {
        self.call("GET", uri, None).await
    }
    async fn post(&self, uri: &str, body: Value) -> Reply {
        self.call("POST", uri, Some(body)).await
    }
}

async fn with_down_hsm() -> (T, Kms) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/tresor.db", dir.path().display());
    let opts = StoreOptions::default()
        .with_sqlite(SqliteOptions::default().with_synchronous(Synchronous::Normal));
    let store = tresor_store::open(&url, &opts).await.unwrap();
    let root = RootKey::generate().unwrap();
    let state_store: Arc<dyn ProviderStateStore> = store.clone();
    let sw = SoftwareProvider::new(SoftwareProvider::default_id(), &root, state_store).unwrap();
    let mut registry = ProviderRegistry::new(Arc::new(sw));
    registry.register(Arc::new(UnavailableProvider::new(
        ProviderId::parse("hsm").unwrap(),
        "pkcs11",
        true,
        "token not found",
    )));
    let kms = Kms::new(
        store,
        registry,
        Arc::new(SystemClock),
        KmsConfig::default(),
        None,
    );
    let token = kms.bootstrap(None).await.unwrap().unwrap();
    let state = AppState {
        kms: kms.clone(),
        metrics: Arc::new(Metrics::new()),
        max_body_bytes: 1 << 20,
        oidc: Default::default(),
    };
    (
        T {
            app: app(state),
            token,
            _dir: dir,
        },
        kms,
    )
}

#[tokio::test]
async fn listing_capabilities_and_queries() {
    let (t, _) = with_down_hsm().await;
    let r = t.get("/v1/providers").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let list = r.json["providers"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], "hsm");
    assert_eq!(list[0]["health"], "down");
    assert_eq!(list[0]["hardware_backed"], true);
    assert_eq!(list[1]["id"], "software");
    assert_eq!(list[1]["health"], "up");
    assert_eq!(list[1]["default"], true);
    assert!(!r.json.to_string().to_lowercase().contains("pin"));

    let r = t.get("/v1/providers/software").await;
    assert_eq!(
        (r.status, r.json["kind"].as_str()),
        (StatusCode::OK, Some("software"))
    );
    let r = t.get("/v1/providers/nope").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "provider_not_found")
    );

    let r = t.get("/v1/providers/software/capabilities").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["extractable"], true);
    assert_eq!(r.json["fips"], false);
    let ops = r.json["algorithms"]["aes-256-gcm"].as_array().unwrap();
    assert!(ops.contains(&json!("encrypt")));
    assert!(r.json["algorithms"]["ml-dsa-65"].is_array());

    let r = t.get("/v1/capabilities").await;
    assert_eq!(r.json["providers"].as_array().unwrap().len(), 2);

    let q = json!({"algorithm": "ec-p256", "operations": ["sign", "verify"]});
    let r = t.post("/v1/providers/query", q.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let ids: Vec<_> = r.json["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!("software")]);
    let r = t.post("/v1/providers/query/best", q).await;
    assert_eq!(
        (r.status, r.json["id"].as_str()),
        (StatusCode::OK, Some("software"))
    );
    let r = t
        .post(
            "/v1/providers/query",
            json!({"algorithm": "aes-256-gcm", "operations": ["sign"]}),
        )
        .await;
    assert_eq!(r.json["providers"], json!([]));
    let r = t
        .post(
            "/v1/providers/query/best",
            json!({"algorithm": "aes-256-gcm", "operations": ["sign"]}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "unsupported_algorithm")
    );
    let r = t
        .post("/v1/providers/query", json!({"algorithm": "nope"}))
        .await;
    assert_eq!(r.code(), "unsupported_algorithm");
    let r = t
        .post(
            "/v1/providers/query",
            json!({"algorithm": "aes-256-gcm", "x": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn keys_on_a_provider_that_is_down_fail_fast() {
    let (t, _) = with_down_hsm().await;
    let body = json!({"algorithm": "aes-256-gcm"});
    let r = t.post("/v1/providers/hsm/keys", body.clone()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::SERVICE_UNAVAILABLE, "provider_unavailable")
    );
    let r = t
        .post(
            "/v1/keys",
            json!({"algorithm": "aes-256-gcm", "provider": "hsm"}),
        )
        .await;
    assert_eq!(r.code(), "provider_unavailable");
    // The path wins only when the body agrees.
    let r = t
        .post(
            "/v1/providers/software/keys",
            json!({"algorithm": "aes-256-gcm", "provider": "hsm"}),
        )
        .await;
    assert_eq!(r.code(), "invalid_argument");
    let r = t.post("/v1/providers/software/keys", body).await;
    assert_eq!(
        (r.status, r.json["provider"].as_str()),
        (StatusCode::CREATED, Some("software"))
    );
    let r = t
        .post(
            "/v1/providers/hsm/keys/import",
            json!({"algorithm": "aes-256-gcm", "material": tresor_api::B64(vec![7u8; 32]).encode()}),
        )
        .await;
    assert_eq!(r.code(), "provider_unavailable");
    // Registering needs a provider that supports it.
    let r = t
        .post(
            "/v1/keys/register",
            json!({"provider": "software", "label": "x", "algorithm": "aes-256-gcm"}),
        )
        .await;
    assert_eq!(r.code(), "invalid_argument", "{}", r.json);
    let r = t
        .post(
            "/v1/keys/register",
            json!({"provider": "hsm", "label": "x", "algorithm": "aes-256-gcm"}),
        )
        .await;
    assert_eq!(r.code(), "provider_unavailable");
}
