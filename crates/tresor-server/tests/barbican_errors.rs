//! The Barbican API's answers to bad requests, without a third-party
//! client: each gets Barbican's error body (`code`, `title`,
//! `description`) and the status Barbican uses, and changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Env;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Barbican {
    client: reqwest::Client,
    base: String,
    token: String,
    project: String,
}

impl Barbican {
    async fn new(env: &Env) -> Self {
        let (project, api) = env.tenant("barb").await;
        let token = api.in_tenant(&project).api_key("user").await;
        Self {
            client: reqwest::Client::new(),
            base: format!("{}/barbican", env.url),
            token,
            project,
        }
    }

    fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header("X-Auth-Token", &self.token)
            .header("X-Project-Id", &self.project)
    }

    async fn send(&self, rb: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let r = rb.send().await.unwrap();
        let status = r.status();
        let body = r.bytes().await.unwrap();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: &str) -> (StatusCode, Value) {
        let rb = self
            .req(Method::POST, path)
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        self.send(rb).await
    }

    async fn count(&self) -> u64 {
        let (s, v) = self.send(self.req(Method::GET, "/v1/secrets")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v["total"].as_u64().unwrap()
    }
}

/// Barbican's error body with `status`; its description contains `text`.
fn barbican_error(got: &(StatusCode, Value), status: u16, text: &str) {
    let (s, v) = got;
    assert_eq!(s.as_u16(), status, "{v}");
    assert_eq!(v["code"], status, "{v}");
    assert!(v["title"].is_string(), "{v}");
    let d = v["description"].as_str().unwrap_or_default();
    assert!(d.contains(text), "{d:?} lacks {text:?}");
}

