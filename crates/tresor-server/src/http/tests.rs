//! In-process tests of the REST app over a real service: SQLite store in a
//! temp dir, the software provider, `oneshot` requests. The full end-to-end
//! suite (a running server) lives elsewhere.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;
use tresor_core::{ProviderStateStore, SystemClock};
use tresor_crypto::{RootKey, SoftwareProvider};
use tresor_service::{Kms, KmsConfig, OpObserver, ProviderRegistry};
use tresor_store::{SqliteOptions, StoreOptions, Synchronous};

use super::app;
use super::openapi::ROUTES;
use crate::metrics::Metrics;
use crate::state::AppState;

/// An app over a fresh store, and the bootstrap platform-admin token.
pub(super) struct TestApp {
    pub app: Router,
    pub token: String,
    state: AppState,
    _dir: Option<TempDir>,
}

/// Another handle on the same app, calling it with another token.
pub(super) fn with_token(t: &TestApp, token: &str) -> TestApp {
    TestApp {
        app: t.app.clone(),
        token: token.to_owned(),
        state: t.state.clone(),
        _dir: None,
    }
}

/// The state behind a test app (to build other routers over it).
pub(super) fn state_of(t: &TestApp) -> AppState {
    t.state.clone()
}

/// A response, its body parsed as JSON when it is JSON.
pub(super) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    pub json: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
}

pub(super) async fn test_app(max_body_bytes: usize) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/tresor.db", dir.path().display());
    let opts = StoreOptions::default()
        .with_sqlite(SqliteOptions::default().with_synchronous(Synchronous::Normal));
    let store = tresor_store::open(&url, &opts).await.unwrap();
    let root = RootKey::generate().unwrap();
    let state_store: Arc<dyn ProviderStateStore> = store.clone();
    let provider =
        SoftwareProvider::new(SoftwareProvider::default_id(), &root, state_store).unwrap();
    let metrics = Arc::new(Metrics::new());
    let observer: Arc<dyn OpObserver> = metrics.clone();
    let kms = Kms::new(
        store,
        ProviderRegistry::new(Arc::new(provider)),
        Arc::new(SystemClock),
        KmsConfig::default(),
        Some(observer),
    );
    let token = kms.bootstrap(None).await.unwrap().unwrap();
    let state = AppState {
        kms,
        metrics,
        max_body_bytes,
        oidc: Default::default(),
    };
    TestApp {
        app: app(state.clone()),
        token,
        state,
        _dir: Some(dir),
    }
}

impl TestApp {
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            bytes,
            json,
        }
    }

    /// An authenticated JSON request (`body` None: no body).
    pub async fn call(&self, method: Method, uri: &str, body: Option<Value>) -> Reply {
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
        self.send(b.body(body).unwrap()).await
    }

    pub async fn post(&self, uri: &str, body: Value) -> Reply {
        self.call(Method::POST, uri, Some(body)).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.call(Method::GET, uri, None).await
    }

    /// Creates a key and returns its id.
    pub async fn create_key(&self, body: Value) -> String {
        let r = self.post("/v1/keys", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
        r.json["id"].as_str().unwrap().to_owned()
    }
}

pub(super) fn b64(bytes: &[u8]) -> String {
    tresor_api::B64(bytes.to_vec()).encode()
}

#[tokio::test]
async fn probes_need_no_credentials() {
    let t = test_app(1 << 20).await;
    let get = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();
    let r = t.send(get("/healthz")).await;
    assert_eq!(
        (r.status, r.json.clone()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
    let r = t.send(get("/readyz")).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = t.send(get("/v1/openapi.json")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json["openapi"].as_str().unwrap().starts_with("3.1"));
    let r = t.send(get("/v1/docs/")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&r.bytes).contains("swagger"));
}

#[tokio::test]
async fn authentication_is_required() {
    let t = test_app(1 << 20).await;
    let r = t
        .send(Request::get("/v1/keys").body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "unauthenticated");
    assert_eq!(r.headers[header::WWW_AUTHENTICATE], "Bearer");
    let rid = r.headers["x-request-id"].to_str().unwrap();
    assert_eq!(r.json["error"]["request_id"], rid);

    for auth in ["Bearer tresor_wrong", "Basic dXNlcjpwYXNz", "Bearer"] {
        let req = Request::get("/v1/keys")
            .header(header::AUTHORIZATION, auth)
            .body(Body::empty())
            .unwrap();
        let r = t.send(req).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{auth}");
        assert_eq!(r.code(), "unauthenticated");
    }
}

#[tokio::test]
async fn every_listed_route_is_routed() {
    let t = test_app(1 << 20).await;
    for (method, path) in ROUTES {
        let uri = path
            .replace("{key}", "alias:some-key")
            .replace("{n}", "1")
            .replace("{id}", "some-id")
            .replace("{subject_cn}", "some-cn")
            .replace("{name}", "some-user");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let req = Request::builder()
            .method(method.clone())
            .uri(&uri)
            .body(Body::empty())
            .unwrap();
        let r = t.send(req).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri}: {}",
            r.json
        );
    }
}

