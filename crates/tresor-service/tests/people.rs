//! People through the service: first-admin set-up (once), sign-in and
//! lockout, TOTP enrolment with single-use codes and recovery codes,
//! sessions with idle timeouts and per-tenant roles, and the audit trail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::harness;
use tresor_core::{AuditFilter, Outcome, RequestId, Role, TenantId};
use tresor_service::people::{NewUser, UserUpdate};
use tresor_service::{RequestMeta, ServiceError};
use zeroize::Zeroizing;

fn meta() -> RequestMeta {
    RequestMeta {
        request_id: RequestId::generate(),
        source: Some("198.51.100.7".into()),
    }
}

const PW: &str = "correct-otter-staple-42";

fn code_at(base32: &str, unix_secs: u64) -> String {
    let secret = totp_rs::Secret::Encoded(base32.to_owned())
        .to_bytes()
        .unwrap();
    totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, secret)
        .unwrap()
        .generate(unix_secs)
}

fn now_secs(h: &common::Harness) -> u64 {
    use tresor_core::Clock;
    u64::try_from(h.clock.now().unix_micros() / 1_000_000).unwrap()
}

async fn audit(h: &common::Harness, action: &str) -> Vec<tresor_core::AuditRecord> {
    let f = AuditFilter {
        action: Some(action.into()),
        limit: 1000,
        ..Default::default()
    };
    h.store.list_audit(&f).await.unwrap()
}

