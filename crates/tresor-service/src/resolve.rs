//! Finding keys and versions in the caller's tenant, and the usage checks
//! every crypto operation shares. A key of another tenant is "not found".

use std::fmt;
use std::str::FromStr;

use tresor_core::{
    Alias, KeyContext, KeyHandle, KeyId, KeyRecord, Operation, TenantId, VersionRecord,
    VersionState,
};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;

/// How a caller names a key: its id, or `alias:NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    Id(KeyId),
    Alias(Alias),
}

impl FromStr for KeyRef {
    type Err = ServiceError;
    fn from_str(s: &str) -> Result<Self> {
        if let Some(name) = s.strip_prefix("alias:") {
            return Alias::parse(name)
                .map(KeyRef::Alias)
                .map_err(|e| ServiceError::invalid("key", e.to_string()));
        }
        KeyId::parse(s)
            .map(KeyRef::Id)
            .map_err(|_| ServiceError::invalid("key", "expected a key id or alias:NAME"))
    }
}

impl fmt::Display for KeyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyRef::Id(id) => id.fmt(f),
            KeyRef::Alias(a) => write!(f, "alias:{a}"),
        }
    }
}

/// A key version ready for the provider.
#[derive(Debug, Clone)]
pub(crate) struct UsableVersion {
    pub ctx: KeyContext,
    pub handle: KeyHandle,
}

impl Kms {
    /// Loads a key of `tenant` (internal keys are not reachable by reference).
    pub(crate) async fn load_key(&self, tenant: &TenantId, r: &KeyRef) -> Result<KeyRecord> {
        let found = match r {
            KeyRef::Id(id) => self.store().get_key(tenant, id).await?,
            KeyRef::Alias(a) => self.store().get_key_by_alias(tenant, a).await?,
        };
        match found {
            Some(k) if !k.internal => Ok(k),
            _ => Err(ServiceError::NotFound { what: "key" }),
        }
    }

    /// Checks that `key` may perform `op` now: allowed operation, lifecycle
    /// state, no pending destroy, and no policy asking for approval.
    pub(crate) fn check_usable(&self, key: &KeyRecord, op: Operation) -> Result<()> {
        self.check_usable_base(key, op)?;
        if crate::approvals::is_use(op) {
            self.require_approval(key, crate::approvals::ActionClass::Use)?;
        }
        Ok(())
    }

    /// [`Kms::check_usable`] without the policy check, for operations that
    /// park themselves for approval.
    pub(crate) fn check_usable_base(&self, key: &KeyRecord, op: Operation) -> Result<()> {
        if !key.operations.contains(&op) {
            return Err(ServiceError::OperationNotAllowed(op.as_str()));
        }
        if key.destroy_at.is_some() {
            return Err(ServiceError::PendingDestroy);
        }
        if !key.state.permits(op) {
            return Err(ServiceError::WrongState(format!(
                "a {} key cannot {}",
                key.state,
                op.as_str()
            )));
        }
        Ok(())
    }

    /// Loads one enabled version of `key` (the primary when `version` is None).
    pub(crate) async fn usable_version(
        &self,
        key: &KeyRecord,
        version: Option<u32>,
    ) -> Result<UsableVersion> {
        let n = version.unwrap_or(key.primary_version);
        let v = self
            .store()
            .get_version(&key.tenant, &key.id, n)
            .await?
            .ok_or(ServiceError::NotFound {
                what: "key version",
            })?;
        if v.state != VersionState::Enabled {
            return Err(ServiceError::WrongState(format!(
                "version {n} is {}",
                v.state.as_str()
            )));
        }
        Ok(Self::usable(key, v))
    }

    /// Every enabled version, primary first then newest to oldest (for
    /// verification and unwrapping when the caller does not name a version).
    pub(crate) async fn candidate_versions(
        &self,
        key: &KeyRecord,
        version: Option<u32>,
    ) -> Result<Vec<UsableVersion>> {
        if version.is_some() {
            return Ok(vec![self.usable_version(key, version).await?]);
        }
        let mut all = self.store().list_versions(&key.tenant, &key.id).await?;
        all.retain(|v| v.state == VersionState::Enabled);
        all.sort_by_key(|v| {
            (
                v.version != key.primary_version,
                std::cmp::Reverse(v.version),
            )
        });
        Ok(all.into_iter().map(|v| Self::usable(key, v)).collect())
    }

    pub(crate) fn usable(key: &KeyRecord, v: VersionRecord) -> UsableVersion {
        UsableVersion {
            ctx: KeyContext {
                tenant: key.tenant.clone(),
                key_id: key.id,
                version: v.version,
                algorithm: key.algorithm,
            },
            handle: KeyHandle(v.handle),
        }
    }

    /// Refuses items over the configured size.
    pub(crate) fn check_size(&self, field: &'static str, data: &[u8]) -> Result<()> {
        let limit = self.config().max_item_bytes;
        if data.len() > limit {
            return Err(ServiceError::PayloadTooLarge { field, limit });
        }
        Ok(())
    }
}
