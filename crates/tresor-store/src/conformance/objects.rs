//! Conformance cases for secret-store objects and the richer secret
//! listing (filters, sorting, offsets, counts).

use std::collections::BTreeMap;
use std::sync::Arc;

use tresor_core::{
    Change, ObjectFilter, ObjectKind, ObjectRecord, SecretFilter, SecretId, SecretRecord,
    SecretSort, Store, StoreError, TimeFilter,
};

use super::fixtures::{apply, at, event, tenants, tid};

fn object(tenant: &str, kind: ObjectKind, id: &str, parent: Option<&str>, t: i64) -> ObjectRecord {
    ObjectRecord {
        tenant: tid(tenant),
        kind,
        id: id.into(),
        parent: parent.map(str::to_owned),
        name: Some(format!("name-{id}")),
        subtype: Some("generic".into()),
        body: format!("{{\"id\":\"{id}\"}}"),
        created_by: "api-key:test".into(),
        created_at: at(t),
        updated_at: at(t),
        revision: 0,
    }
}

async fn refused(store: &Arc<dyn Store>, change: Change) -> StoreError {
    store
        .commit(vec![change], vec![event("a", "t", None)])
        .await
        .expect_err("the change must be refused")
}

/// Objects: create, get, list in creation order with filters and offsets,
/// counts, tenant isolation, revision-checked updates, deletes, and the
/// deletion of an object's children.
pub async fn secret_objects_create_list_update_delete(store: Arc<dyn Store>) {
    tenants(&store, &["a", "b"]).await;
    let c1 = object("a", ObjectKind::Container, "c1", None, 3);
    let mut c2 = object("a", ObjectKind::Container, "c2", None, 1);
    c2.subtype = Some("rsa".into());
    let consumer = object("a", ObjectKind::Consumer, "c1:x", Some("c1"), 4);
    let acl = object("a", ObjectKind::Acl, "c1", Some("c1"), 5);
    let other = object("b", ObjectKind::Container, "c1", None, 1);
    for o in [&c1, &c2, &consumer, &acl, &other] {
        apply(&store, Change::CreateObject(o.clone())).await;
    }
    let got = store
        .get_object(&tid("a"), ObjectKind::Container, "c1")
        .await;
    assert_eq!(got.unwrap().as_ref(), Some(&c1));
    // Same id, other kind or other tenant: different objects.
    let acl_got = store.get_object(&tid("a"), ObjectKind::Acl, "c1").await;
    assert_eq!(acl_got.unwrap().as_ref(), Some(&acl));
    let b_got = store
        .get_object(&tid("b"), ObjectKind::Container, "c1")
        .await;
    assert_eq!(b_got.unwrap().as_ref(), Some(&other));
    assert!(
        store
            .get_object(&tid("b"), ObjectKind::Acl, "c1")
            .await
            .unwrap()
            .is_none()
    );
    let dup = refused(&store, Change::CreateObject(c1.clone())).await;
    assert!(matches!(dup, StoreError::Duplicate), "{dup:?}");

    // Creation order, offsets and counts.
    let all = ObjectFilter::of(ObjectKind::Container);
    let listed = store.list_objects(&tid("a"), &all).await.unwrap();
    assert_eq!(listed, vec![c2.clone(), c1.clone()]);
    assert_eq!(store.count_objects(&tid("a"), &all).await.unwrap(), 2);
    let second = ObjectFilter {
        offset: 1,
        limit: 1,
        ..all.clone()
    };
    assert_eq!(
        store.list_objects(&tid("a"), &second).await.unwrap(),
        vec![c1.clone()]
    );
    let rsa = ObjectFilter {
        subtype: Some("rsa".into()),
        ..all.clone()
    };
    assert_eq!(
        store.list_objects(&tid("a"), &rsa).await.unwrap(),
        vec![c2.clone()]
    );
    assert_eq!(store.count_objects(&tid("a"), &rsa).await.unwrap(), 1);
    let named = ObjectFilter {
        name: Some("name-c1".into()),
        ..all.clone()
    };
    assert_eq!(
        store.list_objects(&tid("a"), &named).await.unwrap(),
        vec![c1.clone()]
    );
    let children = ObjectFilter {
        parent: Some("c1".into()),
        ..ObjectFilter::of(ObjectKind::Consumer)
    };
    assert_eq!(
        store.list_objects(&tid("a"), &children).await.unwrap(),
        vec![consumer.clone()]
    );
    assert_eq!(store.count_objects(&tid("b"), &all).await.unwrap(), 1);

    // Updates check the revision.
    let mut c1b = c1.clone();
    c1b.body = "{\"id\":\"c1\",\"v\":2}".into();
    let update = |o: &ObjectRecord, rev| Change::UpdateObject {
        object: o.clone(),
        expected_revision: rev,
    };
    apply(&store, update(&c1b, 0)).await;
    let now = store
        .get_object(&tid("a"), ObjectKind::Container, "c1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((now.revision, now.body.as_str()), (1, c1b.body.as_str()));
    let stale = refused(&store, update(&c1b, 0)).await;
    assert!(matches!(stale, StoreError::Conflict), "{stale:?}");

    // Deleting children, then the object; a second delete conflicts.
    apply(
        &store,
        Change::DeleteChildren {
            tenant: tid("a"),
            parent: "c1".into(),
        },
    )
    .await;
    assert!(
        store
            .list_objects(&tid("a"), &children)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .get_object(&tid("a"), ObjectKind::Acl, "c1")
            .await
            .unwrap()
            .is_none()
    );
    let delete = || Change::DeleteObject {
        tenant: tid("a"),
        kind: ObjectKind::Container,
        id: "c1".into(),
    };
    apply(&store, delete()).await;
    let again = refused(&store, delete()).await;
    assert!(matches!(again, StoreError::Conflict), "{again:?}");
    // The other tenant's object of the same id is untouched.
    assert!(
        store
            .get_object(&tid("b"), ObjectKind::Container, "c1")
            .await
            .unwrap()
            .is_some()
    );
}

fn secret(name: &str, alg: &str, bits: u32, mode: Option<&str>, t: i64) -> SecretRecord {
    SecretRecord {
        tenant: tid("a"),
        id: SecretId::generate(),
        name: Some(name.into()),
        secret_type: "symmetric".into(),
        algorithm: Some(alg.into()),
        bit_length: Some(bits),
        mode: mode.map(str::to_owned),
        content_type: None,
        expiration: None,
        metadata: BTreeMap::new(),
        created_by: "api-key:test".into(),
        state: "ACTIVE".into(),
        wrapping_key: None,
        wrapped_key: None,
        payload: None,
        created_at: at(t),
        updated_at: at(t),
        revision: 0,
    }
}

/// Secret listings: attribute and time filters, sorting (nulls first
/// ascending), offsets, and counts that ignore paging.
pub async fn secrets_filter_sort_count(store: Arc<dyn Store>) {
    tenants(&store, &["a"]).await;
    let s1 = secret("one", "aes", 256, Some("cbc"), 10);
    let s2 = secret("two", "aes", 128, None, 20);
    let s3 = secret("three", "rsa", 2048, Some("gcm"), 30);
    for s in [&s1, &s2, &s3] {
        apply(&store, Change::CreateSecret(s.clone())).await;
    }
    let names = |v: Vec<SecretRecord>| v.into_iter().filter_map(|s| s.name).collect::<Vec<_>>();
    let list = |f: SecretFilter| {
        let store = store.clone();
        async move { names(store.list_secrets(&tid("a"), &f).await.unwrap()) }
    };
    let aes = SecretFilter {
        algorithm: Some("aes".into()),
        ..Default::default()
    };
    assert_eq!(store.count_secrets(&tid("a"), &aes).await.unwrap(), 2);
    let bits = SecretFilter {
        bit_length: Some(128),
        ..Default::default()
    };
    assert_eq!(list(bits).await, ["two"]);
    let mode = SecretFilter {
        mode: Some("gcm".into()),
        ..Default::default()
    };
    assert_eq!(list(mode).await, ["three"]);
    let window = SecretFilter {
        created: vec![TimeFilter::Gt(at(10)), TimeFilter::Lte(at(30))],
        sort: vec![(SecretSort::Created, true)],
        ..Default::default()
    };
    assert_eq!(list(window.clone()).await, ["three", "two"]);
    assert_eq!(store.count_secrets(&tid("a"), &window).await.unwrap(), 2);
    let by_mode = SecretFilter {
        sort: vec![(SecretSort::Mode, false)],
        ..Default::default()
    };
    assert_eq!(list(by_mode).await, ["two", "one", "three"]);
    let by_name_desc = SecretFilter {
        sort: vec![(SecretSort::Name, true)],
        offset: 1,
        limit: 1,
        ..Default::default()
    };
    assert_eq!(list(by_name_desc.clone()).await, ["three"]);
    assert_eq!(
        store.count_secrets(&tid("a"), &by_name_desc).await.unwrap(),
        3
    );
}
