//! Conformance cases for tenants, keys, aliases and versions.

use std::collections::BTreeMap;
use std::sync::Arc;

use tresor_core::{
    Algorithm, Change, KeyFilter, KeyId, KeyRecord, KeyState, PageRequest, RevocationReason, Store,
    StoreError, VersionState,
};

use super::fixtures::{alias, apply, at, create_key, event, key, tenant, tenants, tid, version};

fn ev() -> Vec<tresor_core::AuditEvent> {
    vec![event("a", "test", None)]
}

/// Tenants: create, get, list; a second create of the same id is `Duplicate`.
pub async fn tenants_create_get_list(store: Arc<dyn Store>) {
    assert!(store.list_tenants().await.expect("list").is_empty());
    tenants(&store, &["beta", "alpha"]).await;
    assert_eq!(
        store.get_tenant(&tid("alpha")).await.expect("get"),
        Some(tenant("alpha"))
    );
    assert_eq!(store.get_tenant(&tid("gamma")).await.expect("get"), None);
    let listed = store.list_tenants().await.expect("list");
    assert_eq!(
        listed,
        vec![tenant("alpha"), tenant("beta")],
        "listed by id"
    );
    let err = store
        .commit(vec![Change::CreateTenant(tenant("alpha"))], ev())
        .await;
    assert!(matches!(err, Err(StoreError::Duplicate)), "{err:?}");
}

/// Keys: every field round-trips; updates check and bump the revision; a
/// stale or missing key is a `Conflict`; a duplicate id is `Duplicate`; a key
/// of an unknown tenant is refused.
pub async fn keys_create_get_update(store: Arc<dyn Store>) {
    tenants(&store, &["a"]).await;
    let k = create_key(&store, key("a", Some("app/main"))).await;
    let got = store.get_key(&k.tenant, &k.id).await.expect("get");
    assert_eq!(got.as_ref(), Some(&k));
    let by_alias = store
        .get_key_by_alias(&k.tenant, &alias("app/main"))
        .await
        .expect("by alias");
    assert_eq!(by_alias.as_ref(), Some(&k));
    assert_eq!(
        store
            .get_key(&k.tenant, &KeyId::generate())
            .await
            .expect("get"),
        None
    );

    let mut dup = key("a", None);
    dup.id = k.id;
    let err = store.commit(vec![Change::CreateKey(dup)], ev()).await;
    assert!(matches!(err, Err(StoreError::Duplicate)), "{err:?}");

    // Update every mutable field.
    let mut u = k.clone();
    u.description = "rotated".into();
    u.state = KeyState::Compromised;
    u.primary_version = 2;
    u.tags = BTreeMap::from([("env".to_owned(), "prod".to_owned())]);
    u.exportable = true;
    u.publish_jwk = false;
    u.internal = true;
    u.rotation_period_secs = None;
    u.next_rotation_at = None;
    u.destroy_at = Some(at(99));
    u.revocation_reason = Some(RevocationReason::KeyCompromise);
    u.revocation_message = Some("leaked".into());
    u.updated_at = at(5);
    u.deactivated_at = Some(at(5));
    u.destroyed_at = Some(at(6));
    u.algorithm = Algorithm::Aes128Gcm;
    let change = Change::UpdateKey {
        key: u.clone(),
        expected_revision: 0,
    };
    store.commit(vec![change], ev()).await.expect("update");
    let got = store.get_key(&k.tenant, &k.id).await.expect("get");
    let mut want = u.clone();
    want.revision = 1;
    assert_eq!(got, Some(want), "the store writes expected_revision + 1");

    let stale = Change::UpdateKey {
        key: k.clone(),
        expected_revision: 0,
    };
    let err = store.commit(vec![stale], ev()).await;
    assert!(matches!(err, Err(StoreError::Conflict)), "{err:?}");
    let got = store.get_key(&k.tenant, &k.id).await.expect("get");
    assert_eq!(got.map(|g| g.description), Some("rotated".to_owned()));

    let missing = Change::UpdateKey {
        key: key("a", None),
        expected_revision: 0,
    };
    let err = store.commit(vec![missing], ev()).await;
    assert!(matches!(err, Err(StoreError::Conflict)), "{err:?}");

    let orphan = Change::CreateKey(key("nosuchtenant", None));
    assert!(store.commit(vec![orphan], ev()).await.is_err());
}

