//! Conformance cases for running several nodes on one store and moving a
//! deployment: leases (one winner, expiry, renewal, release), importing a
//! pre-chained audit trail (continuity checked, all or nothing), listing
//! provider blobs, and a full [`copy`](crate::copy) between two stores.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tresor_core::audit::{GENESIS_HASH, chain};
use tresor_core::{ProviderId, Store, StoreError};

use super::audit::verify_chain;
use super::fixtures::{event, tenants};

const LONG: Duration = Duration::from_secs(60);

/// Ten holders race for one lease: exactly one wins; it can renew, the
/// others cannot take it until it is released.
pub async fn leases_one_winner(store: Arc<dyn Store>) {
    let mut tasks = JoinSet::new();
    for i in 0..10 {
        let store = store.clone();
        tasks.spawn(async move {
            let holder = format!("node-{i}");
            let won = store
                .try_acquire_lease("scheduler", &holder, LONG)
                .await
                .expect("acquire");
            (holder, won)
        });
    }
    let mut winners = Vec::new();
    while let Some(r) = tasks.join_next().await {
        let (holder, won) = r.expect("join");
        if won {
            winners.push(holder);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one holder wins: {winners:?}");
    let winner = &winners[0];
    let other = if winner == "node-0" {
        "node-1"
    } else {
        "node-0"
    };
    assert!(
        store
            .try_acquire_lease("scheduler", winner, LONG)
            .await
            .unwrap(),
        "renew"
    );
    assert!(
        !store
            .try_acquire_lease("scheduler", other, LONG)
            .await
            .unwrap()
    );
    // Another lease name is independent.
    assert!(
        store
            .try_acquire_lease("other-job", other, LONG)
            .await
            .unwrap()
    );
    // Releasing someone else's lease does nothing.
    store.release_lease("scheduler", other).await.unwrap();
    assert!(
        !store
            .try_acquire_lease("scheduler", other, LONG)
            .await
            .unwrap()
    );
    store.release_lease("scheduler", winner).await.unwrap();
    assert!(
        store
            .try_acquire_lease("scheduler", other, LONG)
            .await
            .unwrap()
    );
    assert!(
        !store
            .try_acquire_lease("scheduler", winner, LONG)
            .await
            .unwrap()
    );
}

/// An expired lease can be taken by another holder; the old holder then
/// cannot renew it. A renewal pushes the expiry out.
pub async fn leases_expire_and_renew(store: Arc<dyn Store>) {
    let short = Duration::from_millis(700);
    assert!(store.try_acquire_lease("job", "a", short).await.unwrap());
    assert!(!store.try_acquire_lease("job", "b", short).await.unwrap());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        store.try_acquire_lease("job", "a", short).await.unwrap(),
        "renew"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    // 800 ms after the first acquire, but only 400 after the renewal.
    assert!(!store.try_acquire_lease("job", "b", short).await.unwrap());
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        store.try_acquire_lease("job", "b", short).await.unwrap(),
        "expired"
    );
    assert!(!store.try_acquire_lease("job", "a", short).await.unwrap());
}

/// Pre-chained records are taken as they are when they continue the head;
/// a gap, a wrong start or a bad hash is refused and writes nothing; later
/// commits continue the imported chain.
pub async fn import_audit_keeps_the_chain(store: Arc<dyn Store>) {
    let events = (0..5)
        .map(|i| event("a", "imported", Some(&i.to_string())))
        .collect();
    let records = chain(0, GENESIS_HASH, events);
    // Not starting at the head (1): refused.
    let err = store.import_audit(records[1..].to_vec()).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict), "{err:?}");
    // A tampered record in the middle: refused, nothing written.
    let mut bad = records.clone();
    bad[2].event.action = "tampered".into();
    let err = store.import_audit(bad).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert_eq!(store.audit_head().await.unwrap().0, 0);
    store.import_audit(records[..3].to_vec()).await.unwrap();
    store.import_audit(records[3..].to_vec()).await.unwrap();
    let last = records.last().unwrap();
    assert_eq!(store.audit_head().await.unwrap(), (5, last.hash));
    // The same records again no longer start at the head.
    assert!(store.import_audit(records.clone()).await.is_err());
    // Ordinary commits continue the imported chain.
    tenants(&store, &["a"]).await;
    let stored = verify_chain(&store).await;
    assert_eq!(stored.len(), 6);
    assert_eq!(&stored[..5], &records[..]);
}

/// Every blob of every provider, ordered by provider and name.
pub async fn blobs_are_listed(store: Arc<dyn Store>) {
    assert!(store.list_blobs().await.unwrap().is_empty());
    let p1 = ProviderId::parse("software").unwrap();
    let p2 = ProviderId::parse("hsm").unwrap();
    store
        .put_blob_if_absent(&p1, "tenant/b", b"2")
        .await
        .unwrap();
    store
        .put_blob_if_absent(&p1, "tenant/a", b"1")
        .await
        .unwrap();
    store.put_blob_if_absent(&p2, "x", b"3").await.unwrap();
    let all = store.list_blobs().await.unwrap();
    let flat: Vec<(&str, &str, &[u8])> = all
        .iter()
        .map(|(p, n, v)| (p.as_str(), n.as_str(), v.as_slice()))
        .collect();
    assert_eq!(
        flat,
        vec![
            ("hsm", "x", &b"3"[..]),
            ("software", "tenant/a", &b"1"[..]),
            ("software", "tenant/b", &b"2"[..]),
        ]
    );
}
