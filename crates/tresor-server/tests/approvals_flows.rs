//! Dual-control flows over REST with several API-key principals: an OR of
//! two groups for signing (the requester collects the signature once), a
//! timelock, an expiry, a denial, a policy weakening that must wait for its
//! quorum while tightening does not, and an operation count that
//! deactivates the key when used up. The audit chain verifies at the end.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::approvals::{pending_id, person, put_policy};
use common::{Env, b64, unb64};
use serde_json::{Value, json};

fn group(m: u32, who: &[&String], timelock: u64, timeout: u64) -> Value {
    json!({"required": m, "approvers": who, "timelock_secs": timelock, "timeout_secs": timeout})
}

#[tokio::test]
async fn or_of_two_groups_for_sign_timelock_expiry_and_deny() {
    let env = Env::shared();
    let (_, admin) = env.tenant("flows").await;
    let (alice, _) = person(&admin, "alice", "user").await;
    let (bob, bob_p) = person(&admin, "bob", "readonly").await;
    let (carol, carol_p) = person(&admin, "carol", "readonly").await;
    let (sec, sec_p) = person(&admin, "sec", "readonly").await;

    // Sign: two of {bob, carol}, or the security officer alone.
    let signer = alice.create_key("ec-p256").await;
    let policy = json!({"use": {"any_of": [
        {"all_of": [group(2, &[&bob_p, &carol_p], 0, 3600)]},
        {"all_of": [group(1, &[&sec_p], 0, 3600)]}
    ]}});
    assert!(
        put_policy(&alice, &signer, &policy)
            .await
            .status
            .is_success()
    );
    let msg = b64(b"release 2027.1");
    let r = alice.op(&signer, "sign", json!({"message": msg})).await;
    let id = pending_id(&r);
    let v = sec
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await
        .ok();
    assert_eq!(v["state"], "approved", "{v}");
    let done = alice.get(&format!("/v1/requests/{id}")).await.ok();
    let sig = unb64(&done["result"]["signature"]);
    assert!(alice.verify(&signer, b"release 2027.1", &sig).await);
    // The other alternative works too: both custodians.
    let id = pending_id(&alice.op(&signer, "sign", json!({"message": msg})).await);
    bob.post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await
        .ok();
    let half = alice.get(&format!("/v1/requests/{id}")).await.ok();
    assert_eq!(half["state"], "pending", "one of two is not enough: {half}");
    carol
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await
        .ok();
    let done = alice.get(&format!("/v1/requests/{id}")).await.ok();
    assert_eq!(done["state"], "executed", "{done}");

    // Manage with a two-second timelock and a two-second timeout.
    let key = alice.create_key("aes-256-gcm").await;
    let policy = json!({"manage": {"any_of": [{"all_of": [group(1, &[&bob_p], 2, 2)]}]}});
    assert!(put_policy(&alice, &key, &policy).await.status.is_success());
    let id = pending_id(
        &alice
            .post(&format!("/v1/keys/{key}/rotate"), json!({}))
            .await,
    );
    let v = bob
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await
        .ok();
    assert_eq!(v["state"], "approved", "{v}");
    assert!(v["executable_at"].is_string(), "{v}");
    let early = alice.get(&format!("/v1/requests/{id}")).await.ok();
    assert_eq!(early["state"], "approved", "the timelock holds: {early}");
    assert_eq!(alice.key(&key).await["primary_version"], 1);
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let late = alice.get(&format!("/v1/requests/{id}")).await.ok();
    assert_eq!(late["state"], "executed", "{late}");
    assert_eq!(alice.key(&key).await["primary_version"], 2);

    // Expiry: nobody answered in time.
    let id = pending_id(
        &alice
            .post(&format!("/v1/keys/{key}/rotate"), json!({}))
            .await,
    );
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let r = bob
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await;
    assert_eq!(r.status.as_u16(), 409, "{}", r.text());
    let gone = alice.get(&format!("/v1/requests/{id}")).await.ok();
    assert_eq!(gone["state"], "expired", "{gone}");

    // Deny is final.
    let id = pending_id(
        &alice
            .post(&format!("/v1/keys/{key}/rotate"), json!({}))
            .await,
    );
    let d = bob
        .post(&format!("/v1/approvals/{id}/deny"), json!({}))
        .await
        .ok();
    assert_eq!(d["state"], "denied", "{d}");
    let r = bob
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await;
    assert_eq!(r.status.as_u16(), 409, "{}", r.text());
    assert_eq!(alice.key(&key).await["primary_version"], 2);

    let audit = admin.audit().await;
    for action in [
        "approval.request",
        "approval.approve",
        "approval.deny",
        "approval.expire",
        "approval.execute",
    ] {
        assert!(
            audit.iter().any(|r| r["action"] == action),
            "{action} missing"
        );
    }
    let v = admin.post("/v1/audit/verify", json!({})).await.ok();
    assert_eq!(v["ok"], true, "{v}");
}

