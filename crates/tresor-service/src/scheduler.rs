//! Scheduled work: automatic rotation when a key's period elapses, and
//! crypto-shredding when a scheduled destroy's pending window ends, and
//! re-signing CA CRLs before they expire, and rotating keys older than their
//! tenant's crypto policy allows (`max_key_age_days`). The
//! server calls [`Kms::run_due`] periodically; each job is audited as the
//! `system:scheduler` principal.

use tresor_core::{Action, Caller, KeyRecord};

use crate::error::Result;
use crate::kms::Kms;
use crate::op::Op;

/// What one scheduler pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueReport {
    pub rotated: usize,
    pub destroyed: usize,
    pub failed: usize,
    /// CA CRLs re-signed because half their validity had passed.
    pub crls_refreshed: usize,
    /// Keys older than their tenant's crypto policy allows, left alone
    /// because the policy is in `audit` mode (rotations in `enforce` mode
    /// count in `rotated`).
    pub over_age_reported: usize,
}

impl Kms {
    /// Runs every job that is due now (at most `limit` keys per pass).
    pub async fn run_due(&self, limit: u32) -> Result<DueReport> {
        let now = self.now();
        let due = self.store().keys_due(now, limit).await?;
        let mut report = DueReport::default();
        for key in due {
            let destroy = key.destroy_at.is_some_and(|t| t <= now);
            let outcome = if destroy {
                self.scheduled_destroy(key).await
            } else {
                self.scheduled_rotate(key).await
            };
            match (outcome, destroy) {
                (Ok(()), true) => report.destroyed += 1,
                (Ok(()), false) => report.rotated += 1,
                (Err(e), _) => {
                    tracing::warn!(error = %e, "scheduled job failed");
                    report.failed += 1;
                }
            }
        }
        let (aged, over_age, aged_failures) = self.rotate_aged_keys(limit).await?;
        report.rotated += aged;
        report.over_age_reported = over_age;
        report.failed += aged_failures;
        let (crls, crl_failures) = self.refresh_crls().await?;
        report.crls_refreshed = crls;
        report.failed += crl_failures;
        Ok(report)
    }

    async fn scheduled_rotate(&self, key: KeyRecord) -> Result<()> {
        let caller = Caller::system(key.tenant.clone());
        let mut op = Op::new(&caller, Action::SchedulerRotate);
        op.object(key.id);
        let result = self.rotate_loaded(&mut op, key, None).await.map(|_| ());
        self.finish(op, result).await
    }

    async fn scheduled_destroy(&self, key: KeyRecord) -> Result<()> {
        let caller = Caller::system(key.tenant.clone());
        let mut op = Op::new(&caller, Action::SchedulerDestroy);
        op.object(key.id);
        let result = self.shred(&mut op, key, true).await.map(|_| ());
        self.finish(op, result).await
    }
}
