//! Dual control through the service with several people: M-of-N quorums,
//! alternatives, timelocks, expiry, denial, self-approval, duplicate
//! approvals, racing approvals (exactly one execution), policy weakening
//! and tightening, and the audit trail of every step.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::approvals::{actions, enc, group, guarded_key, pending_id, person, rule};
use common::harness;
use tresor_core::{Algorithm, AuditFilter, KeyState, Operation, Role};
use tresor_service::approvals::{Executed, KeyPolicy, RequestState, UsageLimits};
use tresor_service::types::{Binding, DecryptRequest, KeySpec, KeyUpdate};
use tresor_service::types::{SignData, SignRequest};
use tresor_service::{KeyRef, ServiceError, verify_store_chain};

#[tokio::test]
async fn two_of_three_for_destroy() {
    let h = harness().await;
    let policy = KeyPolicy {
        destroy: Some(rule(vec![vec![group(
            2,
            &["bob", "carol", "dave"],
            0,
            3600,
        )]])),
        ..Default::default()
    };
    let key = guarded_key(&h, Algorithm::Aes256Gcm, policy).await;
    let alice = person("alice", Role::Admin);
    let (bob, carol, dave) = (
        person("bob", Role::Readonly),
        person("carol", Role::Readonly),
        person("dave", Role::Readonly),
    );
    // Managing stays free: the key can be deactivated without approval.
    h.kms
        .revoke_key(
            &alice,
            &key,
            tresor_core::RevocationReason::Superseded,
            None,
        )
        .await
        .unwrap();
    let id = pending_id(h.kms.destroy_key(&alice, &key).await.unwrap_err());
    let k = h.kms.get_key(&alice, &key).await.unwrap();
    assert_eq!(k.key.state, KeyState::Deactivated, "nothing happened yet");

    // Bob sees the task; alice cannot approve her own request.
    let tasks = h.kms.approval_tasks(&bob).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].summary["operation"], "destroy");
    assert!(h.kms.approval_tasks(&alice).await.unwrap().is_empty());
    assert!(matches!(
        h.kms.answer_request(&alice, &id, true, None).await,
        Err(ServiceError::SelfApproval)
    ));
    // Someone outside the group cannot approve.
    let eve = person("eve", Role::Admin);
    assert!(matches!(
        h.kms.answer_request(&eve, &id, true, None).await,
        Err(ServiceError::Forbidden { .. })
    ));

    let v = h.kms.answer_request(&bob, &id, true, None).await.unwrap();
    assert_eq!(v.state, RequestState::Pending);
    // Bob's second approval does not count twice.
    assert!(matches!(
        h.kms.answer_request(&bob, &id, true, None).await,
        Err(ServiceError::AlreadyExists { .. })
    ));
    assert_eq!(h.kms.approval_tasks(&bob).await.unwrap().len(), 0);
    // Carol's approval meets the quorum: the destroy runs at once.
    let v = h.kms.answer_request(&carol, &id, true, None).await.unwrap();
    assert_eq!(v.state, RequestState::Executed, "{v:?}");
    let k = h.kms.get_key(&alice, &key).await.unwrap();
    assert_eq!(k.key.state, KeyState::Destroyed);
    // Replaying an approval on a finished request fails.
    assert!(matches!(
        h.kms.answer_request(&dave, &id, true, None).await,
        Err(ServiceError::WrongState(_))
    ));
    assert_eq!(actions(&h, "key.destroy").await, 2, "parked + executed");
    assert_eq!(
        actions(&h, "approval.approve").await,
        6,
        "2 refused, 1 duplicate, 1 late"
    );
    assert!(verify_store_chain(&h.store).await.unwrap().ok());
}

