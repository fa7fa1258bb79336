//! Conformance cases for signed audit checkpoints: stored with their audit
//! record in one commit, one per scope and `seq`, read by scope in order.

use std::sync::Arc;

use tresor_core::{
    Algorithm, Change, Checkpoint, CheckpointFilter, CheckpointScope, KeyId, Store, StoreError,
    TenantId,
};

use super::fixtures::{at, event, tenants, tid};

fn checkpoint(seq: u64, tenant: Option<&str>) -> Checkpoint {
    Checkpoint {
        seq,
        hash: [u8::try_from(seq % 256).unwrap_or(0); 32],
        time: at(1_000 + i64::try_from(seq).unwrap_or(0)),
        tenant: tenant.map(tid),
        key_id: KeyId::generate(),
        key_version: 2,
        algorithm: if tenant.is_some() {
            Algorithm::MlDsa65
        } else {
            Algorithm::Ed25519
        },
        // ML-DSA-65 signatures are 3309 bytes: longer than a small VARBINARY.
        signature: vec![0xa5; 3309],
    }
}

async fn put(store: &Arc<dyn Store>, c: &Checkpoint) -> Result<(), StoreError> {
    let tenant = c.tenant.as_ref().map_or("default", TenantId::as_str);
    store
        .commit(
            vec![Change::PutCheckpoint(c.clone())],
            vec![event(tenant, "audit.checkpoint", None)],
        )
        .await
        .map(|_| ())
}

async fn list(store: &Arc<dyn Store>, f: CheckpointFilter) -> Vec<(u64, Option<String>)> {
    store
        .list_checkpoints(&f)
        .await
        .expect("list checkpoints")
        .into_iter()
        .map(|c| (c.seq, c.tenant.map(|t| t.as_str().to_owned())))
        .collect()
}

/// Checkpoints commit with their audit record, round-trip every field, and
/// are read by scope, in `(seq, tenant)` order, with paging.
pub async fn checkpoints_put_and_list(store: Arc<dyn Store>) {
    tenants(&store, &["default", "a", "b"]).await;
    assert!(
        store
            .list_checkpoints(&CheckpointFilter::new(CheckpointScope::All))
            .await
            .expect("empty list")
            .is_empty()
    );
    let head = store.audit_head().await.expect("head").0;
    let global = checkpoint(3, None);
    put(&store, &global).await.expect("global checkpoint");
    assert_eq!(store.audit_head().await.expect("head").0, head + 1);
    let a5 = checkpoint(5, Some("a"));
    for c in [&a5, &checkpoint(5, None), &checkpoint(7, Some("b"))] {
        put(&store, c).await.expect("checkpoint");
    }
    put(&store, &checkpoint(9, Some("a"))).await.expect("a 9");

    let all = store
        .list_checkpoints(&CheckpointFilter::new(CheckpointScope::All))
        .await
        .expect("all");
    assert_eq!(all.len(), 5);
    assert_eq!(all[0], global, "every field round-trips");
    assert_eq!(all[2], a5, "every field round-trips");
    let g = |s: u64| (s, None);
    let t = |s: u64, t: &str| (s, Some(t.to_owned()));
    let scoped = |scope| list(&store, CheckpointFilter::new(scope));
    assert_eq!(
        scoped(CheckpointScope::All).await,
        vec![g(3), g(5), t(5, "a"), t(7, "b"), t(9, "a")],
        "by seq, global first"
    );
    assert_eq!(scoped(CheckpointScope::Global).await, vec![g(3), g(5)]);
    assert_eq!(
        scoped(CheckpointScope::Tenant(tid("a"))).await,
        vec![t(5, "a"), t(9, "a")]
    );
    assert_eq!(
        scoped(CheckpointScope::TenantAndGlobal(tid("b"))).await,
        vec![g(3), g(5), t(7, "b")]
    );
    assert!(
        scoped(CheckpointScope::Tenant(tid("nobody")))
            .await
            .is_empty()
    );

    let mut page = CheckpointFilter::new(CheckpointScope::All);
    page.after_seq = Some(5);
    page.limit = 1;
    assert_eq!(list(&store, page.clone()).await, vec![t(7, "b")]);
    page.after_seq = None;
    page.descending = true;
    assert_eq!(list(&store, page).await, vec![t(9, "a")], "latest");
}

/// A second checkpoint of the same scope at the same `seq` is refused and
/// its audit record is not written.
pub async fn checkpoint_duplicates_are_refused(store: Arc<dyn Store>) {
    tenants(&store, &["default", "a"]).await;
    put(&store, &checkpoint(4, Some("a"))).await.expect("first");
    let head = store.audit_head().await.expect("head");
    let err = put(&store, &checkpoint(4, Some("a"))).await;
    assert!(matches!(err, Err(StoreError::Duplicate)), "{err:?}");
    assert_eq!(store.audit_head().await.expect("head"), head, "rolled back");
    // Another scope at the same seq is fine.
    put(&store, &checkpoint(4, None))
        .await
        .expect("global at 4");
    let all = store
        .list_checkpoints(&CheckpointFilter::new(CheckpointScope::All))
        .await
        .expect("all");
    assert_eq!(all.len(), 2);
}
