//! Conformance cases for stored secrets.

use std::collections::BTreeMap;
use std::sync::Arc;

use tresor_core::{Change, KeyId, SecretFilter, SecretId, SecretRecord, Store, StoreError};

use super::fixtures::{apply, at, event, tenants, tid};

fn secret(tenant: &str, name: &str, kind: &str) -> SecretRecord {
    SecretRecord {
        tenant: tid(tenant),
        id: SecretId::generate(),
        name: Some(name.into()),
        secret_type: kind.into(),
        algorithm: Some("AES".into()),
        bit_length: Some(256),
        mode: Some("cbc".into()),
        content_type: Some("application/octet-stream".into()),
        expiration: Some(at(1000)),
        metadata: BTreeMap::from([("team".to_owned(), "ops".to_owned())]),
        created_by: "api-key:test".into(),
        state: "ACTIVE".into(),
        wrapping_key: Some(KeyId::generate()),
        wrapped_key: Some(vec![1, 2, 3]),
        payload: Some(vec![0, 255, 7]),
        created_at: at(1),
        updated_at: at(1),
        revision: 0,
    }
}

/// Secrets: create, get, list with filters and paging, tenant isolation,
/// updates with an expected revision, delete once.
pub async fn secrets_create_get_list_update_delete(store: Arc<dyn Store>) {
    tenants(&store, &["a", "b"]).await;
    let mut s1 = secret("a", "db-password", "passphrase");
    let s2 = secret("a", "tls", "certificate");
    let mut sb = secret("b", "db-password", "passphrase");
    sb.payload = None;
    sb.wrapped_key = None;
    sb.wrapping_key = None;
    sb.name = None;
    for s in [&s1, &s2, &sb] {
        apply(&store, Change::CreateSecret(s.clone())).await;
    }
    assert_eq!(
        store.get_secret(&tid("a"), &s1.id).await.unwrap().as_ref(),
        Some(&s1)
    );
    assert_eq!(
        store.get_secret(&tid("b"), &sb.id).await.unwrap().as_ref(),
        Some(&sb)
    );
    // Another tenant's id is not found.
    assert!(store.get_secret(&tid("b"), &s1.id).await.unwrap().is_none());
    assert!(
        store
            .commit(
                vec![Change::CreateSecret(s1.clone())],
                vec![event("a", "t", None)]
            )
            .await
            .is_err_and(|e| matches!(e, StoreError::Duplicate))
    );

    let all = store
        .list_secrets(&tid("a"), &SecretFilter::default())
        .await
        .unwrap();
    let mut ids = vec![s1.id, s2.id];
    ids.sort();
    assert_eq!(all.iter().map(|s| s.id).collect::<Vec<_>>(), ids);
    let by_name = |n: &str| SecretFilter {
        name: Some(n.into()),
        ..Default::default()
    };
    let named = store
        .list_secrets(&tid("a"), &by_name("tls"))
        .await
        .unwrap();
    assert_eq!(named, vec![s2.clone()]);
    let typed = SecretFilter {
        secret_type: Some("passphrase".into()),
        ..Default::default()
    };
    assert_eq!(
        store.list_secrets(&tid("a"), &typed).await.unwrap(),
        vec![s1.clone()]
    );
    let first = SecretFilter {
        limit: 1,
        ..Default::default()
    };
    let page1 = store.list_secrets(&tid("a"), &first).await.unwrap();
    assert_eq!(page1.len(), 1);
    let next = SecretFilter {
        after: Some(page1[0].id),
        ..Default::default()
    };
    let page2 = store.list_secrets(&tid("a"), &next).await.unwrap();
    assert_eq!(page2.len(), 1);
    assert_ne!(page1[0].id, page2[0].id);
    assert_eq!(
        store
            .list_secrets(&tid("b"), &SecretFilter::default())
            .await
            .unwrap(),
        vec![sb.clone()]
    );

    // Update with the right revision, then a stale one.
    s1.metadata.insert("env".into(), "prod".into());
    s1.updated_at = at(5);
    apply(
        &store,
        Change::UpdateSecret {
            secret: s1.clone(),
            expected_revision: 0,
        },
    )
    .await;
    let got = store.get_secret(&tid("a"), &s1.id).await.unwrap().unwrap();
    assert_eq!(got.revision, 1);
    assert_eq!(got.metadata.get("env").map(String::as_str), Some("prod"));
    let stale = store
        .commit(
            vec![Change::UpdateSecret {
                secret: s1.clone(),
                expected_revision: 0,
            }],
            vec![event("a", "t", None)],
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict)));

    // Delete: gone, and a second delete (or another tenant's) conflicts.
    let wrong = store
        .commit(
            vec![Change::DeleteSecret {
                tenant: tid("b"),
                id: s2.id,
            }],
            vec![event("b", "t", None)],
        )
        .await;
    assert!(matches!(wrong, Err(StoreError::Conflict)));
    apply(
        &store,
        Change::DeleteSecret {
            tenant: tid("a"),
            id: s2.id,
        },
    )
    .await;
    assert!(store.get_secret(&tid("a"), &s2.id).await.unwrap().is_none());
    let again = store
        .commit(
            vec![Change::DeleteSecret {
                tenant: tid("a"),
                id: s2.id,
            }],
            vec![event("a", "t", None)],
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict)));
}
