//! Lifecycle operations: rotate, enable/disable, revoke, scheduled and
//! immediate destroy (crypto-shredding), and per-version enable/disable.

use tresor_core::{
    Action, Caller, Change, KeyRecord, KeyState, RevocationReason, SecretBytes, Transition,
    VersionRecord, VersionState,
};

use crate::approvals::{ActionClass, PendingOp};
use crate::config::DESTROY_WINDOW_DAYS;
use crate::error::{Result, ServiceError};
use crate::keys::ctx_of;
use crate::kms::Kms;
use crate::op::Op;
use crate::resolve::KeyRef;
use crate::types::KeyDetails;

impl Kms {
    /// Adds a new version and makes it primary. Older versions keep
    /// decrypting/verifying. `material` imports the new version's material
    /// instead of generating it.
    pub async fn rotate_key(
        &self,
        caller: &Caller,
        key: &KeyRef,
        material: Option<SecretBytes>,
    ) -> Result<KeyDetails> {
        let (mut op, allowed) = self.begin(caller, Action::KeyRotate);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            if material.is_none() {
                self.park_if_guarded(caller, &mut op, &k, ActionClass::Manage, || {
                    PendingOp::Rotate
                })
                .await?;
            }
            self.rotate_loaded(&mut op, k, material).await
        }
        .await;
        self.finish(op, result).await
    }

    pub(crate) async fn rotate_loaded(
        &self,
        op: &mut Op,
        k: KeyRecord,
        material: Option<SecretBytes>,
    ) -> Result<KeyDetails> {
        if !matches!(k.state, KeyState::Active | KeyState::PreActive) || k.destroy_at.is_some() {
            return Err(ServiceError::WrongState(format!(
                "a {} key cannot be rotated",
                k.state
            )));
        }
        let versions = self.store().list_versions(&k.tenant, &k.id).await?;
        let next = versions.iter().map(|v| v.version).max().unwrap_or(0) + 1;
        let ctx = ctx_of(&k, next);
        let provider = self.provider(&k.provider)?;
        let made = match &material {
            Some(m) => provider.import(&ctx, m).await?,
            None => provider.generate(&ctx).await?,
        };
        let now = self.now();
        let version = VersionRecord {
            tenant: k.tenant.clone(),
            key_id: k.id,
            version: next,
            state: VersionState::Enabled,
            handle: made.handle.0,
            public_key: made.public_key,
            created_at: now,
            destroyed_at: None,
        };
        let mut new = k.clone();
        new.primary_version = next;
        new.updated_at = now;
        new.next_rotation_at = k.rotation_period_secs.map(|p| now.plus_seconds(p));
        op.detail("version", next);
        self.save_key(op, &k, new, vec![Change::CreateVersion(version)])
            .await
    }

    /// Activates a pre-active key or resumes a suspended one.
    pub async fn enable_key(&self, caller: &Caller, key: &KeyRef) -> Result<KeyDetails> {
        self.transition(caller, key, Action::KeyEnable, Transition::Enable, None)
            .await
    }

    /// Suspends an active key (reversible).
    pub async fn disable_key(&self, caller: &Caller, key: &KeyRef) -> Result<KeyDetails> {
        self.transition(caller, key, Action::KeyDisable, Transition::Disable, None)
            .await
    }

    /// Revokes: deactivates, or marks compromised for a compromise reason.
    pub async fn revoke_key(
        &self,
        caller: &Caller,
        key: &KeyRef,
        reason: RevocationReason,
        message: Option<String>,
    ) -> Result<KeyDetails> {
        if message.as_ref().is_some_and(|m| m.len() > 1024) {
            return Err(ServiceError::invalid("message", "at most 1024 bytes"));
        }
        self.transition(
            caller,
            key,
            Action::KeyRevoke,
            reason.transition(),
            Some((reason, message)),
        )
        .await
    }

    async fn transition(
        &self,
        caller: &Caller,
        key: &KeyRef,
        action: Action,
        t: Transition,
        revocation: Option<(RevocationReason, Option<String>)>,
    ) -> Result<KeyDetails> {
        let (mut op, allowed) = self.begin(caller, action);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            if t == Transition::Destroy {
                return Err(ServiceError::Internal("destroy has its own path"));
            }
            let next = k.state.apply(t)?;
            self.park_if_guarded(caller, &mut op, &k, ActionClass::Manage, || match action {
                Action::KeyEnable => PendingOp::Enable,
                Action::KeyDisable => PendingOp::Disable,
                _ => PendingOp::Revoke {
                    reason: revocation
                        .as_ref()
                        .map_or(RevocationReason::Unspecified, |r| r.0),
                    message: revocation.as_ref().and_then(|r| r.1.clone()),
                },
            })
            .await?;
            let now = self.now();
            let mut new = k.clone();
            new.state = next;
            new.updated_at = now;
            match next {
                KeyState::Active => new.activated_at = new.activated_at.or(Some(now)),
                KeyState::Deactivated | KeyState::Compromised => {
                    new.deactivated_at = new.deactivated_at.or(Some(now));
                }
                _ => {}
            }
            if let Some((reason, message)) = revocation {
                new.revocation_reason = Some(reason);
                new.revocation_message = message;
                op.detail("reason", serde_json::to_value(reason).unwrap_or_default());
            }
            op.detail("state", next.as_str());
            self.save_key(&mut op, &k, new, vec![]).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Schedules crypto-shredding after a pending window (7–30 days, default
    /// from config). The key is unusable while pending; cancel restores it.
    pub async fn schedule_destroy(
        &self,
        caller: &Caller,
        key: &KeyRef,
        pending_days: Option<u32>,
    ) -> Result<KeyDetails> {
        let (mut op, allowed) = self.begin(caller, Action::KeyScheduleDestroy);
        op.object(key);
        let result = async {
            allowed?;
            let days = pending_days.unwrap_or(self.config().default_destroy_window_days);
            if !DESTROY_WINDOW_DAYS.contains(&days) {
                return Err(ServiceError::invalid(
                    "pending_days",
                    "must be between 7 and 30",
                ));
            }
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            if k.state.is_destroyed() {
                return Err(ServiceError::WrongState(
                    "the key is already destroyed".into(),
                ));
            }
            if k.destroy_at.is_some() {
                return Err(ServiceError::PendingDestroy);
            }
            self.park_if_guarded(caller, &mut op, &k, ActionClass::Destroy, || {
                PendingOp::ScheduleDestroy { pending_days }
            })
            .await?;
            let mut new = k.clone();
            let now = self.now();
            let at = now.plus_seconds(i64::from(days) * 86_400);
            new.destroy_at = Some(at);
            new.updated_at = now;
            op.detail("destroy_at", at.to_rfc3339());
            self.save_key(&mut op, &k, new, vec![]).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Cancels a scheduled destroy.
    pub async fn cancel_destroy(&self, caller: &Caller, key: &KeyRef) -> Result<KeyDetails> {
        let (mut op, allowed) = self.begin(caller, Action::KeyCancelDestroy);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            if k.destroy_at.is_none() {
                return Err(ServiceError::WrongState(
                    "no destroy is scheduled for this key".into(),
                ));
            }
            let mut new = k.clone();
            new.destroy_at = None;
            new.updated_at = self.now();
            self.save_key(&mut op, &k, new, vec![]).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Destroys now (admin): the key must not be active. Material is erased
    /// from the provider and the store; metadata and history remain.
    pub async fn destroy_key(&self, caller: &Caller, key: &KeyRef) -> Result<KeyDetails> {
        let (mut op, allowed) = self.begin(caller, Action::KeyDestroy);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            // The state machine refuses first (an active key cannot be
            // destroyed), so no request is opened for what would fail.
            k.state.apply(Transition::Destroy)?;
            self.park_if_guarded(caller, &mut op, &k, ActionClass::Destroy, || {
                PendingOp::Destroy
            })
            .await?;
            self.shred(&mut op, k, false).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Crypto-shreds a key. `deactivate_first` lets a scheduled destroy of an
    /// active key deactivate it in the same transaction.
    pub(crate) async fn shred(
        &self,
        op: &mut Op,
        k: KeyRecord,
        deactivate_first: bool,
    ) -> Result<KeyDetails> {
        let mut state = k.state;
        if deactivate_first && state == KeyState::Active {
            state = state.apply(Transition::Deactivate)?;
        }
        let next = state.apply(Transition::Destroy)?;
        let provider = self.provider(&k.provider)?;
        let now = self.now();
        let versions = self.store().list_versions(&k.tenant, &k.id).await?;
        let mut changes = Vec::with_capacity(versions.len());
        for v in versions {
            if v.state == VersionState::Destroyed {
                continue;
            }
            provider
                .destroy(
                    &ctx_of(&k, v.version),
                    &tresor_core::KeyHandle(v.handle.clone()),
                )
                .await?;
            changes.push(Change::UpdateVersion(VersionRecord {
                state: VersionState::Destroyed,
                handle: Vec::new(),
                destroyed_at: Some(now),
                ..v
            }));
        }
        let mut new = k.clone();
        new.state = next;
        new.destroy_at = None;
        new.destroyed_at = Some(now);
        new.deactivated_at = new.deactivated_at.or(Some(now));
        new.updated_at = now;
        op.detail("state", next.as_str());
        self.save_key(op, &k, new, changes).await
    }

    /// Enables or disables one version (the primary cannot be disabled).
    pub async fn set_version_enabled(
        &self,
        caller: &Caller,
        key: &KeyRef,
        version: u32,
        enabled: bool,
    ) -> Result<KeyDetails> {
        let action = if enabled {
            Action::KeyVersionEnable
        } else {
            Action::KeyVersionDisable
        };
        let (mut op, allowed) = self.begin(caller, action);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            op.detail("version", version);
            let v = self
                .store()
                .get_version(&k.tenant, &k.id, version)
                .await?
                .ok_or(ServiceError::NotFound {
                    what: "key version",
                })?;
            if v.state == VersionState::Destroyed {
                return Err(ServiceError::WrongState("the version is destroyed".into()));
            }
            if !enabled && version == k.primary_version {
                return Err(ServiceError::WrongState(
                    "the primary version cannot be disabled; rotate first".into(),
                ));
            }
            let state = if enabled {
                VersionState::Enabled
            } else {
                VersionState::Disabled
            };
            let mut new = k.clone();
            new.updated_at = self.now();
            let change = Change::UpdateVersion(VersionRecord { state, ..v });
            self.save_key(&mut op, &k, new, vec![change]).await
        }
        .await;
        self.finish(op, result).await
    }
}