#[tokio::test]
async fn the_version_document_needs_no_token() {
    let env = Env::shared();
    let r = reqwest::get(format!("{}/barbican", env.url)).await.unwrap();
    assert_eq!(r.status(), StatusCode::MULTIPLE_CHOICES);
    let v: Value = r.json().await.unwrap();
    let v1 = &v["versions"]["values"][0];
    assert_eq!(
        (v1["id"].as_str(), v1["max_version"].as_str()),
        (Some("v1"), Some("1.2"))
    );
    let r = reqwest::get(format!("{}/barbican/v1/", env.url))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn bad_requests_get_barbican_errors_and_change_nothing() {
    let env = Env::shared();
    let b = Barbican::new(&env).await;
    assert_eq!(b.count().await, 0);

    // Authentication and project selection.
    let anon = b.client.get(format!("{}/v1/secrets", b.base));
    barbican_error(&b.send(anon).await, 401, "X-Auth-Token");
    let bad_token = b
        .client
        .get(format!("{}/v1/secrets", b.base))
        .header("X-Auth-Token", "nope");
    barbican_error(&b.send(bad_token).await, 401, "authentication");
    let (other, _) = env.tenant("barb-other").await;
    let wrong = b
        .client
        .get(format!("{}/v1/secrets", b.base))
        .header("X-Auth-Token", &b.token)
        .header("X-Project-Id", &other);
    let (s, _) = b.send(wrong).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Microversions.
    let v = b
        .req(Method::GET, "/v1/secrets")
        .header("OpenStack-API-Version", "key-manager 1.9");
    barbican_error(&b.send(v).await, 406, "microversion");
    let consumers = b.req(Method::GET, &format!("/v1/secrets/{}/consumers", uuid()));
    barbican_error(&b.send(consumers).await, 404, "1.1");

    // Bodies.
    barbican_error(
        &b.post("/v1/secrets", "{not json").await,
        400,
        "invalid JSON",
    );
    barbican_error(
        &b.post("/v1/secrets", r#"{"payload":"x"}"#).await,
        400,
        "payload_content_type",
    );
    let bad_b64 = json!({"payload": "***", "payload_content_type": "application/octet-stream",
                         "payload_content_encoding": "base64"});
    barbican_error(
        &b.post("/v1/secrets", &bad_b64.to_string()).await,
        400,
        "base64",
    );
    let no_enc = json!({"payload": "AAAA", "payload_content_type": "application/octet-stream"});
    barbican_error(
        &b.post("/v1/secrets", &no_enc.to_string()).await,
        400,
        "base64",
    );
    let bad_type = json!({"payload": "x", "payload_content_type": "image/png"});
    barbican_error(
        &b.post("/v1/secrets", &bad_type.to_string()).await,
        400,
        "payload_content_type",
    );
    let bad_kind =
        json!({"payload": "x", "payload_content_type": "text/plain", "secret_type": "nope"});
    barbican_error(
        &b.post("/v1/secrets", &bad_kind.to_string()).await,
        400,
        "secret_type",
    );
    let past = json!({"payload": "x", "payload_content_type": "text/plain",
                      "expiration": "2001-01-01T00:00:00"});
    barbican_error(
        &b.post("/v1/secrets", &past.to_string()).await,
        400,
        "expiration",
    );
    let big = json!({"payload": "x".repeat(70_000), "payload_content_type": "text/plain"});
    let (s, _) = b.post("/v1/secrets", &big.to_string()).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    let unknown = json!({"payload": "x", "payload_content_type": "text/plain", "colour": "red"});
    barbican_error(
        &b.post("/v1/secrets", &unknown.to_string()).await,
        400,
        "colour",
    );

    // Listing parameters.
    for q in [
        "limit=0",
        "limit=101",
        "sort=colour",
        "sort=name:sideways",
        "created=gt:never",
        "bits=x",
    ] {
        let r = b.req(Method::GET, &format!("/v1/secrets?{q}"));
        barbican_error(&b.send(r).await, 400, "");
    }

    // Unknown or malformed ids.
    let r = b.req(Method::GET, "/v1/secrets/not-a-uuid");
    barbican_error(&b.send(r).await, 404, "Secret not found");
    let r = b.req(Method::GET, &format!("/v1/secrets/{}", uuid()));
    barbican_error(&b.send(r).await, 404, "not found");

    // Containers and orders.
    let bad_rsa =
        json!({"type": "rsa", "secret_refs": [{"name": "public_key", "secret_ref": uuid()}]});
    barbican_error(
        &b.post("/v1/containers", &bad_rsa.to_string()).await,
        400,
        "private_key",
    );
    let missing = json!({"type": "generic", "secret_refs": [{"name": "a", "secret_ref": uuid()}]});
    barbican_error(
        &b.post("/v1/containers", &missing.to_string()).await,
        400,
        "does not exist",
    );
    let bad_order = json!({"type": "key", "meta": {"algorithm": "aes", "bit_length": 100}});
    barbican_error(
        &b.post("/v1/orders", &bad_order.to_string()).await,
        400,
        "bit_length",
    );
    let bad_pair = json!({"type": "asymmetric", "meta": {"algorithm": "dsa", "bit_length": 2048}});
    barbican_error(
        &b.post("/v1/orders", &bad_pair.to_string()).await,
        400,
        "algorithm",
    );
    let passphrase = json!({"type": "asymmetric",
                            "meta": {"algorithm": "rsa", "bit_length": 2048, "pass_phrase": "x"}});
    barbican_error(
        &b.post("/v1/orders", &passphrase.to_string()).await,
        400,
        "pass_phrase",
    );

    // Keystone shim: only the token method, only valid keys.
    let pw = json!({"auth": {"identity": {"methods": ["password"], "password": {}}}});
    let r = b
        .client
        .post(format!("{}/identity/v3/auth/tokens", b.base))
        .json(&pw);
    barbican_error(&b.send(r).await, 401, "token method");
    let bad = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": "nope"}}}});
    let r = b
        .client
        .post(format!("{}/identity/v3/auth/tokens", b.base))
        .json(&bad);
    barbican_error(&b.send(r).await, 401, "authentication");

    assert_eq!(b.count().await, 0, "a refused request stored something");
    let (s, v) = b.send(b.req(Method::GET, "/v1/containers")).await;
    assert_eq!((s, v["total"].as_u64()), (StatusCode::OK, Some(0)));
    let (s, v) = b.send(b.req(Method::GET, "/v1/orders")).await;
    assert_eq!((s, v["total"].as_u64()), (StatusCode::OK, Some(0)));
}

#[tokio::test]
async fn payloads_negotiate_content_types() {
    let env = Env::shared();
    let b = Barbican::new(&env).await;
    let body = json!({"payload": "AAEC/w==", "payload_content_type": "application/octet-stream",
                      "payload_content_encoding": "base64"});
    let (s, v) = b.post("/v1/secrets/", &body.to_string()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["secret_ref"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let get = |accept: &'static str| {
        b.req(Method::GET, &format!("/v1/secrets/{id}/payload"))
            .header("Accept", accept)
    };
    let r = get("application/octet-stream").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &[0, 1, 2, 255]);
    // Not UTF-8: no text form.
    barbican_error(
        &b.send(get("text/plain")).await,
        406,
        "application/octet-stream",
    );
    barbican_error(&b.send(get("image/png")).await, 406, "stored as");

    // Two-step: a payload can be added once, with a valid type.
    let (s, v) = b.post("/v1/secrets", r#"{"name": "later"}"#).await;
    assert_eq!(s, StatusCode::CREATED);
    let later = v["secret_ref"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let put = |ct: &'static str, body: &'static [u8]| {
        b.req(Method::PUT, &format!("/v1/secrets/{later}"))
            .header("Content-Type", ct)
            .body(body)
    };
    let (s, _) = b.send(put("image/png", b"x")).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (s, _) = b.send(put("text/plain", b"\xff\xfe")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = b.send(put("text/plain", b"hello")).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    barbican_error(
        &b.send(put("text/plain", b"again")).await,
        409,
        "already exists",
    );
    let r = b
        .req(Method::GET, &format!("/v1/secrets/{later}/payload"))
        .header("Accept", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "hello");
}

fn uuid() -> String {
    "0190d2a4-5e3c-7b7a-8f00-0123456789ab".to_owned()
}
