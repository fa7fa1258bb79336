//! The per-tenant crypto policy: refusals in `enforce` mode naming the rule,
//! audit-only violations, the hardware rule, the scheduler's max-age
//! rotation, and validation of the policy itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, caller, harness};
use tresor_core::{
    Algorithm, AuditFilter, KeyFilter, Outcome, PageRequest, Role, SecretBytes, TenantId,
};
use tresor_service::KeyRef;
use tresor_service::crypto_policy::{CryptoPolicyInput, PolicyMode};
use tresor_service::pki::{CreateCaRequest, IssueRequest, NameSpec};
use tresor_service::types::{ImportMaterial, KeySpec};

fn policy(mode: &str) -> CryptoPolicyInput {
    CryptoPolicyInput {
        mode: mode.into(),
        ..CryptoPolicyInput::default()
    }
}

fn names(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}

fn tenant() -> TenantId {
    TenantId::default_tenant()
}

async fn key_count(h: &Harness) -> usize {
    h.kms
        .list_keys(
            &h.admin,
            KeyFilter::default(),
            PageRequest {
                after: None,
                limit: 1000,
            },
        )
        .await
        .unwrap()
        .items
        .len()
}

async fn audit(h: &Harness, action: &str) -> Vec<tresor_core::AuditRecord> {
    h.store
        .list_audit(&AuditFilter {
            action: Some(action.into()),
            ..AuditFilter::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn enforce_refuses_forbidden_and_small_keys_naming_the_rule() {
    let h = harness().await;
    let mut p = policy("enforce");
    p.forbidden_algorithms = names(&["chacha20-poly1305"]);
    p.min_rsa_bits = Some(3072);
    h.kms
        .set_crypto_policy(&h.admin, &tenant(), p)
        .await
        .unwrap();
    let before = key_count(&h).await;

    let e = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::ChaCha20Poly1305))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "policy_violation");
    assert!(e.to_string().contains("forbidden_algorithms"), "{e}");

    let e = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Rsa2048))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "policy_violation");
    assert!(e.to_string().contains("min_rsa_bits"), "{e}");

    // Import is refused the same way.
    let e = h
        .kms
        .import_key(
            &h.admin,
            KeySpec::new(Algorithm::ChaCha20Poly1305),
            ImportMaterial::Raw(SecretBytes::from_slice(&[7u8; 32])),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "policy_violation");
    assert_eq!(key_count(&h).await, before, "nothing was created");

    let denied = audit(&h, "key.create").await;
    assert!(denied.iter().all(|r| r.event.outcome == Outcome::Denied));
    assert_eq!(denied.len(), 2);
    assert!(denied.iter().all(|r| {
        r.event.error_code.as_deref() == Some("policy_violation")
            && r.event
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("policy_violations"))
    }));

    // What the policy allows still works.
    h.kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Rsa3072))
        .await
        .unwrap();
    h.kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap();
}

#[tokio::test]
async fn audit_mode_allows_and_records_the_violation() {
    let h = harness().await;
    let mut p = policy("audit");
    p.forbidden_algorithms = names(&["aes-128-gcm"]);
    h.kms
        .set_crypto_policy(&h.admin, &tenant(), p)
        .await
        .unwrap();
    let k = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Aes128Gcm))
        .await
        .unwrap();
    let records = audit(&h, "key.create").await;
    let r = records
        .iter()
        .find(|r| r.event.object.as_deref() == Some(k.key.id.to_string().as_str()))
        .unwrap();
    assert_eq!(r.event.outcome, Outcome::Success);
    let detail: serde_json::Value =
        serde_json::from_str(r.event.detail.as_deref().unwrap()).unwrap();
    let v = detail["policy_violations"].as_array().unwrap();
    assert_eq!(v.len(), 1);
    assert!(v[0].as_str().unwrap().starts_with("forbidden_algorithms"));
}

