//! Signed audit checkpoints: the current chain head `(seq, hash)` signed by
//! an audit key that is itself a Tresor key — one internal key per tenant
//! (`tresor-internal/audit`) and a global one kept in the `default` tenant
//! (`tresor-internal/audit-global`); ML-DSA-65 keys carry a `-ml-dsa-65`
//! suffix, so switching algorithms starts a new key and old checkpoints
//! still verify. Nothing is signed over a chain that does not verify: each
//! checkpoint first verifies the records added since the last one.

use tokio::sync::Mutex;
use tresor_core::audit::{ChainVerifier, GENESIS_HASH};
use tresor_core::checkpoint::{CHECKPOINT_ACTION, CHECKPOINT_ALGORITHMS, canonical_bytes};
use tresor_core::{
    Action, Algorithm, Alias, AuditFilter, Caller, Change, Checkpoint, CheckpointFilter,
    CheckpointScope, KeyOrigin, KeyRecord, Operation, SignInput, SignScheme, TenantId,
    VersionRecord,
};

use crate::error::{Result, ServiceError};
use crate::keys::ctx_of;
use crate::kms::Kms;
use crate::op::Op;
use crate::types::KeySpec;

/// Per-service state of the evidence features.
#[derive(Debug, Default)]
pub struct EvidenceState {
    /// Serializes checkpoint creation; holds the `(seq, hash)` up to which
    /// this process has verified the chain (`None`: not yet).
    verified: Mutex<Option<(u64, [u8; 32])>>,
}

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

/// What one scheduled checkpoint pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckpointPass {
    /// Checkpoints made (tenants with new records, then the global one).
    pub made: usize,
    /// Scopes without new records since their last checkpoint.
    pub idle: usize,
    pub failed: usize,
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

fn sign_scheme(alg: Algorithm) -> Result<SignScheme> {
    match alg {
        Algorithm::Ed25519 => Ok(SignScheme::Ed25519),
        Algorithm::MlDsa65 => Ok(SignScheme::MlDsa),
        _ => Err(ServiceError::Internal(
            "audit keys are Ed25519 or ML-DSA-65",
        )),
    }
}

