//! Server-backend cases beyond the conformance suite, the same for
//! PostgreSQL and MySQL: persistence across reopening, the schema-version
//! guard, the append-only audit table, several store instances (separate
//! pools, as separate Tresor servers would have) sharing one database, and
//! exact (case-sensitive) identifier comparison.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tresor_core::{Change, KeyFilter, PageRequest, Store, StoreError};
use tresor_store::conformance::fixtures::{alias, create_key, event, key, tenants, tid, version};
use tresor_store::conformance::verify_chain;
use tresor_store::{PoolOptions, StoreOptions, migrate, open, schema_status};

use super::{Kind, TestDb, opts};

/// Data and the chain head survive closing every connection; the chain
/// continues from the stored head. Both scheme spellings open the store.
pub async fn data_survives_reopening(db: &TestDb) {
    let (k, head) = {
        let store = db.open().await;
        tenants(&store, &["a"]).await;
        let k = create_key(&store, key("a", Some("persist"))).await;
        let v = Change::CreateVersion(version(&k, 1));
        store
            .commit(vec![v], vec![event("a", "key.create", None)])
            .await
            .unwrap();
        (k, store.audit_head().await.unwrap())
    };
    let store = open(&db.alt_url(), &opts()).await.unwrap();
    assert_eq!(
        store.get_key(&k.tenant, &k.id).await.unwrap(),
        Some(k.clone())
    );
    assert_eq!(
        store.list_versions(&k.tenant, &k.id).await.unwrap(),
        vec![version(&k, 1)]
    );
    assert_eq!(store.audit_head().await.unwrap(), head);
    let recs = store
        .commit(vec![], vec![event("a", "after.reopen", None)])
        .await
        .unwrap();
    assert_eq!((recs[0].seq, recs[0].prev_hash), (head.0 + 1, head.1));
    assert_eq!(verify_chain(&store).await.len() as u64, head.0 + 1);
}

