//! The audit keys: internal Tresor keys that sign checkpoints, one per
//! tenant (`tresor-internal/audit`) and a global one in the `default`
//! tenant (`tresor-internal/audit-global`), created on first use; ML-DSA-65
//! keys carry a `-ml-dsa-65` suffix. Their public keys are published.

use tresor_core::checkpoint::CHECKPOINT_ALGORITHMS;
use tresor_core::{
    Action, Algorithm, Alias, Caller, KeyRecord, Operation, TenantId, VersionRecord,
};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
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
        let mut spec = KeySpec::new(alg);
        spec.alias = Some(alias);
        spec.description = "Audit checkpoint signing key (internal)".into();
        spec.operations = Some([Operation::Sign, Operation::Verify].into_iter().collect());
        let mut owner = caller.clone();
        owner.tenant = tenant;
        let key = self.internal_key(&owner, spec, "audit-checkpoint").await?;
        let version = self
            .store()
            .get_version(&key.tenant, &key.id, key.primary_version)
            .await?
            .ok_or(ServiceError::Internal("audit key without its version"))?;
        Ok((key, version))
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
