//! Conformance cases for API keys, certificate principals and provider blobs.

use std::sync::Arc;

use tresor_core::{ApiKeyId, Change, ProviderId, Role, Store, StoreError};

use super::fixtures::{api_key, apply, at, cert_principal, event, tenants, tid};

fn ev() -> Vec<tresor_core::AuditEvent> {
    vec![event("a", "test", None)]
}

/// API keys: lookup by token hash, per-tenant listing, revocation (the first
/// revocation time sticks), unique token hashes.
pub async fn api_keys(store: Arc<dyn Store>) {
    tenants(&store, &["a", "b"]).await;
    let k1 = api_key("a", 1);
    let k2 = api_key("a", 2);
    let mut kb = api_key("b", 3);
    kb.role = Role::Admin;
    kb.platform_admin = true;
    kb.expires_at = None;
    for k in [&k1, &k2, &kb] {
        apply(&store, Change::CreateApiKey(k.clone())).await;
    }
    let by_hash = store.get_api_key_by_hash(&[1; 32]).await.expect("by hash");
    assert_eq!(by_hash, Some(k1.clone()));
    let by_hash = store.get_api_key_by_hash(&[3; 32]).await.expect("by hash");
    assert_eq!(by_hash, Some(kb.clone()));
    assert_eq!(
        store.get_api_key_by_hash(&[9; 32]).await.expect("get"),
        None
    );

    let mut ids: Vec<ApiKeyId> = store
        .list_api_keys(&tid("a"))
        .await
        .expect("list")
        .iter()
        .map(|k| k.id)
        .collect();
    ids.sort();
    let mut want = vec![k1.id, k2.id];
    want.sort();
    assert_eq!(ids, want);
    let got = store.get_api_key(&tid("a"), &k2.id).await.expect("get");
    assert_eq!(got, Some(k2.clone()));
    assert_eq!(
        store.get_api_key(&tid("b"), &k2.id).await.expect("get"),
        None
    );

    let revoke = |at| Change::RevokeApiKey {
        tenant: tid("a"),
        id: k1.id,
        at,
    };
    apply(&store, revoke(at(60))).await;
    apply(&store, revoke(at(90))).await;
    let got = store.get_api_key(&tid("a"), &k1.id).await.expect("get");
    assert_eq!(got.and_then(|k| k.revoked_at), Some(at(60)));
    let still = store.get_api_key(&tid("a"), &k2.id).await.expect("get");
    assert_eq!(still.and_then(|k| k.revoked_at), None);

    let missing = Change::RevokeApiKey {
        tenant: tid("b"),
        id: k1.id,
        at: at(1),
    };
    let err = store.commit(vec![missing], ev()).await;
    assert!(matches!(err, Err(StoreError::Conflict)), "{err:?}");
    let same_hash = api_key("b", 1);
    let err = store
        .commit(vec![Change::CreateApiKey(same_hash)], ev())
        .await;
    assert!(matches!(err, Err(StoreError::Duplicate)), "{err:?}");
}

/// Certificate principals: upsert replaces, find spans tenants, delete of a
/// missing mapping is a `Conflict`.
pub async fn cert_principals(store: Arc<dyn Store>) {
    tenants(&store, &["a", "b"]).await;
    let a_billing = cert_principal("a", "billing", Role::User);
    let a_ops = cert_principal("a", "ops", Role::Readonly);
    let b_billing = cert_principal("b", "billing", Role::Admin);
    for p in [&a_ops, &a_billing, &b_billing] {
        apply(&store, Change::UpsertCertPrincipal(p.clone())).await;
    }
    let found = store.find_cert_principals("billing").await.expect("find");
    assert_eq!(
        found,
        vec![a_billing.clone(), b_billing.clone()],
        "by tenant"
    );
    assert!(
        store
            .find_cert_principals("nobody")
            .await
            .expect("find")
            .is_empty()
    );
    let listed = store.list_cert_principals(&tid("a")).await.expect("list");
    assert_eq!(listed, vec![a_billing.clone(), a_ops.clone()], "by subject");

    let mut promoted = a_billing.clone();
    promoted.role = Role::Admin;
    promoted.created_by = "root".into();
    apply(&store, Change::UpsertCertPrincipal(promoted.clone())).await;
    let listed = store.list_cert_principals(&tid("a")).await.expect("list");
    assert_eq!(listed, vec![promoted, a_ops.clone()]);

    let delete = || Change::DeleteCertPrincipal {
        tenant: tid("a"),
        subject_cn: "billing".into(),
    };
    apply(&store, delete()).await;
    let found = store.find_cert_principals("billing").await.expect("find");
    assert_eq!(found, vec![b_billing]);
    let err = store.commit(vec![delete()], ev()).await;
    assert!(matches!(err, Err(StoreError::Conflict)), "{err:?}");
}

/// Provider blobs: the first writer wins and later puts return its value.
pub async fn provider_blobs(store: Arc<dyn Store>) {
    let sw = ProviderId::parse("software").expect("provider id");
    let hsm = ProviderId::parse("hsm").expect("provider id");
    assert_eq!(store.get_blob(&sw, "tenant/a").await.expect("get"), None);
    let first = store
        .put_blob_if_absent(&sw, "tenant/a", b"first")
        .await
        .expect("put");
    assert_eq!(first, b"first");
    let second = store
        .put_blob_if_absent(&sw, "tenant/a", b"second")
        .await
        .expect("put");
    assert_eq!(second, b"first", "the existing value is returned");
    let got = store.get_blob(&sw, "tenant/a").await.expect("get");
    assert_eq!(got.as_deref(), Some(&b"first"[..]));
    let other = store
        .put_blob_if_absent(&hsm, "tenant/a", b"hsm")
        .await
        .expect("put");
    assert_eq!(other, b"hsm", "blobs are per provider");
    let empty = store
        .put_blob_if_absent(&sw, "empty", b"")
        .await
        .expect("put");
    assert!(empty.is_empty());

    // Concurrent first puts: every caller sees the same winner.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..8u8 {
        let store = store.clone();
        let sw = sw.clone();
        tasks.spawn(async move { store.put_blob_if_absent(&sw, "race", &[i]).await });
    }
    let mut values = std::collections::BTreeSet::new();
    while let Some(r) = tasks.join_next().await {
        values.insert(r.expect("join").expect("put"));
    }
    assert_eq!(values.len(), 1, "one winner: {values:?}");
}
