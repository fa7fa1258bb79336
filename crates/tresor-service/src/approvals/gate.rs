//! Where policies bite. A key whose policy has a rule for a class carries
//! the marker tag, so the hot path needs no extra read. An operation of a
//! guarded class either parks itself as an approval request (the
//! operations that can be queued) or is refused; only the execution of
//! an approved request, marked by a task-local, passes.

use tresor_core::{Caller, KeyId, KeyRecord, Operation};

use super::pending::PendingOp;
use super::policy::{ActionClass, key_has_rule};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::op::Op;

/// The approved request this task is executing.
#[derive(Debug, Clone)]
pub(crate) struct Approved {
    pub request: String,
    pub key: KeyId,
    pub class: ActionClass,
}

tokio::task_local! {
    pub(crate) static APPROVED: Approved;
}

/// Whether this task executes an approved request of `class` on `key`.
fn approved(key: KeyId, class: ActionClass) -> bool {
    APPROVED
        .try_with(|a| a.key == key && a.class == class)
        .unwrap_or(false)
}

/// The id of the approved request this task executes, if any (recorded in
/// the audit detail of the operation it runs).
pub(crate) fn current_request() -> Option<String> {
    APPROVED.try_with(|a| a.request.clone()).ok()
}

/// Whether `op` is a use of the key's secret (the `use` class): public
/// operations (verify, encapsulate) are not guarded.
pub(crate) fn is_use(op: Operation) -> bool {
    !matches!(
        op,
        Operation::Verify | Operation::MacVerify | Operation::Encapsulate
    )
}

impl Kms {
    /// Refuses a `class` operation on `key` when its policy has a rule for
    /// it, unless this is an approved request's execution.
    pub(crate) fn require_approval(&self, key: &KeyRecord, class: ActionClass) -> Result<()> {
        if key_has_rule(key, class) && !approved(key.id, class) {
            return Err(ServiceError::ApprovalRequired {
                class: class.as_str(),
            });
        }
        Ok(())
    }

    /// Parks the call as an approval request when `key`'s policy has a rule
    /// for `class`: returns `ApprovalPending` with the request's id.
    pub(crate) async fn park_if_guarded(
        &self,
        caller: &Caller,
        op: &mut Op,
        key: &KeyRecord,
        class: ActionClass,
        pending: impl FnOnce() -> PendingOp,
    ) -> Result<()> {
        if !key_has_rule(key, class) || approved(key.id, class) {
            return Ok(());
        }
        let (id, expires_at) = self.open_request(caller, key, class, pending()).await?;
        op.detail("approval_request", id.clone());
        Err(ServiceError::ApprovalPending {
            request: id,
            expires_at,
        })
    }
}