#[tokio::test]
async fn either_of_two_groups_for_sign_and_the_result_once() {
    let h = harness().await;
    let policy = KeyPolicy {
        use_: Some(rule(vec![
            vec![group(2, &["bob", "carol"], 0, 3600)],
            vec![group(1, &["sec1", "sec2"], 0, 3600)],
        ])),
        ..Default::default()
    };
    let key = guarded_key(&h, Algorithm::EcP256, policy).await;
    let alice = person("alice", Role::User);
    let req = || SignRequest {
        data: SignData::Message(b"release 1.0".to_vec()),
        scheme: None,
        raw_signature: false,
    };
    let id = pending_id(h.kms.sign(&alice, &key, req()).await.unwrap_err());
    // One of the security group suffices.
    let v = h
        .kms
        .answer_request(&person("sec2", Role::Readonly), &id, true, None)
        .await
        .unwrap();
    assert_eq!(
        v.state,
        RequestState::Approved,
        "crypto waits for the requester"
    );
    // Only the requester receives the result, once.
    let other = h
        .kms
        .get_request(&person("sec2", Role::Readonly), &id)
        .await
        .unwrap();
    assert!(other.result.is_none());
    let mine = h.kms.get_request(&alice, &id).await.unwrap();
    assert_eq!(mine.state, RequestState::Executed);
    let Some(Executed::Sign(sig)) = mine.result else {
        panic!("no signature: {mine:?}");
    };
    let again = h.kms.get_request(&alice, &id).await.unwrap();
    assert!(again.result.is_none());
    assert_eq!(again.state, RequestState::Executed);
    // The signature verifies with the key (verify is not guarded).
    let ok = h
        .kms
        .verify(
            &alice,
            &key,
            tresor_service::types::VerifyRequest {
                data: SignData::Message(b"release 1.0".to_vec()),
                signature: sig.signature,
                scheme: None,
                key_version: None,
                raw_signature: false,
            },
        )
        .await
        .unwrap();
    assert!(ok.valid);
}

#[tokio::test]
async fn timelock_expiry_and_deny() {
    let h = harness().await;
    let policy = KeyPolicy {
        use_: Some(rule(vec![vec![group(1, &["bob", "carol"], 600, 3600)]])),
        ..Default::default()
    };
    let key = guarded_key(&h, Algorithm::Aes256Gcm, policy).await;
    let alice = person("alice", Role::User);
    let bob = person("bob", Role::Readonly);

    // Timelock: approved, but nothing is released before 600 s.
    let id = pending_id(
        h.kms
            .encrypt(&alice, &key, enc(b"payroll"))
            .await
            .unwrap_err(),
    );
    let v = h.kms.answer_request(&bob, &id, true, None).await.unwrap();
    assert_eq!(v.state, RequestState::Approved);
    let early = h.kms.get_request(&alice, &id).await.unwrap();
    assert!(early.result.is_none());
    assert_eq!(early.state, RequestState::Approved);
    h.clock.advance_seconds(601);
    let later = h.kms.get_request(&alice, &id).await.unwrap();
    let Some(Executed::Encrypt(ct)) = later.result else {
        panic!("no ciphertext: {later:?}");
    };
    // The ciphertext is real: an approved decrypt opens it.
    let id2 = pending_id(
        h.kms
            .decrypt(
                &alice,
                &key,
                DecryptRequest {
                    ciphertext: ct.ciphertext,
                    binding: Binding::default(),
                    key_version: None,
                },
            )
            .await
            .unwrap_err(),
    );
    h.kms.answer_request(&bob, &id2, true, None).await.unwrap();
    h.clock.advance_seconds(601);
    let Some(Executed::Decrypt(pt)) = h.kms.get_request(&alice, &id2).await.unwrap().result else {
        panic!("no plaintext");
    };
    assert_eq!(pt.plaintext.expose(), b"payroll");

    // Expiry: after the timeout nobody can approve.
    let id3 = pending_id(h.kms.encrypt(&alice, &key, enc(b"x")).await.unwrap_err());
    h.clock.advance_seconds(3601);
    assert!(matches!(
        h.kms.answer_request(&bob, &id3, true, None).await,
        Err(ServiceError::WrongState(m)) if m.contains("expired")
    ));
    assert_eq!(
        h.kms.get_request(&alice, &id3).await.unwrap().state,
        RequestState::Expired
    );
    assert_eq!(actions(&h, "approval.expire").await, 1);

    // Deny: final.
    let id4 = pending_id(h.kms.encrypt(&alice, &key, enc(b"y")).await.unwrap_err());
    let v = h.kms.answer_request(&bob, &id4, false, None).await.unwrap();
    assert_eq!(v.state, RequestState::Denied);
    let carol = person("carol", Role::Readonly);
    assert!(
        h.kms
            .answer_request(&carol, &id4, true, None)
            .await
            .is_err()
    );
    assert!(
        h.kms
            .get_request(&alice, &id4)
            .await
            .unwrap()
            .result
            .is_none()
    );
    assert!(verify_store_chain(&h.store).await.unwrap().ok());
}

