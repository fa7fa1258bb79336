//! SQLite-specific behaviour beyond the conformance suite: persistence across
//! reopening, file permissions, read-only opens, schema-version guard, URL
//! handling and the append-only audit table.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;

use sqlx::{Connection, SqliteConnection};
use tresor_core::audit::ChainVerifier;
use tresor_core::{AuditFilter, Change, Store, StoreError};
use tresor_store::conformance::fixtures::{create_key, event, key, tenants, version};
use tresor_store::conformance::verify_chain;
use tresor_store::{SqliteOptions, SqliteStore, StoreOptions, Synchronous, open};

fn url(path: &Path, mode: &str) -> String {
    format!("sqlite://{}?mode={mode}", path.display())
}

async fn raw(path: &Path) -> SqliteConnection {
    SqliteConnection::connect(&url(path, "rw")).await.unwrap()
}

#[tokio::test]
async fn data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tresor.db");
    let (k, head) = {
        let store = SqliteStore::open(&db, &SqliteOptions::default())
            .await
            .unwrap();
        let store: Arc<dyn Store> = Arc::new(store);
        tenants(&store, &["a"]).await;
        let k = create_key(&store, key("a", Some("persist"))).await;
        let v = Change::CreateVersion(version(&k, 1));
        store
            .commit(vec![v], vec![event("a", "key.create", None)])
            .await
            .unwrap();
        (k, store.audit_head().await.unwrap())
    };

    let store = open(&url(&db, "rw"), &StoreOptions::default())
        .await
        .unwrap();
    assert_eq!(
        store.get_key(&k.tenant, &k.id).await.unwrap(),
        Some(k.clone())
    );
    assert_eq!(
        store.list_versions(&k.tenant, &k.id).await.unwrap(),
        vec![version(&k, 1)]
    );
    assert_eq!(store.audit_head().await.unwrap(), head);
    // The chain continues from the persisted head.
    let recs = store
        .commit(vec![], vec![event("a", "after.reopen", None)])
        .await
        .unwrap();
    assert_eq!((recs[0].seq, recs[0].prev_hash), (head.0 + 1, head.1));
    assert_eq!(verify_chain(&store).await.len() as u64, head.0 + 1);
}

#[cfg(unix)]
#[tokio::test]
async fn database_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tresor.db");
    let store = SqliteStore::open(&db, &SqliteOptions::default())
        .await
        .unwrap();
    store
        .commit(vec![], vec![event("a", "x", None)])
        .await
        .unwrap();
    for name in ["tresor.db", "tresor.db-wal", "tresor.db-shm"] {
        let p = dir.path().join(name);
        if let Ok(meta) = std::fs::metadata(&p) {
            assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{name}");
        }
    }
}

