//! Tresor's own keys (aliases under `tresor-internal/`, a reserved prefix):
//! the import wrapping key, audit checkpoint keys, provider self-test keys
//! and the secrets keys. Each is found by its alias, or created on first
//! use in its own audited `key.create` commit. Several requests or nodes
//! may race to create one; the alias is unique, so the losers use the
//! winner's key.

use tresor_core::{Action, Caller, KeyOrigin, KeyRecord, VersionRecord};

use crate::error::{Result, ServiceError};
use crate::keys::ctx_of;
use crate::kms::Kms;
use crate::op::Op;
use crate::types::KeySpec;

impl Kms {
    /// The internal key `spec.alias` of `owner.tenant`, created from
    /// `spec` by `owner` when it does not exist yet; `purpose` goes into
    /// the creation's audit record.
    pub(crate) async fn internal_key(
        &self,
        owner: &Caller,
        spec: KeySpec,
        purpose: &'static str,
    ) -> Result<KeyRecord> {
        let alias = spec
            .alias
            .clone()
            .ok_or(ServiceError::Internal("internal key without an alias"))?;
        let existing = |k: KeyRecord| {
            // The prefix is reserved, so only Tresor makes these keys; never
            // use a key that callers could use or export.
            if k.internal {
                Ok(k)
            } else {
                Err(ServiceError::Internal(
                    "an internal alias names a caller's key",
                ))
            }
        };
        if let Some(k) = self.store().get_key_by_alias(&owner.tenant, &alias).await? {
            return existing(k);
        }
        self.validate_spec(&spec, true)?;
        let (mut key, version) = self.new_key_record(owner, &spec, KeyOrigin::Generated)?;
        key.internal = true;
        let made = self
            .provider(&key.provider)?
            .generate(&ctx_of(&key, 1))
            .await?;
        let version = VersionRecord {
            handle: made.handle.0,
            public_key: made.public_key,
            ..version
        };
        let mut op = Op::new(owner, Action::KeyCreate);
        op.object(key.id);
        op.detail("purpose", purpose);
        op.detail("algorithm", spec.algorithm.as_str());
        match self.insert_key(&mut op, key, version).await {
            Ok(d) => Ok(d.key),
            // Another request or node created it first: use theirs.
            Err(ServiceError::AliasExists) => existing(
                self.store()
                    .get_key_by_alias(&owner.tenant, &alias)
                    .await?
                    .ok_or(ServiceError::Conflict)?,
            ),
            Err(e) => Err(e),
        }
    }
}
