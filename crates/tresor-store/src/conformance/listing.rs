//! Conformance cases for key listings: filters, pagination and the
//! scheduler's due keys.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tresor_core::{Algorithm, KeyFilter, KeyId, KeyRecord, KeyState, Store};

use super::fixtures::{at, create_key, key, tenants, tid};
use super::keys::{page, sorted_ids};

fn tagged(tenant: &str, alias: Option<&str>, tags: &[(&str, &str)]) -> KeyRecord {
    let mut k = key(tenant, alias);
    k.tags = tags
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect::<BTreeMap<_, _>>();
    k
}

async fn list(store: &Arc<dyn Store>, f: KeyFilter) -> Vec<KeyId> {
    let p = store
        .list_keys(&tid("a"), &f, page(None, 100))
        .await
        .expect("list");
    assert_eq!(p.next, None);
    p.items.iter().map(|k| k.id).collect()
}

/// Every filter alone and combined; internal keys hidden unless asked for;
/// the alias prefix is literal (no LIKE wildcards); other tenants never show.
pub async fn list_keys_filters(store: Arc<dyn Store>) {
    tenants(&store, &["a", "b"]).await;
    let k1 = create_key(&store, tagged("a", Some("app/one"), &[("team", "pay")])).await;
    let mut k2 = tagged("a", Some("app/two"), &[("team", "infra")]);
    k2.algorithm = Algorithm::HmacSha256;
    k2.state = KeyState::Suspended;
    let k2 = create_key(&store, k2).await;
    let k3 = tagged("a", Some("db/main"), &[("team", "infra"), ("env", "prod")]);
    let k3 = create_key(&store, k3).await;
    let mut k4 = tagged("a", None, &[("team", "pay")]);
    k4.algorithm = Algorithm::EcP256;
    let k4 = create_key(&store, k4).await;
    let mut k5 = tagged("a", Some("app/internal"), &[("team", "pay")]);
    k5.internal = true;
    let k5 = create_key(&store, k5).await;
    let k6 = create_key(&store, tagged("a", Some("app_x"), &[])).await;
    create_key(&store, tagged("b", Some("app/one"), &[("team", "pay")])).await;

    let f = KeyFilter::default;
    assert_eq!(
        list(&store, f()).await,
        sorted_ids([&k1, &k2, &k3, &k4, &k6])
    );
    let all = KeyFilter {
        include_internal: true,
        ..f()
    };
    assert_eq!(
        list(&store, all).await,
        sorted_ids([&k1, &k2, &k3, &k4, &k5, &k6])
    );
    let prefix = |p: &str| KeyFilter {
        alias_prefix: Some(p.to_owned()),
        ..f()
    };
    assert_eq!(list(&store, prefix("app/")).await, sorted_ids([&k1, &k2]));
    assert_eq!(list(&store, prefix("app_")).await, sorted_ids([&k6]));
    assert_eq!(
        list(&store, prefix("app")).await,
        sorted_ids([&k1, &k2, &k6])
    );
    assert!(list(&store, prefix("app%")).await.is_empty());
    assert!(list(&store, prefix("_")).await.is_empty());
    assert_eq!(list(&store, prefix("db/main")).await, sorted_ids([&k3]));
    let alg = KeyFilter {
        algorithm: Some(Algorithm::Aes256Gcm),
        ..f()
    };
    assert_eq!(list(&store, alg).await, sorted_ids([&k1, &k3, &k6]));
    let state = KeyFilter {
        state: Some(KeyState::Suspended),
        ..f()
    };
    assert_eq!(list(&store, state).await, sorted_ids([&k2]));
    let tag = |n: &str, v: &str| KeyFilter {
        tag: Some((n.to_owned(), v.to_owned())),
        ..f()
    };
    assert_eq!(
        list(&store, tag("team", "infra")).await,
        sorted_ids([&k2, &k3])
    );
    assert_eq!(list(&store, tag("env", "prod")).await, sorted_ids([&k3]));
    assert!(list(&store, tag("team", "nope")).await.is_empty());
    assert!(list(&store, tag("env", "infra")).await.is_empty());
    let combined = KeyFilter {
        alias_prefix: Some("app".to_owned()),
        algorithm: Some(Algorithm::Aes256Gcm),
        tag: Some(("team".to_owned(), "pay".to_owned())),
        state: Some(KeyState::Active),
        include_internal: true,
    };
    assert_eq!(list(&store, combined).await, sorted_ids([&k1, &k5]));
}

