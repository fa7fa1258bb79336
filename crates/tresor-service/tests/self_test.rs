//! Self-tests through the service: every provider's KATs and PCTs, its RNG
//! and a round trip with its internal test key (created once); a forced
//! failure is reported by name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{caller, harness, harness_with};
use tresor_core::{AuditFilter, Role};
use tresor_service::KmsConfig;

#[tokio::test]
async fn every_self_test_passes_and_runs_on_demand() {
    let h = harness().await;
    let report = h.kms.run_self_tests().await;
    assert!(report.ok, "{:?}", report.failures());
    let names: Vec<&str> = report.results.iter().map(|r| r.name.as_str()).collect();
    for expected in [
        "provider/software/kat/aes-256-gcm",
        "provider/software/kat/chacha20-poly1305",
        "provider/software/kat/hmac-sha256",
        "provider/software/kat/rsa-oaep-sha256",
        "provider/software/kat/ed25519",
        "provider/software/kat/x25519",
        "provider/software/pct/ecdsa-p256",
        "provider/software/pct/ml-kem-768",
        "provider/software/pct/ml-dsa-65",
        "provider/software/random",
        "provider/software/round-trip",
    ] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
    let keys_before = h.store.audit_head().await.unwrap();

    // On demand, for any role; audited; no new key the second time.
    let ro = caller(Role::Readonly, false);
    let again = h.kms.self_test(&ro).await.unwrap();
    assert!(again.ok);
    let recs = h
        .store
        .list_audit(&AuditFilter {
            after_seq: Some(keys_before.0),
            ascending: true,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = recs.iter().map(|r| r.event.action.as_str()).collect();
    assert_eq!(actions, vec!["self_test.run"], "the test key is reused");
}

#[tokio::test]
async fn a_forced_failure_is_reported_by_name() {
    let h = harness_with(KmsConfig {
        self_test_force_fail: Some("provider/software/kat/aes-256-gcm".into()),
        ..KmsConfig::default()
    })
    .await;
    let report = h.kms.run_self_tests().await;
    assert!(!report.ok);
    assert_eq!(report.failures(), vec!["provider/software/kat/aes-256-gcm"]);
    // A wrong answer (not an unreachable provider) blocks start-up.
    assert!(report.unavailable.is_empty());
    assert_eq!(report.blocking().len(), 1);
}