#[tokio::test]
async fn racing_approvals_execute_once() {
    let h = harness().await;
    let policy = KeyPolicy {
        manage: Some(rule(vec![vec![group(
            2,
            &["b1", "b2", "b3", "b4"],
            0,
            3600,
        )]])),
        ..Default::default()
    };
    let key = guarded_key(&h, Algorithm::Aes256Gcm, policy).await;
    let alice = person("alice", Role::User);
    let id = pending_id(h.kms.rotate_key(&alice, &key, None).await.unwrap_err());
    h.kms
        .answer_request(&person("b1", Role::Readonly), &id, true, None)
        .await
        .unwrap();
    // Three approvers race to cast the deciding vote.
    let mut tasks = Vec::new();
    for who in ["b2", "b3", "b4"] {
        let kms = h.kms.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            kms.answer_request(&person(who, Role::Readonly), &id, true, None)
                .await
        }));
    }
    let mut executed = 0;
    for t in tasks {
        if let Ok(v) = t.await.unwrap() {
            executed += usize::from(v.state == RequestState::Executed);
        }
    }
    assert!(executed >= 1);
    let k = h.kms.get_key(&alice, &key).await.unwrap();
    assert_eq!(k.versions.len(), 2, "rotated exactly once");
    assert_eq!(
        h.kms.get_request(&alice, &id).await.unwrap().state,
        RequestState::Executed
    );
}

#[tokio::test]
async fn policy_weakening_needs_quorum_and_tightening_does_not() {
    let h = harness().await;
    let base = KeyPolicy {
        destroy: Some(rule(vec![vec![group(
            2,
            &["bob", "carol", "dave"],
            0,
            3600,
        )]])),
        policy: Some(rule(vec![vec![group(
            2,
            &["bob", "carol", "dave"],
            0,
            3600,
        )]])),
        ..Default::default()
    };
    let key = guarded_key(&h, Algorithm::Aes256Gcm, base.clone()).await;
    let alice = person("alice", Role::Admin);
    // Weakening alone: parked, nothing changes.
    let id = pending_id(
        h.kms
            .set_key_policy(&alice, &key, KeyPolicy::default())
            .await
            .unwrap_err(),
    );
    assert_eq!(h.kms.get_key_policy(&alice, &key).await.unwrap(), base);
    // Tightening: immediate (3 of 3 instead of 2 of 3 for destroy).
    let mut tighter = base.clone();
    tighter.destroy = Some(rule(vec![vec![group(
        3,
        &["bob", "carol", "dave"],
        0,
        3600,
    )]]));
    h.kms
        .set_key_policy(&alice, &key, tighter.clone())
        .await
        .unwrap();
    assert_eq!(h.kms.get_key_policy(&alice, &key).await.unwrap(), tighter);
    // Narrowing a key's attributes is free; widening them is not.
    let alice_user = person("alice", Role::User);
    let narrow = KeyUpdate {
        operations: Some([Operation::Encrypt, Operation::Decrypt].into()),
        ..Default::default()
    };
    h.kms.update_key(&alice_user, &key, narrow).await.unwrap();
    // The quorum lets the weakening through.
    h.kms
        .answer_request(&person("bob", Role::Readonly), &id, true, None)
        .await
        .unwrap();
    let v = h
        .kms
        .answer_request(&person("carol", Role::Readonly), &id, true, None)
        .await
        .unwrap();
    assert_eq!(v.state, RequestState::Executed, "{v:?}");
    assert_eq!(
        h.kms.get_key_policy(&alice, &key).await.unwrap(),
        KeyPolicy::default()
    );
    // Without rules the key is free again.
    h.kms.disable_key(&alice, &key).await.unwrap();
}

