//! Every call that reaches the service leaves exactly one audit record —
//! success, denial or failure — and the chain verifies.

mod common;

use common::{caller, harness};
use tresor_core::{Algorithm, AuditFilter, Outcome, Role, SecretBytes};
use tresor_service::types::{Binding, EncryptRequest, KeySpec};
use tresor_service::{KeyRef, verify_store_chain};

#[tokio::test]
async fn one_record_per_call_and_the_chain_verifies() {
    let h = harness().await;
    let (before, _) = h.store.audit_head().await.unwrap();

    let k = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let r = KeyRef::Id(k.key.id);
    let req = || EncryptRequest {
        plaintext: SecretBytes::from_slice(b"x"),
        binding: Binding::default(),
    };
    h.kms.encrypt(&h.admin, &r, req()).await.unwrap();
    let readonly = caller(Role::Readonly, false);
    assert!(h.kms.encrypt(&readonly, &r, req()).await.is_err());
    let missing = KeyRef::Id(tresor_core::KeyId::generate());
    assert!(h.kms.encrypt(&h.admin, &missing, req()).await.is_err());
    h.kms.get_key(&readonly, &r).await.unwrap();

    let (after, _) = h.store.audit_head().await.unwrap();
    assert_eq!(after - before, 5);
    let recs = h
        .store
        .list_audit(&AuditFilter {
            after_seq: Some(before),
            ascending: true,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    let summary: Vec<(&str, Outcome, Option<&str>)> = recs
        .iter()
        .map(|r| {
            (
                r.event.action.as_str(),
                r.event.outcome,
                r.event.error_code.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("key.create", Outcome::Success, None),
            ("crypto.encrypt", Outcome::Success, None),
            ("crypto.encrypt", Outcome::Denied, Some("forbidden")),
            ("crypto.encrypt", Outcome::Failed, Some("key_not_found")),
            ("key.get", Outcome::Success, None),
        ]
    );
    assert_eq!(recs[2].event.principal, "test:readonly");
    assert_eq!(recs[2].event.request_id, readonly.request_id.to_string());
    assert!(recs.iter().all(|r| r.event.tenant == "default"));

    let report = verify_store_chain(&h.store).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.verified, after);
}

#[tokio::test]
async fn failed_mutations_change_nothing_and_are_audited() {
    let h = harness().await;
    let mut spec = KeySpec::new(Algorithm::Aes256Gcm);
    spec.alias = Some(tresor_core::Alias::parse("orders").unwrap());
    h.kms.create_key(&h.admin, spec.clone()).await.unwrap();
    let e = h.kms.create_key(&h.admin, spec).await.unwrap_err();
    assert_eq!(e.code(), "alias_exists");
    let page = h
        .kms
        .list_keys(
            &h.admin,
            Default::default(),
            tresor_core::PageRequest {
                after: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let failed = h
        .store
        .list_audit(&AuditFilter {
            outcome: Some(Outcome::Failed),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].event.error_code.as_deref(), Some("alias_exists"));
    assert!(verify_store_chain(&h.store).await.unwrap().ok());
}

/// Verifying while other calls append must not report a broken chain:
/// records written during the verification run past the head it started
/// from (the alert rule verifies on every pass of a busy server).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn verifying_during_appends_is_not_a_false_alarm() {
    let h = harness().await;
    let k = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let r = KeyRef::Id(k.key.id);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for _ in 0..4 {
        let (kms, admin, r, stop) = (h.kms.clone(), h.admin.clone(), r.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                kms.get_key(&admin, &r).await.unwrap();
            }
        }));
    }
    for _ in 0..100 {
        let report = verify_store_chain(&h.store).await.unwrap();
        assert_eq!(report.error, None, "verified {}", report.verified);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    assert_eq!(verify_store_chain(&h.store).await.unwrap().error, None);
}