#[tokio::test]
async fn only_allowed_algorithms() {
    let h = harness().await;
    let mut p = policy("enforce");
    p.allowed_algorithms = names(&["aes-256-gcm", "ec-p384"]);
    p.min_ec_bits = Some(384);
    h.kms
        .set_crypto_policy(&h.admin, &tenant(), p)
        .await
        .unwrap();
    let e = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::HmacSha256))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("allowed_algorithms"), "{e}");
    h.kms
        .create_key(&h.admin, KeySpec::new(Algorithm::EcP384))
        .await
        .unwrap();
    let got = h.kms.get_crypto_policy(&h.admin, &tenant()).await.unwrap();
    assert_eq!(got.policy.mode, PolicyMode::Enforce);
    assert_eq!(
        got.policy.allowed_algorithms,
        vec![Algorithm::Aes256Gcm, Algorithm::EcP384]
    );
}

#[tokio::test]
async fn hardware_rule_refuses_a_software_key() {
    let h = harness().await;
    let mut p = policy("enforce");
    p.hardware_algorithms = names(&["rsa-3072"]);
    h.kms
        .set_crypto_policy(&h.admin, &tenant(), p)
        .await
        .unwrap();
    let e = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Rsa3072))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("hardware_algorithms"), "{e}");
    h.kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap();

    let mut p = policy("enforce");
    p.require_hardware = true;
    h.kms
        .set_crypto_policy(&h.admin, &tenant(), p)
        .await
        .unwrap();
    let e = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "policy_violation");
    assert!(e.to_string().contains("require_hardware"), "{e}");
    // Internal keys are not subject to the policy: the import wrapping key
    // is still made.
    h.kms.wrapping_key(&h.admin).await.unwrap();
}

#[tokio::test]
async fn scheduler_rotates_keys_past_the_maximum_age() {
    let h = harness().await;
    let old = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let mut p = policy("enforce");
    p.max_key_age_days = Some(30);
    h.kms
        .set_crypto_policy(&h.admin, &tenant(), p)
        .await
        .unwrap();

    h.clock.advance_seconds(20 * 86_400);
    let young = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap();
    assert_eq!(h.kms.run_due(100).await.unwrap().rotated, 0);

    h.clock.advance_seconds(11 * 86_400);
    let report = h.kms.run_due(100).await.unwrap();
    assert_eq!(report.rotated, 1);
    let d = h
        .kms
        .get_key(&h.admin, &KeyRef::Id(old.key.id))
        .await
        .unwrap();
    assert_eq!(d.key.primary_version, 2);
    let d = h
        .kms
        .get_key(&h.admin, &KeyRef::Id(young.key.id))
        .await
        .unwrap();
    assert_eq!(d.key.primary_version, 1);
    // The new version is young: nothing more to do.
    assert_eq!(h.kms.run_due(100).await.unwrap().rotated, 0);

    let records = audit(&h, "scheduler.rotate").await;
    assert_eq!(records.len(), 1);
    assert!(
        records[0]
            .event
            .detail
            .as_deref()
            .unwrap()
            .contains("max_key_age")
    );

    // Audit mode reports but does not rotate.
    let mut p = policy("audit");
    p.max_key_age_days = Some(1);
    h.kms
        .set_crypto_policy(&h.admin, &tenant(), p)
        .await
        .unwrap();
    h.clock.advance_seconds(2 * 86_400);
    let report = h.kms.run_due(100).await.unwrap();
    assert_eq!(report.rotated, 0);
    assert_eq!(report.over_age_reported, 2);
}

