//! Signed audit checkpoints: the current chain head `(seq, hash)` signed by
//! an audit key that is itself a Tresor key (see [`crate::audit_keys`]), on
//! demand and by a scheduled pass. Nothing is signed over a chain that does
//! not verify: each checkpoint first verifies the records added since the
//! last point this process verified.

use tokio::sync::Mutex;
use tresor_core::audit::{ChainVerifier, GENESIS_HASH};
use tresor_core::checkpoint::{CHECKPOINT_ACTION, canonical_bytes};
use tresor_core::{
    Action, Algorithm, AuditFilter, Caller, Change, Checkpoint, CheckpointFilter, CheckpointScope,
    SignInput, SignScheme, TenantId,
};

use crate::audit_verify::{KeyCache, SigCheck, signature_ok};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::op::Op;

/// Per-service state of the evidence features.
#[derive(Debug, Default)]
pub struct EvidenceState {
    /// Serializes checkpoint creation; holds the `(seq, hash)` up to which
    /// this process has verified the chain (`None`: not yet).
    verified: Mutex<Option<(u64, [u8; 32])>>,
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
        let (start, start_hash) = match from {
            Some(point) => point,
            None => self.trusted_start().await?,
        };
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

    /// Where a process starts verifying before its first checkpoint: the
    /// latest checkpoint whose signature its provider confirms (the chain up
    /// to it was verified when it was signed), else the start of the chain.
    async fn trusted_start(&self) -> Result<(u64, [u8; 32])> {
        if let Some(cp) = self.latest_checkpoint(CheckpointScope::All).await? {
            let mut keys = KeyCache::new();
            if signature_ok(self.store(), SigCheck::Provider(self), &mut keys, &cp).await? {
                return Ok((cp.seq, cp.hash));
            }
        }
        Ok((0, GENESIS_HASH))
    }
}
