//! Approver groups and bounds on pending requests, through the service:
//! groups expand when a request opens, only shrink while a policy names
//! them, and stop pinning once the key is destroyed; one requester cannot
//! keep more than a bounded number of requests pending.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::approvals::{actions, group, guarded_key, pending_id, person, rule};
use common::harness;
use tresor_core::{Algorithm, Role};
use tresor_service::approvals::{KeyPolicy, RequestState};
use tresor_service::types::KeySpec;
use tresor_service::{KeyRef, ServiceError};

#[tokio::test]
async fn approver_groups_expand_at_request_time_and_only_shrink_while_used() {
    let h = harness().await;
    let admin = person("admin", Role::Admin);
    let members =
        |names: &[&str]| -> Vec<String> { names.iter().map(|n| format!("user:{n}")).collect() };
    h.kms
        .put_approver_group(
            &admin,
            "custodians",
            members(&["bob", "carol", "dave"]),
            None,
        )
        .await
        .unwrap();
    // A group in a group, or a bad name, is refused.
    assert!(
        h.kms
            .put_approver_group(&admin, "nested", vec!["group:custodians".into()], None)
            .await
            .is_err()
    );
    assert!(
        h.kms
            .put_approver_group(&admin, "Bad Name", members(&["bob"]), None)
            .await
            .is_err()
    );
    // Only admins manage groups.
    assert!(matches!(
        h.kms
            .put_approver_group(
                &person("alice", Role::User),
                "mine",
                members(&["alice"]),
                None
            )
            .await,
        Err(ServiceError::Forbidden { .. })
    ));

    let mut quorum = group(2, &[], 0, 3600);
    quorum.approvers = vec!["group:custodians".into()];
    let policy = KeyPolicy {
        manage: Some(rule(vec![vec![quorum.clone()]])),
        ..Default::default()
    };
    // A policy naming a group that does not exist is refused.
    let mut unknown = quorum.clone();
    unknown.approvers = vec!["group:nobody".into()];
    let alice = person("alice", Role::User);
    let k0 = h
        .kms
        .create_key(&alice, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let bad = KeyPolicy {
        manage: Some(rule(vec![vec![unknown]])),
        ..Default::default()
    };
    let e = h
        .kms
        .set_key_policy(&alice, &KeyRef::Id(k0.key.id), bad)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("nobody"), "{e}");

    let key = guarded_key(&h, Algorithm::Aes256Gcm, policy).await;
    let id = pending_id(h.kms.rotate_key(&alice, &key, None).await.unwrap_err());
    let e = h
        .kms
        .answer_request(&person("eve", Role::Readonly), &id, true, None)
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Forbidden { .. }), "{e:?}");
    h.kms
        .answer_request(&person("bob", Role::Readonly), &id, true, None)
        .await
        .unwrap();
    let v = h
        .kms
        .answer_request(&person("carol", Role::Readonly), &id, true, None)
        .await
        .unwrap();
    assert_eq!(v.state, RequestState::Executed);

    // A second request opens while dave is a member; then the group
    // shrinks. Dave may still answer the open request.
    let id2 = pending_id(h.kms.rotate_key(&alice, &key, None).await.unwrap_err());
    let add = h
        .kms
        .put_approver_group(
            &admin,
            "custodians",
            members(&["bob", "carol", "dave", "erin"]),
            None,
        )
        .await
        .unwrap_err();
    assert!(add.to_string().contains("only shrink"), "{add}");
    h.kms
        .put_approver_group(&admin, "custodians", members(&["bob", "carol"]), None)
        .await
        .unwrap();
    let below = h
        .kms
        .put_approver_group(&admin, "custodians", members(&["bob"]), None)
        .await
        .unwrap_err();
    assert!(below.to_string().contains("needs 2"), "{below}");
    h.kms
        .answer_request(&person("dave", Role::Readonly), &id2, true, None)
        .await
        .unwrap();
    let v = h
        .kms
        .answer_request(&person("bob", Role::Readonly), &id2, true, None)
        .await
        .unwrap();
    assert_eq!(v.state, RequestState::Executed);
    // A group in use cannot be deleted; an unused one can.
    assert!(matches!(
        h.kms.delete_approver_group(&admin, "custodians").await,
        Err(ServiceError::InUse(_))
    ));
    h.kms
        .put_approver_group(&admin, "spare", members(&["x"]), Some("unused".into()))
        .await
        .unwrap();
    h.kms.delete_approver_group(&admin, "spare").await.unwrap();
    let groups = h.kms.list_approver_groups(&alice).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].members, members(&["bob", "carol"]));
    assert!(actions(&h, "approver_group.set").await >= 5);

    // A destroyed key's policy no longer pins a group.
    h.kms
        .put_approver_group(&admin, "temp", members(&["bob", "carol"]), None)
        .await
        .unwrap();
    let mut q = group(1, &[], 0, 3600);
    q.approvers = vec!["group:temp".into()];
    let k = guarded_key(
        &h,
        Algorithm::Aes256Gcm,
        KeyPolicy {
            use_: Some(rule(vec![vec![q]])),
            ..Default::default()
        },
    )
    .await;
    assert!(
        h.kms
            .put_approver_group(&admin, "temp", members(&["bob", "carol", "erin"]), None)
            .await
            .is_err()
    );
    h.kms.disable_key(&admin, &k).await.unwrap();
    h.kms.destroy_key(&admin, &k).await.unwrap();
    h.kms
        .put_approver_group(&admin, "temp", members(&["bob", "carol", "erin"]), None)
        .await
        .unwrap();
    h.kms.delete_approver_group(&admin, "temp").await.unwrap();
}

#[tokio::test]
async fn pending_requests_per_requester_are_bounded() {
    use tresor_service::approvals::requests::MAX_PENDING_PER_REQUESTER;
    let h = harness().await;
    let policy = KeyPolicy {
        manage: Some(rule(vec![vec![group(1, &["bob"], 0, 3600)]])),
        ..Default::default()
    };
    let key = guarded_key(&h, Algorithm::Aes256Gcm, policy).await;
    let alice = person("alice", Role::User);
    for _ in 0..MAX_PENDING_PER_REQUESTER {
        pending_id(h.kms.rotate_key(&alice, &key, None).await.unwrap_err());
    }
    let e = h.kms.rotate_key(&alice, &key, None).await.unwrap_err();
    assert!(matches!(e, ServiceError::QuotaExceeded { .. }), "{e:?}");
    // Another requester is not affected.
    let other = person("ann", Role::User);
    pending_id(h.kms.rotate_key(&other, &key, None).await.unwrap_err());
    // Once they time out, they stop counting.
    h.clock.advance_seconds(3601);
    pending_id(h.kms.rotate_key(&alice, &key, None).await.unwrap_err());
    assert!(actions(&h, "approval.expire").await >= MAX_PENDING_PER_REQUESTER as usize);
}
