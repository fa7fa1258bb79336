//! Conformance cases for concurrent writers: commits from many tasks form a
//! single unbroken chain, and optimistic concurrency lets exactly one of
//! several racing updates win.

use std::sync::Arc;

use tokio::task::JoinSet;
use tresor_core::{Change, CommitUnit, Store, StoreError};

use super::audit::verify_chain;
use super::fixtures::{create_key, event, key, tenants, tid, version};

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

/// `commit_many`: four units, the second taking an alias the first just
/// took and the third updating from a stale revision. Those two fail
/// alone (their key, version and audit record are absent); the others are
/// stored, and the records form one chain in unit order.
pub async fn commit_many_isolates_failures(store: Arc<dyn Store>) {
    tenants(&store, &["a"]).await;
    let existing = create_key(&store, key("a", Some("existing"))).await;
    let (base, _) = store.audit_head().await.expect("head");
    let first = key("a", Some("taken"));
    let clash = key("a", Some("taken"));
    let mut stale = existing.clone();
    stale.description = "stale".into();
    let last = key("a", Some("last"));
    let units = vec![
        CommitUnit {
            changes: vec![Change::CreateKey(first.clone())],
            audit: vec![event("a", "unit", Some("1"))],
        },
        CommitUnit {
            changes: vec![
                Change::CreateKey(clash.clone()),
                Change::CreateVersion(version(&clash, 1)),
            ],
            audit: vec![event("a", "unit", Some("2"))],
        },
        CommitUnit {
            changes: vec![Change::UpdateKey {
                key: stale,
                expected_revision: existing.revision + 7,
            }],
            audit: vec![event("a", "unit", Some("3"))],
        },
        CommitUnit {
            changes: vec![Change::CreateKey(last.clone())],
            audit: vec![
                event("a", "unit", Some("4")),
                event("a", "unit", Some("4b")),
            ],
        },
    ];
    let results = store.commit_many(units).await;
    assert_eq!(results.len(), 4);
    assert!(
        matches!(results[1], Err(StoreError::AliasTaken)),
        "{:?}",
        results[1]
    );
    assert!(
        matches!(results[2], Err(StoreError::Conflict)),
        "{:?}",
        results[2]
    );
    let seqs: Vec<u64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .flatten()
        .map(|r| r.seq)
        .collect();
    assert_eq!(seqs, vec![base + 1, base + 2, base + 3]);
    let t = tid("a");
    assert!(store.get_key(&t, &first.id).await.expect("get").is_some());
    assert!(store.get_key(&t, &last.id).await.expect("get").is_some());
    assert!(store.get_key(&t, &clash.id).await.expect("get").is_none());
    assert!(
        store
            .list_versions(&t, &clash.id)
            .await
            .expect("versions")
            .is_empty()
    );
    let kept = store
        .get_key(&t, &existing.id)
        .await
        .expect("get")
        .expect("key");
    assert_eq!(kept.description, existing.description);
    let stored = verify_chain(&store).await;
    assert_eq!(stored.len() as u64, base + 3);
    // The store goes on chaining after a batch with failures.
    let more = store
        .commit(vec![], vec![event("a", "after", None)])
        .await
        .expect("commit");
    assert_eq!(more[0].seq, base + 4);
    verify_chain(&store).await;
}
