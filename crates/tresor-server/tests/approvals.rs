//! Dual control over REST with several people: a 2-of-3 destroy with a
//! self-approval attempt and a duplicate vote, an encryption released to
//! its requester once, and a group that takes only approvals signed with
//! an approver key made and used by `openssl`.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use common::approvals::{pending_id, person, put_policy};
use common::{Api, Env, b64, unb64};
use serde_json::{Value, json};

fn quorum(m: u32, who: &[&String]) -> Value {
    json!({"any_of": [{"all_of": [{"required": m, "approvers": who}]}]})
}

async fn put_approver_key(api: &Api, body: Value) -> common::Resp {
    api.call(reqwest::Method::PUT, "/v1/approvers/me/key", Some(&body))
        .await
}

#[tokio::test]
async fn two_of_three_destroy_with_refused_self_and_duplicate_votes() {
    let env = Env::shared();
    let (_, admin) = env.tenant("appr").await;
    let (alice, alice_p) = person(&admin, "alice", "admin").await;
    let (bob, bob_p) = person(&admin, "bob", "readonly").await;
    let (carol, carol_p) = person(&admin, "carol", "readonly").await;
    let (_dave, dave_p) = person(&admin, "dave", "readonly").await;
    let key = alice.create_key("aes-256-gcm").await;
    let policy = json!({"destroy": quorum(2, &[&alice_p, &bob_p, &carol_p])});
    let r = put_policy(&alice, &key, &policy).await;
    assert!(r.status.is_success(), "{}", r.text());
    assert!(!dave_p.is_empty());

    let r = alice
        .post(
            &format!("/v1/keys/{key}/revoke"),
            json!({"reason": "superseded"}),
        )
        .await;
    assert!(
        r.status.is_success(),
        "revoke is `manage`, not guarded: {}",
        r.text()
    );
    let r = alice
        .post(&format!("/v1/keys/{key}/destroy"), json!({}))
        .await;
    let id = pending_id(&r);
    assert!(
        r.json()["location"]
            .as_str()
            .is_none_or(|l| l.ends_with(&id))
    );

    // Bob sees it in his inbox, with what is asked and by whom.
    let tasks = bob.get("/v1/approvals/tasks").await.ok();
    let task = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{tasks}"));
    assert_eq!(task["requester"], alice_p.as_str());
    assert_eq!(task["class"], "destroy");

    // Alice cannot approve her own request.
    alice
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await
        .err(403, "self_approval");
    let r = bob
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await
        .ok();
    assert_eq!(r["state"], "pending", "{r}");
    // Bob's second vote is refused and does not count.
    let r = bob
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await;
    assert!(r.status.is_client_error(), "{}", r.text());
    assert_eq!(
        alice.get(&format!("/v1/requests/{id}")).await.ok()["approvals"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = carol
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await
        .ok();
    assert_eq!(r["state"], "executed", "{r}");
    assert_eq!(alice.key(&key).await["state"], "destroyed");

    // Approving an executed request again changes nothing.
    let r = carol
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await;
    assert!(r.status.is_client_error(), "{}", r.text());

    let audit = admin.audit().await;
    let actions: Vec<&str> = audit
        .iter()
        .filter(|a| a.to_string().contains(&id))
        .filter_map(|a| a["action"].as_str())
        .collect();
    for want in ["approval.request", "approval.approve", "key.destroy"] {
        assert!(actions.contains(&want), "{want} missing in {actions:?}");
    }
    let v = admin.post("/v1/audit/verify", json!({})).await.ok();
    assert_eq!(v["ok"], true, "{v}");
}

#[tokio::test]
async fn an_approved_encryption_is_released_to_its_requester_once() {
    let env = Env::shared();
    let (_, admin) = env.tenant("apprenc").await;
    let (alice, _) = person(&admin, "alice", "user").await;
    let (bob, bob_p) = person(&admin, "bob", "readonly").await;
    let key = alice.create_key("aes-256-gcm").await;
    let r = put_policy(&alice, &key, &json!({"use": quorum(1, &[&bob_p])})).await;
    assert!(r.status.is_success(), "{}", r.text());

    let r = alice
        .op(&key, "encrypt", json!({"plaintext": b64(b"launch codes")}))
        .await;
    let id = pending_id(&r);
    let view = bob.get(&format!("/v1/requests/{id}")).await;
    if view.status.is_success() {
        assert!(
            !view.text().contains(&b64(b"launch codes")),
            "approvers never see the payload"
        );
    }
    bob.post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await
        .ok();
    // Only the requester gets the result, and only once.
    let other = bob.get(&format!("/v1/requests/{id}")).await;
    assert!(other.status.is_client_error() || other.json()["result"].is_null());
    let r = alice.get(&format!("/v1/requests/{id}")).await.ok();
    assert_eq!(r["state"], "executed", "{r}");
    let ct = unb64(&r["result"]["ciphertext"]);
    let again = alice.get(&format!("/v1/requests/{id}")).await.ok();
    assert!(again["result"].is_null(), "released once: {again}");
    // Decrypting is `use` too: it parks as well.
    let r = alice
        .op(&key, "decrypt", json!({"ciphertext": b64(&ct)}))
        .await;
    let id = pending_id(&r);
    bob.post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await
        .ok();
    let r = alice.get(&format!("/v1/requests/{id}")).await.ok();
    assert_eq!(unb64(&r["result"]["plaintext"]), b"launch codes");
}

fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[tokio::test]
async fn signed_approvals_with_an_openssl_key() {
    let env = Env::shared();
    let (_, admin) = env.tenant("apprsig").await;
    let (alice, _) = person(&admin, "alice", "user").await;
    let (bob, bob_p) = person(&admin, "bob", "readonly").await;
    let dir = tempfile::tempdir().unwrap();
    let private = dir.path().join("bob.pem");
    let private = private.to_str().unwrap();
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", private]);
    let public = String::from_utf8(openssl(&["pkey", "-in", private, "-pubout"])).unwrap();

    let key = alice.create_key("aes-256-gcm").await;
    let policy = json!({"manage": {"any_of": [{"all_of": [
        {"required": 1, "approvers": [&bob_p], "require_signature": true}
    ]}]}});
    let r = put_policy(&alice, &key, &policy).await;
    assert!(r.status.is_success(), "{}", r.text());
    let id = pending_id(
        &alice
            .post(&format!("/v1/keys/{key}/rotate"), json!({}))
            .await,
    );

    // Without a registered key, a signature cannot be checked.
    bob.post(
        &format!("/v1/approvals/{id}/approve"),
        json!({"signature": b64(b"not a signature")}),
    )
    .await
    .err(400, "invalid_argument");
    let r = put_approver_key(
        &bob,
        json!({"public_key": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}),
    )
    .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text());
    let r = put_approver_key(&bob, json!({"public_key": public})).await;
    assert_eq!(r.status.as_u16(), 204, "{}", r.text());
    // Only a tenant admin may replace it.
    let r = put_approver_key(&bob, json!({"public_key": public})).await;
    assert!(r.status.is_client_error(), "{}", r.text());

    // Bob's only group needs a signature: an unsigned approval is refused.
    bob.post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await
        .err(400, "invalid_argument");
    let r = bob.get(&format!("/v1/requests/{id}")).await.ok();
    assert_eq!(r["state"], "pending", "{r}");
    assert!(r["approvals"].as_array().unwrap().is_empty(), "{r}");

    // A signature over someone else's challenge is refused.
    let challenge = unb64(&r["challenge"]);
    let text = String::from_utf8(challenge.clone()).unwrap();
    assert!(
        text.starts_with("tresor-approval-v1\n") && text.contains(&id),
        "{text}"
    );
    let sign = |msg: &[u8]| {
        let m = dir.path().join("msg");
        std::fs::write(&m, msg).unwrap();
        openssl(&[
            "pkeyutl",
            "-sign",
            "-rawin",
            "-inkey",
            private,
            "-in",
            m.to_str().unwrap(),
        ])
    };
    let mut forged = challenge.clone();
    forged[0] ^= 1;
    bob.post(
        &format!("/v1/approvals/{id}/approve"),
        json!({"signature": b64(&sign(&forged))}),
    )
    .await
    .err(400, "invalid_argument");

    // Signed: the quorum is met and the rotation runs.
    let r = bob
        .post(
            &format!("/v1/approvals/{id}/approve"),
            json!({"signature": b64(&sign(&challenge))}),
        )
        .await
        .ok();
    assert_eq!(r["state"], "executed", "{r}");
    assert_eq!(alice.key(&key).await["primary_version"], 2);
}

#[tokio::test]
async fn approver_groups_over_rest() {
    let env = Env::shared();
    let (_, admin) = env.tenant("apprgrp").await;
    let (alice, _) = person(&admin, "alice", "user").await;
    let (bob, bob_p) = person(&admin, "bob", "readonly").await;
    let (_carol, carol_p) = person(&admin, "carol", "readonly").await;
    let put = |api: &Api, body: Value| {
        let api = api.clone();
        async move {
            api.call(
                reqwest::Method::PUT,
                "/v1/approver-groups/custodians",
                Some(&body),
            )
            .await
        }
    };
    let r = put(&alice, json!({"members": [&bob_p, &carol_p]})).await;
    assert_eq!(r.status.as_u16(), 403, "only admins: {}", r.text());
    put(
        &admin,
        json!({"members": [&bob_p, &carol_p], "description": "key custodians"}),
    )
    .await
    .ok();
    let listed = alice.get("/v1/approver-groups").await.ok();
    assert_eq!(listed["groups"][0]["name"], "custodians", "{listed}");

    let key = alice.create_key("aes-256-gcm").await;
    let policy = json!({"manage": {"any_of": [{"all_of": [
        {"required": 1, "approvers": ["group:custodians"]}
    ]}]}});
    let r = put_policy(&alice, &key, &policy).await;
    assert!(r.status.is_success(), "{}", r.text());
    let id = pending_id(
        &alice
            .post(&format!("/v1/keys/{key}/rotate"), json!({}))
            .await,
    );
    let r = bob
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await
        .ok();
    assert_eq!(r["state"], "executed", "{r}");

    // In use: it may shrink, not grow, and not be deleted.
    let (_, dave_p) = person(&admin, "dave", "readonly").await;
    put(&admin, json!({"members": [&bob_p, &carol_p, &dave_p]}))
        .await
        .err(400, "invalid_argument");
    put(&admin, json!({"members": [&bob_p]})).await.ok();
    admin
        .delete("/v1/approver-groups/custodians")
        .await
        .err(409, "in_use");
}