#[tokio::test]
async fn guarded_operations_that_cannot_wait_are_refused() {
    let h = harness().await;
    let policy = KeyPolicy {
        use_: Some(rule(vec![vec![group(1, &["bob"], 0, 3600)]])),
        manage: Some(rule(vec![vec![group(1, &["bob"], 0, 3600)]])),
        ..Default::default()
    };
    let key = guarded_key(&h, Algorithm::Aes256Gcm, policy).await;
    let alice = person("alice", Role::User);
    let r = h
        .kms
        .generate_data_key(
            &alice,
            &key,
            tresor_service::types::DataKeyRequest {
                bytes: 32,
                binding: Binding::default(),
                include_plaintext: true,
            },
        )
        .await;
    assert!(
        matches!(r, Err(ServiceError::ApprovalRequired { class: "use" })),
        "{r:?}"
    );
    let widen = KeyUpdate {
        description: Some("x".into()),
        tags: Some([("team".to_owned(), "a".to_owned())].into()),
        ..Default::default()
    };
    let r = h.kms.update_key(&alice, &key, widen).await;
    assert!(
        matches!(r, Err(ServiceError::ApprovalRequired { class: "manage" })),
        "{r:?}"
    );
    // The reserved marker tag cannot be removed by an update either.
    let k = h.kms.get_key(&alice, &key).await.unwrap();
    assert_eq!(
        k.key.tags.get("tresor:policy").map(String::as_str),
        Some("use,manage")
    );
}

