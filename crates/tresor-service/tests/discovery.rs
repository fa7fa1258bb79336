//! Discovery scheduling in the service with a hand-moved clock: a repeating
//! scan runs again once its interval has passed since the last run
//! finished, under the system principal, until an admin stops it. The
//! prober here makes a real TCP connection to a loopback listener (the
//! rustls prober itself is tested against real TLS servers in
//! tresor-server's tests).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::{caller, harness};
use tresor_core::Role;
use tresor_core::discovery::{EndpointProber, EndpointResult, ScanSpec, ScanStatus};

/// Records whether a TCP connection opened (no TLS).
#[derive(Debug)]
struct TcpProber;

#[async_trait]
impl EndpointProber for TcpProber {
    async fn probe(&self, host: &str, port: u16, timeout: Duration) -> EndpointResult {
        let connected = tokio::time::timeout(timeout, tokio::net::TcpStream::connect((host, port)))
            .await
            .is_ok_and(|r| r.is_ok());
        EndpointResult {
            host: host.to_owned(),
            port,
            tls: false,
            tls_versions: Vec::new(),
            cipher_suite: None,
            chain: Vec::new(),
            error: (!connected).then(|| "connect: refused".to_owned()),
        }
    }
}

#[tokio::test]
async fn repeating_scans_run_when_due_until_stopped() {
    let h = harness().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let prober: Arc<dyn EndpointProber> = Arc::new(TcpProber);
    let spec = ScanSpec {
        targets: vec![format!("127.0.0.1:{port}")],
        ports: vec![],
        concurrency: 0,
        rate_per_second: 0,
        timeout_ms: 1000,
        repeat_minutes: Some(10),
    };
    let plan = h.kms.start_discovery(&h.admin, spec).await.unwrap();
    let schedule = plan.scan.id.clone();
    assert_eq!(plan.scan.schedule.as_deref(), Some(schedule.as_str()));
    let first = h.kms.run_discovery(plan, prober.clone()).await.unwrap();
    assert_eq!(first.status, ScanStatus::Completed);
    assert_eq!(first.results.len(), 1);
    assert!(first.results[0].error.is_none(), "{:?}", first.results);

    assert!(h.kms.start_due_discovery().await.unwrap().is_empty());
    h.clock.advance_seconds(9 * 60);
    assert!(h.kms.start_due_discovery().await.unwrap().is_empty());
    h.clock.advance_seconds(2 * 60);
    let due = h.kms.start_due_discovery().await.unwrap();
    assert_eq!(due.len(), 1);
    let next = &due[0].scan;
    assert_eq!(next.schedule.as_deref(), Some(schedule.as_str()));
    assert_eq!(next.created_by, "system:discovery");
    assert_ne!(next.id, schedule);
    // A run in progress holds the schedule: nothing more is started.
    assert!(h.kms.start_due_discovery().await.unwrap().is_empty());
    h.kms
        .run_discovery(due[0].clone(), prober.clone())
        .await
        .unwrap();
    assert_eq!(h.kms.list_discovery(&h.admin, 10).await.unwrap().len(), 2);

    // Only admins stop it; then it no longer repeats.
    let user = caller(Role::User, false);
    let e = h
        .kms
        .stop_discovery_schedule(&user, &schedule)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "forbidden");
    h.kms
        .stop_discovery_schedule(&h.admin, &schedule)
        .await
        .unwrap();
    h.clock.advance_seconds(60 * 60);
    assert!(h.kms.start_due_discovery().await.unwrap().is_empty());
    let e = h
        .kms
        .stop_discovery_schedule(&h.admin, "no-such-schedule")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "not_found");
    drop(listener);
}

