//! Conformance cases for `commit` atomicity and the audit chain: sequence
//! numbers, hash links, filters and paging.

use std::sync::Arc;

use tresor_core::audit::{AuditRecord, ChainVerifier, GENESIS_HASH};
use tresor_core::{AuditEvent, AuditFilter, Change, Outcome, Store, StoreError};

use super::fixtures::{at, create_key, event, key, tenant, tenants, tid};

/// Reads the whole chain oldest first, in pages, and verifies it.
pub async fn verify_chain(store: &Arc<dyn Store>) -> Vec<AuditRecord> {
    let mut all = Vec::new();
    let mut verifier = ChainVerifier::default();
    loop {
        let page = store
            .list_audit(&AuditFilter {
                after_seq: Some(all.last().map_or(0, |r: &AuditRecord| r.seq)),
                ascending: true,
                limit: 7,
                ..AuditFilter::default()
            })
            .await
            .expect("list audit");
        if page.is_empty() {
            break;
        }
        for r in &page {
            verifier.push(r).expect("chain verifies");
        }
        all.extend(page);
    }
    let head = store.audit_head().await.expect("head");
    assert_eq!(
        head,
        (verifier.count(), verifier.head()),
        "head = last record"
    );
    all
}

/// A commit whose second change fails writes neither the first change nor
/// any audit event; the chain continues from the old head afterwards.
pub async fn commit_is_atomic(store: Arc<dyn Store>) {
    tenants(&store, &["a"]).await;
    let existing = create_key(&store, key("a", Some("taken"))).await;
    let head = store.audit_head().await.expect("head");

    let first = key("a", Some("fresh"));
    let clash = key("a", Some("taken"));
    let events = vec![
        event("a", "key.create", None),
        event("a", "key.create", None),
    ];
    let err = store
        .commit(
            vec![Change::CreateKey(first.clone()), Change::CreateKey(clash)],
            events.clone(),
        )
        .await;
    assert!(matches!(err, Err(StoreError::AliasTaken)), "{err:?}");
    let stale = Change::UpdateKey {
        key: existing.clone(),
        expected_revision: 7,
    };
    let tenant_b = Change::CreateTenant(tenant("b"));
    let err = store.commit(vec![tenant_b, stale], events.clone()).await;
    assert!(matches!(err, Err(StoreError::Conflict)), "{err:?}");

    assert_eq!(
        store.get_key(&first.tenant, &first.id).await.expect("get"),
        None
    );
    assert_eq!(store.get_tenant(&tid("b")).await.expect("get"), None);
    assert_eq!(
        store.audit_head().await.expect("head"),
        head,
        "no audit written"
    );

    let recs = store
        .commit(vec![Change::CreateKey(first.clone())], events)
        .await
        .expect("commit");
    assert_eq!(recs.len(), 2);
    assert_eq!((recs[0].seq, recs[0].prev_hash), (head.0 + 1, head.1));
    assert!(
        store
            .get_key(&first.tenant, &first.id)
            .await
            .expect("get")
            .is_some()
    );
    let all = verify_chain(&store).await;
    assert_eq!(all.len() as u64, head.0 + 2);
}

/// N commits give records 1..N that verify; what commit returns is what is
/// stored; empty commits add nothing.
pub async fn audit_chain(store: Arc<dyn Store>) {
    assert_eq!(store.audit_head().await.expect("head"), (0, GENESIS_HASH));
    assert!(verify_chain(&store).await.is_empty());
    let mut returned = Vec::new();
    for i in 0..20 {
        let ev = event("a", &format!("op.{i}"), Some(&format!("obj-{i}")));
        returned.extend(store.commit(vec![], vec![ev]).await.expect("commit"));
    }
    let batch = vec![
        event("a", "x", None),
        event("b", "y", None),
        event("", "z", None),
    ];
    returned.extend(store.commit(vec![], batch).await.expect("commit"));
    assert!(
        store
            .commit(vec![], vec![])
            .await
            .expect("empty")
            .is_empty()
    );
    let seqs: Vec<u64> = returned.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=23).collect::<Vec<_>>());
    let stored = verify_chain(&store).await;
    assert_eq!(stored, returned, "stored records equal the returned ones");
}

