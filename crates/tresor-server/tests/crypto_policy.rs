//! The tenant crypto policy over REST: set and read it, a violating key
//! creation refused with `policy_violation` naming the rule, bad bodies
//! refused naming the field, and readonly callers and other tenants kept out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Env;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn policy_over_rest() {
    let env = Env::shared();
    let (t, admin) = env.tenant("cpol").await;
    let path = format!("/v1/tenants/{t}/crypto-policy");
    admin.get(&path).await.err(404, "not_found");

    let body = json!({
        "mode": "enforce",
        "forbidden_algorithms": ["rsa-2048"],
        "min_symmetric_bits": 256,
        "max_key_age_days": 365
    });
    let r = admin.call(Method::PUT, &path, Some(&body)).await.ok();
    assert_eq!(r["tenant"], t.as_str());
    assert_eq!(r["policy"]["mode"], "enforce");
    assert_eq!(r["policy"]["forbidden_algorithms"], json!(["rsa-2048"]));
    let got = admin.get(&path).await.ok();
    assert_eq!(got["policy"], r["policy"]);

    let e = admin
        .post("/v1/keys", json!({"algorithm": "aes-128-gcm"}))
        .await
        .err(400, "policy_violation");
    assert!(e.to_string().contains("min_symmetric_bits"), "{e}");
    admin.create_key("aes-256-gcm").await;

    // Bad bodies are refused naming the field; the policy is unchanged.
    for (bad, field) in [
        (json!({"mode": "lenient"}), "mode"),
        (
            json!({"mode": "audit", "allowed_algorithms": ["rot13"]}),
            "allowed_algorithms",
        ),
        (
            json!({"mode": "audit", "max_key_age_days": 0}),
            "max_key_age_days",
        ),
    ] {
        let e = admin
            .call(Method::PUT, &path, Some(&bad))
            .await
            .err(400, "invalid_argument");
        assert!(e.to_string().contains(field), "{e}");
    }
    admin
        .call(
            Method::PUT,
            &path,
            Some(&json!({"mode": "audit", "surprise": 1})),
        )
        .await
        .err(400, "invalid_json");
    assert_eq!(admin.get(&path).await.ok()["policy"], r["policy"]);

    // Readonly reads but cannot set; another tenant sees nothing.
    let ro = admin.as_token(&admin.api_key("readonly").await);
    ro.get(&path).await.ok();
    ro.call(Method::PUT, &path, Some(&body))
        .await
        .err(403, "forbidden");
    let (_, other) = env.tenant("cpol-other").await;
    other.get(&path).await.err(404, "tenant_not_found");
}
