//! Signed audit checkpoints: made on demand and by the scheduler, signed by
//! internal audit keys (Ed25519 or ML-DSA-65), published with their public
//! keys, and used by chain verification.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{caller, harness, harness_with};
use tresor_core::audit::ChainError;
use tresor_core::{
    Algorithm, AuditFilter, Caller, CheckpointFilter, CheckpointScope, Role, TenantId,
};
use tresor_service::types::KeySpec;
use tresor_service::{KmsConfig, ServiceError, verify_store_chain};

fn in_tenant(tenant: &str, role: Role) -> Caller {
    let mut c = caller(role, false);
    c.tenant = TenantId::parse(tenant).unwrap();
    c
}

#[tokio::test]
async fn a_checkpoint_signs_the_head_and_verification_uses_it() {
    let h = harness().await;
    h.kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let cp = h.kms.create_checkpoint(&h.admin, false).await.unwrap();
    assert_eq!(cp.algorithm, Algorithm::Ed25519);
    assert_eq!(cp.tenant, Some(TenantId::default_tenant()));
    // The head it signs was written before its own record (and the audit
    // key's creation record).
    let (head, _) = h.store.audit_head().await.unwrap();
    assert_eq!(cp.seq + 1, head);
    let recs = h
        .store
        .list_audit(&AuditFilter {
            after_seq: Some(cp.seq - 1),
            ascending: true,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(recs[0].hash, cp.hash);
    assert_eq!(recs[0].event.action, "key.create", "the audit key");
    assert_eq!(recs[1].event.action, "audit.checkpoint");
    assert_eq!(recs[1].event.object.as_deref(), Some("default"));

    // Published: the checkpoint and the key that verifies it.
    let keys = h.kms.audit_keys(&h.admin).await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(keys[0].key_id, cp.key_id);
    assert!(cp.verify(&keys[0].public_key));
    let ro = caller(Role::Readonly, false);
    let listed = h.kms.list_checkpoints(&ro, None, 100).await.unwrap();
    assert_eq!(listed, vec![cp.clone()]);

    // A global checkpoint (platform admins only) with its own key.
    let g = h.kms.create_checkpoint(&h.admin, true).await.unwrap();
    assert_eq!(g.tenant, None);
    assert_ne!(g.key_id, cp.key_id);
    assert_eq!(h.kms.audit_keys(&ro).await.unwrap().len(), 2);
    let tenant_admin = caller(Role::Admin, false);
    let e = h.kms.create_checkpoint(&tenant_admin, true).await;
    assert!(matches!(e, Err(ServiceError::Forbidden { .. })), "{e:?}");
    let e = h.kms.create_checkpoint(&ro, false).await;
    assert!(matches!(e, Err(ServiceError::Forbidden { .. })), "{e:?}");
    h.kms.create_checkpoint(&tenant_admin, false).await.unwrap();

    let report = h.kms.verify_audit(&h.admin).await.unwrap();
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.checkpoints, 3);
    let offline = verify_store_chain(&h.store).await.unwrap();
    assert!(offline.ok(), "{offline:?}");
    assert_eq!(offline.checkpoints, 3);
    assert_eq!(h.kms.load_audit_bounds().await.unwrap(), {
        let last = h.kms.list_checkpoints(&ro, None, 100).await.unwrap();
        last.last().unwrap().seq
    });
}

#[tokio::test]
async fn ml_dsa_65_audit_keys_are_selectable() {
    let h = harness_with(KmsConfig {
        audit_checkpoint_algorithm: Algorithm::MlDsa65,
        ..KmsConfig::default()
    })
    .await;
    let cp = h.kms.create_checkpoint(&h.admin, true).await.unwrap();
    assert_eq!(cp.algorithm, Algorithm::MlDsa65);
    assert_eq!(cp.signature.len(), 3309);
    let keys = h.kms.audit_keys(&h.admin).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].tenant, None);
    assert!(cp.verify(&keys[0].public_key));
    assert!(h.kms.verify_audit(&h.admin).await.unwrap().ok());

    // An unsupported algorithm is refused, and nothing is signed.
    let h = harness_with(KmsConfig {
        audit_checkpoint_algorithm: Algorithm::EcP256,
        ..KmsConfig::default()
    })
    .await;
    let e = h.kms.create_checkpoint(&h.admin, true).await;
    assert!(
        matches!(e, Err(ServiceError::UnsupportedAlgorithm(_))),
        "{e:?}"
    );
}

#[tokio::test]
async fn the_scheduler_checkpoints_scopes_with_new_records() {
    let h = harness().await;
    // Bootstrap wrote records in `default`: it and the global scope.
    let pass = h.kms.run_checkpoints().await.unwrap();
    assert_eq!((pass.made, pass.failed), (2, 0), "{pass:?}");
    let pass = h.kms.run_checkpoints().await.unwrap();
    assert_eq!(pass.made, 0, "only checkpoint records since: {pass:?}");

    h.kms
        .create_tenant(&h.admin, TenantId::parse("acme").unwrap(), String::new())
        .await
        .unwrap();
    let acme = in_tenant("acme", Role::Admin);
    h.kms
        .create_key(&acme, KeySpec::new(Algorithm::HmacSha256))
        .await
        .unwrap();
    let pass = h.kms.run_checkpoints().await.unwrap();
    // acme (its key), default (the tenant.create record) and global.
    assert_eq!((pass.made, pass.failed), (3, 0), "{pass:?}");
    let all = h
        .store
        .list_checkpoints(&CheckpointFilter::new(CheckpointScope::All))
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq), "{all:?}");
    let acme_cps = h.kms.list_checkpoints(&acme, None, 100).await.unwrap();
    assert_eq!(acme_cps.len(), 3, "acme's one and the two global ones");
    let records = h
        .store
        .list_audit(&AuditFilter {
            action: Some("audit.checkpoint".into()),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(records.len(), 5);
    assert!(
        records
            .iter()
            .all(|r| r.event.principal == "system:scheduler")
    );
    assert!(h.kms.verify_audit(&h.admin).await.unwrap().ok());
}

#[tokio::test]
async fn chain_errors_name_checkpoints() {
    let e = ChainError::Truncated {
        last: 7,
        checkpoint: 9,
    };
    assert_eq!(e.seq(), 8);
    assert!(e.to_string().contains("checkpoint covers record 9"), "{e}");
    let e = ChainError::CheckpointMismatch { seq: 4 };
    assert_eq!(e.seq(), 4);
}
