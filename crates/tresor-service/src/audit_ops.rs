//! Reading the audit log and verifying its hash chain (online, or offline on
//! a stopped server's store).

use std::sync::Arc;

use tresor_core::audit::{ChainError, ChainVerifier};
use tresor_core::{Action, AuditFilter, AuditRecord, Caller, Store};

use crate::error::Result;
use crate::kms::Kms;

/// The result of recomputing the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Records verified before the first problem (or all of them).
    pub verified: u64,
    /// Hex hash of the last verified record.
    pub head: String,
    /// The first broken record, if any.
    pub error: Option<ChainError>,
}

impl ChainReport {
    /// True when the whole chain verified.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// Recomputes the whole chain from the store, in pages.
pub async fn verify_store_chain(store: &Arc<dyn Store>) -> Result<ChainReport> {
    verify_chain_to(store, 0).await
}

/// Like [`verify_store_chain`], and the chain must reach at least
/// `min_seq` (a head known from elsewhere: records removed from the end of
/// the chain cannot be detected from the chain alone).
pub async fn verify_chain_to(store: &Arc<dyn Store>, min_seq: u64) -> Result<ChainReport> {
    let mut v = ChainVerifier::default();
    let mut after = 0u64;
    loop {
        let page = store
            .list_audit(&AuditFilter {
                after_seq: Some(after),
                ascending: true,
                limit: 1000,
                ..AuditFilter::default()
            })
            .await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for r in &page {
            if let Err(e) = v.push(r) {
                return Ok(report(&v, Some(e)));
            }
        }
    }
    // Records deleted from the end are caught by comparing with the head the
    // store reports and with the head known to the caller.
    let (head_seq, _) = store.audit_head().await?;
    let head_seq = head_seq.max(min_seq);
    if head_seq != v.count() {
        let e = ChainError::Gap {
            seq: head_seq,
            expected: v.count() + 1,
        };
        return Ok(report(&v, Some(e)));
    }
    Ok(report(&v, None))
}

fn report(v: &ChainVerifier, error: Option<ChainError>) -> ChainReport {
    ChainReport {
        verified: v.count(),
        head: v.head().iter().map(|b| format!("{b:02x}")).collect(),
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
            verify_chain_to(self.store(), self.audit_writer().high_water()).await
        }
        .await;
        self.finish(op, result).await
    }
}
