//! Alerts from the certificate store: a stored, unrevoked certificate of a
//! tenant that expires within the source's horizon raises
//! `certificate_expiring` (warning), one that has expired raises it as
//! critical. It clears when the certificate is revoked (e.g. once it has
//! been renewed); acknowledging it silences it meanwhile.

use async_trait::async_trait;
use tresor_core::{AlertSeverity, CertificateFilter, Timestamp};

use crate::alerts::{AlertSource, Condition};
use crate::error::Result;
use crate::kms::Kms;

/// The rule of this source.
pub const RULE: &str = "certificate_expiring";

/// Most certificates looked at per tenant and pass.
const PER_TENANT: u32 = 1000;

/// The certificate-expiry alert source (registered by the server).
#[derive(Debug, Clone, Copy)]
pub struct CertificateAlerts {
    /// Warn this many days before `notAfter`.
    pub days: u32,
}

impl Default for CertificateAlerts {
    fn default() -> Self {
        Self { days: 30 }
    }
}

#[async_trait]
impl AlertSource for CertificateAlerts {
    fn rules(&self) -> Vec<String> {
        vec![RULE.to_owned()]
    }

    async fn conditions(&self, kms: &Kms, now: Timestamp) -> Result<Vec<Condition>> {
        let horizon = now.plus_seconds(i64::from(self.days) * 86_400);
        let mut out = Vec::new();
        for tenant in kms.store().list_tenants().await? {
            let filter = CertificateFilter {
                expires_before: Some(horizon),
                revoked: Some(false),
                limit: PER_TENANT,
                ..CertificateFilter::default()
            };
            for c in kms.store().list_certificates(&tenant.id, &filter).await? {
                let (severity, when) = if c.not_after <= now {
                    (AlertSeverity::Critical, "expired")
                } else {
                    (AlertSeverity::Warning, "expires")
                };
                out.push(Condition {
                    tenant: tenant.id.to_string(),
                    rule: RULE.to_owned(),
                    subject: c.id.to_string(),
                    severity,
                    message: format!(
                        "certificate {} ({}) {when} {}",
                        c.id,
                        c.subject,
                        c.not_after.to_rfc3339()
                    ),
                });
            }
        }
        Ok(out)
    }
}
