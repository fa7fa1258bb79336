//! Scheduled CRL refresh: a CA's CRL is re-signed (same entries, next
//! number) once half of its validity has passed, so relying parties never
//! see an expired CRL. Run by the scheduler as `system:scheduler`.

use tresor_core::{Action, CaRecord, Caller, Change};

use super::cas::CRL_VALIDITY_SECS;
use crate::error::Result;
use crate::kms::Kms;
use crate::op::Op;

impl Kms {
    /// Re-signs every CRL older than half its validity; returns how many
    /// were refreshed and how many failed.
    pub(crate) async fn refresh_crls(&self) -> Result<(usize, usize)> {
        let now = self.now();
        let stale_before = now.plus_seconds(-CRL_VALIDITY_SECS / 2);
        let (mut done, mut failed) = (0, 0);
        for t in self.store().list_tenants().await? {
            for ca in self.store().list_cas(&t.id).await? {
                if ca.crl_updated_at.is_some_and(|u| u > stale_before) {
                    continue;
                }
                match self.refresh_crl(ca).await {
                    Ok(()) => done += 1,
                    Err(e) => {
                        tracing::warn!(error = %e, "scheduled CRL refresh failed");
                        failed += 1;
                    }
                }
            }
        }
        Ok((done, failed))
    }

    async fn refresh_crl(&self, ca: CaRecord) -> Result<()> {
        let caller = Caller::system(ca.tenant.clone());
        let mut op = Op::new(&caller, Action::SchedulerCrl);
        op.object(format!("ca:{}", ca.name));
        let result = async {
            let (ca, ca_cert, signer) = self.load_ca_signer(&caller, &ca.name).await?;
            let revoked = self.revoked_of(&ca).await?;
            let number = ca.crl_number + 1;
            let now = self.now();
            let crl = self
                .make_crl(&ca_cert, &signer, &revoked, number, now)
                .await?;
            op.detail("crl_number", number);
            self.commit(
                &mut op,
                vec![Change::UpdateCaCrl {
                    tenant: ca.tenant.clone(),
                    name: ca.name.clone(),
                    crl,
                    expected_number: ca.crl_number,
                    number,
                    at: now,
                }],
            )
            .await
        }
        .await;
        self.finish(op, result).await
    }
}
