//! Reading the audit log and verifying its hash chain (online, or offline on
//! a stopped server's store).

use std::sync::Arc;

use tresor_core::audit::{ChainError, ChainVerifier};
use tresor_core::{Action, AuditFilter, AuditRecord, Caller, Store};

use crate::audit_verify::{SigCheck, verify_with_checkpoints};

use crate::error::Result;
use crate::kms::Kms;

/// The result of recomputing the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Records verified before the first problem (or all of them).
    pub verified: u64,
    /// Hex hash of the last verified record.
    pub head: String,
    /// Signed checkpoints whose signature verified (each also matched the
    /// chain unless `error` says otherwise).
    pub checkpoints: u64,
    /// The first broken record, if any.
    pub error: Option<ChainError>,
}

impl ChainReport {
    /// True when the whole chain verified.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// Recomputes the whole chain from the store, in pages, and checks it
/// against every signed checkpoint (signatures checked with the stored
/// public keys: for offline use on a stopped server's database).
pub async fn verify_store_chain(store: &Arc<dyn Store>) -> Result<ChainReport> {
    verify_with_checkpoints(store, 0, SigCheck::StoredPublicKey).await
}

pub(crate) fn report(
    v: &ChainVerifier,
    error: Option<ChainError>,
    checkpoints: u64,
) -> ChainReport {
    ChainReport {
        verified: v.count(),
        head: v.head().iter().map(|b| format!("{b:02x}")).collect(),
        checkpoints,
        error,
    }
}

impl Kms {
    /// Audit records of the caller's tenant (always scoped to it, so tenants
    /// stay isolated; a platform admin selects a tenant like anyone else).
    pub async fn list_audit(
        &self,
        caller: &Caller,
        filter: AuditFilter,
    ) -> Result<Vec<AuditRecord>> {
        let (op, allowed) = self.begin(caller, Action::AuditList);
        let result = async {
            allowed?;
            let filter = AuditFilter {
                tenant: Some(caller.tenant.to_string()),
                limit: if filter.limit == 0 {
                    100
                } else {
                    filter.limit.min(1000)
                },
                ..filter
            };
            Ok(self.store().list_audit(&filter).await?)
        }
        .await;
        self.finish(op, result).await
    }

    /// Verifies the whole chain (tenant admins and platform admins).
    pub async fn verify_audit(&self, caller: &Caller) -> Result<ChainReport> {
        let (op, allowed) = self.begin(caller, Action::AuditVerify);
        let result = async {
            allowed?;
            let min_seq = self.audit_writer().high_water();
            verify_with_checkpoints(self.store(), min_seq, SigCheck::Provider(self)).await
        }
        .await;
        self.finish(op, result).await
    }
}