#[tokio::test]
async fn weakening_waits_tightening_does_not_and_counts_run_out() {
    let env = Env::shared();
    let (_, admin) = env.tenant("flows2").await;
    let (alice, _) = person(&admin, "alice", "user").await;
    let (bob, bob_p) = person(&admin, "bob", "readonly").await;
    let (_carol, carol_p) = person(&admin, "carol", "readonly").await;

    let key = alice.create_key("aes-256-gcm").await;
    let strict = json!({
        "destroy": {"any_of": [{"all_of": [group(2, &[&bob_p, &carol_p], 0, 3600)]}]},
        "policy": {"any_of": [{"all_of": [group(1, &[&bob_p], 0, 3600)]}]}
    });
    assert!(put_policy(&alice, &key, &strict).await.status.is_success());
    // Weakening (destroy by one approver) waits for the policy quorum.
    let weaker = json!({
        "destroy": {"any_of": [{"all_of": [group(1, &[&bob_p, &carol_p], 0, 3600)]}]},
        "policy": {"any_of": [{"all_of": [group(1, &[&bob_p], 0, 3600)]}]}
    });
    let id = pending_id(&put_policy(&alice, &key, &weaker).await);
    let now = alice.get(&format!("/v1/keys/{key}/policy")).await.ok();
    assert_eq!(now["destroy"]["any_of"][0]["all_of"][0]["required"], 2);
    // Tightening (adding a manage rule) needs nobody.
    let tighter = json!({
        "destroy": {"any_of": [{"all_of": [group(2, &[&bob_p, &carol_p], 0, 3600)]}]},
        "manage": {"any_of": [{"all_of": [group(1, &[&bob_p], 0, 3600)]}]},
        "policy": {"any_of": [{"all_of": [group(1, &[&bob_p], 0, 3600)]}]}
    });
    let r = put_policy(&alice, &key, &tighter).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text());
    // The weakening runs once the policy quorum approves it.
    let v = bob
        .post(&format!("/v1/approvals/{id}/approve"), json!({}))
        .await
        .ok();
    assert_eq!(v["state"], "executed", "{v}");
    let now = alice.get(&format!("/v1/keys/{key}/policy")).await.ok();
    assert_eq!(
        now["destroy"]["any_of"][0]["all_of"][0]["required"], 1,
        "{now}"
    );

    // An operation count: two uses, then the key deactivates.
    let counted = alice.create_key("aes-256-gcm").await;
    let limits = json!({"limits": {"max_operations": 2}});
    assert!(
        put_policy(&alice, &counted, &limits)
            .await
            .status
            .is_success()
    );
    alice.encrypt(&counted, b"one").await;
    alice.encrypt(&counted, b"two").await;
    let r = alice
        .op(&counted, "encrypt", json!({"plaintext": b64(b"three")}))
        .await;
    // The second use reached the maximum and deactivated the key.
    assert_eq!(
        r.code().as_deref(),
        Some("invalid_key_state"),
        "{}",
        r.text()
    );
    assert_eq!(alice.key(&counted).await["state"], "deactivated");
    let revoked = admin
        .audit()
        .await
        .into_iter()
        .any(|r| r["action"] == "key.revoke" && r["principal"] == "system:scheduler");
    assert!(revoked, "the deactivation is audited");
    let v = admin.post("/v1/audit/verify", json!({})).await.ok();
    assert_eq!(v["ok"], true, "{v}");
}
