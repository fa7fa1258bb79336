//! Dual control over REST with several API keys: a guarded operation
//! answers 202 with its request, approvers see and answer their tasks, the
//! requester collects the result once, and a 2-of-2 destroy runs when the
//! second approval arrives.

use axum::http::{StatusCode, header};
use serde_json::json;

use super::tests::{TestApp, b64, test_app, with_token};

/// A new API key of `role`: its app handle and principal.
async fn person(admin: &TestApp, name: &str, role: &str) -> (TestApp, String) {
    let r = admin
        .post("/v1/api-keys", json!({"name": name, "role": role}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
    let token = r.json["token"].as_str().unwrap().to_owned();
    let id = r.json["api_key"]["id"].as_str().unwrap().to_owned();
    (with_token(admin, &token), format!("api-key:{id}"))
}

#[tokio::test]
async fn approval_flow_over_rest() {
    let admin = test_app(1 << 20).await;
    let (alice, _) = person(&admin, "alice", "user").await;
    let (bob, bob_p) = person(&admin, "bob", "readonly").await;
    let (carol, carol_p) = person(&admin, "carol", "readonly").await;
    let key = alice.create_key(json!({"algorithm": "aes-256-gcm"})).await;

    let policy = json!({
        "use": {"any_of": [{"all_of": [{"required": 1, "approvers": [bob_p, carol_p]}]}]},
        "destroy": {"any_of": [{"all_of": [{"name": "custodians", "required": 2, "approvers": [bob_p, carol_p]}]}]},
    });
    let bad = alice
        .call(
            axum::http::Method::PUT,
            &format!("/v1/keys/{key}/policy"),
            Some(json!({"destroy": {"any_of": [{"all_of": [{"required": 3, "approvers": [bob_p]}]}]}})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.json);
    let r = alice
        .call(
            axum::http::Method::PUT,
            &format!("/v1/keys/{key}/policy"),
            Some(policy.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let stored = alice.get(&format!("/v1/keys/{key}/policy")).await.json;
    let custodians = &stored["destroy"]["any_of"][0]["all_of"][0];
    assert_eq!(custodians["required"], 2, "{stored}");
    assert_eq!(custodians["name"], "custodians");
    assert_eq!(custodians["timeout_secs"], 86_400, "the default timeout");
    assert_eq!(
        stored["use"]["any_of"][0]["all_of"][0]["approvers"][1],
        carol_p.as_str()
    );

    // Encrypt waits for approval.
    let r = alice
        .post(
            &format!("/v1/keys/{key}/encrypt"),
            json!({"plaintext": b64(b"quarterly numbers")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.json);
    let id = r.json["approval_request"].as_str().unwrap().to_owned();
    assert_eq!(
        r.headers[header::LOCATION].to_str().unwrap(),
        format!("/v1/requests/{id}")
    );
    let tasks = bob.get("/v1/approvals/tasks").await;
    assert_eq!(tasks.json["tasks"][0]["id"], id.as_str(), "{}", tasks.json);
    assert_eq!(tasks.json["tasks"][0]["parameters"]["plaintext_bytes"], 17);
    assert!(!tasks.bytes.windows(9).any(|w| w == b"quarterly"));
    // The requester cannot approve; a forged POST is refused.
    let selfie = alice
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await;
    assert_eq!(selfie.status, StatusCode::FORBIDDEN, "{}", selfie.json);
    assert_eq!(selfie.code(), "self_approval");
    let ok = bob
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.json);
    assert_eq!(ok.json["state"], "approved");
    // Bob may read the request but never receives the result.
    assert!(bob.get(&format!("/v1/requests/{id}")).await.json["result"].is_null());
    let mine = alice.get(&format!("/v1/requests/{id}")).await;
    assert_eq!(mine.json["state"], "executed", "{}", mine.json);
    let ct = mine.json["result"]["ciphertext"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(alice.get(&format!("/v1/requests/{id}")).await.json["result"].is_null());
    assert!(!ct.is_empty());

    // Destroy: 2 of 2 custodians.
    let r = alice
        .post(
            &format!("/v1/keys/{key}/revoke"),
            json!({"reason": "superseded"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    let r = admin
        .post(&format!("/v1/keys/{key}/destroy"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.json);
    let id = r.json["approval_request"].as_str().unwrap().to_owned();
    let one = bob
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await;
    assert_eq!(one.json["state"], "pending");
    let again = bob
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let two = carol
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await;
    assert_eq!(two.json["state"], "executed", "{}", two.json);
    assert_eq!(
        alice.get(&format!("/v1/keys/{key}")).await.json["state"],
        "destroyed"
    );
    let unknown = bob
        .post(
            "/v1/approvals/00000000-0000-0000-0000-000000000000/approve",
            json!({}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "request_not_found");
}

#[tokio::test]
async fn usage_limits_over_rest() {
    let admin = test_app(1 << 20).await;
    let key = admin.create_key(json!({"algorithm": "aes-256-gcm"})).await;
    let path = format!("/v1/keys/{key}/policy");
    let put = |body| admin.call(axum::http::Method::PUT, &path, Some(body));
    let bad = put(json!({"limits": {"networks": ["10.0.0.0/40"]}})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.json);
    assert!(
        bad.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("networks")
    );
    let r = put(json!({"limits": {"operations": ["decrypt"], "max_operations": 5}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json);
    assert_eq!(r.json["limits"]["max_operations"], 5);
    let enc = admin
        .post(
            &format!("/v1/keys/{key}/encrypt"),
            json!({"plaintext": b64(b"x")}),
        )
        .await;
    assert_eq!(enc.status, StatusCode::BAD_REQUEST, "{}", enc.json);
    assert_eq!(enc.code(), "operation_not_allowed");
    // The limits are visible on the key as a reserved tag.
    let k = admin.get(&format!("/v1/keys/{key}")).await;
    assert!(k.json["tags"]["tresor:limits"].is_string(), "{}", k.json);
}