/// Aliases are unique per tenant, reusable in another tenant, movable by
/// update; keys without an alias never collide.
pub async fn aliases_unique_per_tenant(store: Arc<dyn Store>) {
    tenants(&store, &["a", "b"]).await;
    let k1 = create_key(&store, key("a", Some("shared"))).await;
    let err = store
        .commit(vec![Change::CreateKey(key("a", Some("shared")))], ev())
        .await;
    assert!(matches!(err, Err(StoreError::AliasTaken)), "{err:?}");
    let kb = create_key(&store, key("b", Some("shared"))).await;
    create_key(&store, key("a", None)).await;
    create_key(&store, key("a", None)).await;

    let found_b = store
        .get_key_by_alias(&tid("b"), &alias("shared"))
        .await
        .expect("by alias");
    assert_eq!(found_b.map(|k| k.id), Some(kb.id));

    // Taking an alias by update is refused too.
    let k2 = create_key(&store, key("a", Some("other"))).await;
    let mut steal = k2.clone();
    steal.alias = Some(alias("shared"));
    let change = Change::UpdateKey {
        key: steal,
        expected_revision: 0,
    };
    let err = store.commit(vec![change], ev()).await;
    assert!(matches!(err, Err(StoreError::AliasTaken)), "{err:?}");

    // Moving k1's alias frees the old one.
    let mut moved = k1.clone();
    moved.alias = Some(alias("renamed"));
    let change = Change::UpdateKey {
        key: moved,
        expected_revision: 0,
    };
    store.commit(vec![change], ev()).await.expect("rename");
    let a = tid("a");
    assert_eq!(
        store
            .get_key_by_alias(&a, &alias("shared"))
            .await
            .expect("get"),
        None
    );
    let renamed = store.get_key_by_alias(&a, &alias("renamed")).await;
    assert_eq!(renamed.expect("get").map(|k| k.id), Some(k1.id));
    let mut take = k2.clone();
    take.alias = Some(alias("shared"));
    let change = Change::UpdateKey {
        key: take,
        expected_revision: 0,
    };
    store
        .commit(vec![change], ev())
        .await
        .expect("alias now free");
}

/// No lookup crosses tenants.
pub async fn wrong_tenant_is_not_found(store: Arc<dyn Store>) {
    tenants(&store, &["a", "b"]).await;
    let k = create_key(&store, key("a", Some("mine"))).await;
    apply(&store, Change::CreateVersion(version(&k, 1))).await;
    let b = tid("b");
    assert_eq!(store.get_key(&b, &k.id).await.expect("get"), None);
    let by_alias = store.get_key_by_alias(&b, &alias("mine")).await;
    assert_eq!(by_alias.expect("get"), None);
    assert!(
        store
            .list_versions(&b, &k.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(store.get_version(&b, &k.id, 1).await.expect("get"), None);
    let page = store
        .list_keys(&b, &KeyFilter::default(), page(None, 10))
        .await
        .expect("list");
    assert!(page.items.is_empty());
    // Updating through the wrong tenant matches no row.
    let mut other = k.clone();
    other.tenant = b;
    let change = Change::UpdateKey {
        key: other,
        expected_revision: 0,
    };
    let err = store.commit(vec![change], ev()).await;
    assert!(matches!(err, Err(StoreError::Conflict)), "{err:?}");
}

/// Versions: create, list (oldest first), get, update; duplicates and
/// updates of missing versions are refused.
pub async fn versions_create_list_update(store: Arc<dyn Store>) {
    tenants(&store, &["a"]).await;
    let k = create_key(&store, key("a", None)).await;
    for v in [2, 1, 3] {
        apply(&store, Change::CreateVersion(version(&k, v))).await;
    }
    let all = store.list_versions(&k.tenant, &k.id).await.expect("list");
    assert_eq!(all, vec![version(&k, 1), version(&k, 2), version(&k, 3)]);
    let got = store.get_version(&k.tenant, &k.id, 2).await.expect("get");
    assert_eq!(got, Some(version(&k, 2)));
    assert_eq!(
        store.get_version(&k.tenant, &k.id, 9).await.expect("get"),
        None
    );

    let mut destroyed = version(&k, 2);
    destroyed.state = VersionState::Destroyed;
    destroyed.handle = Vec::new();
    destroyed.destroyed_at = Some(at(50));
    apply(&store, Change::UpdateVersion(destroyed.clone())).await;
    let got = store.get_version(&k.tenant, &k.id, 2).await.expect("get");
    assert_eq!(got, Some(destroyed));

    let err = store
        .commit(vec![Change::CreateVersion(version(&k, 1))], ev())
        .await;
    assert!(matches!(err, Err(StoreError::Duplicate)), "{err:?}");
    let err = store
        .commit(vec![Change::UpdateVersion(version(&k, 7))], ev())
        .await;
    assert!(matches!(err, Err(StoreError::Conflict)), "{err:?}");
    let orphan = version(&key("a", None), 1);
    let err = store
        .commit(vec![Change::CreateVersion(orphan)], ev())
        .await;
    assert!(err.is_err(), "a version needs its key: {err:?}");
}

pub(super) fn page(after: Option<KeyId>, limit: u32) -> PageRequest {
    PageRequest { after, limit }
}

pub(super) fn sorted_ids<'a>(keys: impl IntoIterator<Item = &'a KeyRecord>) -> Vec<KeyId> {
    let mut ids: Vec<KeyId> = keys.into_iter().map(|k| k.id).collect();
    ids.sort();
    ids
}
