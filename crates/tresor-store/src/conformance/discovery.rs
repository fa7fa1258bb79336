//! Conformance cases for discovery scans: stored with their audit record,
//! replaced by id, read back whole, listed newest first, per tenant.

use std::sync::Arc;

use tresor_core::discovery::{CertInfo, DiscoveryScan, EndpointResult, ScanSpec, ScanStatus};
use tresor_core::{Change, Store};

use super::fixtures::{at, event, tenants, tid};

fn scan(tenant: &str, id: &str, created: i64) -> DiscoveryScan {
    DiscoveryScan {
        id: id.to_owned(),
        tenant: tid(tenant),
        created_by: "test".into(),
        created_at: at(created),
        finished_at: None,
        status: ScanStatus::Running,
        spec: ScanSpec {
            targets: vec!["10.0.0.0/30".into(), "example.test:8443".into()],
            ports: vec![443],
            concurrency: 4,
            rate_per_second: 10,
            timeout_ms: 2000,
            repeat_minutes: Some(60),
        },
        endpoints_total: 5,
        schedule: Some(id.to_owned()),
        results: Vec::new(),
    }
}

async fn put(store: &Arc<dyn Store>, s: &DiscoveryScan) {
    store
        .commit(
            vec![Change::PutDiscoveryScan(s.clone())],
            vec![event(s.tenant.as_str(), "discovery.scan", Some(&s.id))],
        )
        .await
        .unwrap();
}

/// Put, replace, get, list (newest first, limited), tenant isolation.
pub async fn discovery_scans_put_get_list(store: Arc<dyn Store>) {
    tenants(&store, &["acme", "other"]).await;
    let mut a = scan("acme", "0190aaaa-0000-7000-8000-000000000001", 10);
    put(&store, &a).await;
    put(
        &store,
        &scan("acme", "0190aaaa-0000-7000-8000-000000000002", 20),
    )
    .await;
    put(
        &store,
        &scan("other", "0190aaaa-0000-7000-8000-000000000003", 30),
    )
    .await;

    a.status = ScanStatus::Completed;
    a.finished_at = Some(at(15));
    a.results.push(EndpointResult {
        host: "10.0.0.1".into(),
        port: 443,
        tls: true,
        tls_versions: vec!["TLSv1.2".into(), "TLSv1.3".into()],
        cipher_suite: Some("TLS13_AES_256_GCM_SHA384".into()),
        chain: vec![CertInfo {
            subject: "CN=x".into(),
            issuer: "CN=x".into(),
            serial: "01".into(),
            not_before: at(1),
            not_after: at(2),
            key_type: "rsa".into(),
            key_bits: 1024,
            curve: None,
            signature_algorithm: "sha256WithRSAEncryption".into(),
            self_signed: true,
            is_ca: false,
            sans: vec!["x.test".into()],
            sha256: "ab".repeat(32),
        }],
        error: None,
    });
    put(&store, &a).await;
    let got = store.get_discovery_scan(&tid("acme"), &a.id).await.unwrap();
    assert_eq!(got.as_ref(), Some(&a), "replaced whole");

    let list = store.list_discovery_scans(&tid("acme"), 0).await.unwrap();
    let ids: Vec<&str> = list.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "0190aaaa-0000-7000-8000-000000000002",
            "0190aaaa-0000-7000-8000-000000000001"
        ]
    );
    assert_eq!(
        store
            .list_discovery_scans(&tid("acme"), 1)
            .await
            .unwrap()
            .len(),
        1
    );
    // Another tenant's scan is invisible.
    assert!(
        store
            .get_discovery_scan(&tid("acme"), "0190aaaa-0000-7000-8000-000000000003")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .list_discovery_scans(&tid("other"), 0)
            .await
            .unwrap()
            .len(),
        1
    );
}