/// `schema_status` and `migrate` on a fresh database; a schema newer than
/// this build is refused by `open` and reported by `schema_status`.
pub async fn schema_versions(db: &TestDb) {
    let url = db.url();
    let (applied, latest) = schema_status(&url, &opts()).await.unwrap();
    assert_eq!(applied, 0, "fresh database");
    assert!(latest >= 1);
    migrate(&url, &opts()).await.unwrap();
    migrate(&url, &opts()).await.unwrap();
    assert_eq!(
        schema_status(&url, &opts()).await.unwrap(),
        (latest, latest)
    );

    let checksum = match db.kind {
        Kind::Postgres => "'\\x00'::bytea",
        Kind::Mysql => "x'00'",
    };
    db.exec(&format!(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (999, 'from the future', TRUE, {checksum}, 0)"
    ))
    .await
    .unwrap();
    match open(&url, &opts()).await {
        Err(StoreError::Corrupt(msg)) => assert_eq!(
            msg,
            format!("database schema version 999 is newer than this Tresor supports ({latest})")
        ),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert!(matches!(
        migrate(&url, &opts()).await,
        Err(StoreError::Corrupt(_))
    ));
    assert_eq!(schema_status(&url, &opts()).await.unwrap(), (999, latest));
}

/// UPDATE and DELETE on `audit` are refused by the database itself.
pub async fn audit_rows_cannot_be_changed(db: &TestDb) {
    let store = db.open().await;
    store
        .commit(vec![], vec![event("a", "x", None)])
        .await
        .unwrap();
    let update = db.exec("UPDATE audit SET action = 'forged'").await;
    assert!(
        update.as_ref().is_err_and(|e| e.contains("append-only")),
        "{update:?}"
    );
    let delete = db.exec("DELETE FROM audit").await;
    assert!(
        delete.as_ref().is_err_and(|e| e.contains("append-only")),
        "{delete:?}"
    );
    assert_eq!(store.audit_head().await.unwrap().0, 1);
    verify_chain(&store).await;
}

/// Two independently opened stores (two pools, as two servers would have).
async fn two_instances(db: &TestDb) -> [Arc<dyn Store>; 2] {
    let first = db.open().await;
    let second = open(&db.url(), &opts()).await.unwrap();
    [first, second]
}

/// 50 concurrent commits split between two instances form one unbroken
/// chain of 50, in which every returned record is stored as returned.
pub async fn instances_share_one_chain(db: &TestDb) {
    let stores = two_instances(db).await;
    tenants(&stores[0], &["a"]).await;
    let (base, _) = stores[1].audit_head().await.unwrap();
    let mut tasks = JoinSet::new();
    for i in 0..50 {
        let store = stores[i % 2].clone();
        tasks.spawn(async move {
            let changes = if i % 3 == 0 {
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
        returned.extend(r.unwrap().unwrap());
    }
    returned.sort_by_key(|r| r.seq);
    let seqs: Vec<u64> = returned.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (base + 1..=base + 50).collect::<Vec<_>>());
    for store in &stores {
        let stored = verify_chain(store).await;
        assert_eq!(stored.len() as u64, base + 50);
        assert_eq!(&stored[usize::try_from(base).unwrap()..], &returned[..]);
    }
}

/// 10 updates of one key from the same revision, alternating between two
/// instances: exactly one wins, the rest get `Conflict` and write no audit.
pub async fn instances_race_on_revision(db: &TestDb) {
    let stores = two_instances(db).await;
    tenants(&stores[0], &["a"]).await;
    let k = create_key(&stores[0], key("a", Some("contested"))).await;
    let (before, _) = stores[1].audit_head().await.unwrap();
    let mut tasks = JoinSet::new();
    for i in 0..10 {
        let store = stores[i % 2].clone();
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
    let (mut winners, mut conflicts) = (Vec::new(), 0);
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            (i, Ok(_)) => winners.push(i),
            (_, Err(StoreError::Conflict)) => conflicts += 1,
            (_, Err(e)) => panic!("unexpected error: {e:?}"),
        }
    }
    assert_eq!((winners.len(), conflicts), (1, 9), "winners: {winners:?}");
    let stored = stores[1].get_key(&k.tenant, &k.id).await.unwrap().unwrap();
    assert_eq!(stored.revision, 1);
    assert_eq!(stored.description, format!("writer {}", winners[0]));
    assert_eq!(stores[0].audit_head().await.unwrap().0, before + 1);
    verify_chain(&stores[1]).await;
}

/// Aliases and tenant ids compare byte-exact: `Shared` and `shared` are two
/// aliases, and a lookup with other casing finds nothing.
pub async fn identifiers_are_case_sensitive(db: &TestDb) {
    let store = db.open().await;
    tenants(&store, &["a"]).await;
    let upper = create_key(&store, key("a", Some("Shared"))).await;
    let lower = create_key(&store, key("a", Some("shared"))).await;
    let a = tid("a");
    let found = store.get_key_by_alias(&a, &alias("Shared")).await.unwrap();
    assert_eq!(found.map(|k| k.id), Some(upper.id));
    let found = store.get_key_by_alias(&a, &alias("shared")).await.unwrap();
    assert_eq!(found.map(|k| k.id), Some(lower.id));
    assert_eq!(
        store.get_key_by_alias(&a, &alias("SHARED")).await.unwrap(),
        None
    );
    let f = KeyFilter {
        alias_prefix: Some("sh".to_owned()),
        ..KeyFilter::default()
    };
    let page = PageRequest {
        after: None,
        limit: 10,
    };
    let listed = store.list_keys(&a, &f, page).await.unwrap();
    assert_eq!(
        listed.items.iter().map(|k| k.id).collect::<Vec<_>>(),
        vec![lower.id]
    );
}

/// Errors name the server, never the password in the URL.
pub async fn errors_hide_credentials(scheme: &str) {
    let url = format!("{scheme}://tresor:hunter2@127.0.0.1:1/tresor");
    let pool = PoolOptions::default().with_acquire_timeout(Duration::from_secs(2));
    let Err(err) = open(&url, &StoreOptions::default().with_pool(pool)).await else {
        panic!("nothing listens on port 1");
    };
    let mut text = format!("{err} {err:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        text.push_str(&format!(" {s} {s:?}"));
        source = s.source();
    }
    assert!(text.contains("127.0.0.1:1"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}