#[tokio::test]
async fn first_admin_once_then_login_and_lockout() {
    let h = harness().await;
    assert!(h.kms.setup_needed().await.unwrap());
    let weak = h.kms.setup_first_admin("root", "short", meta()).await;
    assert!(matches!(weak, Err(ServiceError::InvalidArgument { .. })));
    let first = h.kms.setup_first_admin("root", PW, meta()).await.unwrap();
    assert!(first.token.starts_with("tses_"));
    assert_eq!(first.session.role, Some(Role::Admin));
    assert!(first.session.platform_admin);
    assert!(!h.kms.setup_needed().await.unwrap());
    let again = h.kms.setup_first_admin("other", PW, meta()).await;
    assert!(
        matches!(again, Err(ServiceError::WrongState(_))),
        "{again:?}"
    );

    // The session acts as admin of the default tenant.
    let (root, _) = h
        .kms
        .session_caller(&first.token, None, meta())
        .await
        .unwrap();
    assert_eq!(root.principal, "user:root");
    h.kms
        .create_user(
            &root,
            NewUser {
                name: "bob".into(),
                display_name: Some("Bob".into()),
                password: Zeroizing::new(PW.into()),
                platform_admin: false,
                roles: BTreeMap::from([("default".into(), Role::Readonly)]),
            },
        )
        .await
        .unwrap();
    let bob = h.kms.login("bob", PW, None, meta()).await.unwrap();
    let (bob_caller, view) = h
        .kms
        .session_caller(&bob.token, None, meta())
        .await
        .unwrap();
    assert_eq!(bob_caller.role, Role::Readonly);
    assert_eq!(view.tenants, Some(vec!["default".to_owned()]));

    // Unknown users and wrong passwords get the same answer.
    for (user, pw) in [("nobody", PW), ("bob", "wrong-password-123")] {
        let e = h.kms.login(user, pw, None, meta()).await.unwrap_err();
        assert!(matches!(e, ServiceError::Unauthenticated), "{e:?}");
    }
    // 20 wrong passwords lock the account (threshold 10 by default);
    // then even the right password is refused until the lock ends.
    for _ in 0..19 {
        let _ = h.kms.login("bob", "wrong-password-123", None, meta()).await;
    }
    let e = h.kms.login("bob", PW, None, meta()).await.unwrap_err();
    assert!(matches!(e, ServiceError::AccountLocked { .. }), "{e:?}");
    assert!(!audit(&h, "user.lockout").await.is_empty());
    // The failures raise the auth_failures alert for that user.
    let thresholds = tresor_service::alerts::AlertThresholds::default();
    h.kms.evaluate_alerts(&thresholds).await.unwrap();
    let alerts = h.kms.list_alerts(&h.admin, true, 1000).await.unwrap();
    assert!(
        alerts
            .iter()
            .any(|a| a.rule == "auth_failures" && a.subject == "user:bob"),
        "{alerts:?}"
    );
    let denied = audit(&h, "user.login").await;
    assert!(
        denied
            .iter()
            .filter(|r| r.event.outcome != Outcome::Success)
            .count()
            >= 20
    );
    h.clock.advance_seconds(15 * 60 + 1);
    h.kms.login("bob", PW, None, meta()).await.unwrap();

    // An admin can also unlock at once.
    for _ in 0..10 {
        let _ = h.kms.login("bob", "wrong-password-123", None, meta()).await;
    }
    assert!(h.kms.login("bob", PW, None, meta()).await.is_err());
    h.kms
        .update_user(
            &root,
            "bob",
            UserUpdate {
                unlock: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    h.kms.login("bob", PW, None, meta()).await.unwrap();

    // Readonly users cannot manage users; the failure is audited.
    let e = h.kms.list_users(&bob_caller).await.unwrap_err();
    assert!(matches!(e, ServiceError::Forbidden { .. }));
    assert_eq!(h.kms.list_users(&root).await.unwrap().len(), 2);
}

#[tokio::test]
async fn totp_enrolment_single_use_codes_and_recovery() {
    let mut config = tresor_service::KmsConfig::default();
    config.people.mfa_reverify_secs = 3600;
    let h = common::harness_with(config).await;
    let root = h.kms.setup_first_admin("root", PW, meta()).await.unwrap();
    let (caller, _) = h
        .kms
        .session_caller(&root.token, None, meta())
        .await
        .unwrap();
    let e = h.kms.enroll_totp(&caller).await.unwrap();
    assert!(e.otpauth_uri.contains("issuer=Tresor"));
    assert!(e.qr_svg.starts_with("<?xml") || e.qr_svg.contains("<svg"));
    let t0 = now_secs(&h);
    assert!(h.kms.confirm_totp(&caller, "000000").await.is_err());
    let recovery = h
        .kms
        .confirm_totp(&caller, &code_at(&e.secret, t0))
        .await
        .unwrap();
    assert_eq!(recovery.len(), 10);
    // The sealed secret is not in the stored document.
    let stored = h
        .store
        .get_object(
            &TenantId::default_tenant(),
            tresor_core::ObjectKind::User,
            "root",
        )
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.body.contains(e.secret.as_str()));

    // Signing in now needs the code: the session waits for it.
    let s = h.kms.login("root", PW, None, meta()).await.unwrap();
    let e2 = h
        .kms
        .session_caller(&s.token, None, meta())
        .await
        .unwrap_err();
    assert!(matches!(e2, ServiceError::MfaRequired(_)), "{e2:?}");
    // The code used for confirmation cannot be used again.
    assert!(
        h.kms
            .verify_mfa(&s.token, &code_at(&e.secret, t0), meta())
            .await
            .is_err()
    );
    h.clock.advance_seconds(30);
    let t1 = now_secs(&h);
    h.kms
        .verify_mfa(&s.token, &code_at(&e.secret, t1), meta())
        .await
        .unwrap();
    h.kms.session_caller(&s.token, None, meta()).await.unwrap();

    // The code in the login call itself; replaying it fails.
    h.clock.advance_seconds(30);
    let t2 = now_secs(&h);
    let code = code_at(&e.secret, t2);
    let s2 = h.kms.login("root", PW, Some(&code), meta()).await.unwrap();
    h.kms.session_caller(&s2.token, None, meta()).await.unwrap();
    assert!(h.kms.login("root", PW, Some(&code), meta()).await.is_err());

    // A recovery code works once.
    let s3 = h.kms.login("root", PW, None, meta()).await.unwrap();
    h.kms
        .verify_mfa(&s3.token, &recovery[0].to_uppercase(), meta())
        .await
        .unwrap();
    let s4 = h.kms.login("root", PW, None, meta()).await.unwrap();
    assert!(
        h.kms
            .verify_mfa(&s4.token, &recovery[0], meta())
            .await
            .is_err()
    );

    // After the re-verification period (1 h here) the code is asked again,
    // though use keeps the session alive past the idle timeout (30 min).
    for _ in 0..3 {
        h.clock.advance_seconds(20 * 60);
        h.kms.session_caller(&s2.token, None, meta()).await.unwrap();
    }
    h.clock.advance_seconds(20 * 60);
    let e3 = h
        .kms
        .session_caller(&s2.token, None, meta())
        .await
        .unwrap_err();
    assert!(matches!(e3, ServiceError::MfaRequired(_)), "{e3:?}");
    let t3 = now_secs(&h);
    h.kms
        .verify_mfa(&s2.token, &code_at(&e.secret, t3), meta())
        .await
        .unwrap();
    h.kms.session_caller(&s2.token, None, meta()).await.unwrap();
    assert!(!audit(&h, "user.mfa_verify").await.is_empty());
}

#[tokio::test]
async fn sessions_time_out_switch_tenants_and_can_be_revoked() {
    let h = harness().await;
    let root = h.kms.setup_first_admin("root", PW, meta()).await.unwrap();
    let (admin, _) = h
        .kms
        .session_caller(&root.token, None, meta())
        .await
        .unwrap();
    h.kms
        .create_tenant(
            &admin,
            TenantId::parse("payments").unwrap(),
            "Payments".into(),
        )
        .await
        .unwrap();
    h.kms
        .create_user(
            &admin,
            NewUser {
                name: "carol".into(),
                display_name: None,
                password: Zeroizing::new(PW.into()),
                platform_admin: false,
                roles: BTreeMap::from([("payments".into(), Role::User)]),
            },
        )
        .await
        .unwrap();
    let carol = h.kms.login("carol", PW, None, meta()).await.unwrap();
    assert_eq!(carol.session.tenant, "payments");
    let (c, _) = h
        .kms
        .session_caller(&carol.token, None, meta())
        .await
        .unwrap();
    assert_eq!((c.tenant.as_str(), c.role), ("payments", Role::User));
    // No role in `default`: refused, not silently downgraded.
    let e = h
        .kms
        .session_caller(&carol.token, Some("default"), meta())
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::TenantForbidden { .. }));
    assert!(
        h.kms
            .switch_session_tenant(&carol.token, "default", meta())
            .await
            .is_err()
    );
    // The platform admin switches freely.
    let v = h
        .kms
        .switch_session_tenant(&root.token, "payments", meta())
        .await
        .unwrap();
    assert_eq!(v.tenant, "payments");
    assert!(!audit(&h, "session.switch_tenant").await.is_empty());

    // The payments admin view lists carol's session; root revokes it.
    let (admin_pay, _) = h
        .kms
        .session_caller(&root.token, None, meta())
        .await
        .unwrap();
    let sessions = h.kms.list_sessions(&admin_pay).await.unwrap();
    let cs = sessions.iter().find(|s| s.user == "carol").unwrap();
    assert!(cs.csrf.is_empty(), "lists never show CSRF tokens");
    h.kms.revoke_session(&admin_pay, &cs.id).await.unwrap();
    assert!(
        h.kms
            .session_caller(&carol.token, None, meta())
            .await
            .is_err()
    );

    // Idle timeout.
    let carol = h.kms.login("carol", PW, None, meta()).await.unwrap();
    h.clock.advance_seconds(31 * 60);
    assert!(matches!(
        h.kms.session_caller(&carol.token, None, meta()).await,
        Err(ServiceError::Unauthenticated)
    ));
    // Logout ends the session; a password change ends them all.
    let a = h.kms.login("carol", PW, None, meta()).await.unwrap();
    let b = h.kms.login("carol", PW, None, meta()).await.unwrap();
    h.kms.logout(&a.token, meta()).await.unwrap();
    assert!(h.kms.session_caller(&a.token, None, meta()).await.is_err());
    let (cb, _) = h.kms.session_caller(&b.token, None, meta()).await.unwrap();
    assert!(
        h.kms
            .change_password(&cb, "wrong-current-pw", "new-badger-river-77")
            .await
            .is_err()
    );
    h.kms
        .change_password(&cb, PW, "new-badger-river-77")
        .await
        .unwrap();
    assert!(h.kms.session_caller(&b.token, None, meta()).await.is_err());
    h.kms
        .login("carol", "new-badger-river-77", None, meta())
        .await
        .unwrap();
    assert!(!audit(&h, "user.logout").await.is_empty());
    let report = tresor_service::verify_store_chain(&h.store).await.unwrap();
    assert!(report.error.is_none(), "{report:?}");
}