#[tokio::test]
async fn read_only_store_reads_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tresor.db");
    let opts = SqliteOptions::default().with_synchronous(Synchronous::Normal);
    let server = Arc::new(SqliteStore::open(&db, &opts).await.unwrap());
    let rw: Arc<dyn Store> = server.clone();
    tenants(&rw, &["a"]).await;

    // While the server is running…
    let ro = SqliteStore::open_read_only(&db).await.unwrap();
    assert!(ro.is_read_only());
    assert_eq!(ro.list_tenants().await.unwrap().len(), 1);
    let err = ro.commit(vec![], vec![event("a", "x", None)]).await;
    assert!(matches!(err, Err(StoreError::Backend(_))), "{err:?}");
    ro.close().await;

    // …and after it stopped.
    let head = rw.audit_head().await.unwrap();
    server.close().await;
    drop((rw, server));
    assert!(
        !dir.path().join("tresor.db-wal").exists(),
        "checkpointed on close"
    );
    let ro = open(&url(&db, "ro"), &StoreOptions::default())
        .await
        .unwrap();
    let recs = ro
        .list_audit(&AuditFilter {
            ascending: true,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    let mut v = ChainVerifier::default();
    for r in &recs {
        v.push(r).unwrap();
    }
    assert_eq!((v.count(), v.head()), head);
    let blob = ro
        .put_blob_if_absent(&"software".parse().unwrap(), "n", b"v")
        .await;
    assert!(blob.is_err());
}

#[tokio::test]
async fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tresor.db");
    SqliteStore::open(&db, &SqliteOptions::default())
        .await
        .unwrap()
        .close()
        .await;
    let mut conn = raw(&db).await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations \
         (version, description, success, checksum, execution_time) \
         VALUES (999, 'from the future', 1, x'00', 0)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();

    for result in [
        SqliteStore::open(&db, &SqliteOptions::default()).await,
        SqliteStore::open_read_only(&db).await,
    ] {
        match result {
            Err(StoreError::Corrupt(msg)) => assert!(
                msg.contains("database schema version 999 is newer than this Tresor supports"),
                "{msg}"
            ),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn audit_rows_cannot_be_changed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tresor.db");
    let store = SqliteStore::open(&db, &SqliteOptions::default())
        .await
        .unwrap();
    store
        .commit(vec![], vec![event("a", "x", None)])
        .await
        .unwrap();
    let mut conn = raw(&db).await;
    let update = sqlx::query("UPDATE audit SET action = 'forged'")
        .execute(&mut conn)
        .await;
    assert!(update.is_err());
    let delete = sqlx::query("DELETE FROM audit").execute(&mut conn).await;
    assert!(delete.is_err());
    assert_eq!(store.audit_head().await.unwrap().0, 1);
}

#[tokio::test]
async fn urls_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    let opts = StoreOptions::default();
    assert!(open(&url(&missing, "rw"), &opts).await.is_err());
    assert!(open(&url(&missing, "ro"), &opts).await.is_err());
    assert!(!missing.exists(), "rw and ro never create the file");
    let err = open("postgres://user:secret@host/db", &opts).await;
    match err {
        Err(StoreError::Backend(e)) => {
            let text = e.to_string();
            assert!(
                text.contains("postgres") && !text.contains("secret"),
                "{text}"
            );
        }
        other => panic!("expected an unsupported URL, got {other:?}"),
    }
    assert!(open("sqlite::memory:", &opts).await.is_err());
}

#[tokio::test]
async fn closed_store_refuses_calls() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("t.db"), &SqliteOptions::default())
        .await
        .unwrap();
    store.close().await;
    assert!(store.commit(vec![], vec![]).await.is_err());
    assert!(store.list_tenants().await.is_err());
}

/// Plain audit records are appended in one multi-statement round trip on
/// the cached head. When another process appended behind that head, the
/// append fails with `Conflict`, is rolled back whole (the connection is
/// not left inside a transaction) and the next commit re-reads the head.
#[tokio::test]
async fn append_behind_another_writer_conflicts_then_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tresor.db");
    let a: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&db, &SqliteOptions::default())
            .await
            .unwrap(),
    );
    let b: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&db, &SqliteOptions::default())
            .await
            .unwrap(),
    );
    // Both cache a head; the second append of each takes the fast path.
    a.commit(vec![], vec![event("a", "first", None)])
        .await
        .unwrap();
    a.commit(vec![], vec![event("a", "second", None)])
        .await
        .unwrap();
    b.commit(vec![], vec![event("a", "from-b", None)])
        .await
        .unwrap();
    let stale = a
        .commit(
            vec![],
            vec![event("a", "lost-1", None), event("a", "lost-2", None)],
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    let again = a
        .commit(vec![], vec![event("a", "after", None)])
        .await
        .unwrap();
    assert_eq!(again[0].seq, 4);
    let records = verify_chain(&a).await;
    let actions: Vec<_> = records.iter().map(|r| r.event.action.as_str()).collect();
    assert_eq!(actions, ["first", "second", "from-b", "after"]);
    // Many records in one append, then a restart reads the same chain.
    let many: Vec<_> = (0..300)
        .map(|i| event("a", &format!("bulk-{i}"), None))
        .collect();
    let written = a.commit(vec![], many).await.unwrap();
    assert_eq!(written.last().unwrap().seq, 304);
    let reopened: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&db, &SqliteOptions::default())
            .await
            .unwrap(),
    );
    assert_eq!(verify_chain(&reopened).await.len(), 304);
}
