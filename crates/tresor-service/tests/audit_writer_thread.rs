//! On SQLite the group-commit writer runs on a thread of its own: an audited
//! call is committed and answered even while the runtime that started the
//! writer runs no tasks at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use tresor_core::{AuditEvent, Outcome, Store, Timestamp};
use tresor_service::audit_writer::AuditWriter;
use tresor_store::StoreOptions;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn event() -> AuditEvent {
    AuditEvent {
        time: Timestamp::from_unix_micros(1_800_000_000_000_000),
        tenant: "default".to_owned(),
        principal: "test".to_owned(),
        action: "key.encrypt".to_owned(),
        object: None,
        outcome: Outcome::Success,
        error_code: None,
        request_id: "req-1".to_owned(),
        source: None,
        detail: None,
    }
}

#[test]
fn the_writer_needs_no_task_time_on_the_runtime_that_started_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/tresor.db", dir.path().display());
    let rt = runtime();
    let (store, writer): (Arc<dyn Store>, AuditWriter) = rt.block_on(async {
        let store = tresor_store::open(&url, &StoreOptions::default())
            .await
            .unwrap();
        assert!(store.groups_commits());
        (store.clone(), AuditWriter::spawn(store, 64))
    });
    let (before, _) = rt.block_on(store.audit_head()).unwrap();

    // From here on nothing drives `rt`: a writer task spawned on it would
    // never run, and the append below would never be answered.
    let (tx, rx) = std::sync::mpsc::channel();
    let caller = writer.clone();
    let worker = std::thread::spawn(move || {
        let result = runtime().block_on(caller.append(event()));
        let _ = tx.send(result);
    });
    let answered = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the writer answered without the starting runtime");
    assert_eq!(answered, Ok(()));
    worker.join().unwrap();

    let (after, _) = rt.block_on(store.audit_head()).unwrap();
    assert_eq!(after, before + 1);
    assert_eq!(writer.high_water(), after);
}
