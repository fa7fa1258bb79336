//! The start-up side of audit evidence and self-tests: every self-test runs
//! before the server listens (a wrong answer refuses the start and names
//! the test; a provider that is merely unreachable is logged, and readiness
//! reports it down), the latest signed checkpoint becomes the audit high-water mark,
//! and a background task signs scheduled checkpoints.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};
use tresor_service::Kms;

use crate::config::Config;
use crate::listener;
use crate::metrics::Metrics;
use crate::runtime::StartError;

/// The test-only switch that reports one self-test as failed, to prove
/// that start-up is blocked. Honoured in debug builds only.
pub const FORCE_FAIL_ENV: &str = "TRESOR_SELF_TEST_FORCE_FAIL";

/// The self-test to fail on purpose (debug builds, from [`FORCE_FAIL_ENV`]).
pub(crate) fn forced_failure() -> Option<String> {
    if !cfg!(debug_assertions) {
        return None;
    }
    std::env::var(FORCE_FAIL_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// Runs every self-test (refusing to start on a failure) and loads the
/// audit lower bound from the latest checkpoint.
pub(crate) async fn startup_checks(kms: &Kms, metrics: &Metrics) -> Result<(), StartError> {
    let report = kms.run_self_tests().await;
    metrics.record_self_tests(&report.results);
    let blocking = report.blocking();
    if !blocking.is_empty() {
        let failed: Vec<String> = blocking
            .iter()
            .map(|r| format!("{} ({})", r.name, r.error.as_deref().unwrap_or("failed")))
            .collect();
        return Err(StartError::SelfTest(failed.join(", ")));
    }
    if report.unavailable.is_empty() {
        tracing::info!(tests = report.results.len(), "self-tests passed");
    } else {
        tracing::error!(
            failed = ?report.unavailable,
            "self-tests of unavailable providers failed; serving without them"
        );
    }
    let seq = kms
        .load_audit_bounds()
        .await
        .map_err(StartError::Evidence)?;
    if seq > 0 {
        tracing::info!(seq, "audit chain must reach the latest signed checkpoint");
    }
    Ok(())
}

/// Starts the scheduled checkpoint task (none when the interval is 0). The
/// first pass is one interval after start; it stops with the server.
pub(crate) fn spawn_checkpoints(
    config: &Config,
    kms: &Kms,
    stop: watch::Receiver<bool>,
) -> Option<JoinHandle<()>> {
    let secs = config.audit_checkpoint_interval_seconds;
    (secs > 0).then(|| {
        tokio::spawn(checkpoint_loop(
            kms.clone(),
            Duration::from_secs(secs),
            stop,
        ))
    })
}

async fn checkpoint_loop(kms: Kms, every: Duration, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval_at(Instant::now() + every, every);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = listener::stopped(&mut stop) => break,
            _ = tick.tick() => {}
        }
        match kms.run_checkpoints().await {
            Ok(p) if p.failed > 0 => {
                tracing::error!(made = p.made, failed = p.failed, "audit checkpoint pass")
            }
            Ok(p) => tracing::info!(made = p.made, idle = p.idle, "audit checkpoint pass"),
            Err(e) => tracing::error!(error = %e, "audit checkpoint pass failed"),
        }
    }
}
