//! The HTTP client of the tests: one server, one credential, optionally a
//! tenant and a request id; raw calls plus domain helpers.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::{Resp, b64, unb64, unique};

/// An HTTP client bound to one server, credential and (optionally) tenant.
#[derive(Debug, Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
    pub tenant: Option<String>,
    pub request_id: Option<String>,
}

impl Api {
    /// A client for `base` with `token`.
    pub fn new(base: &str, token: &str) -> Self {
        Self::with_client(base, token, reqwest::Client::builder())
    }

    /// A client that opens a fresh connection per request and keeps none
    /// idle. Used against servers a test stops: an idle pooled connection
    /// that never sent a byte delays shutdown by the whole grace period
    /// (finding #2 in the report).
    pub fn unpooled(base: &str, token: &str) -> Self {
        Self::with_client(
            base,
            token,
            reqwest::Client::builder().pool_max_idle_per_host(0),
        )
    }

    fn with_client(base: &str, token: &str, builder: reqwest::ClientBuilder) -> Self {
        let client = builder.timeout(Duration::from_secs(60)).build().unwrap();
        Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            token: Some(token.to_owned()),
            tenant: None,
            request_id: None,
        }
    }

    /// The same server with another credential (same tenant selection: none).
    pub fn as_token(&self, token: &str) -> Self {
        Self {
            token: Some(token.to_owned()),
            tenant: None,
            ..self.clone()
        }
    }

    /// The same server without credentials.
    pub fn anonymous(&self) -> Self {
        Self {
            token: None,
            tenant: None,
            ..self.clone()
        }
    }

    /// Selects a tenant with `X-Tresor-Tenant`.
    pub fn in_tenant(&self, tenant: &str) -> Self {
        Self {
            tenant: Some(tenant.to_owned()),
            ..self.clone()
        }
    }

    /// Sends `X-Request-Id` on every request.
    pub fn with_request_id(&self, id: &str) -> Self {
        Self {
            request_id: Some(id.to_owned()),
            ..self.clone()
        }
    }

    fn builder(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            rb = rb.bearer_auth(t);
        }
        if let Some(t) = &self.tenant {
            rb = rb.header("X-Tresor-Tenant", t);
        }
        if let Some(r) = &self.request_id {
            rb = rb.header("X-Request-Id", r);
        }
        rb
    }

    async fn run(rb: reqwest::RequestBuilder) -> Resp {
        let r = rb.send().await.expect("HTTP request failed");
        let status = r.status();
        let headers = r.headers().clone();
        let bytes = r.bytes().await.expect("reading body").to_vec();
        Resp {
            status,
            headers,
            bytes,
        }
    }

    /// Any method, optional JSON body.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Resp {
        let mut rb = self.builder(method, path);
        if let Some(b) = body {
            rb = rb.json(b);
        }
        Self::run(rb).await
    }

    /// A raw body with a content type.
    pub async fn raw(&self, method: Method, path: &str, body: Vec<u8>, ctype: &str) -> Resp {
        let rb = self
            .builder(method, path)
            .header("content-type", ctype)
            .body(body);
        Self::run(rb).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path, Some(&body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.call(Method::DELETE, path, None).await
    }

    // ---- domain helpers -------------------------------------------------

    /// Creates a key from a full request body; returns the key JSON.
    pub async fn create_key_with(&self, body: Value) -> Value {
        self.post("/v1/keys", body).await.ok()
    }

    /// Creates a key of `alg` with defaults; returns its id.
    pub async fn create_key(&self, alg: &str) -> String {
        let k = self.create_key_with(json!({ "algorithm": alg })).await;
        assert_eq!(k["algorithm"], alg, "{k}");
        assert_eq!(k["state"], "active", "{k}");
        k["id"].as_str().unwrap().to_owned()
    }

    /// The key's JSON (with versions).
    pub async fn key(&self, key: &str) -> Value {
        self.get(&format!("/v1/keys/{key}")).await.ok()
    }

    /// `POST /v1/keys/{key}/{op}` with a JSON body.
    pub async fn op(&self, key: &str, op: &str, body: Value) -> Resp {
        self.post(&format!("/v1/keys/{key}/{op}"), body).await
    }

    /// Encrypts; returns the ciphertext bytes.
    pub async fn encrypt(&self, key: &str, pt: &[u8]) -> Vec<u8> {
        let r = self
            .op(key, "encrypt", json!({ "plaintext": b64(pt) }))
            .await
            .ok();
        unb64(&r["ciphertext"])
    }

    /// Decrypts with the named key; returns the plaintext bytes.
    pub async fn decrypt(&self, key: &str, ct: &[u8]) -> Vec<u8> {
        let r = self
            .op(key, "decrypt", json!({ "ciphertext": b64(ct) }))
            .await
            .ok();
        unb64(&r["plaintext"])
    }

    /// Signs a message with the key's default scheme; returns the signature.
    pub async fn sign(&self, key: &str, msg: &[u8]) -> Vec<u8> {
        let r = self
            .op(key, "sign", json!({ "message": b64(msg) }))
            .await
            .ok();
        unb64(&r["signature"])
    }

    /// Verifies a message signature; returns `valid`.
    pub async fn verify(&self, key: &str, msg: &[u8], sig: &[u8]) -> bool {
        let r = self
            .op(
                key,
                "verify",
                json!({ "message": b64(msg), "signature": b64(sig) }),
            )
            .await
            .ok();
        r["valid"].as_bool().unwrap()
    }

    /// The DER public key of the primary version.
    pub async fn public_der(&self, key: &str) -> Vec<u8> {
        let r = self.get(&format!("/v1/keys/{key}/public?format=der")).await;
        assert!(r.status.is_success(), "{}: {}", r.status, r.text());
        public_bytes(&r, "der")
    }

    /// The PEM public key of the primary version.
    pub async fn public_pem(&self, key: &str) -> String {
        let r = self.get(&format!("/v1/keys/{key}/public?format=pem")).await;
        assert!(r.status.is_success(), "{}: {}", r.status, r.text());
        String::from_utf8(public_bytes(&r, "pem")).unwrap()
    }

    /// Creates an API key in the selected tenant; returns its token.
    pub async fn api_key(&self, role: &str) -> String {
        let r = self
            .post(
                "/v1/api-keys",
                json!({ "name": unique(role), "role": role }),
            )
            .await
            .ok();
        assert_eq!(r["api_key"]["role"], role, "{r}");
        r["token"].as_str().unwrap().to_owned()
    }

    /// The newest audit records of the caller's tenant (up to 1000), newest first.
    pub async fn audit(&self) -> Vec<Value> {
        let r = self.get("/v1/audit?limit=1000").await.ok();
        r["records"].as_array().unwrap().clone()
    }

    /// Every audit record of the caller's tenant, newest first (pages with
    /// `before`).
    pub async fn audit_all(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut before: Option<String> = None;
        loop {
            let q = match &before {
                Some(b) => format!("/v1/audit?limit=1000&before={b}"),
                None => "/v1/audit?limit=1000".to_owned(),
            };
            let page = self.get(&q).await.ok();
            out.extend(page["records"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => before = Some(c.to_owned()),
                None => return out,
            }
        }
    }

    /// Audit records carrying `request_id`.
    pub async fn audit_for(&self, request_id: &str) -> Vec<Value> {
        self.audit()
            .await
            .into_iter()
            .filter(|r| r["request_id"] == request_id)
            .collect()
    }
}

/// The public key bytes of a `/public` response, whatever its encoding:
/// a raw body (`application/x-pem-file`, `application/octet-stream`), or a
/// JSON object holding it.
#[track_caller]
pub fn public_bytes(r: &Resp, format: &str) -> Vec<u8> {
    let ctype = r
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !ctype.starts_with("application/json") {
        return r.bytes.clone();
    }
    let v = r.json();
    match format {
        "der" => {
            for f in ["der", "public_key", "public_key_der"] {
                if v[f].is_string() {
                    return unb64(&v[f]);
                }
            }
            panic!("no DER in {v}")
        }
        _ => {
            for f in ["pem", "public_key", "public_key_pem"] {
                if let Some(s) = v[f].as_str() {
                    return s.as_bytes().to_vec();
                }
            }
            panic!("no PEM in {v}")
        }
    }
}
