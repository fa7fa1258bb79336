//! Approval requests: opening one, approving or denying it, reading it, and
//! executing it exactly once. A request is a revision-checked object, so
//! two approvers racing, or two nodes racing to execute, cannot both win:
//! execution first claims the request (`approved` → `executing`) and only
//! the claimant runs the operation.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use tresor_core::{
    Action, Caller, Change, KeyId, KeyRecord, ObjectFilter, ObjectKind, ObjectRecord, RequestId,
    Role, SecretBytes, SecretId, Timestamp,
};
use zeroize::Zeroizing;

use super::gate::{APPROVED, Approved};
use super::pending::{Executed, PendingOp};
use super::policy::{ActionClass, Rule};
use super::quorum;
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::op::Op;
use crate::secrets::from_body;

/// Most pending requests an approver's task list shows.
const MAX_TASKS: u32 = 1000;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Pending,
    Approved,
    Denied,
    Expired,
    Executing,
    Executed,
    Failed,
}

impl RequestState {
    /// Wire name (also the stored object's subtype).
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Approved => "approved",
            RequestState::Denied => "denied",
            RequestState::Expired => "expired",
            RequestState::Executing => "executing",
            RequestState::Executed => "executed",
            RequestState::Failed => "failed",
        }
    }
}

/// One approver's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    pub principal: String,
    /// Microseconds since the epoch.
    pub at: i64,
    /// Signed with the approver's registered key.
    #[serde(default)]
    pub signed: bool,
}

/// The stored request.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RequestDoc {
    key: KeyId,
    class: ActionClass,
    action: String,
    summary: serde_json::Value,
    requester: String,
    role: Role,
    platform_admin: bool,
    source: Option<String>,
    /// The rule as it was when the request was opened.
    rule: Rule,
    sealed_key: KeyId,
    sealed_dek: String,
    sealed_params: String,
    approvals: Vec<Vote>,
    denied_by: Option<Vote>,
    state: RequestState,
    created_at: i64,
    expires_at: i64,
    executable_at: Option<i64>,
    finished_at: Option<i64>,
    error: Option<String>,
}

/// A request as callers see it.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub id: String,
    pub key: KeyId,
    pub class: ActionClass,
    pub action: String,
    /// Non-secret parameters.
    pub summary: serde_json::Value,
    pub requester: String,
    pub state: RequestState,
    pub approvals: Vec<Vote>,
    pub denied_by: Option<Vote>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// When the quorum was met plus the timelock.
    pub executable_at: Option<Timestamp>,
    pub error: Option<String>,
    /// The result, handed to the requester once, when their read executed
    /// the request.
    pub result: Option<Executed>,
    /// What an approver signs for a signed approval.
    pub challenge: Vec<u8>,
}

fn micros(t: Timestamp) -> i64 {
    t.unix_micros()
}

fn ts(m: i64) -> Timestamp {
    Timestamp::from_unix_micros(m)
}

fn view(o: &ObjectRecord, d: &RequestDoc, result: Option<Executed>) -> RequestView {
    RequestView {
        id: o.id.clone(),
        key: d.key,
        class: d.class,
        action: d.action.clone(),
        summary: d.summary.clone(),
        requester: d.requester.clone(),
        state: d.state,
        approvals: d.approvals.clone(),
        denied_by: d.denied_by.clone(),
        created_at: ts(d.created_at),
        expires_at: ts(d.expires_at),
        executable_at: d.executable_at.map(ts),
        error: d.error.clone(),
        result,
        challenge: super::signing::challenge(
            &o.tenant,
            &o.id,
            &d.key.to_string(),
            &d.action,
            &d.summary,
        ),
    }
}

fn to_body(d: &RequestDoc) -> Result<String> {
    serde_json::to_string(d).map_err(|_| ServiceError::Internal("request document"))
}

fn request_id(s: &str) -> Result<SecretId> {
    SecretId::parse(s).map_err(|_| ServiceError::NotFound {
        what: "approval request",
    })
}

