//! The audit keys: internal Tresor keys that sign checkpoints, one per
//! tenant (`tresor-internal/audit`) and a global one in the `default`
//! tenant (`tresor-internal/audit-global`), created on first use; ML-DSA-65
//! keys carry a `-ml-dsa-65` suffix. Their public keys are published.

use tresor_core::checkpoint::CHECKPOINT_ALGORITHMS;
use tresor_core::{
    Action, Algorithm, Alias, Caller, KeyOrigin, KeyRecord, Operation, TenantId, VersionRecord,
};

use crate::error::{Result, ServiceError};
use crate::keys::ctx_of;
use crate::kms::Kms;
use crate::op::Op;
use crate::types::KeySpec;

/// An audit public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditKey {
    /// The tenant whose checkpoints it signs; `None` for the global key.
    pub tenant: Option<TenantId>,
    pub key_id: tresor_core::KeyId,
    pub version: u32,
    pub algorithm: Algorithm,
    /// SubjectPublicKeyInfo DER.
    pub public_key: Vec<u8>,
}

/// The alias of the audit key of a scope for an algorithm.
pub fn audit_key_alias(global: bool, alg: Algorithm) -> String {
    let base = if global {
        "tresor-internal/audit-global"
    } else {
        "tresor-internal/audit"
    };
    match alg {
        Algorithm::Ed25519 => base.to_owned(),
        other => format!("{base}-{}", other.as_str()),
    }
}

impl Kms {
    /// The public keys that sign the caller's tenant's checkpoints and the
    /// global ones (every algorithm and version that exists).
    pub async fn audit_keys(&self, caller: &Caller) -> Result<Vec<AuditKey>> {
        let (op, allowed) = self.begin(caller, Action::AuditKeys);
        let result = async {
            allowed?;
            let mut out = Vec::new();
            for global in [true, false] {
                let tenant = if global {
                    TenantId::default_tenant()
                } else {
                    caller.tenant.clone()
                };
                for alg in CHECKPOINT_ALGORITHMS {
                    let alias = internal_alias(&audit_key_alias(global, alg))?;
                    if let Some(k) = self.store().get_key_by_alias(&tenant, &alias).await? {
                        for v in self.store().list_versions(&k.tenant, &k.id).await? {
                            out.extend(audit_key_of(&k, &v, !global));
                        }
                    }
                }
            }
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// The audit key of a scope for the configured algorithm, created (and
    /// audited as `key.create`) on first use, with its primary version.
    pub(crate) async fn audit_key(
        &self,
        caller: &Caller,
        scope: Option<&TenantId>,
    ) -> Result<(KeyRecord, VersionRecord)> {
        let alg = self.config().audit_checkpoint_algorithm;
        if !CHECKPOINT_ALGORITHMS.contains(&alg) {
            return Err(ServiceError::UnsupportedAlgorithm(format!(
                "audit keys are ed25519 or ml-dsa-65, not {alg}"
            )));
        }
        let tenant = scope.cloned().unwrap_or_else(TenantId::default_tenant);
        let alias = internal_alias(&audit_key_alias(scope.is_none(), alg))?;
        let key = match self.store().get_key_by_alias(&tenant, &alias).await? {
            Some(k) => k,
            None => self.create_audit_key(caller, &tenant, alias, alg).await?,
        };
        let version = self
            .store()
            .get_version(&key.tenant, &key.id, key.primary_version)
            .await?
            .ok_or(ServiceError::Internal("audit key without its version"))?;
        Ok((key, version))
    }

    async fn create_audit_key(
        &self,
        caller: &Caller,
        tenant: &TenantId,
        alias: Alias,
        alg: Algorithm,
    ) -> Result<KeyRecord> {
        let mut spec = KeySpec::new(alg);
        spec.alias = Some(alias.clone());
        spec.description = "Audit checkpoint signing key (internal)".into();
        spec.operations = Some([Operation::Sign, Operation::Verify].into_iter().collect());
        self.validate_spec(&spec, true)?;
        let mut owner = caller.clone();
        owner.tenant = tenant.clone();
        let (mut key, version) = self.new_key_record(&owner, &spec, KeyOrigin::Generated)?;
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
        let mut op = Op::new(&owner, Action::KeyCreate);
        op.object(key.id);
        op.detail("purpose", "audit-checkpoint");
        op.detail("algorithm", alg.as_str());
        match self.insert_key(&mut op, key, version).await {
            Ok(d) => Ok(d.key),
            // Another node created it first: use theirs.
            Err(ServiceError::AliasExists) => self
                .store()
                .get_key_by_alias(tenant, &alias)
                .await?
                .ok_or(ServiceError::Conflict),
            Err(e) => Err(e),
        }
    }
}

fn internal_alias(name: &str) -> Result<Alias> {
    Alias::parse(name).map_err(|_| ServiceError::Internal("bad internal alias"))
}

/// The audit key of a version that has a public key.
fn audit_key_of(k: &KeyRecord, v: &VersionRecord, tenant: bool) -> Option<AuditKey> {
    Some(AuditKey {
        tenant: tenant.then(|| k.tenant.clone()),
        key_id: k.id,
        version: v.version,
        algorithm: k.algorithm,
        public_key: v.public_key.clone()?,
    })
}
