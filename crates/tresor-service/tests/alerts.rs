//! Alert rules with a hand-moved clock over a real SQLite store: each rule
//! fires on a crafted situation and clears when it goes away; alerts are
//! audited, acknowledged by admins only, and tenant-scoped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use common::{caller, harness};
use tresor_core::audit::AuditRecord;
use tresor_core::{
    AlertRecord, AlertState, Algorithm, AuditFilter, Caller, Clock, ManualClock, ProviderId,
    ProviderStateStore, Role, Store, TenantId, Timestamp,
};
use tresor_crypto::{RootKey, SoftwareProvider};
use tresor_service::alerts::AlertThresholds;
use tresor_service::sinks::{AuditSink, SinkError, SinkFailure};
use tresor_service::types::KeySpec;
use tresor_service::{Kms, KmsConfig, ProviderRegistry, RequestMeta, UnavailableProvider};

fn only(rule: &str) -> AlertThresholds {
    AlertThresholds {
        rotation_due_days: 7,
        rotation_overdue_hours: 24,
        auth_failures: 3,
        denied_operations: 3,
        window_minutes: 15,
        sink_lag_records: 0,
        verify_chain: rule == "audit_chain_broken",
        approvals_waiting_hours: 24,
        usage_limit_percent: 90,
    }
}

async fn active(kms: &Kms, who: &Caller, rule: &str) -> Vec<AlertRecord> {
    kms.list_alerts(who, true, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.rule == rule)
        .collect()
}

