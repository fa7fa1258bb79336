//! Scheduled work with a hand-moved clock: automatic rotation when the period
//! elapses, and crypto-shredding when the pending window ends.

mod common;

use common::harness;
use tresor_core::{Algorithm, AuditFilter, KeyState, SecretBytes};
use tresor_service::KeyRef;
use tresor_service::scheduler::DueReport;
use tresor_service::types::{Binding, DecryptRequest, EncryptRequest, KeySpec};

#[tokio::test]
async fn rotates_when_the_period_elapses() {
    let h = harness().await;
    let mut spec = KeySpec::new(Algorithm::Aes256Gcm);
    spec.rotation_period_secs = Some(3600);
    let k = h.kms.create_key(&h.admin, spec).await.unwrap();
    let r = KeyRef::Id(k.key.id);
    assert_eq!(h.kms.run_due(100).await.unwrap(), DueReport::default());

    h.clock.advance_seconds(3599);
    assert_eq!(h.kms.run_due(100).await.unwrap().rotated, 0);
    h.clock.advance_seconds(2);
    assert_eq!(h.kms.run_due(100).await.unwrap().rotated, 1);
    let d = h.kms.get_key(&h.admin, &r).await.unwrap();
    assert_eq!(d.key.primary_version, 2);
    assert_eq!(d.key.next_rotation_at, Some(h.kms.now().plus_seconds(3600)));
    // Nothing more is due until the next period.
    assert_eq!(h.kms.run_due(100).await.unwrap().rotated, 0);

    let records = h
        .store
        .list_audit(&AuditFilter {
            action: Some("scheduler.rotate".into()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].event.principal, "system:scheduler");
    assert_eq!(
        records[0].event.object.as_deref(),
        Some(k.key.id.to_string().as_str())
    );

    // Too short a period is refused.
    let mut spec = KeySpec::new(Algorithm::Aes256Gcm);
    spec.rotation_period_secs = Some(60);
    assert_eq!(
        h.kms.create_key(&h.admin, spec).await.unwrap_err().code(),
        "invalid_argument"
    );
}

#[tokio::test]
async fn shreds_when_the_window_ends() {
    let h = harness().await;
    let k = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let r = KeyRef::Id(k.key.id);
    let ct = h
        .kms
        .encrypt(
            &h.admin,
            &r,
            EncryptRequest {
                plaintext: SecretBytes::from_slice(b"secret"),
                binding: Binding::default(),
            },
        )
        .await
        .unwrap()
        .ciphertext;
    h.kms.schedule_destroy(&h.admin, &r, Some(7)).await.unwrap();
    h.clock.advance_seconds(7 * 86_400 - 1);
    assert_eq!(h.kms.run_due(100).await.unwrap().destroyed, 0);
    h.clock.advance_seconds(1);
    assert_eq!(h.kms.run_due(100).await.unwrap().destroyed, 1);

    let d = h.kms.get_key(&h.admin, &r).await.unwrap();
    assert_eq!(d.key.state, KeyState::Destroyed);
    assert_eq!(d.key.destroy_at, None);
    let v = h
        .store
        .get_version(&d.key.tenant, &d.key.id, 1)
        .await
        .unwrap()
        .unwrap();
    assert!(v.handle.is_empty());
    let e = h
        .kms
        .decrypt(
            &h.admin,
            &r,
            DecryptRequest {
                ciphertext: ct,
                binding: Binding::default(),
                key_version: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_key_state");
    assert_eq!(h.kms.run_due(100).await.unwrap(), DueReport::default());
}

#[tokio::test]
async fn re_signs_crls_before_they_expire() {
    use tresor_service::pki::CreateCaRequest;
    let h = harness().await;
    let ca = h
        .kms
        .create_ca(
            &h.admin,
            CreateCaRequest {
                name: "root".into(),
                algorithm: Algorithm::EcP256,
                subject: "CN=Root".into(),
                validity_days: 30,
                parent: None,
                provider: None,
                path_len: None,
                allowed_domains: Vec::new(),
            },
        )
        .await
        .unwrap();
    assert_eq!(ca.ca.crl_number, 1);
    let first = h.kms.ca_crl(&h.admin, "root").await.unwrap();
    // Fresh: nothing to do.
    assert_eq!(h.kms.run_due(100).await.unwrap(), DueReport::default());
    // Past half of the 7-day validity: re-signed once, with the next number.
    h.clock.advance_seconds(4 * 86_400);
    assert_eq!(h.kms.run_due(100).await.unwrap().crls_refreshed, 1);
    assert_eq!(h.kms.run_due(100).await.unwrap().crls_refreshed, 0);
    let details = h.kms.get_ca(&h.admin, "root").await.unwrap();
    assert_eq!(details.ca.crl_number, 2);
    assert_ne!(h.kms.ca_crl(&h.admin, "root").await.unwrap(), first);
    let records = h
        .store
        .list_audit(&AuditFilter {
            action: Some("scheduler.crl".into()),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].event.object.as_deref(), Some("ca:root"));
}
