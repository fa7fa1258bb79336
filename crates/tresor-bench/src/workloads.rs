//! The benchmark workloads over REST: the keys they need (created once
//! through the API), and one request generator per workload.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use serde_json::{Value, json};

use crate::Error;
use crate::http_load::{Conn, Req, ReqGen};

/// Signature algorithms benchmarked: (workload suffix, Tresor algorithm).
pub const SIGN_ALGS: &[(&str, &str)] = &[
    ("ec-p256", "ec-p256"),
    ("ed25519", "ed25519"),
    ("rsa-2048", "rsa-2048"),
    ("ml-dsa-65", "ml-dsa-65"),
];

/// Items per batch-encrypt request.
pub const BATCH_ITEMS: usize = 100;

/// One named workload: what it calls and which raw primitive bounds it.
#[derive(Clone)]
pub struct Workload {
    pub name: String,
    /// Key into the raw primitive table (`None`: no single primitive).
    pub raw: Option<String>,
    /// Operations per request (batch: 100).
    pub items: u32,
    pub generator: ReqGen,
}

impl std::fmt::Debug for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workload")
            .field("name", &self.name)
            .finish()
    }
}

/// Ids and sample outputs of the keys the workloads use.
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    pub aes: String,
    pub hmac: String,
    /// (suffix, key id, base64 signature of [`MESSAGE`]).
    pub signers: Vec<(String, String, String)>,
    pub ct64: String,
    pub ct4k: String,
}

/// The message signed and MACed (32 bytes, like a digest-sized token).
pub const MESSAGE: &[u8] = b"tresor benchmark message 32 byte";

/// Creates a key and returns its id.
pub async fn create_key(conn: &mut Conn, algorithm: &str) -> Result<String, Error> {
    let mut body = json!({ "algorithm": algorithm });
    if SIGN_ALGS.iter().any(|(_, a)| *a == algorithm) {
        body["operations"] = json!(["sign", "verify"]);
    }
    let v = conn.json("POST", "/v1/keys", Some(body)).await?;
    str_field(&v, "id")
}

fn str_field(v: &Value, name: &str) -> Result<String, Error> {
    v.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::msg(format!("response without `{name}`: {v}")))
}

/// Creates the keys and sample ciphertexts/signatures over REST.
pub async fn setup(conn: &mut Conn) -> Result<Fixtures, Error> {
    let aes = create_key(conn, "aes-256-gcm").await?;
    let hmac = create_key(conn, "hmac-sha256").await?;
    let mut signers = Vec::new();
    for (suffix, alg) in SIGN_ALGS {
        let id = create_key(conn, alg).await?;
        let body = json!({ "message": B64.encode(MESSAGE) });
        let v = conn
            .json("POST", &format!("/v1/keys/{id}/sign"), Some(body))
            .await?;
        signers.push(((*suffix).to_owned(), id, str_field(&v, "signature")?));
    }
    let mut encrypt = async |n: usize| -> Result<String, Error> {
        let body = json!({ "plaintext": B64.encode(vec![7u8; n]) });
        let v = conn
            .json("POST", &format!("/v1/keys/{aes}/encrypt"), Some(body))
            .await?;
        str_field(&v, "ciphertext")
    };
    let ct64 = encrypt(64).await?;
    let ct4k = encrypt(4096).await?;
    Ok(Fixtures {
        aes,
        hmac,
        signers,
        ct64,
        ct4k,
    })
}

/// The same request every time.
pub fn fixed(method: &'static str, path: String, body: Option<Value>) -> ReqGen {
    let body = body.map(|b| Bytes::from(b.to_string()));
    Arc::new(move |_| Req {
        method,
        path: path.clone(),
        body: body.clone(),
    })
}

fn wl(name: &str, raw: Option<&str>, items: u32, generator: ReqGen) -> Workload {
    Workload {
        name: name.to_owned(),
        raw: raw.map(str::to_owned),
        items,
        generator,
    }
}