#[tokio::test]
async fn rotation_due_then_overdue_then_cleared() {
    let h = harness().await;
    let t = only("rotation");
    let mut spec = KeySpec::new(Algorithm::Aes256Gcm);
    spec.rotation_period_secs = Some(30 * 86_400);
    let k = h.kms.create_key(&h.admin, spec).await.unwrap();
    let id = k.key.id.to_string();
    h.kms.evaluate_alerts(&t).await.unwrap();
    assert!(active(&h.kms, &h.admin, "rotation_due").await.is_empty());

    // 24 days on: the rotation is 6 days away.
    h.clock.advance_seconds(24 * 86_400);
    let (pass, opened) = h.kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!(pass.opened, 1);
    assert_eq!(opened[0].rule, "rotation_due");
    let due = active(&h.kms, &h.admin, "rotation_due").await;
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].subject, id);
    assert_eq!(due[0].tenant, "default");
    // A second pass changes nothing.
    let (pass, _) = h.kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!((pass.opened, pass.cleared), (0, 0));
    assert_eq!(pass.active["rotation_due"], 1);

    // The rotation date passed 2 days ago without a rotation: overdue.
    h.clock.advance_seconds(8 * 86_400);
    let (pass, _) = h.kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!((pass.opened, pass.cleared), (1, 1));
    assert!(active(&h.kms, &h.admin, "rotation_due").await.is_empty());
    assert_eq!(active(&h.kms, &h.admin, "rotation_overdue").await.len(), 1);

    // The scheduler rotates: the alert clears.
    assert_eq!(h.kms.run_due(100).await.unwrap().rotated, 1);
    let (pass, _) = h.kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!(pass.cleared, 1);
    assert!(
        active(&h.kms, &h.admin, "rotation_overdue")
            .await
            .is_empty()
    );
    let all = h.kms.list_alerts(&h.admin, false, 100).await.unwrap();
    assert!(
        all.iter()
            .all(|a| a.state == AlertState::Cleared && a.cleared_at.is_some())
    );
    let raised = h
        .store
        .list_audit(&AuditFilter {
            action: Some("alert.raise".into()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(raised.len(), 2);
    assert_eq!(raised[0].event.principal, "system:scheduler");
}

#[tokio::test]
async fn auth_failures_and_denied_operations_fire_and_clear() {
    let h = harness().await;
    let t = only("denials");
    for _ in 0..3 {
        let meta = RequestMeta {
            request_id: tresor_core::RequestId::generate(),
            source: Some("192.0.2.7".into()),
        };
        assert!(
            h.kms
                .authenticate_token("tresor_wrong-token-0000000000000000", None, meta)
                .await
                .is_err()
        );
    }
    let reader = caller(Role::Readonly, false);
    for _ in 0..3 {
        let denied = h
            .kms
            .create_key(&reader, KeySpec::new(Algorithm::Aes256Gcm))
            .await;
        assert!(denied.is_err());
    }
    let (pass, _) = h.kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!(pass.opened, 2, "{pass:?}");
    let auth = active(&h.kms, &h.admin, "auth_failures").await;
    assert_eq!(auth.len(), 1);
    assert_eq!(auth[0].tenant, "", "deployment-wide");
    let denied = active(&h.kms, &h.admin, "denied_operations").await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].subject, reader.principal);
    assert!(denied[0].message.contains("3 denied operations"));
    // A tenant admin sees its tenant's alert, not the deployment-wide one.
    let tenant_admin = caller(Role::Admin, false);
    assert_eq!(
        active(&h.kms, &tenant_admin, "denied_operations")
            .await
            .len(),
        1
    );
    assert!(
        active(&h.kms, &tenant_admin, "auth_failures")
            .await
            .is_empty()
    );

    // The window passes: both clear.
    h.clock.advance_seconds(16 * 60);
    let (pass, _) = h.kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!(pass.cleared, 2, "{pass:?}");
    assert!(active(&h.kms, &h.admin, "auth_failures").await.is_empty());
    assert!(
        active(&h.kms, &h.admin, "denied_operations")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn acknowledge_needs_admin_and_keeps_the_alert_active() {
    let h = harness().await;
    let t = only("rotation");
    let mut spec = KeySpec::new(Algorithm::Aes256Gcm);
    spec.rotation_period_secs = Some(86_400);
    h.kms.create_key(&h.admin, spec).await.unwrap();
    h.kms.evaluate_alerts(&t).await.unwrap();
    let a = active(&h.kms, &h.admin, "rotation_due").await.remove(0);
    let reader = caller(Role::Readonly, false);
    assert_eq!(
        active(&h.kms, &reader, "rotation_due").await.len(),
        1,
        "readers list"
    );
    assert!(
        h.kms.ack_alert(&reader, &a.id).await.is_err(),
        "readers cannot ack"
    );
    let mut other = caller(Role::Admin, false);
    other.tenant = TenantId::parse("other").unwrap();
    assert!(
        h.kms.ack_alert(&other, &a.id).await.is_err(),
        "other tenant: not found"
    );
    assert!(h.kms.ack_alert(&h.admin, "nope").await.is_err());
    let acked = h.kms.ack_alert(&h.admin, &a.id).await.unwrap();
    assert_eq!(acked.state, AlertState::Acknowledged);
    assert_eq!(
        acked.acknowledged_by.as_deref(),
        Some(h.admin.principal.as_str())
    );
    // Still active: a pass neither reopens nor clears it.
    let (pass, _) = h.kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!((pass.opened, pass.cleared), (0, 0));
    let still = active(&h.kms, &h.admin, "rotation_due").await;
    assert_eq!(still[0].state, AlertState::Acknowledged);
}

/// A sink that takes records while `up`, and fails otherwise.
#[derive(Debug, Default)]
struct Collector {
    up: AtomicBool,
}

#[async_trait]
impl AuditSink for Collector {
    fn name(&self) -> &str {
        "collector"
    }
    fn kind(&self) -> &'static str {
        "file"
    }
    fn target(&self) -> String {
        "memory".into()
    }
    async fn deliver(&self, _records: &[AuditRecord]) -> Result<(), SinkFailure> {
        if self.up.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(SinkFailure {
                delivered: 0,
                error: SinkError("collector is down".into()),
            })
        }
    }
}