#[tokio::test]
async fn request_ids_are_echoed_and_headers_set() {
    let t = test_app(1 << 20).await;
    let req = Request::get("/v1/keys/alias:nope")
        .header(header::AUTHORIZATION, format!("Bearer {}", t.token))
        .header("x-request-id", "trace-42_A")
        .body(Body::empty())
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), "key_not_found");
    assert_eq!(r.headers["x-request-id"], "trace-42_A");
    assert_eq!(r.json["error"]["request_id"], "trace-42_A");
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");

    // The audit record carries the same id.
    let audit = t.get("/v1/audit?action=key.get").await;
    assert_eq!(audit.json["records"][0]["request_id"], "trace-42_A");
    assert_eq!(audit.json["records"][0]["error_code"], "key_not_found");

    // An invalid id is replaced by a generated one.
    let req = Request::get("/healthz")
        .header("x-request-id", "bad id with spaces")
        .body(Body::empty())
        .unwrap();
    let r = t.send(req).await;
    let rid = r.headers["x-request-id"].to_str().unwrap();
    assert!(!rid.is_empty() && rid != "bad id with spaces");
}

#[tokio::test]
async fn create_encrypt_decrypt_round_trip() {
    let t = test_app(1 << 20).await;
    let r = t
        .post(
            "/v1/keys",
            json!({"algorithm": "aes-256-gcm", "alias": "app/db", "rotation_period": "90d",
                   "tags": {"env": "test"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json["state"], "active");
    assert_eq!(r.json["rotation_period_seconds"], 90 * 86_400);
    assert_eq!(r.json["versions"][0]["state"], "enabled");

    let ctx = json!({"tenant": "t1"});
    let enc = t
        .post(
            "/v1/keys/alias:app%2Fdb/encrypt",
            json!({"plaintext": b64(b"secret"), "context": ctx}),
        )
        .await;
    assert_eq!(enc.status, StatusCode::OK, "{}", enc.json);
    assert_eq!(enc.json["key_id"], id.as_str());
    let ct = enc.json["ciphertext"].as_str().unwrap().to_owned();

    let dec = t
        .post(
            &format!("/v1/keys/{id}/decrypt"),
            json!({"ciphertext": ct, "context": ctx}),
        )
        .await;
    assert_eq!(dec.status, StatusCode::OK, "{}", dec.json);
    assert_eq!(dec.json["plaintext"], b64(b"secret"));

    let dec = t
        .post("/v1/decrypt", json!({"ciphertext": ct, "context": ctx}))
        .await;
    assert_eq!(dec.json["plaintext"], b64(b"secret"));

    let wrong = t
        .post(
            "/v1/decrypt",
            json!({"ciphertext": ct, "context": {"tenant": "t2"}}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.code(), "crypto_failed");

    let list = t.get("/v1/keys?tag=env:test&algorithm=aes-256-gcm").await;
    assert_eq!(list.json["keys"].as_array().unwrap().len(), 1);
    assert!(list.json["keys"][0].get("versions").is_none());

    let batch = t
        .post(
            &format!("/v1/keys/{id}/decrypt/batch"),
            json!({"items": [{"ciphertext": ct, "context": ctx}, {"ciphertext": ct}]}),
        )
        .await;
    assert_eq!(batch.status, StatusCode::OK, "{}", batch.json);
    assert_eq!(batch.json["results"][0]["plaintext"], b64(b"secret"));
    assert_eq!(batch.json["results"][1]["error"]["code"], "crypto_failed");
}

#[tokio::test]
async fn metrics_count_operations() {
    let t = test_app(1 << 20).await;
    let id = t.create_key(json!({"algorithm": "aes-128-gcm"})).await;
    let r = t
        .post(
            &format!("/v1/keys/{id}/encrypt"),
            json!({"plaintext": b64(b"x")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let m = t
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    assert_eq!(m.status, StatusCode::OK);
    let text = String::from_utf8(m.bytes).unwrap();
    assert!(
        text.contains(r#"tresor_operations_total{action="crypto.encrypt",outcome="success"} 1"#)
    );
    assert!(text.contains(r#"tresor_operations_total{action="key.create",outcome="success"} 1"#));
    assert!(text.contains(
        r#"tresor_http_requests_total{method="POST",route="/v1/keys/{key}/encrypt",status="200"} 1"#
    ));
    assert!(!text.contains(&id), "metrics must not carry key ids");
    assert!(text.contains("tresor_build_info"));
}

#[tokio::test]
async fn client_certificates_authenticate_through_the_service() {
    let t = test_app(1 << 20).await;
    let r = t
        .post(
            "/v1/cert-principals",
            json!({"subject_cn": "billing", "role": "user"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let peer = |cn: Option<&str>| {
        let mut req = Request::get("/v1/keys").body(Body::empty()).unwrap();
        req.extensions_mut().insert(crate::state::PeerIdentity {
            addr: "192.0.2.7:4433".parse().unwrap(),
            client_cert_cn: cn.map(str::to_owned),
            tls: true,
        });
        req
    };
    let r = t.send(peer(Some("billing"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let r = t.send(peer(Some("stranger"))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = t.send(peer(None)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let audit = t.get("/v1/audit?principal=cert:billing").await;
    assert_eq!(audit.json["records"][0]["action"], "key.list");
    assert_eq!(audit.json["records"][0]["source"], "192.0.2.7");
}
