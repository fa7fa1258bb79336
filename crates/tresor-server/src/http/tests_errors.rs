//! Bad input gets a clear 4xx with a stable code, as JSON, and changes
//! nothing; no request may panic the server.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{Method, Request, StatusCode, header};
use axum::routing::get;
use hyper::body::Frame;
use serde_json::json;
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;

use super::tests::{Reply, TestApp, test_app};

async fn raw(t: &TestApp, uri: &str, content_type: Option<&str>, body: impl Into<Body>) -> Reply {
    let mut b = Request::post(uri).header(header::AUTHORIZATION, format!("Bearer {}", t.token));
    if let Some(ct) = content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    t.send(b.body(body.into()).unwrap()).await
}

#[tokio::test]
async fn malformed_bodies_are_invalid_json() {
    let t = test_app(1 << 20).await;
    let id = t.create_key(json!({"algorithm": "aes-256-gcm"})).await;
    let uri = format!("/v1/keys/{id}/encrypt");
    let cases = [
        ("{\"plaintext\": ", "EOF"),
        ("{\"plaintext\": \"not base64!\"}", "plaintext"),
        ("{\"plaintext\": \"eA==\", \"plain\": 1}", "plain"),
        ("{\"plaintext\": 12}", "plaintext"),
        ("[]", "EncryptRequest"),
        ("", "EOF"),
    ];
    for (body, mentions) in cases {
        let r = raw(&t, &uri, Some("application/json"), body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.json);
        assert_eq!(r.code(), "invalid_json", "{body}");
        let msg = r.json["error"]["message"].as_str().unwrap();
        assert!(msg.contains(mentions), "{body}: {msg}");
        assert!(msg.len() <= 210);
        assert!(
            r.json["error"]["request_id"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
    }
}

#[tokio::test]
async fn content_type_must_be_json() {
    let t = test_app(1 << 20).await;
    let body = json!({"algorithm": "aes-256-gcm"}).to_string();
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let r = raw(&t, "/v1/keys", ct, body.clone()).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}");
        assert_eq!(r.code(), "unsupported_media_type");
    }
    let r = raw(
        &t,
        "/v1/keys",
        Some("application/json; charset=utf-8"),
        body,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn oversize_bodies_are_refused_as_json() {
    let t = test_app(1024).await;
    let big = json!({"algorithm": "aes-256-gcm", "description": "x".repeat(4096)}).to_string();
    let r = raw(&t, "/v1/keys", Some("application/json"), big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.code(), "payload_too_large");
    // Streamed without a length.
    let chunked = Chunked(vec![
        Bytes::from(vec![b' '; 800]),
        Bytes::from(vec![b' '; 800]),
    ]);
    let r = raw(&t, "/v1/keys", Some("application/json"), Body::new(chunked)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.code(), "payload_too_large");
    // Nothing was created.
    let list = t.get("/v1/keys").await;
    assert_eq!(list.json["keys"], json!([]));
}

/// A body of unknown length (no `Content-Length`).
struct Chunked(Vec<Bytes>);

impl hyper::body::Body for Chunked {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.pop().map(|b| Ok(Frame::data(b))))
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json() {
    let t = test_app(1 << 20).await;
    let r = t.get("/v1/nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), "not_found");
    assert!(r.headers.contains_key("x-request-id"));
    let r = t.call(Method::DELETE, "/v1/keys", None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.code(), "method_not_allowed");
    assert!(r.headers.contains_key(header::ALLOW));
    let r = t.call(Method::PUT, "/v1/keys/alias:x/encrypt", None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn bad_arguments_have_stable_codes() {
    let t = test_app(1 << 20).await;
    let cases = [
        (
            Method::POST,
            "/v1/keys",
            Some(json!({"algorithm": "aes-512-gcm"})),
            400,
            "unsupported_algorithm",
        ),
        (
            Method::POST,
            "/v1/keys",
            Some(json!({"algorithm": "aes-256-gcm", "rotation_period": "soon"})),
            400,
            "invalid_argument",
        ),
        (
            Method::POST,
            "/v1/keys",
            Some(json!({"algorithm": "aes-256-gcm", "operations": ["fly"]})),
            400,
            "invalid_argument",
        ),
        (
            Method::POST,
            "/v1/keys",
            Some(json!({"algorithm": "aes-256-gcm", "alias": "/bad"})),
            400,
            "invalid_argument",
        ),
        (
            Method::GET,
            "/v1/keys/not-a-key",
            None,
            400,
            "invalid_argument",
        ),
        (
            Method::GET,
            "/v1/keys?limit=many",
            None,
            400,
            "invalid_argument",
        ),
        (
            Method::GET,
            "/v1/keys?state=sleepy",
            None,
            400,
            "invalid_argument",
        ),
        (
            Method::GET,
            "/v1/keys?algorithm=rot13",
            None,
            400,
            "unsupported_algorithm",
        ),
        (
            Method::GET,
            "/v1/keys/0190aaaa-0000-7000-8000-000000000000",
            None,
            404,
            "key_not_found",
        ),
        (
            Method::POST,
            "/v1/keys/alias:k/versions/x/enable",
            None,
            400,
            "invalid_argument",
        ),
        (
            Method::POST,
            "/v1/keys/alias:k/sign",
            Some(json!({})),
            400,
            "invalid_argument",
        ),
        (
            Method::POST,
            "/v1/keys/alias:k/sign",
            Some(json!({"message": "eA==", "digest": "eA=="})),
            400,
            "invalid_argument",
        ),
        (
            Method::POST,
            "/v1/keys/alias:k/revoke",
            Some(json!({"reason": "bored"})),
            400,
            "invalid_argument",
        ),
        (
            Method::POST,
            "/v1/random",
            Some(json!({"bytes": 0})),
            400,
            "invalid_argument",
        ),
        (
            Method::POST,
            "/v1/random",
            Some(json!({"bytes": 5000})),
            400,
            "invalid_argument",
        ),
        (
            Method::GET,
            "/v1/audit?since=yesterday",
            None,
            400,
            "invalid_argument",
        ),
        (
            Method::DELETE,
            "/v1/api-keys/xyz",
            None,
            400,
            "invalid_argument",
        ),
        (
            Method::DELETE,
            "/v1/cert-principals/nobody",
            None,
            404,
            "cert_principal_not_found",
        ),
        (
            Method::POST,
            "/v1/tenants",
            Some(json!({"id": "Not A Slug"})),
            400,
            "invalid_argument",
        ),
        (
            Method::GET,
            "/v1/tenants/nope",
            None,
            404,
            "tenant_not_found",
        ),
    ];
    for (method, uri, body, status, code) in cases {
        let r = t.call(method.clone(), uri, body).await;
        assert_eq!(r.status.as_u16(), status, "{method} {uri}: {}", r.json);
        assert_eq!(r.code(), code, "{method} {uri}");
    }
    // Nothing was created by any of them.
    assert_eq!(t.get("/v1/keys").await.json["keys"], json!([]));
    // Bad input that reached the service is audited there.
    let audit = t.get("/v1/audit?action=crypto.random&outcome=failed").await;
    assert_eq!(audit.json["records"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn tenant_selection_is_checked_by_the_service() {
    let t = test_app(1 << 20).await;
    let req = Request::get("/v1/keys")
        .header(header::AUTHORIZATION, format!("Bearer {}", t.token))
        .header("x-tresor-tenant", "elsewhere")
        .body(Body::empty())
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.code(), "tenant_forbidden");
}

#[tokio::test]
async fn internal_errors_and_panics_are_opaque_json() {
    async fn boom() -> &'static str {
        panic!("secret detail")
    }
    let t = test_app(1 << 20).await;
    let state = super::tests::state_of(&t);
    let app = axum::Router::new()
        .route("/boom", get(boom))
        .layer(CatchPanicLayer::custom(super::ops::panic_response))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            super::ops::request_context,
        ))
        .with_state(state);
    let res = app
        .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let rid = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["code"], "internal");
    assert_eq!(v["error"]["message"], "internal error");
    assert_eq!(v["error"]["request_id"], rid.as_str());
    assert!(!String::from_utf8_lossy(&body).contains("secret"));
}
