//! One audited call: [`Op`] is opened when a call reaches the service and
//! closed with its result, which writes exactly one audit record — inside the
//! mutation's transaction on success, through group commit otherwise.

use std::time::Instant;

use tresor_core::{Action, AuditEvent, Caller, Change, Outcome};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;

/// The audit context of one service call.
#[derive(Debug)]
pub(crate) struct Op {
    pub action: Action,
    pub tenant: String,
    pub principal: String,
    pub request_id: String,
    pub source: Option<String>,
    pub object: Option<String>,
    pub detail: Option<serde_json::Value>,
    /// Set once the success record was written with a mutation.
    recorded: bool,
    started: Instant,
}

impl Op {
    pub fn new(caller: &Caller, action: Action) -> Self {
        let mut op = Self {
            action,
            tenant: caller.tenant.to_string(),
            principal: caller.principal.clone(),
            request_id: caller.request_id.to_string(),
            source: caller.source.clone(),
            object: None,
            detail: None,
            recorded: false,
            started: Instant::now(),
        };
        if let Some(request) = crate::approvals::current_request() {
            op.detail("approval_request", request);
        }
        op
    }

    /// Sets the object the call concerns.
    pub fn object(&mut self, o: impl ToString) {
        self.object = Some(o.to_string());
    }

    /// Adds a non-secret detail field.
    pub fn detail(&mut self, name: &str, value: impl Into<serde_json::Value>) {
        let map = self
            .detail
            .get_or_insert_with(|| serde_json::Value::Object(Default::default()));
        if let Some(m) = map.as_object_mut() {
            m.insert(name.to_owned(), value.into());
        }
    }

    fn event(&self, kms: &Kms, outcome: Outcome, error_code: Option<&str>) -> AuditEvent {
        AuditEvent {
            time: kms.now(),
            tenant: self.tenant.clone(),
            principal: self.principal.clone(),
            action: self.action.as_str().to_owned(),
            object: self.object.clone(),
            outcome,
            error_code: error_code.map(str::to_owned),
            request_id: self.request_id.clone(),
            source: self.source.clone(),
            detail: self.detail.as_ref().map(|d| d.to_string()),
        }
    }
}

impl Kms {
    /// Opens an audited call after checking the caller's role.
    pub(crate) fn begin(&self, caller: &Caller, action: Action) -> (Op, Result<()>) {
        let op = Op::new(caller, action);
        let allowed = if caller.may(action) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden {
                action: action.as_str(),
            })
        };
        (op, allowed)
    }

    /// Commits a mutation together with the call's success record.
    pub(crate) async fn commit(&self, op: &mut Op, changes: Vec<Change>) -> Result<()> {
        let event = op.event(self, Outcome::Success, None);
        self.audit_writer().commit(changes, vec![event]).await?;
        op.recorded = true;
        Ok(())
    }

    /// Closes a call: records its outcome durably, then returns the result.
    /// If the record cannot be written, a successful call turns into
    /// `AuditUnavailable` (fail closed) — except for mutations, whose record
    /// was already committed with them.
    pub(crate) async fn finish<T>(&self, op: Op, result: Result<T>) -> Result<T> {
        let outcome = match &result {
            Ok(_) => Outcome::Success,
            Err(e) => e.outcome(),
        };
        self.observe(op.action, outcome, op.started.elapsed());
        if let Err(e) = &result {
            tracing::debug!(action = op.action.as_str(), code = e.code(), error = %e, request_id = %op.request_id, "operation failed");
        }
        if op.recorded {
            return result;
        }
        let code = result.as_ref().err().map(|e| e.code());
        let event = op.event(self, outcome, code);
        match self.audit_writer().append(event).await {
            Ok(()) => result,
            Err(()) => {
                tracing::error!(
                    action = op.action.as_str(),
                    "audit record could not be written"
                );
                match result {
                    Ok(_) => Err(ServiceError::AuditUnavailable),
                    Err(e) => Err(e),
                }
            }
        }
    }
}
