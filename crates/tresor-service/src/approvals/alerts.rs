//! The dual-control alert rules: `approvals_waiting` (a request pending for
//! longer than the threshold) and `usage_limit_near` (a key has used the
//! threshold's share of its operation limit, or all of it).

use tresor_core::{AlertSeverity, ObjectFilter, ObjectKind, Timestamp};

use super::limits::{LIMITS_TAG, UsageLimits};
use super::requests::RequestState;
use crate::alerts::{AlertThresholds, Condition};
use crate::error::Result;
use crate::kms::Kms;
use crate::secrets::from_body;

/// Most requests or counters looked at per tenant and pass.
const MAX_SCAN: u32 = 1000;

impl Kms {
    /// Pending requests older than `approvals_waiting_hours`.
    pub(crate) async fn approval_conditions(
        &self,
        t: &AlertThresholds,
        now: Timestamp,
    ) -> Result<Vec<Condition>> {
        if t.approvals_waiting_hours == 0 {
            return Ok(Vec::new());
        }
        let cutoff = now.plus_seconds(-i64::from(t.approvals_waiting_hours) * 3600);
        let mut out = Vec::new();
        for tenant in self.store().list_tenants().await? {
            let mut filter = ObjectFilter::of(ObjectKind::ApprovalRequest);
            filter.subtype = Some(RequestState::Pending.as_str().to_owned());
            filter.limit = MAX_SCAN;
            for o in self.store().list_objects(&tenant.id, &filter).await? {
                if o.created_at <= cutoff {
                    out.push(Condition {
                        tenant: tenant.id.to_string(),
                        rule: "approvals_waiting".into(),
                        subject: o.id.clone(),
                        severity: AlertSeverity::Warning,
                        message: format!(
                            "approval request {} by {} has waited since {}",
                            o.id,
                            o.created_by,
                            o.created_at.to_rfc3339()
                        ),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Keys that used `usage_limit_percent` of their operation limit.
    pub(crate) async fn usage_conditions(&self, t: &AlertThresholds) -> Result<Vec<Condition>> {
        if t.usage_limit_percent == 0 {
            return Ok(Vec::new());
        }
        #[derive(serde::Deserialize)]
        struct Count {
            used: u64,
        }
        let mut out = Vec::new();
        for tenant in self.store().list_tenants().await? {
            let mut filter = ObjectFilter::of(ObjectKind::KeyUsage);
            filter.limit = MAX_SCAN;
            for o in self.store().list_objects(&tenant.id, &filter).await? {
                let Ok(id) = tresor_core::KeyId::parse(&o.id) else {
                    continue;
                };
                let Some(key) = self.store().get_key(&tenant.id, &id).await? else {
                    continue;
                };
                let Some(max) = key
                    .tags
                    .get(LIMITS_TAG)
                    .and_then(|l| serde_json::from_str::<UsageLimits>(l).ok())
                    .and_then(|l| l.max_operations)
                else {
                    continue;
                };
                let used = from_body::<Count>(&o)?.used;
                if used.saturating_mul(100) >= max.saturating_mul(u64::from(t.usage_limit_percent))
                {
                    let severity = if used >= max {
                        AlertSeverity::Critical
                    } else {
                        AlertSeverity::Warning
                    };
                    out.push(Condition {
                        tenant: tenant.id.to_string(),
                        rule: "usage_limit_near".into(),
                        subject: o.id.clone(),
                        severity,
                        message: format!("key {}: {used} of {max} operations used", o.id),
                    });
                }
            }
        }
        Ok(out)
    }
}
