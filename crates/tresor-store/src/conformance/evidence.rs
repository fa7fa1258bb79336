//! Conformance cases for SIEM sink cursors (monotonic, per sink, survive
//! reopening because they are rows) and alerts (upsert inside a commit
//! with its audit record, filters, ordering).

use std::sync::Arc;

use tresor_core::{
    AlertFilter, AlertRecord, AlertSeverity, AlertState, AuditFilter, Change, Store, Timestamp,
};

use super::fixtures::event;

/// A cursor starts at 0, only moves forward, and is kept per sink.
pub async fn sink_cursors_are_monotonic(store: Arc<dyn Store>) {
    assert_eq!(store.sink_cursor("siem").await.unwrap(), 0);
    store.advance_sink_cursor("siem", 5).await.unwrap();
    assert_eq!(store.sink_cursor("siem").await.unwrap(), 5);
    store.advance_sink_cursor("siem", 3).await.unwrap();
    assert_eq!(
        store.sink_cursor("siem").await.unwrap(),
        5,
        "never backwards"
    );
    store.advance_sink_cursor("siem", 9).await.unwrap();
    assert_eq!(store.sink_cursor("siem").await.unwrap(), 9);
    assert_eq!(store.sink_cursor("file").await.unwrap(), 0, "per sink");
    store.advance_sink_cursor("file", 1).await.unwrap();
    assert_eq!(store.sink_cursor("siem").await.unwrap(), 9);
    assert_eq!(store.sink_cursor("file").await.unwrap(), 1);
    assert!(store.advance_sink_cursor("", 1).await.is_err());
    assert!(store.advance_sink_cursor(&"x".repeat(64), 1).await.is_err());
}

fn alert(id: &str, tenant: &str, opened: i64) -> AlertRecord {
    AlertRecord {
        id: id.into(),
        tenant: tenant.into(),
        rule: "rotation_overdue".into(),
        subject: format!("key-{id}"),
        severity: AlertSeverity::Warning,
        state: AlertState::Open,
        message: "rotation is overdue".into(),
        opened_at: Timestamp::from_unix_micros(opened),
        updated_at: Timestamp::from_unix_micros(opened),
        acknowledged_by: None,
        acknowledged_at: None,
        cleared_at: None,
    }
}

/// Alerts are written with their audit record, replaced by id, filtered by
/// tenant, id and activity, newest first.
pub async fn alerts_put_and_list(store: Arc<dyn Store>) {
    let a = alert("a1", "t1", 1_000);
    let b = alert("b2", "", 2_000);
    let c = alert("c3", "t2", 3_000);
    let recs = store
        .commit(
            vec![
                Change::PutAlert(a.clone()),
                Change::PutAlert(b.clone()),
                Change::PutAlert(c.clone()),
            ],
            vec![event("t1", "alert.raise", None)],
        )
        .await
        .unwrap();
    assert_eq!(recs.len(), 1);
    let all = store.list_alerts(&AlertFilter::default()).await.unwrap();
    assert_eq!(all, vec![c.clone(), b.clone(), a.clone()], "newest first");

    let mut acked = a.clone();
    acked.state = AlertState::Acknowledged;
    acked.acknowledged_by = Some("admin".into());
    acked.acknowledged_at = Some(Timestamp::from_unix_micros(4_000));
    acked.updated_at = Timestamp::from_unix_micros(4_000);
    let mut cleared = c.clone();
    cleared.state = AlertState::Cleared;
    cleared.cleared_at = Some(Timestamp::from_unix_micros(5_000));
    cleared.severity = AlertSeverity::Critical;
    store
        .commit(
            vec![
                Change::PutAlert(acked.clone()),
                Change::PutAlert(cleared.clone()),
            ],
            vec![event("t1", "alert.ack", None)],
        )
        .await
        .unwrap();

    let by_id = AlertFilter {
        id: Some("a1".into()),
        ..Default::default()
    };
    assert_eq!(
        store.list_alerts(&by_id).await.unwrap(),
        vec![acked.clone()]
    );
    let t1_and_global = AlertFilter {
        tenants: Some(vec!["t1".into(), String::new()]),
        ..Default::default()
    };
    assert_eq!(
        store.list_alerts(&t1_and_global).await.unwrap(),
        vec![b.clone(), acked.clone()]
    );
    let active = AlertFilter {
        active_only: true,
        ..Default::default()
    };
    assert_eq!(
        store.list_alerts(&active).await.unwrap(),
        vec![b.clone(), acked.clone()]
    );
    let none = AlertFilter {
        tenants: Some(vec![]),
        ..Default::default()
    };
    assert!(store.list_alerts(&none).await.unwrap().is_empty());
    let one = AlertFilter {
        limit: 1,
        ..Default::default()
    };
    assert_eq!(store.list_alerts(&one).await.unwrap(), vec![cleared]);
    let audit = store
        .list_audit(&AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 2, "each commit kept its audit record");
}