/// Most requests one principal may have pending in a tenant.
pub const MAX_PENDING_PER_REQUESTER: u64 = 100;
/// Most requests pending in a tenant.
pub const MAX_PENDING_PER_TENANT: u64 = 10_000;

impl Kms {
    /// Refuses a new request when the requester (or the tenant) already has
    /// too many pending; requests past their timeout are marked expired
    /// first, so only live ones count.
    async fn check_pending_quota(&self, caller: &Caller) -> Result<()> {
        let mut f = ObjectFilter::of(ObjectKind::ApprovalRequest);
        f.subtype = Some(RequestState::Pending.as_str().to_owned());
        for (name, limit, what) in [
            (
                Some(caller.principal.clone()),
                MAX_PENDING_PER_REQUESTER,
                "pending approval requests of one requester",
            ),
            (None, MAX_PENDING_PER_TENANT, "pending approval requests"),
        ] {
            f.name = name;
            if self.store().count_objects(&caller.tenant, &f).await? < limit {
                continue;
            }
            let now = micros(self.now());
            let mut sweep = f.clone();
            sweep.limit = 1000;
            for o in self.store().list_objects(&caller.tenant, &sweep).await? {
                let d: RequestDoc = from_body(&o)?;
                if d.state == RequestState::Pending && now > d.expires_at {
                    self.expire(caller, &o, d).await?;
                }
            }
            if self.store().count_objects(&caller.tenant, &f).await? >= limit {
                return Err(ServiceError::QuotaExceeded { what, limit });
            }
        }
        Ok(())
    }

    /// Opens a request for `pending` on `key`; returns its id and expiry.
    pub(crate) async fn open_request(
        &self,
        caller: &Caller,
        key: &KeyRecord,
        class: ActionClass,
        pending: PendingOp,
    ) -> Result<(String, Timestamp)> {
        self.check_pending_quota(caller).await?;
        let policy = self.stored_policy(&key.tenant, &key.id.to_string()).await?;
        let rule = policy
            .rule(class)
            .cloned()
            .ok_or(ServiceError::Internal("policy marker without a rule"))?;
        // Who may answer is fixed now: groups are replaced by their members.
        let rule = self.expand_rule(&key.tenant, &rule).await?;
        if rule
            .any_of
            .iter()
            .flat_map(|a| &a.all_of)
            .any(|g| g.required as usize > g.approvers.len())
        {
            return Err(ServiceError::invalid(
                "policy",
                "an approver group has fewer members than its quorum needs",
            ));
        }
        let id = SecretId::generate();
        let params = Zeroizing::new(
            serde_json::to_vec(&pending).map_err(|_| ServiceError::Internal("request params"))?,
        );
        let sealed = self
            .seal_secret(caller, &id, &SecretBytes::new(params.to_vec()))
            .await?;
        let now = self.now();
        let timeout = rule
            .any_of
            .iter()
            .flat_map(|a| &a.all_of)
            .map(|g| g.timeout_secs)
            .max()
            .unwrap_or(super::policy::DEFAULT_TIMEOUT_SECS);
        let expires_at = now.plus_seconds(i64::try_from(timeout).unwrap_or(i64::MAX));
        let doc = RequestDoc {
            key: key.id,
            class,
            action: summary_action(&pending),
            summary: pending.summary(),
            requester: caller.principal.clone(),
            role: caller.role,
            platform_admin: caller.platform_admin,
            source: caller.source.clone(),
            rule,
            sealed_key: sealed.wrapping_key,
            sealed_dek: B64.encode(&sealed.wrapped_key),
            sealed_params: B64.encode(&sealed.payload),
            approvals: Vec::new(),
            denied_by: None,
            state: RequestState::Pending,
            created_at: micros(now),
            expires_at: micros(expires_at),
            executable_at: None,
            finished_at: None,
            error: None,
        };
        let record = ObjectRecord {
            tenant: caller.tenant.clone(),
            kind: ObjectKind::ApprovalRequest,
            id: id.to_string(),
            parent: Some(key.id.to_string()),
            name: Some(caller.principal.clone()),
            subtype: Some(RequestState::Pending.as_str().to_owned()),
            body: to_body(&doc)?,
            created_by: caller.principal.clone(),
            created_at: now,
            updated_at: now,
            revision: 0,
        };
        let mut op = Op::new(caller, Action::ApprovalRequest);
        op.object(id);
        op.detail("key", key.id.to_string());
        op.detail("class", class.as_str());
        op.detail("operation", doc.action.clone());
        op.detail("expires_at", expires_at.to_rfc3339());
        let result = self
            .commit(&mut op, vec![Change::CreateObject(record)])
            .await;
        self.finish(op, result).await?;
        Ok((id.to_string(), expires_at))
    }