impl Kms {
    /// Signs a checkpoint of the current chain head now: the caller's
    /// tenant's, or with `global` the global one (platform admins only).
    pub async fn create_checkpoint(&self, caller: &Caller, global: bool) -> Result<Checkpoint> {
        let (mut op, allowed) = self.begin(caller, Action::AuditCheckpoint);
        let result = async {
            allowed?;
            if global && !caller.platform_admin {
                return Err(ServiceError::Forbidden {
                    action: "audit.checkpoint (global)",
                });
            }
            let scope = (!global).then(|| caller.tenant.clone());
            self.make_checkpoint(&mut op, caller, scope).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Checkpoints of the caller's tenant and the global ones, oldest first.
    pub async fn list_checkpoints(
        &self,
        caller: &Caller,
        after_seq: Option<u64>,
        limit: u32,
    ) -> Result<Vec<Checkpoint>> {
        let (op, allowed) = self.begin(caller, Action::AuditCheckpointList);
        let result = async {
            allowed?;
            let filter = CheckpointFilter {
                after_seq,
                limit: limit.clamp(1, 1000),
                ..CheckpointFilter::new(CheckpointScope::TenantAndGlobal(caller.tenant.clone()))
            };
            Ok(self.store().list_checkpoints(&filter).await?)
        }
        .await;
        self.finish(op, result).await
    }

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

    /// Scheduled pass: a checkpoint for every tenant with records since its
    /// last one, then a global one if anything happened.
    pub async fn run_checkpoints(&self) -> Result<CheckpointPass> {
        let mut pass = CheckpointPass::default();
        // The global key first: created later, its `key.create` record in
        // `default` would count as new there on the next pass.
        let system = Caller::system(TenantId::default_tenant());
        self.audit_key(&system, None).await?;
        let tenants = self.store().list_tenants().await?;
        let scopes = tenants.into_iter().map(|t| Some(t.id)).chain([None]);
        for scope in scopes {
            if !self.has_new_records(scope.as_ref()).await? {
                pass.idle += 1;
                continue;
            }
            let tenant = scope.clone().unwrap_or_else(TenantId::default_tenant);
            let caller = Caller::system(tenant);
            let mut op = Op::new(&caller, Action::AuditCheckpoint);
            let result = self.make_checkpoint(&mut op, &caller, scope).await;
            match self.finish(op, result).await {
                Ok(_) => pass.made += 1,
                Err(e) => {
                    tracing::error!(error = %e, "scheduled audit checkpoint failed");
                    pass.failed += 1;
                }
            }
        }
        Ok(pass)
    }

    /// Raises the audit high-water mark to the latest checkpoint: the chain
    /// must reach at least that far (records truncated while the server was
    /// stopped are then detected). Called at start-up.
    pub async fn load_audit_bounds(&self) -> Result<u64> {
        let latest = self.latest_checkpoint(CheckpointScope::All).await?;
        let seq = latest.map_or(0, |c| c.seq);
        self.audit_writer().committed(seq);
        Ok(seq)
    }

    pub(crate) async fn latest_checkpoint(
        &self,
        scope: CheckpointScope,
    ) -> Result<Option<Checkpoint>> {
        let filter = CheckpointFilter {
            limit: 1,
            descending: true,
            ..CheckpointFilter::new(scope)
        };
        Ok(self.store().list_checkpoints(&filter).await?.pop())
    }

    /// Whether records other than checkpoints were written in `scope` (a
    /// tenant, or with `None` anywhere) since its latest checkpoint.
    async fn has_new_records(&self, scope: Option<&TenantId>) -> Result<bool> {
        let cp_scope = match scope {
            Some(t) => CheckpointScope::Tenant(t.clone()),
            None => CheckpointScope::Global,
        };
        let after = self.latest_checkpoint(cp_scope).await?.map_or(0, |c| c.seq);
        let records = self
            .store()
            .list_audit(&AuditFilter {
                tenant: scope.map(|t| t.to_string()),
                after_seq: Some(after),
                ascending: true,
                limit: 64,
                ..AuditFilter::default()
            })
            .await?;
        Ok(records.iter().any(|r| r.event.action != CHECKPOINT_ACTION))
    }

    /// Verifies the new records, signs the head and commits the checkpoint
    /// with `op`'s success record.
    async fn make_checkpoint(
        &self,
        op: &mut Op,
        caller: &Caller,
        scope: Option<TenantId>,
    ) -> Result<Checkpoint> {
        op.object(scope.as_ref().map_or("global", TenantId::as_str));
        let mut verified = self.evidence().verified.lock().await;
        let (key, version) = self.audit_key(caller, scope.as_ref()).await?;
        let (seq, hash) = self.store().audit_head().await?;
        *verified = Some(self.verify_up_to(*verified, seq, hash).await?);
        let time = self.now();
        let message = canonical_bytes(seq, &hash, time, scope.as_ref());
        let uv = Self::usable(&key, version.clone());
        let signature = self
            .provider(&key.provider)?
            .sign(
                &uv.ctx,
                &uv.handle,
                sign_scheme(key.algorithm)?,
                SignInput::Message(&message),
            )
            .await?;
        let checkpoint = Checkpoint {
            seq,
            hash,
            time,
            tenant: scope,
            key_id: key.id,
            key_version: version.version,
            algorithm: key.algorithm,
            signature,
        };
        let public = version
            .public_key
            .as_deref()
            .ok_or(ServiceError::Internal("audit key without a public key"))?;
        if !checkpoint.verify(public) {
            return Err(ServiceError::Internal(
                "the audit key's signature does not verify",
            ));
        }
        op.detail("seq", seq);
        op.detail("key_id", key.id.to_string());
        self.commit(op, vec![Change::PutCheckpoint(checkpoint.clone())])
            .await?;
        Ok(checkpoint)
    }

    /// Verifies the chain from `from` (already verified; `None`: from the
    /// start) to the head `(seq, hash)`; returns the new verified point.
    async fn verify_up_to(
        &self,
        from: Option<(u64, [u8; 32])>,
        seq: u64,
        hash: [u8; 32],
    ) -> Result<(u64, [u8; 32])> {
        let (start, start_hash) = from.unwrap_or((0, GENESIS_HASH));
        if seq < start {
            // Records this process verified are gone.
            return Err(ServiceError::AuditChainBroken { seq: seq + 1 });
        }
        let mut v = ChainVerifier::starting_at(start, start_hash);
        let mut after = start;
        while after < seq {
            let page = self
                .store()
                .list_audit(&AuditFilter {
                    after_seq: Some(after),
                    ascending: true,
                    limit: 1000,
                    ..AuditFilter::default()
                })
                .await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for r in page.iter().take_while(|r| r.seq <= seq) {
                v.push(r)
                    .map_err(|e| ServiceError::AuditChainBroken { seq: e.seq() })?;
            }
        }
        if v.count() != seq || v.head() != hash {
            return Err(ServiceError::AuditChainBroken { seq: v.count() + 1 });
        }
        Ok((seq, hash))
    }

    /// The audit key of a scope for the configured algorithm, created (and
    /// audited as `key.create`) on first use, with its primary version.
    async fn audit_key(
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
pub(crate) fn audit_key_of(k: &KeyRecord, v: &VersionRecord, tenant: bool) -> Option<AuditKey> {
    Some(AuditKey {
        tenant: tenant.then(|| k.tenant.clone()),
        key_id: k.id,
        version: v.version,
        algorithm: k.algorithm,
        public_key: v.public_key.clone()?,
    })
}
