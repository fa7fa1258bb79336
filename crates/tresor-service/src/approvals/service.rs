//! Reading and setting a key's policy. Setting one that is not at least as
//! strict as the current one needs the current `policy` rule's quorum, so
//! no single person can weaken it; tightening needs nobody.

use tresor_core::{Action, Caller, Change, KeyRecord, ObjectKind, ObjectRecord, TenantId};

use super::POLICY_TAG;
use super::limits::LIMITS_TAG;
use super::pending::PendingOp;
use super::policy::{ActionClass, KeyPolicy, key_has_rule};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::resolve::KeyRef;
use crate::secrets::from_body;
use crate::secrets::upsert_object;

impl Kms {
    /// The stored policy object of `id` (a key id), if any.
    async fn policy_object(&self, tenant: &TenantId, id: &str) -> Result<Option<ObjectRecord>> {
        Ok(self
            .store()
            .get_object(tenant, ObjectKind::KeyPolicy, id)
            .await?)
    }

    /// The policy stored for `id`; empty when none is.
    pub(crate) async fn stored_policy(&self, tenant: &TenantId, id: &str) -> Result<KeyPolicy> {
        match self.policy_object(tenant, id).await? {
            Some(o) => from_body(&o),
            None => Ok(KeyPolicy::default()),
        }
    }

    /// A key's policy (empty when it has none).
    pub async fn get_key_policy(&self, caller: &Caller, key: &KeyRef) -> Result<KeyPolicy> {
        let (mut op, allowed) = self.begin(caller, Action::KeyPolicyGet);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.stored_policy(&k.tenant, &k.id.to_string()).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Replaces a key's policy. Loosening a policy that has a `policy`
    /// rule opens an approval request instead (`ApprovalPending`).
    pub async fn set_key_policy(
        &self,
        caller: &Caller,
        key: &KeyRef,
        policy: KeyPolicy,
    ) -> Result<KeyPolicy> {
        let (mut op, allowed) = self.begin(caller, Action::KeyPolicySet);
        op.object(key);
        let result = async {
            allowed?;
            policy.validate()?;
            self.check_policy_groups(&caller.tenant, &policy).await?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            if k.state.is_destroyed() {
                return Err(ServiceError::WrongState("the key is destroyed".into()));
            }
            let existing = self.policy_object(&k.tenant, &k.id.to_string()).await?;
            let old: KeyPolicy = match &existing {
                Some(o) => from_body(o)?,
                None => KeyPolicy::default(),
            };
            let tightening = policy.at_least_as_strict_as(&old);
            op.detail("tightening", tightening);
            if !tightening && key_has_rule(&k, ActionClass::Policy) {
                self.park_if_guarded(caller, &mut op, &k, ActionClass::Policy, || {
                    PendingOp::SetPolicy {
                        policy: policy.clone(),
                    }
                })
                .await?;
            }
            op.detail("classes", policy.marker().unwrap_or_default());
            let change = policy_change(caller, &k, existing, &policy, self.now())?;
            let mut new = k.clone();
            match policy.marker() {
                Some(m) => new.tags.insert(POLICY_TAG.to_owned(), m),
                None => new.tags.remove(POLICY_TAG),
            };
            if policy.limits.is_empty() {
                new.tags.remove(LIMITS_TAG);
            } else {
                let limits = serde_json::to_string(&policy.limits)
                    .map_err(|_| ServiceError::Internal("limits"))?;
                new.tags.insert(LIMITS_TAG.to_owned(), limits);
            }
            new.updated_at = self.now();
            self.save_key(&mut op, &k, new, vec![change]).await?;
            Ok(policy)
        }
        .await;
        self.finish(op, result).await
    }
}

impl Kms {
    /// The tenant's default policy for new keys (empty when none).
    pub async fn get_default_key_policy(&self, caller: &Caller) -> Result<KeyPolicy> {
        let (mut op, allowed) = self.begin(caller, Action::KeyPolicyGet);
        op.object(DEFAULT_POLICY_ID);
        let result = async {
            allowed?;
            self.stored_policy(&caller.tenant, DEFAULT_POLICY_ID).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Sets the tenant's default policy for new keys (tenant admins). Keys
    /// that exist keep their own policies.
    pub async fn set_default_key_policy(
        &self,
        caller: &Caller,
        policy: KeyPolicy,
    ) -> Result<KeyPolicy> {
        let (mut op, allowed) = self.begin(caller, Action::KeyPolicySet);
        op.object(DEFAULT_POLICY_ID);
        let result = async {
            allowed?;
            if !(caller.platform_admin || caller.role == tresor_core::Role::Admin) {
                return Err(ServiceError::Forbidden {
                    action: Action::KeyPolicySet.as_str(),
                });
            }
            policy.validate()?;
            self.check_policy_groups(&caller.tenant, &policy).await?;
            let existing = self
                .policy_object(&caller.tenant, DEFAULT_POLICY_ID)
                .await?;
            op.detail("classes", policy.marker().unwrap_or_default());
            let body =
                serde_json::to_string(&policy).map_err(|_| ServiceError::Internal("policy"))?;
            let now = self.now();
            let change = upsert_object(
                existing,
                &caller.tenant,
                ObjectKind::KeyPolicy,
                DEFAULT_POLICY_ID,
                body,
                &caller.principal,
                now,
            );
            self.commit(&mut op, vec![change]).await?;
            Ok(policy)
        }
        .await;
        self.finish(op, result).await
    }

    /// Gives a new key the tenant's default policy: its tags, and the
    /// policy object to create with it.
    pub(crate) async fn apply_default_policy(
        &self,
        op: &mut crate::op::Op,
        key: &mut KeyRecord,
    ) -> Result<Option<Change>> {
        let Some(o) = self.policy_object(&key.tenant, DEFAULT_POLICY_ID).await? else {
            return Ok(None);
        };
        let policy: KeyPolicy = from_body(&o)?;
        if policy == KeyPolicy::default() {
            return Ok(None);
        }
        if let Some(m) = policy.marker() {
            key.tags.insert(POLICY_TAG.to_owned(), m);
        }
        if !policy.limits.is_empty() {
            let limits = serde_json::to_string(&policy.limits)
                .map_err(|_| ServiceError::Internal("limits"))?;
            key.tags.insert(LIMITS_TAG.to_owned(), limits);
        }
        op.detail("policy", "tenant default");
        let owner = Caller {
            auth_time: None,
            principal: op.principal.clone(),
            ..Caller::system(key.tenant.clone())
        };
        policy_change(&owner, key, None, &policy, self.now()).map(Some)
    }
}

/// The id of the tenant's default policy object.
const DEFAULT_POLICY_ID: &str = "default";

/// Creates or replaces (revision-checked) the policy object.
pub(crate) fn policy_change(
    caller: &Caller,
    k: &KeyRecord,
    existing: Option<ObjectRecord>,
    policy: &KeyPolicy,
    now: tresor_core::Timestamp,
) -> Result<Change> {
    let body = serde_json::to_string(policy).map_err(|_| ServiceError::Internal("policy"))?;
    Ok(match existing {
        Some(mut o) => {
            let expected_revision = o.revision;
            o.body = body;
            o.updated_at = now;
            Change::UpdateObject {
                object: o,
                expected_revision,
            }
        }
        None => Change::CreateObject(ObjectRecord {
            tenant: k.tenant.clone(),
            kind: ObjectKind::KeyPolicy,
            id: k.id.to_string(),
            parent: None,
            name: None,
            subtype: None,
            body,
            created_by: caller.principal.clone(),
            created_at: now,
            updated_at: now,
            revision: 0,
        }),
    })
}
