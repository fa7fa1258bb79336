//! Per-tenant quotas on secret-store objects (Barbican's project quotas):
//! how many secrets, orders, containers, consumers and CAs a tenant may
//! hold. `-1` is unlimited, the default. Tenants read their own quotas;
//! platform admins set anyone's. Creation checks the count first, so
//! creations racing at the limit may pass it by the number in flight.

use serde::{Deserialize, Serialize};
use tresor_core::{
    Action, Caller, Change, ObjectFilter, ObjectKind, SecretFilter, TenantId, Timestamp,
};

use super::objects::{from_body, to_body};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;

/// The id of a tenant's quota object.
const QUOTA_ID: &str = "quotas";

/// Quotas; `None` is unset (unlimited), `-1` unlimited, otherwise a count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quotas {
    pub secrets: Option<i64>,
    pub orders: Option<i64>,
    pub containers: Option<i64>,
    pub consumers: Option<i64>,
    pub cas: Option<i64>,
}

impl Quotas {
    /// Every value set: unset ones become `-1`.
    pub fn effective(self) -> Self {
        let f = |v: Option<i64>| Some(v.unwrap_or(-1));
        Self {
            secrets: f(self.secrets),
            orders: f(self.orders),
            containers: f(self.containers),
            consumers: f(self.consumers),
            cas: f(self.cas),
        }
    }

    fn validate(&self) -> Result<()> {
        let all = [
            self.secrets,
            self.orders,
            self.containers,
            self.consumers,
            self.cas,
        ];
        if all.into_iter().flatten().any(|v| v < -1) {
            return Err(ServiceError::invalid(
                "quotas",
                "each quota is -1 (unlimited) or a count of 0 or more",
            ));
        }
        Ok(())
    }
}

/// A tenant's configured quotas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantQuotas {
    pub tenant: TenantId,
    pub quotas: Quotas,
    pub updated_at: Timestamp,
}

impl Kms {
    async fn stored_quotas(&self, tenant: &TenantId) -> Result<Option<TenantQuotas>> {
        let Some(o) = self
            .store()
            .get_object(tenant, ObjectKind::Quota, QUOTA_ID)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(TenantQuotas {
            tenant: tenant.clone(),
            quotas: from_body(&o)?,
            updated_at: o.updated_at,
        }))
    }

    /// Refuses a creation of `kind` when the caller's tenant is at its quota.
    pub(crate) async fn check_quota(&self, caller: &Caller, kind: QuotaKind) -> Result<()> {
        let Some(q) = self.stored_quotas(&caller.tenant).await? else {
            return Ok(());
        };
        let (limit, what) = match kind {
            QuotaKind::Secrets => (q.quotas.secrets, "secrets"),
            QuotaKind::Orders => (q.quotas.orders, "orders"),
            QuotaKind::Containers => (q.quotas.containers, "containers"),
            QuotaKind::Consumers => (q.quotas.consumers, "consumers"),
            QuotaKind::Cas => (q.quotas.cas, "CAs"),
        };
        let Some(limit) = limit.and_then(|l| u64::try_from(l).ok()) else {
            return Ok(());
        };
        let store = self.store();
        let used = match kind {
            QuotaKind::Secrets => {
                store
                    .count_secrets(&caller.tenant, &SecretFilter::default())
                    .await?
            }
            QuotaKind::Cas => store.list_cas(&caller.tenant).await?.len() as u64,
            QuotaKind::Orders => self.count_kind(caller, ObjectKind::Order).await?,
            QuotaKind::Containers => self.count_kind(caller, ObjectKind::Container).await?,
            QuotaKind::Consumers => self.count_kind(caller, ObjectKind::Consumer).await?,
        };
        if used >= limit {
            return Err(ServiceError::QuotaExceeded { what, limit });
        }
        Ok(())
    }

    async fn count_kind(&self, caller: &Caller, kind: ObjectKind) -> Result<u64> {
        Ok(self
            .store()
            .count_objects(&caller.tenant, &ObjectFilter::of(kind))
            .await?)
    }

    /// The caller's tenant's effective quotas.
    pub async fn get_quotas(&self, caller: &Caller) -> Result<Quotas> {
        let (op, allowed) = self.begin(caller, Action::QuotaGet);
        let result = async {
            allowed?;
            Ok(self
                .stored_quotas(&caller.tenant)
                .await?
                .map(|q| q.quotas)
                .unwrap_or_default()
                .effective())
        }
        .await;
        self.finish(op, result).await
    }

    /// Every tenant with configured quotas (platform admins).
    pub async fn list_project_quotas(&self, caller: &Caller) -> Result<Vec<TenantQuotas>> {
        let (op, allowed) = self.begin(caller, Action::QuotaManage);
        let result = async {
            allowed?;
            let mut out = Vec::new();
            for t in self.store().list_tenants().await? {
                if let Some(q) = self.stored_quotas(&t.id).await? {
                    out.push(q);
                }
            }
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// A tenant's configured quotas (platform admins; `NotFound` when none
    /// are configured).
    pub async fn get_project_quotas(&self, caller: &Caller, tenant: &TenantId) -> Result<Quotas> {
        let (mut op, allowed) = self.begin(caller, Action::QuotaManage);
        op.object(tenant);
        let result = async {
            allowed?;
            self.stored_quotas(tenant)
                .await?
                .map(|q| q.quotas)
                .ok_or(ServiceError::NotFound {
                    what: "project quotas",
                })
        }
        .await;
        self.finish(op, result).await
    }

    /// Sets (replaces) a tenant's quotas (platform admins).
    pub async fn set_project_quotas(
        &self,
        caller: &Caller,
        tenant: &TenantId,
        quotas: Quotas,
    ) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::QuotaManage);
        op.object(tenant);
        let result = async {
            allowed?;
            quotas.validate()?;
            if self.store().get_tenant(tenant).await?.is_none() {
                return Err(ServiceError::NotFound { what: "tenant" });
            }
            let now = self.now();
            let body = to_body(&quotas)?;
            let change = match self
                .store()
                .get_object(tenant, ObjectKind::Quota, QUOTA_ID)
                .await?
            {
                Some(mut o) => {
                    let expected_revision = o.revision;
                    o.body = body;
                    o.updated_at = now;
                    Change::UpdateObject {
                        object: o,
                        expected_revision,
                    }
                }
                None => Change::CreateObject(tresor_core::ObjectRecord {
                    tenant: tenant.clone(),
                    kind: ObjectKind::Quota,
                    id: QUOTA_ID.into(),
                    parent: None,
                    name: None,
                    subtype: None,
                    body,
                    created_by: caller.principal.clone(),
                    created_at: now,
                    updated_at: now,
                    revision: 0,
                }),
            };
            self.commit(&mut op, vec![change]).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Removes a tenant's quotas (back to unlimited; platform admins).
    pub async fn delete_project_quotas(&self, caller: &Caller, tenant: &TenantId) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::QuotaManage);
        op.object(tenant);
        let result = async {
            allowed?;
            self.load_object(tenant, ObjectKind::Quota, QUOTA_ID, "project quotas")
                .await?;
            let change = Change::DeleteObject {
                tenant: tenant.clone(),
                kind: ObjectKind::Quota,
                id: QUOTA_ID.into(),
            };
            self.commit(&mut op, vec![change]).await
        }
        .await;
        self.finish(op, result).await
    }
}

/// What a quota limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaKind {
    Secrets,
    Orders,
    Containers,
    Consumers,
    Cas,
}
