//! Shared harness for the end-to-end tests: starts the real server on
//! 127.0.0.1:0 with a temp data dir, and talks HTTP to it with reqwest.
//!
//! Two ways to get a server:
//! - [`shared`]: one server per test binary, running on its own thread and
//!   runtime so it outlives every `#[tokio::test]` runtime. Tests isolate
//!   themselves with a fresh tenant each ([`Env::tenant`]).
//! - [`Owned::start`]: a server owned by one test, for restart scenarios.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
pub mod approvals;
pub mod cluster;
pub mod db;
pub mod moto;
pub mod pki;
pub mod redis;
mod server;
pub mod softhsm;
pub mod test_ca;

use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[allow(unused_imports)]
pub use api::{Api, public_bytes};
#[allow(unused_imports)]
pub use server::{Owned, config_for, shared};

/// A fixed platform-admin bootstrap token, so restarts can reuse it.
pub const BOOTSTRAP_TOKEN: &str = "tresor_e2e-bootstrap-token-0123456789abcdefghijklmnop";

/// Standard base64.
pub fn b64(b: &[u8]) -> String {
    STANDARD.encode(b)
}

/// Decodes a JSON string holding standard base64.
#[track_caller]
pub fn unb64(v: &Value) -> Vec<u8> {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("expected a base64 string, got {v}"));
    STANDARD
        .decode(s)
        .unwrap_or_else(|e| panic!("bad base64 {s:?}: {e}"))
}

/// Decodes base64url without padding (JWK fields).
#[track_caller]
pub fn unb64url(v: &Value) -> Vec<u8> {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("expected a base64url string, got {v}"));
    URL_SAFE_NO_PAD.decode(s).unwrap()
}

/// Lowercase hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A process-unique suffix for tenant ids, aliases and names.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{n}-{:x}", t % 0xfffff)
}

/// A finished HTTP exchange.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    /// The body as JSON (panics when it is not).
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.bytes)
            )
        })
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Asserts a 2xx status and returns the JSON body (`null` when empty).
    #[track_caller]
    pub fn ok(&self) -> Value {
        assert!(
            self.status.is_success(),
            "expected success, got {}: {}",
            self.status,
            self.text()
        );
        if self.bytes.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// Asserts the error status and stable code; returns the error object.
    #[track_caller]
    pub fn err(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status} {code}, got {}: {}",
            self.status,
            self.text()
        );
        let body = self.json();
        let e = &body["error"];
        assert_eq!(e["code"], code, "wrong error code: {body}");
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        assert!(
            e["request_id"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        e.clone()
    }

    /// The error code, if the body is an error body.
    pub fn code(&self) -> Option<String> {
        serde_json::from_slice::<Value>(&self.bytes)
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
    }
}

/// A server plus its platform-admin client.
#[derive(Debug, Clone)]
pub struct Env {
    pub url: String,
    /// Platform admin (tenant `default`).
    pub root: Api,
}

impl Env {
    /// The file's shared server.
    pub fn shared() -> Self {
        let s = shared();
        Self {
            url: s.url.clone(),
            root: Api::new(&s.url, &s.token),
        }
    }

    /// Creates a tenant (as platform admin).
    pub async fn create_tenant(&self, id: &str) {
        let r = self
            .root
            .post("/v1/tenants", json!({ "id": id }))
            .await
            .ok();
        assert_eq!(r["id"], id);
    }

    /// A fresh tenant and a client holding an admin API key of it.
    pub async fn tenant(&self, prefix: &str) -> (String, Api) {
        let id = unique(prefix);
        self.create_tenant(&id).await;
        let token = self.root.in_tenant(&id).api_key("admin").await;
        (id, Api::new(&self.url, &token))
    }
}

/// Flips one bit of `b` at `i`.
pub fn flip(b: &[u8], i: usize) -> Vec<u8> {
    let mut v = b.to_vec();
    v[i] ^= 0x01;
    v
}

/// Opens a Tresor AEAD envelope (docs/ciphertext.md) outside Tresor with the
/// raw key bytes: proves which material a key really holds. `aad` is the
/// caller's AAD; no encryption context.
#[track_caller]
pub fn open_envelope_locally(
    alg: &'static aws_lc_rs::aead::Algorithm,
    key: &[u8],
    envelope: &[u8],
    aad: &[u8],
) -> Option<Vec<u8>> {
    use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey};
    assert_eq!(envelope[0], 1, "format byte");
    let n = usize::from(envelope[22]);
    let mut ad = envelope[..22].to_vec();
    ad.push(0); // the header as it was before the nonce was known
    ad.extend_from_slice(&u32::try_from(aad.len()).unwrap().to_be_bytes());
    ad.extend_from_slice(aad);
    ad.extend_from_slice(&0u32.to_be_bytes()); // empty context
    let nonce = Nonce::try_assume_unique_for_key(&envelope[23..23 + n]).ok()?;
    let key = LessSafeKey::new(UnboundKey::new(alg, key).ok()?);
    let mut buf = envelope[23 + n..].to_vec();
    let pt = key.open_in_place(nonce, Aad::from(ad), &mut buf).ok()?;
    Some(pt.to_vec())
}

/// A `KeyResponse`'s versions as `(version, state)`.
pub fn versions(k: &Value) -> Vec<(u64, String)> {
    k["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Parses an RFC 3339 timestamp field.
pub fn ts(v: &Value) -> time::OffsetDateTime {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(v.as_str().unwrap(), &Rfc3339).unwrap()
}