fn varied(i: u32) -> AuditEvent {
    let mut e = event(
        if i.is_multiple_of(3) { "b" } else { "a" },
        "crypto.encrypt",
        None,
    );
    e.time = at(i64::from(i));
    e.principal = format!("p{}", i % 2);
    if i.is_multiple_of(5) {
        e.action = "key.create".into();
        e.object = Some(format!("key-{i}"));
    }
    if i.is_multiple_of(4) {
        e.outcome = Outcome::Denied;
        e.error_code = Some("forbidden".into());
    }
    e.source = None;
    e.detail = None;
    e
}

async fn seqs(store: &Arc<dyn Store>, f: AuditFilter) -> Vec<u64> {
    let recs = store.list_audit(&f).await.expect("list audit");
    recs.iter().map(|r| r.seq).collect()
}

/// Every filter field, ordering, cursors and limits.
pub async fn audit_filters_and_paging(store: Arc<dyn Store>) {
    // 30 events with seq = i + 1 and time = at(i).
    let events = (0..30).map(varied).collect();
    store.commit(vec![], events).await.expect("commit");
    let f = AuditFilter::default;
    let pick = |pred: &dyn Fn(u32) -> bool| -> Vec<u64> {
        (0..30u32)
            .rev()
            .filter(|i| pred(*i))
            .map(|i| u64::from(i) + 1)
            .collect()
    };
    assert_eq!(seqs(&store, f()).await, pick(&|_| true), "newest first");
    let tenant_b = AuditFilter {
        tenant: Some("b".into()),
        ..f()
    };
    assert_eq!(seqs(&store, tenant_b).await, pick(&|i| i % 3 == 0));
    let principal = AuditFilter {
        principal: Some("p1".into()),
        ..f()
    };
    assert_eq!(seqs(&store, principal).await, pick(&|i| i % 2 == 1));
    let action = AuditFilter {
        action: Some("key.create".into()),
        ..f()
    };
    assert_eq!(seqs(&store, action).await, pick(&|i| i % 5 == 0));
    let object = AuditFilter {
        object: Some("key-10".into()),
        ..f()
    };
    assert_eq!(seqs(&store, object).await, vec![11]);
    let denied = AuditFilter {
        outcome: Some(Outcome::Denied),
        ..f()
    };
    assert_eq!(seqs(&store, denied).await, pick(&|i| i % 4 == 0));
    let window = AuditFilter {
        since: Some(at(10)),
        until: Some(at(14)),
        ..f()
    };
    assert_eq!(
        seqs(&store, window).await,
        vec![15, 14, 13, 12, 11],
        "inclusive"
    );
    let combined = AuditFilter {
        tenant: Some("a".into()),
        outcome: Some(Outcome::Denied),
        since: Some(at(5)),
        ascending: true,
        ..f()
    };
    let want: Vec<u64> = (5..30u32)
        .filter(|i| i % 3 != 0 && i % 4 == 0)
        .map(|i| u64::from(i) + 1)
        .collect();
    assert_eq!(seqs(&store, combined).await, want);

    // Newest-first paging with before_seq.
    let mut got = Vec::new();
    let mut before = None;
    loop {
        let page = seqs(
            &store,
            AuditFilter {
                before_seq: before,
                limit: 8,
                ..f()
            },
        )
        .await;
        let Some(&last) = page.last() else { break };
        assert!(page.len() <= 8);
        got.extend(page);
        before = Some(last);
    }
    assert_eq!(got, pick(&|_| true));
    let ascending = AuditFilter {
        after_seq: Some(27),
        ascending: true,
        ..f()
    };
    assert_eq!(seqs(&store, ascending).await, vec![28, 29, 30]);
    let between = AuditFilter {
        after_seq: Some(3),
        before_seq: Some(6),
        ..f()
    };
    assert_eq!(seqs(&store, between).await, vec![5, 4]);
    let limited = AuditFilter {
        limit: 2,
        ascending: true,
        ..f()
    };
    assert_eq!(seqs(&store, limited).await, vec![1, 2]);

    // Limits: 0 means 100, anything above 1000 is capped.
    let many = (0..1_100)
        .map(|i| event("c", &format!("bulk.{i}"), None))
        .collect();
    store.commit(vec![], many).await.expect("bulk commit");
    assert_eq!(seqs(&store, f()).await.len(), 100);
    let huge = AuditFilter {
        limit: 50_000,
        ..f()
    };
    assert_eq!(seqs(&store, huge).await.len(), 1000);
}
