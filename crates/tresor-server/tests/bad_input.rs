//! Every bad input gets a clear 4xx with a stable code, changes nothing, and
//! (when it reached the service) is audited; tampered ciphertexts all fail
//! the same opaque way.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Api, Env, b64, flip, unique};
use reqwest::Method;
use serde_json::json;

/// Sends a raw JSON body with a fresh request id; returns (response, id).
async fn raw(api: &Api, path: &str, body: &str) -> (common::Resp, String) {
    let rid = unique("bad").replace('-', "_");
    let r = api
        .with_request_id(&rid)
        .raw(
            Method::POST,
            path,
            body.as_bytes().to_vec(),
            "application/json",
        )
        .await;
    (r, rid)
}

/// The one audit record of `rid`, checked for outcome and code.
async fn audited(api: &Api, rid: &str, outcome: &str, code: &str) {
    let recs = api.audit_for(rid).await;
    assert_eq!(recs.len(), 1, "{rid}: {recs:?}");
    assert_eq!(recs[0]["outcome"], outcome, "{}", recs[0]);
    assert_eq!(recs[0]["error_code"], code, "{}", recs[0]);
}

#[tokio::test]
async fn malformed_requests_are_refused_before_the_service() {
    let env = Env::shared();
    let (_, api) = env.tenant("bad-json").await;
    let id = api.create_key("aes-256-gcm").await;
    let before = api.key(&id).await;
    let enc = format!("/v1/keys/{id}/encrypt");
    for (body, code) in [
        (r#"{"plaintext": "aGk="#, "invalid_json"),
        (r#"{"plaintext": "not base64!!"}"#, "invalid_json"),
        (
            r#"{"plaintext": "aGk=", "plaintxt": "aGk="}"#,
            "invalid_json",
        ),
        (r#"{"plaintext": 42}"#, "invalid_json"),
        (
            r#"{"plaintext": "aGk=", "context": {"a": 1}}"#,
            "invalid_json",
        ),
        (r#"["plaintext"]"#, "invalid_json"),
        (r#"{}"#, "invalid_json"),
        ("", "invalid_json"),
        ("\u{0}\u{1}", "invalid_json"),
    ] {
        let (r, rid) = raw(&api, &enc, body).await;
        r.err(400, code);
        assert!(api.audit_for(&rid).await.is_empty(), "not audited: {body}");
    }
    // Not JSON at all.
    let r = api
        .raw(
            Method::POST,
            &enc,
            br#"{"plaintext":"aGk="}"#.to_vec(),
            "text/plain",
        )
        .await;
    r.err(415, "unsupported_media_type");
    // Over the 1 MiB body limit.
    let big = format!(r#"{{"plaintext": "{}"}}"#, "A".repeat(1024 * 1024 + 16));
    raw(&api, &enc, &big).await.0.err(413, "payload_too_large");
    // Unknown algorithm, bad alias, bad key references.
    let (r, _) = raw(&api, "/v1/keys", r#"{"algorithm": "aes-512-gcm"}"#).await;
    r.err(400, "unsupported_algorithm");
    for alias in [
        "-lead",
        "has space",
        "bad!",
        &"a".repeat(129),
        "tresor-internal/x",
        "",
    ] {
        api.post(
            "/v1/keys",
            json!({"algorithm": "aes-256-gcm", "alias": alias}),
        )
        .await
        .err(400, "invalid_argument");
    }
    for key in [
        "alias:",
        "alias:bad%20name",
        "alias:-x",
        "not-a-uuid",
        "12345",
    ] {
        api.get(&format!("/v1/keys/{key}"))
            .await
            .err(400, "invalid_argument");
        api.op(key, "encrypt", json!({"plaintext": b64(b"x")}))
            .await
            .err(400, "invalid_argument");
    }
    api.get("/v1/keys?limit=abc")
        .await
        .err(400, "invalid_argument");
    api.get("/v1/keys?tag=novalue")
        .await
        .err(400, "invalid_argument");
    api.get("/v1/keys?state=sleepy")
        .await
        .err(400, "invalid_argument");
    api.op(&id, "revoke", json!({"reason": "bored"}))
        .await
        .err(400, "invalid_argument");
    api.op(&id, "frobnicate", json!({}))
        .await
        .err(404, "not_found");
    assert_eq!(api.key(&id).await, before, "nothing changed");
    assert_eq!(
        api.get("/v1/keys").await.ok()["keys"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "no key was created"
    );
}

#[tokio::test]
async fn service_refusals_have_stable_codes_and_are_audited() {
    let env = Env::shared();
    let (_, api) = env.tenant("bad-svc").await;
    let id = api.create_key("aes-256-gcm").await;
    let ct = api.encrypt(&id, b"data").await;
    let before = api.key(&id).await;
    let enc = format!("/v1/keys/{id}/encrypt");
    let cases: Vec<(String, String, u16, &str)> = vec![
        (
            enc.clone(),
            json!({"plaintext": b64(&vec![0u8; 64 * 1024 + 1])}).to_string(),
            413,
            "payload_too_large",
        ),
        (
            format!("/v1/keys/{id}/sign"),
            json!({"message": b64(b"m")}).to_string(),
            400,
            "operation_not_allowed",
        ),
        (
            format!("/v1/keys/{id}/mac"),
            json!({"message": b64(b"m")}).to_string(),
            400,
            "operation_not_allowed",
        ),
        (
            "/v1/keys/0190a0b0-0000-7000-8000-000000000000/encrypt".into(),
            json!({"plaintext": b64(b"m")}).to_string(),
            404,
            "key_not_found",
        ),
        (
            format!("/v1/keys/{id}/decrypt"),
            json!({"ciphertext": b64(&ct), "aad": b64(b"wrong")}).to_string(),
            400,
            "crypto_failed",
        ),
        (
            format!("/v1/keys/{id}/schedule-destroy"),
            json!({"pending_days": 3}).to_string(),
            400,
            "invalid_argument",
        ),
        (
            format!("/v1/keys/{id}/destroy"),
            "{}".into(),
            409,
            "invalid_key_state",
        ),
    ];
    for (path, body, status, code) in &cases {
        let (r, rid) = raw(&api, path, body).await;
        r.err(*status, code);
        audited(&api, &rid, "failed", code).await;
    }
    assert_eq!(api.key(&id).await, before, "nothing changed");

    // Wrong state: a disabled key refuses to encrypt, and stays disabled.
    api.op(&id, "disable", json!({})).await.ok();
    let disabled = api.key(&id).await;
    let (r, rid) = raw(&api, &enc, &json!({"plaintext": b64(b"x")}).to_string()).await;
    r.err(409, "invalid_key_state");
    audited(&api, &rid, "failed", "invalid_key_state").await;
    assert_eq!(api.key(&id).await, disabled);
    // A denial is audited as `denied`.
    let ro = api.as_token(&api.api_key("readonly").await);
    let (r, rid) = raw(&ro, &enc, &json!({"plaintext": b64(b"x")}).to_string()).await;
    r.err(403, "forbidden");
    audited(&api, &rid, "denied", "forbidden").await;
}

#[tokio::test]
async fn tampered_ciphertexts_fail_identically() {
    let env = Env::shared();
    let (_, api) = env.tenant("bad-tamper").await;
    let id = api.create_key("aes-256-gcm").await;
    let r = api
        .op(
            &id,
            "encrypt",
            json!({"plaintext": b64(b"sensitive"), "aad": b64(b"ad")}),
        )
        .await
        .ok();
    let ct = common::unb64(&r["ciphertext"]);
    assert_eq!(ct[22], 12, "AES-GCM nonce length");
    let n = ct.len();
    let mut variants: Vec<(&str, Vec<u8>)> = vec![
        ("format", flip(&ct, 0)),
        ("key id", flip(&ct, 8)),
        ("version", flip(&ct, 20)),
        ("algorithm", flip(&ct, 21)),
        ("nonce length", flip(&ct, 22)),
        ("nonce", flip(&ct, 25)),
        ("body", flip(&ct, 36)),
        ("tag", flip(&ct, n - 1)),
        ("truncated tag", ct[..n - 1].to_vec()),
        ("header only", ct[..23].to_vec()),
        ("truncated header", ct[..10].to_vec()),
        ("empty", Vec::new()),
        ("appended", [ct.clone(), vec![0]].concat()),
    ];
    let mut nonce_swapped = ct.clone();
    nonce_swapped[23..35].copy_from_slice(&[0u8; 12]);
    variants.push(("zero nonce", nonce_swapped));
    let before = api.key(&id).await;
    let mut messages = Vec::new();
    for (what, bad) in &variants {
        for path in [format!("/v1/keys/{id}/decrypt"), "/v1/decrypt".to_owned()] {
            let (r, rid) = raw(
                &api,
                &path,
                &json!({"ciphertext": b64(bad), "aad": b64(b"ad")}).to_string(),
            )
            .await;
            let e = r.err(400, "crypto_failed");
            assert!(!r.text().contains("sensitive"), "{what}");
            messages.push((what.to_string(), e["message"].as_str().unwrap().to_owned()));
            audited(&api, &rid, "failed", "crypto_failed").await;
        }
    }
    // Wrong AAD, missing AAD: the same message.
    for aad in [Some(b"aD".as_slice()), None] {
        let mut body = json!({"ciphertext": b64(&ct)});
        if let Some(a) = aad {
            body["aad"] = json!(b64(a));
        }
        let e = api.op(&id, "decrypt", body).await.err(400, "crypto_failed");
        messages.push(("aad".into(), e["message"].as_str().unwrap().to_owned()));
    }
    let first = messages[0].1.clone();
    for (what, m) in &messages {
        assert_eq!(m, &first, "{what} gives a different message");
    }
    assert_eq!(api.key(&id).await, before);
    // The untouched ciphertext still opens.
    let d = api
        .op(
            &id,
            "decrypt",
            json!({"ciphertext": b64(&ct), "aad": b64(b"ad")}),
        )
        .await
        .ok();
    assert_eq!(common::unb64(&d["plaintext"]), b"sensitive");
}