/// Every HTTP workload, baseline first and key creation last (it grows
/// the store).
pub fn all(f: &Fixtures) -> Vec<Workload> {
    let aes = &f.aes;
    let pt = |n: usize| json!({ "plaintext": B64.encode(vec![7u8; n]) });
    let mut out = vec![
        wl(
            "healthz (no auth)",
            None,
            1,
            fixed("GET", "/healthz".into(), None),
        ),
        wl(
            "get key (auth+audit)",
            None,
            1,
            fixed("GET", format!("/v1/keys/{aes}"), None),
        ),
        wl(
            "encrypt 64 B",
            Some("aes-gcm seal 64 B"),
            1,
            fixed("POST", format!("/v1/keys/{aes}/encrypt"), Some(pt(64))),
        ),
        wl(
            "encrypt 4 KiB",
            Some("aes-gcm seal 4 KiB"),
            1,
            fixed("POST", format!("/v1/keys/{aes}/encrypt"), Some(pt(4096))),
        ),
        wl(
            "decrypt 64 B",
            Some("aes-gcm open 64 B"),
            1,
            fixed(
                "POST",
                format!("/v1/keys/{aes}/decrypt"),
                Some(json!({ "ciphertext": f.ct64 })),
            ),
        ),
        wl(
            "decrypt 4 KiB",
            Some("aes-gcm open 4 KiB"),
            1,
            fixed(
                "POST",
                format!("/v1/keys/{aes}/decrypt"),
                Some(json!({ "ciphertext": f.ct4k })),
            ),
        ),
        wl(
            "datakey",
            Some("aes-gcm seal 64 B"),
            1,
            fixed("POST", format!("/v1/keys/{aes}/datakey"), Some(json!({}))),
        ),
    ];
    let msg = B64.encode(MESSAGE);
    for (suffix, id, sig) in &f.signers {
        out.push(wl(
            &format!("sign {suffix}"),
            Some(&format!("sign {suffix}")),
            1,
            fixed(
                "POST",
                format!("/v1/keys/{id}/sign"),
                Some(json!({ "message": msg })),
            ),
        ));
        out.push(wl(
            &format!("verify {suffix}"),
            Some(&format!("verify {suffix}")),
            1,
            fixed(
                "POST",
                format!("/v1/keys/{id}/verify"),
                Some(json!({ "message": msg, "signature": sig })),
            ),
        ));
    }
    out.push(wl(
        "mac hmac-sha256",
        Some("hmac-sha256"),
        1,
        fixed(
            "POST",
            format!("/v1/keys/{}/mac", f.hmac),
            Some(json!({ "message": msg })),
        ),
    ));
    let items: Vec<Value> = (0..BATCH_ITEMS).map(|_| pt(64)).collect();
    out.push(wl(
        "batch encrypt 100x64 B",
        Some("aes-gcm seal 64 B"),
        BATCH_ITEMS as u32,
        fixed(
            "POST",
            format!("/v1/keys/{aes}/encrypt/batch"),
            Some(json!({ "items": items })),
        ),
    ));
    out.push(wl(
        "create key aes-256-gcm",
        None,
        1,
        fixed(
            "POST",
            "/v1/keys".into(),
            Some(json!({ "algorithm": "aes-256-gcm" })),
        ),
    ));
    out
}

/// Encrypt 64 B under a random one of `ids` (scale runs).
pub fn encrypt_random(ids: Arc<Vec<String>>) -> ReqGen {
    let body = Bytes::from(json!({ "plaintext": B64.encode([7u8; 64]) }).to_string());
    Arc::new(move |n| {
        let i = (splitmix(n) % ids.len().max(1) as u64) as usize;
        Req {
            method: "POST",
            path: format!("/v1/keys/{}/encrypt", ids.get(i).map_or("", |s| s)),
            body: Some(body.clone()),
        }
    })
}

/// A cheap deterministic scrambler for picking keys.
pub fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}