#[tokio::test]
async fn sink_lag_fires_and_clears() {
    let h = harness().await;
    let sink = Arc::new(Collector::default());
    h.kms.register_audit_sink(sink.clone());
    let t = AlertThresholds {
        sink_lag_records: 5,
        ..only("sink")
    };
    for _ in 0..6 {
        h.kms
            .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
            .await
            .unwrap();
    }
    let pass = h.kms.deliver_audit("collector", 100).await.unwrap();
    assert_eq!(pass.delivered, 0);
    assert!(pass.error.is_some());
    h.kms.evaluate_alerts(&t).await.unwrap();
    let lag = active(&h.kms, &h.admin, "audit_sink_lag").await;
    assert_eq!(lag.len(), 1);
    assert!(
        lag[0].message.contains("collector is down"),
        "{}",
        lag[0].message
    );
    sink.up.store(true, Ordering::SeqCst);
    assert!(
        h.kms
            .deliver_audit("collector", 100)
            .await
            .unwrap()
            .delivered
            >= 6
    );
    h.kms.evaluate_alerts(&t).await.unwrap();
    assert!(active(&h.kms, &h.admin, "audit_sink_lag").await.is_empty());
}

/// A service over `store` with the software provider and `extra`.
async fn service(store: Arc<dyn Store>, extra: Option<UnavailableProvider>) -> Kms {
    let blobs: Arc<dyn ProviderStateStore> = store.clone();
    let root = RootKey::generate().unwrap();
    let provider = SoftwareProvider::new(SoftwareProvider::default_id(), &root, blobs).unwrap();
    let mut registry = ProviderRegistry::new(Arc::new(provider));
    if let Some(p) = extra {
        registry.register(Arc::new(p));
    }
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_micros(
        1_800_000_000_000_000,
    )));
    let kms = Kms::new(
        store,
        registry,
        clock as Arc<dyn Clock>,
        KmsConfig::default(),
        None,
    );
    kms.bootstrap(None).await.unwrap();
    kms
}

#[tokio::test]
async fn provider_unhealthy_and_chain_broken_fire_and_clear() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/tresor.db", dir.path().display());
    let store = tresor_store::open(&url, &Default::default()).await.unwrap();
    let admin = caller(Role::Admin, true);
    let hsm = UnavailableProvider::new(ProviderId::parse("hsm").unwrap(), "pkcs11", true, "down");
    let kms = service(store.clone(), Some(hsm)).await;
    let t = only("audit_chain_broken");
    kms.evaluate_alerts(&t).await.unwrap();
    let down = active(&kms, &admin, "provider_unhealthy").await;
    assert_eq!(down.len(), 1);
    assert_eq!(down[0].subject, "hsm");
    assert!(active(&kms, &admin, "audit_chain_broken").await.is_empty());

    // Tamper with one audit record: the chain check fires.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let (old,): (String,) = sqlx::query_as("SELECT action FROM audit WHERE seq = 2")
        .fetch_one(&pool)
        .await
        .unwrap();
    // An attacker with database access first drops the append-only guard.
    sqlx::query("DROP TRIGGER audit_no_update")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit SET action = 'key.forged' WHERE seq = 2")
        .execute(&pool)
        .await
        .unwrap();
    kms.evaluate_alerts(&t).await.unwrap();
    let broken = active(&kms, &admin, "audit_chain_broken").await;
    assert_eq!(broken.len(), 1);
    assert!(
        broken[0].message.contains("record 2"),
        "{}",
        broken[0].message
    );

    // Repaired, and the provider fixed (a restart without the bad token).
    sqlx::query("UPDATE audit SET action = ? WHERE seq = 2")
        .bind(old)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let kms = service(store, None).await;
    let (pass, _) = kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!(pass.cleared, 2, "{pass:?}");
    assert!(active(&kms, &admin, "provider_unhealthy").await.is_empty());
    assert!(active(&kms, &admin, "audit_chain_broken").await.is_empty());
}