#[tokio::test]
async fn a_replacement_inherits_the_policy() {
    let h = harness().await;
    let policy = KeyPolicy {
        use_: Some(rule(vec![vec![group(1, &["bob"], 0, 3600)]])),
        ..Default::default()
    };
    let key = guarded_key(&h, Algorithm::EcP256, policy.clone()).await;
    let alice = person("alice", Role::User);
    // Re-keying is a `manage` operation, which this policy leaves free; the
    // new key must still be guarded for use.
    let replaced = h
        .kms
        .replace_key(
            &alice,
            &key,
            tresor_service::replace::Replacement {
                activate: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let new = KeyRef::Id(replaced.new.key.id);
    assert_eq!(h.kms.get_key_policy(&alice, &new).await.unwrap(), policy);
    let r = h
        .kms
        .sign(
            &alice,
            &new,
            SignRequest {
                data: SignData::Message(b"m".to_vec()),
                scheme: None,
                raw_signature: false,
            },
        )
        .await;
    assert!(
        matches!(r, Err(ServiceError::ApprovalPending { .. })),
        "{r:?}"
    );
}

#[tokio::test]
async fn usage_limits_window_network_and_count() {
    let h = harness().await;
    let policy = KeyPolicy {
        limits: UsageLimits {
            max_operations: Some(3),
            networks: Some(vec!["127.0.0.0/8".into(), "::1/128".into()]),
            ..Default::default()
        },
        policy: Some(rule(vec![vec![group(1, &["bob"], 0, 3600)]])),
        ..Default::default()
    };
    let key = guarded_key(&h, Algorithm::Aes256Gcm, policy.clone()).await;
    let alice = person("alice", Role::User);
    let mut outsider = alice.clone();
    outsider.source = Some("10.1.2.3".into());
    let r = h.kms.encrypt(&outsider, &key, enc(b"x")).await;
    assert!(matches!(r, Err(ServiceError::LimitReached(_))), "{r:?}");
    for _ in 0..3 {
        h.kms.encrypt(&alice, &key, enc(b"x")).await.unwrap();
    }
    // The third use deactivated the key, as the system.
    let k = h.kms.get_key(&alice, &key).await.unwrap();
    assert_eq!(k.key.state, KeyState::Deactivated);
    let filter = AuditFilter {
        action: Some("key.revoke".into()),
        principal: Some("system:scheduler".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(h.store.list_audit(&filter).await.unwrap().len(), 1);
    assert!(h.kms.encrypt(&alice, &key, enc(b"x")).await.is_err());

    // Raising the count loosens: the `policy` rule's quorum is needed.
    let mut looser = policy.clone();
    looser.limits.max_operations = Some(10);
    let r = h.kms.set_key_policy(&alice, &key, looser).await;
    assert!(
        matches!(r, Err(ServiceError::ApprovalPending { .. })),
        "{r:?}"
    );

    // A window and an operation list.
    let later = KeyPolicy {
        limits: UsageLimits {
            operations: Some([Operation::Decrypt].into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let k2 = guarded_key(&h, Algorithm::Aes256Gcm, later).await;
    let r = h.kms.encrypt(&alice, &k2, enc(b"x")).await;
    assert!(
        matches!(r, Err(ServiceError::OperationNotAllowed(_))),
        "{r:?}"
    );
    let future = KeyPolicy {
        limits: UsageLimits {
            not_before: Some("2099-01-01T00:00:00Z".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let k3 = guarded_key(&h, Algorithm::Aes256Gcm, future).await;
    let r = h.kms.encrypt(&alice, &k3, enc(b"x")).await;
    assert!(
        matches!(&r, Err(ServiceError::LimitReached(m)) if m.contains("before")),
        "{r:?}"
    );
    assert!(verify_store_chain(&h.store).await.unwrap().ok());
}

#[tokio::test]
async fn new_keys_get_the_tenant_default_policy() {
    let h = harness().await;
    let default = KeyPolicy {
        destroy: Some(rule(vec![vec![group(2, &["bob", "carol"], 0, 3600)]])),
        ..Default::default()
    };
    let alice = person("alice", Role::User);
    let admin = person("root", Role::Admin);
    assert!(matches!(
        h.kms.set_default_key_policy(&alice, default.clone()).await,
        Err(ServiceError::Forbidden { .. })
    ));
    h.kms
        .set_default_key_policy(&admin, default.clone())
        .await
        .unwrap();
    assert_eq!(h.kms.get_default_key_policy(&alice).await.unwrap(), default);
    let k = h
        .kms
        .create_key(&alice, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let key = KeyRef::Id(k.key.id);
    assert_eq!(h.kms.get_key_policy(&alice, &key).await.unwrap(), default);
    h.kms
        .revoke_key(
            &alice,
            &key,
            tresor_core::RevocationReason::Superseded,
            None,
        )
        .await
        .unwrap();
    let r = h.kms.destroy_key(&admin, &key).await;
    assert!(
        matches!(r, Err(ServiceError::ApprovalPending { .. })),
        "{r:?}"
    );
}

#[tokio::test]
async fn alerts_for_waiting_approvals_and_used_up_limits() {
    use tresor_service::alerts::AlertThresholds;
    let h = harness().await;
    let t = AlertThresholds {
        verify_chain: false,
        approvals_waiting_hours: 2,
        usage_limit_percent: 50,
        ..AlertThresholds::default()
    };
    let active = |rule: &'static str| {
        let kms = h.kms.clone();
        let t = t.clone();
        async move { kms.evaluate_alerts(&t).await.unwrap().0.active[rule] }
    };
    let policy = KeyPolicy {
        destroy: Some(rule(vec![vec![group(1, &["bob"], 0, 86_400)]])),
        limits: UsageLimits {
            max_operations: Some(4),
            ..Default::default()
        },
        ..Default::default()
    };
    let key = guarded_key(&h, Algorithm::Aes256Gcm, policy).await;
    let alice = person("alice", Role::Admin);
    // Usage: 1 of 4 is below 50 %, 2 of 4 is not.
    h.kms.encrypt(&alice, &key, enc(b"x")).await.unwrap();
    assert_eq!(active("usage_limit_near").await, 0);
    h.kms.encrypt(&alice, &key, enc(b"x")).await.unwrap();
    assert_eq!(active("usage_limit_near").await, 1);

    // A request waiting longer than 2 hours; parked calls are not
    // counted as denials.
    h.kms
        .revoke_key(
            &alice,
            &key,
            tresor_core::RevocationReason::Superseded,
            None,
        )
        .await
        .unwrap();
    let id = pending_id(h.kms.destroy_key(&alice, &key).await.unwrap_err());
    assert_eq!(active("approvals_waiting").await, 0);
    h.clock.advance_seconds(3 * 3600);
    assert_eq!(active("approvals_waiting").await, 1);
    h.kms
        .answer_request(&person("bob", Role::Readonly), &id, false, None)
        .await
        .unwrap();
    assert_eq!(
        active("approvals_waiting").await,
        0,
        "cleared once answered"
    );
    assert_eq!(active("denied_operations").await, 0);
}

#[tokio::test]
async fn groups_that_require_signatures_count_only_signed_approvals() {
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
    let h = harness().await;
    let mut custodians = group(1, &["bob"], 0, 3600);
    custodians.require_signature = true;
    let policy = KeyPolicy {
        manage: Some(rule(vec![vec![custodians]])),
        ..Default::default()
    };
    let key = guarded_key(&h, Algorithm::Aes256Gcm, policy).await;
    let alice = person("alice", Role::User);
    let bob = person("bob", Role::Readonly);
    let id = pending_id(h.kms.disable_key(&alice, &key).await.unwrap_err());

    // Unsigned, or signed without a registered key: refused, nothing counted.
    let r = h.kms.answer_request(&bob, &id, true, None).await;
    assert!(
        matches!(
            r,
            Err(ServiceError::InvalidArgument {
                field: "signature",
                ..
            })
        ),
        "{r:?}"
    );
    let r = h.kms.answer_request(&bob, &id, true, Some(b"junk")).await;
    assert!(
        matches!(
            r,
            Err(ServiceError::InvalidArgument {
                field: "signature",
                ..
            })
        ),
        "{r:?}"
    );

    // Bob registers an Ed25519 key; a second registration by him is refused.
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    let mut spki = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    spki.extend_from_slice(pair.public_key().as_ref());
    let pem = pem::encode(&pem::Pem::new("PUBLIC KEY", spki));
    h.kms.register_approver_key(&bob, &pem).await.unwrap();
    assert!(h.kms.register_approver_key(&bob, &pem).await.is_err());

    // A signature over another request's challenge does not verify.
    let view = h.kms.get_request(&bob, &id).await.unwrap();
    let wrong = pair.sign(b"tresor-approval-v1\nsomething else\n");
    let r = h
        .kms
        .answer_request(&bob, &id, true, Some(wrong.as_ref()))
        .await;
    assert!(
        matches!(
            r,
            Err(ServiceError::InvalidArgument {
                field: "signature",
                ..
            })
        ),
        "{r:?}"
    );
    let sig = pair.sign(&view.challenge);
    let v = h
        .kms
        .answer_request(&bob, &id, true, Some(sig.as_ref()))
        .await
        .unwrap();
    assert_eq!(v.state, RequestState::Executed, "{v:?}");
    assert!(v.approvals[0].signed);
    let k = h.kms.get_key(&alice, &key).await.unwrap();
    assert_eq!(k.key.state, KeyState::Suspended);
}
