//! Every role × every operation, from `Action::minimum_role`: readonly <
//! user < admin within a tenant; the platform admin may do everything
//! (acting as admin in any tenant). Denials are 403 `forbidden` and audited
//! as `denied` with the caller's request id.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;

use common::{Api, Env, b64, unique};
use reqwest::Method;
use serde_json::{Value, json};

/// Who may call: the least tenant role, or only a platform admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Min {
    Readonly,
    User,
    Admin,
    Platform,
}

/// (name, audit action, least role).
const TABLE: &[(&str, &str, Min)] = &[
    ("key.get", "key.get", Min::Readonly),
    ("key.list", "key.list", Min::Readonly),
    ("key.public", "key.public", Min::Readonly),
    ("jwks", "jwks.get", Min::Readonly),
    ("wrapping-key", "wrapping_key.get", Min::Readonly),
    ("audit.list", "audit.list", Min::Readonly),
    ("tenant.get", "tenant.get", Min::Readonly),
    ("key.create", "key.create", Min::User),
    ("key.import", "key.import", Min::User),
    ("key.update", "key.update", Min::User),
    ("key.rotate", "key.rotate", Min::User),
    ("key.enable", "key.enable", Min::User),
    ("key.disable", "key.disable", Min::User),
    ("key.revoke", "key.revoke", Min::User),
    ("key.schedule-destroy", "key.schedule_destroy", Min::User),
    ("key.cancel-destroy", "key.cancel_destroy", Min::User),
    ("version.disable", "key.version_disable", Min::User),
    ("version.enable", "key.version_enable", Min::User),
    ("encrypt", "crypto.encrypt", Min::User),
    ("encrypt.batch", "crypto.encrypt", Min::User),
    ("decrypt", "crypto.decrypt", Min::User),
    ("decrypt.batch", "crypto.decrypt", Min::User),
    ("decrypt.envelope", "crypto.decrypt", Min::User),
    ("reencrypt", "crypto.reencrypt", Min::User),
    ("datakey", "crypto.datakey", Min::User),
    ("sign", "crypto.sign", Min::User),
    ("sign.batch", "crypto.sign", Min::User),
    ("verify", "crypto.verify", Min::User),
    ("mac", "crypto.mac", Min::User),
    ("mac-verify", "crypto.mac_verify", Min::User),
    ("wrap", "crypto.wrap", Min::User),
    ("unwrap", "crypto.unwrap", Min::User),
    ("agree", "crypto.agree", Min::User),
    ("encapsulate", "crypto.encapsulate", Min::User),
    ("decapsulate", "crypto.decapsulate", Min::User),
    ("random", "crypto.random", Min::User),
    ("key.destroy", "key.destroy", Min::Admin),
    ("audit.verify", "audit.verify", Min::Admin),
    ("api-key.create", "api_key.create", Min::Admin),
    ("api-key.list", "api_key.list", Min::Admin),
    ("api-key.revoke", "api_key.revoke", Min::Admin),
    ("cert-principal.create", "cert_principal.create", Min::Admin),
    ("cert-principal.list", "cert_principal.list", Min::Admin),
    ("tenant.create", "tenant.create", Min::Platform),
    ("tenant.list", "tenant.list", Min::Platform),
];