#[tokio::test]
async fn approvers_must_have_signed_in_recently() {
    use tresor_service::approvals::{Alternative, KeyPolicy, QuorumGroup, Rule};
    use tresor_service::types::KeySpec;
    let h = harness().await;
    let root = h.kms.setup_first_admin("root", PW, meta()).await.unwrap();
    let (admin, _) = h
        .kms
        .session_caller(&root.token, None, meta())
        .await
        .unwrap();
    h.kms
        .create_user(
            &admin,
            NewUser {
                name: "bob".into(),
                display_name: None,
                password: Zeroizing::new(PW.into()),
                platform_admin: false,
                roles: BTreeMap::from([("default".into(), Role::Readonly)]),
            },
        )
        .await
        .unwrap();
    let key = h
        .kms
        .create_key(&admin, KeySpec::new(tresor_core::Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let key = tresor_service::KeyRef::Id(key.key.id);
    let policy = KeyPolicy {
        manage: Some(Rule {
            any_of: vec![Alternative {
                all_of: vec![QuorumGroup {
                    name: String::new(),
                    required: 1,
                    approvers: vec!["user:bob".into()],
                    timelock_secs: 0,
                    timeout_secs: 86_400,
                    require_signature: false,
                }],
            }],
        }),
        ..Default::default()
    };
    h.kms.set_key_policy(&admin, &key, policy).await.unwrap();
    let id = match h.kms.rotate_key(&admin, &key, None).await.unwrap_err() {
        ServiceError::ApprovalPending { request, .. } => request,
        e => panic!("{e:?}"),
    };
    let bob = h.kms.login("bob", PW, None, meta()).await.unwrap();
    // Twenty minutes later (the session kept alive), the sign-in is too old.
    for _ in 0..2 {
        h.clock.advance_seconds(10 * 60);
        h.kms
            .session_caller(&bob.token, None, meta())
            .await
            .unwrap();
    }
    let (b, _) = h
        .kms
        .session_caller(&bob.token, None, meta())
        .await
        .unwrap();
    let e = h.kms.answer_request(&b, &id, true, None).await.unwrap_err();
    assert!(matches!(e, ServiceError::ReauthRequired), "{e:?}");
    assert!(
        h.kms
            .reauthenticate(&bob.token, "wrong-password-123", None, meta())
            .await
            .is_err()
    );
    h.kms
        .reauthenticate(&bob.token, PW, None, meta())
        .await
        .unwrap();
    let (b, _) = h
        .kms
        .session_caller(&bob.token, None, meta())
        .await
        .unwrap();
    let v = h.kms.answer_request(&b, &id, true, None).await.unwrap();
    assert_eq!(v.state.as_str(), "executed");
    assert!(!audit(&h, "user.reauth").await.is_empty());
}
