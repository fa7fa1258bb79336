//! Alerts from discovery: the newest result of every TLS endpoint found by
//! a tenant's recent scans raises `endpoint_certificate_expiring` (expired
//! or expiring within 30 days, critical once expired),
//! `endpoint_certificate_weak` (weak key or signature) and
//! `endpoint_certificate_self_signed`; each clears when a later scan no
//! longer finds the problem.

use async_trait::async_trait;
use tresor_core::{AlertSeverity, Timestamp};

use super::endpoint_findings;
use crate::alerts::{AlertSource, Condition};
use crate::error::Result;
use crate::kms::Kms;

/// The rules of this source.
pub const RULES: [&str; 3] = [
    "endpoint_certificate_expiring",
    "endpoint_certificate_weak",
    "endpoint_certificate_self_signed",
];

/// The discovery alert source (registered by the server at start-up).
#[derive(Debug, Default, Clone, Copy)]
pub struct DiscoveryAlerts;

#[async_trait]
impl AlertSource for DiscoveryAlerts {
    fn rules(&self) -> Vec<String> {
        RULES.iter().map(|r| (*r).to_owned()).collect()
    }

    async fn conditions(&self, kms: &Kms, now: Timestamp) -> Result<Vec<Condition>> {
        let mut out = Vec::new();
        for tenant in kms.store().list_tenants().await? {
            for r in kms.discovered_endpoints(&tenant.id).await? {
                let subject = format!("{}:{}", r.host, r.port);
                let leaf = r
                    .chain
                    .first()
                    .map(|c| c.subject.clone())
                    .unwrap_or_default();
                for f in endpoint_findings(&r, now) {
                    let (rule, severity) = match f {
                        "expired" => (RULES[0], AlertSeverity::Critical),
                        "expiring-soon" => (RULES[0], AlertSeverity::Warning),
                        "weak-key" | "weak-signature" => (RULES[1], AlertSeverity::Warning),
                        "self-signed" => (RULES[2], AlertSeverity::Warning),
                        _ => continue,
                    };
                    out.push(Condition {
                        tenant: tenant.id.to_string(),
                        rule: rule.to_owned(),
                        subject: subject.clone(),
                        severity,
                        message: format!("{subject} presents {leaf:?}: {f}"),
                    });
                }
            }
        }
        // One condition per (rule, endpoint): the most severe wins.
        out.sort_by(|a, b| {
            (
                &a.tenant,
                &a.rule,
                &a.subject,
                b.severity == AlertSeverity::Critical,
            )
                .cmp(&(
                    &b.tenant,
                    &b.rule,
                    &b.subject,
                    a.severity == AlertSeverity::Critical,
                ))
        });
        out.dedup_by(|b, a| a.tenant == b.tenant && a.rule == b.rule && a.subject == b.subject);
        Ok(out)
    }
}