async fn key(admin: &Api, body: Value) -> String {
    admin.create_key_with(body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Sets up what a call needs (as the tenant admin) and returns the request.
async fn prepare(admin: &Api, tenant: &str, name: &str) -> (Method, String, Option<Value>) {
    let aes = || key(admin, json!({"algorithm": "aes-256-gcm"}));
    let post = |p: String, b: Value| (Method::POST, p, Some(b));
    let get = |p: String| (Method::GET, p, None);
    match name {
        "key.get" => get(format!("/v1/keys/{}", aes().await)),
        "key.list" => get("/v1/keys".into()),
        "key.public" => get(format!(
            "/v1/keys/{}/public",
            key(admin, json!({"algorithm": "ed25519"})).await
        )),
        "jwks" => get("/v1/jwks".into()),
        "wrapping-key" => get("/v1/wrapping-key".into()),
        "audit.list" => get("/v1/audit?limit=1".into()),
        "tenant.get" => get(format!("/v1/tenants/{tenant}")),
        "key.create" => post("/v1/keys".into(), json!({"algorithm": "aes-128-gcm"})),
        "key.import" => post(
            "/v1/keys/import".into(),
            json!({"algorithm": "hmac-sha256", "material": b64(&[3u8; 32])}),
        ),
        "key.update" => (
            Method::PATCH,
            format!("/v1/keys/{}", aes().await),
            Some(json!({"description": "d"})),
        ),
        "key.rotate" | "key.disable" | "key.schedule-destroy" => {
            let op = name.trim_start_matches("key.");
            post(format!("/v1/keys/{}/{op}", aes().await), json!({}))
        }
        "key.revoke" => post(
            format!("/v1/keys/{}/revoke", aes().await),
            json!({"reason": "superseded"}),
        ),
        "key.enable" => {
            let k = key(
                admin,
                json!({"algorithm": "aes-256-gcm", "activate": false}),
            )
            .await;
            post(format!("/v1/keys/{k}/enable"), json!({}))
        }
        "key.cancel-destroy" => {
            let k = aes().await;
            admin.op(&k, "schedule-destroy", json!({})).await.ok();
            post(format!("/v1/keys/{k}/cancel-destroy"), json!({}))
        }
        "key.destroy" => {
            let k = aes().await;
            admin.op(&k, "disable", json!({})).await.ok();
            post(format!("/v1/keys/{k}/destroy"), json!({}))
        }
        "version.disable" | "version.enable" => {
            let k = aes().await;
            admin.op(&k, "rotate", json!({})).await.ok();
            let op = name.trim_start_matches("version.");
            post(format!("/v1/keys/{k}/versions/1/{op}"), json!({}))
        }
        "encrypt" => post(
            format!("/v1/keys/{}/encrypt", aes().await),
            json!({"plaintext": b64(b"p")}),
        ),
        "encrypt.batch" => post(
            format!("/v1/keys/{}/encrypt/batch", aes().await),
            json!({"items": [{"plaintext": b64(b"p")}]}),
        ),
        "decrypt" | "decrypt.batch" | "decrypt.envelope" | "reencrypt" => {
            let k = aes().await;
            let ct = b64(&admin.encrypt(&k, b"p").await);
            match name {
                "decrypt" => post(format!("/v1/keys/{k}/decrypt"), json!({"ciphertext": ct})),
                "decrypt.batch" => post(
                    format!("/v1/keys/{k}/decrypt/batch"),
                    json!({"items": [{"ciphertext": ct}]}),
                ),
                "decrypt.envelope" => post("/v1/decrypt".into(), json!({"ciphertext": ct})),
                _ => post(
                    format!("/v1/keys/{}/reencrypt", aes().await),
                    json!({"ciphertext": ct}),
                ),
            }
        }
        "datakey" => post(format!("/v1/keys/{}/datakey", aes().await), json!({})),
        "sign" | "sign.batch" | "verify" => {
            let k = key(admin, json!({"algorithm": "ed25519"})).await;
            match name {
                "sign" => post(format!("/v1/keys/{k}/sign"), json!({"message": b64(b"m")})),
                "sign.batch" => post(
                    format!("/v1/keys/{k}/sign/batch"),
                    json!({"items": [{"message": b64(b"m")}]}),
                ),
                _ => {
                    let s = admin.sign(&k, b"m").await;
                    post(
                        format!("/v1/keys/{k}/verify"),
                        json!({"message": b64(b"m"), "signature": b64(&s)}),
                    )
                }
            }
        }
        "mac" | "mac-verify" => {
            let k = key(admin, json!({"algorithm": "hmac-sha256"})).await;
            let m = admin
                .op(&k, "mac", json!({"message": b64(b"m")}))
                .await
                .ok();
            if name == "mac" {
                post(format!("/v1/keys/{k}/mac"), json!({"message": b64(b"m")}))
            } else {
                post(
                    format!("/v1/keys/{k}/mac-verify"),
                    json!({"message": b64(b"m"), "mac": m["mac"]}),
                )
            }
        }
        "wrap" | "unwrap" => {
            let k = key(
                admin,
                json!({"algorithm": "aes-256-gcm", "operations": ["wrap", "unwrap"]}),
            )
            .await;
            let w = admin
                .op(&k, "wrap", json!({"plaintext": b64(&[1u8; 32])}))
                .await
                .ok();
            if name == "wrap" {
                post(
                    format!("/v1/keys/{k}/wrap"),
                    json!({"plaintext": b64(&[1u8; 32])}),
                )
            } else {
                post(
                    format!("/v1/keys/{k}/unwrap"),
                    json!({"ciphertext": w["ciphertext"]}),
                )
            }
        }
        "agree" => {
            let a = key(admin, json!({"algorithm": "x25519"})).await;
            let b = key(admin, json!({"algorithm": "x25519"})).await;
            let pb = admin.public_der(&b).await;
            post(
                format!("/v1/keys/{a}/agree"),
                json!({"public_key": b64(&pb)}),
            )
        }
        "encapsulate" | "decapsulate" => {
            let k = key(admin, json!({"algorithm": "ml-kem-768"})).await;
            let e = admin.op(&k, "encapsulate", json!({})).await.ok();
            if name == "encapsulate" {
                post(format!("/v1/keys/{k}/encapsulate"), json!({}))
            } else {
                post(
                    format!("/v1/keys/{k}/decapsulate"),
                    json!({"ciphertext": e["ciphertext"]}),
                )
            }
        }
        "random" => post("/v1/random".into(), json!({"bytes": 8})),
        "audit.verify" => post("/v1/audit/verify".into(), json!({})),
        "api-key.create" => post(
            "/v1/api-keys".into(),
            json!({"name": unique("k"), "role": "readonly"}),
        ),
        "api-key.list" => get("/v1/api-keys".into()),
        "api-key.revoke" => {
            let r = admin
                .post(
                    "/v1/api-keys",
                    json!({"name": unique("victim"), "role": "readonly"}),
                )
                .await
                .ok();
            let id = r["api_key"]["id"].as_str().unwrap();
            (Method::DELETE, format!("/v1/api-keys/{id}"), None)
        }
        "cert-principal.create" => post(
            "/v1/cert-principals".into(),
            json!({"subject_cn": unique("cn"), "role": "user"}),
        ),
        "cert-principal.list" => get("/v1/cert-principals".into()),
        "tenant.create" => post("/v1/tenants".into(), json!({"id": unique("rt")})),
        "tenant.list" => get("/v1/tenants".into()),
        other => panic!("no fixture for {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_against_every_operation() {
    let env = Env::shared();
    let (tenant, admin) = env.tenant("roles").await;
    let readonly = admin.as_token(&admin.api_key("readonly").await);
    let user = admin.as_token(&admin.api_key("user").await);
    let platform = env.root.in_tenant(&tenant);
    let roles: [(&str, Min, &Api); 4] = [
        ("readonly", Min::Readonly, &readonly),
        ("user", Min::User, &user),
        ("admin", Min::Admin, &admin),
        ("platform-admin", Min::Platform, &platform),
    ];
    // request id -> (role, name, action) of every expected denial.
    let mut denials: HashMap<String, (String, &str, &str)> = HashMap::new();
    for &(name, action, min) in TABLE {
        for (role, level, api) in roles {
            let (method, path, body) = prepare(&admin, &tenant, name).await;
            let rid = unique("rid").replace('-', "_");
            let r = api
                .with_request_id(&rid)
                .call(method.clone(), &path, body.as_ref())
                .await;
            let allowed = level >= min;
            if allowed {
                assert!(
                    r.status.is_success(),
                    "{role} must be allowed {name} ({method} {path}): {} {}",
                    r.status,
                    r.text()
                );
            } else {
                assert_eq!(
                    (r.status.as_u16(), r.code().as_deref()),
                    (403, Some("forbidden")),
                    "{role} must be denied {name} ({method} {path}): {}",
                    r.text()
                );
                denials.insert(rid, (role.to_owned(), name, action));
            }
        }
    }
    // readonly: 38 denials, user: 9 (7 admin + 2 platform), admin: 2.
    let mins = |m: Min| TABLE.iter().filter(|t| t.2 == m).count();
    let expected = mins(Min::User)
        + mins(Min::Admin)
        + mins(Min::Platform)
        + mins(Min::Admin)
        + mins(Min::Platform)
        + mins(Min::Platform);
    assert_eq!(denials.len(), expected);

    // Every denial left exactly one `denied` record with its action.
    let records = admin.audit_all().await;
    for (rid, (role, name, action)) in &denials {
        let mine: Vec<&Value> = records
            .iter()
            .filter(|r| r["request_id"] == rid.as_str())
            .collect();
        assert_eq!(mine.len(), 1, "{role} {name}: records {mine:?}");
        let r = mine[0];
        assert_eq!(r["outcome"], "denied", "{role} {name}: {r}");
        assert_eq!(r["error_code"], "forbidden", "{role} {name}: {r}");
        assert_eq!(r["action"], *action, "{role} {name}: {r}");
        assert_eq!(r["tenant"], tenant.as_str());
    }
}