/// 25 keys in pages of 10: 10/10/5 with cursors, no duplicates, in id order.
pub async fn list_keys_pagination(store: Arc<dyn Store>) {
    tenants(&store, &["a"]).await;
    let mut created = Vec::new();
    for _ in 0..25 {
        created.push(create_key(&store, key("a", None)).await);
    }
    let want = sorted_ids(&created);
    let a = tid("a");
    let f = KeyFilter::default();
    let mut seen = Vec::new();
    let mut after = None;
    let mut sizes = Vec::new();
    loop {
        let p = store
            .list_keys(&a, &f, page(after, 10))
            .await
            .expect("list");
        sizes.push(p.items.len());
        seen.extend(p.items.iter().map(|k| k.id));
        match p.next {
            Some(next) => {
                assert_eq!(Some(next), p.items.last().map(|k| k.id), "cursor = last id");
                after = Some(next);
            }
            None => break,
        }
        assert!(sizes.len() < 10, "pagination does not terminate");
    }
    assert_eq!(sizes, vec![10, 10, 5]);
    assert_eq!(seen, want, "every key once, in id order");

    let whole = store.list_keys(&a, &f, page(None, 25)).await.expect("list");
    assert_eq!((whole.items.len(), whole.next), (25, None), "exact fit");
    let default = store.list_keys(&a, &f, page(None, 0)).await.expect("list");
    assert_eq!(
        default.items.len(),
        25,
        "limit 0 means the default page size"
    );
    let tail = store
        .list_keys(&a, &f, page(want.get(19).copied(), 5))
        .await
        .expect("list");
    assert_eq!((tail.items.len(), tail.next), (5, None));
}

/// Due keys, across tenants: active keys whose rotation is due, and keys
/// (not yet destroyed) whose scheduled destroy is due.
pub async fn keys_due(store: Arc<dyn Store>) {
    tenants(&store, &["a", "b"]).await;
    let with = |tenant: &str, state: KeyState, rotate: Option<i64>, destroy: Option<i64>| {
        let mut k = key(tenant, None);
        k.state = state;
        k.next_rotation_at = rotate.map(at);
        k.destroy_at = destroy.map(at);
        k
    };
    let r1 = create_key(&store, with("a", KeyState::Active, Some(10), None)).await;
    create_key(&store, with("a", KeyState::Active, Some(1000), None)).await;
    create_key(&store, with("a", KeyState::Suspended, Some(10), None)).await;
    let d1 = create_key(&store, with("a", KeyState::Deactivated, None, Some(50))).await;
    create_key(&store, with("a", KeyState::Destroyed, None, Some(50))).await;
    let gone = with("b", KeyState::DestroyedCompromised, Some(10), Some(50));
    create_key(&store, gone).await;
    let d3 = create_key(&store, with("b", KeyState::Suspended, None, Some(200))).await;
    let r4 = create_key(&store, with("b", KeyState::Active, Some(100), None)).await;
    create_key(&store, with("b", KeyState::Active, None, None)).await;

    let due = |now: i64, limit: u32| {
        let store = store.clone();
        async move {
            let keys = store.keys_due(at(now), limit).await.expect("due");
            keys.iter().map(|k| k.id).collect::<BTreeSet<_>>()
        }
    };
    let set = |ks: &[&KeyRecord]| ks.iter().map(|k| k.id).collect::<BTreeSet<_>>();
    assert_eq!(due(5, 100).await, set(&[]));
    assert_eq!(
        due(100, 100).await,
        set(&[&r1, &d1, &r4]),
        "inclusive bound"
    );
    assert_eq!(due(300, 100).await, set(&[&r1, &d1, &d3, &r4]));
    assert_eq!(due(300, 2).await.len(), 2);
}
