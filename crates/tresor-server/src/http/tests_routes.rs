//! Happy paths through the other route groups: signing, public keys,
//! lifecycle, administration and audit.

use axum::http::{Method, StatusCode, header};
use serde_json::json;

use super::tests::{b64, test_app};

#[tokio::test]
async fn sign_verify_and_public_keys() {
    let t = test_app(1 << 20).await;
    let id = t
        .create_key(json!({"algorithm": "ec-p256", "alias": "signer", "publish_jwk": true}))
        .await;
    let msg = b64(b"hello");
    let s = t
        .post(
            "/v1/keys/alias:signer/sign",
            json!({"message": msg, "signature_format": "raw"}),
        )
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.json);
    assert_eq!(s.json["key_id"], id.as_str());
    assert_eq!(s.json["key_version"], 1);
    let sig = s.json["signature"].as_str().unwrap().to_owned();
    let v = t
        .post(
            &format!("/v1/keys/{id}/verify"),
            json!({"message": msg, "signature": sig, "signature_format": "raw"}),
        )
        .await;
    assert_eq!(v.json, json!({"valid": true, "key_version": 1}));
    let v = t
        .post(
            &format!("/v1/keys/{id}/verify"),
            json!({"message": b64(b"other"), "signature": sig, "signature_format": "raw"}),
        )
        .await;
    assert_eq!(v.json["valid"], false);

    let batch = t
        .post(
            "/v1/keys/alias:signer/sign/batch",
            json!({"items": [{"message": msg}, {"message": b64(b"two")}]}),
        )
        .await;
    assert_eq!(batch.status, StatusCode::OK, "{}", batch.json);
    assert_eq!(batch.json["results"][1]["key_id"], id.as_str());

    let pem = t.get(&format!("/v1/keys/{id}/public")).await;
    assert_eq!(pem.headers[header::CONTENT_TYPE], "application/x-pem-file");
    assert!(String::from_utf8_lossy(&pem.bytes).starts_with("-----BEGIN PUBLIC KEY-----"));
    let der = t
        .get(&format!("/v1/keys/{id}/public?format=der&version=1"))
        .await;
    assert_eq!(der.headers[header::CONTENT_TYPE], "application/pkix-spki");
    assert_eq!(der.bytes.first(), Some(&0x30));
    let jwk = t.get(&format!("/v1/keys/{id}/public?format=jwk")).await;
    assert_eq!(jwk.json["kty"], "EC");
    let bad = t.get(&format!("/v1/keys/{id}/public?format=xml")).await;
    assert_eq!(bad.code(), "invalid_argument");

    let jwks = t.get("/v1/jwks").await;
    assert_eq!(jwks.status, StatusCode::OK, "{}", jwks.json);
    assert_eq!(jwks.json["keys"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn lifecycle_routes() {
    let t = test_app(1 << 20).await;
    let id = t.create_key(json!({"algorithm": "aes-256-gcm"})).await;
    let key = format!("/v1/keys/{id}");

    let r = t.call(Method::POST, &format!("{key}/rotate"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["primary_version"], 2);
    assert_eq!(r.json["versions"].as_array().map(Vec::len), Some(2));

    let r = t
        .post(&format!("{key}/versions/1/disable"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["versions"][0]["state"], "disabled");
    let r = t
        .call(Method::POST, &format!("{key}/versions/1/enable"), None)
        .await;
    assert_eq!(r.json["versions"][0]["state"], "enabled");

    let r = t.call(Method::POST, &format!("{key}/disable"), None).await;
    assert_eq!(r.json["state"], "suspended");
    let r = t
        .post(&format!("{key}/encrypt"), json!({"plaintext": b64(b"x")}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.code(), "invalid_key_state");
    let r = t.call(Method::POST, &format!("{key}/enable"), None).await;
    assert_eq!(r.json["state"], "active");

    let r = t
        .call(
            Method::PATCH,
            &key,
            Some(json!({"alias": "renamed", "description": "d", "rotation_period": "12h"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["alias"], "renamed");
    assert_eq!(r.json["rotation_period_seconds"], 43_200);
    let r = t
        .call(
            Method::PATCH,
            &key,
            Some(json!({"alias": null, "rotation_period": null})),
        )
        .await;
    assert_eq!(r.json["alias"], serde_json::Value::Null);
    assert_eq!(r.json["rotation_period_seconds"], serde_json::Value::Null);

    let r = t
        .post(
            &format!("{key}/revoke"),
            json!({"reason": "superseded", "message": "old"}),
        )
        .await;
    assert_eq!(r.json["state"], "deactivated");
    assert_eq!(r.json["revocation_reason"], "superseded");
    let r = t
        .post(
            &format!("{key}/schedule-destroy"),
            json!({"pending_days": 7}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert!(r.json["destroy_at"].is_string());
    let r = t
        .call(Method::POST, &format!("{key}/cancel-destroy"), None)
        .await;
    assert_eq!(r.json["destroy_at"], serde_json::Value::Null);
    let r = t.call(Method::POST, &format!("{key}/destroy"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["state"], "destroyed");
}

#[tokio::test]
async fn administration_and_audit() {
    let t = test_app(1 << 20).await;
    let r = t
        .post(
            "/v1/tenants",
            json!({"id": "payments", "display_name": "Payments"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    assert_eq!(
        t.get("/v1/tenants/payments").await.json["display_name"],
        "Payments"
    );
    let tenants = t.get("/v1/tenants").await;
    assert_eq!(tenants.json["tenants"].as_array().map(Vec::len), Some(2));
    let dup = t.post("/v1/tenants", json!({"id": "payments"})).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);

    let r = t
        .post("/v1/api-keys", json!({"name": "ci", "role": "readonly"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let token = r.json["token"].as_str().unwrap().to_owned();
    let key_id = r.json["api_key"]["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with(r.json["api_key"]["token_prefix"].as_str().unwrap()));

    // The readonly key may list but not create; the service decides.
    let ro = super::tests::with_token(&t, &token);
    assert_eq!(ro.get("/v1/keys").await.status, StatusCode::OK);
    let denied = ro
        .post("/v1/keys", json!({"algorithm": "aes-256-gcm"}))
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(denied.code(), "forbidden");

    let list = t.get("/v1/api-keys").await;
    assert_eq!(list.json["api_keys"].as_array().map(Vec::len), Some(2));
    assert!(
        !list
            .bytes
            .windows(token.len())
            .any(|w| w == token.as_bytes())
    );
    let r = t
        .call(Method::DELETE, &format!("/v1/api-keys/{key_id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert!(r.json["revoked_at"].is_string());
    assert_eq!(ro.get("/v1/keys").await.status, StatusCode::UNAUTHORIZED);

    let r = t
        .post(
            "/v1/cert-principals",
            json!({"subject_cn": "billing svc", "role": "user"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let list = t.get("/v1/cert-principals").await;
    assert_eq!(list.json["cert_principals"][0]["subject_cn"], "billing svc");
    let r = t
        .call(Method::DELETE, "/v1/cert-principals/billing%20svc", None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);

    let page = t.get("/v1/audit?limit=2").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.json);
    let records = page.json["records"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    let (first, second) = (records[0]["seq"].as_u64(), records[1]["seq"].as_u64());
    assert!(first > second, "newest first");
    let cursor = page.json["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(Some(cursor.parse::<u64>().unwrap()), second);
    let older = t.get(&format!("/v1/audit?limit=2&before={cursor}")).await;
    assert!(older.json["records"][0]["seq"].as_u64() < second);
    let denied = t.get("/v1/audit?outcome=denied").await;
    assert!(!denied.json["records"].as_array().unwrap().is_empty());
    assert!(denied.json.get("next_cursor").is_none());

    let v = t.call(Method::POST, "/v1/audit/verify", None).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.json);
    assert_eq!(v.json["ok"], true);
    assert!(v.json["verified"].as_u64().unwrap() > 5);

    let wk = t.get("/v1/wrapping-key").await;
    assert_eq!(wk.status, StatusCode::OK, "{}", wk.json);
    assert_eq!(wk.json["algorithm"], "rsa-3072");
    assert_eq!(wk.json["wrapping_algorithm"], "rsa-aes-key-wrap-sha256");
    let r = t.post("/v1/random", json!({"bytes": 16})).await;
    assert_eq!(r.json["random"].as_str().map(str::len), Some(24));
}
