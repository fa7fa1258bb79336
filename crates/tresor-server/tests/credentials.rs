//! Credentials over HTTP: revoked, expired, unknown and malformed API keys
//! are 401; tokens are shown once; only a platform admin creates platform
//! admins.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{Env, b64, unique};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[tokio::test]
async fn platform_admin_only_for_platform_admin_keys() {
    let env = Env::shared();
    let (_, admin) = env.tenant("roles-pa").await;
    admin
        .post(
            "/v1/api-keys",
            json!({"name": "pa", "role": "admin", "platform_admin": true}),
        )
        .await
        .err(403, "forbidden");
    let r = env
        .root
        .post(
            "/v1/api-keys",
            json!({"name": unique("pa"), "role": "admin", "platform_admin": true}),
        )
        .await
        .ok();
    assert_eq!(r["api_key"]["platform_admin"], true);
    let pa = env.root.as_token(r["token"].as_str().unwrap());
    pa.post("/v1/tenants", json!({"id": unique("pa-made")}))
        .await
        .ok();
    admin
        .post("/v1/api-keys", json!({"name": "x", "role": "superuser"}))
        .await
        .err(400, "invalid_argument");
}

#[tokio::test]
async fn revoked_and_expired_api_keys_are_rejected() {
    let env = Env::shared();
    let (_, admin) = env.tenant("roles-revoke").await;
    let created = admin
        .post(
            "/v1/api-keys",
            json!({"name": "soon-revoked", "role": "user"}),
        )
        .await
        .ok();
    let token = created["token"].as_str().unwrap();
    assert!(token.starts_with(created["api_key"]["token_prefix"].as_str().unwrap()));
    let listed = admin.get("/v1/api-keys").await.ok();
    assert!(!listed.to_string().contains(token), "listing shows a token");
    let user = admin.as_token(token);
    let id = user.create_key("aes-256-gcm").await;
    let ct = user.encrypt(&id, b"x").await;
    let key_id = created["api_key"]["id"].as_str().unwrap();
    let r = admin.delete(&format!("/v1/api-keys/{key_id}")).await.ok();
    assert!(r.is_null() || r["revoked_at"].is_string(), "{r}");
    user.op(&id, "decrypt", json!({"ciphertext": b64(&ct)}))
        .await
        .err(401, "unauthenticated");
    user.get("/v1/keys").await.err(401, "unauthenticated");
    admin
        .delete(&format!("/v1/api-keys/{key_id}"))
        .await
        .err(409, "already_revoked");
    admin
        .delete("/v1/api-keys/00000000-0000-7000-8000-000000000000")
        .await
        .err(404, "api_key_not_found");

    // Unknown, missing and malformed credentials.
    admin
        .as_token("tresor_not-a-real-token")
        .get("/v1/keys")
        .await
        .err(401, "unauthenticated");
    admin
        .anonymous()
        .get("/v1/keys")
        .await
        .err(401, "unauthenticated");
    let r = admin
        .client
        .get(format!("{}/v1/keys", admin.base))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // Expiry: valid until `expires_at`, then 401.
    let at = OffsetDateTime::now_utc() + Duration::from_millis(1500);
    let r = admin
        .post(
            "/v1/api-keys",
            json!({"name": "short", "role": "readonly", "expires_at": at.format(&Rfc3339).unwrap()}),
        )
        .await
        .ok();
    assert!(r["api_key"]["expires_at"].is_string());
    let short = admin.as_token(r["token"].as_str().unwrap());
    short.get("/v1/keys").await.ok();
    let wait = at - OffsetDateTime::now_utc() + time::Duration::milliseconds(200);
    if wait.is_positive() {
        tokio::time::sleep(wait.unsigned_abs()).await;
    }
    short.get("/v1/keys").await.err(401, "unauthenticated");
    // Expiry in the past is refused.
    admin
        .post(
            "/v1/api-keys",
            json!({"name": "past", "role": "readonly", "expires_at": "2001-01-01T00:00:00Z"}),
        )
        .await
        .err(400, "invalid_argument");
}
