//! SIEM streaming: the configured audit sinks (syslog, webhook, JSONL
//! file) and the background loops that feed them from the audit chain
//! (see [`tresor_service::sinks`] for the at-least-once outbox). Only the
//! holder of the [`SINKS_LEASE`] delivers, so a cluster sends each record
//! once (plus retries); every node reports each sink's lag.

pub mod config;
pub mod file;
pub mod syslog;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tresor_service::Kms;
use tresor_service::sinks::AuditSink;

use crate::config::ConfigError;
use crate::leader::Leadership;
use crate::listener;
use crate::metrics::Metrics;
use config::{SinkConfig, SinkKind};

/// The lease that guards audit delivery.
pub const SINKS_LEASE: &str = "audit-sinks";

/// Builds every configured sink (secrets from the environment through
/// `env`, or their files) and registers it with the service.
pub(crate) fn register(
    kms: &Kms,
    sinks: &[SinkConfig],
    env: impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    config::validate_all(sinks)?;
    for c in sinks {
        let sink: Arc<dyn AuditSink> = match c.kind {
            SinkKind::Syslog => Arc::new(syslog::SyslogSink::new(c)?),
            SinkKind::Webhook => Arc::new(webhook::WebhookSink::new(c, &c.secret(&env)?)?),
            SinkKind::File => Arc::new(file::FileSink::new(c)),
        };
        tracing::info!(sink = %c.name, kind = sink.kind(), target = %sink.target(), "audit sink configured");
        kms.register_audit_sink(sink);
    }
    Ok(())
}

/// The delivery lease's ttl: three times the longest wait of any sink
/// (at least five seconds), so the holder renews it in time.
pub(crate) fn lease_ttl(sinks: &[SinkConfig]) -> Duration {
    let longest = sinks
        .iter()
        .map(|s| s.poll().max(s.retry().1))
        .max()
        .unwrap_or_default();
    (longest * 3).max(Duration::from_secs(5))
}

/// Starts one delivery loop per sink; they stop with the server.
pub(crate) fn spawn(
    kms: &Kms,
    sinks: &[SinkConfig],
    metrics: Arc<Metrics>,
    lease: Leadership,
    stop: &watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    sinks
        .iter()
        .map(|c| {
            tokio::spawn(deliver_loop(
                kms.clone(),
                c.clone(),
                metrics.clone(),
                lease.clone(),
                stop.clone(),
            ))
        })
        .collect()
}

async fn deliver_loop(
    kms: Kms,
    c: SinkConfig,
    metrics: Arc<Metrics>,
    lease: Leadership,
    mut stop: watch::Receiver<bool>,
) {
    let (first, max) = c.retry();
    let mut backoff = first;
    let mut wait = Duration::ZERO;
    loop {
        tokio::select! {
            _ = listener::stopped(&mut stop) => break,
            _ = tokio::time::sleep(wait) => {}
        }
        wait = c.poll();
        if lease.hold().await {
            match kms.deliver_audit(&c.name, c.batch()).await {
                Ok(p) => {
                    metrics.audit_sink_delivered(&c.name, p.delivered as u64);
                    if p.error.is_some() {
                        metrics.audit_sink_failed(&c.name);
                        wait = backoff;
                        backoff = (backoff * 2).min(max);
                    } else {
                        backoff = first;
                        if p.more {
                            wait = Duration::ZERO;
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(sink = %c.name, error = %e, "audit sink pass failed");
                    metrics.audit_sink_failed(&c.name);
                    wait = backoff;
                    backoff = (backoff * 2).min(max);
                }
            }
        }
        match kms.audit_sink_statuses().await {
            Ok(all) => {
                for s in all.iter().filter(|s| s.name == c.name) {
                    metrics.set_audit_sink_lag(&s.name, s.lag);
                }
            }
            Err(e) => tracing::debug!(error = %e, "cannot read the audit sink lag"),
        }
    }
    lease.release().await;
}