#[tokio::test]
async fn bad_policies_are_refused_and_change_nothing() {
    let h = harness().await;
    let mut good = policy("enforce");
    good.min_rsa_bits = Some(3072);
    h.kms
        .set_crypto_policy(&h.admin, &tenant(), good)
        .await
        .unwrap();
    let before = h.kms.get_crypto_policy(&h.admin, &tenant()).await.unwrap();

    let mut unknown = policy("enforce");
    unknown.forbidden_algorithms = names(&["des"]);
    let mut both = policy("enforce");
    both.allowed_algorithms = names(&["aes-256-gcm"]);
    both.forbidden_algorithms = names(&["aes-256-gcm"]);
    let mut age = policy("audit");
    age.max_key_age_days = Some(0);
    let mut too_old = policy("audit");
    too_old.max_key_age_days = Some(3651);
    let mut bits = policy("enforce");
    bits.min_rsa_bits = Some(0);
    let cases = [
        (policy("strict"), "mode"),
        (unknown, "forbidden_algorithms"),
        (both, "forbidden_algorithms"),
        (age, "max_key_age_days"),
        (too_old, "max_key_age_days"),
        (bits, "min_rsa_bits"),
    ];
    for (p, field) in cases {
        let e = h
            .kms
            .set_crypto_policy(&h.admin, &tenant(), p)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "invalid_argument");
        assert!(e.to_string().contains(field), "{e} should name {field}");
    }
    let after = h.kms.get_crypto_policy(&h.admin, &tenant()).await.unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn readonly_callers_read_but_cannot_set() {
    let h = harness().await;
    let ro = caller(Role::Readonly, false);
    assert_eq!(
        h.kms
            .get_crypto_policy(&ro, &tenant())
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    let e = h
        .kms
        .set_crypto_policy(&ro, &tenant(), policy("enforce"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    let user = caller(Role::User, false);
    assert_eq!(
        h.kms
            .set_crypto_policy(&user, &tenant(), policy("enforce"))
            .await
            .unwrap_err()
            .code(),
        "forbidden"
    );
    h.kms
        .set_crypto_policy(&h.admin, &tenant(), policy("audit"))
        .await
        .unwrap();
    let got = h.kms.get_crypto_policy(&ro, &tenant()).await.unwrap();
    assert_eq!(got.policy.mode, PolicyMode::Audit);
    // Another tenant's policy is not visible to a tenant caller.
    let other = TenantId::parse("other").unwrap();
    assert_eq!(
        h.kms
            .get_crypto_policy(&ro, &other)
            .await
            .unwrap_err()
            .code(),
        "tenant_not_found"
    );
}

#[tokio::test]
async fn certificate_keys_follow_the_policy_but_ca_keys_are_internal() {
    let h = harness().await;
    let mut p = policy("enforce");
    p.forbidden_algorithms = names(&["ec-p256"]);
    h.kms
        .set_crypto_policy(&h.admin, &tenant(), p)
        .await
        .unwrap();
    // The CA key is internal: not subject to the policy.
    h.kms
        .create_ca(
            &h.admin,
            CreateCaRequest {
                name: "root".into(),
                algorithm: Algorithm::EcP256,
                subject: "CN=Root".into(),
                validity_days: 3650,
                parent: None,
                provider: None,
                path_len: None,
                allowed_domains: Vec::new(),
            },
        )
        .await
        .unwrap();
    let req = |algorithm| IssueRequest {
        algorithm,
        profile: "client-tls".into(),
        names: NameSpec {
            subject: "CN=client-1".into(),
            ..NameSpec::default()
        },
        validity_days: None,
        provider: None,
        exportable: false,
    };
    let e = h
        .kms
        .issue_with_new_key(&h.admin, "root", req(Algorithm::EcP256))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "policy_violation");
    assert!(e.to_string().contains("forbidden_algorithms"), "{e}");
    h.kms
        .issue_with_new_key(&h.admin, "root", req(Algorithm::EcP384))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_compliance_report_follows_the_tenant_hardware_requirement() {
    let h = harness().await;
    h.kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let rules = |r: &tresor_service::reports::compliance::ComplianceReport| {
        r.findings.iter().map(|f| f.rule).collect::<Vec<_>>()
    };
    let before = h
        .kms
        .compliance_report(&h.admin, Default::default())
        .await
        .unwrap();
    use tresor_service::reports::compliance::Rule;
    assert!(!rules(&before).contains(&Rule::SoftwareKeyHardwareRequired));
    let mut p = policy("audit");
    p.require_hardware = true;
    h.kms
        .set_crypto_policy(&h.admin, &tenant(), p)
        .await
        .unwrap();
    let after = h
        .kms
        .compliance_report(&h.admin, Default::default())
        .await
        .unwrap();
    assert!(rules(&after).contains(&Rule::SoftwareKeyHardwareRequired));
}
