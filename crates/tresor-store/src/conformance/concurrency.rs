//! Conformance cases for concurrent writers: commits from many tasks form a
//! single unbroken chain, and optimistic concurrency lets exactly one of
//! several racing updates win.

use std::sync::Arc;

use tokio::task::JoinSet;
use tresor_core::{Change, Store, StoreError};

use super::audit::verify_chain;
use super::fixtures::{create_key, event, key, tenants};

/// 50 concurrent commits, half of them creating keys: one chain of 50 (plus
/// the setup records), every returned record stored as returned.
pub async fn concurrent_commits_form_one_chain(store: Arc<dyn Store>) {
    tenants(&store, &["a"]).await;
    let (base, _) = store.audit_head().await.expect("head");
    let mut tasks = JoinSet::new();
    for i in 0..50 {
        let store = store.clone();
        tasks.spawn(async move {
            let changes = if i % 2 == 0 {
                vec![Change::CreateKey(key("a", Some(&format!("k{i}"))))]
            } else {
                vec![]
            };
            let ev = event("a", "concurrent", Some(&i.to_string()));
            store.commit(changes, vec![ev]).await
        });
    }
    let mut returned = Vec::new();
    while let Some(r) = tasks.join_next().await {
        let recs = r.expect("join").expect("commit");
        assert_eq!(recs.len(), 1);
        returned.extend(recs);
    }
    returned.sort_by_key(|r| r.seq);
    let seqs: Vec<u64> = returned.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (base + 1..=base + 50).collect::<Vec<_>>());
    let stored = verify_chain(&store).await;
    assert_eq!(stored.len() as u64, base + 50);
    let tail: Vec<_> = stored
        .into_iter()
        .skip(usize::try_from(base).unwrap_or(0))
        .collect();
    assert_eq!(tail, returned);
}

/// 10 concurrent updates from the same revision: exactly one wins, the rest
/// get `Conflict` and write no audit record.
pub async fn concurrent_updates_one_wins(store: Arc<dyn Store>) {
    tenants(&store, &["a"]).await;
    let k = create_key(&store, key("a", Some("contested"))).await;
    let (before, _) = store.audit_head().await.expect("head");
    let mut tasks = JoinSet::new();
    for i in 0..10 {
        let store = store.clone();
        let mut update = k.clone();
        update.description = format!("writer {i}");
        tasks.spawn(async move {
            let change = Change::UpdateKey {
                key: update,
                expected_revision: 0,
            };
            let ev = event("a", "key.update", Some(&i.to_string()));
            (i, store.commit(vec![change], vec![ev]).await)
        });
    }
    let mut winners = Vec::new();
    let mut conflicts = 0;
    while let Some(r) = tasks.join_next().await {
        match r.expect("join") {
            (i, Ok(_)) => winners.push(i),
            (_, Err(StoreError::Conflict)) => conflicts += 1,
            (_, Err(e)) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!((winners.len(), conflicts), (1, 9), "winners: {winners:?}");
    let stored = store
        .get_key(&k.tenant, &k.id)
        .await
        .expect("get")
        .expect("key");
    assert_eq!(stored.revision, 1);
    assert_eq!(stored.description, format!("writer {}", winners[0]));
    assert_eq!(store.audit_head().await.expect("head").0, before + 1);
    verify_chain(&store).await;
}