#[tokio::test]
async fn repeat_interval_is_bounded() {
    let h = harness().await;
    for minutes in [0, 4, 10_081] {
        let spec = ScanSpec {
            targets: vec!["127.0.0.1:1".into()],
            ports: vec![],
            concurrency: 0,
            rate_per_second: 0,
            timeout_ms: 0,
            repeat_minutes: Some(minutes),
        };
        let e = h.kms.start_discovery(&h.admin, spec).await.unwrap_err();
        assert_eq!(e.code(), "invalid_argument", "{minutes}");
    }
}

/// Presents a fixed leaf certificate (a fixture for the alert rules; the
/// real prober reads real servers in tresor-server's tests).
#[derive(Debug)]
struct FixedLeaf {
    not_after: tresor_core::Timestamp,
    key_bits: u32,
}

#[async_trait]
impl EndpointProber for FixedLeaf {
    async fn probe(&self, host: &str, port: u16, _timeout: Duration) -> EndpointResult {
        EndpointResult {
            host: host.to_owned(),
            port,
            tls: true,
            tls_versions: vec!["TLSv1.3".into()],
            cipher_suite: Some("TLS13_AES_128_GCM_SHA256".into()),
            chain: vec![tresor_core::discovery::CertInfo {
                subject: "CN=svc.test".into(),
                issuer: "CN=svc.test".into(),
                serial: "01".into(),
                not_before: tresor_core::Timestamp::from_unix_micros(0),
                not_after: self.not_after,
                key_type: "rsa".into(),
                key_bits: self.key_bits,
                curve: None,
                signature_algorithm: "sha256WithRSAEncryption".into(),
                self_signed: true,
                is_ca: false,
                sans: vec![],
                sha256: "00".repeat(32),
            }],
            error: None,
        }
    }
}

#[tokio::test]
async fn discovered_certificates_raise_and_clear_alerts() {
    use tresor_service::alerts::AlertThresholds;
    use tresor_service::discovery::alerts::DiscoveryAlerts;
    let h = harness().await;
    h.kms.register_alert_source(Arc::new(DiscoveryAlerts));
    let t = AlertThresholds {
        verify_chain: false,
        ..AlertThresholds::default()
    };
    let scan = |bits, days: i64| {
        let kms = h.kms.clone();
        let admin = h.admin.clone();
        async move {
            let spec = ScanSpec {
                targets: vec!["svc.test:443".into()],
                ports: vec![],
                concurrency: 0,
                rate_per_second: 0,
                timeout_ms: 0,
                repeat_minutes: None,
            };
            let plan = kms.start_discovery(&admin, spec).await.unwrap();
            let prober = Arc::new(FixedLeaf {
                not_after: kms.now().plus_seconds(days * 86_400),
                key_bits: bits,
            });
            kms.run_discovery(plan, prober).await.unwrap();
        }
    };
    // Expires in 10 days, RSA-1024, self-signed: three alerts.
    scan(1024, 10).await;
    let (pass, opened) = h.kms.evaluate_alerts(&t).await.unwrap();
    let mut rules: Vec<&str> = opened.iter().map(|a| a.rule.as_str()).collect();
    rules.sort_unstable();
    assert_eq!(
        rules,
        [
            "endpoint_certificate_expiring",
            "endpoint_certificate_self_signed",
            "endpoint_certificate_weak"
        ],
        "{pass:?}"
    );
    assert!(
        opened
            .iter()
            .all(|a| a.subject == "svc.test:443" && a.tenant == "default")
    );
    // Twenty days later it has expired: still one alert for the endpoint.
    h.clock.advance_seconds(20 * 86_400);
    let (pass, _) = h.kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!(pass.active["endpoint_certificate_expiring"], 1);
    // A new scan finds a renewed RSA-3072 certificate: expiry and weakness
    // clear, the self-signed alert stays.
    scan(3072, 365).await;
    let (pass, _) = h.kms.evaluate_alerts(&t).await.unwrap();
    assert_eq!(pass.cleared, 2, "{pass:?}");
    assert_eq!(pass.active["endpoint_certificate_self_signed"], 1);
    assert_eq!(pass.active["endpoint_certificate_expiring"], 0);
}