    async fn load_request(&self, caller: &Caller, id: &str) -> Result<(ObjectRecord, RequestDoc)> {
        let id = request_id(id)?;
        let o = self
            .load_object(
                &caller.tenant,
                ObjectKind::ApprovalRequest,
                &id.to_string(),
                "approval request",
            )
            .await?;
        let d: RequestDoc = from_body(&o)?;
        Ok((o, d))
    }

    /// Writes `d` over `o` (revision-checked); returns the new record.
    fn updated(&self, o: &ObjectRecord, d: &RequestDoc) -> Result<(Change, ObjectRecord)> {
        let mut new = o.clone();
        new.body = to_body(d)?;
        new.subtype = Some(d.state.as_str().to_owned());
        new.updated_at = self.now();
        let change = Change::UpdateObject {
            object: new.clone(),
            expected_revision: o.revision,
        };
        new.revision = o.revision + 1;
        Ok((change, new))
    }

    /// Approves (`approve`) or denies a pending request. Approving the last
    /// needed vote of a key mutation whose timelock is zero executes it.
    pub async fn answer_request(
        &self,
        caller: &Caller,
        id: &str,
        approve: bool,
        signature: Option<&[u8]>,
    ) -> Result<RequestView> {
        let action = if approve {
            Action::ApprovalApprove
        } else {
            Action::ApprovalDeny
        };
        let (mut op, allowed) = self.begin(caller, action);
        op.object(id);
        let result = async {
            allowed?;
            let (o, mut d) = self.load_request(caller, id).await?;
            op.detail("key", d.key.to_string());
            let now = self.now();
            if d.state == RequestState::Pending && micros(now) > d.expires_at {
                self.expire(caller, &o, d).await?;
                return Err(ServiceError::WrongState("the request has expired".into()));
            }
            if d.state != RequestState::Pending {
                return Err(ServiceError::WrongState(format!(
                    "the request is {}",
                    d.state.as_str()
                )));
            }
            if d.requester == caller.principal {
                return Err(ServiceError::SelfApproval);
            }
            // People approve only shortly after proving who they are (a
            // stolen session alone is not enough); machine credentials
            // carry no session.
            let window =
                i64::try_from(self.config().people.approver_reauth_secs).unwrap_or(i64::MAX / 2);
            if caller
                .auth_time
                .is_some_and(|t| t.plus_seconds(window) < now)
            {
                return Err(ServiceError::ReauthRequired);
            }
            if !quorum::is_approver(&d.rule, &caller.principal) {
                return Err(ServiceError::Forbidden {
                    action: action.as_str(),
                });
            }
            if d.approvals.iter().any(|v| v.principal == caller.principal) {
                return Err(ServiceError::AlreadyExists { what: "approval" });
            }
            let signed = match signature {
                Some(sig) => {
                    let challenge = view(&o, &d, None).challenge;
                    self.verify_approval(&caller.tenant, &caller.principal, &challenge, sig)
                        .await?;
                    true
                }
                None if approve && quorum::needs_signature(&d.rule, &caller.principal) => {
                    return Err(ServiceError::invalid(
                        "signature",
                        "the policy requires your approval to be signed with your approver key",
                    ));
                }
                None => false,
            };
            op.detail("signed", signed);
            let vote = Vote {
                principal: caller.principal.clone(),
                at: micros(now),
                signed,
            };
            if approve {
                d.approvals.push(vote);
                let votes: Vec<(String, Timestamp, bool)> = d
                    .approvals
                    .iter()
                    .map(|v| (v.principal.clone(), ts(v.at), v.signed))
                    .collect();
                if let Some(met) = quorum::evaluate(&d.rule, &votes) {
                    d.state = RequestState::Approved;
                    d.executable_at = Some(micros(met.executable_at));
                    op.detail("quorum_met", true);
                    op.detail("executable_at", met.executable_at.to_rfc3339());
                }
            } else {
                d.denied_by = Some(vote);
                d.state = RequestState::Denied;
                d.finished_at = Some(micros(now));
            }
            op.detail("state", d.state.as_str());
            let (change, new) = self.updated(&o, &d)?;
            self.commit(&mut op, vec![change]).await?;
            Ok((new, d))
        }
        .await;
        let (o, d) = self.finish(op, result).await?;
        // Mutations run as soon as they may; crypto results wait for the
        // requester, who alone may receive them.
        let runnable = d.state == RequestState::Approved
            && d.class != ActionClass::Use
            && d.executable_at.is_some_and(|t| t <= micros(self.now()));
        if runnable {
            let (o, d, _) = self.execute(caller, o, d).await?;
            return Ok(view(&o, &d, None));
        }
        Ok(view(&o, &d, None))
    }