#[tokio::test]
async fn stored_certificate_expiry_raises_and_clears() {
    use tresor_service::KeyRef;
    use tresor_service::pki::alerts::CertificateAlerts;
    use tresor_service::pki::types::{NameSpec, SelfSignRequest};
    let h = harness().await;
    h.kms
        .register_alert_source(Arc::new(CertificateAlerts { days: 30 }));
    let t = only("certificate_expiring");
    let key = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::EcP256))
        .await
        .unwrap();
    let issue = |days: u32| {
        let kms = h.kms.clone();
        let admin = h.admin.clone();
        let key = KeyRef::Id(key.key.id);
        async move {
            let req = SelfSignRequest {
                names: NameSpec {
                    subject: format!("CN=svc-{days}.test"),
                    ..NameSpec::default()
                },
                key_usages: vec![],
                ext_key_usages: vec![],
                validity_days: days,
                is_ca: false,
            };
            kms.self_sign(&admin, &key, req).await.unwrap().certificate
        }
    };
    let long = issue(365).await;
    let short = issue(40).await;
    let (pass, _) = h.kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!(pass.active["certificate_expiring"], 0);

    // Fifteen days on, the 40-day certificate is within 30 days of expiry.
    h.clock.advance_seconds(15 * 86_400);
    let (pass, opened) = h.kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!(pass.opened, 1);
    assert_eq!(opened[0].subject, short.id.to_string());
    assert_eq!(opened[0].severity, tresor_core::AlertSeverity::Warning);
    // It expires: still one alert for it (not a second one).
    h.clock.advance_seconds(30 * 86_400);
    let (pass, _) = h.kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!(pass.active["certificate_expiring"], 1);
    // Revoking it (it was renewed) clears the alert; the long one is fine.
    h.kms
        .revoke_certificate(&h.admin, &short.id, "superseded")
        .await
        .unwrap();
    let (pass, _) = h.kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!((pass.cleared, pass.active["certificate_expiring"]), (1, 0));
    assert!(
        active(&h.kms, &h.admin, "certificate_expiring")
            .await
            .iter()
            .all(|a| a.subject != long.id.to_string())
    );
}

/// A flood of failed authentications from one source writes at most
/// `RECORDS_PER_WINDOW` records a minute; the rest are counted and carried
/// by the source's next record, and still count for the alert.
#[tokio::test]
async fn an_authentication_flood_is_recorded_in_bounded_form() {
    use tresor_service::auth_flood::{RECORDS_PER_WINDOW, WINDOW_SECS};
    let h = harness().await;
    let fail = |source: &'static str| {
        let kms = h.kms.clone();
        async move {
            let meta = RequestMeta {
                request_id: tresor_core::RequestId::generate(),
                source: Some(source.into()),
            };
            assert!(
                kms.authenticate_token("tresor_wrong-token-0000000000000000", None, meta)
                    .await
                    .is_err()
            );
        }
    };
    let flood = RECORDS_PER_WINDOW + 30;
    for _ in 0..flood {
        fail("198.51.100.9").await;
    }
    fail("198.51.100.10").await;
    // Auth failures belong to no tenant: read them from the store.
    let records = |store: Arc<dyn tresor_core::Store>| async move {
        store
            .list_audit(&tresor_core::AuditFilter {
                action: Some("auth.failed".into()),
                limit: 1000,
                ..tresor_core::AuditFilter::default()
            })
            .await
            .unwrap()
    };
    let written = records(h.store.clone()).await;
    let from = |src: &str| {
        written
            .iter()
            .filter(|r| r.event.source.as_deref() == Some(src))
            .count()
    };
    assert_eq!(from("198.51.100.9"), RECORDS_PER_WINDOW as usize);
    assert_eq!(from("198.51.100.10"), 1);

    // The next window's first record carries the 30 not written.
    h.clock.advance_seconds(WINDOW_SECS);
    fail("198.51.100.9").await;
    let written = records(h.store.clone()).await;
    let newest = written
        .iter()
        .filter(|r| r.event.source.as_deref() == Some("198.51.100.9"))
        .max_by_key(|r| r.seq)
        .unwrap();
    let detail: serde_json::Value =
        serde_json::from_str(newest.event.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["suppressed_before"], 30);
}