    /// Marks a pending request expired (audited as the system).
    async fn expire(&self, caller: &Caller, o: &ObjectRecord, mut d: RequestDoc) -> Result<()> {
        d.state = RequestState::Expired;
        d.finished_at = Some(micros(self.now()));
        let mut system = Caller::system(caller.tenant.clone());
        system.request_id = caller.request_id.clone();
        let mut op = Op::new(&system, Action::ApprovalExpire);
        op.object(&o.id);
        let (change, _) = self.updated(o, &d)?;
        let result = match self.commit(&mut op, vec![change]).await {
            // Someone else expired or answered it first: nothing to do.
            Err(ServiceError::Conflict) => Ok(()),
            other => other,
        };
        self.finish(op, result).await
    }

    /// Reads a request. The requester, its approvers and tenant admins may
    /// read it. When the requester reads an approved request whose
    /// timelock has passed, it executes now and the result is returned
    /// with it — once.
    pub async fn get_request(&self, caller: &Caller, id: &str) -> Result<RequestView> {
        let (mut op, allowed) = self.begin(caller, Action::ApprovalList);
        op.object(id);
        let result = async {
            allowed?;
            let (o, d) = self.load_request(caller, id).await?;
            let is_requester = d.requester == caller.principal;
            let visible = is_requester
                || quorum::is_approver(&d.rule, &caller.principal)
                || caller.platform_admin
                || caller.role == Role::Admin;
            if !visible {
                return Err(ServiceError::NotFound {
                    what: "approval request",
                });
            }
            Ok((o, d, is_requester))
        }
        .await;
        let (o, d, is_requester) = self.finish(op, result).await?;
        let now = micros(self.now());
        if d.state == RequestState::Pending && now > d.expires_at {
            self.expire(caller, &o, d).await?;
            let (o, d) = self.load_request(caller, id).await?;
            return Ok(view(&o, &d, None));
        }
        if is_requester
            && d.state == RequestState::Approved
            && d.executable_at.is_some_and(|t| t <= now)
        {
            let (o, d, result) = self.execute(caller, o, d).await?;
            return Ok(view(&o, &d, result));
        }
        Ok(view(&o, &d, None))
    }

    /// The pending requests `caller` may answer (not their own, not yet
    /// answered by them, not expired).
    pub async fn approval_tasks(&self, caller: &Caller) -> Result<Vec<RequestView>> {
        let (op, allowed) = self.begin(caller, Action::ApprovalList);
        let result = async {
            allowed?;
            let mut filter = ObjectFilter::of(ObjectKind::ApprovalRequest);
            filter.subtype = Some(RequestState::Pending.as_str().to_owned());
            filter.limit = MAX_TASKS;
            let all = self.store().list_objects(&caller.tenant, &filter).await?;
            let now = micros(self.now());
            let mut out = Vec::new();
            for o in all {
                let d: RequestDoc = from_body(&o)?;
                let mine = d.requester != caller.principal
                    && now <= d.expires_at
                    && quorum::is_approver(&d.rule, &caller.principal)
                    && !d.approvals.iter().any(|v| v.principal == caller.principal);
                if mine {
                    out.push(view(&o, &d, None));
                }
            }
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// Claims an approved request and runs it, once. A caller that loses
    /// the claim gets the request as it now stands, without a result.
    async fn execute(
        &self,
        caller: &Caller,
        o: ObjectRecord,
        mut d: RequestDoc,
    ) -> Result<(ObjectRecord, RequestDoc, Option<Executed>)> {
        d.state = RequestState::Executing;
        let (claim, claimed) = self.updated(&o, &d)?;
        let mut op = Op::new(caller, Action::ApprovalExecute);
        op.object(&o.id);
        op.detail("key", d.key.to_string());
        op.detail("operation", d.action.clone());
        let claimed_now = self.commit(&mut op, vec![claim]).await;
        match self.finish(op, claimed_now).await {
            Ok(()) => {}
            Err(ServiceError::Conflict) => {
                // Another approver, the requester or another node won.
                let (o, d) = self.load_request(caller, &o.id).await?;
                return Ok((o, d, None));
            }
            Err(e) => return Err(e),
        }
        let outcome = self.run_claimed(&o, &d).await;
        let (result, error) = match outcome {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(format!("{}: {e}", e.code()))),
        };
        d.state = if error.is_some() {
            RequestState::Failed
        } else {
            RequestState::Executed
        };
        d.error = error;
        d.finished_at = Some(micros(self.now()));
        let (finish, done) = self.updated(&claimed, &d)?;
        // The claim makes this writer the only one; the state change is
        // bookkeeping (the operation's own record is already durable).
        let mut op = Op::new(caller, Action::ApprovalExecute);
        op.object(&o.id);
        op.detail("state", d.state.as_str());
        let committed = self.commit(&mut op, vec![finish]).await;
        self.finish(op, committed).await?;
        Ok((done, d, result))
    }

    /// Opens the sealed parameters and runs them as the requester.
    async fn run_claimed(&self, o: &ObjectRecord, d: &RequestDoc) -> Result<Executed> {
        let id = request_id(&o.id)?;
        let dek = B64
            .decode(&d.sealed_dek)
            .map_err(|_| ServiceError::Internal("sealed request"))?;
        let payload = B64
            .decode(&d.sealed_params)
            .map_err(|_| ServiceError::Internal("sealed request"))?;
        let params = self
            .open_secret(&o.tenant, &id, d.sealed_key, &dek, &payload)
            .await?;
        let pending: PendingOp = serde_json::from_slice(params.expose())
            .map_err(|_| ServiceError::Internal("request params"))?;
        let requester = Caller {
            auth_time: None,
            principal: d.requester.clone(),
            tenant: o.tenant.clone(),
            role: d.role,
            platform_admin: d.platform_admin,
            request_id: RequestId::generate(),
            source: d.source.clone(),
        };
        let approved = Approved {
            request: o.id.clone(),
            key: d.key,
            class: d.class,
        };
        APPROVED
            .scope(approved, pending.run(self, &requester, d.key))
            .await
    }
}

fn summary_action(p: &PendingOp) -> String {
    p.summary()
        .get("operation")
        .and_then(|v| v.as_str())
        .unwrap_or("unknown")
        .to_owned()
}
